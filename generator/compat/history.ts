// The history of a wire protocol over releases (oldest first): for every wire path, the release
// it first appears in, the release it disappears in, the releases it is missing from in between,
// and those in which it carries the special features 'deprecated' / 'unstable'. The releases are
// walked side by side by the walk diff uses (walk.ts), so what history says appeared or went
// between two releases is what diff reports between them: a member that moved between a union's
// common part and its branches stays (its `moved` releases say where a query finds it at the
// other form), and a recursive type is expanded as far as some release differs from the place
// it recurses to. A path that passes the same place twice is not listed (it has the history of
// the path without the loop); `historyOfPath` answers for it all the same.
//
// The JSON form is what `qapi-ts history` writes and `lint --history` reads. Records are read
// by own keys only: a path or release may be called `constructor` or `__proto__`.

import { parseQuery } from "../../runtime/introspection.ts";
import { comparePaths } from "./diff.ts";
import { followPath, walkPaths, type PathPresence, type Presence } from "./walk.ts";
import type { WireSchema } from "./wire.ts";

export interface PathHistory {
  added: string;
  /** The first release after its last appearance, when it is absent from the newest. */
  removed: string | null;
  /** Releases between its first and last appearance that lack it. */
  absentIn: string[];
  deprecated: string[];
  unstable: string[];
  /**
   * Releases in which the thing is here only through a move within its union: a query finds it
   * at the other form (a common member before the '+', a branch's own member after it).
   */
  moved?: string[];
  /**
   * Where an object or an enum is reached: its name in each release that has one here (a
   * QEMU binary's reply names types by masked numbers).
   */
  types?: Record<string, string>;
}

export interface History {
  /** Oldest first. */
  releases: string[];
  /** By path, in path order. */
  paths: Record<string, PathHistory>;
  /**
   * Per release read from a schema: the types it defines that no command or event reaches,
   * with their members (`m`) and values (`^v`). On no wire path, but not absent either.
   */
  unreachable?: Record<string, Record<string, string[]>>;
}

export interface Release {
  name: string;
  wire: WireSchema;
}

/** An own property of a record parsed from JSON or built here (never an inherited one). */
export function own<T>(record: Record<string, T> | undefined, key: string): T | undefined {
  return record && Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}

/** A record with no prototype: any key is an own key. */
function record<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

interface Seen {
  present: boolean[];
  direct: boolean[];
  deprecated: boolean[];
  unstable: boolean[];
  types: (string | null)[];
}

export function buildHistory(releases: readonly Release[]): History {
  const n = releases.length;
  const seen = new Map<string, Seen>();
  const entry = (path: string): Seen => {
    let s = seen.get(path);
    if (!s) seen.set(path, (s = newSeen(n)));
    return s;
  };
  walkPaths(
    releases.map((r) => r.wire),
    {
      thing(path, sides, moved) {
        addFound(entry(path), { sides, moved: sides.map((_, i) => !!moved?.[i]) });
      },
      place(path, types) {
        const s = entry(path);
        types.forEach((t, i) => {
          if (t && (t.kind === "object" || t.kind === "enum")) s.types[i] ??= t.entry;
        });
      },
    },
  );
  const names = releases.map((r) => r.name);
  const paths = record<PathHistory>();
  const sorted = [...seen.keys()]
    .map((p) => ({ p, c: p.split("/") }))
    .sort((a, b) => componentOrder(a.c, b.c));
  for (const { p } of sorted) {
    const h = pathHistory(names, seen.get(p)!);
    if (h) paths[p] = h;
  }
  const out: History = { releases: names, paths };
  const unreachable = record<Record<string, string[]>>();
  for (const r of releases) {
    if (!r.wire.unreachable?.size) continue;
    const types = record<string[]>();
    for (const name of [...r.wire.unreachable.keys()].sort())
      types[name] = [...r.wire.unreachable.get(name)!];
    unreachable[r.name] = types;
  }
  if (Object.keys(unreachable).length) out.unreachable = unreachable;
  return out;
}

function newSeen(n: number): Seen {
  const no = (): boolean[] => new Array<boolean>(n).fill(false);
  return { present: no(), direct: no(), deprecated: no(), unstable: no(), types: [] };
}

