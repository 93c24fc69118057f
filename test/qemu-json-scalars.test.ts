// The built-in scalar types' checks (runtime/validate/scalars.ts): QEMU's verdicts as measured
// on QEMU 7.2 (test/qemu-json.test.ts compares the generated validators with QEMU itself), and
// the generated validators (validators.js.hbs, "Built-in types") agreeing with the typed module
// on every type and a wide set of values, float tokens included.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadSchema } from "../generator/frontend/index.ts";
import { loadValidators } from "../generator/cli/validate.ts";
import {
  checkScalar,
  checkSendable,
  isScalarType,
  JsonFloat,
  parseJsonForValidation,
  type ScalarType,
  type Validators,
} from "../runtime/validate/index.ts";

const SCALARS: ScalarType[] = [
  "str",
  "number",
  "int",
  "int8",
  "int16",
  "int32",
  "int64",
  "uint8",
  "uint16",
  "uint32",
  "uint64",
  "size",
  "bool",
  "null",
  "any",
];

const check = (type: ScalarType, value: unknown): string | null =>
  checkScalar(type, value)?.message("p") ?? null;

const type = (expected: string) => `Invalid parameter type for 'p', expected: ${expected}`;
const expects = (what: string) => `Parameter 'p' expects ${what}`;

describe("checkScalar", () => {
  test("knows exactly the built-in scalar types", () => {
    for (const t of SCALARS) expect(isScalarType(t), t).toBe(true);
    for (const t of ["QType", "string", "integer", "double", "__proto__", "toString"])
      expect(isScalarType(t), t).toBe(false);
  });

  test("str, bool, null: the JSON type", () => {
    expect(check("str", "")).toBeNull();
    expect(check("str", 1)).toBe(type("string"));
    expect(check("bool", false)).toBeNull();
    expect(check("bool", "true")).toBe(type("boolean"));
    expect(check("null", null)).toBeNull();
    expect(check("null", 0)).toBe(type("null"));
    expect(check("any", { x: [new JsonFloat(1)] })).toBeNull();
  });

  test("number: every JSON number, float tokens and huge integers too", () => {
    for (const v of [0, -1.5, new JsonFloat(1), 2n ** 70n, Infinity])
      expect(check("number", v)).toBeNull();
    for (const v of ["1", true, null, [], {}]) expect(check("number", v)).toBe(type("number"));
  });

  test("int and the signed types: integers within int64, then the type's range", () => {
    expect(check("int", -(2n ** 63n))).toBeNull();
    expect(check("int64", 2n ** 63n - 1n)).toBeNull();
    for (const v of [
      2n ** 63n,
      -(2n ** 63n) - 1n,
      2 ** 63,
      1.5,
      new JsonFloat(1),
      new JsonFloat(-0),
      "1",
    ])
      expect(check("int", v), String(v)).toBe(type("integer"));
    expect(check("int", -0)).toBeNull(); // the token -0 is the integer 0
    expect(check("int8", -128)).toBeNull();
    expect(check("int8", 128)).toBe(expects("int8_t"));
    expect(check("int16", -32769)).toBe(expects("int16_t"));
    expect(check("int32", 2 ** 31)).toBe(expects("int32_t"));
    expect(check("int32", 2n ** 63n - 1n)).toBe(expects("int32_t"));
    // The type is checked before the range.
    expect(check("int8", new JsonFloat(1000))).toBe(type("integer"));
    expect(check("int8", 2n ** 64n)).toBe(type("integer"));
  });

  test("uint64 and size: uint64, or a negative int64 as its two's complement", () => {
    for (const t of ["uint64", "size"] as const) {
      for (const v of [0, -1, -(2n ** 63n), 2n ** 64n - 1n])
        expect(check(t, v), `${t} ${v}`).toBeNull();
      for (const v of [-(2n ** 63n) - 1n, 2n ** 64n, 2 ** 64, 1.5, new JsonFloat(3), "1", null])
        expect(check(t, v), `${t} ${String(v)}`).toBe(expects("uint64"));
    }
  });

  test("the smaller unsigned types: as uint64, then the range (so -1 is 2^64-1)", () => {
    expect(check("uint8", 255)).toBeNull();
    expect(check("uint8", 256)).toBe(expects("uint8_t"));
    expect(check("uint8", -1)).toBe(expects("uint8_t"));
    expect(check("uint16", -(2n ** 63n))).toBe(expects("uint16_t"));
    expect(check("uint32", 2 ** 32 - 1)).toBeNull();
    expect(check("uint32", 2n ** 64n - 1n)).toBe(expects("uint32_t"));
    expect(check("uint8", 2n ** 64n)).toBe(expects("uint64"));
    expect(check("uint16", new JsonFloat(1))).toBe(expects("uint64"));
    expect(check("uint32", "1")).toBe(expects("uint64"));
  });
});

