// Shape checks on the parser's raw definitions, before any type is resolved, driven by the key
// table of keywords.ts: which keys each meta-type takes, what their values must look like, naming
// rules, where 'if' and features may appear. A definition that passes comes out typed (a
// DefinitionSpec: shorthands expanded, conditions as Conditions), which is all the model builder
// reads. Messages are QEMU 10.2's, word for word (tests/qapi-schema/*.err), and so is the order
// of the checks, so that the first error is QEMU's. Where QEMU's generator has no message (it
// fails with a Python exception), the message follows QEMU's wording for the same rule.
// Under --compat, the legacy dialect (C-preprocessor conditions, simple unions, enum values with
// underscores) is accepted with a warning and read as the current form.

import type { DefinitionExpr, Plain, PlainDict } from "./ast.ts";
import type { Condition } from "../runtime/conditions.ts";
import { DocError, docWarningKind, type QAPIDoc } from "./doc.ts";
import { legacyUse, type DiagnosticSink } from "./diagnostics.ts";
import {
  DEFINITION_KEYS,
  INCOMPATIBLE_FLAGS,
  MEMBER_KEYS,
  META_TYPES,
  SIMPLE_UNION_KEYS,
  type BranchSpec,
  type Checked,
  type EnumValueSpec,
  type FeatureSpec,
  type KeySpec,
  type MemberSpec,
  type MetaType,
  type Shape,
  type ShapeValues,
  type TypeRef,
} from "./keywords.ts";
import { legacyConditionToModern } from "./legacy-conditions.ts";
import { checkDefinitionName, checkMemberName, checkNameIsStr, checkNameLower } from "./naming.ts";
import { QAPIError, excerpt, type SourceInfo } from "./source.ts";

export interface ExprCheckOptions {
  compat: boolean;
  sink: DiagnosticSink;
}

interface Common {
  info: SourceInfo;
  /** null when there is none, or it had an error (docFailed). */
  doc: QAPIDoc | null;
  docFailed: boolean;
}

/** A checked definition: its meta-type, and the table's fields for it (keywords.ts). */
export type DefinitionSpec =
  | { [M in MetaType]: Common & { meta: M } & Checked<(typeof DEFINITION_KEYS)[M]> }[MetaType]
  | (Common & { meta: "simple-union" } & Checked<typeof SIMPLE_UNION_KEYS>);

export type { BranchSpec, EnumValueSpec, FeatureSpec, MemberSpec, TypeRef };

/** What every shape check gets: where, and the definition (some keys depend on others). */
interface Ctx extends ExprCheckOptions {
  info: SourceInfo;
  expr: PlainDict;
  name: string;
}

const isStr = (v: Plain | undefined): v is string => typeof v === "string";
const isDict = (v: Plain | undefined): v is PlainDict => v instanceof Map;
/** Python's truth value, which QEMU's checks use (empty strings, lists and objects are false). */
const truthy = (v: Plain | undefined): boolean =>
  v === undefined
    ? false
    : typeof v === "string" || Array.isArray(v)
      ? v.length > 0
      : isDict(v)
        ? v.size > 0
        : v;

function fail(ctx: Ctx, message: string): never {
  throw new QAPIError(ctx.info, message);
}

// ---------------------------------------------------------------------------------------------
// The key table, compiled once per list of keys

interface CompiledKeys {
  specs: readonly KeySpec[];
  /** Each spec's name in messages: "'data'". */
  quoted: string[];
  required: string[];
  optional: string[];
}

const compiled = new Map<readonly KeySpec[], CompiledKeys>();
function compile(specs: readonly KeySpec[]): CompiledKeys {
  let c = compiled.get(specs);
  if (!c) {
    c = {
      specs,
      quoted: specs.map((s) => `'${s.key}'`),
      required: specs.filter((s) => s.required).map((s) => s.key),
      optional: specs.filter((s) => !s.required).map((s) => s.key),
    };
    compiled.set(specs, c);
  }
  return c;
}

