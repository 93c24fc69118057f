// The shapes of the Language Server Protocol's data that the language service answers with: the
// JSON the protocol carries, so that the server sends answers as they are. Places are named by
// file (as the front end names files); the server turns names into URIs. Positions are the
// protocol's: 0-based lines, characters in UTF-16 code units.

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

/** A place in a schema file, named as the front end names files (SourceInfo.fname). */
export interface FileRange {
  file: string;
  range: Range;
}

export interface TextEdit {
  range: Range;
  newText: string;
}

/** Edits by file. */
export type FileEdits = Map<string, TextEdit[]>;

export const enum SymbolKind {
  File = 1,
  Module = 2,
  Namespace = 3,
  Class = 5,
  Method = 6,
  Property = 7,
  Field = 8,
  Enum = 10,
  Interface = 11,
  Function = 12,
  Constant = 14,
  String = 15,
  Boolean = 17,
  Key = 20,
  EnumMember = 22,
  Struct = 23,
  Event = 24,
  TypeParameter = 26,
}

export interface DocumentSymbol {
  name: string;
  detail?: string;
  kind: SymbolKind;
  tags?: 1[];
  range: Range;
  selectionRange: Range;
  children?: DocumentSymbol[];
}

export interface WorkspaceSymbol {
  name: string;
  kind: SymbolKind;
  tags?: 1[];
  containerName?: string;
  location: FileRange;
}

export interface MarkupContent {
  kind: "markdown" | "plaintext";
  value: string;
}

export interface Hover {
  contents: MarkupContent;
  range?: Range;
}

export const enum CompletionItemKind {
  Text = 1,
  Function = 3,
  Field = 5,
  Variable = 6,
  Class = 7,
  Interface = 8,
  Module = 9,
  Property = 10,
  Value = 12,
  Enum = 13,
  Keyword = 14,
  Snippet = 15,
  File = 17,
  EnumMember = 20,
  Constant = 21,
  Struct = 22,
  Event = 23,
  TypeParameter = 25,
}

export interface CompletionItem {
  label: string;
  kind: CompletionItemKind;
  detail?: string;
  documentation?: MarkupContent;
  /** 2: a snippet with $1 placeholders. */
  insertTextFormat?: 1 | 2;
  textEdit?: TextEdit;
  filterText?: string;
  sortText?: string;
  tags?: 1[];
}

export interface CodeAction {
  title: string;
  kind: "quickfix" | "refactor.rewrite";
  /** The codes of the diagnostics it fixes (Diagnostic.code, else its rule: the LSP code). */
  fixes: string[];
  isPreferred?: boolean;
  edits: FileEdits;
}

/** The semantic token types and modifiers the service uses, in the legend's order. */
export const TOKEN_TYPES = [
  "keyword",
  "type",
  "struct",
  "class",
  "enum",
  "enumMember",
  "function",
  "event",
  "property",
  "parameter",
  "decorator",
  "macro",
  "string",
  "comment",
] as const;
export type TokenType = (typeof TOKEN_TYPES)[number];

export const TOKEN_MODIFIERS = [
  "declaration",
  "deprecated",
  "documentation",
  "defaultLibrary",
] as const;
export type TokenModifier = (typeof TOKEN_MODIFIERS)[number];
