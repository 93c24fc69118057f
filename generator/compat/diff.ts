// The comparison of two wire models (wire.ts): what changed on the wire, as data. Pure; the
// verdicts are verdicts.ts's.
//
// Types are compared by structure, never by name, so renaming a type, flattening members into a
// base, moving a member between a union's common part and its branches or reordering anything
// changes nothing. The two sides are walked together by the walk history uses (walk.ts): the
// comparison builds a graph whose nodes are the things compared (the schema root, a command
// pair, an event pair, a place of the walk: a pair of types), memoised by key: a place is
// compared once however many paths reach it, and recursive types terminate. Each node holds its own changes (at paths relative to it) and edges to the
// pairs below it. Afterwards, every node gets its first path (shortest, then component-wise
// lexicographically first: Dijkstra over the graph), the directions it is reached in, whether
// every path to it passes through something deprecated/unstable, and how many other simple paths
// reach it; each change is reported once, at its node's first path.
//
// Paths are in the schema path-query language (runtime/introspection.ts): `cmd/arg-type/m/+case`,
// `^value`, `$feature`, `member$feature`. Arrays are transparent, so are alternates; an
// alternate's alternatives are named by the JSON type that selects them: `!string`, `!object`...

import { conditionHolds, conditionSymbols, conditionText } from "../../runtime/conditions.ts";
import type { Condition } from "../../runtime/conditions.ts";
import {
  describeType,
  type WireEnumValue,
  type WireFeature,
  type WireMember,
  type WireObject,
  type WireSchema,
  type WireType,
} from "./wire.ts";
import {
  alignDefinitions,
  expandPlace,
  MAX_DEPTH,
  MAX_PATHS,
  lazyPlace,
  WalkLimitError,
  type Aligned,
  type LazyPlace,
  type Place,
} from "./walk.ts";

export type ChangeKind =
  | "command added"
  | "command removed"
  | "event added"
  | "event removed"
  | "optional member added"
  | "mandatory member added"
  | "optional member removed"
  | "mandatory member removed"
  | "member made optional"
  | "member made mandatory"
  | "enum value added"
  | "enum value removed"
  | "branch added"
  | "branch removed"
  | "alternative added"
  | "alternative removed"
  | "type changed"
  | "type widened"
  | "type narrowed"
  | "tag changed"
  | "feature added"
  | "feature removed"
  | "flag set"
  | "flag cleared"
  | "condition changed";

/** send: client to QEMU (arguments); receive: QEMU to client (returns, events); both. */
export type Direction = "send" | "receive" | "both";

/** Why a change may be exempt from the compatibility promise (the old side's status). */
export type Policy = "deprecated" | "unstable" | "x-name";

export interface WireChange {
  /** Components of the first path (shortest, then lexicographically first). */
  path: string[];
  kind: ChangeKind;
  direction: Direction;
  /** The specifics: the type, the feature, the flag, the conditions ("old → new"). */
  detail: string;
  /** The thing changed, or every path to it, was deprecated / unstable / x- named before. */
  policy: Policy | null;
  /** For "condition changed": what a build that loses / gains the thing sees (else null). */
  lost: ChangeKind | null;
  gained: ChangeKind | null;
  /**
   * The condition (on the side read whole) that is false in the other side's build, when that
   * alone makes the change: the build's configuration explains it (see BuildOracle).
   */
  explained: string | null;
  /** The other simple paths that reach the same change (a shared type), shortest first. */
  otherPaths: string[][];
  /** There are more: listing stopped at OTHER_PATHS_CAP (or the walk's budget). */
  otherPathsCapped: boolean;
}

/** Listing the paths to a shared type stops here (their number can grow exponentially). */
export const OTHER_PATHS_CAP = 10_000;

interface LocalChange {
  rel: string[];
  kind: ChangeKind;
  detail: string;
  policy: Policy | null;
  /** Overrides the node's directions (changes at a command's arg-type / ret-type site). */
  direction: "send" | "receive" | null;
  lost: ChangeKind | null;
  gained: ChangeKind | null;
  explained: string | null;
}

