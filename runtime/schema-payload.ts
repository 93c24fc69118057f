// The query-qmp-schema payload of a schema for any build: what a generated `introspection.ts`
// (the introspection back end of `qapi-ts generate`) hands to conditionalPayload(). The payload
// lists the entries of every build; a second list names the items that exist only under a
// condition. For a build, the items whose condition fails are removed, so the one module answers
// for every configuration, with QEMU's order and type numbering.

import { conditionHolds, conditionSymbols, type Condition } from "./conditions.ts";
import type { SchemaInfo } from "./schema-info.ts";

/** Where a conditional item is: the path of keys and indexes from the payload's top. */
export type PayloadPath = readonly (string | number)[];

/** One conditional item: its condition, then its path (the last step is a list index). */
export type ConditionalItem = readonly [Condition, ...PayloadPath];

export interface ConditionalPayload {
  /** Every symbol a condition in the payload mentions. */
  readonly symbols: ReadonlySet<string>;
  /**
   * The reply to query-qmp-schema of a build with exactly `defines` defined (undefined symbols
   * are false). Computed once per configuration and shared: treat it as read-only.
   */
  forBuild(defines: Iterable<string>): readonly SchemaInfo[];
}

/**
 * The payload of every build (JSON text of the entries) with its conditional items (JSON text of
 * ConditionalItem[], in document order).
 */
export function conditionalPayload(payload: string, conditional: string): ConditionalPayload {
  const items = JSON.parse(conditional) as ConditionalItem[];
  const symbols = new Set<string>();
  for (const [c] of items) conditionSymbols(c, symbols);
  const byConfiguration = new Map<string, readonly SchemaInfo[]>();
  return {
    symbols,
    forBuild(defines) {
      const defined = new Set([...defines].filter((s) => symbols.has(s)));
      const key = [...defined].sort().join(" ");
      let entries = byConfiguration.get(key);
      if (!entries) {
        entries = withoutAbsentItems(JSON.parse(payload) as SchemaInfo[], items, defined);
        byConfiguration.set(key, entries);
      }
      return entries;
    },
  };
}

/** Removes the items whose condition fails, last first, so that earlier paths stay valid. */
function withoutAbsentItems(
  entries: SchemaInfo[],
  items: readonly ConditionalItem[],
  defined: ReadonlySet<string>,
): SchemaInfo[] {
  for (let i = items.length - 1; i >= 0; i--) {
    const [condition, ...path] = items[i]!;
    if (conditionHolds(condition, defined)) continue;
    let list: unknown = entries;
    for (let k = 0; k < path.length - 1; k++)
      list = (list as Record<string | number, unknown>)[path[k]!];
    (list as unknown[]).splice(path[path.length - 1] as number, 1);
  }
  return entries;
}
