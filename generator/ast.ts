// The parser's output: QAPI's JSON-like values with their positions, one TopLevelExpr per
// definition or directive, in file order with includes expanded. This is the contract between
// parser.ts (which builds it) and expr.ts/schema.ts (which check it and build the model).

import type { SourceInfo } from "./source.ts";

export interface Position {
  line: number;
  /** 1-based column, tabs expanded to multiples of 8 as QEMU counts them. */
  col: number;
}

export interface StringValue {
  kind: "string";
  value: string;
  pos: Position;
}

export interface BoolValue {
  kind: "bool";
  value: boolean;
  pos: Position;
}

export interface ListValue {
  kind: "list";
  items: Value[];
  pos: Position;
}

export interface DictEntry {
  key: string;
  keyPos: Position;
  value: Value;
}

/** An object; keys keep source order (QEMU's messages and the model depend on it). */
export interface DictValue {
  kind: "dict";
  entries: Map<string, DictEntry>;
  pos: Position;
}

export type Value = StringValue | BoolValue | ListValue | DictValue;

/** Structural checks on a definition's values use the plain form (as QEMU's expr.py does). */
export type Plain = string | boolean | Plain[] | PlainDict;
export type PlainDict = Map<string, Plain>;

export function toPlain(v: Value): Plain {
  switch (v.kind) {
    case "string":
    case "bool":
      return v.value;
    case "list":
      return v.items.map(toPlain);
    case "dict": {
      const m: PlainDict = new Map();
      for (const [k, e] of v.entries) m.set(k, toPlain(e.value));
      return m;
    }
  }
}

/** A top-level expression: a definition (enum, struct, ...), with its doc comment if any. */
export interface TopLevelExpr {
  kind: "definition";
  /** The expression's value with positions (always a dict at top level; built on first use). */
  expr: DictValue;
  /** Plain view of expr, which expr.ts normalizes in place (as QEMU does). */
  plain: PlainDict;
  info: SourceInfo;
  doc: import("./doc.ts").QAPIDoc | null;
}

/** `{ 'include': 'file.json' }`: kept in the stream so the model can record modules/includes. */
export interface IncludeDirective {
  kind: "include";
  /** The included file's name as written (relative to the including file). */
  file: string;
  /** The included file's path as the model names it (QEMU: relative to the main file's dir). */
  resolved: string;
  info: SourceInfo;
}

/** Free-form documentation (a `##` block not attached to a definition). */
export interface FreeformDoc {
  kind: "freeform";
  doc: import("./doc.ts").QAPIDoc;
  info: SourceInfo;
}

export type Expr = TopLevelExpr | IncludeDirective | FreeformDoc;

/** What parsing a schema returns (or the parse throws QAPIError with the first error). */
export interface ParsedSchema {
  exprs: Expr[];
  /** Legacy-dialect uses accepted under --compat, each reported once. */
  warnings: import("./source.ts").Diagnostic[];
}