describe("the generated validators agree with checkScalar", () => {
  let dir: string;
  let v: Validators;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "qapi-ts-scalars-"));
    const schema = path.join(dir, "scalars.json");
    const members = SCALARS.map((t) => `'*${t}': '${t}'`).join(", ");
    writeFileSync(
      schema,
      `{ 'struct': 'Scalars', 'data': { ${members} } }\n` +
        `{ 'struct': 'Holder', 'data': { '*s': 'Scalars' } }\n` +
        `{ 'alternate': 'IntOrBool', 'data': { 'i': 'int', 'b': 'bool' } }\n` +
        `{ 'alternate': 'ObjOrBool', 'data': { 'o': 'Scalars', 'b': 'bool' } }\n` +
        `{ 'struct': 'Alts', 'data': { '*a': 'IntOrBool', '*b': 'ObjOrBool' } }\n`,
    );
    const loaded = loadSchema(schema, { compat: false });
    if (!loaded.model) throw new Error(JSON.stringify(loaded.diagnostics));
    v = await loadValidators(loaded.model);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const VALUES: unknown[] = [
    ...[0, -0, 1, -1, 1.5, -1.5, Infinity, NaN, 2 ** 53, 2 ** 63, -(2 ** 63), 2 ** 64],
    ...[127, 128, -128, -129, 255, 256, 32767, 32768, -32768, -32769, 65535, 65536],
    ...[2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1, 2 ** 32 - 1, 2 ** 32],
    ...[2n ** 63n - 1n, 2n ** 63n, -(2n ** 63n), -(2n ** 63n) - 1n, 2n ** 64n - 1n, 2n ** 64n],
    ...[new JsonFloat(0), new JsonFloat(-0), new JsonFloat(1), new JsonFloat(1e300)],
    ...["", "1", "x", true, false, null, [], [1], {}, { a: 1 }],
  ];

  test("on every scalar type and value", () => {
    let compared = 0;
    // (NaN is not JSON: refused before any type check, as qmp-robustness.test.ts shows.)
    const sendable = VALUES.filter((x) => checkSendable(x) === null);
    expect(VALUES.length - sendable.length).toBe(1);
    for (const t of SCALARS)
      for (const value of sendable) {
        const generated = v.validateType("Scalars", { [t]: value })?.message ?? null;
        expect(generated, `${t} ${String(value)}`).toBe(checkScalar(t, value)?.message(t) ?? null);
        compared++;
      }
    expect(compared).toBe(SCALARS.length * sendable.length);
  });

  test("a float token is a number to alternates and not an object to structs", () => {
    const value = parseJsonForValidation('{"a": 1.0, "b": 2e0}');
    expect(v.validateType("Alts", value)?.message).toBe(
      "Invalid parameter type for 'a', expected: integer",
    );
    // Where no branch takes a number, as for any other number.
    expect(v.validateType("Alts", { b: new JsonFloat(2) })).toEqual(
      v.validateType("Alts", { b: 2.5 }),
    );
    expect(v.validateType("Holder", { s: new JsonFloat(1) })?.message).toBe(
      "Invalid parameter type for 's', expected: object",
    );
    expect(v.validateType("Alts", parseJsonForValidation('{"a": 7}'))).toBeNull();
  });
});
