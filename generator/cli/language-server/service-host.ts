// What the language service (services/language/) is handed from the stages it may not import: the
// front end's key table and legacy forms, and what a hover adds from compat/: the wire paths of a
// thing and, with a release history, the release it first appeared in.

import {
  CONDITION_KEYS,
  DEFINITION_KEYS,
  DIRECTIVE_KEYS,
  MEMBER_KEYS,
  SHAPE_ENTRIES,
} from "../../frontend/keywords.ts";
import { legacyConditionToModern } from "../../frontend/legacy-conditions.ts";
import { LEGACY_LIST_PRAGMAS, LIST_PRAGMAS } from "../../frontend/parser/directives.ts";
import type { History } from "../../compat/history.ts";
import { visitPaths } from "../../compat/walk.ts";
import { wireFromModel } from "../../compat/wire.ts";
import type { ObjectType, SchemaModel } from "../../model/index.ts";
import type { LanguageFacts, ServiceHost, Target } from "../../services/language/index.ts";

export const LANGUAGE_FACTS: LanguageFacts = {
  definitionKeys: DEFINITION_KEYS,
  memberKeys: MEMBER_KEYS,
  shapeEntries: SHAPE_ENTRIES,
  conditionKeys: CONDITION_KEYS,
  directiveKeys: DIRECTIVE_KEYS,
};

/** Legacy pragma names to today's (the ones that fill the same list). */
function legacyPragmaNames(): Map<string, string> {
  const out = new Map<string, string>();
  for (const [legacy, field] of LEGACY_LIST_PRAGMAS)
    for (const [name, f] of LIST_PRAGMAS) if (f === field) out.set(legacy, name);
  return out;
}

/** How many wire paths a hover lists. */
const SHOWN_PATHS = 4;

/** The service's host: `history()` is the configured release history of the schema, if any. */
export function serviceHost(history: (model: SchemaModel) => History | null): ServiceHost {
  const paths = new WeakMap<SchemaModel, Map<string, string[]>>();
  const typePaths = (model: SchemaModel): Map<string, string[]> => {
    let map = paths.get(model);
    if (!map) {
      map = new Map();
      const m = map;
      visitPaths(wireFromModel(model, null), {
        thing() {},
        type(path, t) {
          if (!t.name) return;
          const list = m.get(t.name);
          if (list) list.push(path);
          else m.set(t.name, [path]);
        },
      });
      paths.set(model, map);
    }
    return map;
  };
  return {
    modernCondition: (text) => legacyConditionToModern(text),
    legacyPragmas: legacyPragmaNames(),
    hoverNotes(model, target) {
      const found = wirePaths(model, target, typePaths);
      if (!found.length) return [];
      const shown = found.slice(0, SHOWN_PATHS).map((p) => `\`${p}\``);
      const more = found.length > SHOWN_PATHS ? ` (and ${found.length - SHOWN_PATHS} more)` : "";
      const out = [`**Wire:** ${shown.join(", ")}${more}`];
      const h = history(model);
      if (h) {
        const order = new Map(h.releases.map((r, i) => [r, i]));
        const known = found.filter((p) => h.paths[p]);
        if (known.length) {
          const first = known
            .map((p) => h.paths[p]!.added)
            .reduce((a, b) => (order.get(a)! <= order.get(b)! ? a : b));
          out.push(`**First in release:** ${first} (release history)`);
        } else out.push("**First in release:** not in the release history");
      }
      return out;
    },
  };
}

/** Where a thing is reached on the wire, in the path-query language. */
function wirePaths(
  model: SchemaModel,
  t: Target,
  typePaths: (model: SchemaModel) => Map<string, string[]>,
): string[] {
  const under = (typeName: string, component: string): string[] =>
    (typePaths(model).get(typeName) ?? []).map((p) => `${p}/${component}`);
  switch (t.kind) {
    case "definition": {
      const e = model.lookup(t.name);
      if (!e) return [];
      if (e.meta === "command" || e.meta === "event") return [e.name];
      return typePaths(model).get(e.name) ?? [];
    }
    case "member": {
      const e = model.lookup(t.definition);
      if (!e) return [];
      if (e.meta === "command" || e.meta === "event")
        return e.argType ? under(e.argType.name, t.name) : [];
      if (e.meta === "alternate") return typePaths(model).get(e.name) ?? [];
      if (e.meta !== "object") return [];
      // Members are flattened into every type based on the one declaring them (an inline
      // union base is the union's own).
      const declaring =
        e.base?.isImplicit && e.base.localMembers.some((m) => m.name === t.name) ? e.base : e;
      const out: string[] = [];
      for (const o of model.entities) {
        if (o.meta !== "object") continue;
        for (let b: ObjectType | null = o; b; b = b.base)
          if (b === declaring) {
            out.push(...under(o.name, t.name));
            break;
          }
      }
      return out;
    }
    case "value":
      return under(t.enum, `^${t.name}`);
    default:
      return [];
  }
}
