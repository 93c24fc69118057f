// Compiles a validator table into checks: one JavaScript function per type, written as
// straight-line code and turned into functions once with `new Function` (as ajv does). Checking
// a value then costs what hand-written code would: no table lookups, no closures per member.
// Every name from the table enters the code through JSON.stringify, as a string literal.
//
// Per object type N the code has mN (its members, then its variant's, in QEMU's visiting order),
// kN and hN (below) and tN (the object check); enums, arrays and alternates have tN; built-ins
// are support functions (s_NAME), called only when an inline test of the common case (a string
// for `str`, an integer number in range for the integer types) does not already accept the
// value (for `str`, `bool` and `null` that test is the whole check). Locals are pK (member K's
// value), e (an element), c, f (a failure), i, k, n, x, other: no function's name.
//
// Members are the object's own properties (a polluted Object.prototype supplies none), yet asking
// whether each one is own costs more than the rest of a small message's check. So mN reads them
// as plain property loads, and tN confirms afterwards that what they found was own:
//   - mN passed: tN walks v's own keys (where V8 answers "own" from v's shape), counting the
//     members among them (kN: is a key a member) and keeping the first other key (QEMU's
//     "unexpected", reported after the members). If the members the loads found (mN counts them
//     into `found` as it passes) are that many, every one of them was own;
//   - mN failed: the failure stands if hN, every member the loads found is own.
// Otherwise (a member inherited, or own but not enumerable) mN runs again with the exact
// own-property test, for v and everything inside it (o.exactly: once, never again below).

import type { Failure, ValidationError } from "./failure.ts";
import { FLOAT_TOKEN_KEY } from "./json.ts";
import {
  INT64_TYPES,
  INTEGER_RANGES,
  isScalarType,
  type Int64Representation,
  type IntegerType,
  type ScalarType,
} from "./scalars.ts";
import { DEPRECATED, OPTIONAL, UNSTABLE, type TypeEntry, type ValidatorTable } from "./table.ts";

/** Options as the checks read them. */
export interface Settings {
  /** Unknown members tolerated. */
  readonly lax: boolean;
  /** Deprecated (unstable) input refused. */
  readonly deprecated: boolean;
  readonly unstable: boolean;
  /** Per condition of the table: true when absent from this build (only with `defines`). */
  readonly absent: readonly boolean[] | null;
  /** Members found by the own-property test, not by property loads (see above). */
  readonly exact: boolean;
  /** These settings with `exact`. */
  readonly exactly: Settings;
}

/** The settings a check reads, and their exact twin. */
export function makeSettings(
  options: Pick<Settings, "lax" | "deprecated" | "unstable" | "absent">,
): Settings {
  const fast = { ...options, exact: false } as { exactly?: Settings } & Omit<Settings, "exactly">;
  const exact = { ...options, exact: true } as { exactly?: Settings } & Omit<Settings, "exactly">;
  fast.exactly = exact as Settings;
  exact.exactly = exact as Settings;
  return fast as Settings;
}

export type Check = (v: unknown, o: Settings) => Failure | undefined;

/** A whole value's check, QEMU's error included: what a held validator calls. */
export type Validate = (v: unknown) => ValidationError | null;

/**
 * The validating function of a type under settings; `args` for a command's arguments (absent
 * means none, and must be an object). Each type has its own function (eN below), so that a
 * client's call of one held validator stays monomorphic: one shared wrapper would see every
 * type's check and make its call site megamorphic.
 */
export type Entry = (o: Settings, args: boolean) => Validate;

/** What the generated code calls: failures, and the checks of built-in types. */
export interface Support {
  typeError(expected: string): Failure;
  missing(member: string): Failure;
  unexpected(member: string): Failure;
  badValue(value: string): Failure;
  refusedMember(adjective: string, member: string): Failure;
  refusedValue(adjective: string, value: string): Failure;
  at(f: Failure, segment: string | number): Failure;
  scalar(type: ScalarType): Check;
  jsonType(v: unknown): string;
  /** A JSON object, not an array, null, or a float token the QEMU-exact parse wrapped. */
  isObject(v: unknown): boolean;
  /** The error of a value nested deeper than the stack allows (rethrows any other error). */
  tooDeep(err: unknown): ValidationError;
  /** The error of a command's arguments that are not an object. */
  notArguments(): ValidationError;
}

