// The history of a wire protocol over releases (oldest first): for every wire path (paths.ts), the
// release it first appears in, the release it disappears in, the releases it is missing from in
// between, and those in which it carries the special features 'deprecated' / 'unstable'. The JSON
// form is what `qapi-ts history` writes and `lint --history` reads.

import { parseQuery } from "../../runtime/introspection.ts";
import { comparePaths } from "./diff.ts";
import { visitPaths } from "./paths.ts";
import type { WireSchema } from "./wire.ts";

export interface PathHistory {
  added: string;
  /** The first release after its last appearance, when it is absent from the newest. */
  removed: string | null;
  /** Releases between its first and last appearance that lack it. */
  absentIn: string[];
  deprecated: string[];
  unstable: string[];
}

export interface History {
  /** Oldest first. */
  releases: string[];
  /** By path, in path order. */
  paths: Record<string, PathHistory>;
}

export function buildHistory(releases: readonly { name: string; wire: WireSchema }[]): History {
  const seen = new Map<string, { present: boolean[]; deprecated: string[]; unstable: string[] }>();
  releases.forEach(({ name, wire }, i) => {
    visitPaths(wire, {
      thing(path, features) {
        let s = seen.get(path);
        if (!s) seen.set(path, (s = { present: [], deprecated: [], unstable: [] }));
        if (s.present[i]) return; // reached again through an alternate's alternatives
        s.present[i] = true;
        if (features.some((f) => f.name === "deprecated")) s.deprecated.push(name);
        if (features.some((f) => f.name === "unstable")) s.unstable.push(name);
      },
    });
  });
  const names = releases.map((r) => r.name);
  const paths: Record<string, PathHistory> = {};
  const sorted = [...seen.keys()]
    .map((p) => ({ p, c: p.split("/") }))
    .sort((a, b) => componentOrder(a.c, b.c));
  for (const { p } of sorted) {
    const s = seen.get(p)!;
    const first = names.findIndex((_, i) => s.present[i]);
    let last = names.length - 1;
    while (!s.present[last]) last--;
    paths[p] = {
      added: names[first]!,
      removed: last < names.length - 1 ? names[last + 1]! : null,
      absentIn: names.filter((_, i) => i > first && i < last && !s.present[i]),
      deprecated: s.deprecated,
      unstable: s.unstable,
    };
  }
  return { releases: names, paths };
}

/** Component by component, a path before the paths below it (reads as a tree). */
function componentOrder(a: string[], b: string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return comparePaths([a[i]!], [b[i]!]);
  return a.length - b.length;
}

/**
 * A query as the history names it: optionality is a property, not part of a thing's name, so
 * `*m` is `m` (and `*m$f` is `m$f`); everything else is written as the history writes it.
 */
export function canonicalPath(query: string): string {
  const q = parseQuery(query);
  const steps = q.steps.map((s) =>
    s.kind === "optional"
      ? s.name
      : s.kind === "member-feature"
        ? `${s.member}$${s.feature}`
        : s.text,
  );
  return [q.first, ...steps].join("/");
}

/** Checks the shape of a history file's JSON; returns a message for the first problem. */
export function checkHistory(json: unknown): string | null {
  const isStrings = (v: unknown): boolean =>
    Array.isArray(v) && v.every((x) => typeof x === "string");
  if (!json || typeof json !== "object") return "not a JSON object";
  const h = json as Partial<History>;
  if (!isStrings(h.releases)) return "'releases' is not an array of release names";
  if (!h.paths || typeof h.paths !== "object" || Array.isArray(h.paths))
    return "'paths' is not an object";
  const known = new Set(h.releases);
  for (const [path, p] of Object.entries(h.paths)) {
    const e = p as Partial<PathHistory>;
    const bad =
      !e ||
      typeof e.added !== "string" ||
      !known.has(e.added) ||
      !(e.removed === null || (typeof e.removed === "string" && known.has(e.removed))) ||
      !isStrings(e.absentIn) ||
      !isStrings(e.deprecated) ||
      !isStrings(e.unstable);
    if (bad) return `the entry of '${path}' is not a path history over the listed releases`;
  }
  return null;
}
