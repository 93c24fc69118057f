// History against diff: for consecutive releases R-1, R of a history, what the history says
// appeared or disappeared between them is what diff(R-1, R) reports, and the reverse. Shared by
// the tests on hand-written releases and on QEMU's.
import { diffWire, type ChangeKind, type WireChange } from "../../generator/compat/diff.ts";
import { buildHistory, own, presentIn, type Release } from "../../generator/compat/history.ts";

/** Kinds of change that make a path appear (added) or disappear (removed). */
const APPEAR = new Set<ChangeKind>([
  "command added",
  "event added",
  "optional member added",
  "mandatory member added",
  "enum value added",
  "branch added",
  "alternative added",
  "feature added",
]);
const DISAPPEAR = new Set<ChangeKind>(
  [...APPEAR].map((k) => k.replace("added", "removed") as ChangeKind),
);
/** A different type at a path: what lies below it may appear and disappear. */
const RETYPE = new Set<ChangeKind>(["type changed", "type widened", "type narrowed"]);

/** A path's components, a member's feature (`m$f`) below its member. */
function components(p: string): string[] {
  return p
    .split("/")
    .flatMap((c) =>
      c.indexOf("$") > 0 ? [c.slice(0, c.indexOf("$")), c.slice(c.indexOf("$"))] : [c],
    );
}

export interface Agreement {
  /** Events of the history checked (a path appearing or disappearing between two releases). */
  events: number;
  /** Changes of the diffs checked (at every path they list). */
  changes: number;
  /** Paths the history and its diffs agree on, in all. */
  agreed: number;
  /** What one says and the other does not. */
  disagreements: string[];
}

export function agreement(releases: readonly Release[]): Agreement {
  const history = buildHistory(releases);
  const names = history.releases;
  const out: Agreement = { events: 0, changes: 0, agreed: 0, disagreements: [] };
  for (let r = 1; r < releases.length; r++) {
    const pair = `${names[r - 1]} → ${names[r]}`;
    const changes = diffWire(releases[r - 1]!.wire, releases[r]!.wire);
    const at = (c: WireChange): string[][] => [c.path, ...c.otherPaths];
    // Where the diff reports what: by path (components joined), and for an alternative `!k`, at
    // its alternate's path (what it brings lies beside it).
    const byPath = new Map<string, Set<ChangeKind>>();
    const besides = new Map<string, Set<ChangeKind>>();
    const index = (m: Map<string, Set<ChangeKind>>, key: string, kind: ChangeKind): void => {
      const set = m.get(key);
      if (set) set.add(kind);
      else m.set(key, new Set([kind]));
    };
    for (const c of changes)
      for (const q of at(c)) {
        const qc = q.flatMap((x) => components(x));
        index(byPath, qc.join("/"), c.kind);
        if (c.kind.startsWith("alternative")) index(besides, qc.slice(0, -1).join("/"), c.kind);
      }
    const has = (m: Map<string, Set<ChangeKind>>, key: string, kinds: Set<ChangeKind>): boolean =>
      [...(m.get(key) ?? [])].some((k) => kinds.has(k));
    // History to diff.
    for (const [path, h] of Object.entries(history.paths)) {
      const before = presentIn(h, names, r - 1);
      const after = presentIn(h, names, r);
      if (before === after) continue;
      out.events++;
      const kinds = after ? APPEAR : DISAPPEAR;
      const below = new Set([...kinds, ...RETYPE]);
      const p = components(path);
      let explained = has(byPath, p.join("/"), kinds);
      for (let n = 0; n < p.length && !explained; n++) {
        const prefix = p.slice(0, n).join("/");
        explained = has(byPath, prefix, below) || has(besides, prefix, kinds);
      }
      if (explained) out.agreed++;
      else out.disagreements.push(`${pair}: history: ${path} ${after ? "appears" : "goes"}`);
    }
    // Diff to history.
    for (const c of changes) {
      const appear = APPEAR.has(c.kind);
      if (!appear && !DISAPPEAR.has(c.kind)) continue;
      for (const q of at(c)) {
        out.changes++;
        const path = q.join("/");
        const h = own(history.paths, path);
        const ok =
          h !== undefined &&
          presentIn(h, names, r - 1) === !appear &&
          presentIn(h, names, r) === appear;
        if (ok) out.agreed++;
        else
          out.disagreements.push(
            `${pair}: diff: ${path} ${c.kind}; history: ${h ? JSON.stringify(h) : "no such path"}`,
          );
      }
    }
  }
  return out;
}
