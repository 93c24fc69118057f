// The validators back end: one JavaScript module of straight-line checks, one function per
// type, with QEMU's QMP input rules and messages (see templates/validators.js.hbs for the
// support code and entry points), plus a declaration file for its API.
//
// Why JavaScript plus .d.ts rather than TypeScript: `qapi-ts validate` must run the very code
// users get, in-process, and the CLI has no TypeScript compiler at run time.
//
// Per object type X the module has m_X (members and branches, in QEMU's visiting order), k_X
// (is a key one of X's members, given the branch chosen) and t_X (object check, m_X, then
// unknown members). Enums get e_X, arrays a_X; built-ins are support functions.

import Handlebars from "handlebars";
import type { Backend, BackendOptions, GeneratedFile } from "../backend.ts";
import { conditionHolds, type Condition } from "../../runtime/conditions.ts";
import type {
  AlternateType,
  ArrayType,
  Branch,
  EnumType,
  Feature,
  ObjectMember,
  ObjectType,
  SchemaModel,
  Type,
} from "../model.ts";
import { generatedHeader, VALIDATORS_DTS, VALIDATORS_JS } from "./names.ts";
import { jsKey, printJs, type Literal } from "./pretty-literal.ts";
import jsTemplateSource from "./templates/validators.js.hbs";
import dtsTemplateSource from "./templates/validators.d.ts.hbs";

export { VALIDATORS_DTS, VALIDATORS_JS };

const WIDTH = 80;
/**
 * Longer generated function names are shortened, so that statements such as
 * `return m_<name>(v, o);` always fit prettier's 80 columns and need no breaking.
 */
const MAX_IDENT = 36;

/** Support functions checking the built-in types (see the template). */
const BUILTIN_CHECKS: Record<string, string> = {
  str: "str",
  number: "num",
  int: "i64",
  int8: "i8",
  int16: "i16",
  int32: "i32",
  int64: "i64",
  uint8: "u8",
  uint16: "u16",
  uint32: "u32",
  uint64: "u64",
  size: "size",
  bool: "bool",
  null: "nul",
  any: "any",
};

/** The JSON type a value of an alternate's branch has, as QEMU's QType tells them apart. */
function alternateJsonType(t: Type): string {
  switch (t.meta) {
    case "enum":
      return "string";
    case "array":
      return "array";
    case "object":
      return "object";
    case "alternate":
      return "other";
    case "builtin":
      switch (t.jsonType) {
        case "int":
        case "number":
          return "number";
        case "value":
          return "other";
        default:
          return t.jsonType;
      }
  }
}

let jsTemplate: HandlebarsTemplateDelegate | undefined;
let dtsTemplate: HandlebarsTemplateDelegate | undefined;

export const validatorsBackend: Backend = (
  model: SchemaModel,
  options: BackendOptions,
): GeneratedFile[] => {
  jsTemplate ??= Handlebars.compile(jsTemplateSource, { noEscape: true, strict: true });
  dtsTemplate ??= Handlebars.compile(dtsTemplateSource, { noEscape: true, strict: true });
  const header = generatedHeader(options.schemaFile);
  const gen = new ValidatorEmitter(model, options.defines);
  gen.run();
  const configurationNote = options.defines
    ? [
        `Generated for one configuration (${[...options.defines].sort().join(" ") || "no symbol defined"}):`,
        "what its conditions exclude does not exist here, and the `defines` option has no effect.",
      ]
    : ["Every conditional part is accepted unless the `defines` option names the build's symbols."];
  const js = jsTemplate({
    header,
    configurationNote,
    conds: printJs(gen.conds, 0, "const CONDS = ".length, 1),
    body: gen.body.join(""),
    commandArgs: table(gen.commandArgs, "const COMMAND_ARGS = "),
    commandReturns: table(gen.commandReturns, "const COMMAND_RETURNS = "),
    commandFeatures: table(gen.commandFeatures, "const COMMAND_FEATURES = "),
    conditional: table(gen.conditional, "const CONDITIONAL = "),
    events: table(gen.events, "const EVENTS = "),
    types: table(gen.types, "const TYPES = "),
  });
  return [
    { path: VALIDATORS_JS, content: js },
    { path: VALIDATORS_DTS, content: dtsTemplate({ header }) },
  ];
};