function quoteSorted(names: Iterable<string>): string {
  return [...names]
    .sort()
    .map((e) => `'${excerpt(e)}'`)
    .join(", ");
}

function checkKeys(value: PlainDict, ctx: Ctx, source: string, keys: CompiledKeys): void {
  const { required, optional } = keys;
  // Fast path without allocation: all required keys present, and no other keys than the known
  // ones present (the lists are disjoint, so counting tells).
  let ok = true;
  let known = 0;
  for (let i = 0; i < required.length; i++) {
    if (value.has(required[i]!)) known++;
    else ok = false;
  }
  for (let i = 0; i < optional.length; i++) if (value.has(optional[i]!)) known++;
  if (ok && known === value.size) return;
  const missing = required.filter((k) => !value.has(k));
  if (missing.length)
    fail(ctx, `${source} misses key${missing.length > 1 ? "s" : ""} ${quoteSorted(missing)}`);
  const allowed = new Set([...required, ...optional]);
  const unknown = [...value.keys()].filter((k) => !allowed.has(k));
  fail(
    ctx,
    `${source} has unknown key${unknown.length > 1 ? "s" : ""} ${quoteSorted(unknown)}\n` +
      `Valid keys are ${quoteSorted(allowed)}.`,
  );
}

/** A rule for a name just checked to be a string (enum values, features), or null. */
type NameRule = ((name: string, source: string, ctx: Ctx) => void) | null;

/**
 * Checks an object against a list of keys: unknown and missing keys, then each key's value in
 * the list's order. Returns the fields; `skip` is a key checked already (a definition's name).
 */
function checkKeyed<K extends readonly KeySpec[]>(
  owner: PlainDict,
  keys: K,
  source: string,
  ctx: Ctx,
  nameRule: NameRule = null,
  skip: string | null = null,
): Checked<K> {
  const c = compile(keys);
  checkKeys(owner, ctx, source, c);
  const specs = c.specs;
  const out: Record<string, unknown> = {};
  for (let i = 0; i < specs.length; i++) {
    const spec = specs[i]!;
    if (spec.typeFirst) {
      const value = owner.get(spec.key);
      if (value !== undefined) SHAPES[spec.shape].type?.(value, c.quoted[i]!, ctx);
    }
  }
  for (let i = 0; i < specs.length; i++) {
    const spec = specs[i]!;
    if (spec.key === skip) continue;
    const shape: ShapeCheck = SHAPES[spec.shape];
    const where = spec.ownerSource || spec.shape === "cond" ? source : c.quoted[i]!;
    const value = owner.get(spec.key);
    const result =
      value !== undefined
        ? shape.check(value, where, ctx)
        : shape.absent
          ? shape.absent(where, ctx)
          : (spec.default ?? null);
    out[spec.field] = result;
    if (spec.shape === "name" && spec.ownerSource) {
      // Once named, messages name it.
      source = `${source} '${excerpt(result as string)}'`;
      nameRule?.(result as string, source, ctx);
    }
  }
  return out as Checked<K>;
}

// ---------------------------------------------------------------------------------------------
// Shapes

interface ShapeCheck<S extends Shape = Shape> {
  check(value: Plain, source: string, ctx: Ctx): ShapeValues[S];
  /** For keys whose absence is checked too; else an absent key gets its default. */
  absent?(source: string, ctx: Ctx): ShapeValues[S] | null;
  /** The check of the value's JSON type alone (see KeySpec.typeFirst). */
  type?(value: Plain, source: string, ctx: Ctx): void;
}

function typeName(value: Plain, source: string, ctx: Ctx): string {
  if (!isStr(value)) fail(ctx, `${source} should be a type name`);
  return value;
}

function typeRef(value: Plain, source: string, ctx: Ctx): TypeRef {
  if (isStr(value)) return { name: value, array: false };
  if (!Array.isArray(value)) fail(ctx, `${source} should be a type name or array`);
  const [element] = value;
  if (value.length !== 1 || !isStr(element))
    fail(ctx, `${source}: array type must contain single type name`);
  return { name: element, array: true };
}

