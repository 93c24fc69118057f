// The one walk over wire models (wire.ts) that diff, history, lint --history and the inference of
// build symbols share: N inputs side by side, aligned at every step. A *place* is what each input
// has at one wire path (a type, arrays looked through, or nothing); its children are aligned by
// what a path names them by: members by name, branches by case, enum values by name, an
// alternate's alternatives by the JSON type that selects them (a plain type, beside an
// alternate, is an alternate of one alternative), features by name.
//
// A member that moved between a union's common members and its branches is the same member:
// a common member is present at the union's path (`u/m`) for an input that has it in every
// branch instead, and at a branch's path (`u/+c/m`) for an input that has it in the common part
// while another input has it in that branch (then the branch's place inherits it). Such a
// presence is marked `moved`: a path query finds it at the other form.
//
// Places have keys: the same key is the same subtree in every input, so diff memoises its
// comparisons by key and history stops a path where its place repeats (a recursive type): what
// lies below is what lies below the first occurrence. Walks are iterative and bounded (the
// budget below, after the rule a path query follows: runtime/introspection.ts MAX_STEPS), so a
// reply crafted to loop or to nest without end gets an error, never a hang or a stack overflow.

import { MAX_STEPS } from "../../runtime/introspection.ts";
import {
  alternativeKey,
  type WireAlternative,
  type WireCommand,
  type WireEnumValue,
  type WireEvent,
  type WireFeature,
  type WireMember,
  type WireObject,
  type WireSchema,
  type WireType,
  type WireVariant,
} from "./wire.ts";

/** A wire path longer than a path query may walk (MAX_STEPS components). */
export const MAX_DEPTH = MAX_STEPS;
/** More paths (history) or places (diff, inference) than this is taken as a pathological input. */
export const MAX_PATHS = 2_000_000;

/** A walk over budget: the inputs are pathological (a loop, or nesting without end). */
export class WalkLimitError extends Error {}

/** What each input has at one wire path. */
export interface Place {
  /** Per input: the type here (arrays looked through), or null. */
  readonly types: readonly (WireType | null)[];
  /** Per input: the union's common members this branch inherits (see the file comment). */
  readonly inherited: readonly (readonly WireMember[])[];
  /** Per input: the identity of what it has here (type and inherited members), or null. */
  readonly sides: readonly (string | null)[];
  /** The same key, the same subtree in every input. */
  readonly key: string;
  /** `input:identity` of each side that has something (for PathPlaces). */
  readonly tagged: readonly string[];
}

/** One child, per input: the input's element, or null where it has none. */
export interface Aligned<T> {
  name: string;
  sides: (T | null)[];
}

/** A place made when first asked for (most members' types are scalars no walk enters). */
export interface LazyPlace {
  readonly place: Place;
  /** Whether some side has a type with parts (object, enum, alternate): worth entering. */
  readonly hasParts: boolean;
}

export function lazyPlace(
  types: readonly (WireType | null)[],
  inherited?: readonly (readonly WireMember[])[],
): LazyPlace {
  let place: Place | null = null;
  return {
    get place() {
      return (place ??= placeOf(types, inherited));
    },
    get hasParts() {
      return types.some((t) => t !== null && throughArrays(t).kind !== "builtin");
    },
  };
}

export interface AlignedMember extends Aligned<WireMember> {
  /**
   * Per input: present here only through a move within a union (in every branch instead of the
   * common part, or in the common part instead of this branch). For the first kind, `sides` is
   * null (the member has a type per branch, compared there).
   */
  moved: boolean[];
  next: LazyPlace;
}

export interface AlignedBranch extends Aligned<WireVariant> {
  next: LazyPlace;
}

export interface AlignedAlternative extends Aligned<WireAlternative> {
  next: LazyPlace;
}

/** The children of a place. An alternate's place has alternatives and features only. */
export interface PlaceChildren {
  features: Aligned<WireFeature>[];
  values: Aligned<WireEnumValue>[];
  members: AlignedMember[];
  branches: AlignedBranch[];
  /** Non-null when some input has an alternate here. */
  alternatives: AlignedAlternative[] | null;
}

