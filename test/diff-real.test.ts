// `diff` and `history` on real QEMU material in ../shared: the recorded 9.2.0 and 10.0.0 replies,
// 10.2's schema and its expected payloads, 4.1's legacy schema; and QEMU's own record of what
// it removed and deprecated (docs/removed-features.rst, docs/deprecated.rst), read from the
// structure of those documents, checked against what the diff and the history find.
import { describe, expect, it } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { readWireInput, type InputOptions } from "../generator/compat/sides.ts";
import { diffWire } from "../generator/compat/diff.ts";
import { judge, type JudgedChange } from "../generator/compat/verdicts.ts";
import { buildHistory, type History } from "../generator/compat/history.ts";
import { visitPaths } from "../generator/compat/walk.ts";
import type { WireSchema } from "../generator/compat/wire.ts";
import { shared } from "./helpers/paths.ts";

const have = existsSync(path.join(shared, "qemu-10.2/docs/removed-features.rst"));
if (!have) console.log(`diff-real.test: ${shared} is absent; skipping the real-data tests`);

const reply92 = path.join(shared, "introspection/qemu-9.2.0-x86_64.query-qmp-schema.json");
const reply100 = path.join(shared, "introspection/qemu-10.0.0-x86_64.query-qmp-schema.json");
const schema102 = path.join(shared, "qemu-10.2/qapi/qapi-schema.json");
const schema41 = path.join(shared, "qemu-4.1/qapi/qapi-schema.json");
const expected = path.join(shared, "qemu-10.2/expected");
const defines102 = (): Set<string> =>
  new Set(
    readFileSync(path.join(expected, "linux-x86_64.defines"), "utf8").split("\n").filter(Boolean),
  );

function wire(file: string, options: Partial<InputOptions> = {}): WireSchema {
  const r = readWireInput(file, { defines: null, compat: false, ...options });
  if (!r.wire) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
  return r.wire;
}

const diff = (a: WireSchema, b: WireSchema): JudgedChange[] => judge(diffWire(a, b));

const REMOVALS = new Set([
  "command removed",
  "event removed",
  "optional member removed",
  "mandatory member removed",
  "enum value removed",
  "branch removed",
  "alternative removed",
]);

/** A path's components, a member's feature (`m$f`) below its member. */
const components = (p: string): string[] =>
  p
    .split("/")
    .flatMap((c) =>
      c.indexOf("$") > 0 ? [c.slice(0, c.indexOf("$")), c.slice(c.indexOf("$"))] : [c],
    );
const isPrefix = (prefix: string, p: string): boolean => {
  const a = components(prefix);
  const b = components(p);
  return a.length <= b.length && a.every((c, i) => c === b[i]);
};
/** Some change of `kinds` reported at a prefix of `p` (at its first path or another one). */
const covers = (changes: JudgedChange[], kinds: Set<string>, p: string): boolean =>
  changes.some((c) => kinds.has(c.change) && [c.path, ...c.alsoAt].some((at) => isPrefix(at, p)));

// ---------------------------------------------------------------------------------------------
// QEMU's release notes as data: the headings of docs/*.rst, e.g.
//   ``query-block`` result ``inserted.encryption_key_missing`` (removed in 6.0)
// under the section "QEMU Machine Protocol (QMP) commands". A heading that names commands or
// events (quoted), optionally followed by words saying what kind of part (argument, option,
// member...) and the parts (quoted, or a dotted path like dirty-bitmaps[i].status), is a claim
// about those parts; any other heading describes behaviour, not a schema element.

interface Claim {
  heading: string;
  version: number[];
  section: string;
  /** The names in order: commands/events first, then the parts. */
  names: string[];
  /** Words other than the part words: the heading is not about schema elements. */
  otherWords: string[];
  startsWithName: boolean;
}

const PART_WORDS = new Set(
  "and command option parameter parameters argument arguments result field return value member output".split(
    " ",
  ),
);