/** Adds what one walk found at a path. */
function addFound(s: Seen, found: { sides: Presence; moved: readonly boolean[] }): void {
  found.sides.forEach((features, i) => {
    if (!features) return;
    s.present[i] = true;
    if (!found.moved[i]) s.direct[i] = true;
    if (features.some((f) => f.name === "deprecated")) s.deprecated[i] = true;
    if (features.some((f) => f.name === "unstable")) s.unstable[i] = true;
  });
}

function pathHistory(names: readonly string[], s: Seen): PathHistory | null {
  const first = s.present.indexOf(true);
  if (first < 0) return null; // a place no release has an object or enum at
  const last = s.present.lastIndexOf(true);
  const where = (flags: boolean[]): string[] => names.filter((_, i) => flags[i]);
  const h: PathHistory = {
    added: names[first]!,
    removed: last < names.length - 1 ? names[last + 1]! : null,
    absentIn: names.filter((_, i) => i > first && i < last && !s.present[i]),
    deprecated: where(s.deprecated),
    unstable: where(s.unstable),
  };
  const moved = where(s.present.map((p, i) => p && !s.direct[i]));
  if (moved.length) h.moved = moved;
  if (s.types.some((t) => t !== undefined && t !== null)) {
    const types = record<string>();
    s.types.forEach((t, i) => {
      if (t !== undefined && t !== null) types[names[i]!] = t;
    });
    h.types = types;
  }
  return h;
}

/**
 * The history of one path (a canonical path, see canonicalPath): from the full history when it
 * lists it, else by following the path through every release (a path through a recursive type
 * that the full history does not list). null when no release has it.
 */
export function historyOfPath(
  releases: readonly Release[],
  history: History,
  path: string,
): PathHistory | null {
  const listed = own(history.paths, path);
  if (listed) return listed;
  const found: PathPresence | null = followPath(
    releases.map((r) => r.wire),
    path.split("/"),
  );
  if (!found) return null;
  const s = newSeen(releases.length);
  addFound(s, found);
  return pathHistory(
    releases.map((r) => r.name),
    s,
  );
}

/** Whether `h` says the thing is on the wire in release `i` of `releases`. */
export function presentIn(h: PathHistory, releases: readonly string[], i: number): boolean {
  const name = releases[i]!;
  const first = releases.indexOf(h.added);
  const gone = h.removed === null ? releases.length : releases.indexOf(h.removed);
  return first <= i && i < gone && !h.absentIn.includes(name);
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
  const isStrings = (v: unknown): v is string[] =>
    Array.isArray(v) && v.every((x) => typeof x === "string");
  const isObject = (v: unknown): v is Record<string, unknown> =>
    !!v && typeof v === "object" && !Array.isArray(v);
  if (!isObject(json)) return "not a JSON object";
  const h = json as Partial<History>;
  if (!isStrings(h.releases)) return "'releases' is not an array of release names";
  if (new Set(h.releases).size !== h.releases.length) return "'releases' names a release twice";
  if (!isObject(h.paths)) return "'paths' is not an object";
  const known = new Set(h.releases);
  const releasesOnly = (v: unknown): boolean => isStrings(v) && v.every((r) => known.has(r));
  for (const [path, p] of Object.entries(h.paths)) {
    const e = p as Partial<PathHistory>;
    const bad =
      !isObject(e) ||
      typeof e.added !== "string" ||
      !known.has(e.added) ||
      !(e.removed === null || (typeof e.removed === "string" && known.has(e.removed))) ||
      !releasesOnly(e.absentIn) ||
      !releasesOnly(e.deprecated) ||
      !releasesOnly(e.unstable) ||
      !(e.moved === undefined || releasesOnly(e.moved)) ||
      !(
        e.types === undefined ||
        (isObject(e.types) &&
          Object.entries(e.types).every(([r, t]) => known.has(r) && typeof t === "string"))
      );
    if (bad) return `the entry of '${path}' is not a path history over the listed releases`;
  }
  if (h.unreachable !== undefined) {
    const ok =
      isObject(h.unreachable) &&
      Object.entries(h.unreachable).every(
        ([r, types]) =>
          known.has(r) && isObject(types) && Object.values(types).every((m) => isStrings(m)),
      );
    if (!ok) return "'unreachable' is not, per release, types with their members";
  }
  return null;
}
