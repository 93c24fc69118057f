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
import { NO_SLOT, Part, type PositionTable } from "./position-table.ts";
import { QAPIError, excerpt, type SourceInfo, type Span } from "../model/source.ts";

interface Common {
  info: SourceInfo;
  /** null when there is none, or it had an error (docFailed). */
  doc: QAPIDoc | null;
  docFailed: boolean;
  /** Its name as written. */
  span: Span | null;
  /** Where its parts are: its file's table, and its record's slot there. */
  positions: PositionTable;
  slot: number;
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
  positions: PositionTable;
  /** The definition's record in `positions`. */
  slot: number;
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

// Where a value is, for the error that blames it, is passed along as two arguments (cs, k): the
// slot of its container's record in ctx.positions, and its key or index there (null: the record
// at cs is the value's own). Resolved only when needed (position-table.ts).
type Key = string | number | null;

/** Where a member's type reference is: its 'type', or the shorthand at `slot`. */
function typeSpanOf(t: PositionTable, value: Plain, slot: number): Span | null {
  return isDict(value) ? t.spanOf(slot, "type") : t.span(slot);
}

/** Where an enum value's or feature's name is: its 'name', or the shorthand at `slot`. */
function nameSpanOf(t: PositionTable, value: Plain, slot: number): Span | null {
  return isDict(value) ? t.spanOf(slot, "name") : t.span(slot);
}

/** The value's record (see Key). */
function slotAt(ctx: Ctx, cs: number, k: Key): number {
  return ctx.positions.slotOf(cs, k);
}

/** The span of a value (or with Part.KEY, of its key). */
function spanAt(ctx: Ctx, cs: number, k: Key, part: Part = Part.VALUE): Span | null {
  return ctx.positions.spanOf(cs, k, part);
}

function fail(ctx: Ctx, message: string, span: Span | null): never {
  throw new QAPIError(ctx.info, message, { span });
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

/**
 * `value`'s keys against the lists; (cs, k): where `value` is, `slot`: its record (NO_SLOT for
 * a shorthand's object).
 */
function checkKeys(
  value: PlainDict,
  ctx: Ctx,
  source: string,
  keys: { required: string[]; optional: string[] },
  cs: number,
  k: Key,
  slot: number,
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
    fail(
      ctx,
      `${source} misses key${missing.length > 1 ? "s" : ""} ${quoteSorted(missing)}`,
      spanAt(ctx, cs, k),
    );
  const allowed = new Set([...required, ...optional]);
  const unknown = [...value.keys()].filter((k) => !allowed.has(k));
  fail(
    ctx,
    `${source} has unknown key${unknown.length > 1 ? "s" : ""} ${quoteSorted(unknown)}\n` +
      `Valid keys are ${quoteSorted(allowed)}.`,
    slot >= 0 ? spanAt(ctx, slot, unknown[0]!, Part.KEY) : spanAt(ctx, cs, k),
  );
}

/** A rule for a name just checked to be a string (enum values, features), or null. */
type NameRule = ((name: string, source: string, ctx: Ctx, span: Span | null) => void) | null;

/**
 * Checks an object against a list of keys: unknown and missing keys, then each key's value in
 * the list's order. Returns the fields. A value that is not an object is the shorthand for
 * `{ shortKey: value }` (a member's type, a value's name). `skip`: a key checked already (a
 * definition's name). (container, key): where `value` is.
 */
function checkKeyed<K extends readonly KeySpec[]>(
  value: Plain,
  shortKey: string | null,
  c: CompiledKeys<K>,
  source: string,
  ctx: Ctx,
  cs: number,
  k: Key,
  nameRule: NameRule = null,
  skip: string | null = null,
): Checked<K> {
  // (The shorthand is not made into a Map: most members are written that way.)
  const inner: PlainDict | null = isDict(value) ? value : null;
  let dict = inner;
  if (!dict && !(c.required.length === 1 && c.required[0] === shortKey))
    dict = new Map([[shortKey!, value]]);
  // An object's values are in it; a shorthand's value is where the shorthand is.
  const slot = inner ? slotAt(ctx, cs, k) : NO_SLOT;
  if (dict) checkKeys(dict, ctx, source, c, cs, k, slot);
  const vcs = inner ? slot : cs;
  const keys = c.keys;
  const values = new Array<unknown>(c.offset + keys.length);
  if (c.hasTypeFirst)
    for (let i = 0; i < keys.length; i++) {
      const spec = keys[i]!;
      const v = dict ? dict.get(spec.key) : spec.key === shortKey ? value : undefined;
      if (spec.typeFirst && v !== undefined)
        spec.shape.type!(v, spec.quoted ?? source, ctx, vcs, inner ? spec.key : k);
    }
  for (let i = 0; i < keys.length; i++) {
    const spec = keys[i]!;
    if (spec.key === skip) continue;
    const where = spec.quoted ?? source;
    const v = dict ? dict.get(spec.key) : spec.key === shortKey ? value : undefined;
    const vk = inner ? spec.key : k;
    const result =
      v !== undefined
        ? spec.shape.check(v, where, ctx, vcs, vk)
        : spec.shape.absent
          ? spec.shape.absent(where, ctx)
          : spec.default;
    values[c.offset + i] = result;
    if (spec.names) {
      // Once named, messages name it.
      source = `${source} '${excerpt(result as string)}'`;
      if (nameRule) nameRule(result as string, source, ctx, spanAt(ctx, vcs, vk));
    }
  }
  return c.make(values) as Checked<K>;
}

// ---------------------------------------------------------------------------------------------
// Shapes

/** A shape's checks; (c, k): where the value is (for its errors' spans). */
interface ShapeCheck<S extends Shape = Shape> {
  check(value: Plain, source: string, ctx: Ctx, cs: number, k: Key): ShapeValues[S];
  /** For keys whose absence is checked too; else an absent key gets its default. */
  absent?(source: string, ctx: Ctx): ShapeValues[S] | null;
  /** The check of the value's JSON type alone (see KeySpec.typeFirst). */
  type?(value: Plain, source: string, ctx: Ctx, cs: number, k: Key): void;
}

function typeName(value: Plain, source: string, ctx: Ctx, cs: number, k: Key) {
  if (!isStr(value)) fail(ctx, `${source} should be a type name`, spanAt(ctx, cs, k));
  return value;
}

function typeRef(value: Plain, source: string, ctx: Ctx, cs: number, k: Key): TypeRef {
  if (isStr(value)) return value;
  if (!Array.isArray(value))
    fail(ctx, `${source} should be a type name or array`, spanAt(ctx, cs, k));
  if (value.length !== 1 || !isStr(value[0]))
    fail(ctx, `${source}: array type must contain single type name`, spanAt(ctx, cs, k));
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
  slot: number,
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
      { span: ctx.positions.span(slot) },
    );
    permissive = true;
  }
  const out: MemberSpec[] = [];
  const t = ctx.positions;
  let at = t.firstEntry(slot);
  // forEach rather than for-of: this runs for every member, and cold code allocates per step
  value.forEach((arg, rawKey) => {
    const keySource = `${source} member '${excerpt(rawKey)}'`;
    const optional = rawKey.startsWith("*");
    const name = optional ? rawKey.slice(1) : rawKey;
    const span = t.span(at - 2);
    checkMemberName(name, ctx.info, keySource, ctx, permissive, span);
    const m = checkKeyed(arg, "type", MEMBER, keySource, ctx, at, null) as MemberSpec;
    m.name = name;
    m.optional = optional;
    m.span = span;
    m.typeSpan = typeSpanOf(t, arg, at);
    out.push(m);
    at = t.nextEntry(at);
  });
  return out;
}