/** An object literal whose values are identifiers or numbers, as prettier prints it. */
function table(entries: [string, string][], lead: string): string {
  if (entries.length === 0) return "{}";
  const flat = `{ ${entries.map(([k, v]) => `${jsKey(k)}: ${v}`).join(", ")} }`;
  if (lead.length + flat.length + 1 <= WIDTH) return flat;
  const lines = entries.map(([k, v]) => {
    const line = `  ${jsKey(k)}: ${v},`;
    return line.length <= WIDTH ? line : `  ${jsKey(k)}:\n    ${v},`;
  });
  return `{\n${lines.join("\n")}\n}`;
}

/** `if (cond) stmt;` as prettier lays it out: one line when it fits, else stmt on the next. */
function ifLine(indent: string, cond: string, stmt: string): string {
  const one = `${indent}if (${cond}) ${stmt}\n`;
  return one.length - 1 <= WIDTH ? one : `${indent}if (${cond})\n${indent}  ${stmt}\n`;
}

function specialFeatures(features: Feature[], defines: ReadonlySet<string> | null): Set<string> {
  const out = new Set<string>();
  for (const f of features) {
    if (f.isSpecial && (defines === null || conditionHolds(f.ifcond, defines))) out.add(f.name);
  }
  return out;
}

/** Keys that plain objects inherit: reading them must check for an own property. */
function inherited(name: string): boolean {
  return name in Object.prototype;
}

class ValidatorEmitter {
  readonly body: string[] = [];
  readonly conds: Literal[] = [];
  readonly commandArgs: [string, string][] = [];
  readonly commandReturns: [string, string][] = [];
  readonly commandFeatures: [string, string][] = [];
  readonly conditional: [string, string][] = [];
  readonly events: [string, string][] = [];
  readonly types: [string, string][] = [];

  private readonly idents = new Map<string, string>();
  private readonly takenIdents = new Set<string>();
  private readonly condIndex = new Map<string, number>();
  /** Array checks emitted on demand, by element check. */
  private readonly arrays = new Map<string, string>();
  private readonly keyFns = new Set<string>();

  constructor(
    private readonly model: SchemaModel,
    private readonly defines: ReadonlySet<string> | null,
  ) {}

  /** Present in this configuration (always, when conditions are left to run time). */
  private exists(c: Condition | null): boolean {
    return this.defines === null || conditionHolds(c, this.defines);
  }

  /** Index of a run-time condition, or null when there is nothing to check at run time. */
  private runtimeCond(c: Condition | null): number | null {
    if (c === null || this.defines !== null) return null;
    const lit = c as Literal;
    const key = JSON.stringify(lit);
    let i = this.condIndex.get(key);
    if (i === undefined) {
      i = this.conds.length;
      this.conds.push(lit);
      this.condIndex.set(key, i);
    }
    return i;
  }

  private ident(prefix: string, qapiName: string): string {
    const key = `${prefix}:${qapiName}`;
    let id = this.idents.get(key);
    if (id) return id;
    let base = `${prefix}_${qapiName.replace(/[^A-Za-z0-9_]/g, "_")}`;
    if (base.length > MAX_IDENT) base = base.slice(0, MAX_IDENT - 4);
    id = base;
    for (let n = 2; this.takenIdents.has(id); n++) id = `${base}_${n}`;
    this.takenIdents.add(id);
    this.idents.set(key, id);
    return id;
  }

  /** The function checking a value of type t. */
  private check(t: Type): string {
    switch (t.meta) {
      case "builtin": {
        const fn = BUILTIN_CHECKS[t.name];
        if (!fn) throw new Error(`no check for built-in type ${t.name}`);
        return fn;
      }
      case "enum":
        return this.ident("e", t.name);
      case "object":
      case "alternate":
        return this.ident("t", t.name);
      case "array":
        return this.arrayCheck(t);
    }
  }