function rstClaims(file: string, kind: "removed in" | "since"): Claim[] {
  const lines = readFileSync(file, "utf8").split("\n");
  const out: Claim[] = [];
  let section = "";
  for (let i = 1; i < lines.length; i++) {
    const under = /^([-'^=~])\1{3,}$/.exec(lines[i]!);
    const title = lines[i - 1]!.trim();
    if (!under || !title || /^([-'^=~])\1+$/.test(title)) continue;
    if (under[1] === "-") section = title;
    const m = new RegExp(`^(.*)\\(${kind} (\\d+)\\.(\\d+)\\)$`).exec(title);
    if (!m || !/^QEMU Machine Protocol \(QMP\)/.test(section)) continue;
    const names: string[] = [];
    const otherWords: string[] = [];
    let startsWithName = true;
    const tokens = m[1]!.matchAll(/``([^`]+)``|"([^"]+)"|([A-Za-z0-9_.[\]-]+)/g);
    let first = true;
    for (const t of tokens) {
      const bare = t[3];
      const isName = bare === undefined || /[.[]/.test(bare);
      if (first && !isName) startsWithName = false;
      first = false;
      if (isName) names.push(t[1] ?? t[2] ?? bare!);
      else if (!PART_WORDS.has(bare)) otherWords.push(bare);
    }
    out.push({
      heading: title,
      version: [Number(m[2]), Number(m[3])],
      section,
      names,
      otherWords,
      startsWithName,
    });
  }
  return out;
}

const after = (v: number[], w: number[]): boolean =>
  v[0]! > w[0]! || (v[0] === w[0] && v[1]! > w[1]!);

/** A command or event of `w` the documents name (they write some with '_' for '-', or singular). */
function resolveDefinition(w: WireSchema, name: string): string | null {
  const all = [...w.commands.keys(), ...w.events.keys()];
  const norm = (s: string): string => s.replace(/_/g, "-");
  const exact = all.find((n) => n === name) ?? all.find((n) => norm(n) === norm(name));
  if (exact) return exact;
  const prefixed = all.filter((n) => norm(n).startsWith(norm(name)));
  return prefixed.length === 1 ? prefixed[0]! : null;
}

type Resolved =
  | { checkable: true; definitions: string[]; parts: string[][] }
  | { checkable: false; why: string };

/** The claim as definitions and part paths in `w`, or why it says nothing checkable. */
function resolve(claim: Claim, w: WireSchema): Resolved {
  if (!claim.startsWithName) return { checkable: false, why: "describes behaviour" };
  if (claim.otherWords.length) return { checkable: false, why: "not about a schema element" };
  const definitions: string[] = [];
  let i = 0;
  for (; i < claim.names.length; i++) {
    const d = resolveDefinition(w, claim.names[i]!);
    if (!d) break;
    definitions.push(d);
  }
  if (!definitions.length) return { checkable: false, why: "names no command or event here" };
  const parts = claim.names.slice(i).map((n) => n.replace(/\[i\]/g, "").split("."));
  return { checkable: true, definitions, parts };
}

/** Every path of `w`, and each one's components without modifiers (^ + ! *). */
function pathsOf(w: WireSchema): string[] {
  const out: string[] = [];
  visitPaths(w, { thing: (p) => out.push(p) });
  return out;
}
const plain = (c: string): string => c.replace(/^[\^+!*]/, "");

/** Paths of `paths` under a definition that end with the part's components. */
function partPaths(paths: string[], definition: string, part: string[]): string[] {
  return paths.filter((p) => {
    const c = components(p);
    if (c[0] !== definition || c.length < part.length + 2) return false;
    const tail = c.slice(-part.length).map(plain);
    return !c.at(-1)!.includes("$") && tail.every((x, j) => x === part[j]);
  });
}

describe.skipIf(!have)("diff on real QEMU material", () => {
  it("finds nothing between QEMU 10.2's schema and the payload its build returns", () => {
    const defines = defines102();
    const schema = wire(schema102, { defines });
    for (const payload of ["introspect.json", "introspect-unmasked.json"]) {
      const reply = wire(path.join(expected, `linux-x86_64.${payload}`));
      expect(diff(schema, reply)).toEqual([]);
      expect(diff(reply, schema)).toEqual([]);
    }
  });

  it("diffs the 9.2.0 and 10.0.0 replies symmetrically", () => {
    const a = wire(reply92);
    const b = wire(reply100);
    const forward = diff(a, b);
    const backward = diff(b, a);
    expect(forward.length).toBeGreaterThan(0);
    expect(forward.filter((c) => c.breaking)).toEqual([]);
    // Each addition one way is the removal the other way, at the same path.
    const flip = (k: string): string =>
      k.replace(/added|removed/, (w) => (w === "added" ? "removed" : "added"));
    const key = (c: JudgedChange, k: string = c.change): string => `${c.path} ${k}`;
    expect(new Set(backward.map((c) => key(c)))).toEqual(
      new Set(forward.map((c) => key(c, flip(c.change)))),
    );
  });

  const removed41 = (): { changes: JudgedChange[]; paths41: string[]; w41: WireSchema } => {
    const w41 = wire(schema41, { compat: true });
    const w102 = wire(schema102);
    return { changes: diff(w41, w102), paths41: pathsOf(w41), w41 };
  };

  it("finds, from 4.1 to 10.2, the QMP removals removed-features.rst lists after 4.1", () => {
    const { changes, paths41, w41 } = removed41();
    const claims = rstClaims(
      path.join(shared, "qemu-10.2/docs/removed-features.rst"),
      "removed in",
    ).filter((c) => after(c.version, [4, 1]));
    const checked: string[] = [];
    const missed: string[] = [];
    const unchecked: string[] = [];
    for (const claim of claims) {
      const r = resolve(claim, w41);
      if (!r.checkable) {
        unchecked.push(`${claim.heading}: ${r.why}`);
        continue;
      }
      if (!r.parts.length) {
        for (const d of r.definitions)
          (covers(changes, REMOVALS, d) ? checked : missed).push(`${claim.heading}: ${d}`);
        continue;
      }
      const found = r.definitions.flatMap((d) => r.parts.flatMap((p) => partPaths(paths41, d, p)));
      if (!found.length) {
        unchecked.push(`${claim.heading}: not in 4.1`);
        continue;
      }
      for (const p of found)
        (covers(changes, REMOVALS, p) ? checked : missed).push(`${claim.heading}: ${p}`);
    }
    expect(missed).toEqual([]);
    // The documents' structure yields most claims; the rest describe behaviour or things that
    // came after 4.1 (listed in the report of this work).
    expect(checked.length).toBeGreaterThanOrEqual(25);
    expect(unchecked.length).toBeLessThan(checked.length / 3);
  });

  it("has, from 4.1 through the 9.2 and 10.0 replies to 10.2, what deprecated.rst says", () => {
    // 4.1 predates the single-binary schema: its target symbols are TARGET_*.
    const defines = defines102();
    const w41 = wire(schema41, { compat: true, defines: new Set([...defines, "TARGET_I386"]) });
    const w102 = wire(schema102, { defines });
    const w100 = wire(reply100);
    const history: History = buildHistory([
      { name: "4.1", wire: w41 },
      { name: "9.2", wire: wire(reply92) },
      { name: "10.0", wire: w100 },
      { name: "10.2", wire: w102 },
    ]);
    const version = (r: string): number[] => r.split(".").map(Number);
    const paths102 = pathsOf(w102);
    const newly = diff(w100, w102);
    const claims = rstClaims(path.join(shared, "qemu-10.2/docs/deprecated.rst"), "since");
    let checked = 0;
    const wrong: string[] = [];
    for (const claim of claims) {
      const r = resolve(claim, w102);
      if (!r.checkable) continue;
      const things = r.parts.length
        ? r.definitions.flatMap((d) => r.parts.flatMap((p) => partPaths(paths102, d, p)))
        : r.definitions;
      for (const p of things) {
        checked++;
        const h = history.paths[p];
        if (!h?.deprecated.includes("10.2"))
          wrong.push(`${claim.heading}: ${p} not deprecated in 10.2`);
        // No release carries the flag before the documented deprecation.
        for (const rel of h?.deprecated ?? [])
          if (after(claim.version, version(rel)))
            wrong.push(`${claim.heading}: ${p} deprecated in ${rel}`);
        // Deprecated after 10.0: the diff from the 10.0 reply shows the feature arriving.
        if (after(claim.version, [10, 0])) {
          const feature = r.parts.length ? `${p}$deprecated` : `${p}/$deprecated`;
          if (!covers(newly, new Set(["feature added"]), feature))
            wrong.push(`${claim.heading}: no feature added at ${feature}`);
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(checked).toBeGreaterThanOrEqual(15);
  });

  it("agrees with the history: what a release drops or adds, the diff reports", () => {
    const defines = defines102();
    const before = wire(reply100);
    const now = wire(schema102, { defines });
    const h = buildHistory([
      { name: "10.0", wire: before },
      { name: "10.2", wire: now },
    ]);
    const changes = diff(before, now);
    const ADDITIONS = new Set([...REMOVALS].map((k) => k.replace("removed", "added")));
    ADDITIONS.add("feature added");
    const unexplained = Object.entries(h.paths)
      .filter(([, e]) => e.removed === "10.2" || e.added === "10.2")
      .filter(([p, e]) => {
        const kinds = e.removed ? new Set([...REMOVALS, "feature removed"]) : ADDITIONS;
        // A path whose parent changed type appears or disappears with the type change.
        return !covers(changes, kinds, p) && !covers(changes, new Set(["type changed"]), p);
      })
      .map(([p]) => p);
    expect(unexplained).toEqual([]);
  });
});