const lit = (s: string): string => JSON.stringify(s);

/** The check and the entry of every type of the table, by index (built-in types: no entry). */
export function compileChecks(
  table: ValidatorTable,
  support: Support,
  int64: Int64Representation = "exact",
): { checks: Check[]; entries: (Entry | undefined)[] } {
  const source = new CheckWriter(table, int64).write();
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- code from the table, names quoted
  const make = new Function("S", source) as (s: Support) => {
    checks: Check[];
    entries: (Entry | undefined)[];
  };
  return make(support);
}

class CheckWriter {
  private readonly out: string[] = [];

  constructor(
    private readonly table: ValidatorTable,
    private readonly int64: Int64Representation,
  ) {}

  write(): string {
    this.out.push(
      '"use strict";',
      "const { typeError, missing, unexpected, badValue, refusedMember, refusedValue, at, jsonType, isObject, tooDeep, notArguments } = S;",
      "const EMPTY = Object.freeze({});",
      // (V8 compiles `hasOwn.call(v, k)` inside `for (k in v)` to a check of v's shape.)
      "const hasOwn = Object.prototype.hasOwnProperty;",
      // json.ts's isObject, written out in each object check: the float token's mark is then
      // read where V8 has seen few shapes, not in one function every object goes through.
      `const FLOAT = Symbol.for(${lit(FLOAT_TOKEN_KEY)});`,
      "const off = (o, i) => o.absent !== null && o.absent[i];",
      // How many members the last mN that passed found (read by its tN right after the call).
      "let found = 0;",
    );
    const scalars = new Set<ScalarType>();
    this.table.types.forEach((t, i) => {
      if ("builtin" in t) scalars.add(t.builtin);
      else this.type(t, i);
    });
    for (const s of scalars) {
      if (!isScalarType(s)) throw new Error(`validator table: unknown built-in type ${String(s)}`);
      this.out.push(`const s_${s} = S.scalar(${lit(s)});`);
    }
    const refs = this.table.types.map((t, i) => ("builtin" in t ? `s_${t.builtin}` : `t${i}`));
    const entries = this.table.types.map((t, i) => ("builtin" in t ? "undefined" : `e${i}`));
    this.out.push(`return { checks: [${refs.join(", ")}], entries: [${entries.join(", ")}] };`);
    return this.out.join("\n");
  }

  private check(ref: number): string {
    const t = this.table.types[ref];
    if (t === undefined) throw new Error(`validator table: no type ${ref}`);
    return "builtin" in t ? `s_${t.builtin}` : `t${ref}`;
  }

  /**
   * Statements that check the value of the local `x` against type `ref` and, on a failure,
   * `return at(f, segment)`.
   */
  private checkLocal(ref: number, x: string, segment: string): string {
    const t = this.table.types[ref];
    const onFailure = `return at(f, ${segment});`;
    if (t !== undefined && "builtin" in t) {
      if (t.builtin === "any") return "";
      // With 64-bit integers held as bigints, a number is no common case: the full check decides.
      const accepted =
        this.int64 === "bigint" && INT64_TYPES.has(t.builtin as IntegerType)
          ? "false"
          : commonCase(t.builtin, x);
      // Where the common case is the whole check, its failure is known here.
      const refused = EXACT_COMMON_CASE[t.builtin];
      if (refused !== undefined)
        return `if (!(${accepted})) return at(typeError(${lit(refused)}), ${segment});`;
      return `if (!(${accepted}) && (f = s_${t.builtin}(${x}, o)) !== undefined) ${onFailure}`;
    }
    return `if ((f = ${this.check(ref)}(${x}, o)) !== undefined) ${onFailure}`;
  }

  private type(t: TypeEntry, i: number): void {
    this.out.push(
      `function e${i}(o, args) {`,
      "return (v) => {",
      'if (args) { if (v === undefined) v = EMPTY; else if (typeof v !== "object" || v === null || Array.isArray(v) || v[FLOAT] === true) return notArguments(); }',
      "let f;",
      `try { f = t${i}(v, o); } catch (err) { return tooDeep(err); }`,
      "return f === undefined ? null : f.toError();",
      "};",
      "}",
    );
    if ("enum" in t) return this.enumeration(t.values, i);
    if ("array" in t) return this.array(t.array, i);
    if ("object" in t) return this.object(t, i);
    if ("alternate" in t) return this.alternate(t, i);
  }

