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
 * Where something is: file (as named on the command line or by the include), line, the include
 * chain, and the definition it belongs to (for "In command 'x':" headers).
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
  ) {}

  /** A copy at another line, used as the parser advances (infos are kept per expression). */
  at(line: number): SourceInfo {
    const info = new SourceInfo(this.fname, line, this.parent, this.pragma, this.fileIndex);
    info.defnMeta = this.defnMeta;
    info.defnName = this.defnName;
    return info;
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
  /** 1-based column, for errors the lexer/parser can place precisely. */
  col?: number;
  /** Other places the message refers to (e.g. a previous definition). */
  related?: RelatedLocation[];
  /** The lint rule that reported it (generator/services/lint-rules.ts); none for the language's rules. */
  rule?: string;
}

export interface RelatedLocation {
  info: SourceInfo;
  message: string;
}

/** Raised by every front-end stage; carries one diagnostic. */
export class QAPIError extends Error {
  readonly diagnostic: Diagnostic;
  constructor(info: SourceInfo | null, message: string, col?: number, related?: RelatedLocation[]) {
    super(message);
    this.diagnostic = { severity: "error", message, info, col, related };
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

/** One line, file:line:col: severity: message, as compilers print it (clickable in editors). */
export function formatGcc(d: Diagnostic): string {
  if (!d.info) return `qapi-ts: ${d.severity}: ${d.message}`;
  const related = (d.related ?? [])
    .map((r) => `\n${r.info.fname}:${r.info.line}:1: note: ${r.message}`)
    .join("");
  return `${d.info.fname}:${d.info.line}:${d.col ?? 1}: ${d.severity}: ${d.message}${ruleTag(d)}${related}`;
}

export interface JsonDiagnostic {
  severity: Severity;
  /** The lint rule that reported it; null for the schema language's own rules. */
  rule: string | null;
  file: string | null;
  line: number | null;
  column: number | null;
  definition: { meta: string; name: string } | null;
  includedFrom: { file: string; line: number }[];
  message: string;
  related: { file: string; line: number; message: string }[];
}

export function toJson(d: Diagnostic): JsonDiagnostic {
  const includedFrom: { file: string; line: number }[] = [];
  for (let p = d.info?.parent ?? null; p; p = p.parent)
    includedFrom.push({ file: p.fname, line: p.line });
  return {
    severity: d.severity,
    rule: d.rule ?? null,
    file: d.info?.fname ?? null,
    line: d.info?.line ?? null,
    column: d.col ?? null,
    definition: d.info?.defnName ? { meta: d.info.defnMeta!, name: d.info.defnName } : null,
    includedFrom,
    message: d.message,
    related: (d.related ?? []).map((r) => ({
      file: r.info.fname,
      line: r.info.line,
      message: r.message,
    })),
  };
}
