// The generated validators and JSON Schema (issue 4): QEMU's input rules and messages on a
// small schema written for the purpose, `qapi-ts validate` with QEMU 10.2's schema on the real
// query-qmp-schema replies and their mutations, ajv compiled from our JSON Schema agreeing,
// and the generated files in prettier's style.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import * as prettier from "prettier";
import { Ajv2020 } from "ajv/dist/2020.js";
import { loadSchema } from "../generator/frontend/index.ts";
import type { SchemaModel } from "../generator/model/index.ts";
import { validatorsBackend, VALIDATORS_FILE } from "../generator/backends/validators/index.ts";
import { backendOptions, linkPackage, typeCheck } from "./helpers/generated.ts";
import { JSON_SCHEMA_FILE, jsonSchemaBackend } from "../generator/backends/json-schema/index.ts";
import { loadValidators } from "../generator/cli/validate.ts";
import {
  JsonFloat,
  JsonSyntaxError,
  parseJsonForValidation,
  parseJsonLossless,
  stringifyJson,
  type Validators,
} from "../runtime/validate/index.ts";
import { bin, projectRoot, shared } from "./helpers/paths.ts";

const qemuSchema = path.join(shared, "qemu-10.2/qapi/qapi-schema.json");
const replies = [
  path.join(shared, "introspection/qemu-9.2.0-x86_64.query-qmp-schema.json"),
  path.join(shared, "introspection/qemu-10.0.0-x86_64.query-qmp-schema.json"),
  path.join(shared, "qemu-10.2/expected/linux-x86_64.introspect.json"),
];
const haveShared = existsSync(qemuSchema) && replies.every((f) => existsSync(f));
if (!haveShared) console.log(`validators: QEMU 10.2 tests skipped, ${shared} is absent`);

const TEST_SCHEMA = `
{ 'enum': 'Color',
  'data': [ 'red', { 'name': 'green', 'if': 'CONFIG_GREEN' },
            { 'name': 'blue', 'features': [ 'deprecated' ] } ] }
{ 'struct': 'Ints',
  'data': { '*i8': 'int8', '*i16': 'int16', '*i32': 'int32', '*i64': 'int64',
            '*u8': 'uint8', '*u16': 'uint16', '*u32': 'uint32', '*u64': 'uint64',
            '*sz': 'size', '*n': 'number', '*i': 'int', '*any': 'any', '*nul': 'null' } }
{ 'enum': 'Kind', 'data': [ 'plain', 'extra', 'nested' ] }
{ 'struct': 'Base', 'data': { 'kind': 'Kind', '*constructor': 'str' } }
{ 'struct': 'Extra',
  'data': { 'count': 'int',
            '*old': { 'type': 'str', 'features': [ 'deprecated' ] },
            '*exp': { 'type': 'str', 'features': [ 'unstable' ] },
            'posix': { 'type': 'str', 'if': 'CONFIG_POSIX' } } }
{ 'enum': 'Shape', 'data': [ 'round', 'square' ] }
{ 'struct': 'Round', 'data': { 'radius': 'uint8' } }
{ 'union': 'Inner', 'base': { 'shape': 'Shape' }, 'discriminator': 'shape',
  'data': { 'round': 'Round' } }
{ 'union': 'Thing', 'base': 'Base', 'discriminator': 'kind',
  'data': { 'extra': 'Extra', 'nested': 'Inner' } }
{ 'alternate': 'Ref', 'data': { 'name': 'str', 'def': 'Thing', 'no': 'null' } }
{ 'alternate': 'Count', 'data': { 'n': 'int', 'b': 'bool', 'l': [ 'str' ] } }
{ 'command': 'make',
  'data': { 'what': 'Thing', '*ref': 'Ref', '*count': 'Count', '*colors': [ 'Color' ],
            '*ints': 'Ints' },
  'returns': 'Extra' }
{ 'command': 'old-cmd', 'features': [ 'deprecated' ] }
{ 'command': 'new-cmd', 'features': [ 'unstable' ] }
{ 'command': 'posix-cmd', 'if': 'CONFIG_POSIX' }
{ 'event': 'HAPPENED', 'data': { 'what': 'Kind' } }
{ 'event': 'PING' }
{ 'struct': 'Tree', 'data': { '*kids': [ 'Tree' ] } }
`;