interface Edge {
  from: Node;
  rel: string[];
  to: Node;
  direction: "send" | "receive" | null;
  policy: Policy | null;
}

interface Node {
  changes: LocalChange[];
  edges: Edge[];
  incoming: Edge[];
  expand: () => void;
  // Filled in after the graph is built:
  path: string[] | null;
  via: Edge | null;
  directions: number;
  stable: boolean;
}

const SEND = 1;
const RECEIVE = 2;

/**
 * What the build of one side is known to define, when that side is a schema read whole and the
 * other one build (a reply): `holds(c)` is whether condition `c` holds in that build (null:
 * the other side cannot tell). A change that exists only because a condition is false in that
 * build is explained by the build's configuration (infer.ts).
 */
export interface BuildOracle {
  /** The side read whole (0: old, 1: new). */
  side: 0 | 1;
  holds: (c: Condition) => boolean | null;
}

/** Every change from `old` to `new`, each once, ordered by path. */
export function diffWire(
  old: WireSchema,
  neu: WireSchema,
  oracle: BuildOracle | null = null,
): WireChange[] {
  return new Comparison(old, neu, oracle).run();
}

class Comparison {
  private readonly nodes = new Map<string, Node>();
  private readonly queue: Node[] = [];
  /** Conditions are compared only when both sides carry them. */
  private readonly conditional: boolean;

  constructor(
    private readonly old: WireSchema,
    private readonly neu: WireSchema,
    private readonly oracle: BuildOracle | null,
  ) {
    this.conditional = old.conditional && neu.conditional;
  }

  run(): WireChange[] {
    const root = this.node("root", () => this.expandRoot(root));
    while (this.queue.length) this.queue.pop()!.expand();
    const all = [...this.nodes.values()];
    firstPaths(root);
    propagate(root);
    const out: WireChange[] = [];
    const budget = { steps: TOTAL_WALK_BUDGET };
    for (const n of all) {
      if (!n.changes.length || n.path === null) continue;
      const others = otherPaths(n, root, budget);
      for (const c of n.changes) {
        const bits =
          c.direction === "send" ? SEND : c.direction === "receive" ? RECEIVE : n.directions;
        out.push({
          path: [...n.path, ...c.rel],
          kind: c.kind,
          direction: bits === SEND ? "send" : bits === RECEIVE ? "receive" : "both",
          detail: c.detail,
          policy: c.policy ?? (n.stable ? null : inheritedPolicy(n)),
          lost: c.lost,
          gained: c.gained,
          explained: c.explained,
          otherPaths: others.paths.map((p) => [...p, ...c.rel]),
          otherPathsCapped: others.capped,
        });
      }
    }
    return out.sort((a, b) => comparePaths(a.path, b.path) || a.kind.localeCompare(b.kind));
  }

  private node(key: string, expand: () => void): Node {
    let n = this.nodes.get(key);
    if (n) return n;
    if (this.nodes.size >= MAX_PATHS)
      throw new WalkLimitError(`more than ${MAX_PATHS} pairs of types to compare`);
    n = {
      changes: [],
      edges: [],
      incoming: [],
      expand,
      path: null,
      via: null,
      directions: 0,
      stable: false,
    };
    this.nodes.set(key, n);
    this.queue.push(n);
    return n;
  }

  private edge(
    from: Node,
    rel: string[],
    to: Node,
    policy: Policy | null,
    direction: "send" | "receive" | null = null,
  ): void {
    const e: Edge = { from, rel, to, direction, policy };
    from.edges.push(e);
    to.incoming.push(e);
  }

  private change(
    n: Node,
    rel: string[],
    kind: ChangeKind,
    detail: string,
    policy: Policy | null,
    direction: "send" | "receive" | null = null,
  ): void {
    n.changes.push({
      rel,
      kind,
      detail,
      policy,
      direction,
      lost: null,
      gained: null,
      explained: null,
    });
  }

