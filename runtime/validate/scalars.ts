// QEMU's checks of the built-in scalar types on QMP input (its QObject input visitor), on values
// as parseJsonForValidation yields them. Measured on QEMU 7.2 over QMP (test/qemu-json.test.ts):
//
// - str, bool, null: the JSON type, else "Invalid parameter type for 'P', expected: string"
//   (boolean, null). number: any JSON number, integer or not, however large (1e400 is inf).
// - int, int64: an integer token within int64, else "... expected: integer" (also for a
//   float token like `1.0`, and for integers beyond int64, which QEMU holds as doubles).
// - int8/16/32: as int64, then the range: "Parameter 'P' expects int8_t" (int16_t, int32_t).
// - uint64 and size (the same visitor on QMP): an integer token within uint64, or a negative
//   one within int64 taken as its two's complement (backward compatibility), else
//   "Parameter 'P' expects uint64". uint8/16/32: as uint64, then the range ("expects uint8_t"),
//   so -1 is refused as 2^64-1 is.
// - any: every value.
//
// The ranges are data (INTEGER_RANGES): the checks, the TSDoc of generated types and the JSON
// Schema back end all read them.

import { isJsonFloat } from "./json.ts";

/** The integer types. */
export type IntegerType =
  | "int"
  | "int8"
  | "int16"
  | "int32"
  | "int64"
  | "uint8"
  | "uint16"
  | "uint32"
  | "uint64"
  | "size";

/** The built-in types whose values are JSON scalars (or anything, for `any`). */
export type ScalarType = IntegerType | "str" | "number" | "bool" | "null" | "any";

/** The values each integer type holds (inclusive). */
export const INTEGER_RANGES: {
  readonly [K in IntegerType]: { readonly min: bigint; readonly max: bigint };
} = {
  int: { min: -(2n ** 63n), max: 2n ** 63n - 1n },
  int8: { min: -(2n ** 7n), max: 2n ** 7n - 1n },
  int16: { min: -(2n ** 15n), max: 2n ** 15n - 1n },
  int32: { min: -(2n ** 31n), max: 2n ** 31n - 1n },
  int64: { min: -(2n ** 63n), max: 2n ** 63n - 1n },
  uint8: { min: 0n, max: 2n ** 8n - 1n },
  uint16: { min: 0n, max: 2n ** 16n - 1n },
  uint32: { min: 0n, max: 2n ** 32n - 1n },
  uint64: { min: 0n, max: 2n ** 64n - 1n },
  size: { min: 0n, max: 2n ** 64n - 1n },
};

/**
 * How a program holds the values of the 64-bit integer types (INT64_TYPES), which a double
 * cannot hold exactly beyond 2^53:
 * - "exact": a `number` when a double holds the integer exactly, else a `bigint` (what
 *   parseJsonLossless yields);
 * - "bigint": always a `bigint`;
 * - "number": always a `number`; an integer that a double does not hold exactly is an error,
 *   never rounded.
 * The other integer types are `number`s in every representation.
 */
export type Int64Representation = "exact" | "bigint" | "number";

/** The integer types whose range a double does not hold exactly (int, int64, uint64, size). */
export const INT64_TYPES: ReadonlySet<IntegerType> = new Set(
  (Object.keys(INTEGER_RANGES) as IntegerType[]).filter(
    (t) =>
      INTEGER_RANGES[t].max > BigInt(Number.MAX_SAFE_INTEGER) ||
      INTEGER_RANGES[t].min < BigInt(Number.MIN_SAFE_INTEGER),
  ),
);

/**
 * The integers QEMU accepts as input of an integer type: its range, except that uint64 and
 * size also take a negative int64 (as its two's complement).
 */
export function acceptedRange(type: IntegerType): { min: bigint; max: bigint } {
  const { min, max } = INTEGER_RANGES[type];
  return type === "uint64" || type === "size"
    ? { min: INTEGER_RANGES.int64.min, max }
    : { min, max };
}

/** QEMU's name for a place in a value: members joined by '.', array indexes in brackets. */
export function formatPath(path: readonly (string | number)[]): string {
  // (An indexed loop, and a one-member path as it is: the error path of small messages.)
  if (path.length === 1 && typeof path[0] === "string" && path[0] !== "") return path[0];
  let s = "";
  for (let i = 0; i < path.length; i++) {
    const p = path[i]!;
    s += typeof p === "number" ? "[" + p + "]" : s ? "." + p : p;
  }
  return s || "<anonymous>";
}

/** Why a value is refused: QEMU's message for the parameter QEMU names `name` ("a.b[0]"). */
export interface ScalarFailure {
  /** "type": the JSON type is wrong; "value": the value is outside what the type takes. */
  readonly kind: "type" | "value";
  /** What QEMU says was expected ("integer", "uint8_t", ...). */
  readonly expected: string;
  message(name: string): string;
}