/** A shorthand value ('int', ['int']) as the object it stands for ({ 'type': 'int' }). */
function expand(value: Plain, key: string): PlainDict {
  return isDict(value) ? value : new Map<string, Plain>().set(key, value);
}

/**
 * Members: `{ 'name': TYPE-REF }` or `{ 'name': { 'type': ..., 'if': ..., 'features': ... } }`,
 * '*' before an optional member's name. `implicitName`: the implicit type they make, which older
 * releases' member-name-exceptions named (accepted under compat).
 */
function members(
  value: PlainDict,
  source: string,
  ctx: Ctx,
  parentName: string | null,
  implicitName: string | null,
): MemberSpec[] {
  const exceptions = ctx.info.pragma.memberNameExceptions;
  let permissive = parentName !== null && exceptions.includes(parentName);
  if (!permissive && ctx.compat && implicitName !== null && exceptions.includes(implicitName)) {
    legacyUse(
      ctx,
      ctx.info,
      "implicit-exception",
      "member name exceptions naming implicit types are a legacy form (QEMU before 6.2)",
    );
    permissive = true;
  }
  const out: MemberSpec[] = [];
  // forEach rather than for-of: this runs for every member, and cold code allocates per step
  value.forEach((arg, rawKey) => {
    const keySource = `${source} member '${excerpt(rawKey)}'`;
    const optional = rawKey.startsWith("*");
    const name = optional ? rawKey.slice(1) : rawKey;
    checkMemberName(name, ctx.info, keySource, ctx, permissive);
    const m = checkKeyed(expand(arg, "type"), MEMBER_KEYS.member, keySource, ctx) as MemberSpec;
    m.name = name;
    m.optional = optional;
    out.push(m);
  });
  return out;
}

function objectOrTypeName(value: Plain, source: string, ctx: Ctx): PlainDict | string {
  if (!isStr(value) && !isDict(value)) fail(ctx, `${source} should be an object or type name`);
  return value;
}

/** Branches of a union or an alternate, by name. */
function branches(
  value: PlainDict,
  source: string,
  keys: (typeof MEMBER_KEYS)["branch" | "legacy-branch" | "alternative"],
  ctx: Ctx,
  checkName: boolean,
): BranchSpec[] {
  const out: BranchSpec[] = [];
  value.forEach((v, name) => {
    const branchSource = `${source} member '${excerpt(name)}'`;
    if (checkName) checkNameLower(name, ctx.info, branchSource, ctx);
    const b = checkKeyed(expand(v, "type"), keys, branchSource, ctx);
    const type = typeof b.type === "string" ? { name: b.type, array: false } : b.type;
    out.push({ name, ifcond: b.ifcond, type });
  });
  return out;
}

function checkEnumValueName(name: string, source: string, ctx: Ctx): void {
  const permissive = ctx.info.pragma.memberNameExceptions.includes(ctx.name);
  // Enum values may start with a digit: check the rest as if it were a letter.
  const checked = /^\d/.test(name) ? "d" + name : name;
  checkNameLower(checked, ctx.info, source, ctx, permissive, permissive);
}

function checkFeatureName(name: string, source: string, ctx: Ctx): void {
  checkNameLower(name, ctx.info, source, ctx);
}

const IF_IDENT = /^[A-Z][A-Z0-9_]*$/;

/** A condition in the schema's syntax, checked and returned as one (runtime/conditions.ts). */
function condition(cond: Plain, source: string, ctx: Ctx): Condition {
  if (isStr(cond)) {
    if (!IF_IDENT.test(cond))
      fail(ctx, `'if' condition '${excerpt(cond)}' of ${source} is not a valid identifier`);
    return cond;
  }
  if (!isDict(cond)) fail(ctx, `'if' condition of ${source} must be a string or an object`);
  checkKeys(cond, ctx, `'if' condition of ${source}`, IF_OPERATORS);
  if (cond.size !== 1) fail(ctx, `'if' condition of ${source} has conflicting keys`);
  const not = cond.get("not");
  if (not !== undefined) return { not: condition(not, source, ctx) };
  const op = cond.has("all") ? "all" : "any";
  const operands = cond.get(op)!;
  if (!Array.isArray(operands)) fail(ctx, `'${op}' condition of ${source} must be an array`);
  if (!operands.length) fail(ctx, `'if' condition [] of ${source} is useless`);
  const args = operands.map((o) => condition(o, source, ctx));
  return op === "all" ? { all: args } : { any: args };
}
const IF_OPERATORS: CompiledKeys = {
  specs: [],
  quoted: [],
  required: [],
  optional: ["all", "any", "not"],
};