  /**
   * A thing one side has and the other lacks: `sides` says which (old, new), `ifcond` is its
   * condition on the side that has it. Explained by the build's configuration when that side
   * is the schema read whole and the condition is false in the other side's build.
   */
  private presence(
    n: Node,
    rel: string[],
    sides: readonly [unknown, unknown],
    kinds: readonly [removed: ChangeKind, added: ChangeKind],
    ifcond: Condition | null,
    detail: string,
    policy: Policy | null,
    direction: "send" | "receive" | null = null,
  ): void {
    const has = sides[0] ? 0 : 1;
    this.change(n, rel, kinds[has], detail, policy, direction);
    const o = this.oracle;
    if (o && ifcond && o.side === has && o.holds(ifcond) === false)
      n.changes.at(-1)!.explained = conditionText(ifcond);
  }

  /** A change of condition, when both sides carry conditions and they are not equivalent. */
  private condition(
    n: Node,
    rel: string[],
    a: Condition | null,
    b: Condition | null,
    lost: ChangeKind,
    gained: ChangeKind,
    policy: Policy | null,
    direction: "send" | "receive" | null = null,
  ): void {
    if (!this.conditional) return;
    const d = conditionDifference(a, b);
    if (!d) return;
    const text = (c: Condition | null): string => (c === null ? "always" : conditionText(c));
    n.changes.push({
      rel,
      kind: "condition changed",
      detail: `${text(a)} → ${text(b)}`,
      policy,
      direction,
      lost: d.lost ? lost : null,
      gained: d.gained ? gained : null,
      explained: null,
    });
  }

  private features(
    n: Node,
    rel: (feature: string) => string[],
    features: readonly Aligned<WireFeature>[],
    direction: "send" | "receive" | null = null,
  ): void {
    for (const { name, sides } of features) {
      const [fa, fb] = sides;
      if (fa && fb)
        this.condition(
          n,
          rel(name),
          fa.ifcond,
          fb.ifcond,
          "feature removed",
          "feature added",
          null,
          direction,
        );
      else
        this.presence(
          n,
          rel(name),
          [fa, fb],
          ["feature removed", "feature added"],
          (fa ?? fb)!.ifcond,
          "",
          null,
          direction,
        );
    }
  }

  private expandRoot(root: Node): void {
    const { commands, events } = alignDefinitions([this.old, this.neu]);
    for (const {
      name,
      sides: [a, b],
    } of commands) {
      const policy = a ? policyOf(name, a.features) : null;
      if (!a || !b) {
        const kinds = ["command removed", "command added"] as const;
        this.presence(root, [name], [a, b], kinds, (a ?? b)!.ifcond, "", policy, "send");
        continue;
      }
      const n = this.node(`command:${name}`, () => {
        this.features(n, (f) => [`$${f}`], featuresOf(a, b), "send");
        for (const [flag, was] of a.flags) {
          const is = b.flags.get(flag);
          if (is === undefined || is === was) continue;
          this.change(n, [flag], is ? "flag set" : "flag cleared", "", null, "send");
        }
        this.site(n, ["arg-type"], a.arg, b.arg, lazyPlace([a.arg, b.arg]), null, "send");
        this.site(n, ["ret-type"], a.ret, b.ret, lazyPlace([a.ret, b.ret]), null, "receive");
      });
      this.condition(
        root,
        [name],
        a.ifcond,
        b.ifcond,
        "command removed",
        "command added",
        policy,
        "send",
      );
      this.edge(root, [name], n, policy, "send");
    }
    for (const {
      name,
      sides: [a, b],
    } of events) {
      const policy = a ? policyOf(name, a.features) : null;
      if (!a || !b) {
        const kinds = ["event removed", "event added"] as const;
        this.presence(root, [name], [a, b], kinds, (a ?? b)!.ifcond, "", policy, "receive");
        continue;
      }
      const n = this.node(`event:${name}`, () => {
        this.features(n, (f) => [`$${f}`], featuresOf(a, b), "receive");
        this.site(n, ["arg-type"], a.arg, b.arg, lazyPlace([a.arg, b.arg]), null, "receive");
      });
      this.condition(
        root,
        [name],
        a.ifcond,
        b.ifcond,
        "event removed",
        "event added",
        policy,
        "receive",
      );
      this.edge(root, [name], n, policy, "receive");
    }
  }

