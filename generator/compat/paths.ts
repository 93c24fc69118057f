// Every wire path of a schema, in the path-query language: commands and events, their features
// (`cmd/$f`), members (`cmd/arg-type/m`, with `m$f` for member features), union branches (`+c`),
// enum values (`^v`, `^v/$f`), an alternate's alternatives (`!string`...) and type features
// (`.../m/$f`). Arrays and alternates are transparent, as in queries. Every path is listed, not
// only the first to a shared type: a path stays the same from release to release whatever else
// reaches its type. A type already on the path is not entered again (recursive types).

import { alternativeKey, type WireFeature, type WireSchema, type WireType } from "./wire.ts";

export interface PathVisitor {
  /** A thing at `path`, with its own features (none for `$f` paths and alternatives). */
  thing(path: string, features: readonly WireFeature[]): void;
  /** An object or enum type reached at `path` (the path of the member, branch or key). */
  type?(path: string, t: WireType): void;
}

/** More paths than this in one schema is taken as a pathological input. */
export const MAX_PATHS = 2_000_000;

export class TooManyPaths extends Error {}

/** Visits every path; iterative (a chain of types can be longer than the call stack is deep). */
export function visitPaths(schema: WireSchema, v: PathVisitor): void {
  let count = 0;
  const thing = (path: string, features: readonly WireFeature[]): void => {
    if (++count > MAX_PATHS) throw new TooManyPaths(`more than ${MAX_PATHS} wire paths`);
    v.thing(path, features);
  };
  const featurePaths = (path: string, features: readonly WireFeature[]): void => {
    for (const f of features) thing(`${path}/$${f.name}`, []);
  };
  // Work items: enter a type at a path, or leave an object (take it off the path).
  type Item = { type: WireType; path: string } | { leave: WireType };
  const onPath = new Set<WireType>();
  const work: Item[] = [];
  const roots = [
    ...[...schema.commands.values()].map((c) => ({
      name: c.name,
      features: c.features,
      keys: [["arg-type", c.arg] as const, ["ret-type", c.ret] as const],
    })),
    ...[...schema.events.values()].map((e) => ({
      name: e.name,
      features: e.features,
      keys: [["arg-type", e.arg] as const],
    })),
  ];
  for (const r of roots) {
    thing(r.name, r.features);
    featurePaths(r.name, r.features);
    for (const [key, t] of r.keys) work.push({ type: t, path: `${r.name}/${key}` });
    while (work.length) {
      const item = work.pop()!;
      if ("leave" in item) {
        onPath.delete(item.leave);
        continue;
      }
      let t = item.type;
      const path = item.path;
      while (t.kind === "array") t = t.element;
      if (onPath.has(t)) continue;
      switch (t.kind) {
        case "builtin":
          break;
        case "enum":
          v.type?.(path, t);
          featurePaths(path, t.features);
          for (const value of t.values) {
            thing(`${path}/^${value.name}`, value.features);
            featurePaths(`${path}/^${value.name}`, value.features);
          }
          break;
        case "alternate":
          featurePaths(path, t.features);
          onPath.add(t);
          work.push({ leave: t });
          for (const x of t.alternatives) {
            thing(`${path}/!${alternativeKey(x.type) ?? x.type.kind}`, []);
            work.push({ type: x.type, path });
          }
          break;
        case "object":
          v.type?.(path, t);
          featurePaths(path, t.features);
          onPath.add(t);
          work.push({ leave: t });
          // Pushed in reverse, so that they are visited in order.
          for (const b of [...t.variants].reverse()) {
            thing(`${path}/+${b.case}`, []);
            work.push({ type: b.type, path: `${path}/+${b.case}` });
          }
          for (const m of [...t.members].reverse()) {
            thing(`${path}/${m.name}`, m.features);
            for (const f of m.features) thing(`${path}/${m.name}$${f.name}`, []);
            work.push({ type: m.type, path: `${path}/${m.name}` });
          }
          break;
      }
    }
  }
}