function flag<S extends "true" | "false">(expected: boolean): ShapeCheck<S> {
  return {
    check(value, source, ctx) {
      if (value !== expected) fail(ctx, `flag ${source} may only use ${expected} value`);
      return expected;
    },
  };
}

const SHAPES: { [S in Shape]: ShapeCheck<S> } = {
  string: {
    check(value, source, ctx) {
      if (!isStr(value)) fail(ctx, `${source} must be a string`);
      return value;
    },
  },
  name: {
    check(value, source, ctx) {
      checkNameIsStr(value, ctx.info, source);
      return value;
    },
  },
  "type-name": { check: typeName },
  "type-ref": { check: typeRef },
  members: {
    check(value, source, ctx) {
      // (QEMU's generator accepts a type name here, then fails: a struct's 'data' is members.)
      if (isStr(value)) fail(ctx, `${source} should be an object`);
      const v = objectOrTypeName(value, source, ctx) as PlainDict;
      return members(v, source, ctx, ctx.name, null);
    },
  },
  "members-or-type-name": {
    check(value, source, ctx) {
      const v = objectOrTypeName(value, source, ctx);
      return isStr(v) ? v : members(v, source, ctx, ctx.name, `q_obj_${ctx.name}-base`);
    },
  },
  arguments: {
    check(value, source, ctx) {
      if (truthy(ctx.expr.get("boxed"))) return typeName(value, source, ctx);
      const v = objectOrTypeName(value, source, ctx);
      return isStr(v) ? v : members(v, source, ctx, null, `q_obj_${ctx.name}-arg`);
    },
    absent(source, ctx) {
      if (truthy(ctx.expr.get("boxed"))) fail(ctx, `'boxed': true requires ${source}`);
      return null;
    },
  },
  "enum-values": {
    type(value, source, ctx) {
      if (!Array.isArray(value)) fail(ctx, `${source} must be an array`);
    },
    check(value, source, ctx) {
      this.type!(value, source, ctx);
      const out: EnumValueSpec[] = [];
      for (const v of value as Plain[])
        out.push(
          checkKeyed(
            expand(v, "name"),
            MEMBER_KEYS["enum-value"],
            `${source} member`,
            ctx,
            checkEnumValueName,
          ),
        );
      return out;
    },
  },
  branches: {
    check(value, source, ctx) {
      if (!isDict(value)) fail(ctx, `${source} must be an object`);
      return branches(value, source, MEMBER_KEYS.branch, ctx, false);
    },
  },
  "legacy-branches": {
    check(value, source, ctx) {
      if (!isDict(value)) fail(ctx, `${source} must be an object`);
      return branches(value, source, MEMBER_KEYS["legacy-branch"], ctx, false);
    },
  },
  alternatives: {
    check(value, source, ctx) {
      if (!truthy(value)) fail(ctx, `${source} must not be empty`);
      if (!isDict(value)) fail(ctx, `${source} must be an object`);
      return branches(value, source, MEMBER_KEYS.alternative, ctx, true);
    },
  },
  cond: {
    check(value, source, ctx) {
      if (ctx.compat) {
        const modern = legacyConditionToModern(value);
        if (modern !== null) {
          legacyUse(
            ctx,
            ctx.info,
            "if",
            "C preprocessor 'if' conditions are a legacy form (QEMU before 6.2)",
          );
          return modern;
        }
      }
      return condition(value, source, ctx);
    },
  },
  features: {
    check(value, _source, ctx) {
      if (!Array.isArray(value)) fail(ctx, "'features' must be an array");
      const out: FeatureSpec[] = [];
      for (const f of value)
        out.push(
          checkKeyed(
            expand(f, "name"),
            MEMBER_KEYS.feature,
            "'features' member",
            ctx,
            checkFeatureName,
          ),
        );
      return out;
    },
  },
  true: flag(true),
  false: flag(false),
};