  /**
   * Where a value of type `a` became one of type `b` (a member, a command's arg-type...): a
   * change of the value's type right here, or an edge to the place (walk.ts) of the two types.
   */
  private site(
    n: Node,
    rel: string[],
    a: WireType,
    b: WireType,
    next: LazyPlace,
    policy: Policy | null,
    direction: "send" | "receive" | null = null,
  ): void {
    // Arrays are transparent: compare their elements at the same path.
    for (let i = 0; a.kind === "array" && b.kind === "array"; i++) {
      if (i >= MAX_DEPTH) throw new WalkLimitError(`arrays nest more than ${MAX_DEPTH} deep`);
      a = a.element;
      b = b.element;
    }
    const typeChange = (kind: ChangeKind): void =>
      this.change(n, rel, kind, `${describeType(a)} → ${describeType(b)}`, policy, direction);
    const any = (t: WireType): boolean => t.kind === "builtin" && t.jsonType === "value";
    if (any(a) || any(b)) {
      if (!(any(a) && any(b))) typeChange(any(b) ? "type widened" : "type narrowed");
      return;
    }
    // A list of values where there was one (or the other way round).
    if (a.kind === "array" || b.kind === "array") return typeChange("type changed");
    if (
      a.kind === "alternate" ||
      b.kind === "alternate" ||
      (a.kind === "object" && b.kind === "object") ||
      (a.kind === "enum" && b.kind === "enum")
    ) {
      this.edge(n, rel, this.place(next.place), policy, direction);
      return;
    }
    const scalar = (t: WireType): string | null =>
      t.kind === "enum" ? "enum" : t.kind === "builtin" ? t.jsonType : null;
    const sa = scalar(a);
    const sb = scalar(b);
    if (sa !== null && sa === sb) return;
    // The values of an enum are strings; every int is a number.
    if ((sa === "enum" && sb === "string") || (sa === "int" && sb === "number"))
      typeChange("type widened");
    else if ((sa === "string" && sb === "enum") || (sa === "number" && sb === "int"))
      typeChange("type narrowed");
    else typeChange("type changed");
  }

  /** The comparison of two types at a place of the walk (walk.ts), once per place. */
  private place(place: Place): Node {
    const n = this.node(`place:${place.key}`, () => {
      const c = expandPlace(place);
      this.features(n, (f) => [`$${f}`], c.features);
      if (c.alternatives) {
        for (const x of c.alternatives) {
          const [xa, xb] = x.sides;
          const rel = [`!${x.name}`];
          if (!xa || !xb) {
            const kinds = ["alternative removed", "alternative added"] as const;
            const t = (xa ?? xb)!;
            this.presence(n, rel, [xa, xb], kinds, t.ifcond, describeType(t.type), null);
            continue;
          }
          const kinds = ["alternative removed", "alternative added"] as const;
          this.condition(n, rel, xa.ifcond, xb.ifcond, ...kinds, null);
          this.site(n, [], xa.type, xb.type, x.next, null);
        }
        return;
      }
      const [a, b] = place.types;
      if (a?.kind === "object" && b?.kind === "object" && a.tag !== null && b.tag !== null)
        if (a.tag !== b.tag) this.change(n, [], "tag changed", `${a.tag} → ${b.tag}`, null);
      for (const v of c.values) this.value(n, v);
      for (const m of c.members) {
        const [ma, mb] = m.sides;
        if (ma && mb) this.member(n, ma, mb, m.next);
        // In every branch on the other side: compared in the branches.
        else if (m.moved[ma ? 1 : 0]) continue;
        else {
          const x = (ma ?? mb)!;
          const kinds = x.optional
            ? (["optional member removed", "optional member added"] as const)
            : (["mandatory member removed", "mandatory member added"] as const);
          const policy = ma ? policyOf(m.name, ma.features) : null;
          this.presence(n, [m.name], [ma, mb], kinds, x.ifcond, describeType(x.type), policy);
        }
      }
      for (const br of c.branches) {
        const [va, vb] = br.sides;
        const rel = [`+${br.name}`];
        const policy = a?.kind === "object" ? casePolicy(a, br.name) : null;
        if (!va || !vb) {
          const kinds = ["branch removed", "branch added"] as const;
          this.presence(n, rel, [va, vb], kinds, (va ?? vb)!.ifcond, "", policy);
          continue;
        }
        this.condition(n, rel, va.ifcond, vb.ifcond, "branch removed", "branch added", policy);
        this.site(n, rel, va.type, vb.type, br.next, policy);
      }
    });
    return n;
  }

