// The comparison of two wire models (wire.ts): what changed on the wire, as data. Pure; the
// verdicts are verdicts.ts's.
//
// Types are compared by structure, never by name, so renaming a type, flattening members into a
// base or reordering anything changes nothing. The comparison builds a graph whose nodes are the
// pairs of things compared (the schema root, a command pair, an event pair, a pair of types),
// memoised by the pair: a type pair is compared once however many paths reach it, and recursive
// types terminate. Each node holds its own changes (at paths relative to it) and edges to the
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
  alternativeKey,
  describeType,
  type WireAlternative,
  type WireFeature,
  type WireMember,
  type WireObject,
  type WireSchema,
  type WireType,
} from "./wire.ts";

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

/** Every change from `old` to `new`, each once, ordered by path. */
export function diffWire(old: WireSchema, neu: WireSchema): WireChange[] {
  return new Comparison(old, neu).run();
}

class Comparison {
  private readonly nodes = new Map<string, Node>();
  private readonly queue: Node[] = [];
  /** Conditions are compared only when both sides carry them. */
  private readonly conditional: boolean;

  constructor(
    private readonly old: WireSchema,
    private readonly neu: WireSchema,
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
    for (const n of all) {
      if (!n.changes.length || n.path === null) continue;
      const others = otherPaths(n, root);
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
    n.changes.push({ rel, kind, detail, policy, direction, lost: null, gained: null });
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
    });
  }

  private features(
    n: Node,
    rel: (feature: string) => string[],
    a: WireFeature[],
    b: WireFeature[],
    direction: "send" | "receive" | null = null,
  ): void {
    const before = new Map(a.map((f) => [f.name, f]));
    const after = new Map(b.map((f) => [f.name, f]));
    for (const name of union(before.keys(), after.keys())) {
      const fa = before.get(name);
      const fb = after.get(name);
      if (fa && fb) {
        const r = rel(name);
        this.condition(
          n,
          r,
          fa.ifcond,
          fb.ifcond,
          "feature removed",
          "feature added",
          null,
          direction,
        );
      } else
        this.change(n, rel(name), fa ? "feature removed" : "feature added", "", null, direction);
    }
  }

  private expandRoot(root: Node): void {
    const { old, neu } = this;
    for (const name of union(old.commands.keys(), neu.commands.keys())) {
      const a = old.commands.get(name);
      const b = neu.commands.get(name);
      const policy = a ? policyOf(name, a.features) : null;
      if (!a || !b) {
        this.change(root, [name], a ? "command removed" : "command added", "", policy, "send");
        continue;
      }
      const key = `command:${name}`;
      const n = this.node(key, () => {
        this.features(n, (f) => [`$${f}`], a.features, b.features, "send");
        for (const [flag, was] of a.flags) {
          const is = b.flags.get(flag);
          if (is === undefined || is === was) continue;
          this.change(n, [flag], is ? "flag set" : "flag cleared", "", null, "send");
        }
        this.site(n, ["arg-type"], a.arg, b.arg, null, "send");
        this.site(n, ["ret-type"], a.ret, b.ret, null, "receive");
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
    for (const name of union(old.events.keys(), neu.events.keys())) {
      const a = old.events.get(name);
      const b = neu.events.get(name);
      const policy = a ? policyOf(name, a.features) : null;
      if (!a || !b) {
        this.change(root, [name], a ? "event removed" : "event added", "", policy, "receive");
        continue;
      }
      const n = this.node(`event:${name}`, () => {
        this.features(n, (f) => [`$${f}`], a.features, b.features, "receive");
        this.site(n, ["arg-type"], a.arg, b.arg, null, "receive");
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
   * change of the value's type right here, or an edge to the pair of types to compare.
   */
  private site(
    n: Node,
    rel: string[],
    a: WireType,
    b: WireType,
    policy: Policy | null,
    direction: "send" | "receive" | null = null,
  ): void {
    // Arrays are transparent: compare their elements at the same path.
    while (a.kind === "array" && b.kind === "array") {
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
    if (a.kind === "alternate" || b.kind === "alternate") {
      this.edge(n, rel, this.alternates(a, b), policy, direction);
      return;
    }
    if (a.kind === "object" && b.kind === "object") {
      this.edge(n, rel, this.objects(a, b, [], []), policy, direction);
      return;
    }
    if (a.kind === "enum" && b.kind === "enum") {
      this.edge(n, rel, this.enums(a, b), policy, direction);
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

  private enums(a: WireType & { kind: "enum" }, b: WireType & { kind: "enum" }): Node {
    const n = this.node(`enum:${a.id}:${b.id}`, () => {
      this.features(n, (f) => [`$${f}`], a.features, b.features);
      const before = new Map(a.values.map((v) => [v.name, v]));
      const after = new Map(b.values.map((v) => [v.name, v]));
      for (const name of union(before.keys(), after.keys())) {
        const va = before.get(name);
        const vb = after.get(name);
        const rel = [`^${name}`];
        const policy = va ? policyOf(name, va.features) : null;
        if (!va || !vb) {
          this.change(n, rel, va ? "enum value removed" : "enum value added", "", policy);
          continue;
        }
        this.condition(
          n,
          rel,
          va.ifcond,
          vb.ifcond,
          "enum value removed",
          "enum value added",
          policy,
        );
        this.features(n, (f) => [`^${name}`, `$${f}`], va.features, vb.features);
      }
    });
    return n;
  }

  /** At least one side is an alternate; a plain type is an alternate of one alternative. */
  private alternates(a: WireType, b: WireType): Node {
    const n = this.node(`alternate:${a.id}:${b.id}`, () => {
      if (a.kind === "alternate" && b.kind === "alternate")
        this.features(n, (f) => [`$${f}`], a.features, b.features);
      const before = alternatives(a);
      const after = alternatives(b);
      for (const key of union(before.keys(), after.keys())) {
        const xa = before.get(key);
        const xb = after.get(key);
        const rel = [`!${key}`];
        if (!xa || !xb) {
          const t = (xa ?? xb)!.type;
          this.change(
            n,
            rel,
            xa ? "alternative removed" : "alternative added",
            describeType(t),
            null,
          );
          continue;
        }
        this.condition(
          n,
          rel,
          xa.ifcond,
          xb.ifcond,
          "alternative removed",
          "alternative added",
          null,
        );
        this.site(n, [], xa.type, xb.type, null);
      }
    });
    return n;
  }

  /**
   * Two objects. `extraA` / `extraB`: common members of the enclosing unions that moved into
   * (or out of) every variant: they belong to this comparison of variants.
   */
  private objects(
    a: WireObject,
    b: WireObject,
    extraA: WireMember[],
    extraB: WireMember[],
    context = "",
  ): Node {
    const n = this.node(`object:${a.id}:${b.id}${context}`, () => {
      this.features(n, (f) => [`$${f}`], a.features, b.features);
      if (a.tag !== null && b.tag !== null && a.tag !== b.tag)
        this.change(n, [], "tag changed", `${a.tag} → ${b.tag}`, null);
      const before = new Map([...a.members, ...extraA].map((m) => [m.name, m]));
      const after = new Map([...b.members, ...extraB].map((m) => [m.name, m]));
      // Common members that every variant on the other side has moved, not (dis)appeared.
      const inEveryVariant = (o: WireObject, name: string): boolean =>
        o.variants.length > 0 &&
        o.variants.every(
          (v) => v.type.kind === "object" && v.type.members.some((m) => m.name === name),
        );
      const movedIntoVariants: WireMember[] = [];
      const movedOutOfVariants: WireMember[] = [];
      for (const name of union(before.keys(), after.keys())) {
        const ma = before.get(name);
        const mb = after.get(name);
        if (ma && mb) this.member(n, ma, mb);
        else if (ma && inEveryVariant(b, name)) movedIntoVariants.push(ma);
        else if (mb && inEveryVariant(a, name)) movedOutOfVariants.push(mb);
        else if (ma)
          this.change(
            n,
            [name],
            ma.optional ? "optional member removed" : "mandatory member removed",
            describeType(ma.type),
            policyOf(name, ma.features),
          );
        else
          this.change(
            n,
            [name],
            mb!.optional ? "optional member added" : "mandatory member added",
            describeType(mb!.type),
            null,
          );
      }
      const variantsBefore = new Map(a.variants.map((v) => [v.case, v]));
      const variantsAfter = new Map(b.variants.map((v) => [v.case, v]));
      const moved = movedIntoVariants.length + movedOutOfVariants.length > 0;
      const movedContext = moved
        ? `:${a.id}:${b.id}:${movedIntoVariants.map((m) => m.name).join(",")}|${movedOutOfVariants.map((m) => m.name).join(",")}`
        : "";
      for (const c of union(variantsBefore.keys(), variantsAfter.keys())) {
        const va = variantsBefore.get(c);
        const vb = variantsAfter.get(c);
        const rel = [`+${c}`];
        const policy = casePolicy(a, c);
        if (!va || !vb) {
          this.change(n, rel, va ? "branch removed" : "branch added", "", policy);
          continue;
        }
        this.condition(n, rel, va.ifcond, vb.ifcond, "branch removed", "branch added", policy);
        if (va.type.kind === "object" && vb.type.kind === "object")
          this.edge(
            n,
            rel,
            this.objects(va.type, vb.type, movedIntoVariants, movedOutOfVariants, movedContext),
            policy,
          );
        else this.site(n, rel, va.type, vb.type, policy);
      }
    });
    return n;
  }

  private member(n: Node, a: WireMember, b: WireMember): void {
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
    this.features(n, (f) => [`${a.name}$${f}`], a.features, b.features);
    this.site(n, rel, a.type, b.type, policy);
  }
}

function alternatives(t: WireType): Map<string, WireAlternative> {
  const list = t.kind === "alternate" ? t.alternatives : [{ type: t, ifcond: null }];
  // Only a malformed reply has alternatives that no JSON type selects; keep them apart by kind.
  return new Map(list.map((x) => [alternativeKey(x.type) ?? x.type.kind, x]));
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

function union(a: Iterable<string>, b: Iterable<string>): string[] {
  return [...new Set([...a, ...b])].sort();
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

/**
 * The simple paths to `n` other than its first one, up to a cap, shortest first.
 * Walks backwards from `n` to the root along incoming edges, never through a node twice (an
 * explicit stack: type chains can be longer than the call stack is deep).
 */
function otherPaths(n: Node, root: Node): { paths: string[][]; capped: boolean } {
  const found: string[][] = [];
  let steps = 0;
  let capped = false;
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
    if (++steps > WALK_BUDGET) capped = true;
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
