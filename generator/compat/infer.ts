// The build symbols of one build (a recorded `query-qmp-schema` reply), inferred from what it has
// and lacks of a schema read whole (every element keeping its condition). Both are walked side
// by side by the walk diff and history use (walk.ts); every conditional element of the schema
// whose parent the build has is an observation: the build has it (its condition held there) or
// lacks it (its condition did not, or the build's release differs from the schema's).
//
// The symbols consistent with the observations: every assignment that satisfies the most
// weight, where having a thing weighs far more than lacking it (a release may lack what its
// schema has for other reasons, never the other way round). A symbol is defined or undefined
// when every such assignment agrees, else unknown; so is one that no observation involves
// (the reply cannot tell). Observations are grouped by the symbols they share and each group is
// solved exactly (groups are small: a condition names one or two symbols); a group too big for
// that is decided by its single-symbol observations only.

import {
  conditionHolds,
  conditionSymbols,
  conditionText,
  type Condition,
} from "../../runtime/conditions.ts";
import {
  alignDefinitions,
  expandPlace,
  MAX_DEPTH,
  MAX_PATHS,
  placeOf,
  WalkLimitError,
  type Aligned,
  type Place,
} from "./walk.ts";
import type { WireCommand, WireEvent, WireSchema } from "./wire.ts";

export type SymbolValue = "defined" | "undefined" | "unknown";

/** Something the build has or lacks, and the condition the schema gives it. */
export interface Observation {
  path: string;
  condition: Condition;
  present: boolean;
}

export interface InferredSymbol {
  symbol: string;
  value: SymbolValue;
  /** Observations about it (a few), those that agree with the value first. */
  evidence: Observation[];
}

export interface Inference {
  /** Every symbol the schema's conditions name, by name. */
  symbols: InferredSymbol[];
  /** Whether a condition holds in the build; null where the build cannot tell. */
  holds: (c: Condition) => boolean | null;
  /** Observations the result contradicts: things the build lacks though their condition holds. */
  contradicted: Observation[];
}

/** Having a thing is evidence this much stronger than lacking one. */
const PRESENT_WEIGHT = 1000;
/** Groups of at most this many symbols are solved exactly (2^n assignments). */
const EXACT_SYMBOLS = 16;
/** Evidence listed per symbol. */
const EVIDENCE = 3;

/** The symbols of `build` (one build, e.g. a reply) inferred against `schema` (read whole). */
export function inferSymbols(schema: WireSchema, build: WireSchema): Inference {
  const observations = observe(schema, build);
  const all = new Set<string>();
  for (const c of schemaConditions(schema)) conditionSymbols(c, all);
  const groups = group(observations);
  const values = new Map<string, SymbolValue>();
  const solutions = new Map<string, Solution>();
  for (const g of groups) {
    const s = solve(g);
    g.symbols.forEach((sym, i) => {
      values.set(sym, s.values[i]!);
      solutions.set(sym, s);
    });
  }
  const holds = (c: Condition): boolean | null => {
    const symbols = [...conditionSymbols(c)];
    const fixed = new Set(symbols.filter((s) => values.get(s) === "defined"));
    const open = symbols.filter((s) => (values.get(s) ?? "unknown") === "unknown");
    if (!open.length) return conditionHolds(c, fixed);
    // Within one solved group: over the assignments it found best.
    const s = solutions.get(open[0]!);
    if (s?.exact && open.every((x) => solutions.get(x) === s)) return s.holdsEverywhere(c, fixed);
    if (open.length > EXACT_SYMBOLS) return null;
    let result: boolean | null = null;
    for (let bits = 0; bits < 1 << open.length; bits++) {
      const defined = new Set(fixed);
      open.forEach((x, i) => bits & (1 << i) && defined.add(x));
      const h = conditionHolds(c, defined);
      if (result !== null && h !== result) return null;
      result = h;
    }
    return result;
  };
  const symbols = [...all].sort().map((symbol): InferredSymbol => {
    const value = values.get(symbol) ?? "unknown";
    const about = observations.filter((o) => conditionSymbols(o.condition).has(symbol));
    const agrees = (o: Observation): boolean =>
      value !== "unknown" && holds(o.condition) === o.present;
    about.sort((a, b) => Number(agrees(b)) - Number(agrees(a)));
    return { symbol, value, evidence: about.slice(0, EVIDENCE) };
  });
  const contradicted = observations.filter((o) => holds(o.condition) === !o.present);
  return { symbols, holds, contradicted };
}

