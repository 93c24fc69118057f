// QAPI's naming rules (qapi-code-gen.rst, "Naming rules and reserved names"): which names are
// valid, the case conventions of each kind of name, and what a name becomes in C (which is what
// QEMU compares to find clashes). Messages are QEMU's; `source` says whose name it is.

import { legacyUse, type CheckContext } from "./diagnostics.ts";
import { QAPIError, type SourceInfo, type Span } from "../model/source.ts";

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
export function cNameStartsWith(name: string, prefix: string): boolean {
  if (name.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) {
    const c = name.charCodeAt(i);
    const want = prefix.charCodeAt(i);
    if (want === 95 ? isCNameChar(c) && c !== 95 : c !== want) return false;
  }
  return true;
}

/** A downstream prefix (__RFQDN_), an experimental prefix (x-), then a letter and the rest. */
const VALID_NAME = /^(__[a-z0-9.-]+_)?(x-)?([a-z][a-z0-9_-]*)$/i;

// Every check takes `span`: where the name is written (the culprit of its errors).

export function checkNameIsStr(
  name: unknown,
  info: SourceInfo,
  source: string,
  span: Span | null,
): asserts name is string {
  if (typeof name !== "string")
    throw new QAPIError(info, `${source} requires a string name`, { span });
}

/** Returns the name's stem: without downstream (__RFQDN_) and experimental (x-) prefixes. */
function checkNameStr(name: string, info: SourceInfo, source: string, span: Span | null): string {
  if (!VALID_NAME.test(name) || cNameStartsWith(name, "q_"))
    throw new QAPIError(info, `${source} has an invalid name`, { span });
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

/** Event names: ALL_CAPS. */
export function checkNameUpper(
  name: string,
  info: SourceInfo,
  source: string,
  span: Span | null,
): void {
  const stem = checkNameStr(name, info, source, span);
  if (/[a-z-]/.test(stem))
    throw new QAPIError(info, `name of ${source} must not use lowercase or '-'`, { span });
}

/**
 * Command, member, value and feature names: lower-case with '-'. Pragmas permit upper case and
 * '_' for some; QEMU before 6.2 allowed '_' everywhere (accepted under compat).
 */
export function checkNameLower(
  name: string,
  info: SourceInfo,
  source: string,
  ctx: CheckContext,
  span: Span | null,
  permitUpper = false,
  permitUnderscore = false,
): void {
  const stem = checkNameStr(name, info, source, span);
  const upper = !permitUpper && /[A-Z]/.test(stem);
  const underscore = !permitUnderscore && stem.includes("_");
  if (underscore && !upper && ctx.compat) {
    legacyUse(
      ctx,
      info,
      "underscore",
      "'_' in member and command names is a legacy form (QEMU before 6.2)",
      { span },
    );
    return;
  }
  if (upper || underscore)
    throw new QAPIError(info, `name of ${source} must not use uppercase or '_'`, { span });
}

/** Type names: CamelCase. */
export function checkNameCamel(
  name: string,
  info: SourceInfo,
  source: string,
  span: Span | null,
): void {
  const stem = checkNameStr(name, info, source, span);
  if (!/^[A-Z][A-Za-z0-9]*[a-z][A-Za-z0-9]*$/.test(stem))
    throw new QAPIError(info, `name of ${source} must use CamelCase`, { span });
}

/** A definition's name, by its meta-type; type names ending in 'List' are the array types'. */
export function checkDefinitionName(
  name: string,
  info: SourceInfo,
  meta: string,
  ctx: CheckContext,
  span: Span | null,
): void {
  if (meta === "event") checkNameUpper(name, info, meta, span);
  else if (meta === "command") {
    const exempt = info.pragma.commandNameExceptions.includes(name);
    checkNameLower(name, info, meta, ctx, span, false, exempt);
  } else {
    checkNameCamel(name, info, meta, span);
    if (name.endsWith("List"))
      throw new QAPIError(info, `${meta} name should not end in 'List'`, { span });
  }
}

/** A member's name, which may not be one the generated C code uses itself. */
export function checkMemberName(
  name: string,
  info: SourceInfo,
  source: string,
  ctx: CheckContext,
  permissive: boolean,
  span: Span | null,
): void {
  checkNameLower(name, info, source, ctx, span, permissive, permissive);
  if (name === "u" || cNameStartsWith(name, "has_"))
    throw new QAPIError(info, `${source} uses reserved name`, { span });
}