// ---------------------------------------------------------------------------------------------
// Definitions

/** A union with neither 'base' nor 'discriminator' (QEMU before 6.2), accepted under compat. */
function isLegacySimpleUnion(expr: PlainDict, opts: { compat: boolean }): boolean {
  return opts.compat && !expr.has("base") && !expr.has("discriminator");
}

const META_LIST = META_TYPES.map((m) => `'${m}'`).join(", ");

/**
 * Checks one definition; sets its SourceInfo's definition (for "In struct 'X':" headers).
 * Throws the first error in its shape (QEMU's); an error in its documentation goes to the sink
 * (in collect mode the definition is still checked and built, without documentation checks).
 */
export function checkDefinition(e: DefinitionExpr, opts: ExprCheckOptions): DefinitionSpec {
  const { plain: expr, info } = e;
  let meta: MetaType | null = null;
  let metas = 0;
  for (let i = 0; i < META_TYPES.length; i++) {
    if (expr.has(META_TYPES[i]!)) {
      meta = META_TYPES[i]!;
      metas++;
    }
  }
  if (metas !== 1 || meta === null)
    throw new QAPIError(info, `expression must have exactly one key ${META_LIST}`);
  const name = expr.get(meta);
  checkNameIsStr(name, info, `'${meta}'`);
  info.setDefn(meta, name);
  const ctx: Ctx = { compat: opts.compat, sink: opts.sink, info, expr, name };
  checkDefinitionName(name, info, meta, ctx);
  const docFailed = checkDoc(e, meta, name, ctx);

  const simple = meta === "union" && isLegacySimpleUnion(expr, opts);
  if (simple)
    legacyUse(
      ctx,
      info,
      "simple-union",
      "simple unions (no 'base' or 'discriminator') are a legacy form (QEMU before 6.2)",
    );
  const keys = simple ? SIMPLE_UNION_KEYS : DEFINITION_KEYS[meta];
  const checked = checkKeyed(expr, keys, meta, ctx, null, meta);
  for (const [a, b] of INCOMPATIBLE_FLAGS[meta] ?? [])
    if (expr.has(a) && expr.has(b)) fail(ctx, `flags '${a}' and '${b}' are incompatible`);
  return {
    ...checked,
    name,
    meta: simple ? "simple-union" : meta,
    info,
    doc: docFailed ? null : e.doc,
    docFailed,
  } as DefinitionSpec;
}

/**
 * The doc comment against its definition. Returns whether it failed (the error is reported): its
 * definition is then built without documentation checks.
 */
function checkDoc(e: DefinitionExpr, meta: MetaType, name: string, ctx: Ctx): boolean {
  const doc = e.doc;
  if (e.docFailed) return true;
  try {
    if (doc) {
      if (doc.symbol !== name)
        throw new DocError(e.info, `documentation comment is for '${excerpt(doc.symbol ?? "")}'`);
      try {
        doc.checkExpr(meta, e.plain.has("returns"));
      } catch (err) {
        // Older releases' doc comments break rules QEMU 10.2 added: a warning under compat.
        if (!(err instanceof DocError) || !ctx.compat) throw err;
        const d = err.diagnostic;
        ctx.sink.warn(
          { ...d, severity: "warning", message: `${d.message} (accepted by --compat)` },
          docWarningKind(d.message),
        );
      }
    } else if (e.info.pragma.docRequired)
      throw new DocError(e.info, "documentation comment required");
  } catch (err) {
    if (!(err instanceof DocError)) throw err;
    ctx.sink.error(err);
    return true;
  }
  return false;
}
