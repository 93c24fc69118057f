// The two directives: `include` (file names as QEMU forms them) and `pragma` (settings shared by
// a file and everything it includes).

import type { Plain } from "../ast.ts";
import { legacyUse, type CheckContext } from "../diagnostics.ts";
import type { PositionTable } from "../position-table.ts";
import { QAPIError, excerpt, type Pragma, type SourceInfo } from "../../model/source.ts";

/** Python's os.path.join(os.path.dirname(a), b), as QEMU names included files. */
export function joinDirname(fname: string, include: string): string {
  if (include.startsWith("/")) return include;
  const slash = fname.lastIndexOf("/");
  if (slash < 0) return include;
  let dir = fname.slice(0, slash + 1);
  // dirname() strips trailing slashes unless the directory is all slashes
  if (/[^/]/.test(dir)) dir = dir.replace(/\/+$/, "") + "/";
  return dir + include;
}

type ListPragma = Exclude<keyof Pragma, "docRequired">;

/** One setting a pragma made: the field of Pragma and its new value. */
export type PragmaSetting = readonly [keyof Pragma, boolean | string[]];

/** The pragmas that take a list of names, by the name the schema gives them. */
export const LIST_PRAGMAS = new Map<string, ListPragma>([
  ["command-name-exceptions", "commandNameExceptions"],
  ["command-returns-exceptions", "commandReturnsExceptions"],
  ["documentation-exceptions", "documentationExceptions"],
  ["member-name-exceptions", "memberNameExceptions"],
]);

/** Names older releases used for the same lists (accepted under compat). */
export const LEGACY_LIST_PRAGMAS = new Map<string, ListPragma>([
  ["returns-whitelist", "commandReturnsExceptions"],
  ["name-case-whitelist", "memberNameExceptions"],
]);

/**
 * Applies one pragma of a `pragma` directive to the settings of its file (QEMU's _pragma): the
 * entry whose value's record is at `slot` of `table`. Returns the setting made.
 */
export function applyPragma(
  pragma: Pragma,
  name: string,
  value: Plain,
  info: SourceInfo,
  ctx: CheckContext,
  table: PositionTable,
  slot: number,
): PragmaSetting {
  const valueAt = { span: table.span(slot) };
  if (name === "doc-required") {
    if (typeof value !== "boolean")
      throw new QAPIError(info, "pragma 'doc-required' must be boolean", valueAt);
    pragma.docRequired = value;
    return ["docRequired", value];
  }
  const nameAt = { span: table.span(slot - 2) };
  let field = LIST_PRAGMAS.get(name);
  if (field === undefined && ctx.compat) {
    field = LEGACY_LIST_PRAGMAS.get(name);
    if (field !== undefined)
      legacyUse(ctx, info, `pragma-${name}`, `legacy pragma '${name}'`, nameAt);
  }
  if (field === undefined) throw new QAPIError(info, `unknown pragma '${excerpt(name)}'`, nameAt);
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string"))
    throw new QAPIError(info, `pragma ${name} must be a list of strings`, valueAt);
  pragma[field] = value as string[];
  return [field, value as string[]];
}