  private enumeration(values: readonly (readonly [string, number, number])[], i: number): void {
    let plain = "";
    let special = "";
    for (const [name, cond, flags] of values) {
      const checks: string[] = [];
      if (cond >= 0) checks.push(`if (off(o, ${cond})) return badValue(v);`);
      if (flags & DEPRECATED)
        checks.push(`if (o.deprecated) return refusedValue("Deprecated", v);`);
      if (flags & UNSTABLE) checks.push(`if (o.unstable) return refusedValue("Unstable", v);`);
      if (checks.length) special += `case ${lit(name)}: ${checks.join(" ")} return undefined;\n`;
      else plain += `case ${lit(name)}:\n`;
    }
    const cases = (plain ? `${plain}return undefined;\n` : "") + special;
    this.out.push(
      `function t${i}(v, o) {`,
      `if (typeof v !== "string") return typeError("string");`,
      cases ? `switch (v) {\n${cases}}` : "",
      "return badValue(v);",
      "}",
    );
  }

  private array(element: number, i: number): void {
    this.out.push(
      `function t${i}(v, o) {`,
      `if (!Array.isArray(v)) return typeError("array");`,
      `for (let i = 0; i < v.length; i++) { const e = v[i]; let f; ${this.checkLocal(element, "e", "i")} }`,
      "return undefined;",
      "}",
    );
  }

  /** The variants worth dispatching to: those whose type has members to check. */
  private variants(
    t: Extract<TypeEntry, { object: string }>,
  ): (readonly [string, number, number])[] {
    return (t.variants ?? []).filter(([, type]) => {
      const v = this.table.types[type];
      if (!v || !("object" in v))
        throw new Error(`validator table: variant type ${type} is not an object`);
      return v.members.length > 0 || (v.variants?.length ?? 0) > 0;
    });
  }