function objectOrTypeName(
  value: Plain,
  source: string,
  ctx: Ctx,
  cs: number,
  k: Key,
): PlainDict | string {
  if (!isStr(value) && !isDict(value))
    fail(ctx, `${source} should be an object or type name`, spanAt(ctx, cs, k));
  return value;
}

/** Branches of a union or an alternate, by name. */
function branches(
  value: PlainDict,
  source: string,
  keys: CompiledKeys<(typeof MEMBER_KEYS)["branch" | "legacy-branch" | "alternative"]>,
  ctx: Ctx,
  slot: number,
  checkName: boolean,
): BranchSpec[] {
  const out: BranchSpec[] = [];
  const t = ctx.positions;
  let at = t.firstEntry(slot);
  value.forEach((v, name) => {
    const branchSource = `${source} member '${excerpt(name)}'`;
    const span = t.span(at - 2);
    if (checkName) checkNameLower(name, ctx.info, branchSource, ctx, span);
    const b = checkKeyed(v, "type", keys, branchSource, ctx, at, null) as BranchSpec;
    b.name = name;
    b.span = span;
    b.typeSpan = typeSpanOf(t, v, at);
    out.push(b);
    at = t.nextEntry(at);
  });
  return out;
}

function checkEnumValueName(name: string, source: string, ctx: Ctx, span: Span | null): void {
  const permissive = ctx.info.pragma.memberNameExceptions.includes(ctx.name);
  // Enum values may start with a digit: check the rest as if it were a letter.
  const checked = /^\d/.test(name) ? "d" + name : name;
  checkNameLower(checked, ctx.info, source, ctx, span, permissive, permissive);
}