  private arrayCheck(t: ArrayType): string {
    const el = this.check(t.elementType);
    let fn = this.arrays.get(el);
    if (fn) return fn;
    fn = this.ident("a", el);
    this.arrays.set(el, fn);
    const call = `const f = ${el}(v[i], o);`;
    this.body.push(
      `\nfunction ${fn}(v, o) {\n` +
        `  if (!Array.isArray(v)) return typeErr("array");\n` +
        `  for (let i = 0; i < v.length; i++) {\n` +
        (call.length + 4 <= WIDTH ? `    ${call}\n` : `    const f =\n      ${el}(v[i], o);\n`) +
        `    if (f !== undefined) return at(f, i);\n` +
        `  }\n` +
        `  return undefined;\n}\n`,
    );
    return fn;
  }

  run(): void {
    for (const e of this.model.entities) {
      if (!this.exists(e.ifcond)) continue;
      const cond = this.runtimeCond(e.ifcond);
      switch (e.meta) {
        case "enum":
          this.emitEnum(e);
          break;
        case "object":
          this.emitObject(e);
          break;
        case "alternate":
          this.emitAlternate(e);
          break;
        case "command": {
          const args = e.argType ? this.check(e.argType) : "emptyObject";
          this.commandArgs.push([e.name, args]);
          this.commandReturns.push([e.name, e.retType ? this.check(e.retType) : "emptyObject"]);
          const special = specialFeatures(e.features, this.defines);
          const bits = (special.has("deprecated") ? 1 : 0) | (special.has("unstable") ? 2 : 0);
          if (bits) this.commandFeatures.push([e.name, String(bits)]);
          break;
        }
        case "event":
          this.events.push([e.name, e.argType ? this.check(e.argType) : "noData"]);
          break;
        default:
          break;
      }
      if (cond !== null && (e.meta === "command" || e.meta === "event" || !e.isImplicit)) {
        this.conditional.push([e.name, String(cond)]);
      }
      if (e.meta !== "command" && e.meta !== "event" && !e.isImplicit && e.meta !== "array") {
        this.types.push([e.name, this.check(e)]);
      }
    }
  }

  private emitEnum(t: EnumType): void {
    const fn = this.check(t);
    const plain: string[] = [];
    const special: string[] = [];
    for (const m of t.members) {
      if (!this.exists(m.ifcond)) continue;
      const cond = this.runtimeCond(m.ifcond);
      const feats = specialFeatures(m.features, this.defines);
      const lines: string[] = [];
      if (cond !== null) lines.push(`      if (off(o, ${cond})) return badValue(v);\n`);
      if (feats.has("deprecated"))
        lines.push(`      if (o.dep) return policy("Deprecated", "value", [], v);\n`);
      if (feats.has("unstable"))
        lines.push(`      if (o.uns) return policy("Unstable", "value", [], v);\n`);
      const label = `    case ${JSON.stringify(m.name)}:\n`;
      if (lines.length === 0) plain.push(label);
      else special.push(label + lines.join("") + `      return undefined;\n`);
    }
    let cases = "";
    if (plain.length) cases += plain.join("") + `      return undefined;\n`;
    cases += special.join("");
    this.body.push(
      `\nfunction ${fn}(v, o) {\n` +
        `  if (typeof v !== "string") return typeErr("string");\n` +
        (cases ? `  switch (v) {\n${cases}  }\n` : "") +
        `  return badValue(v);\n}\n`,
    );
  }

  private liveMembers(t: ObjectType): ObjectMember[] {
    return t.members.filter((m) => this.exists(m.ifcond));
  }

  private liveVariants(t: ObjectType | AlternateType): Branch[] {
    return t.branches ? t.branches.variants.filter((b) => this.exists(b.ifcond)) : [];
  }

  /** Does m_X exist (are there members or branches to check)? */
  private hasMemberCheck(t: ObjectType): boolean {
    return this.liveMembers(t).length > 0 || this.liveVariants(t).length > 0;
  }

