// The one place diagnostics go. Every check raises its error as a QAPIError; the front end's
// recovery points (a file's parse, a top-level expression, a doc block, a definition's checks, an
// entity's checks, a documentation step) hand it to the sink, whose mode decides what happens:
//
//   "first-error"  rethrow it: the front end stops at the first error, as QEMU's generator does
//                  (dump, generate, the conformance harness);
//   "all"          record it and let the recovery point carry on with the next independent unit
//                  (lint), up to maxErrors.
//
// Warnings are recorded in both modes; a warning with a kind is kept once per kind (legacy uses
// accepted under --compat).

import { QAPIError, type Diagnostic, type ErrorPlace, type SourceInfo } from "../model/source.ts";

// What a diagnostic is (its `range`: the exact text at fault, 1-based lines and columns), for
// the front end's users (lint, the language server).
export type { Diagnostic, Position, RelatedLocation, SourceRange } from "../model/source.ts";

export type DiagnosticMode = "first-error" | "all";

/** Thrown when "all" mode has recorded maxErrors errors: ends the front end's run. */
export class TooManyErrors extends Error {
  constructor(readonly limit: number) {
    super(`too many errors; stopped after ${limit}`);
  }
}

export class DiagnosticSink {
  private readonly recorded: Diagnostic[] = [];
  private readonly kinds = new Set<string>();
  private errors = 0;
  /** In "all" mode, the run ends after this many errors (TooManyErrors). */
  readonly maxErrors: number;

  constructor(
    readonly mode: DiagnosticMode = "first-error",
    maxErrors = Infinity,
  ) {
    this.maxErrors = mode === "all" ? maxErrors : Infinity;
  }

  /** True when recovery points should carry on after an error. */
  get collecting(): boolean {
    return this.mode === "all";
  }

  get errorCount(): number {
    return this.errors;
  }

  /**
   * An error caught at a recovery point. First-error mode rethrows it (the caller's catch block
   * ends there); "all" mode records it and returns, and the caller goes on with the next unit.
   */
  error(err: QAPIError): void {
    if (this.mode === "first-error") throw err;
    this.record(err.diagnostic);
  }

  /** The error that ended the run (first-error mode), or any error recorded as data. */
  record(d: Diagnostic): void {
    this.recorded.push(d);
    if (d.severity !== "error") return;
    this.errors++;
    if (this.errors >= this.maxErrors) throw new TooManyErrors(this.maxErrors);
  }

  /** A warning; with a `kind`, only the first one of that kind is kept. */
  warn(d: Diagnostic, kind?: string): void {
    if (kind !== undefined) {
      if (this.kinds.has(kind)) return;
      this.kinds.add(kind);
    }
    this.recorded.push(d);
  }

  /**
   * Everything recorded. First-error mode keeps the order of discovery (QEMU's: warnings, then
   * the error); "all" mode sorts into file order (see compareLocations), as a reader goes.
   */
  diagnostics(): Diagnostic[] {
    if (this.mode === "first-error") return this.recorded;
    return [...this.recorded].sort(compareLocations); // (a stable sort)
  }
}

/** What every check needs besides its input: the dialect accepted, and where diagnostics go. */
export interface CheckContext {
  /** Accept the legacy dialect of QEMU before 6.2 (with a warning per kind of use). */
  compat: boolean;
  sink: DiagnosticSink;
}

/**
 * A use of the legacy dialect (QEMU before 6.2): an error (QEMU 10.2's message) unless compat,
 * where it becomes a warning, kept once per kind of use.
 */
export function legacyUse(
  ctx: CheckContext,
  info: SourceInfo,
  kind: string,
  message: string,
  place: ErrorPlace,
  /** The error's class (doc blocks raise DocErrors, which they recover from). */
  Err: typeof QAPIError = QAPIError,
): void {
  const err = new Err(info, message, { ...place, code: `legacy-${kind}` });
  if (!ctx.compat) throw err;
  const d = err.diagnostic;
  ctx.sink.warn({ ...d, severity: "warning", message: `${message} (accepted by --compat)` }, kind);
}

/**
 * File order across includes: a diagnostic in an included file comes where the include is, and
 * the include line's own diagnostics before the included file's. Diagnostics without a place
 * (the schema file cannot be read) come first.
 */
export function compareLocations(a: Diagnostic, b: Diagnostic): number {
  if (!a.info || !b.info) return (a.info ? 1 : 0) - (b.info ? 1 : 0);
  const pa = path(a.info);
  const pb = path(b.info);
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i]!;
    const y = pb[i]!;
    if (x.line !== y.line) return x.line - y.line;
    if (x.into !== y.into) return x.into - y.into;
  }
  return (
    pa.length - pb.length ||
    (a.col ?? 0) - (b.col ?? 0) ||
    (a.range?.start.line ?? 0) - (b.range?.start.line ?? 0) ||
    (a.range?.start.col ?? 0) - (b.range?.start.col ?? 0)
  );
}

/** From the main file down: the line at each level, and which file it leads into (-1: none). */
function path(info: SourceInfo): { line: number; into: number }[] {
  const out: { line: number; into: number }[] = [{ line: info.line, into: -1 }];
  for (let p = info.parent, child = info; p; child = p, p = p.parent)
    out.unshift({ line: p.line, into: child.fileIndex });
  return out;
}

/** A diagnostic held by a DiagnosticLog: an error (as raised), a warning (with its kind), a note. */
export type LogEntry = (
  | { error: QAPIError }
  | { warning: Diagnostic; kind: string | undefined }
  | { recorded: Diagnostic }
) & {
  /** The log's mark when it was found (a file's parse: how many of its expressions came before). */
  at: number;
};

/**
 * Diagnostics held back, to be passed on later in the order found: a file's own parse logs here,
 * and its diagnostics reach the run's sink interleaved with those of the files it includes (as
 * QEMU finds them), however often the parse is reused (incremental.ts). Collects every one, as
 * the "all" mode does; passing on to a first-error sink stops at the first error.
 */
export class DiagnosticLog extends DiagnosticSink {
  readonly entries: LogEntry[] = [];

  /** `mark()`: what each entry is marked with (default 0). */
  constructor(private readonly mark: () => number = () => 0) {
    super("all");
  }

  override error(err: QAPIError): void {
    this.entries.push({ error: err, at: this.mark() });
  }

  override record(d: Diagnostic): void {
    this.entries.push({ recorded: d, at: this.mark() });
  }

  override warn(d: Diagnostic, kind?: string): void {
    this.entries.push({ warning: d, kind, at: this.mark() });
  }

  override get errorCount(): number {
    return this.entries.filter((e) => "error" in e || ("recorded" in e && isError(e))).length;
  }
}

function isError(e: { recorded: Diagnostic }): boolean {
  return e.recorded.severity === "error";
}

/** Passes a logged diagnostic on to `sink`, as it was first reported. */
export function passOn(sink: DiagnosticSink, e: LogEntry): void {
  if ("error" in e) sink.error(e.error);
  else if ("warning" in e) sink.warn(e.warning, e.kind);
  else sink.record(e.recorded);
}