function failure(kind: "type" | "value", expected: string): ScalarFailure {
  return Object.freeze({
    kind,
    expected,
    message: (name: string) =>
      kind === "type"
        ? `Invalid parameter type for '${name}', expected: ${expected}`
        : `Parameter '${name}' expects ${expected}`,
  });
}

const NOT_STRING = failure("type", "string");
const NOT_BOOLEAN = failure("type", "boolean");
const NOT_NULL = failure("type", "null");
const NOT_NUMBER = failure("type", "number");
const NOT_INTEGER = failure("type", "integer");
const NOT_UINT64 = failure("value", "uint64");
// A 64-bit integer in the other representation than the validators' (not QEMU's messages: QEMU
// sees JSON, where the two are one integer).
const NOT_BIGINT = failure("type", "bigint");
const NOT_EXACT_NUMBER = failure("value", "an integer that a number holds exactly");

const TWO_63 = 2 ** 63;
const TWO_64 = 2 ** 64;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

// Numbers stay numbers (no allocation on the common path); doubles compare exactly with the
// powers of two that bound int64 and uint64.

/** The value as an int64, or undefined when QEMU would not read it as one. */
function asInt64(v: unknown): number | bigint | undefined {
  if (typeof v === "number") {
    return Number.isInteger(v) && v >= -TWO_63 && v < TWO_63 ? v : undefined;
  }
  if (typeof v === "bigint") return v >= INT64_MIN && v <= INT64_MAX ? v : undefined;
  return undefined; // a JsonFloat among them
}

/** The value as a uint64 (a negative int64 as its two's complement), or undefined. */
function asUint64(v: unknown): number | bigint | undefined {
  if (typeof v === "number") {
    if (!Number.isInteger(v) || v < -TWO_63 || v >= TWO_64) return undefined;
    return v < 0 ? v + TWO_64 : v; // inexact, but >= 2^63: beyond every smaller type
  }
  if (typeof v === "bigint") {
    if (v < INT64_MIN || v > UINT64_MAX) return undefined;
    return v < 0n ? v + 2n ** 64n : v;
  }
  return undefined;
}

function signed(type: IntegerType, what: string): (v: unknown) => ScalarFailure | undefined {
  const max = Number(INTEGER_RANGES[type].max);
  const min = Number(INTEGER_RANGES[type].min);
  const outside = failure("value", what);
  return (v) => {
    const n = asInt64(v);
    if (n === undefined) return NOT_INTEGER;
    return n < min || n > max ? outside : undefined;
  };
}

function unsigned(type: IntegerType, what: string): (v: unknown) => ScalarFailure | undefined {
  const max = Number(INTEGER_RANGES[type].max);
  const outside = failure("value", what);
  return (v) => {
    const n = asUint64(v);
    if (n === undefined) return NOT_UINT64;
    return n > max ? outside : undefined;
  };
}

const CHECKS: Record<ScalarType, (v: unknown) => ScalarFailure | undefined> = {
  str: (v) => (typeof v === "string" ? undefined : NOT_STRING),
  bool: (v) => (typeof v === "boolean" ? undefined : NOT_BOOLEAN),
  null: (v) => (v === null ? undefined : NOT_NULL),
  number: (v) =>
    typeof v === "number" || typeof v === "bigint" || isJsonFloat(v) ? undefined : NOT_NUMBER,
  int: (v) => (asInt64(v) === undefined ? NOT_INTEGER : undefined),
  int64: (v) => (asInt64(v) === undefined ? NOT_INTEGER : undefined),
  int8: signed("int8", "int8_t"),
  int16: signed("int16", "int16_t"),
  int32: signed("int32", "int32_t"),
  uint8: unsigned("uint8", "uint8_t"),
  uint16: unsigned("uint16", "uint16_t"),
  uint32: unsigned("uint32", "uint32_t"),
  uint64: (v) => (asUint64(v) === undefined ? NOT_UINT64 : undefined),
  size: (v) => (asUint64(v) === undefined ? NOT_UINT64 : undefined),
  any: () => undefined,
};

/** Whether `name` is a built-in scalar type. */
export function isScalarType(name: string): name is ScalarType {
  return Object.hasOwn(CHECKS, name);
}

/**
 * QEMU's verdict on a value of a built-in type: undefined when accepted, else why not. With
 * `int64` other than "exact", a value of a 64-bit integer type must also be in that
 * representation (a `bigint`, or a `number`).
 */
export function checkScalar(
  type: ScalarType,
  value: unknown,
  int64: Int64Representation = "exact",
): ScalarFailure | undefined {
  if (int64 !== "exact" && INT64_TYPES.has(type as IntegerType)) {
    if (int64 === "bigint" && typeof value === "number") return NOT_BIGINT;
    if (int64 === "number" && typeof value === "bigint") return NOT_EXACT_NUMBER;
  }
  return CHECKS[type](value);
}

/** The check of one built-in type, for callers that check many values of it. */
export function scalarCheck(type: ScalarType): (value: unknown) => ScalarFailure | undefined {
  return CHECKS[type];
}