let tmp: string;
let model: SchemaModel;
let v: Validators;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), "qapi-ts-validators-test-"));
  writeFileSync(path.join(tmp, "test.json"), TEST_SCHEMA);
  const loaded = loadSchema(path.join(tmp, "test.json"), { compat: false });
  if (!loaded.model) throw new Error(loaded.diagnostics.map((d) => d.message).join("\n"));
  model = loaded.model;
  v = await loadValidators(model);
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const msg = (e: { message: string } | null): string | null => e?.message ?? null;

describe("QEMU's input rules on a test schema", () => {
  test("members: missing, unexpected, wrong type, with QEMU's names for the path", () => {
    expect(v.validateCommandArguments("make", { what: { kind: "plain" } })).toBeNull();
    expect(msg(v.validateCommandArguments("make", {}))).toBe("Parameter 'what' is missing");
    expect(msg(v.validateCommandArguments("make", { what: { kind: "plain" }, x: 1 }))).toBe(
      "Parameter 'x' is unexpected",
    );
    expect(msg(v.validateCommandArguments("make", { what: {} }))).toBe(
      "Parameter 'what.kind' is missing",
    );
    expect(msg(v.validateCommandArguments("make", { what: "plain" }))).toBe(
      "Invalid parameter type for 'what', expected: object",
    );
    expect(
      v.validateCommandArguments("make", { what: { kind: "plain" }, colors: ["red", 3] }),
    ).toEqual({
      message: "Invalid parameter type for 'colors[1]', expected: string",
      path: ["colors", 1],
    });
    expect(msg(v.validateCommandArguments("make", { what: { kind: "pink" } }))).toBe(
      "Parameter 'what.kind' does not accept value 'pink'",
    );
    // undefined is absent (JSON cannot carry it); an inherited name is only an own member.
    expect(
      v.validateCommandArguments("make", { what: { kind: "plain" }, ref: undefined }),
    ).toBeNull();
    expect(
      v.validateCommandArguments("make", { what: { kind: "plain", constructor: "x" } }),
    ).toBeNull();
    expect(
      msg(v.validateCommandArguments("make", { what: { kind: "plain", constructor: 1 } })),
    ).toBe("Invalid parameter type for 'what.constructor', expected: string");
    expect(
      msg(v.validateCommandArguments("make", { what: { kind: "plain", toString: "x" } })),
    ).toBe("Parameter 'what.toString' is unexpected");
  });

  test("unions: base, then the branch of the discriminator; members of other branches unexpected", () => {
    const extra = { kind: "extra", count: 1, posix: "p" };
    expect(v.validateType("Thing", extra)).toBeNull();
    expect(msg(v.validateType("Thing", { kind: "extra", posix: "p" }))).toBe(
      "Parameter 'count' is missing",
    );
    expect(msg(v.validateType("Thing", { kind: "plain", count: 1 }))).toBe(
      "Parameter 'count' is unexpected",
    );
    expect(v.validateType("Thing", { kind: "nested", shape: "round", radius: 3 })).toBeNull();
    expect(v.validateType("Thing", { kind: "nested", shape: "square" })).toBeNull();
    expect(msg(v.validateType("Thing", { kind: "nested", shape: "square", radius: 3 }))).toBe(
      "Parameter 'radius' is unexpected",
    );
    expect(msg(v.validateType("Thing", { kind: "nested", shape: "round", radius: 256 }))).toBe(
      "Parameter 'radius' expects uint8_t",
    );
  });

  test("alternates: the branch is chosen by JSON type, as QEMU's QType", () => {
    for (const ok of ["node0", null, { kind: "plain" }])
      expect(v.validateType("Ref", ok)).toBeNull();
    for (const ok of [42, true, ["a"]]) expect(v.validateType("Count", ok)).toBeNull();
    expect(msg(v.validateType("Count", 1.5))).toBe(
      "Invalid parameter type for '<anonymous>', expected: integer",
    );
    expect(msg(v.validateType("Count", ["a", 2]))).toBe(
      "Invalid parameter type for '[1]', expected: string",
    );
    expect(msg(v.validateType("Ref", [1]))).toBe(
      "Invalid parameter type for '<anonymous>', expected: Ref",
    );
    expect(msg(v.validateType("Ref", 42))).toBe(
      "Invalid parameter type for '<anonymous>', expected: Ref",
    );
    expect(
      msg(v.validateCommandArguments("make", { what: { kind: "plain" }, ref: { kind: 1 } })),
    ).toBe("Invalid parameter type for 'ref.kind', expected: string");
  });

  test("integers: every type's range, decided exactly beyond 2^53", () => {
    const ints = (m: Record<string, unknown>) => msg(v.validateType("Ints", m));
    expect(
      ints({ i8: -128, i16: 32767, i32: -2147483648, u8: 255, u16: 65535, u32: 4294967295 }),
    ).toBeNull();
    expect(ints({ i8: 128 })).toBe("Parameter 'i8' expects int8_t");
    expect(ints({ i16: -32769 })).toBe("Parameter 'i16' expects int16_t");
    expect(ints({ i32: 2147483648 })).toBe("Parameter 'i32' expects int32_t");
    expect(ints({ u8: 256 })).toBe("Parameter 'u8' expects uint8_t");
    expect(ints({ u16: -1 })).toBe("Parameter 'u16' expects uint16_t");
    expect(ints({ u32: 4294967296 })).toBe("Parameter 'u32' expects uint32_t");
    expect(ints({ i8: 1.5 })).toBe("Invalid parameter type for 'i8', expected: integer");
    expect(ints({ i: "1" })).toBe("Invalid parameter type for 'i', expected: integer");
    expect(ints({ u8: "1" })).toBe("Parameter 'u8' expects uint64");
    // On QMP a size is read as a uint64: a negative int64 is taken (as its two's complement).
    expect(ints({ sz: -1 })).toBeNull();
    expect(ints({ sz: "1" })).toBe("Parameter 'sz' expects uint64");
    expect(ints({ n: 1, any: { x: [1] }, nul: null })).toBeNull();
    expect(ints({ n: 10n ** 30n })).toBeNull();
    expect(ints({ n: "1" })).toBe("Invalid parameter type for 'n', expected: number");
    expect(ints({ nul: 0 })).toBe("Invalid parameter type for 'nul', expected: null");

    // On the JSON text: a rounded double would get every one of these wrong.
    const fromText = (text: string) => msg(v.validateType("Ints", parseJsonLossless(text)));
    expect(fromText('{"i64": 9223372036854775807, "u64": 18446744073709551615}')).toBeNull();
    expect(fromText('{"i64": -9223372036854775808, "sz": 18446744073709551615}')).toBeNull();
    expect(fromText('{"i64": 9223372036854775808}')).toBe(
      "Invalid parameter type for 'i64', expected: integer",
    );
    expect(fromText('{"u64": 18446744073709551616}')).toBe("Parameter 'u64' expects uint64");
    expect(fromText('{"sz": 18446744073709551616}')).toBe("Parameter 'sz' expects uint64");
    // QEMU takes a negative int64 for a uint64 (backward compatibility), not beyond.
    expect(fromText('{"u64": -9223372036854775808}')).toBeNull();
    expect(fromText('{"u64": -9223372036854775809}')).toBe("Parameter 'u64' expects uint64");
  });

  test("compat policy: deprecated and unstable input rejected on request only", () => {
    const reject = { deprecatedInput: "reject", unstableInput: "reject" } as const;
    const args = { what: { kind: "extra", count: 1, posix: "p", old: "o" } };
    expect(v.validateCommandArguments("make", args)).toBeNull();
    expect(v.validateCommandArguments("make", args, reject)).toEqual({
      message: "Deprecated parameter what.old disabled by policy",
      path: ["what", "old"],
    });
    const unstable = { what: { kind: "extra", count: 1, posix: "p", exp: "e" } };
    expect(msg(v.validateCommandArguments("make", unstable, reject))).toBe(
      "Unstable parameter what.exp disabled by policy",
    );
    expect(
      msg(
        v.validateCommandArguments("make", { what: { kind: "plain" }, colors: ["blue"] }, reject),
      ),
    ).toBe("Deprecated value blue disabled by policy");
    expect(v.validateCommandArguments("old-cmd", {})).toBeNull();
    expect(msg(v.validateCommandArguments("old-cmd", {}, reject))).toBe(
      "Deprecated command old-cmd disabled by policy",
    );
    expect(msg(v.validateCommandArguments("new-cmd", undefined, reject))).toBe(
      "Unstable command new-cmd disabled by policy",
    );
    // Output is not input: a reply may carry deprecated members.
    expect(v.validateCommandReturns("make", { count: 1, posix: "p", old: "o" }, reject)).toBeNull();
  });

  test("conditions: all accepted by default; with defines, what the build lacks is absent", () => {
    const none = { defines: [] as string[] };
    const posix = { defines: ["CONFIG_POSIX"] };
    expect(
      v.validateCommandArguments("make", { what: { kind: "plain" }, colors: ["green"] }),
    ).toBeNull();
    expect(
      msg(v.validateCommandArguments("make", { what: { kind: "plain" }, colors: ["green"] }, none)),
    ).toBe("Parameter 'colors[0]' does not accept value 'green'");
    expect(v.validateType("Extra", { count: 1 }, none)).toBeNull();
    expect(msg(v.validateType("Extra", { count: 1, posix: "x" }, none))).toBe(
      "Parameter 'posix' is unexpected",
    );
    expect(msg(v.validateType("Extra", { count: 1 }, posix))).toBe("Parameter 'posix' is missing");
    expect(v.validateCommandArguments("posix-cmd", {}, posix)).toBeNull();
    expect(msg(v.validateCommandArguments("posix-cmd", {}, none))).toBe(
      "The command posix-cmd has not been found",
    );

    // Conditions evaluated at generation time instead leave nothing to decide at run time.
    const js = validatorsBackend.generate(model, backendOptions({ defines: new Set() }))[0]!
      .content;
    expect(js).not.toContain('"green"');
    expect(js).not.toContain("posix-cmd");
  });

  test("values nested beyond the stack are invalid, not a crash: QEMU's depth limit refuses them", () => {
    let deep: { kids?: unknown[] } = {};
    for (let i = 0; i < 200_000; i++) deep = { kids: [deep] };
    const e = v.validateType("Tree", deep)!;
    expect(e.message).toBe("JSON nesting depth limit exceeded");
    // Where the 1025th level opens: 1024 levels in, an object and an array each.
    expect(e.path).toHaveLength(1024);
    expect(e.path.slice(0, 4)).toEqual(["kids", 0, "kids", 0]);
    expect(v.validateType("Tree", { kids: [{ kids: [{ kids: [] }] }] })).toBeNull();
  });

  test("tolerating unknown members in replies from a newer QEMU", () => {
    const reply = { count: 1, posix: "p", "new-member": true };
    expect(msg(v.validateCommandReturns("make", reply))).toBe(
      "Parameter 'new-member' is unexpected",
    );
    expect(v.validateCommandReturns("make", reply, { unknownMembers: "ignore" })).toBeNull();
  });

  test("commands and events without data; unknown names", () => {
    expect(v.validateCommandArguments("old-cmd", undefined)).toBeNull();
    expect(msg(v.validateCommandArguments("old-cmd", { a: 1 }))).toBe(
      "Parameter 'a' is unexpected",
    );
    expect(msg(v.validateCommandArguments("old-cmd", [1]))).toBe(
      "QMP input member 'arguments' must be an object",
    );
    expect(v.validateCommandReturns("old-cmd", {})).toBeNull();
    expect(v.validateEvent("PING", undefined)).toBeNull();
    expect(v.validateEvent("PING", {})).toBeNull();
    expect(v.validateEvent("HAPPENED", { what: "extra" })).toBeNull();
    expect(msg(v.validateEvent("HAPPENED", {}))).toBe("Parameter 'what' is missing");
    expect(msg(v.validateEvent("NOPE", {}))).toBe("Unknown event 'NOPE'");
    expect(msg(v.validateCommandArguments("nope", {}))).toBe("The command nope has not been found");
    expect(msg(v.validateType("nope", {}))).toBe("Unknown type 'nope'");
    expect([...v.commandNames].sort()).toEqual(["make", "new-cmd", "old-cmd", "posix-cmd"]);
    expect([...v.eventNames].sort()).toEqual(["HAPPENED", "PING"]);
  });

  test("held validators give the verdicts of the by-name functions, options resolved once", () => {
    const reject = { deprecatedInput: "reject", unstableInput: "reject" } as const;
    const posix = { defines: ["CONFIG_POSIX"] };
    const lax = { unknownMembers: "ignore" } as const;
    const values: unknown[] = [
      undefined,
      null,
      [1],
      {},
      { what: { kind: "plain" } },
      { what: { kind: "extra", count: 1, posix: "p", old: "o" }, colors: ["blue", "green"] },
      { what: { kind: "nested", shape: "round", radius: 256 } },
      { what: { kind: "plain" }, ref: { kind: "extra" }, count: [1] },
      { count: 1, posix: "p", exp: "e", extra: true },
      { what: "extra" },
      { what: 1 },
    ];
    const cases: [
      string,
      (o?: object) => { validate: (x: unknown) => unknown },
      (x: unknown, o?: object) => unknown,
    ][] = [];
    for (const name of ["make", "old-cmd", "new-cmd", "posix-cmd", "nope"]) {
      cases.push([
        `arguments of ${name}`,
        (o) => v.commandArguments(name, o),
        (x, o) => v.validateCommandArguments(name, x, o),
      ]);
      cases.push([
        `result of ${name}`,
        (o) => v.commandReturns(name, o),
        (x, o) => v.validateCommandReturns(name, x, o),
      ]);
    }
    for (const name of ["HAPPENED", "PING", "NOPE"])
      cases.push([`event ${name}`, (o) => v.event(name, o), (x, o) => v.validateEvent(name, x, o)]);
    for (const name of ["Extra", "Thing", "Color", "Ref", "nope"])
      cases.push([`type ${name}`, (o) => v.type(name, o), (x, o) => v.validateType(name, x, o)]);
    for (const [what, hold, byName] of cases) {
      for (const options of [undefined, reject, posix, lax]) {
        const held = hold(options);
        for (const value of values) {
          expect(held.validate(value), `${what} ${JSON.stringify(value)}`).toEqual(
            byName(value, options),
          );
        }
      }
    }
    const make = v.commandArguments("make", reject);
    expect(v.commandArguments("make", reject)).toBe(make);
    expect(make.is({ what: { kind: "plain" } })).toBe(true);
    expect(make.is({ what: { kind: "extra", count: 1, posix: "p", old: "o" } })).toBe(false);
    expect(
      v.commandArguments("make").is({ what: { kind: "extra", count: 1, posix: "p", old: "o" } }),
    ).toBe(true);
  });

  test("a polluted Object.prototype changes no verdict; names of its members work", async () => {
    const proto = Object.prototype as Record<string, unknown>;
    // What an attacker's pollution of the host process would add, enumerable.
    proto["kind"] = "extra";
    proto["count"] = 1;
    proto["bogus"] = true;
    try {
      expect(msg(v.validateCommandArguments("make", {}))).toBe("Parameter 'what' is missing");
      expect(msg(v.validateCommandArguments("make", { what: {} }))).toBe(
        "Parameter 'what.kind' is missing",
      );
      expect(v.validateCommandArguments("make", { what: { kind: "plain" } })).toBeNull();
      expect(msg(v.validateType("Extra", { posix: "p" }))).toBe("Parameter 'count' is missing");
    } finally {
      delete proto["kind"];
      delete proto["count"];
      delete proto["bogus"];
    }
    // A command, members and values named like Object.prototype's members.
    const names = loadSchema(path.join(projectRoot, "test/fixtures/names/schema.json"), {
      compat: false,
    }).model!;
    const n = await loadValidators(names);
    const record = { constructor: "c", toString: 1 };
    expect(
      n.validateCommandArguments("constructor", {
        record,
        thing: { kind: "constructor", ...record },
      }),
    ).toBeNull();
    expect(msg(n.validateCommandArguments("constructor", { record: {}, thing: {} }))).toBe(
      "Parameter 'record.constructor' is missing",
    );
    expect(msg(n.validateType("Object", "__proto__"))).toBe(
      "Parameter '<anonymous>' does not accept value '__proto__'",
    );
    expect(n.validateType("Object", "toString")).toBeNull();
  });

  test("generated files are in prettier's style", async () => {
    const files = [
      ...validatorsBackend.generate(model, backendOptions()),
      ...jsonSchemaBackend.generate(model, backendOptions()),
    ];
    expect(files.map((f) => f.path).sort()).toEqual([VALIDATORS_FILE, JSON_SCHEMA_FILE].sort());
    for (const f of files)
      expect(await prettier.check(f.content, { filepath: f.path }), f.path).toBe(true);
  });

  test("the JSON Schema, compiled by ajv, agrees on the same values", () => {
    const doc = JSON.parse(jsonSchemaBackend.generate(model, backendOptions())[0]!.content);
    // ownProperties: else ajv reads Object.prototype.constructor as a member named `constructor`.
    const ajv = new Ajv2020({ strict: true, ownProperties: true });
    ajv.addSchema(doc);
    const check = (key: string) => ajv.getSchema(`${doc.$id}#/$defs/${key}`)!;
    const make = check("make:arguments");
    const cases: unknown[] = [
      { what: { kind: "plain" } },
      { what: { kind: "plain" }, x: 1 },
      { what: { kind: "extra", count: 1, posix: "p" } },
      { what: { kind: "extra", posix: "p" } },
      { what: { kind: "nested", shape: "round", radius: 3 } },
      { what: { kind: "nested", shape: "round", radius: 300 } },
      { what: { kind: "nested", shape: "square", radius: 3 } },
      { what: { kind: "plain" }, ref: "x" },
      { what: { kind: "plain" }, ref: 1.5 },
      { what: { kind: "plain" }, count: 1.5 },
      { what: { kind: "plain" }, count: [true] },
      { what: { kind: "plain" }, count: false },
      { what: { kind: "plain" }, ints: { i8: 127, u32: 4294967295 } },
      { what: { kind: "plain" }, ints: { i8: 128 } },
      { what: { kind: "plain" }, colors: ["red", "pink"] },
    ];
    for (const c of cases) {
      expect(make(c), JSON.stringify(c)).toBe(v.validateCommandArguments("make", c) === null);
    }
    expect(check("PING:data")({})).toBe(true);
    expect(check("make:returns")({ count: 1, posix: "" })).toBe(true);
  });
});

