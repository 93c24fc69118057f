// QEMU's input rules for the built-in types, as its QObject input visitor applies them to parsed
// JSON. Integers are JSON integers: a number with a fraction is not one, and a bigint (from the
// lossless parse, runtime/validate/json.ts) carries a value beyond 2^53 exactly.

/** QAPI's built-in types. */
export type BuiltinTypeName =
  | "str"
  | "number"
  | "int"
  | "int8"
  | "int16"
  | "int32"
  | "int64"
  | "uint8"
  | "uint16"
  | "uint32"
  | "uint64"
  | "size"
  | "bool"
  | "null"
  | "any";

/** The integer types and the values each holds (a range of integers, inclusive). */
export const INTEGER_RANGES: {
  readonly [K in IntegerTypeName]: { readonly min: bigint; readonly max: bigint };
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

export type IntegerTypeName =
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

/** Why a value is refused, in QEMU's two phrasings (see scalarMessage). */
export type ScalarFailure =
  | { readonly kind: "type"; readonly expected: string }
  | { readonly kind: "range"; readonly expects: string };

export type ScalarCheck = (v: unknown) => ScalarFailure | undefined;

/** QEMU's message for a failure of the value at `path` (a member path such as `a.b[2]`). */
export function scalarMessage(f: ScalarFailure, path: string): string {
  return f.kind === "type"
    ? `Invalid parameter type for '${path}', expected: ${f.expected}`
    : `Parameter '${path}' expects ${f.expects}`;
}

const typeFailure = (expected: string): ScalarFailure => Object.freeze({ kind: "type", expected });
const rangeFailure = (expects: string): ScalarFailure => Object.freeze({ kind: "range", expects });

const NOT_STRING = typeFailure("string");
const NOT_BOOLEAN = typeFailure("boolean");
const NOT_NUMBER = typeFailure("number");
const NOT_NULL = typeFailure("null");
const NOT_INTEGER = typeFailure("integer");
const NOT_SIZE = typeFailure("size");
const NOT_UINT64 = rangeFailure("uint64");

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;
const U64_MAX = 2n ** 64n - 1n;
const TWO_63 = 2 ** 63;
const TWO_64 = 2 ** 64;

/** The value as an int64, or undefined when it is not one. */
function int64(v: unknown): number | bigint | undefined {
  if (typeof v === "number")
    return Number.isInteger(v) && v >= -TWO_63 && v < TWO_63 ? v : undefined;
  if (typeof v === "bigint") return v >= I64_MIN && v <= I64_MAX ? v : undefined;
  return undefined;
}

/** The value as a uint64, or undefined. Like QEMU, a negative int64 is taken modulo 2^64. */
function uint64(v: unknown): number | bigint | undefined {
  if (typeof v === "number") {
    if (!Number.isInteger(v) || v < -TWO_63 || v >= TWO_64) return undefined;
    return v < 0 ? v + TWO_64 : v;
  }
  if (typeof v === "bigint") {
    if (v < I64_MIN || v > U64_MAX) return undefined;
    return v < 0n ? v + 2n ** 64n : v;
  }
  return undefined;
}

function signed(type: IntegerTypeName, what: string): ScalarCheck {
  const min = Number(INTEGER_RANGES[type].min);
  const max = Number(INTEGER_RANGES[type].max);
  const outOfRange = rangeFailure(what);
  return (v) => {
    const n = int64(v);
    if (n === undefined) return NOT_INTEGER;
    return n < min || n > max ? outOfRange : undefined;
  };
}

function unsigned(type: IntegerTypeName, what: string): ScalarCheck {
  const max = Number(INTEGER_RANGES[type].max);
  const outOfRange = rangeFailure(what);
  return (v) => {
    const n = uint64(v);
    if (n === undefined) return NOT_UINT64;
    return n > max ? outOfRange : undefined;
  };
}

const int: ScalarCheck = (v) => (int64(v) === undefined ? NOT_INTEGER : undefined);

/** The check of each built-in type. */
export const SCALAR_CHECKS: { readonly [K in BuiltinTypeName]: ScalarCheck } = {
  str: (v) => (typeof v === "string" ? undefined : NOT_STRING),
  bool: (v) => (typeof v === "boolean" ? undefined : NOT_BOOLEAN),
  number: (v) => (typeof v === "number" || typeof v === "bigint" ? undefined : NOT_NUMBER),
  null: (v) => (v === null ? undefined : NOT_NULL),
  any: () => undefined,
  int,
  int64: int,
  int8: signed("int8", "int8_t"),
  int16: signed("int16", "int16_t"),
  int32: signed("int32", "int32_t"),
  uint8: unsigned("uint8", "uint8_t"),
  uint16: unsigned("uint16", "uint16_t"),
  uint32: unsigned("uint32", "uint32_t"),
  uint64: (v) => (uint64(v) === undefined ? NOT_UINT64 : undefined),
  size: (v) => {
    if (typeof v === "number")
      return Number.isInteger(v) && v >= 0 && v < TWO_64 ? undefined : NOT_SIZE;
    if (typeof v === "bigint") return v >= 0n && v <= U64_MAX ? undefined : NOT_SIZE;
    return NOT_SIZE;
  },
};
