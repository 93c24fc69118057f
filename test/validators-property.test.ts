// Property tests of the generated validators (issue 4, item 4): arbitraries derived from the
// model generate values of every type; each is accepted by its validator and survives a JSON
// round trip (lossless, so 64-bit integers too). Single mutations (drop a mandatory member, add
// an unknown one, break a type, leave an integer range, an unknown enum value) are rejected
// with QEMU's message for exactly that place. Valid and mutated values are judged alike whatever
// carries their members (class instances, null-prototype objects, members on a prototype, a
// polluted Object.prototype): the validators' fast paths must not change a verdict. Run on the
// project's own schema, and on QEMU 10.2's when ../shared is there.
import { beforeAll, describe, expect, test } from "vitest";
import fc from "fast-check";
import { existsSync } from "node:fs";
import path from "node:path";
import { loadSchema } from "../generator/frontend/index.ts";
import type { ObjectType, SchemaModel, Type } from "../generator/model/index.ts";
import { INT64_TYPES, INTEGER_RANGES, type IntegerType } from "../runtime/validate/scalars.ts";
import { loadValidators } from "../generator/cli/validate.ts";
import { validatorTable } from "../generator/backends/validators/index.ts";
import {
  createValidators,
  Int64RangeError,
  parseJsonLossless,
  stringifyJson,
  type Validators,
} from "../runtime/validate/index.ts";
import { int64Decoder } from "../runtime/validate/int64.ts";
import type { ValidatorTable } from "../runtime/validate/table.ts";
import { projectRoot } from "./helpers/paths.ts";

const qemuSchema = path.join(
  path.resolve(projectRoot, "../shared"),
  "qemu-10.2/qapi/qapi-schema.json",
);
const haveQemu = existsSync(qemuSchema);
if (!haveQemu) console.log(`validators-property: QEMU 10.2 part skipped, ${qemuSchema} is absent`);

/** Beyond this depth, optional members are left out and arrays are empty (schemas recurse). */
const SOFT_DEPTH = 3;
/** Beyond this one, a type is given up on (only a cycle of mandatory members gets there). */
const HARD_DEPTH = 8;

type Obj = Record<string, unknown>;

/** An int as the lossless parser returns it: a number when a double is exactly it, else a bigint. */
const jsInt = (n: bigint): number | bigint => (BigInt(Number(n)) === n ? Number(n) : n);

class Arbitraries {
  private readonly memo = new Map<string, fc.Arbitrary<unknown> | null>();

  /** Values of type t, or null when none can be built within the depth limit. */
  of(t: Type, depth = 0): fc.Arbitrary<unknown> | null {
    const key = `${t.meta}:${t.name}:${Math.min(depth, SOFT_DEPTH + 1)}:${depth > HARD_DEPTH}`;
    if (this.memo.has(key) && depth <= SOFT_DEPTH) return this.memo.get(key)!;
    const a = this.build(t, depth);
    if (depth <= SOFT_DEPTH) this.memo.set(key, a);
    return a;
  }

  private build(t: Type, depth: number): fc.Arbitrary<unknown> | null {
    if (depth > HARD_DEPTH) return null;
    switch (t.meta) {
      case "builtin":
        return builtinArbitrary(t.name);
      case "enum":
        return fc.constantFrom(...t.members.map((m) => m.name));
      case "array": {
        if (depth >= SOFT_DEPTH) return fc.constant([]);
        const el = this.of(t.elementType, depth + 1);
        return el ? fc.array(el, { maxLength: 3 }) : fc.constant([]);
      }
      case "alternate": {
        const branches = t.branches.variants
          .map((b) => this.of(b.type, depth + 1))
          .filter((a) => a !== null);
        return branches.length ? fc.oneof(...branches) : null;
      }
      case "object":
        return this.object(t, depth);
    }
  }