describe("the declarations with the generated types", () => {
  test("type guards narrow to the generated types under tsc --strict", async () => {
    const out = path.join(tmp, "own");
    const gen = spawnSync(
      process.execPath,
      [bin, "generate", path.join(projectRoot, "qapi/qapi-schema.json"), "-o", out, "-q"],
      {
        encoding: "utf8",
      },
    );
    expect(gen.status, gen.stderr).toBe(0);
    writeFileSync(
      path.join(out, "use.ts"),
      [
        'import { isCommandArguments, validateEvent, type ValidationError } from "./validators.js";',
        'const args: unknown = { "node-name": "disk0" };',
        'if (isCommandArguments("blockdev-del", args)) console.log(args["node-name"].length);',
        'export const e: ValidationError | null = validateEvent("x", {}, { unknownMembers: "ignore" });',
        "// @ts-expect-error: not a command of this schema",
        'isCommandArguments("no-such-command", {});',
        "",
      ].join("\n"),
    );
    linkPackage(out);
    expect(await typeCheck([path.join(out, "use.ts")])).toEqual([]);
  });
});

describe("lossless JSON", () => {
  test("integers beyond 2^53 are exact bigints; the rest is JSON.parse's", () => {
    expect(
      parseJsonLossless('{"a": [1, -2.5e3, "x\\n", true, null], "b": 12345678901234567890}'),
    ).toEqual({
      a: [1, -2500, "x\n", true, null],
      b: 12345678901234567890n,
    });
    expect(parseJsonLossless("9007199254740993")).toBe(9007199254740993n);
    expect(parseJsonLossless("9007199254740991")).toBe(9007199254740991);
    // A double that is exactly the integer stays a number (a QAPI `number` is one).
    expect(parseJsonLossless("[9007199254740992, 18446744073709551616]")).toEqual([
      2 ** 53,
      2 ** 64,
    ]);
    expect(
      stringifyJson({ a: 18446744073709551615n, b: [-1n, "bigint:0"], c: -(2 ** 63), d: 1e300 }),
    ).toBe('{"a":18446744073709551615,"b":[-1,"bigint:0"],"c":-9223372036854775808,"d":1e+300}');
    const proto = parseJsonLossless('{"__proto__": {"x": 1}, "n": 12345678901234567890}') as object;
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
    expect(Object.keys(proto)).toEqual(["__proto__", "n"]);
  });

  test("for validation, an integral float token is not an integer (QEMU keeps it a double)", () => {
    expect(parseJsonForValidation('{"a": 1.0, "b": 1e3, "c": 2.5, "d": 7, "e": "1.0"}')).toEqual({
      a: new JsonFloat(1),
      b: new JsonFloat(1000),
      c: 2.5,
      d: 7,
      e: "1.0",
    });
    const ints = (text: string) => msg(v.validateType("Ints", parseJsonForValidation(text)));
    expect(ints('{"i8": 1.0}')).toBe("Invalid parameter type for 'i8', expected: integer");
    expect(ints('{"u8": 1e2}')).toBe("Parameter 'u8' expects uint64");
    expect(ints('{"n": 1.0, "i": 1, "u64": 18446744073709551615}')).toBeNull();
    const cli = runValidate([path.join(tmp, "test.json"), "-t", "Ints", "-"], '{"i": 1.0}');
    expect([cli.code, cli.stderr]).toEqual([
      1,
      "<stdin>: Invalid parameter type for 'i', expected: integer (at /i)\n",
    ]);
  });

  test("syntax errors say where", () => {
    for (const [text, line, column] of [
      ['{"a": 1,\n  "b" 2}', 2, 7],
      ["[1, 2", 1, 6],
      ['{"a": 12345678901234567890,}', 1, 28],
    ] as const) {
      try {
        parseJsonLossless(text);
        expect.unreachable(text);
      } catch (err) {
        expect(err).toBeInstanceOf(JsonSyntaxError);
        expect([(err as JsonSyntaxError).line, (err as JsonSyntaxError).column], text).toEqual([
          line,
          column,
        ]);
      }
    }
    expect(() => parseJsonLossless("[".repeat(100_000))).toThrow(JsonSyntaxError);
  });
});

