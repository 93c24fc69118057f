// Compiles a validator table into checks: one JavaScript function per type, written as
// straight-line code and turned into functions once with `new Function` (as ajv does). Checking
// a value then costs what hand-written code would: no table lookups, no closures per member.
// Every name from the table enters the code through JSON.stringify, as a string literal.
//
// Per object type N the code has mN (its members, then its variant's, in QEMU's visiting order),
// kN (is a key one of its members, for the variant chosen) and tN (the object check, mN, then
// unknown members); enums, arrays and alternates have tN; built-ins are support functions
// (s_NAME). Locals are pK (member K's value), f (a failure), i, k: no function's name.

import { isScalarType, type ScalarType } from "./scalars.ts";
import { DEPRECATED, OPTIONAL, UNSTABLE, type TypeEntry, type ValidatorTable } from "./table.ts";

/** A failure: a message template and the path, filled in innermost first. */
export interface Failure {
  path: (string | number)[];
  text(path: string): string;
}

/** Options as the checks read them. */
export interface Settings {
  /** Unknown members tolerated. */
  lax: boolean;
  /** Deprecated (unstable) input refused. */
  deprecated: boolean;
  unstable: boolean;
  /** Per condition of the table: true when absent from this build (only with `defines`). */
  absent: readonly boolean[] | null;
}

export type Check = (v: unknown, o: Settings) => Failure | undefined;

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
}

const lit = (s: string): string => JSON.stringify(s);

/** The check of every type of the table, by index. */
export function compileChecks(table: ValidatorTable, support: Support): Check[] {
  const source = new CheckWriter(table).write();
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- code from the table, names quoted
  const make = new Function("S", source) as (s: Support) => Check[];
  return make(support);
}

class CheckWriter {
  private readonly out: string[] = [];

  constructor(private readonly table: ValidatorTable) {}

  write(): string {
    this.out.push(
      '"use strict";',
      "const { typeError, missing, unexpected, badValue, refusedMember, refusedValue, at, jsonType, isObject } = S;",
      "const hasOwn = Object.hasOwn;",
      // A member's value: own properties only (a polluted Object.prototype changes nothing).
      "const own = (v, k) => (hasOwn(v, k) ? v[k] : undefined);",
      "const off = (o, i) => o.absent !== null && o.absent[i];",
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
    this.out.push(`return [${refs.join(", ")}];`);
    return this.out.join("\n");
  }

  private check(ref: number): string {
    const t = this.table.types[ref];
    if (t === undefined) throw new Error(`validator table: no type ${ref}`);
    return "builtin" in t ? `s_${t.builtin}` : `t${ref}`;
  }

  private type(t: TypeEntry, i: number): void {
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
      `for (let i = 0; i < v.length; i++) { const f = ${this.check(element)}(v[i], o); if (f !== undefined) return at(f, i); }`,
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
    const tag = t.tag === undefined ? "" : `own(v, ${lit(t.tag)})`;
    // mN: members in order, then the chosen variant's members.
    const m: string[] = [`function m${i}(v, o) {`, "let f;"];
    t.members.forEach(([name, type, flags, cond], k) => {
      const key = lit(name);
      const present: string[] = [];
      if (cond >= 0) present.push(`if (off(o, ${cond})) return unexpected(${key});`);
      if (flags & DEPRECATED)
        present.push(`if (o.deprecated) return refusedMember("Deprecated", ${key});`);
      if (flags & UNSTABLE)
        present.push(`if (o.unstable) return refusedMember("Unstable", ${key});`);
      present.push(`if ((f = ${this.check(type)}(p${k}, o)) !== undefined) return at(f, ${key});`);
      m.push(`const p${k} = own(v, ${key});`);
      if (flags & OPTIONAL) m.push(`if (p${k} !== undefined) { ${present.join(" ")} }`);
      else if (cond < 0) m.push(`if (p${k} === undefined) return missing(${key});`, ...present);
      // Mandatory where the condition holds; absent (so unexpected) elsewhere.
      else
        m.push(
          `if (p${k} === undefined) { if (!off(o, ${cond})) return missing(${key}); } else { ${present.join(" ")} }`,
        );
    });
    if (variants.length) {
      m.push(`switch (${tag}) {`);
      for (const [value, type, cond] of variants) {
        const absent = cond >= 0 ? `if (off(o, ${cond})) return undefined; ` : "";
        m.push(`case ${lit(value)}: ${absent}return m${type}(v, o);`);
      }
      m.push("}");
    }
    m.push("return undefined;", "}");
    // kN: whether a key is a member (QEMU reports any other as unexpected).
    const k: string[] = [`function k${i}(v, k) {`];
    if (t.members.length) {
      k.push(
        "switch (k) {",
        ...t.members.map(([name]) => `case ${lit(name)}:`),
        "return true;",
        "}",
      );
    }
    if (variants.length) {
      k.push(`switch (${tag}) {`);
      for (const [value, type] of variants) k.push(`case ${lit(value)}: return k${type}(v, k);`);
      k.push("}");
    }
    k.push("return false;", "}");
    this.out.push(
      ...m,
      ...k,
      `function t${i}(v, o) {`,
      `if (!isObject(v)) return typeError("object");`,
      `const f = m${i}(v, o);`,
      "if (f !== undefined || o.lax) return f;",
      `for (const k in v) { if (hasOwn(v, k) && v[k] !== undefined && !k${i}(v, k)) return unexpected(k); }`,
      "return undefined;",
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