  /** A struct's members, or for a union one choice per tag value (with its branch's members). */
  private object(t: ObjectType, depth: number): fc.Arbitrary<Obj> | null {
    const tag = t.branches?.tagMember.name;
    const shape: Record<string, fc.Arbitrary<unknown>> = {};
    const required: string[] = [];
    for (const m of t.members) {
      if (m.name === tag) continue;
      if (m.optional && depth >= SOFT_DEPTH) continue;
      const a = this.of(m.type, depth + 1);
      if (!a) {
        if (m.optional) continue;
        return null;
      }
      shape[m.name] = a;
      if (!m.optional) required.push(m.name);
    }
    const members = fc.record(shape, { requiredKeys: required }) as fc.Arbitrary<Obj>;
    if (!t.branches) return members;
    const tagType = t.branches.tagMember.type;
    if (tagType.meta !== "enum") return null;
    const choices: fc.Arbitrary<Obj>[] = [];
    for (const value of tagType.members) {
      const branch = t.branches.variants.find((b) => b.name === value.name);
      const extra =
        branch && branch.type.meta === "object" ? this.object(branch.type, depth) : fc.constant({});
      if (!extra) continue;
      choices.push(fc.tuple(members, extra).map(([a, b]) => ({ ...a, [tag!]: value.name, ...b })));
    }
    return choices.length ? fc.oneof(...choices) : null;
  }
}

function builtinArbitrary(name: string): fc.Arbitrary<unknown> {
  const range = INTEGER_RANGES[name as keyof typeof INTEGER_RANGES];
  if (range) {
    // Bias to the edges of the range, where off-by-one and precision errors live.
    const edge = fc.constantFrom(range.min, range.max, range.min + 1n, range.max - 1n, 0n);
    return fc.oneof(fc.bigInt({ min: range.min, max: range.max }), edge).map(jsInt);
  }
  switch (name) {
    case "str":
      return fc.string({ maxLength: 8 });
    case "number":
      return fc.oneof(
        fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => !Object.is(x, -0)),
        fc.integer(),
      );
    case "bool":
      return fc.boolean();
    case "null":
      return fc.constant(null);
    case "any":
      // JSON has no -0 (it is written 0), so a round trip cannot keep it.
      return fc.jsonValue({ maxDepth: 2 }).map((x) => JSON.parse(JSON.stringify(x)) as unknown);
  }
  throw new Error(`no arbitrary for built-in ${name}`);
}

// ---------------------------------------------------------------------------------------------
// Mutations: every place in a value where one change must be rejected, with QEMU's message.

type Path = (string | number)[];

interface Mutation {
  what: string;
  path: Path;
  /** Replaces the value at path (or, with `drop`, removes the member). */
  replacement?: unknown;
  drop?: boolean;
  /** Where the failure is reported (a member's own path for missing/unexpected). */
  reportedAt: Path;
  message: (name: string) => string;
}