interface Run {
  stdout: string;
  stderr: string;
  code: number | null;
}

function runValidate(args: string[], input?: string): Run {
  const r = spawnSync(process.execPath, [bin, "validate", ...args], { input, encoding: "utf8" });
  return { stdout: r.stdout, stderr: r.stderr, code: r.status };
}

describe.skipIf(!haveShared)("qapi-ts validate with QEMU 10.2's schema", () => {
  test.each(replies.map((f) => [path.basename(f), f]))(
    "accepts %s as query-qmp-schema's result",
    (_name, file) => {
      const r = runValidate([qemuSchema, "--command", "query-qmp-schema", "--returns", file]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
    },
  );

  test("rejects mutations of a reply with QEMU's message and the path (CLI)", () => {
    const reply = JSON.parse(readFileSync(replies[0]!, "utf8")) as Record<string, unknown>[];
    const at = reply.findIndex((e) => e["meta-type"] === "object");
    const mutations: [string, (r: Record<string, unknown>[]) => void, string][] = [
      ["drop", (r) => delete r[at]!.members, `Parameter '[${at}].members' is missing`],
      ["add", (r) => (r[at]!.colour = "red"), `Parameter '[${at}].colour' is unexpected`],
      [
        "type",
        (r) => (r[at]!.name = 7),
        `Invalid parameter type for '[${at}].name', expected: string`,
      ],
      [
        "enum",
        (r) => (r[at]!["meta-type"] = "blob"),
        `Parameter '[${at}].meta-type' does not accept value 'blob'`,
      ],
      ["root", (r) => r.splice(0, r.length), ""],
    ];
    for (const [what, mutate, message] of mutations) {
      const copy = structuredClone(reply);
      mutate(copy);
      const r = runValidate(
        [qemuSchema, "-c", "query-qmp-schema", "--returns", "-"],
        JSON.stringify(copy),
      );
      if (message === "") {
        expect(r.code, what).toBe(0); // an empty list is a list
        continue;
      }
      expect(r.code, what).toBe(1);
      expect(r.stderr, what).toContain(`<stdin>: ${message} (at /${at}/`);
    }
    const notList = runValidate([qemuSchema, "-c", "query-qmp-schema", "--returns", "-"], "{}");
    expect(notList.stderr).toBe(
      "<stdin>: Invalid parameter type for '<anonymous>', expected: array\n",
    );
  });

  test("arguments, events, types, bad JSON and usage errors", () => {
    const blockdev = {
      driver: "qcow2",
      "node-name": "disk",
      file: { driver: "file", filename: "/x" },
    };
    expect(
      runValidate([qemuSchema, "-c", "blockdev-add", "-"], JSON.stringify(blockdev)).code,
    ).toBe(0);
    const bad = { ...blockdev, file: { driver: "file", filename: "/x", aio: "fast" } };
    expect(runValidate([qemuSchema, "-c", "blockdev-add", "-"], JSON.stringify(bad)).stderr).toBe(
      "<stdin>: Parameter 'file.aio' does not accept value 'fast' (at /file/aio)\n",
    );
    expect(
      runValidate([qemuSchema, "-e", "SHUTDOWN", "-"], '{"guest": true, "reason": "host-qmp-quit"}')
        .code,
    ).toBe(0);
    expect(runValidate([qemuSchema, "-t", "BlockdevDriver", "-"], '"vvfat"').code).toBe(0);
    const syntax = runValidate([qemuSchema, "-t", "BlockdevDriver", "-"], '{"a":\n');
    expect([syntax.code, syntax.stderr]).toEqual([
      1,
      "<stdin>:2:1: JSON parse error, premature EOI\n",
    ]);
    const unknown = runValidate([qemuSchema, "-c", "no-such-command", "-"], "{}");
    expect([unknown.code, unknown.stderr]).toEqual([
      1,
      "<stdin>: The command no-such-command has not been found\n",
    ]);
    expect(runValidate([qemuSchema, "-c", "x", "-e", "y"], "{}").code).toBe(2);
    expect(runValidate([qemuSchema, "-e", "SHUTDOWN", "--returns"], "{}").code).toBe(2);
    expect(runValidate([qemuSchema, "-t", "x", path.join(tmp, "absent.json")]).code).toBe(1);
    // The legacy dialect (QEMU 4.1): a simple union's implicit wrapper is an ordinary member.
    const legacy = path.join(shared, "qemu-4.1/qapi/qapi-schema.json");
    const inet = { type: "inet", data: { host: "localhost" } };
    const r41 = runValidate(
      [legacy, "--compat", "-t", "SocketAddressLegacy", "-"],
      JSON.stringify(inet),
    );
    expect([r41.code, r41.stderr]).toEqual([
      1,
      "<stdin>: Parameter 'data.port' is missing (at /data/port)\n",
    ]);
    const schemaError = runValidate([path.join(tmp, "absent.json"), "-t", "x"], "{}");
    expect(schemaError.code).toBe(1);
    expect(schemaError.stderr).toContain("absent.json");
  });
});

describe.skipIf(!haveShared)("QEMU 10.2's schema in-process", () => {
  let qemu: Validators;
  let qemuModel: SchemaModel;
  beforeAll(async () => {
    const loaded = loadSchema(qemuSchema, { compat: false });
    if (!loaded.model) throw new Error("QEMU 10.2's schema does not load");
    qemuModel = loaded.model;
    qemu = await loadValidators(qemuModel);
  });

  test("every single-member mutation of every entry of a reply is rejected, with its path", () => {
    const reply = JSON.parse(readFileSync(replies[2]!, "utf8")) as Record<string, unknown>[];
    expect(qemu.validateCommandReturns("query-qmp-schema", reply)).toBeNull();
    let mutations = 0;
    reply.forEach((entry, i) => {
      for (const key of Object.keys(entry)) {
        const saved = entry[key];
        entry[key] = { unexpected: true };
        const e = qemu.validateCommandReturns("query-qmp-schema", reply);
        expect(e?.path.slice(0, 2), `${i} ${key}`).toEqual([i, key]);
        entry[key] = saved;
        mutations++;
      }
      entry["x-unknown"] = 1;
      expect(qemu.validateCommandReturns("query-qmp-schema", reply)?.message).toBe(
        `Parameter '[${i}].x-unknown' is unexpected`,
      );
      expect(
        qemu.validateCommandReturns("query-qmp-schema", reply, { unknownMembers: "ignore" }),
      ).toBeNull();
      delete entry["x-unknown"];
    });
    expect(mutations).toBeGreaterThan(reply.length * 2);
    expect(qemu.validateCommandReturns("query-qmp-schema", reply)).toBeNull();
  });

  test("the generated files for the whole schema are in prettier's style and ajv compiles the schema", async () => {
    const options = backendOptions({ schemaName: "qapi-schema.json" });
    const files = [
      ...validatorsBackend.generate(qemuModel, options),
      ...jsonSchemaBackend.generate(qemuModel, options),
    ];
    for (const f of files)
      expect(await prettier.check(f.content, { filepath: f.path }), f.path).toBe(true);
    const doc = JSON.parse(files.find((f) => f.path === JSON_SCHEMA_FILE)!.content);
    const ajv = new Ajv2020({ strict: true });
    ajv.addSchema(doc);
    const returns = ajv.getSchema(`${doc.$id}#/$defs/query-qmp-schema:returns`)!;
    for (const file of replies) {
      const reply = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>[];
      expect(returns(reply), file).toBe(true);
      reply[3]!.surprise = 1;
      expect(returns(reply), file).toBe(false);
    }
    // Every command, event and type of the schema has its definition.
    for (const e of qemuModel.entities) {
      if (e.meta === "command")
        expect(doc.$defs[`${e.name}:arguments`] && doc.$defs[`${e.name}:returns`]).toBeTruthy();
      if (e.meta === "event") expect(doc.$defs[`${e.name}:data`]).toBeTruthy();
    }
  });
});