/** Every conditional element of the schema the build could show, with what the build shows. */
function observe(schema: WireSchema, build: WireSchema): Observation[] {
  const out: Observation[] = [];
  const note = (path: string, condition: Condition | null, present: boolean): void => {
    if (condition !== null) out.push({ path, condition, present });
  };
  const queue: { place: Place; path: string; depth: number }[] = [];
  const { commands, events } = alignDefinitions([schema, build]);
  const definitions: Aligned<WireCommand | WireEvent>[] = [...commands, ...events];
  for (const d of definitions) {
    const [s, b] = d.sides;
    if (!s) continue;
    note(d.name, s.ifcond, !!b);
    if (!b) continue;
    for (const f of s.features)
      note(
        `${d.name}/$${f.name}`,
        f.ifcond,
        b.features.some((x) => x.name === f.name),
      );
    queue.push({ place: placeOf([s.arg, b.arg]), path: `${d.name}/arg-type`, depth: 2 });
    if ("ret" in s && b && "ret" in b)
      queue.push({ place: placeOf([s.ret, b.ret]), path: `${d.name}/ret-type`, depth: 2 });
  }
  // Each place once (breadth first: evidence at short paths).
  const seen = new Set<string>();
  for (let i = 0; i < queue.length; i++) {
    const { place, path, depth } = queue[i]!;
    if (seen.has(place.key)) continue;
    if (seen.size >= MAX_PATHS) throw new WalkLimitError(`more than ${MAX_PATHS} places`);
    if (depth > MAX_DEPTH)
      throw new WalkLimitError(`a wire path deeper than ${MAX_DEPTH} components`);
    seen.add(place.key);
    const c = expandPlace(place);
    const both = (sides: readonly unknown[]): boolean => !!sides[0] && !!sides[1];
    for (const f of c.features)
      if (f.sides[0]) note(`${path}/$${f.name}`, f.sides[0].ifcond, !!f.sides[1]);
    for (const v of c.values) {
      const [s, b] = v.sides;
      if (!s) continue;
      note(`${path}/^${v.name}`, s.ifcond, !!b);
      if (b)
        for (const f of s.features)
          note(
            `${path}/^${v.name}/$${f.name}`,
            f.ifcond,
            b.features.some((x) => x.name === f.name),
          );
    }
    for (const a of c.alternatives ?? []) {
      if (!a.sides[0]) continue;
      note(`${path}/!${a.name}`, a.sides[0].ifcond, !!a.sides[1]);
      if (both(a.sides) && a.next.hasParts) queue.push({ place: a.next.place, path, depth });
    }
    for (const br of c.branches) {
      if (!br.sides[0]) continue;
      note(`${path}/+${br.name}`, br.sides[0].ifcond, !!br.sides[1]);
      if (both(br.sides) && br.next.hasParts)
        queue.push({ place: br.next.place, path: `${path}/+${br.name}`, depth: depth + 1 });
    }
    for (const m of c.members) {
      const [s, b] = m.sides;
      if (!s) continue;
      note(`${path}/${m.name}`, s.ifcond, !!b || m.moved[1]!);
      if (!b) continue;
      for (const f of s.features)
        note(
          `${path}/${m.name}$${f.name}`,
          f.ifcond,
          b.features.some((x) => x.name === f.name),
        );
      if (m.next.hasParts)
        queue.push({ place: m.next.place, path: `${path}/${m.name}`, depth: depth + 1 });
    }
  }
  return out;
}

