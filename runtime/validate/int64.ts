// Values as QMP delivers them (parseJsonLossless: an integer is a `number` when a double holds it
// exactly, else a `bigint`) put in a validator set's representation of the 64-bit integer types
// (scalars.ts, Int64Representation):
//
// - "exact": as parsed.
// - "bigint": every integer where the schema has a 64-bit integer type becomes a bigint. Which
//   places those are takes the schema (JSON says nothing of int32 and int64): the value is walked
//   along its type, as the validators walk it, through members, union branches (by the tag),
//   alternate branches (by the JSON type) and arrays, only into types that reach a 64-bit
//   integer at all. Values of `any` and of names the schema lacks are left as they are.
// - "number": a bigint anywhere is an error (Int64RangeError), never rounded; `any` included,
//   since the program was promised numbers. A double that QEMU prints (%.17g) always parses to
//   a number, so only integers beyond what a double holds exactly are refused.
//
// Conversion is in place: the value is the one the parse just made.

import { isJsonFloat, isObject, jsonType } from "./json.ts";
import { formatPath, INT64_TYPES, type Int64Representation, type IntegerType } from "./scalars.ts";
import type { TypeRef, ValidatorTable } from "./table.ts";

/** A reply integer that a number cannot hold exactly, with "number" as the representation. */
export class Int64RangeError extends Error {
  constructor(
    readonly value: bigint,
    readonly path: readonly (string | number)[],
  ) {
    super(
      `the integer ${value} at '${formatPath(path)}' has no exact number (64-bit integers are numbers here)`,
    );
    this.name = "Int64RangeError";
  }
}

/** Throws Int64RangeError at the first bigint in `value` (depth first, in key order). */
export function refuseBigints(value: unknown): void {
  const path: (string | number)[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === "bigint") throw new Int64RangeError(v, path);
    if (typeof v !== "object" || v === null) return;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        path.push(i);
        walk(v[i]);
        path.pop();
      }
    } else if (!isJsonFloat(v)) {
      for (const k in v) {
        if (!Object.hasOwn(v, k)) continue;
        path.push(k);
        walk((v as Record<string, unknown>)[k]);
        path.pop();
      }
    }
  };
  walk(value);
}

/** Converts, in place, the integers at a table's 64-bit integer types to bigints. */
export class BigintReviver {
  /** Per type: whether a 64-bit integer type is reachable from it. */
  private readonly reaches: boolean[];

  constructor(private readonly table: ValidatorTable) {
    this.reaches = reachesInt64(table);
  }

  /** The value of type `ref` (-1: none) with its 64-bit integers as bigints. */
  revive(ref: TypeRef, v: unknown): unknown {
    if (ref < 0 || !this.reaches[ref]) return v;
    const t = this.table.types[ref]!;
    if ("builtin" in t)
      return typeof v === "number" &&
        Number.isInteger(v) &&
        INT64_TYPES.has(t.builtin as IntegerType)
        ? BigInt(v)
        : v;
    if ("array" in t) {
      if (Array.isArray(v)) for (let i = 0; i < v.length; i++) v[i] = this.revive(t.array, v[i]);
      return v;
    }
    if ("object" in t) {
      if (!isObject(v)) return v;
      for (const [name, type] of t.members)
        if (this.reaches[type] && Object.hasOwn(v, name)) v[name] = this.revive(type, v[name]);
      if (t.tag !== undefined && Object.hasOwn(v, t.tag)) {
        const variant = t.variants?.find(([value]) => value === v[t.tag!]);
        if (variant) this.revive(variant[1], v);
      }
      return v;
    }
    if ("alternate" in t) {
      const json = jsonType(v);
      const branch = t.branches.find(([type]) => type === json);
      return branch ? this.revive(branch[1], v) : v;
    }
    return v; // an enum
  }
}

/** For each type of the table, whether a 64-bit integer type is reachable from it. */
function reachesInt64(table: ValidatorTable): boolean[] {
  const types = table.types;
  // Edges reversed (who refers to each type), then a walk back from the 64-bit integers.
  const referrers: number[][] = types.map(() => []);
  types.forEach((t, i) => {
    const add = (to: number) => referrers[to]!.push(i);
    if ("array" in t) add(t.array);
    else if ("object" in t) {
      for (const m of t.members) add(m[1]);
      for (const v of t.variants ?? []) add(v[1]);
    } else if ("alternate" in t) for (const b of t.branches) add(b[1]);
  });
  const reaches = types.map((t) => "builtin" in t && INT64_TYPES.has(t.builtin as IntegerType));
  const queue = reaches.flatMap((r, i) => (r ? [i] : []));
  while (queue.length) {
    for (const from of referrers[queue.pop()!]!) {
      if (reaches[from]) continue;
      reaches[from] = true;
      queue.push(from);
    }
  }
  return reaches;
}

/** How one representation puts a parsed value of type `ref` (-1: unknown) into its form. */
export type Int64Decoder = (ref: TypeRef, value: unknown) => unknown;

/** The decoder of a representation over a table. */
export function int64Decoder(table: ValidatorTable, int64: Int64Representation): Int64Decoder {
  if (int64 === "exact") return (_ref, v) => v;
  if (int64 === "number")
    return (_ref, v) => {
      refuseBigints(v);
      return v;
    };
  const reviver = new BigintReviver(table);
  return (ref, v) => reviver.revive(ref, v);
}
