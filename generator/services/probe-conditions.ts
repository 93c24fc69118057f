// Which build condition a probe's answer depends on. `probe --schema` without build symbols
// answers for a build that defines nothing; a query that finds something only in some builds
// must not get a bare 0 (or 1). So the query is also walked over the payload of every build
// (every conditional item kept), and the conditions of the items on the path it took are
// conjoined: "found only where CONFIG_POSIX".

import { conjunction, type Condition } from "../../runtime/conditions.ts";
import {
  parseQuery,
  type Explanation,
  type SchemaIndex,
  type WalkStep,
} from "../../runtime/introspection.ts";
import {
  buildIntrospectionTree,
  Conditional,
  type JsonValue,
  type TreeValue,
} from "../model/introspection-tree.ts";
import type { SchemaModel } from "../model/index.ts";

/** The payload with every conditional item kept, and the condition of each such item. */
export interface EveryBuildPayload {
  entries: JsonValue[];
  /** The condition of an entry, member, variant, enum value or alternate branch (by object). */
  conditionOf: WeakMap<object, Condition>;
  /** The conditions of the names listed in an object's `features` (by object, then name). */
  featureConditions: WeakMap<object, Map<string, Condition>>;
}

/** The query-qmp-schema payload of every build of the schema at once. */
export function everyBuildPayload(model: SchemaModel, unmask: boolean): EveryBuildPayload {
  const conditionOf = new WeakMap<object, Condition>();
  const featureConditions = new WeakMap<object, Map<string, Condition>>();
  const resolve = (value: TreeValue, owner: object | null, key: string | null): JsonValue => {
    if (value === null || typeof value !== "object") return value;
    if (Array.isArray(value)) {
      return value.map((item) => {
        if (!(item instanceof Conditional)) return resolve(item, null, null);
        const v = resolve(item.value, null, null);
        if (v !== null && typeof v === "object") conditionOf.set(v, item.ifcond);
        else if (typeof v === "string" && owner && key === "features") {
          if (!featureConditions.has(owner)) featureConditions.set(owner, new Map());
          featureConditions.get(owner)!.set(v, item.ifcond);
        }
        return v;
      });
    }
    const obj: { [k: string]: JsonValue } = {};
    for (const k of Object.keys(value)) obj[k] = resolve(value[k]!, obj, k);
    return obj;
  };
  const entries = resolve(buildIntrospectionTree(model, { unmask }), null, null) as JsonValue[];
  return { entries, conditionOf, featureConditions };
}

/**
 * The condition under which the walk of `explanation` (over the index of `payload.entries`)
 * finds what it found: all the conditions of the items on its path; null when it needs none.
 */
export function pathCondition(
  index: SchemaIndex,
  payload: EveryBuildPayload,
  explanation: Explanation,
): Condition | null {
  const conds: (Condition | null)[] = [];
  const cond = (o: unknown): Condition | null =>
    o !== null && typeof o === "object" ? (payload.conditionOf.get(o) ?? null) : null;
  const featureCond = (holder: unknown, feature: string): Condition | null =>
    holder !== null && typeof holder === "object"
      ? (payload.featureConditions.get(holder)?.get(feature) ?? null)
      : null;
  const list = (o: unknown, key: string): unknown[] => {
    const v: unknown = o !== null && typeof o === "object" ? Reflect.get(o, key) : undefined;
    return Array.isArray(v) ? v : [];
  };
  const named = (o: unknown, key: string, name: string, field = "name"): unknown =>
    list(o, key).find((x) => x !== null && typeof x === "object" && Reflect.get(x, field) === name);
  for (const step of successfulPath(explanation.walk)) {
    const entry = index.raw(step.entry);
    conds.push(cond(entry));
    if (step.component === null) {
      // An alternate's branch tried (and taken: this is the successful path).
      if (step.to !== undefined) conds.push(cond(named(entry, "members", step.to, "type")));
      continue;
    }
    const [component] = parseQuery(`x/${step.component}`).steps;
    switch (component?.kind) {
      case "name":
      case "optional":
        conds.push(cond(named(entry, "members", component.name)));
        break;
      case "variant":
        conds.push(cond(named(entry, "variants", component.case, "case")));
        break;
      case "feature":
        conds.push(featureCond(entry, component.feature));
        break;
      case "member-feature": {
        const m = named(entry, "members", component.member);
        conds.push(cond(m), featureCond(m, component.feature));
        break;
      }
      case "enum-value": {
        const m = named(entry, "members", component.value);
        conds.push(cond(m));
        // `^value/$feature`: the value's feature, named by the query's next component.
        const next = explanation.query.split("/").at(-1)!;
        if (next.startsWith("$") && explanation.walk.at(-1) === step)
          conds.push(featureCond(m, next.slice(1)));
        break;
      }
    }
  }
  return conjunction(conds);
}

/**
 * The steps of the walk that led to its answer: an alternate's branches that were tried and
 * gave nothing (the steps between one "try branch" and the next at that depth) are left out.
 */
function successfulPath(walk: readonly WalkStep[]): WalkStep[] {
  const path: WalkStep[] = [];
  for (const s of walk) {
    const tryBranch =
      s.action === "follow" && s.component === null && s.detail.startsWith("alternate");
    if (tryBranch) {
      // Drop the previous branch of this alternate, if any, with everything below it.
      let k = path.length;
      while (k > 0 && path[k - 1]!.depth > s.depth) k--;
      if (
        k > 0 &&
        path[k - 1]!.depth === s.depth &&
        path[k - 1]!.detail === s.detail &&
        path[k - 1]!.entry === s.entry
      )
        k--;
      path.length = k;
    }
    path.push(s);
  }
  return path;
}