/** Every condition in the schema (for the symbols no observation reaches). */
function schemaConditions(schema: WireSchema): Condition[] {
  const out: (Condition | null)[] = [];
  const features = (fs: readonly { ifcond: Condition | null }[]): void => {
    for (const f of fs) out.push(f.ifcond);
  };
  for (const d of [...schema.commands.values(), ...schema.events.values()]) {
    out.push(d.ifcond);
    features(d.features);
  }
  for (const t of schema.types.values()) {
    features(t.features);
    if (t.kind === "enum")
      for (const v of t.values) {
        out.push(v.ifcond);
        features(v.features);
      }
    if (t.kind === "object") {
      for (const m of t.members) {
        out.push(m.ifcond);
        features(m.features);
      }
      for (const v of t.variants) out.push(v.ifcond);
    }
    if (t.kind === "alternate") for (const a of t.alternatives) out.push(a.ifcond);
  }
  return out.filter((c): c is Condition => c !== null);
}

interface Group {
  symbols: string[];
  observations: Observation[];
}

/** Observations grouped by shared symbols (union-find). */
function group(observations: readonly Observation[]): Group[] {
  const parent = new Map<string, string>();
  const find = (s: string): string => {
    let r = s;
    while (parent.get(r) !== r) r = parent.get(r)!;
    for (let x = s; x !== r; ) {
      const next = parent.get(x)!;
      parent.set(x, r);
      x = next;
    }
    return r;
  };
  for (const o of observations) {
    const symbols = [...conditionSymbols(o.condition)];
    for (const s of symbols) if (!parent.has(s)) parent.set(s, s);
    for (const s of symbols.slice(1)) parent.set(find(s), find(symbols[0]!));
  }
  const groups = new Map<string, Group>();
  for (const s of [...parent.keys()].sort()) {
    const r = find(s);
    if (!groups.has(r)) groups.set(r, { symbols: [], observations: [] });
    groups.get(r)!.symbols.push(s);
  }
  for (const o of observations) {
    const first = conditionSymbols(o.condition).values().next().value!;
    groups.get(find(first))!.observations.push(o);
  }
  return [...groups.values()];
}

interface Solution {
  values: SymbolValue[];
  exact: boolean;
  /** Whether `c` holds in every best assignment (true), in none (false), or in some (null). */
  holdsEverywhere(c: Condition, defined: ReadonlySet<string>): boolean | null;
}

function solve(g: Group): Solution {
  const n = g.symbols.length;
  if (n > EXACT_SYMBOLS) return byLiterals(g);
  let best = Infinity;
  let optimal: number[] = [];
  for (let bits = 0; bits < 1 << n; bits++) {
    const defined = assignment(g.symbols, bits);
    let cost = 0;
    for (const o of g.observations)
      if (conditionHolds(o.condition, defined) !== o.present)
        cost += o.present ? PRESENT_WEIGHT : 1;
    if (cost < best) {
      best = cost;
      optimal = [bits];
    } else if (cost === best) optimal.push(bits);
  }
  const values = g.symbols.map((_, i): SymbolValue => {
    const on = optimal.filter((bits) => bits & (1 << i)).length;
    return on === optimal.length ? "defined" : on === 0 ? "undefined" : "unknown";
  });
  return {
    values,
    exact: true,
    holdsEverywhere(c, defined) {
      let result: boolean | null = null;
      for (const bits of optimal) {
        const d = new Set([...defined, ...assignment(g.symbols, bits)]);
        const h = conditionHolds(c, d);
        if (result !== null && h !== result) return null;
        result = h;
      }
      return result;
    },
  };
}

function assignment(symbols: readonly string[], bits: number): Set<string> {
  return new Set(symbols.filter((_, i) => bits & (1 << i)));
}

/** A group too big to solve exactly: only observations of a bare symbol decide. */
function byLiterals(g: Group): Solution {
  const values = g.symbols.map((s): SymbolValue => {
    const bare = g.observations.filter((o) => o.condition === s);
    if (bare.some((o) => o.present)) return "defined";
    return bare.length ? "undefined" : "unknown";
  });
  return { values, exact: false, holdsEverywhere: () => null };
}

/** A symbol and what decided it, for people: `has query-spice (if CONFIG_SPICE)`. */
export function describeEvidence(o: Observation): string {
  return `${o.present ? "has" : "lacks"} ${o.path} (if ${conditionText(o.condition)})`;
}