  private value(n: Node, v: Aligned<WireEnumValue>): void {
    const [va, vb] = v.sides;
    const rel = [`^${v.name}`];
    const policy = va ? policyOf(v.name, va.features) : null;
    const kinds = ["enum value removed", "enum value added"] as const;
    if (!va || !vb) {
      this.presence(n, rel, [va, vb], kinds, (va ?? vb)!.ifcond, "", policy);
      return;
    }
    this.condition(n, rel, va.ifcond, vb.ifcond, ...kinds, policy);
    this.features(n, (f) => [`^${v.name}`, `$${f}`], featuresOf(va, vb));
  }

  private member(n: Node, a: WireMember, b: WireMember, next: LazyPlace): void {
    const rel = [a.name];
    const policy = policyOf(a.name, a.features);
    if (a.optional !== b.optional)
      this.change(
        n,
        rel,
        b.optional ? "member made optional" : "member made mandatory",
        describeType(b.type),
        policy,
      );
    this.condition(
      n,
      rel,
      a.ifcond,
      b.ifcond,
      a.optional ? "optional member removed" : "mandatory member removed",
      b.optional ? "optional member added" : "mandatory member added",
      policy,
    );
    this.features(n, (f) => [`${a.name}$${f}`], featuresOf(a, b));
    this.site(n, rel, a.type, b.type, next, policy);
  }
}

/** The features of two things, aligned by name. */
function featuresOf(
  a: { features: WireFeature[] },
  b: { features: WireFeature[] },
): Aligned<WireFeature>[] {
  const names = [...new Set([...a.features, ...b.features].map((f) => f.name))].sort();
  return names.map((name) => ({
    name,
    sides: [
      a.features.find((f) => f.name === name) ?? null,
      b.features.find((f) => f.name === name) ?? null,
    ],
  }));
}

/** deprecated / unstable by feature, else x- by name (after any downstream __RFQDN_ prefix). */
function policyOf(name: string, features: WireFeature[]): Policy | null {
  if (features.some((f) => f.name === "deprecated")) return "deprecated";
  if (features.some((f) => f.name === "unstable")) return "unstable";
  return /^(__[A-Za-z0-9.-]+_)?x-/.test(name) ? "x-name" : null;
}

/** A union branch's status is that of its tag value. */
function casePolicy(o: WireObject, c: string): Policy | null {
  const tag = o.members.find((m) => m.name === o.tag);
  const value = tag?.type.kind === "enum" ? tag.type.values.find((v) => v.name === c) : undefined;
  return policyOf(c, value?.features ?? []);
}

/** Which builds lose / gain the thing when its condition goes from `a` to `b`; null if none. */
function conditionDifference(
  a: Condition | null,
  b: Condition | null,
): { lost: boolean; gained: boolean } | null {
  if (a === null && b === null) return null;
  const symbols = [...conditionSymbols(b, conditionSymbols(a))];
  // Beyond this, a truth table is too big: conditions that are not written alike differ.
  if (symbols.length > 16) {
    const same = JSON.stringify(a) === JSON.stringify(b);
    return same ? null : { lost: true, gained: true };
  }
  let lost = false;
  let gained = false;
  for (let bits = 0; bits < 1 << symbols.length; bits++) {
    const defined = new Set(symbols.filter((_, i) => bits & (1 << i)));
    const ha = conditionHolds(a, defined);
    const hb = conditionHolds(b, defined);
    if (ha && !hb) lost = true;
    if (hb && !ha) gained = true;
  }
  return lost || gained ? { lost, gained } : null;
}

/** Shorter first, then component by component (stable under extension, unlike joined text). */
export function comparePaths(a: readonly string[], b: readonly string[]): number {
  if (a.length !== b.length) return a.length - b.length;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return 0;
}

