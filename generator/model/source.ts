// Source locations and diagnostics: the one vocabulary every stage uses to say where and what.
// Messages render in QEMU's exact text (see qapi-code-gen tests' *.err), other formats derive from
// the same data.

/** Per-file settings a `pragma` directive changes; shared by a file and everything it includes. */
export interface Pragma {
  docRequired: boolean;
  commandNameExceptions: string[];
  commandReturnsExceptions: string[];
  memberNameExceptions: string[];
  documentationExceptions: string[];
}

export function newPragma(): Pragma {
  return {
    docRequired: false,
    commandNameExceptions: [],
    commandReturnsExceptions: [],
    memberNameExceptions: [],
    documentationExceptions: [],
  };
}

/**
 * A schema file's text as the front end read it (universal newlines, a final newline), which
 * turns the offsets of spans into lines and columns. Shared by every SourceInfo of the file.
 */
export class SourceText {
  private lineStarts: number[] | null = null;

  constructor(readonly text: string) {}

  /** Offsets where lines start, computed when a position is first asked for. */
  private starts(): number[] {
    if (this.lineStarts) return this.lineStarts;
    const starts = [0];
    const text = this.text;
    for (let i = text.indexOf("\n"); i >= 0 && i + 1 < text.length; i = text.indexOf("\n", i + 1))
      starts.push(i + 1);
    return (this.lineStarts = starts);
  }

  get lineCount(): number {
    return this.starts().length;
  }

  /** Where line `line` (1-based) starts; the text's length past the last line. */
  lineStart(line: number): number {
    const starts = this.starts();
    return line < 1 ? 0 : line > starts.length ? this.text.length : starts[line - 1]!;
  }

  /** Line `line` (1-based) without its newline. */
  line(line: number): string {
    const start = this.lineStart(line);
    const nl = this.text.indexOf("\n", start);
    return this.text.slice(start, nl < 0 ? this.text.length : nl);
  }

  /** The line and column of an offset (see Position). */
  position(offset: number): Position {
    const starts = this.starts();
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - starts[lo]! + 1 };
  }

  /** The range of a span of this text. */
  range(span: Span): SourceRange {
    return { start: this.position(span.start), end: this.position(span.end) };
  }
}

/**
 * A piece of schema text: offsets [start, end) into the SourceText of the SourceInfo that goes
 * with it (a definition's, a member's: the same file). Model nodes carry spans (their name, their
 * type reference); diagnostics carry the SourceRange a span makes.
 */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/**
 * A place in a file: `line` 1-based; `col` 1-based in UTF-16 code units of the line (a language
 * server's `character` is col - 1). Unlike QEMU's column (Diagnostic.col: tabs to the next
 * multiple of 8, code points), a tab and each character count one.
 */
export interface Position {
  line: number;
  col: number;
}

/** The exact text a diagnostic is about: from `start` up to `end` (exclusive). */
export interface SourceRange {
  start: Position;
  end: Position;
}

/**
 * Where something is: file (as named on the command line or by the include), line, the include
 * chain, and the definition it belongs to (for "In command 'x':" headers). `line` is QEMU's line
 * (a definition's first line for everything in it); spans say exactly where.
 */
export class SourceInfo {
  defnMeta: string | null = null;
  defnName: string | null = null;

  constructor(
    readonly fname: string,
    public line: number,
    readonly parent: SourceInfo | null,
    readonly pragma: Pragma,
    /** The file's place in parse order (0: the main file), which orders diagnostics. */
    readonly fileIndex = 0,
    /** The file's text, for turning spans into ranges (null where there is none). */
    readonly source: SourceText | null = null,
  ) {}

  /** A copy at another line, used as the parser advances (infos are kept per expression). */
  at(line: number): SourceInfo {
    const info = new SourceInfo(
      this.fname,
      line,
      this.parent,
      this.pragma,
      this.fileIndex,
      this.source,
    );
    info.defnMeta = this.defnMeta;
    info.defnName = this.defnName;
    return info;
  }

  /** The range of a span of this file (undefined without the text or the span). */
  range(span: Span | null | undefined): SourceRange | undefined {
    return span && this.source ? this.source.range(span) : undefined;
  }

  setDefn(meta: string, name: string): void {
    this.defnMeta = meta;
    this.defnName = name;
  }

  loc(): string {
    return `${this.fname}:${this.line}`;
  }

  inDefn(): string {
    return this.defnName ? `${this.fname}: In ${this.defnMeta} '${excerpt(this.defnName)}':\n` : "";
  }