  private object(t: Extract<TypeEntry, { object: string }>, i: number): void {
    const variants = this.variants(t);
    // mN: members in order, then the chosen variant's members.
    // n counts the members found; a mandatory member is found or mN fails.
    const mandatory = t.members.filter(([, , flags, cond]) => !(flags & OPTIONAL) && cond < 0);
    const m: string[] = [
      `function m${i}(v, o) {`,
      "const x = o.exact;",
      `let f, n = ${mandatory.length};`,
    ];
    t.members.forEach(([name, type, flags, cond], k) => {
      const key = lit(name);
      const present: string[] = [];
      if (cond >= 0) present.push(`if (off(o, ${cond})) return unexpected(${key});`);
      if (flags & DEPRECATED)
        present.push(`if (o.deprecated) return refusedMember("Deprecated", ${key});`);
      if (flags & UNSTABLE)
        present.push(`if (o.unstable) return refusedMember("Unstable", ${key});`);
      present.push(this.checkLocal(type, `p${k}`, key));
      m.push(
        `let p${k} = v[${key}];`,
        `if (x && p${k} !== undefined && !hasOwn.call(v, ${key})) p${k} = undefined;`,
      );
      if (flags & OPTIONAL) m.push(`if (p${k} !== undefined) { ${present.join(" ")} n++; }`);
      else if (cond < 0) m.push(`if (p${k} === undefined) return missing(${key});`, ...present);
      // Mandatory where the condition holds; absent (so unexpected) elsewhere.
      else
        m.push(
          `if (p${k} === undefined) { if (!off(o, ${cond})) return missing(${key}); } else { ${present.join(" ")} n++; }`,
        );
    });
    const tag = lit(t.tag ?? "");
    if (variants.length) {
      // The tag is a member: its local holds it (checked above).
      const local = t.members.findIndex(([name]) => name === t.tag);
      if (local < 0) throw new Error(`validator table: tag ${String(t.tag)} is not a member`);
      m.push(`switch (p${local}) {`);
      for (const [value, type, cond] of variants) {
        // (An absent variant's members are not counted: tN then checks exactly, to the same end.)
        const absent = cond >= 0 ? `if (off(o, ${cond})) { found = n; return undefined; } ` : "";
        m.push(
          `case ${lit(value)}: ${absent}if ((f = m${type}(v, o)) === undefined) found += n; return f;`,
        );
      }
      m.push("}");
    }
    m.push("found = n;", "return undefined;", "}");
    // kN: whether a key is a member (QEMU reports any other as unexpected); hN: whether every
    // member property loads find is own. Both choose the variant by the tag as a load finds it.
    const k: string[] = [`function k${i}(v, k) {`];
    const h: string[] = [`function h${i}(v) {`];
    if (t.members.length) {
      k.push(
        "switch (k) {",
        ...t.members.map(([name]) => `case ${lit(name)}:`),
        "return true;",
        "}",
      );
      // A member found is own when nothing else could supply it: v's prototype is
      // Object.prototype (V8 answers from the map the load just checked), which lacks it (asked
      // of one object, answered from the inline cache); else hasOwnProperty is asked.
      for (const [name] of t.members) {
        h.push(
          `if (v[${lit(name)}] !== undefined && (${lit(name)} in Object.prototype || Object.getPrototypeOf(v) !== Object.prototype) && !hasOwn.call(v, ${lit(name)})) return false;`,
        );
      }
    }
    if (variants.length) {
      for (const f of [k, h]) f.push(`switch (v[${tag}]) {`);
      for (const [value, type] of variants) {
        k.push(`case ${lit(value)}: return k${type}(v, k);`);
        h.push(`case ${lit(value)}: return h${type}(v);`);
      }
      for (const f of [k, h]) f.push("}");
    }
    k.push("return false;", "}");
    h.push("return true;", "}");
    this.out.push(
      ...m,
      ...k,
      ...h,
      `function t${i}(v, o) {`,
      `if (typeof v !== "object" || v === null || Array.isArray(v) || v[FLOAT] === true) return typeError("object");`,
      `let f = m${i}(v, o), c = found;`,
      "if (f !== undefined) {",
      // A failure stands when the members the loads found are all own; else, check exactly.
      `if (o.exact || h${i}(v)) return f;`,
      `if ((f = m${i}(v, (o = o.exactly))) !== undefined) return f;`,
      "}",
      "let n = 0, other;",
      `for (const k in v) { if (hasOwn.call(v, k) && v[k] !== undefined) { if (k${i}(v, k)) n++; else if (other === undefined) other = k; } }`,
      `if (!o.exact && c !== n && (f = m${i}(v, (o = o.exactly))) !== undefined) return f;`,
      "return other === undefined || o.lax ? undefined : unexpected(other);",
      "}",
    );
  }

  private alternate(t: Extract<TypeEntry, { alternate: string }>, i: number): void {
    const cases = new Map<string, string[]>();
    for (const [json, type, cond] of t.branches) {
      const list = cases.get(json) ?? [];
      const absent = cond >= 0 ? `if (!off(o, ${cond})) ` : "";
      list.push(`${absent}return ${this.check(type)}(v, o);`);
      cases.set(json, list);
    }
    this.out.push(
      `function t${i}(v, o) {`,
      "switch (jsonType(v)) {",
      ...[...cases].map(([json, body]) => `case ${lit(json)}: ${body.join(" ")} break;`),
      "}",
      `return typeError(${lit(t.alternate)});`,
      "}",
    );
  }
}

/**
 * The built-in types whose common case (below) is the whole check, and what QEMU's message says
 * was expected when it fails (as scalars.ts says; the property tests break every type).
 */
const EXACT_COMMON_CASE: Partial<Record<ScalarType, string>> = {
  str: "string",
  bool: "boolean",
  null: "null",
};

/**
 * A JavaScript expression true only for values of the built-in type `type` that QEMU accepts,
 * for the common case: others go to the full check (scalars.ts), which has the last word.
 * Integer bounds are exact doubles: the least value and one past the greatest (a power of two).
 */
function commonCase(type: Exclude<ScalarType, "any">, x: string): string {
  switch (type) {
    case "str":
      return `typeof ${x} === "string"`;
    case "bool":
      return `typeof ${x} === "boolean"`;
    case "null":
      return `${x} === null`;
    case "number":
      return `typeof ${x} === "number"`;
    default: {
      const { min, max } = INTEGER_RANGES[type];
      return `Number.isInteger(${x}) && ${x} >= ${Number(min)} && ${x} < ${Number(max + 1n)}`;
    }
  }
}