/** The type under any number of arrays; an array nesting beyond the budget is an error. */
export function throughArrays(t: WireType): WireType {
  for (let i = 0; t.kind === "array"; i++) {
    if (i >= MAX_DEPTH)
      throw new WalkLimitError(`an array type nests more than ${MAX_DEPTH} arrays`);
    t = t.element;
  }
  return t;
}

/** Members by identity, for the keys of places that inherit them (a weak map: nothing leaks). */
const memberIds = new WeakMap<WireMember, number>();
let nextMemberId = 0;
function memberId(m: WireMember): number {
  let id = memberIds.get(m);
  if (id === undefined) memberIds.set(m, (id = nextMemberId++));
  return id;
}

/** The place of these types (arrays looked through), with inherited members. */
export function placeOf(
  types: readonly (WireType | null)[],
  inherited: readonly (readonly WireMember[])[] = types.map(() => NONE),
): Place {
  const stripped = types.map((t) => (t ? throughArrays(t) : null));
  const sides = stripped.map((t, i) =>
    t ? `${t.id}${inherited[i]!.length ? `:${inherited[i]!.map(memberId).join(".")}` : ""}` : null,
  );
  return {
    types: stripped,
    inherited,
    sides,
    key: sides.map((k) => k ?? "-").join(","),
    tagged: sides.flatMap((k, i) => (k === null ? [] : [`${i}:${k}`])),
  };
}

const NONE: readonly WireMember[] = [];

/** Names in order (sorted: the walk and its output do not depend on the inputs' order). */
function names<T>(lists: readonly (readonly T[] | null)[], name: (x: T) => string): string[] {
  const all = new Set<string>();
  for (const l of lists) if (l) for (const x of l) all.add(name(x));
  return [...all].sort();
}

/** Each input's elements by name (first wins, as a reply's duplicates are malformed anyway). */
function byName<T>(list: readonly T[], name: (x: T) => string): Map<string, T> {
  const m = new Map<string, T>();
  for (const x of list) if (!m.has(name(x))) m.set(name(x), x);
  return m;
}

function align<T>(lists: readonly (readonly T[] | null)[], name: (x: T) => string): Aligned<T>[] {
  const maps = lists.map((l) => (l ? byName(l, name) : null));
  return names(lists, name).map((n) => ({ name: n, sides: maps.map((m) => m?.get(n) ?? null) }));
}

const featureName = (f: WireFeature): string => f.name;

const memberName = (m: WireMember): string => m.name;

/** The alternatives of a type where some input has an alternate: a plain type is one. */
function alternativesOf(t: WireType | null): WireAlternative[] | null {
  if (!t) return null;
  return t.kind === "alternate" ? t.alternatives : [{ type: t, ifcond: null }];
}

/** Alternatives are told apart by JSON type (those of a malformed reply that none selects, by kind). */
export const alternativeName = (x: WireAlternative): string =>
  alternativeKey(x.type) ?? x.type.kind;

/** The names of the members every branch of a union has of its own (none for a struct). */
const everyBranchCache = new WeakMap<WireObject, Set<string>>();
function inEveryBranch(o: WireObject | null): ReadonlySet<string> {
  if (!o?.variants.length) return NO_NAMES;
  let out = everyBranchCache.get(o);
  if (!out) everyBranchCache.set(o, (out = namesInEveryBranch(o)));
  return out;
}
const NO_NAMES: ReadonlySet<string> = new Set<string>();

