// Shape checks on the parser's raw definitions, before any type is resolved: which keys each
// meta-type takes, naming rules, where 'if' and features may appear and what they look like.
// Messages are QEMU 10.2's, word for word (tests/qapi-schema/*.err). Members and features are
// normalized in place ({ 'name': 'int' } -> { 'name': { 'type': 'int' } }) so that schema.ts reads
// one shape. Under --compat, the legacy dialect (C-preprocessor conditions, simple unions, enum
// values with underscores) is accepted with a warning and rewritten to the current form.

import type { Expr, Plain, PlainDict, TopLevelExpr } from "./ast.ts";
import { QAPIError, type SourceInfo } from "./source.ts";

export const META_TYPES = ["enum", "struct", "union", "alternate", "command", "event"] as const;
export type MetaType = (typeof META_TYPES)[number];

export interface ExprCheckOptions {
  compat: boolean;
  /** Reports a legacy-dialect use accepted under compat (the caller keeps one per kind). */
  legacy: (info: SourceInfo, kind: string, message: string) => void;
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

/** One warning per kind of doc problem, not per name: "member 'x' lacks ..." is one kind. */
export function docWarningKind(message: string): string {
  return "doc:" + message.replace(/'[^']*'/g, "''");
}

const isCNameChar = (c: number): boolean =>
  (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;

/** QEMU's c_name() without keyword protection: what the name becomes in C. */
export function cName(name: string): string {
  // Most names need no change: scan before allocating (this runs for every member).
  for (let i = 0; i < name.length; i++)
    if (!isCNameChar(name.charCodeAt(i))) return name.replace(/[^A-Za-z0-9_]/g, "_");
  return name;
}

/** cName(name).startsWith(prefix), without building the C name (most names contain '-'). */
function cNameStartsWith(name: string, prefix: string): boolean {
  if (name.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) {
    const c = name.charCodeAt(i);
    const want = prefix.charCodeAt(i);
    if (want === 95 ? isCNameChar(c) && c !== 95 : c !== want) return false;
  }
  return true;
}

const VALID_NAME = /^(__[a-z0-9.-]+_)?(x-)?([a-z][a-z0-9_-]*)$/i;

function fail(info: SourceInfo, msg: string): never {
  throw new QAPIError(info, msg);
}

function checkNameIsStr(
  name: Plain | undefined,
  info: SourceInfo,
  source: string,
): asserts name is string {
  if (!isStr(name)) fail(info, `${source} requires a string name`);
}

/** Returns the name's stem: without downstream (__RFQDN_) and experimental (x-) prefixes. */
function checkNameStr(name: string, info: SourceInfo, source: string): string {
  if (!VALID_NAME.test(name) || cNameStartsWith(name, "q_"))
    fail(info, `${source} has an invalid name`);
  return nameStem(name);
}

const isLetter = (c: number): boolean => (c | 0x20) >= 97 && (c | 0x20) <= 122;

/**
 * VALID_NAME's third group, for a name that matches: what follows the RFQDN prefix (which ends at
 * the first '_' after "__") and "x-" (when a letter follows it). Without a match array: this runs
 * for every name in the schema.
 */
function nameStem(name: string): string {
  let i = 0;
  if (name.charCodeAt(0) === 95 && name.charCodeAt(1) === 95) i = name.indexOf("_", 2) + 1;
  if (
    (name.charCodeAt(i) | 0x20) === 120 &&
    name.charCodeAt(i + 1) === 45 &&
    isLetter(name.charCodeAt(i + 2))
  )
    i += 2;
  return i === 0 ? name : name.slice(i);
}

function checkNameUpper(name: string, info: SourceInfo, source: string): void {
  const stem = checkNameStr(name, info, source);
  if (/[a-z-]/.test(stem)) fail(info, `name of ${source} must not use lowercase or '-'`);
}

function checkNameLower(
  name: string,
  info: SourceInfo,
  source: string,
  permitUpper = false,
  permitUnderscore = false,
  opts: ExprCheckOptions | null = null,
): void {
  const stem = checkNameStr(name, info, source);
  const upper = !permitUpper && /[A-Z]/.test(stem);
  const underscore = !permitUnderscore && stem.includes("_");
  if (underscore && !upper && opts?.compat) {
    // QEMU before 6.2 allowed '_' in lower-case names.
    opts.legacy(
      info,
      "underscore",
      "'_' in member and command names is a legacy form (QEMU before 6.2)",
    );
    return;
  }
  if (upper || underscore) fail(info, `name of ${source} must not use uppercase or '_'`);
}

function checkNameCamel(name: string, info: SourceInfo, source: string): void {
  const stem = checkNameStr(name, info, source);
  if (!/^[A-Z][A-Za-z0-9]*[a-z][A-Za-z0-9]*$/.test(stem))
    fail(info, `name of ${source} must use CamelCase`);
}

function checkDefnNameStr(
  name: string,
  info: SourceInfo,
  meta: MetaType,
  opts: ExprCheckOptions,
): void {
  if (meta === "event") checkNameUpper(name, info, meta);
  else if (meta === "command")
    checkNameLower(name, info, meta, false, info.pragma.commandNameExceptions.includes(name), opts);
  else checkNameCamel(name, info, meta);
  if (name.endsWith("List")) fail(info, `${meta} name should not end in 'List'`);
}

function quoteSorted(names: Iterable<string>): string {
  return [...names]
    .sort()
    .map((e) => `'${e}'`)
    .join(", ");
}

function checkKeys(
  value: PlainDict,
  info: SourceInfo,
  source: string,
  required: string[],
  optional: string[],
): void {
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
    fail(info, `${source} misses key${missing.length > 1 ? "s" : ""} ${quoteSorted(missing)}`);
  const allowed = new Set([...required, ...optional]);
  const unknown = [...value.keys()].filter((k) => !allowed.has(k));
  if (unknown.length)
    fail(
      info,
      `${source} has unknown key${unknown.length > 1 ? "s" : ""} ${quoteSorted(unknown)}\n` +
        `Valid keys are ${quoteSorted(allowed)}.`,
    );
}

const FALSE_FLAGS = ["gen", "success-response"];
const TRUE_FLAGS = ["boxed", "allow-oob", "allow-preconfig", "coroutine"];

function checkFlags(expr: PlainDict, info: SourceInfo): void {
  for (let i = 0; i < FALSE_FLAGS.length; i++) {
    const key = FALSE_FLAGS[i]!;
    if (expr.has(key) && expr.get(key) !== false)
      fail(info, `flag '${key}' may only use false value`);
  }
  for (let i = 0; i < TRUE_FLAGS.length; i++) {
    const key = TRUE_FLAGS[i]!;
    if (expr.has(key) && expr.get(key) !== true)
      fail(info, `flag '${key}' may only use true value`);
  }
  if (expr.has("allow-oob") && expr.has("coroutine"))
    fail(info, "flags 'allow-oob' and 'coroutine' are incompatible");
}

const NO_KEYS: string[] = [];
const IF_OPERATOR_KEYS = ["all", "any", "not"];
const IF_IDENT = /^[A-Z][A-Z0-9_]*$/;

function checkIf(owner: PlainDict, info: SourceInfo, source: string, opts: ExprCheckOptions): void {
  const ifcond = owner.get("if");
  if (ifcond === undefined) return;
  if (opts.compat) {
    const modern = legacyIfToModern(ifcond);
    if (modern !== null) {
      opts.legacy(info, "if", "C preprocessor 'if' conditions are a legacy form (QEMU before 6.2)");
      owner.set("if", modern);
      return;
    }
  }
  checkIfCond(ifcond, info, source);
}

// (Not a closure in checkIf: that would cost every checkIf call a context, 'if' or not.)
function checkIfCond(cond: Plain, info: SourceInfo, source: string): void {
  if (isStr(cond)) {
    if (!IF_IDENT.test(cond))
      fail(info, `'if' condition '${cond}' of ${source} is not a valid identifier`);
    return;
  }
  if (!isDict(cond)) fail(info, `'if' condition of ${source} must be a string or an object`);
  checkKeys(cond, info, `'if' condition of ${source}`, NO_KEYS, IF_OPERATOR_KEYS);
  if (cond.size !== 1) fail(info, `'if' condition of ${source} has conflicting keys`);
  if (cond.has("not")) checkIfCond(cond.get("not")!, info, source);
  else {
    const op = cond.has("all") ? "all" : "any";
    const operands = cond.get(op)!;
    if (!Array.isArray(operands)) fail(info, `'${op}' condition of ${source} must be an array`);
    if (!operands.length) fail(info, `'if' condition [] of ${source} is useless`);
    for (const o of operands) checkIfCond(o, info, source);
  }
}

// ---------------------------------------------------------------------------------------------
// Legacy conditions: 'defined(CONFIG_X)', '!defined(X)', '||' and '&&' chains, parentheses, and
// lists of such strings (all must hold). Returns the modern form, or null if it isn't legacy.

function legacyIfToModern(cond: Plain): Plain | null {
  if (isStr(cond)) return IF_IDENT.test(cond) ? null : parseCpp(cond);
  if (Array.isArray(cond) && cond.length && cond.every(isStr)) {
    const parts: Plain[] = [];
    for (const c of cond as string[]) {
      const p = IF_IDENT.test(c) ? c : parseCpp(c);
      if (p === null) return null;
      parts.push(p);
    }
    return parts.length === 1 ? parts[0] : new Map([["all", parts]]);
  }
  return null;
}

function parseCpp(text: string): Plain | null {
  const tokens = text.match(/\|\||&&|!|\(|\)|[A-Za-z_][A-Za-z0-9_]*|\S/g) ?? [];
  let i = 0;
  const peek = (): string | undefined => tokens[i];
  const chain = (op: "||" | "&&", key: "any" | "all", next: () => Plain | null): Plain | null => {
    const first = next();
    if (first === null) return null;
    const args = [first];
    while (peek() === op) {
      i++;
      const a = next();
      if (a === null) return null;
      args.push(a);
    }
    return args.length === 1 ? first : new Map([[key, args]]);
  };
  const orExpr = (): Plain | null => chain("||", "any", andExpr);
  const andExpr = (): Plain | null => chain("&&", "all", unary);
  const unary = (): Plain | null => {
    const t = peek();
    if (t === "!") {
      i++;
      const a = unary();
      return a === null ? null : new Map([["not", a]]);
    }
    if (t === "(") {
      i++;
      const a = orExpr();
      if (peek() !== ")") return null;
      i++;
      return a;
    }
    if (t === "defined") {
      i++;
      const paren = peek() === "(";
      if (paren) i++;
      const name = peek();
      if (name === undefined || !IF_IDENT.test(name)) return null;
      i++;
      if (paren) {
        if (peek() !== ")") return null;
        i++;
      }
      return name;
    }
    return null;
  };
  const result = orExpr();
  return result !== null && i === tokens.length ? result : null;
}

// ---------------------------------------------------------------------------------------------

/** { 'm': 'int' } -> { 'm': { 'type': 'int' } } */
function normalizeMembers(members: Plain | undefined): void {
  if (!isDict(members)) return;
  // forEach rather than for-of: this runs for every member, and cold code allocates per step
  members.forEach((arg, key) => {
    if (!isDict(arg)) members.set(key, dictOf("type", arg));
  });
}

/** A one-key dict (the normalized form of a shorthand). */
function dictOf(key: string, value: Plain): PlainDict {
  return new Map<string, Plain>().set(key, value);
}

function checkTypeName(value: Plain | undefined, info: SourceInfo, source: string): void {
  if (value !== undefined && !isStr(value)) fail(info, `${source} should be a type name`);
}

function checkTypeNameOrArray(value: Plain | undefined, info: SourceInfo, source: string): void {
  if (value === undefined || isStr(value)) return;
  if (!Array.isArray(value)) fail(info, `${source} should be a type name or array`);
  if (value.length !== 1 || !isStr(value[0]))
    fail(info, `${source}: array type must contain single type name`);
}

// Key lists for checkKeys (constants: array literals in cold code are allocated on every call)
const TYPE_KEY = ["type"];
const NAME_KEY = ["name"];
const IF_KEY = ["if"];
const MEMBER_OPTIONAL_KEYS = ["if", "features"];

function checkTypeImplicit(
  value: Plain | undefined,
  info: SourceInfo,
  source: string,
  parentName: string | null,
  opts: ExprCheckOptions,
  /** The implicit type's name (q_obj_X-base, q_obj_X-arg): older QEMU's exceptions named it. */
  implicitName: string | null = null,
): void {
  if (value === undefined || isStr(value)) return;
  if (!isDict(value)) fail(info, `${source} should be an object or type name`);
  const exceptions = info.pragma.memberNameExceptions;
  let permissive = parentName !== null && exceptions.includes(parentName);
  if (!permissive && opts.compat && implicitName !== null && exceptions.includes(implicitName)) {
    opts.legacy(
      info,
      "implicit-exception",
      "member name exceptions naming implicit types are a legacy form (QEMU before 6.2)",
    );
    permissive = true;
  }
  value.forEach((arg, rawKey) => {
    const keySource = `${source} member '${rawKey}'`;
    const key = rawKey.startsWith("*") ? rawKey.slice(1) : rawKey;
    checkNameLower(key, info, keySource, permissive, permissive, opts);
    if (key === "u" || cNameStartsWith(key, "has_")) fail(info, `${keySource} uses reserved name`);
    const argDict = arg as PlainDict;
    checkKeys(argDict, info, keySource, TYPE_KEY, MEMBER_OPTIONAL_KEYS);
    checkIf(argDict, info, keySource, opts);
    checkFeatures(argDict, info, opts);
    checkTypeNameOrArray(argDict.get("type"), info, keySource);
  });
}

function checkFeatures(owner: PlainDict, info: SourceInfo, opts: ExprCheckOptions): void {
  const features = owner.get("features");
  if (features === undefined) return;
  if (!Array.isArray(features)) fail(info, "'features' must be an array");
  for (let i = 0; i < features.length; i++) {
    const f = features[i];
    if (!isDict(f)) features[i] = dictOf("name", f);
  }
  for (let i = 0; i < features.length; i++) {
    const f = features[i] as PlainDict;
    let source = "'features' member";
    checkKeys(f, info, source, NAME_KEY, IF_KEY);
    const name = f.get("name");
    checkNameIsStr(name, info, source);
    source = `${source} '${name}'`;
    checkNameLower(name, info, source, false, false, opts);
    checkIf(f, info, source, opts);
  }
}

function checkEnum(expr: PlainDict, name: string, info: SourceInfo, opts: ExprCheckOptions): void {
  const members = expr.get("data");
  const prefix = expr.get("prefix");
  if (!Array.isArray(members)) fail(info, "'data' must be an array");
  if (prefix !== undefined && !isStr(prefix)) fail(info, "'prefix' must be a string");
  const permissive = info.pragma.memberNameExceptions.includes(name);
  for (let i = 0; i < members.length; i++)
    if (!isDict(members[i])) members[i] = dictOf("name", members[i]);
  for (let i = 0; i < members.length; i++) {
    const member = members[i] as PlainDict;
    let source = "'data' member";
    checkKeys(member, info, source, NAME_KEY, MEMBER_OPTIONAL_KEYS);
    const memberName = member.get("name");
    checkNameIsStr(memberName, info, source);
    source = `${source} '${memberName}'`;
    // Enum values may start with a digit: check the rest as if it were a letter.
    const checked = /^\d/.test(memberName) ? "d" + memberName : memberName;
    checkNameLower(checked, info, source, permissive, permissive, opts);
    checkIf(member, info, source, opts);
    checkFeatures(member, info, opts);
  }
}

function checkStruct(
  expr: PlainDict,
  name: string,
  info: SourceInfo,
  opts: ExprCheckOptions,
): void {
  checkTypeImplicit(expr.get("data"), info, "'data'", name, opts);
  checkTypeName(expr.get("base"), info, "'base'");
}

function checkUnion(expr: PlainDict, name: string, info: SourceInfo, opts: ExprCheckOptions): void {
  const members = expr.get("data");
  checkTypeImplicit(expr.get("base"), info, "'base'", name, opts, `q_obj_${name}-base`);
  if (expr.has("discriminator") || !isLegacySimpleUnion(expr, opts))
    checkNameIsStr(expr.get("discriminator"), info, "'discriminator'");
  if (!isDict(members)) fail(info, "'data' must be an object");
  members.forEach((value, key) => {
    const source = `'data' member '${key}'`;
    const v = value as PlainDict;
    checkKeys(v, info, source, TYPE_KEY, IF_KEY);
    checkIf(v, info, source, opts);
    // Simple unions' branches could be arrays (wrapped in an implicit object).
    if (expr.has("discriminator")) checkTypeName(v.get("type"), info, source);
    else checkTypeNameOrArray(v.get("type"), info, source);
  });
}

/** A union with neither 'base' nor 'discriminator' (QEMU before 6.2), accepted under compat. */
export function isLegacySimpleUnion(expr: PlainDict, opts: { compat: boolean }): boolean {
  return opts.compat && !expr.has("base") && !expr.has("discriminator");
}

function checkAlternate(expr: PlainDict, info: SourceInfo, opts: ExprCheckOptions): void {
  const members = expr.get("data");
  if (!truthy(members)) fail(info, "'data' must not be empty");
  if (!isDict(members)) fail(info, "'data' must be an object");
  members.forEach((value, key) => {
    const source = `'data' member '${key}'`;
    checkNameLower(key, info, source, false, false, opts);
    const v = value as PlainDict;
    checkKeys(v, info, source, TYPE_KEY, IF_KEY);
    checkIf(v, info, source, opts);
    checkTypeNameOrArray(v.get("type"), info, source);
  });
}

function checkCommandOrEvent(
  expr: PlainDict,
  name: string,
  info: SourceInfo,
  opts: ExprCheckOptions,
  isCommand: boolean,
): void {
  const args = expr.get("data");
  if (truthy(expr.get("boxed"))) {
    if (!expr.has("data")) fail(info, "'boxed': true requires 'data'");
    checkTypeName(args, info, "'data'");
  } else checkTypeImplicit(args, info, "'data'", null, opts, `q_obj_${name}-arg`);
  if (isCommand) checkTypeNameOrArray(expr.get("returns"), info, "'returns'");
}

/** Checks one definition; sets its SourceInfo's definition (for "In struct 'X':" headers). */
export function checkDefinition(e: TopLevelExpr, opts: ExprCheckOptions): MetaType {
  const { plain: expr, info, doc } = e;
  let meta: MetaType | null = null;
  let metas = 0;
  for (let i = 0; i < META_TYPES.length; i++) {
    if (expr.has(META_TYPES[i]!)) {
      meta = META_TYPES[i]!;
      metas++;
    }
  }
  if (metas !== 1 || meta === null)
    fail(
      info,
      "expression must have exactly one key 'enum', 'struct', 'union', 'alternate', 'command', 'event'",
    );
  const name = expr.get(meta);
  checkNameIsStr(name, info, `'${meta}'`);
  info.setDefn(meta, name);
  checkDefnNameStr(name, info, meta, opts);

  if (doc) {
    if (doc.symbol !== name) fail(info, `documentation comment is for '${doc.symbol}'`);
    try {
      doc.checkExpr(expr);
    } catch (err) {
      // Older releases' doc comments break rules QEMU 10.2 added: a warning under compat.
      if (!(err instanceof QAPIError) || !opts.compat) throw err;
      opts.legacy(
        err.diagnostic.info ?? info,
        docWarningKind(err.diagnostic.message),
        err.diagnostic.message,
      );
    }
  } else if (info.pragma.docRequired) fail(info, "documentation comment required");

  switch (meta) {
    case "enum":
      checkKeys(expr, info, meta, ["enum", "data"], ["if", "features", "prefix"]);
      checkEnum(expr, name, info, opts);
      break;
    case "union":
      if (isLegacySimpleUnion(expr, opts)) {
        opts.legacy(
          info,
          "simple-union",
          "simple unions (no 'base' or 'discriminator') are a legacy form (QEMU before 6.2)",
        );
        checkKeys(expr, info, meta, ["union", "data"], ["if", "features"]);
      } else
        checkKeys(expr, info, meta, ["union", "base", "discriminator", "data"], ["if", "features"]);
      normalizeMembers(expr.get("base"));
      normalizeMembers(expr.get("data"));
      checkUnion(expr, name, info, opts);
      break;
    case "alternate":
      checkKeys(expr, info, meta, ["alternate", "data"], ["if", "features"]);
      normalizeMembers(expr.get("data"));
      checkAlternate(expr, info, opts);
      break;
    case "struct":
      checkKeys(expr, info, meta, ["struct", "data"], ["base", "if", "features"]);
      normalizeMembers(expr.get("data"));
      checkStruct(expr, name, info, opts);
      break;
    case "command":
      checkKeys(
        expr,
        info,
        meta,
        ["command"],
        [
          "data",
          "returns",
          "boxed",
          "if",
          "features",
          "gen",
          "success-response",
          "allow-oob",
          "allow-preconfig",
          "coroutine",
        ],
      );
      normalizeMembers(expr.get("data"));
      checkCommandOrEvent(expr, name, info, opts, true);
      break;
    case "event":
      checkKeys(expr, info, meta, ["event"], ["data", "boxed", "if", "features"]);
      normalizeMembers(expr.get("data"));
      checkCommandOrEvent(expr, name, info, opts, false);
      break;
  }
  checkIf(expr, info, meta, opts);
  checkFeatures(expr, info, opts);
  checkFlags(expr, info);
  return meta;
}

/** Checks every definition in order; throws QAPIError at the first problem, as QEMU does. */
export function checkExprs(exprs: Expr[], opts: ExprCheckOptions): void {
  for (const e of exprs) if (e.kind === "definition") checkDefinition(e, opts);
}
