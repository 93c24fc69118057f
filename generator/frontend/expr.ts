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
import type { Condition } from "../../runtime/conditions.ts";
import { DocError, docWarningKind, type QAPIDoc } from "./doc-comments.ts";
import { legacyUse, type CheckContext } from "./diagnostics.ts";
import {
  CONDITION_KEYS,
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
import { QAPIError, excerpt, type SourceInfo } from "../model/source.ts";

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
interface Ctx extends CheckContext {
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

/** A key of the table, ready to check: its shape's functions, how messages name it. */
interface CompiledKey {
  key: string;
  shape: ShapeCheck;
  /** The source its messages name ("'data'"), or null for the owner's. */
  quoted: string | null;
  default: unknown;
  typeFirst: boolean;
  /** It names its owner: after it, messages name the owner by it. */
  names: boolean;
}

/** A list of keys, ready to check objects against (the type parameter: the list, for Checked). */
interface CompiledKeys<_K extends readonly KeySpec[] = readonly KeySpec[]> {
  keys: CompiledKey[];
  /** The fields' object from their values (`extra` fields first, null). */
  make: (values: unknown[]) => Record<string, unknown>;
  /** Where the keys' values go in `make`'s argument. */
  offset: number;
  hasTypeFirst: boolean;
  required: string[];
  optional: string[];
}

function compile<K extends readonly KeySpec[]>(specs: K, extra: string[] = []): CompiledKeys<K> {
  const fields = [...extra, ...specs.map((s) => s.field)];
  return {
    keys: specs.map((s) => ({
      key: s.key,
      shape: SHAPES[s.shape],
      quoted: s.ownerSource || s.shape === "cond" ? null : `'${s.key}'`,
      default: s.default ?? null,
      typeFirst: s.typeFirst ?? false,
      names: s.shape === "name" && (s.ownerSource ?? false),
    })),
    // One object literal per list of keys, made from the list: objects of one shape each, built
    // in one place each. Setting fields by name at one generic place (`out[field] = value`) makes
    // every object's construction, and every later read of one, several times slower.
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- field names from the key table
    make: new Function(
      "v",
      `return { ${fields.map((f, i) => `${JSON.stringify(f)}: v[${i}] ?? null`).join(", ")} };`,
    ) as (values: unknown[]) => Record<string, unknown>,
    offset: extra.length,
    hasTypeFirst: specs.some((s) => s.typeFirst),
    required: specs.filter((s) => s.required).map((s) => s.key),
    optional: specs.filter((s) => !s.required).map((s) => s.key),
  };
}

function quoteSorted(names: Iterable<string>): string {
  return [...names]
    .sort()
    .map((e) => `'${excerpt(e)}'`)
    .join(", ");
}

function checkKeys(
  value: PlainDict,
  ctx: Ctx,
  source: string,
  keys: { required: string[]; optional: string[] },
): void {
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
 * the list's order. Returns the fields. A value that is not an object is the shorthand for
 * `{ shortKey: value }` (a member's type, a value's name). `skip`: a key checked already (a
 * definition's name).
 */
function checkKeyed<K extends readonly KeySpec[]>(
  value: Plain,
  shortKey: string | null,
  c: CompiledKeys<K>,
  source: string,
  ctx: Ctx,
  nameRule: NameRule = null,
  skip: string | null = null,
): Checked<K> {
  // (The shorthand is not made into a Map: most members are written that way.)
  let dict: PlainDict | null = isDict(value) ? value : null;
  if (!dict && !(c.required.length === 1 && c.required[0] === shortKey))
    dict = new Map([[shortKey!, value]]);
  if (dict) checkKeys(dict, ctx, source, c);
  const keys = c.keys;
  const values = new Array<unknown>(c.offset + keys.length);
  if (c.hasTypeFirst)
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const v = dict ? dict.get(k.key) : k.key === shortKey ? value : undefined;
      if (k.typeFirst && v !== undefined) k.shape.type!(v, k.quoted ?? source, ctx);
    }
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    if (k.key === skip) continue;
    const where = k.quoted ?? source;
    const v = dict ? dict.get(k.key) : k.key === shortKey ? value : undefined;
    const result =
      v !== undefined
        ? k.shape.check(v, where, ctx)
        : k.shape.absent
          ? k.shape.absent(where, ctx)
          : k.default;
    values[c.offset + i] = result;
    if (k.names) {
      // Once named, messages name it.
      source = `${source} '${excerpt(result as string)}'`;
      nameRule?.(result as string, source, ctx);
    }
  }
  return c.make(values) as Checked<K>;
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
  if (isStr(value)) return value;
  if (!Array.isArray(value)) fail(ctx, `${source} should be a type name or array`);
  if (value.length !== 1 || !isStr(value[0]))
    fail(ctx, `${source}: array type must contain single type name`);
  return value as [string];
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
    const m = checkKeyed(arg, "type", MEMBER, keySource, ctx) as MemberSpec;
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
  keys: CompiledKeys<(typeof MEMBER_KEYS)["branch" | "legacy-branch" | "alternative"]>,
  ctx: Ctx,
  checkName: boolean,
): BranchSpec[] {
  const out: BranchSpec[] = [];
  value.forEach((v, name) => {
    const branchSource = `${source} member '${excerpt(name)}'`;
    if (checkName) checkNameLower(name, ctx.info, branchSource, ctx);
    const b = checkKeyed(v, "type", keys, branchSource, ctx) as BranchSpec;
    b.name = name;
    out.push(b);
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
const IF_OPERATORS = { required: [], optional: [...CONDITION_KEYS] };

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
        out.push(checkKeyed(v, "name", ENUM_VALUE, `${source} member`, ctx, checkEnumValueName));
      return out;
    },
  },
  branches: {
    check(value, source, ctx) {
      if (!isDict(value)) fail(ctx, `${source} must be an object`);
      return branches(value, source, BRANCH, ctx, false);
    },
  },
  "legacy-branches": {
    check(value, source, ctx) {
      if (!isDict(value)) fail(ctx, `${source} must be an object`);
      return branches(value, source, LEGACY_BRANCH, ctx, false);
    },
  },
  alternatives: {
    check(value, source, ctx) {
      if (!truthy(value)) fail(ctx, `${source} must not be empty`);
      if (!isDict(value)) fail(ctx, `${source} must be an object`);
      return branches(value, source, ALTERNATIVE, ctx, true);
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
        out.push(checkKeyed(f, "name", FEATURE, "'features' member", ctx, checkFeatureName));
      return out;
    },
  },
  true: flag(true),
  false: flag(false),
};

const MEMBER = compile(MEMBER_KEYS.member, ["name", "optional"]);
const ENUM_VALUE = compile(MEMBER_KEYS["enum-value"]);
const BRANCH = compile(MEMBER_KEYS.branch, ["name"]);
const LEGACY_BRANCH = compile(MEMBER_KEYS["legacy-branch"], ["name"]);
const ALTERNATIVE = compile(MEMBER_KEYS.alternative, ["name"]);
const FEATURE = compile(MEMBER_KEYS.feature);
const DEFINITION_EXTRA = ["meta", "info", "doc", "docFailed"];
const DEFINITIONS = new Map(
  META_TYPES.map((m) => [m, compile(DEFINITION_KEYS[m] as readonly KeySpec[], DEFINITION_EXTRA)]),
);
const SIMPLE_UNION = compile(SIMPLE_UNION_KEYS, DEFINITION_EXTRA);

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
export function checkDefinition(e: DefinitionExpr, opts: CheckContext): DefinitionSpec {
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
  const keys = simple ? SIMPLE_UNION : DEFINITIONS.get(meta)!;
  const checked = checkKeyed(expr, null, keys, meta, ctx, null, meta);
  for (const [a, b] of INCOMPATIBLE_FLAGS[meta] ?? [])
    if (expr.has(a) && expr.has(b)) fail(ctx, `flags '${a}' and '${b}' are incompatible`);
  const d = checked as Record<string, unknown>;
  d.name = name;
  d.meta = simple ? "simple-union" : meta;
  d.info = info;
  d.doc = docFailed ? null : e.doc;
  d.docFailed = docFailed;
  return d as unknown as DefinitionSpec;
}

/**
 * The doc comment against its definition; errors go to the sink. Returns whether the comment is
 * unusable (in error, or for another definition): its definition is then built without it.
 */
function checkDoc(e: DefinitionExpr, meta: MetaType, name: string, ctx: Ctx): boolean {
  const doc = e.doc;
  if (e.docFailed) return true;
  if (!doc) {
    if (e.info.pragma.docRequired)
      ctx.sink.error(new DocError(e.info, "documentation comment required"));
    return false;
  }
  if (doc.symbol !== name) {
    ctx.sink.error(
      new DocError(e.info, `documentation comment is for '${excerpt(doc.symbol ?? "")}'`),
    );
    return true;
  }
  try {
    doc.checkExpr(meta, e.plain.has("returns"));
  } catch (err) {
    if (!(err instanceof DocError)) throw err;
    // Older releases' doc comments break rules QEMU 10.2 added: a warning under compat.
    if (!ctx.compat) ctx.sink.error(err);
    else {
      const d = err.diagnostic;
      ctx.sink.warn(
        { ...d, severity: "warning", message: `${d.message} (accepted by --compat)` },
        docWarningKind(d.message),
      );
    }
  }
  return false;
}