  includePath(): string {
    let ret = "";
    for (let p = this.parent; p; p = p.parent) ret = `In file included from ${p.loc()}:\n` + ret;
    return ret;
  }

  toString(): string {
    return this.includePath() + this.inDefn() + this.loc();
  }
}

export type Severity = "error" | "warning";

/** A diagnostic as data; rendering is separate (see formatDiagnostic). */
export interface Diagnostic {
  severity: Severity;
  message: string;
  /** null for errors that belong to no file (e.g. the schema file cannot be opened). */
  info: SourceInfo | null;
  /** QEMU's 1-based column, for the errors QEMU's lexer and parser place on a column. */
  col?: number;
  /**
   * The exact text at fault in info's file: the member, key, value, doc line or word. QEMU's
   * format keeps QEMU's place (info.line, col); the gcc and JSON formats and editors use this.
   */
  range?: SourceRange;
  /** Other places the message refers to (e.g. a previous definition). */
  related?: RelatedLocation[];
  /** The lint rule that reported it (generator/services/lint-rules.ts); none for the language's rules. */
  rule?: string;
  /**
   * A stable name for the kind of problem, where a tool acts on it (the language server sends it
   * as the protocol's Diagnostic.code, else the rule, and its code actions say what they fix by
   * it): `legacy-<kind>` for a use of the legacy dialect, `undocumented` for a member, value,
   * branch or feature without a description, `doc-required` for a definition without a doc
   * comment. The message stays QEMU's.
   */
  code?: string;
}

export interface RelatedLocation {
  info: SourceInfo;
  message: string;
  range?: SourceRange;
}

/** Where an error is, besides its SourceInfo (see Diagnostic). */
export interface ErrorPlace {
  col?: number;
  /** The text at fault, in the info's file (made into the diagnostic's range). */
  span?: Span | null;
  /** The range, where no span can say it (text that could not be decoded). */
  range?: SourceRange;
  related?: RelatedLocation[];
  /** Diagnostic.code. */
  code?: string;
}

/** Raised by every front-end stage; carries one diagnostic. */
export class QAPIError extends Error {
  readonly diagnostic: Diagnostic;
  constructor(info: SourceInfo | null, message: string, place: ErrorPlace = {}) {
    super(message);
    const d: Diagnostic = { severity: "error", message, info };
    if (place.col !== undefined) d.col = place.col;
    const range = place.range ?? info?.range(place.span);
    if (range) d.range = range;
    if (place.related) d.related = place.related;
    if (place.code) d.code = place.code;
    this.diagnostic = d;
  }
}

/** How much of the input a message quotes at most (a name, stray text, a doc line's symbol). */
export const EXCERPT_LENGTH = 40;

/** Characters a message never prints as they are: controls, format characters, lone surrogates. */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Zl}\p{Zp}]/u;

/**
 * Input text as a message quotes it: unprintable characters escaped (`\x00`, `\u200b`), and cut
 * to EXCERPT_LENGTH characters with "..." when longer, so that a message never carries more than
 * a short piece of whatever file it was given. Names and stray text of ordinary schemas are
 * printed as they are.
 */
export function excerpt(text: string): string {
  if (text.length <= EXCERPT_LENGTH && (isPrintableAscii(text) || !UNPRINTABLE.test(text)))
    return text;
  let out = "";
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    const piece = !UNPRINTABLE.test(ch)
      ? ch
      : code < 0x100
        ? `\\x${code.toString(16).padStart(2, "0")}`
        : `\\u${code.toString(16).padStart(4, "0")}`;
    if (out.length + piece.length > EXCERPT_LENGTH) return out + "...";
    out += piece;
  }
  return out;
}

/** (Names are printable ASCII: a loop tells without a regular expression.) */
function isPrintableAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

export type DiagnosticFormat = "qemu" | "gcc" | "json";

/** QEMU's text: include chain, "In <meta> '<name>':" header, file:line[:col]: message. */
export function formatQemu(d: Diagnostic): string {
  if (!d.info) return d.message;
  const where = d.info.toString() + (d.col !== undefined ? `:${d.col}` : "");
  const prefix = d.severity === "warning" ? "warning: " : "";
  const related = (d.related ?? []).map((r) => `\n${r.info.toString()}: ${r.message}`).join("");
  return `${where}: ${prefix}${d.message}${ruleTag(d)}${related}`;
}

/** A lint rule's diagnostics name it, as compilers name the flag of a warning. */
function ruleTag(d: Diagnostic): string {
  return d.rule ? ` [${d.rule}]` : "";
}

