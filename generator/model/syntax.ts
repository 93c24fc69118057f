// A schema file's text as a tree of positioned values: what the language server (services/language/)
// needs besides the checked model, which knows definitions and their documentation but not where
// each name, key and value is written. The front end's parser builds it when asked
// (ParseOptions.syntax), from the same tokens it reads the schema from, so the two never disagree.
//
// Offsets index `SyntaxFile.text`: the file's text as the parser read it, line ends made "\n"
// (QEMU's universal newlines) and a final newline added. Lines and columns within a line are the
// same as in the text as written, whatever its line ends.

import type { Documentation } from "./documentation.ts";

/** Where a piece of the text is: [start, end) offsets into the file's text. */
export interface TextSpan {
  start: number;
  end: number;
}

export interface SyntaxString extends TextSpan {
  kind: "string";
  /** The string's value (escapes read). */
  value: string;
}

export interface SyntaxBool extends TextSpan {
  kind: "bool";
  value: boolean;
}

export interface SyntaxArray extends TextSpan {
  kind: "array";
  items: SyntaxValue[];
}

export interface SyntaxEntry {
  key: SyntaxString;
  /** null when the text ends (or has an error) before the value. */
  value: SyntaxValue | null;
}

export interface SyntaxObject extends TextSpan {
  kind: "object";
  entries: SyntaxEntry[];
}

export type SyntaxValue = SyntaxString | SyntaxBool | SyntaxArray | SyntaxObject;

/** A `##` documentation block, from its first `##` to the end of its closing one. */
export interface SyntaxDoc extends TextSpan {
  /** The block as read; null when it has an error. */
  doc: Documentation | null;
}

export interface SyntaxFile {
  /** The file's name as the front end names it (as the command line or an include gave it). */
  fname: string;
  text: string;
  /** Top-level expressions in order (definitions, include and pragma directives). */
  exprs: SyntaxValue[];
  docs: SyntaxDoc[];
  /** The files include directives name, as the front end names them, by where the directive starts. */
  includes: Map<number, string>;
  /**
   * Where a syntax error ended the parse, or null: what follows is not in the tree, and the
   * values open there end at it (their `end`).
   */
  errorAt: number | null;
}

/** The value of key `key` in `obj`, or undefined. */
export function entryValue(obj: SyntaxObject, key: string): SyntaxValue | null | undefined {
  for (const e of obj.entries) if (e.key.value === key) return e.value;
  return undefined;
}