function namesInEveryBranch(o: WireObject): Set<string> {
  const out = new Set<string>();
  const counts = new Map<string, number>();
  for (const v of o.variants) {
    const t = throughArraysOrNull(v.type);
    if (t?.kind !== "object") return out;
    for (const name of new Set(t.members.map(memberName)))
      counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  for (const [name, count] of counts) if (count === o.variants.length) out.add(name);
  return out;
}

function throughArraysOrNull(t: WireType): WireType | null {
  try {
    return throughArrays(t);
  } catch {
    return null;
  }
}

/** The children of a place, aligned across the inputs. */
export function expandPlace(place: Place): PlaceChildren {
  const { types } = place;
  const out: PlaceChildren = {
    features: [],
    values: [],
    members: [],
    branches: [],
    alternatives: null,
  };
  if (types.some((t) => t?.kind === "alternate")) {
    // Features of alternates here; a plain type's are its own place's (its alternative).
    out.features = align(
      types.map((t) => (t?.kind === "alternate" ? t.features : null)),
      featureName,
    );
    out.alternatives = align(types.map(alternativesOf), alternativeName).map((a) => ({
      ...a,
      next: lazyPlace(a.sides.map((x) => x?.type ?? null)),
    }));
    return out;
  }
  out.features = align(
    types.map((t) => (t && t.kind !== "builtin" ? t.features : null)),
    featureName,
  );
  out.values = align(
    types.map((t) => (t?.kind === "enum" ? t.values : null)),
    (v) => v.name,
  );
  const objects = types.map((t) => (t?.kind === "object" ? t : null));
  if (!objects.some((o) => o)) return out;
  // Common members: the object's own (flattened) plus what this branch inherits.
  const common = objects.map((o, i) => (o ? [...o.members, ...place.inherited[i]!] : null));
  const commonMaps = common.map((l) => (l ? byName(l, memberName) : null));
  const everyBranch = objects.map(inEveryBranch);
  for (const m of align(common, memberName)) {
    const moved = objects.map((_, i) => !m.sides[i] && everyBranch[i]!.has(m.name));
    const inheritedHere = objects.map((_, i) => place.inherited[i]!.some((x) => x === m.sides[i]));
    out.members.push({
      ...m,
      moved: moved.map((mv, i) => mv || inheritedHere[i]!),
      next: lazyPlace(m.sides.map((x) => x?.type ?? null)),
    });
  }
  const variants = objects.map((o) => o?.variants ?? null);
  for (const b of align(variants, (v) => v.case)) {
    // What this branch inherits, per input: common members that another input has in the
    // branch itself and not in its common part.
    const branchTypes = b.sides.map((v) => (v ? throughArraysOrNull(v.type) : null));
    const ownNames = new Set<string>();
    branchTypes.forEach((t, j) => {
      if (t?.kind !== "object") return;
      for (const x of t.members) if (!commonMaps[j]?.has(x.name)) ownNames.add(x.name);
    });
    const inherited = common.map((l, i) =>
      l && b.sides[i] ? l.filter((x) => ownNames.has(x.name)) : NONE,
    );
    out.branches.push({
      ...b,
      next: lazyPlace(
        b.sides.map((v) => v?.type ?? null),
        inherited,
      ),
    });
  }
  return out;
}

/** One aligned command or event. */
export interface AlignedDefinition {
  name: string;
  commands: (WireCommand | null)[];
  events: (WireEvent | null)[];
}

/** Commands and events of the inputs, aligned by name (commands first). */
export function alignDefinitions(schemas: readonly WireSchema[]): {
  commands: Aligned<WireCommand>[];
  events: Aligned<WireEvent>[];
} {
  return {
    commands: align(
      schemas.map((s) => [...s.commands.values()]),
      (c) => c.name,
    ),
    events: align(
      schemas.map((s) => [...s.events.values()]),
      (e) => e.name,
    ),
  };
}

/** Per input: a thing's own features, or null where the input lacks it. */
export type Presence = readonly (readonly WireFeature[] | null)[];

export interface PathVisitor {
  /**
   * A thing at `path`: per input, its own features (empty for `$f` paths and alternatives) or
   * null where absent; `moved`: per input, present only through a move within a union.
   */
  thing(path: string, sides: Presence, moved: readonly boolean[] | null): void;
  /** A place where some input has an object or an enum (per input: the type, or null). */
  place?(path: string, types: readonly (WireType | null)[]): void;
}

/**
 * Visits every path of the inputs side by side. Every path is listed, not only the first to a
 * shared type (a path stays the same from release to release whatever else reaches its type),
 * except that a path does not enter a place already on it (a recursive type). Iterative, and
 * bounded by MAX_DEPTH components and MAX_PATHS paths (WalkLimitError).
 */
export function walkPaths(schemas: readonly WireSchema[], v: PathVisitor): void {
  let count = 0;
  const absent = (sides: readonly unknown[]): Presence => sides.map((x) => (x ? [] : null));
  const thing = (path: string, sides: Presence, moved: readonly boolean[] | null = null): void => {
    if (++count > MAX_PATHS)
      throw new WalkLimitError(`more than ${MAX_PATHS} wire paths (a pathological input?)`);
    v.thing(path, sides, moved);
  };
  const features = (path: string, list: Aligned<WireFeature>[], sep = "/"): void => {
    for (const f of list) thing(`${path}${sep}$${f.name}`, absent(f.sides));
  };
  type Item = { place: Place; path: string; depth: number } | { leave: Place };
  const onPath = new PathPlaces();
  const work: Item[] = [];
  // A place is reached by many paths: its children are aligned once.
  const expanded = new Map<string, PlaceChildren>();
  const expand = (p: Place): PlaceChildren => {
    let c = expanded.get(p.key);
    if (!c) expanded.set(p.key, (c = expandPlace(p)));
    return c;
  };
  const { commands, events } = alignDefinitions(schemas);
  const roots = [
    ...commands.map((c) => ({
      name: c.name,
      sides: c.sides,
      keys: [
        ["arg-type", placeOf(c.sides.map((x) => x?.arg ?? null))] as const,
        ["ret-type", placeOf(c.sides.map((x) => x?.ret ?? null))] as const,
      ],
    })),
    ...events.map((e) => ({
      name: e.name,
      sides: e.sides,
      keys: [["arg-type", placeOf(e.sides.map((x) => x?.arg ?? null))] as const],
    })),
  ];
  for (const r of roots) {
    thing(
      r.name,
      r.sides.map((x) => x?.features ?? null),
    );
    features(
      r.name,
      align(
        r.sides.map((x) => x?.features ?? null),
        featureName,
      ),
    );
    for (const [key, place] of [...r.keys].reverse()) {
      // `cmd/arg-type` is a thing of its own (where a named argument type is reached).
      thing(`${r.name}/${key}`, absent(r.sides));
      work.push({ place, path: `${r.name}/${key}`, depth: 2 });
    }
    while (work.length) {
      const item = work.pop()!;
      if ("leave" in item) {
        onPath.leave(item.leave);
        continue;
      }
      const { place, path, depth } = item;
      if (onPath.covers(place)) continue;
      if (depth > MAX_DEPTH)
        throw new WalkLimitError(
          `a wire path deeper than ${MAX_DEPTH} components (a pathological input?)`,
        );
      const c = expand(place);
      if (place.types.some((t) => t?.kind === "object" || t?.kind === "enum"))
        v.place?.(path, place.types);
      features(path, c.features);
      onPath.enter(place);
      work.push({ leave: place });
      // Pushed in reverse, so that they are visited in order.
      if (c.alternatives)
        for (const a of [...c.alternatives].reverse()) {
          thing(`${path}/!${a.name}`, absent(a.sides));
          if (a.next.hasParts) work.push({ place: a.next.place, path, depth });
        }
      for (const value of c.values) {
        const p = `${path}/^${value.name}`;
        thing(
          p,
          value.sides.map((x) => x?.features ?? null),
        );
        features(
          p,
          align(
            value.sides.map((x) => x?.features ?? null),
            featureName,
          ),
        );
      }
      for (const b of [...c.branches].reverse()) {
        thing(`${path}/+${b.name}`, absent(b.sides));
        if (b.next.hasParts)
          work.push({ place: b.next.place, path: `${path}/+${b.name}`, depth: depth + 1 });
      }
      for (const m of [...c.members].reverse()) {
        const p = `${path}/${m.name}`;
        const sides = m.sides.map((x, i) => x?.features ?? (m.moved[i] ? [] : null));
        thing(p, sides, m.moved.some(Boolean) ? m.moved : null);
        features(
          `${path}/${m.name}`,
          align(
            m.sides.map((x) => x?.features ?? null),
            featureName,
          ),
          "",
        );
        if (m.next.hasParts) work.push({ place: m.next.place, path: p, depth: depth + 1 });
      }
    }
  }
}

/**
 * The places on the current path. A place is *covered* when one on the path has, in every input
 * that has something here, the same thing: below it, those inputs have what they have below
 * that one, and the others have nothing. (For one input, that is "the type is on the path".)
 */
class PathPlaces {
  /** Places on the path by the identity of each of their sides (`input:identity`). */
  private readonly bySide = new Map<string, Place[]>();

  covers(p: Place): boolean {
    const first = p.tagged[0];
    const candidates = first === undefined ? undefined : this.bySide.get(first);
    return !!candidates?.some((q) => p.sides.every((k, i) => k === null || k === q.sides[i]));
  }

  enter(p: Place): void {
    for (const k of p.tagged) {
      const list = this.bySide.get(k);
      if (list) list.push(p);
      else this.bySide.set(k, [p]);
    }
  }

  /** (The path is a stack: `p` is the last place entered on each of its lists.) */
  leave(p: Place): void {
    for (const k of p.tagged) {
      const list = this.bySide.get(k)!;
      list.pop();
      if (!list.length) this.bySide.delete(k);
    }
  }
}

/** Every path of one input (the walk of one). */
export function visitPaths(
  schema: WireSchema,
  v: {
    thing(path: string, features: readonly WireFeature[]): void;
    type?(path: string, t: WireType): void;
  },
): void {
  walkPaths([schema], {
    thing: (path, sides) => {
      if (sides[0]) v.thing(path, sides[0]);
    },
    place: (path, types) => {
      if (types[0]) v.type?.(path, types[0]);
    },
  });
}

/** The object types of a place (for callers that need the union's tag). */
export function objectsOf(place: Place): (WireObject | null)[] {
  return place.types.map((t) => (t?.kind === "object" ? t : null));
}

/** What the inputs have at one path (`followPath`). */
export interface PathPresence {
  /** Per input: the thing's own features, or null where absent. */
  sides: Presence;
  /** Per input: present only through a move within a union. */
  moved: boolean[];
}

/** Presence being gathered over every place a path reaches. */
class Found {
  readonly present: boolean[];
  readonly direct: boolean[];
  readonly features: (readonly WireFeature[] | null)[];
  constructor(n: number) {
    this.present = new Array<boolean>(n).fill(false);
    this.direct = new Array<boolean>(n).fill(false);
    this.features = new Array<readonly WireFeature[] | null>(n).fill(null);
  }
  /** Sides where `sides[i]` (or `moved[i]`) holds; with the element's features when it has some. */
  add(sides: readonly unknown[], moved?: readonly boolean[]): void {
    sides.forEach((x, i) => {
      if (!x && !moved?.[i]) return;
      this.present[i] = true;
      if (x && !moved?.[i]) this.direct[i] = true;
      const f = (x as { features?: readonly WireFeature[] } | null)?.features;
      if (f && !this.features[i]) this.features[i] = f;
    });
  }
  result(): PathPresence | null {
    if (!this.present.some(Boolean)) return null;
    return {
      sides: this.present.map((p, i) => (p ? (this.features[i] ?? []) : null)),
      moved: this.present.map((p, i) => p && !this.direct[i]),
    };
  }
}

const hasFeature = (name: string) => (x: { features: readonly WireFeature[] } | null) =>
  x?.features.some((f) => f.name === name) ? x : null;

/**
 * What each input has at `components` (a path as history writes it: `m`, `+c`, `^v`, `^v/$f`,
 * `!k`, `$f`, `m$f`), following every place the path reaches, recursive types included (the
 * walk of one path is bounded by its length). null when no input has it.
 */
export function followPath(
  schemas: readonly WireSchema[],
  components: readonly string[],
): PathPresence | null {
  if (components.length > MAX_DEPTH)
    throw new WalkLimitError(`a path longer than ${MAX_DEPTH} components`);
  const found = new Found(schemas.length);
  const [first, key, ...steps] = components;
  const { commands, events } = alignDefinitions(schemas);
  const definitions = [...commands, ...events].filter((d) => d.name === first);
  if (key === undefined) {
    for (const d of definitions) found.add(d.sides);
    return found.result();
  }
  if (key.startsWith("$")) {
    if (steps.length) return null;
    for (const d of definitions) found.add(d.sides.map(hasFeature(key.slice(1))));
    return withoutFeatures(found.result());
  }
  if (!steps.length) {
    if (key !== "arg-type" && key !== "ret-type") return null;
    for (const d of definitions)
      found.add(d.sides.map((x) => (x && (key === "arg-type" || "ret" in x) ? x : null)));
    return withoutFeatures(found.result());
  }
  let places: Place[] = [];
  for (const d of definitions) {
    const sides = d.sides as readonly (WireCommand | WireEvent | null)[];
    if (key === "arg-type") places.push(placeOf(sides.map((x) => x?.arg ?? null)));
    else if (key === "ret-type")
      places.push(placeOf(sides.map((x) => (x && "ret" in x ? x.ret : null))));
  }
  for (let s = 0; s < steps.length; s++) {
    const step = steps[s]!;
    const last = s === steps.length - 1;
    const children = transparent(places).map(expandPlace);
    const modifier = step[0];
    const name = step.slice(1);
    const next: Place[] = [];
    if (modifier === "$" || modifier === "!") {
      if (!last) return null;
      for (const c of children) {
        if (modifier === "$") for (const f of c.features) if (f.name === name) found.add(f.sides);
        if (modifier === "!")
          for (const a of c.alternatives ?? []) if (a.name === name) found.add(a.sides);
      }
      return withoutFeatures(found.result());
    }
    if (modifier === "^") {
      const feature = steps[s + 1];
      if (!last && (s + 2 !== steps.length || !feature!.startsWith("$"))) return null;
      for (const c of children)
        for (const v of c.values)
          if (v.name === name)
            found.add(last ? v.sides : v.sides.map(hasFeature(feature!.slice(1))));
      return last ? found.result() : withoutFeatures(found.result());
    }
    if (modifier === "+") {
      for (const c of children)
        for (const b of c.branches)
          if (b.name === name) {
            if (last) found.add(b.sides);
            next.push(b.next.place);
          }
      if (last) return withoutFeatures(found.result());
    } else {
      const dollar = step.indexOf("$");
      const member = dollar > 0 ? step.slice(0, dollar) : step;
      if (dollar > 0 && !last) return null;
      for (const c of children)
        for (const m of c.members) {
          if (m.name !== member) continue;
          if (dollar > 0) found.add(m.sides.map(hasFeature(step.slice(dollar + 1))));
          else if (last) found.add(m.sides, m.moved);
          else next.push(m.next.place);
        }
      if (last) return dollar > 0 ? withoutFeatures(found.result()) : found.result();
    }
    places = next;
  }
  return null;
}

/** `$f` paths and the like carry no features of their own. */
function withoutFeatures(p: PathPresence | null): PathPresence | null {
  return p && { ...p, sides: p.sides.map((x) => (x ? [] : null)) };
}

/** The places and, through alternates (transparent), their alternatives' places. */
function transparent(places: readonly Place[]): Place[] {
  const here = new Map<string, Place>();
  const queue = [...places];
  for (let p = queue.pop(); p; p = queue.pop()) {
    if (here.has(p.key)) continue;
    if (here.size >= MAX_PATHS) throw new WalkLimitError(`more than ${MAX_PATHS} places`);
    here.set(p.key, p);
    for (const a of expandPlace(p).alternatives ?? []) queue.push(a.next.place);
  }
  return [...here.values()];
}