/**
 * As compilers print it: `file:line:col: severity: message`, at the start of the range (or at
 * QEMU's place where there is none, without a column QEMU doesn't give), then the line of the
 * range with its text underlined as GCC shows ranges (`^~~~`); editors and CI annotations read the
 * first line. Related places follow as notes.
 */
export function formatGcc(d: Diagnostic): string {
  if (!d.info) return `qapi-ts: ${d.severity}: ${d.message}`;
  let out = gccLine(d.info, d.range, d.col, `${d.severity}: ${d.message}${ruleTag(d)}`);
  for (const r of d.related ?? [])
    out += "\n" + gccLine(r.info, r.range, undefined, `note: ${r.message}`);
  return out;
}

function gccLine(
  info: SourceInfo,
  range: SourceRange | undefined,
  col: number | undefined,
  text: string,
): string {
  if (!range) return `${info.fname}:${info.line}${col !== undefined ? `:${col}` : ""}: ${text}`;
  const { line, col: start } = range.start;
  const head = `${info.fname}:${line}:${start}: ${text}`;
  return info.source ? head + "\n" + underline(info.source.line(line), line, range) : head;
}

/** Widest piece of a source line the underline shows (input lines can be megabytes long). */
const SHOWN_COLUMNS = 160;

/**
 * GCC's excerpt: ` 541 |     text` and `     |     ^~~~` under the range's part of that line.
 * Tabs are expanded, unprintable characters shown as '?', and a long line cut around the range.
 */
function underline(text: string, line: number, range: SourceRange): string {
  const from = range.start.col - 1;
  const to = range.end.line === line ? Math.max(range.end.col - 1, from + 1) : text.length;
  const first = from > SHOWN_COLUMNS / 2 ? from - 20 : 0;
  let shown = first > 0 ? "..." : "";
  let marks = " ".repeat(shown.length);
  let i = first;
  for (; i < text.length && shown.length < SHOWN_COLUMNS; i++) {
    const c = text[i]!;
    const piece = c === "\t" ? " ".repeat(8 - (shown.length % 8)) : UNPRINTABLE.test(c) ? "?" : c;
    shown += piece;
    const mark = i === from ? "^" : i > from && i < to ? "~" : " ";
    marks += mark === " " ? " ".repeat(piece.length) : mark + "~".repeat(piece.length - 1);
  }
  if (i < text.length) shown += "...";
  if (from >= text.length) marks += "^"; // the end of the line (or of the file)
  const gutter = String(line).padStart(5);
  return `${gutter} | ${shown.trimEnd()}\n${" ".repeat(gutter.length)} | ${marks.trimEnd()}`;
}

export interface JsonDiagnostic {
  severity: Severity;
  /** The lint rule that reported it; null for the schema language's own rules. */
  rule: string | null;
  /** The kind of problem, as the language server's Diagnostic.code: Diagnostic.code, else the rule. */
  code: string | null;
  file: string | null;
  /**
   * The range at fault (ESLint's fields: 1-based, columns in UTF-16 code units, end exclusive);
   * without one, QEMU's line and column (null where QEMU gives none) and no end.
   */
  line: number | null;
  column: number | null;
  endLine: number | null;
  endColumn: number | null;
  definition: { meta: string; name: string } | null;
  includedFrom: { file: string; line: number }[];
  message: string;
  related: {
    file: string;
    line: number;
    column: number | null;
    endLine: number | null;
    endColumn: number | null;
    message: string;
  }[];
}

/** The location fields of the JSON form (see JsonDiagnostic). */
function jsonPlace(info: SourceInfo, range: SourceRange | undefined, col: number | undefined) {
  return {
    line: range ? range.start.line : info.line,
    column: range ? range.start.col : (col ?? null),
    endLine: range ? range.end.line : null,
    endColumn: range ? range.end.col : null,
  };
}

export function toJson(d: Diagnostic): JsonDiagnostic {
  const includedFrom: { file: string; line: number }[] = [];
  for (let p = d.info?.parent ?? null; p; p = p.parent)
    includedFrom.push({ file: p.fname, line: p.line });
  const none = { line: null, column: null, endLine: null, endColumn: null };
  return {
    severity: d.severity,
    rule: d.rule ?? null,
    code: d.code ?? d.rule ?? null,
    file: d.info?.fname ?? null,
    ...(d.info ? jsonPlace(d.info, d.range, d.col) : none),
    definition: d.info?.defnName ? { meta: d.info.defnMeta!, name: d.info.defnName } : null,
    includedFrom,
    message: d.message,
    related: (d.related ?? []).map((r) => ({
      file: r.info.fname,
      ...jsonPlace(r.info, r.range, undefined),
      message: r.message,
    })),
  };
}
