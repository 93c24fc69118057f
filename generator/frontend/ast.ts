// The parser's output: one Expr per definition or directive, in file order with includes
// expanded. This is the contract between parser/ (which builds it) and expr.ts (which checks
// the definitions and hands typed ones to the model builder).

import type { QAPIDoc } from "./doc-comments.ts";
import type { SourceInfo, Span } from "../model/source.ts";
import type { TextSpan } from "../model/syntax.ts";
import type { PositionTable } from "./position-table.ts";

/**
 * A value as parsed: QAPI's JSON without numbers and null. Objects are Maps, keys in source
 * order (QEMU's messages and the model depend on it), so that any key is just a key.
 */
export type Plain = string | boolean | Plain[] | PlainDict;
export type PlainDict = Map<string, Plain>;

/** A definition (enum, struct, ...) as written, with the doc comment before it if any. */
export interface DefinitionExpr {
  kind: "definition";
  plain: PlainDict;
  /** Where its parts are: its file's table, and its own record's slot there. */
  positions: PositionTable;
  slot: number;
  info: SourceInfo;
  doc: QAPIDoc | null;
  /**
   * Its doc comment had an error (reported already): no documentation checks for it, which
   * would only repeat that error in other words.
   */
  docFailed: boolean;
  /** Its text in the file: from its documentation block (if any) to its closing brace. */
  span: TextSpan;
}

/** `{ 'include': 'file.json' }`: kept in the stream so the model can record modules/includes. */
export interface IncludeDirective {
  kind: "include";
  /** The included file's name as written (relative to the including file). */
  file: string;
  /** The included file's path as the model names it (QEMU: relative to the main file's dir). */
  resolved: string;
  info: SourceInfo;
  /** Where the file name is written (its string): what errors about the included file mark. */
  fileSpan: Span | null;
}

/** Free-form documentation (a `##` block not attached to a definition). */
export interface FreeformDoc {
  kind: "freeform";
  doc: QAPIDoc;
  info: SourceInfo;
}

export type Expr = DefinitionExpr | IncludeDirective | FreeformDoc;

export interface ParsedSchema {
  exprs: Expr[];
  /**
   * False when some text was not parsed (a file's parse ended at a syntax error, an include could
   * not be read): definitions may be missing, so "unknown type" is no longer a finding.
   */
  complete: boolean;
}