/** Dijkstra from the root, with paths as costs (comparePaths); records each node's `via` edge. */
function firstPaths(root: Node): void {
  root.path = [];
  const heap = new PathHeap();
  heap.push(root, []);
  const done = new Set<Node>();
  while (heap.size) {
    const n = heap.pop();
    if (done.has(n)) continue;
    done.add(n);
    for (const e of n.edges) {
      const p = [...n.path!, ...e.rel];
      // (Shortest first: the first path over budget means every later one is too.)
      if (p.length > MAX_DEPTH)
        throw new WalkLimitError(`a wire path deeper than ${MAX_DEPTH} components`);
      if (e.to.path === null || comparePaths(p, e.to.path) < 0) {
        e.to.path = p;
        e.to.via = e;
        heap.push(e.to, p);
      }
    }
  }
}

/** Directions each node is reached in; whether some path to it avoids every exempt thing. */
function propagate(root: Node): void {
  root.stable = true;
  const work = [root];
  while (work.length) {
    const n = work.pop()!;
    for (const e of n.edges) {
      const dirs =
        e.direction === "send" ? SEND : e.direction === "receive" ? RECEIVE : n.directions;
      const stable = e.to.stable || (n.stable && e.policy === null);
      if ((e.to.directions | dirs) !== e.to.directions || stable !== e.to.stable) {
        e.to.directions |= dirs;
        e.to.stable = stable;
        work.push(e.to);
      }
    }
  }
}

/** The policy found along the first path of a node every path to which is exempt. */
function inheritedPolicy(n: Node): Policy | null {
  for (let e = n.via; e; e = e.from.via) if (e.policy) return e.policy;
  return null;
}

/** Steps of the backward walk of otherPaths before it gives up counting (dead ends included). */
const WALK_BUDGET = 200_000;
/** ...and of all of them in one comparison (then the rest are listed as capped at once). */
const TOTAL_WALK_BUDGET = 20_000_000;

/**
 * The simple paths to `n` other than its first one, up to a cap, shortest first.
 * Walks backwards from `n` to the root along incoming edges, never through a node twice (an
 * explicit stack: type chains can be longer than the call stack is deep).
 */
function otherPaths(
  n: Node,
  root: Node,
  budget: { steps: number },
): { paths: string[][]; capped: boolean } {
  const found: string[][] = [];
  let steps = 0;
  let capped = budget.steps <= 0;
  const onStack = new Set<Node>([n]);
  const stack: { node: Node; next: number; edge: Edge | null }[] = [
    { node: n, next: 0, edge: null },
  ];
  while (stack.length && !capped) {
    const top = stack[stack.length - 1]!;
    if (top.next === top.node.incoming.length) {
      stack.pop();
      onStack.delete(top.node);
      continue;
    }
    const e = top.node.incoming[top.next++]!;
    if (++steps > WALK_BUDGET || --budget.steps <= 0) capped = true;
    if (onStack.has(e.from)) continue;
    if (e.from === root) {
      const p = [...e.rel];
      for (let i = stack.length - 1; i > 0; i--) p.push(...stack[i]!.edge!.rel);
      if (comparePaths(p, n.path!) === 0) continue;
      found.push(p);
      if (found.length >= OTHER_PATHS_CAP) capped = true;
      continue;
    }
    onStack.add(e.from);
    stack.push({ node: e.from, next: 0, edge: e });
  }
  found.sort(comparePaths);
  return { paths: found, capped };
}

/** A binary min-heap of nodes by the path they were pushed with. */
class PathHeap {
  private readonly items: { node: Node; path: string[] }[] = [];
  get size(): number {
    return this.items.length;
  }
  push(node: Node, path: string[]): void {
    const h = this.items;
    h.push({ node, path });
    for (let i = h.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (comparePaths(h[i]!.path, h[p]!.path) >= 0) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }
  pop(): Node {
    const h = this.items;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length) {
      h[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && comparePaths(h[l]!.path, h[m]!.path) < 0) m = l;
        if (r < h.length && comparePaths(h[r]!.path, h[m]!.path) < 0) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top.node;
  }
}
