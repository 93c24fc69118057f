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
  ) {}

  /** A copy at another line, used as the parser advances (infos are kept per expression). */
  at(line: number): SourceInfo {
    const info = new SourceInfo(this.fname, line, this.parent, this.pragma);
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
    return this.defnName ? `${this.fname}: In ${this.defnMeta} '${this.defnName}':\n` : "";
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

export type DiagnosticFormat = "qemu" | "gcc" | "json";

/** QEMU's text: include chain, "In <meta> '<name>':" header, file:line[:col]: message. */
export function formatQemu(d: Diagnostic): string {
  if (!d.info) return d.message;
  const where = d.info.toString() + (d.col !== undefined ? `:${d.col}` : "");
  const prefix = d.severity === "warning" ? "warning: " : "";
  const related = (d.related ?? []).map((r) => `\n${r.info.toString()}: ${r.message}`).join("");
  return `${where}: ${prefix}${d.message}${related}`;
}

/** One line, file:line:col: severity: message, as compilers print it (clickable in editors). */
export function formatGcc(d: Diagnostic): string {
  if (!d.info) return `qapi-ts: ${d.severity}: ${d.message}`;
  const related = (d.related ?? [])
    .map((r) => `\n${r.info.fname}:${r.info.line}:1: note: ${r.message}`)
    .join("");
  return `${d.info.fname}:${d.info.line}:${d.col ?? 1}: ${d.severity}: ${d.message}${related}`;
}

export interface JsonDiagnostic {
  severity: Severity;
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