function checkFeatureName(name: string, source: string, ctx: Ctx, span: Span | null): void {
  checkNameLower(name, ctx.info, source, ctx, span);
}

const IF_IDENT = /^[A-Z][A-Z0-9_]*$/;

/** A condition in the schema's syntax, checked and returned as one (runtime/conditions.ts). */
function condition(cond: Plain, source: string, ctx: Ctx, cs: number, k: Key): Condition {
  if (isStr(cond)) {
    if (!IF_IDENT.test(cond))
      fail(
        ctx,
        `'if' condition '${excerpt(cond)}' of ${source} is not a valid identifier`,
        spanAt(ctx, cs, k),
      );
    return cond;
  }
  if (!isDict(cond))
    fail(ctx, `'if' condition of ${source} must be a string or an object`, spanAt(ctx, cs, k));
  const slot = slotAt(ctx, cs, k);
  checkKeys(cond, ctx, `'if' condition of ${source}`, IF_OPERATORS, cs, k, slot);
  if (cond.size !== 1)
    fail(ctx, `'if' condition of ${source} has conflicting keys`, ctx.positions.span(slot));
  const not = cond.get("not");
  if (not !== undefined) return { not: condition(not, source, ctx, slot, "not") };
  const op = cond.has("all") ? "all" : "any";
  const operands = cond.get(op)!;
  if (!Array.isArray(operands))
    fail(ctx, `'${op}' condition of ${source} must be an array`, spanAt(ctx, slot, op));
  if (!operands.length)
    fail(ctx, `'if' condition [] of ${source} is useless`, spanAt(ctx, slot, op));
  const args: Condition[] = [];
  const t = ctx.positions;
  let at = t.firstElement(t.slotOf(slot, op));
  for (let i = 0; i < operands.length; i++, at = t.nextElement(at))
    args.push(condition(operands[i]!, source, ctx, at, null));
  return op === "all" ? { all: args } : { any: args };
}
const IF_OPERATORS = { required: [], optional: [...CONDITION_KEYS] };

function flag<S extends "true" | "false">(expected: boolean): ShapeCheck<S> {
  return {
    check(value, source, ctx, cs, k) {
      if (value !== expected)
        fail(ctx, `flag ${source} may only use ${expected} value`, spanAt(ctx, cs, k));
      return expected;
    },
  };
}