  private emitObject(t: ObjectType): void {
    const members = this.liveMembers(t);
    const variants = this.liveVariants(t);
    const m = this.ident("m", t.name);
    const k = this.ident("k", t.name);
    const fn = this.check(t);

    // m_X: members in order, then the chosen branch's members (QEMU's visiting order).
    if (members.length || variants.length) {
      let s = `\nfunction ${m}(v, o) {\n`;
      if (members.length) s += `  let f;\n`;
      members.forEach((mem, i) => (s += this.memberCheck(mem, `m${i}`)));
      const dispatched = variants.filter(
        (b) => b.type.meta === "object" && this.hasMemberCheck(b.type),
      );
      if (dispatched.length) {
        s += `  switch (${this.read(t.branches!.tagMember.name)}) {\n`;
        for (const b of dispatched) {
          s += `    case ${JSON.stringify(b.name)}:\n`;
          s += `      return ${this.ident("m", b.type.name)}(v, o);\n`;
        }
        s += `  }\n`;
      }
      s += `  return undefined;\n}\n`;
      this.body.push(s);
    }

    // k_X: QEMU reports any other member as unexpected.
    let ks = `\nfunction ${k}(v, k) {\n`;
    if (members.length) {
      ks += `  switch (k) {\n`;
      for (const mem of members) ks += `    case ${JSON.stringify(mem.name)}:\n`;
      ks += `      return true;\n  }\n`;
    }
    const keyed = variants.filter((b) => b.type.meta === "object" && this.hasMemberCheck(b.type));
    if (keyed.length) {
      ks += `  switch (${this.read(t.branches!.tagMember.name)}) {\n`;
      for (const b of keyed) {
        ks += `    case ${JSON.stringify(b.name)}:\n`;
        ks += `      return ${this.ident("k", b.type.name)}(v, k);\n`;
      }
      ks += `  }\n`;
    }
    ks += `  return false;\n}\n`;
    this.body.push(ks);

    let ts = `\nfunction ${fn}(v, o) {\n  if (!isObj(v)) return typeErr("object");\n`;
    if (members.length || variants.length) {
      ts += `  const f = ${m}(v, o);\n  if (f !== undefined || o.lax) return f;\n`;
    } else {
      ts += `  if (o.lax) return undefined;\n`;
    }
    ts += `  for (const k in v) {\n`;
    ts += ifLine("    ", `!${k}(v, k) && v[k] !== undefined`, "return unexpected(k);");
    ts += `  }\n  return undefined;\n}\n`;
    this.body.push(ts);
  }

  /** Reading a member: inherited names (e.g. `constructor`) must be own properties. */
  private read(name: string): string {
    return inherited(name) ? `own(v, ${JSON.stringify(name)})` : `v[${JSON.stringify(name)}]`;
  }

  private memberCheck(mem: ObjectMember, local: string): string {
    const name = JSON.stringify(mem.name);
    const cond = this.runtimeCond(mem.ifcond);
    const feats = specialFeatures(mem.features, this.defines);
    // The checks of a present member: condition, compat policy, then its type.
    const present = (ind: string): string => {
      let s = "";
      if (cond !== null) s += ifLine(ind, `off(o, ${cond})`, `return unexpected(${name});`);
      if (feats.has("deprecated")) s += ifLine(ind, `(f = depMember(o, ${name}))`, "return f;");
      if (feats.has("unstable")) s += ifLine(ind, `(f = unsMember(o, ${name}))`, "return f;");
      return (
        s +
        ifLine(
          ind,
          `(f = ${this.check(mem.type)}(${local}, o)) !== undefined`,
          `return at(f, ${name});`,
        )
      );
    };
    const s = `  const ${local} = ${this.read(mem.name)};\n`;
    if (mem.optional) return s + `  if (${local} !== undefined) {\n` + present("    ") + `  }\n`;
    if (cond === null)
      return s + ifLine("  ", `${local} === undefined`, `return missing(${name});`) + present("  ");
    // Mandatory where the condition holds; absent (so unexpected) elsewhere.
    return (
      s +
      `  if (${local} === undefined) {\n` +
      ifLine("    ", `!off(o, ${cond})`, `return missing(${name});`) +
      `  } else {\n` +
      present("    ") +
      `  }\n`
    );
  }

  private emitAlternate(t: AlternateType): void {
    const fn = this.check(t);
    let s = `\nfunction ${fn}(v, o) {\n  switch (jsonType(v)) {\n`;
    for (const b of this.liveVariants(t)) {
      s += `    case ${JSON.stringify(alternateJsonType(b.type))}:\n`;
      const cond = this.runtimeCond(b.ifcond);
      if (cond !== null) s += `      if (off(o, ${cond})) break;\n`;
      s += `      return ${this.check(b.type)}(v, o);\n`;
    }
    s += `  }\n  return typeErr(${JSON.stringify(t.name)});\n}\n`;
    this.body.push(s);
  }
}