/** QEMU's name of a path, written independently of the generated formatPath. */
function qemuName(path: Path): string {
  const name = path
    .map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`))
    .join("");
  return name === "" ? "<anonymous>" : name;
}

const invalidType = (expected: string) => (n: string) =>
  `Invalid parameter type for '${n}', expected: ${expected}`;
const expectsType = (what: string) => (n: string) => `Parameter '${n}' expects ${what}`;

const SIGNED_C: Record<string, string> = { int8: "int8_t", int16: "int16_t", int32: "int32_t" };
const UNSIGNED_C: Record<string, string> = {
  uint8: "uint8_t",
  uint16: "uint16_t",
  uint32: "uint32_t",
};

function jsonTypeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "bigint") return "number";
  return typeof v;
}

function alternateJsonType(t: Type): string {
  if (t.meta === "enum") return "string";
  if (t.meta === "builtin") return t.jsonType === "int" ? "number" : t.jsonType;
  return t.meta === "array" ? "array" : "object";
}

function mutations(t: Type, v: unknown, path: Path, out: Mutation[]): void {
  const at = (what: string, replacement: unknown, message: (n: string) => string) =>
    out.push({ what, path, replacement, reportedAt: path, message });
  switch (t.meta) {
    case "builtin": {
      const n = t.name;
      if (n === "any") return;
      if (n === "str") at("break type", 1, invalidType("string"));
      else if (n === "bool") at("break type", "x", invalidType("boolean"));
      else if (n === "null") at("break type", 0, invalidType("null"));
      else if (n === "number") at("break type", "1", invalidType("number"));
      else if (n === "uint64" || n === "size") {
        // On QMP, QEMU reads a size as a uint64.
        at("break type", "1", expectsType("uint64"));
        at("leave range", 2n ** 64n, expectsType("uint64"));
      } else if (n in UNSIGNED_C) {
        const range = INTEGER_RANGES[n as keyof typeof INTEGER_RANGES];
        at("break type", "1", expectsType("uint64"));
        at("leave range", jsInt(range.max + 1n), expectsType(UNSIGNED_C[n]!));
      } else if (n in SIGNED_C) {
        const range = INTEGER_RANGES[n as keyof typeof INTEGER_RANGES];
        at("break type", "1", invalidType("integer"));
        at("leave range", jsInt(range.max + 1n), expectsType(SIGNED_C[n]!));
        at("leave range", jsInt(range.min - 1n), expectsType(SIGNED_C[n]!));
        at("break type", 0.5, invalidType("integer"));
      } else {
        // int, int64
        at("break type", "1", invalidType("integer"));
        at("leave range", 2n ** 63n, invalidType("integer"));
        at("leave range", -(2n ** 63n) - 1n, invalidType("integer"));
      }
      return;
    }
    case "enum":
      at("break type", 1, invalidType("string"));
      at(
        "unknown enum value",
        "x-no-such-value",
        (n) => `Parameter '${n}' does not accept value 'x-no-such-value'`,
      );
      return;
    case "array":
      at("break type", "x", invalidType("array"));
      (v as unknown[]).forEach((el, i) => mutations(t.elementType, el, [...path, i], out));
      return;
    case "alternate": {
      const covered = new Set(t.branches.variants.map((b) => alternateJsonType(b.type)));
      const foreign = ["s", 1, true, null, [], {}].find((x) => !covered.has(jsonTypeOf(x)));
      if (foreign !== undefined) at("break type", foreign, invalidType(t.name));
      const branch = t.branches.variants.find((b) => alternateJsonType(b.type) === jsonTypeOf(v));
      if (!branch) return;
      // Replacing the whole value with another JSON type picks another branch (or none):
      // only changes within the branch keep their meaning.
      const inner: Mutation[] = [];
      mutations(branch.type, v, path, inner);
      const here = path.length;
      out.push(
        ...inner.filter((m) => m.path.length > here || jsonTypeOf(m.replacement) === jsonTypeOf(v)),
      );
      return;
    }
    case "object": {
      at("break type", "x", invalidType("object"));
      const obj = v as Obj;
      out.push({
        what: "add unknown member",
        path: [...path, "x-no-such-member"],
        replacement: 1,
        reportedAt: [...path, "x-no-such-member"],
        message: (n) => `Parameter '${n}' is unexpected`,
      });
      objectMutations(t, obj, path, out);
      return;
    }
  }
}

function objectMutations(t: ObjectType, obj: Obj, path: Path, out: Mutation[]): void {
  for (const m of t.members) {
    if (!(m.name in obj)) continue;
    const p = [...path, m.name];
    if (!m.optional) {
      out.push({
        what: "drop mandatory member",
        path: p,
        drop: true,
        reportedAt: p,
        message: (n) => `Parameter '${n}' is missing`,
      });
    }
    mutations(m.type, obj[m.name], p, out);
  }
  const tag = t.branches?.tagMember.name;
  const branch = tag ? t.branches!.variants.find((b) => b.name === obj[tag]) : undefined;
  if (branch && branch.type.meta === "object") objectMutations(branch.type, obj, path, out);
}

function applyMutation(value: unknown, m: Mutation): unknown {
  if (m.path.length === 0) return m.replacement;
  const copy = structuredClone(value);
  let parent = copy as Record<string | number, unknown>;
  for (const seg of m.path.slice(0, -1)) parent = parent[seg] as Record<string | number, unknown>;
  const last = m.path[m.path.length - 1]!;
  if (m.drop) delete parent[last];
  else parent[last] = m.replacement;
  return copy;
}

/**
 * The value with every integer at a 64-bit integer type made a bigint: what the "bigint"
 * representation must give, worked out along the model's types (not the validator table).
 */
function withBigints(t: Type, v: unknown): unknown {
  switch (t.meta) {
    case "builtin":
      return INT64_TYPES.has(t.name as IntegerType) && typeof v === "number" ? BigInt(v) : v;
    case "array":
      return (v as unknown[]).map((x) => withBigints(t.elementType, x));
    case "alternate": {
      const branch = t.branches.variants.find((b) => alternateJsonType(b.type) === jsonTypeOf(v));
      return branch ? withBigints(branch.type, v) : v;
    }
    case "object": {
      const out: Obj = { ...(v as Obj) };
      for (const m of t.members) if (m.name in out) out[m.name] = withBigints(m.type, out[m.name]);
      const tag = t.branches?.tagMember.name;
      const branch = tag ? t.branches!.variants.find((b) => b.name === out[tag]) : undefined;
      return branch ? withBigints(branch.type, out) : out;
    }
    default:
      return v;
  }
}

function hasBigint(v: unknown): boolean {
  if (typeof v === "bigint") return true;
  if (typeof v !== "object" || v === null) return false;
  return Object.values(v).some(hasBigint);
}

// ---------------------------------------------------------------------------------------------

// What carries a value's members may differ from JSON.parse's plain objects: the verdict may not.
// Each carrier rebuilds every object of a value; `reference` is the plain value it must be judged
// as (members only an object's prototype holds are not its members, as JSON.stringify agrees).
class Carrier {}
interface Carrying {
  name: string;
  carry: (v: unknown) => unknown;
  reference: (v: unknown) => unknown;
}

function rebuild(v: unknown, make: (o: Obj, rebuilt: Obj) => unknown): unknown {
  if (Array.isArray(v)) return v.map((e) => rebuild(e, make));
  if (typeof v !== "object" || v === null) return v;
  const rebuilt: Obj = {};
  for (const [k, e] of Object.entries(v)) rebuilt[k] = rebuild(e, make);
  return make(v as Obj, rebuilt);
}

const CARRYINGS: Carrying[] = [
  {
    name: "class instances",
    carry: (v) => rebuild(v, (_, r) => Object.assign(new Carrier(), r)),
    reference: (v) => v,
  },
  {
    name: "null-prototype objects",
    carry: (v) => rebuild(v, (_, r) => Object.assign(Object.create(null) as Obj, r)),
    reference: (v) => v,
  },
  {
    // Every other member held by the prototype, not by the object.
    name: "members on the prototype",
    carry: (v) =>
      rebuild(v, (_, r) => {
        const keys = Object.keys(r);
        const proto: Obj = {};
        const own: Obj = Object.create(proto) as Obj;
        keys.forEach((k, i) => ((i % 2 ? proto : own)[k] = r[k]));
        return own;
      }),
    reference: (v) =>
      rebuild(v, (_, r) => Object.fromEntries(Object.entries(r).filter((_e, i) => i % 2 === 0))),
  },
];

/** Object.prototype given `names` (enumerable, as a pollution would) while `run` runs. */
function withPollution<T>(names: readonly string[], run: () => T): T {
  const proto = Object.prototype as Obj;
  const added = names.filter((n) => !(n in proto));
  for (const n of added) proto[n] = "polluted";
  try {
    return run();
  } finally {
    for (const n of added) delete proto[n];
  }
}

/** Every member name in a value. */
function memberNames(v: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(v)) for (const e of v) memberNames(e, out);
  else if (typeof v === "object" && v !== null)
    for (const [k, e] of Object.entries(v)) {
      out.add(k);
      memberNames(e, out);
    }
  return out;
}

/** An error as a caller sees it: its own properties, and its JSON. */
function seen(error: unknown): unknown {
  if (error === null) return null;
  return {
    keys: Object.keys(error as object),
    json: JSON.stringify(error),
    error: { ...(error as object) },
  };
}

interface Subject {
  label: string;
  type: Type;
  validate: (v: unknown, validators?: Validators) => { message: string; path: Path } | null;
  /** Its type in the validator table. */
  ref: (table: ValidatorTable) => number;
}

function subjects(model: SchemaModel, validators: Validators): Subject[] {
  const out: Subject[] = [];
  for (const e of model.entities) {
    if ((e.meta === "object" || e.meta === "alternate" || e.meta === "enum") && !e.isImplicit) {
      out.push({
        label: `type ${e.name}`,
        type: e,
        validate: (v, set = validators) => set.validateType(e.name, v),
        ref: (table) => table.named.find(([name]) => name === e.name)![1],
      });
    } else if (e.meta === "command" && e.argType) {
      const argType = e.argType;
      out.push({
        label: `command ${e.name}`,
        type: argType,
        validate: (v, set = validators) => set.validateCommandArguments(e.name, v),
        ref: (table) => table.commands.find(([name]) => name === e.name)![1],
      });
    }
  }
  return out;
}

function propertySuite(label: string, schemaFile: () => string, runs: number): void {
  let model: SchemaModel;
  let validators: Validators;
  let all: Subject[];
  const arbs = new Arbitraries();

  beforeAll(async () => {
    const loaded = loadSchema(schemaFile(), { compat: false });
    if (!loaded.model) throw new Error(`${label} does not load`);
    model = loaded.model;
    validators = await loadValidators(model);
    all = subjects(model, validators);
  });

  test(`${label}: generated values are accepted and survive a JSON round trip`, () => {
    let checked = 0;
    for (const s of all) {
      const arb = arbs.of(s.type);
      if (!arb) continue;
      fc.assert(
        fc.property(arb, (value) => {
          expect(s.validate(value), s.label).toBeNull();
          const back = parseJsonLossless(stringifyJson(value));
          expect(back, s.label).toEqual(value);
          expect(s.validate(back), s.label).toBeNull();
        }),
        { numRuns: runs },
      );
      checked++;
    }
    console.log(
      `${label}: ${checked} of ${all.length} types and commands, ${runs} values each, accepted`,
    );
    expect(checked).toBeGreaterThan(all.length * 0.9);
  });

  test(`${label}: each int64 representation decodes every value as its validators take it`, () => {
    const table = validatorTable(model, null);
    const bigint = createValidators(table, { int64: "bigint" });
    const number = createValidators(table, { int64: "number" });
    const toBigint = int64Decoder(table, "bigint");
    const toNumber = int64Decoder(table, "number");
    let converted = 0;
    let refused = 0;
    for (const s of all) {
      const arb = arbs.of(s.type);
      if (!arb) continue;
      const ref = s.ref(table);
      fc.assert(
        fc.property(arb, (value) => {
          const wire = stringifyJson(value);
          // "bigint": the 64-bit integers, and nothing else, become bigints; the JSON is the same.
          const big = toBigint(ref, parseJsonLossless(wire));
          expect(big, s.label).toEqual(withBigints(s.type, value));
          expect(stringifyJson(big), s.label).toBe(wire);
          expect(s.validate(big, bigint), s.label).toBeNull();
          if (hasBigint(big) && !hasBigint(value)) converted++;
          // "number": refused exactly when some integer has no exact number.
          let small: unknown;
          try {
            small = toNumber(ref, parseJsonLossless(wire));
          } catch (err) {
            expect(err, s.label).toBeInstanceOf(Int64RangeError);
            expect(hasBigint(value), s.label).toBe(true);
            refused++;
            return;
          }
          expect(hasBigint(value), s.label).toBe(false);
          expect(small, s.label).toEqual(value);
          expect(s.validate(small, number), s.label).toBeNull();
        }),
        { numRuns: runs },
      );
    }
    console.log(
      `${label}: int64 decoding: ${converted} values got bigints, ${refused} refused as numbers`,
    );
    expect(converted).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  });

  test(`${label}: valid and invalid values get the same verdict whatever carries their members`, () => {
    let compared = 0;
    let failures = 0;
    for (const s of all) {
      const arb = arbs.of(s.type);
      if (!arb) continue;
      fc.assert(
        fc.property(arb, fc.nat(), fc.boolean(), (value, pick, mutate) => {
          let subject = value;
          if (mutate) {
            const sites: Mutation[] = [];
            mutations(s.type, value, [], sites);
            const usable = s.label.startsWith("command")
              ? sites.filter((m) => m.path.length > 0)
              : sites;
            if (usable.length) subject = applyMutation(value, usable[pick % usable.length]!);
          }
          for (const c of CARRYINGS) {
            const expected = seen(s.validate(c.reference(subject)));
            expect(seen(s.validate(c.carry(subject))), `${s.label}, ${c.name}`).toEqual(expected);
          }
          // A polluted Object.prototype with the value's own member names (a missing member
          // is still missing, an unknown one still unexpected); for one value in four, since
          // every change of Object.prototype makes V8 drop what it compiled.
          const plain = seen(s.validate(subject));
          if (pick % 4 === 0) {
            const names = [...memberNames(value), ...memberNames(subject)];
            expect(
              withPollution(names, () => seen(s.validate(subject))),
              `${s.label}, polluted`,
            ).toEqual(plain);
          }
          // The error is plain data: message and path, as its JSON and a copy of it say.
          if (plain !== null) {
            expect((plain as { keys: string[] }).keys, s.label).toEqual(["message", "path"]);
            failures++;
          }
          compared++;
        }),
        { numRuns: Math.ceil(runs / 3) },
      );
    }
    console.log(`${label}: ${compared} values (${failures} invalid) judged alike by every carrier`);
    expect(failures).toBeGreaterThan(0);
    expect(compared - failures).toBeGreaterThan(0);
  });

  test(`${label}: single mutations are rejected with QEMU's message for that place`, () => {
    let tried = 0;
    const kinds = new Map<string, number>();
    for (const s of all) {
      const arb = arbs.of(s.type);
      if (!arb) continue;
      fc.assert(
        fc.property(arb, fc.nat(), (value, pick) => {
          const sites: Mutation[] = [];
          mutations(s.type, value, [], sites);
          // Top-level non-objects are not command arguments (QMP rejects those earlier).
          const usable = s.label.startsWith("command")
            ? sites.filter((m) => m.path.length > 0)
            : sites;
          if (usable.length === 0) return;
          const m = usable[pick % usable.length]!;
          const error = s.validate(applyMutation(value, m));
          const where = `${s.label}: ${m.what} at ${qemuName(m.path)}`;
          expect(error, where).not.toBeNull();
          expect(error!.message, where).toBe(m.message(qemuName(m.reportedAt)));
          expect(error!.path, where).toEqual(m.reportedAt);
          tried++;
          kinds.set(m.what, (kinds.get(m.what) ?? 0) + 1);
        }),
        { numRuns: runs },
      );
    }
    console.log(`${label}: ${tried} mutations rejected:`, Object.fromEntries(kinds));
    for (const k of [
      "drop mandatory member",
      "add unknown member",
      "break type",
      "leave range",
      "unknown enum value",
    ]) {
      expect(kinds.get(k) ?? 0, k).toBeGreaterThan(0);
    }
  });
}

describe("the project's own schema", () => {
  propertySuite("qapi/qapi-schema.json", () => path.join(projectRoot, "qapi/qapi-schema.json"), 50);
});

describe.skipIf(!haveQemu)("QEMU 10.2's schema", () => {
  propertySuite("QEMU 10.2", () => qemuSchema, 15);
});