const SHAPES: { [S in Shape]: ShapeCheck<S> } = {
  string: {
    check(value, source, ctx, cs, k) {
      if (!isStr(value)) fail(ctx, `${source} must be a string`, spanAt(ctx, cs, k));
      return value;
    },
  },
  name: {
    check(value, source, ctx, cs, k) {
      checkNameIsStr(value, ctx.info, source, spanAt(ctx, cs, k));
      return value;
    },
  },
  "type-name": { check: typeName },
  "type-ref": { check: typeRef },
  members: {
    check(value, source, ctx, cs, k) {
      // (QEMU's generator accepts a type name here, then fails: a struct's 'data' is members.)
      if (isStr(value)) fail(ctx, `${source} should be an object`, spanAt(ctx, cs, k));
      const v = objectOrTypeName(value, source, ctx, cs, k) as PlainDict;
      return members(v, source, ctx, slotAt(ctx, cs, k), ctx.name, null);
    },
  },
  "members-or-type-name": {
    check(value, source, ctx, cs, k) {
      const v = objectOrTypeName(value, source, ctx, cs, k);
      if (isStr(v)) return v;
      return members(v, source, ctx, slotAt(ctx, cs, k), ctx.name, `q_obj_${ctx.name}-base`);
    },
  },
  arguments: {
    check(value, source, ctx, cs, k) {
      if (truthy(ctx.expr.get("boxed"))) return typeName(value, source, ctx, cs, k);
      const v = objectOrTypeName(value, source, ctx, cs, k);
      if (isStr(v)) return v;
      return members(v, source, ctx, slotAt(ctx, cs, k), null, `q_obj_${ctx.name}-arg`);
    },
    absent(source, ctx) {
      if (truthy(ctx.expr.get("boxed")))
        fail(ctx, `'boxed': true requires ${source}`, spanAt(ctx, ctx.slot, "boxed", Part.KEY));
      return null;
    },
  },
  "enum-values": {
    type(value, source, ctx, cs, k) {
      if (!Array.isArray(value)) fail(ctx, `${source} must be an array`, spanAt(ctx, cs, k));
    },
    check(value, source, ctx, cs, k) {
      this.type!(value, source, ctx, cs, k);
      const list = value as Plain[];
      const out: EnumValueSpec[] = [];
      const t = ctx.positions;
      let at = t.firstElement(slotAt(ctx, cs, k));
      for (let i = 0; i < list.length; i++, at = t.nextElement(at)) {
        const v = list[i]!;
        const member = `${source} member`;
        const e = checkKeyed(v, "name", ENUM_VALUE, member, ctx, at, null, checkEnumValueName);
        (e as EnumValueSpec).span = nameSpanOf(t, v, at);
        out.push(e as EnumValueSpec);
      }
      return out;
    },
  },
  branches: {
    check(value, source, ctx, cs, k) {
      if (!isDict(value)) fail(ctx, `${source} must be an object`, spanAt(ctx, cs, k));
      return branches(value, source, BRANCH, ctx, slotAt(ctx, cs, k), false);
    },
  },
  "legacy-branches": {
    check(value, source, ctx, cs, k) {
      if (!isDict(value)) fail(ctx, `${source} must be an object`, spanAt(ctx, cs, k));
      return branches(value, source, LEGACY_BRANCH, ctx, slotAt(ctx, cs, k), false);
    },
  },
  alternatives: {
    check(value, source, ctx, cs, k) {
      if (!truthy(value)) fail(ctx, `${source} must not be empty`, spanAt(ctx, cs, k));
      if (!isDict(value)) fail(ctx, `${source} must be an object`, spanAt(ctx, cs, k));
      return branches(value, source, ALTERNATIVE, ctx, slotAt(ctx, cs, k), true);
    },
  },
  cond: {
    check(value, source, ctx, cs, k) {
      if (ctx.compat) {
        const modern = legacyConditionToModern(value);
        if (modern !== null) {
          legacyUse(
            ctx,
            ctx.info,
            "if",
            "C preprocessor 'if' conditions are a legacy form (QEMU before 6.2)",
            { span: spanAt(ctx, cs, k) },
          );
          return modern;
        }
      }
      return condition(value, source, ctx, cs, k);
    },
  },
  features: {
    check(value, _source, ctx, cs, k) {
      if (!Array.isArray(value)) fail(ctx, "'features' must be an array", spanAt(ctx, cs, k));
      const out: FeatureSpec[] = [];
      const t = ctx.positions;
      let at = t.firstElement(slotAt(ctx, cs, k));
      for (let i = 0; i < value.length; i++, at = t.nextElement(at)) {
        const f = value[i]!;
        const spec = checkKeyed(
          f,
          "name",
          FEATURE,
          "'features' member",
          ctx,
          at,
          null,
          checkFeatureName,
        );
        (spec as FeatureSpec).span = nameSpanOf(t, f, at);
        out.push(spec as FeatureSpec);
      }
      return out;
    },
  },
  true: flag(true),
  false: flag(false),
};

// (The fields set after the table's: spans of names and type references, see keywords.ts.)
const MEMBER = compile(MEMBER_KEYS.member, ["name", "optional", "span", "typeSpan"]);
const ENUM_VALUE = compile(MEMBER_KEYS["enum-value"], ["span"]);
const BRANCH = compile(MEMBER_KEYS.branch, ["name", "span", "typeSpan"]);
const LEGACY_BRANCH = compile(MEMBER_KEYS["legacy-branch"], ["name", "span", "typeSpan"]);
const ALTERNATIVE = compile(MEMBER_KEYS.alternative, ["name", "span", "typeSpan"]);
const FEATURE = compile(MEMBER_KEYS.feature, ["span"]);
const DEFINITION_EXTRA = ["meta", "info", "doc", "docFailed", "span", "positions", "slot"];
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

/** Where a definition's name is written (its first meta-type key's value), or null. */
export function definitionNameSpan(e: DefinitionExpr): Span | null {
  for (let i = 0; i < META_TYPES.length; i++)
    if (e.plain.has(META_TYPES[i]!)) return e.positions.spanOf(e.slot, META_TYPES[i]!);
  return null;
}

/**
 * Checks one definition; sets its SourceInfo's definition (for "In struct 'X':" headers).
 * Throws the first error in its shape (QEMU's); an error in its documentation goes to the sink
 * (in collect mode the definition is still checked and built, without documentation checks).
 */
export function checkDefinition(e: DefinitionExpr, opts: CheckContext): DefinitionSpec {
  const { plain: expr, info, positions, slot } = e;
  let meta: MetaType | null = null;
  let metas = 0;
  for (let i = 0; i < META_TYPES.length; i++) {
    if (expr.has(META_TYPES[i]!)) {
      meta = META_TYPES[i]!;
      metas++;
    }
  }
  if (metas !== 1 || meta === null)
    throw new QAPIError(info, `expression must have exactly one key ${META_LIST}`, {
      span: metas > 1 ? positions.spanOf(slot, meta, Part.KEY) : positions.span(slot),
    });
  const name = expr.get(meta);
  const span = positions.spanOf(slot, meta);
  checkNameIsStr(name, info, `'${meta}'`, span);
  info.setDefn(meta, name);
  const ctx: Ctx = { compat: opts.compat, sink: opts.sink, info, expr, name, positions, slot };
  checkDefinitionName(name, info, meta, ctx, span);
  const docFailed = checkDoc(e, meta, name, ctx, span);

  const simple = meta === "union" && isLegacySimpleUnion(expr, opts);
  if (simple)
    legacyUse(
      ctx,
      info,
      "simple-union",
      "simple unions (no 'base' or 'discriminator') are a legacy form (QEMU before 6.2)",
      { span },
    );
  const keys = simple ? SIMPLE_UNION : DEFINITIONS.get(meta)!;
  const checked = checkKeyed(expr, null, keys, meta, ctx, slot, null, null, meta);
  for (const [a, b] of INCOMPATIBLE_FLAGS[meta] ?? [])
    if (expr.has(a) && expr.has(b))
      fail(ctx, `flags '${a}' and '${b}' are incompatible`, spanAt(ctx, slot, b, Part.KEY));
  const d = checked as Record<string, unknown>;
  d.name = name;
  d.meta = simple ? "simple-union" : meta;
  d.info = info;
  d.doc = docFailed ? null : e.doc;
  d.docFailed = docFailed;
  d.span = span;
  d.positions = positions;
  d.slot = slot;
  return d as unknown as DefinitionSpec;
}

/**
 * The doc comment against its definition; errors go to the sink. Returns whether the comment is
 * unusable (in error, or for another definition): its definition is then built without it.
 */
function checkDoc(
  e: DefinitionExpr,
  meta: MetaType,
  name: string,
  ctx: Ctx,
  nameSpan: Span | null,
): boolean {
  const doc = e.doc;
  if (e.docFailed) return true;
  if (!doc) {
    if (e.info.pragma.docRequired)
      ctx.sink.error(
        new DocError(e.info, "documentation comment required", {
          span: nameSpan,
          code: "doc-required",
        }),
      );
    return false;
  }
  if (doc.symbol !== name) {
    ctx.sink.error(
      new DocError(e.info, `documentation comment is for '${excerpt(doc.symbol ?? "")}'`, {
        span: doc.span,
      }),
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
