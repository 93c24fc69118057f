// The QAPI parser: schema files to a stream of top-level expressions (ast.ts), with includes
// expanded, pragmas applied and `##` documentation blocks parsed.
//
// It follows QEMU's parser token by token, so that the first error and its line:column are
// QEMU's: scanner.ts is QEMU's lexer state over the chevrotain tokens (lexer.ts),
// parser/values.ts the values, parser/doc-block.ts the documentation blocks,
// parser/directives.ts include and pragma. This module reads the files (through a SchemaHost),
// parses each one's top level on its own (parseFile: a FileParse, which the incremental front
// end reuses while the file is unchanged) and follows its includes where they stand.
//
// Errors go to the DiagnosticSink (diagnostics.ts), by way of each file's log, in the order QEMU
// finds them. When the sink collects them, a syntax error ends its file's parse (what follows
// cannot be read reliably), while an error in a documentation block, a directive or the shape of
// a top-level expression only loses that block or expression.

import type { DefinitionExpr, Expr, IncludeDirective, ParsedSchema, PlainDict } from "../ast.ts";
import { DiagnosticLog, DiagnosticSink, passOn } from "../diagnostics.ts";
import { DocError, type QAPIDoc } from "../doc-comments.ts";
import { diskHost, type SchemaHost } from "../host.ts";
import {
  QAPIError,
  SourceInfo,
  SourceText,
  excerpt,
  newPragma,
  type Pragma,
  type Span,
} from "../../model/source.ts";
import type { SyntaxFile } from "../../model/syntax.ts";
import { PositionTable } from "../position-table.ts";
import { decodeSchema } from "./decode.ts";
import { applyPragma, joinDirname, type PragmaSetting } from "./directives.ts";
import { DocBlockReader } from "./doc-block.ts";
import { Scanner, T } from "./scanner.ts";
import { SyntaxRecorder } from "./syntax-recorder.ts";
import { getExpr } from "./values.ts";

export type { PragmaSetting } from "./directives.ts";

export interface ParseOptions {
  /** Accept the legacy dialect of older QEMU releases (each kind of use warned about once). */
  compat: boolean;
  /** Where files are read from (default: the file system). */
  host?: SchemaHost;
  /** Where diagnostics go (default: a first-error sink, which throws the first error). */
  sink?: DiagnosticSink;
  /** Record each file's positioned syntax tree (FileParse.syntax), for the language server. */
  syntax?: boolean;
  /** The settings the schema's `pragma` directives fill (default: new ones). */
  pragma?: Pragma;
  /**
   * Where each file's own parse comes from: given the file and a function that parses it, returns
   * that function's result, or an earlier one for the same text at the same place (the
   * incremental front end, incremental.ts, reuses the parse of files that did not change).
   */
  parseFile?: (file: FileSource, parse: () => FileParse) => FileParse;
}

/** A file to parse: its text, and its place among the schema's files (which its SourceInfos hold). */
export interface FileSource {
  fname: string;
  /** The text read (before newlines are made "\n"). */
  text: string;
  /** The include directive that brought it in; null for the main file. */
  parent: SourceInfo | null;
  /** Its place in parse order (SourceInfo.fileIndex). */
  fileIndex: number;
  /** The place as a key: equal for two files whose SourceInfos would print and sort alike. */
  place: string;
}

/**
 * One file's own top level, its includes not followed (the caller follows them where they stand):
 * what a file contributes wherever it is included. Its diagnostics are logged, each marked with how
 * many of its expressions came before, so that they reach the sink interleaved with those of the
 * files it includes, in the order QEMU finds them.
 */
export interface FileParse {
  fname: string;
  text: string;
  /** The text as the parser read it (Scanner.text: universal newlines, a final newline). */
  src: string;
  place: string;
  /** Definitions, free-form documentation and include directives, in order. */
  exprs: Expr[];
  /**
   * Where each of `exprs` starts in `src`: a definition's span.start, which for a definition kept
   * from an earlier parse (reparseFile, the incremental front end) is where it starts in that
   * parse's text; -1 for the other expressions.
   */
  starts: number[];
  log: DiagnosticLog;
  /** The settings its `pragma` directives made, in order. */
  pragmas: PragmaSetting[];
  /** False when some of its text was not read (a syntax error, an invalid include directive). */
  complete: boolean;
  /**
   * Its syntax tree, when ParseOptions.syntax asked for it (after reparseFile, recorded when
   * first read: a parse of the whole file that the edit's check does not wait for).
   */
  syntax: SyntaxFile | null;
}

/**
 * Bound on the schema text read in one parse (all files together): twenty times QEMU's own
 * schema, so that absurd inputs get a diagnostic instead of exhausting memory.
 */
export const MAX_SCHEMA_BYTES = 16 * 1024 * 1024;

interface ParseContext {
  compat: boolean;
  host: SchemaHost;
  sink: DiagnosticSink;
  pragma: Pragma;
  syntax: boolean;
  parseFile: ParseOptions["parseFile"];
  /** Absolute names of every file parsed so far: each is parsed once. */
  included: Set<string>;
  /** Absolute names by file name, computed once per name. */
  absolute: Map<string, string>;
  /** Bytes of schema text read so far (see MAX_SCHEMA_BYTES). */
  bytes: number;
  /** Files opened so far (SourceInfo.fileIndex). */
  files: number;
  exprs: Expr[];
  complete: boolean;
}

/** Parses a schema file and everything it includes. */
export function parseSchema(fname: string, options: ParseOptions): ParsedSchema {
  const ctx: ParseContext = {
    compat: options.compat,
    host: options.host ?? diskHost,
    sink: options.sink ?? new DiagnosticSink(),
    pragma: options.pragma ?? newPragma(),
    syntax: options.syntax ?? false,
    parseFile: options.parseFile,
    included: new Set(),
    absolute: new Map(),
    bytes: 0,
    files: 0,
    exprs: [],
    complete: true,
  };
  followFile(ctx, fname, null, null);
  return { exprs: ctx.exprs, complete: ctx.complete };
}

function absolute(ctx: ParseContext, fname: string): string {
  let abs = ctx.absolute.get(fname);
  if (abs === undefined) ctx.absolute.set(fname, (abs = ctx.host.absolute(fname)));
  return abs;
}

/**
 * A file where the schema or an include names it: read, parsed, and its includes followed.
 * `includeSpan`: the file name in the include directive that names it.
 */
function followFile(
  ctx: ParseContext,
  fname: string,
  parentInfo: SourceInfo | null,
  includeSpan: Span | null,
): void {
  const fileIndex = ctx.files++;
  ctx.included.add(absolute(ctx, fname));
  let text: string;
  try {
    text = readFile(ctx, fname, parentInfo, fileIndex, includeSpan);
  } catch (err) {
    if (!(err instanceof QAPIError)) throw err;
    ctx.complete = false;
    ctx.sink.error(err);
    return;
  }
  let place = String(fileIndex);
  for (let p = parentInfo; p; p = p.parent) place += `\n${p.fname}:${p.line}`;
  const source: FileSource = { fname, text, parent: parentInfo, fileIndex, place };
  const parse = (): FileParse => parseFile(source, ctx.pragma, ctx.compat, ctx.syntax);
  const file = ctx.parseFile ? ctx.parseFile(source, parse) : parse();
  if (!file.complete) ctx.complete = false;
  const entries = file.log.entries;
  let next = 0;
  for (let i = 0; i < file.exprs.length; i++) {
    while (next < entries.length && entries[next]!.at <= i) passOn(ctx.sink, entries[next++]!);
    const e = file.exprs[i]!;
    ctx.exprs.push(e);
    if (e.kind === "include") followInclude(ctx, e);
  }
  while (next < entries.length) passOn(ctx.sink, entries[next++]!);
}

function followInclude(ctx: ParseContext, e: IncludeDirective): void {
  const abs = absolute(ctx, e.resolved);
  for (let inf: SourceInfo | null = e.info; inf; inf = inf.parent) {
    if (abs === absolute(ctx, inf.fname))
      return ctx.sink.error(
        new QAPIError(e.info, `inclusion loop for ${e.file}`, { span: e.fileSpan }),
      );
  }
  if (!ctx.included.has(abs)) followFile(ctx, e.resolved, e.info, e.fileSpan);
}

function readFile(
  ctx: ParseContext,
  fname: string,
  parentInfo: SourceInfo | null,
  fileIndex: number,
  includeSpan: Span | null,
): string {
  const cantRead = (reason: string): QAPIError =>
    new QAPIError(
      parentInfo,
      `can't read ${parentInfo ? "include" : "schema"} file '${fname}': ${reason}`,
      { span: includeSpan },
    );
  const r = ctx.host.read(fname, MAX_SCHEMA_BYTES - ctx.bytes);
  if ("error" in r) throw cantRead(r.error);
  if ("tooLarge" in r)
    throw cantRead(
      `File too large (schemas are limited to ${MAX_SCHEMA_BYTES >> 20} MiB in total)`,
    );
  if ("text" in r) {
    ctx.bytes += r.text.length;
    return r.text;
  }
  ctx.bytes += r.bytes.length;
  const pragma = parentInfo ? parentInfo.pragma : ctx.pragma;
  return decodeSchema(r.bytes, new SourceInfo(fname, 1, parentInfo, pragma, fileIndex));
}

/** What the parse of one file's top level works with. */
interface FileContext {
  compat: boolean;
  sink: DiagnosticLog;
  file: FileParse;
  pragma: Pragma;
  /** Where the file's values and keys are (one table per file, shared by its definitions). */
  table: PositionTable;
}

/** One file's own top level (FileParse). An error that ends it is logged with the rest. */
export function parseFile(
  source: FileSource,
  rootPragma: Pragma,
  compat: boolean,
  syntax: boolean,
): FileParse {
  const src = Scanner.text(source.text);
  const file = newFileParse(source, src, []);
  const recorder = syntax ? new SyntaxRecorder(source.fname, src) : null;
  const info = fileInfo(source, rootPragma, src);
  const s = new Scanner(src, info);
  s.syntax = recorder;
  readTopLevel(file, s, { compat, pragma: info.pragma }, null);
  file.syntax = recorder?.result() ?? null;
  addStarts(file, 0);
  return file;
}

/** Records where `file.exprs` from `from` on start (see FileParse.starts). */
function addStarts(file: FileParse, from: number): void {
  for (let i = from; i < file.exprs.length; i++) {
    const e = file.exprs[i]!;
    file.starts.push(e.kind === "definition" ? e.span.start : -1);
  }
}

function newFileParse(source: FileSource, src: string, exprs: Expr[]): FileParse {
  const file: FileParse = {
    fname: source.fname,
    text: source.text,
    src,
    place: source.place,
    exprs,
    starts: [],
    log: new DiagnosticLog(() => file.exprs.length),
    pragmas: [],
    complete: true,
    syntax: null,
  };
  return file;
}

function fileInfo(source: FileSource, rootPragma: Pragma, src: string): SourceInfo {
  const { fname, parent } = source;
  const pragma = parent ? parent.pragma : rootPragma;
  return new SourceInfo(fname, 1, parent, pragma, source.fileIndex, new SourceText(src));
}

/**
 * Parses `file`'s top level from where `s` stands; `stop` as in parseTopLevel. An error that ends
 * the parse is logged with the rest. Returns where it stopped (null: at the end, or an error).
 */
function readTopLevel(
  file: FileParse,
  s: Scanner,
  { compat, pragma }: { compat: boolean; pragma: Pragma },
  stop: ((offset: number) => boolean) | null,
): number | null {
  try {
    return parseTopLevel(
      { compat, sink: file.log, file, pragma, table: new PositionTable(s.src) },
      s,
      stop,
    );
  } catch (err) {
    if (!(err instanceof QAPIError)) throw err;
    file.complete = false;
    s.syntax?.abort(s.pos);
    file.log.error(err);
    return null;
  }
}

/**
 * A file's parse after an edit, made from its last parse (`old`, of the same file at the same
 * place): only the text from the start of the definition the edit begins in (with its doc
 * comment) up to the first definition after the edit whose text is where it was is parsed; the
 * expressions before and after are the old parse's, the same objects (their positions hold: the
 * text before the edit is the same, and the text from that definition on is the same, at the same
 * lines). Null where that does not hold or cannot be told cheaply: the edit changes the number of
 * lines, the old parse was cut short, had pragmas, or logged diagnostics the edit may move.
 * What it gives is what parseFile would (test/incremental.test.ts compares them after random
 * edits), its syntax tree recorded when first asked for.
 */
export function reparseFile(
  old: FileParse,
  source: FileSource,
  rootPragma: Pragma,
  compat: boolean,
  syntax: boolean,
): FileParse | null {
  if (!old.complete || old.pragmas.length || old.place !== source.place) return null;
  const src = Scanner.text(source.text);
  const was = old.src;
  // The edit: what differs between the texts' common beginning and common end.
  const { head, tail } = commonEnds(src, was);
  if (lineBreaks(src, head, src.length - tail) !== lineBreaks(was, head, was.length - tail))
    return null;
  const delta = src.length - was.length;

  // Where a parse may start or stop: a definition that starts a line, with a doc comment that
  // read well or none (the parser's state there is its state at the start of a file).
  const starts = new Map<number, number>();
  let from = 0;
  let kept = 0;
  for (let i = 0; i < old.exprs.length; i++) {
    const e = old.exprs[i]!;
    if (e.kind !== "definition" || e.docFailed) continue;
    const at = old.starts[i]!;
    if (at !== 0 && was.charCodeAt(at - 1) !== 10) continue;
    starts.set(at, i);
    if (at <= head) {
      from = at;
      kept = i;
    }
  }
  const file = newFileParse(source, src, old.exprs.slice(0, kept));
  file.starts = old.starts.slice(0, kept);
  for (const e of old.log.entries) {
    if (e.at === kept) return null; // before the definition parsed again, or in it: can't tell
    if (e.at < kept) file.log.entries.push(e);
  }
  const changedEnd = src.length - tail;
  const info = fileInfo(source, rootPragma, src);
  const s = new Scanner(src, info, from, lineBreaks(src, 0, from) + 1);
  const stopped = readTopLevel(
    file,
    s,
    { compat, pragma: info.pragma },
    (at) =>
      at >= changedEnd && (at === 0 || src.charCodeAt(at - 1) === 10) && starts.has(at - delta),
  );
  addStarts(file, kept);
  if (stopped !== null) {
    const next = starts.get(stopped - delta)!;
    for (const e of old.log.entries) if (e.at >= next) return null;
    for (let i = next; i < old.exprs.length; i++) {
      file.exprs.push(old.exprs[i]!);
      const at = old.starts[i]!;
      file.starts.push(at < 0 ? at : at + delta);
    }
  }
  if (syntax) {
    let tree: SyntaxFile | null | undefined;
    Object.defineProperty(file, "syntax", {
      get: () =>
        (tree ??= parseFile({ ...source, parent: null }, newPragma(), compat, true).syntax),
      enumerable: true,
    });
  }
  return file;
}

/**
 * How long the texts' common beginning and (after it) common end are. Found by halving, comparing
 * slices (which V8 compares in bulk): a hundred times faster than a loop over characters.
 */
function commonEnds(a: string, b: string): { head: number; tail: number } {
  const shortest = Math.min(a.length, b.length);
  let head = 0;
  for (let hi = shortest; head < hi; ) {
    const mid = (head + hi + 1) >> 1;
    if (a.slice(head, mid) === b.slice(head, mid)) head = mid;
    else hi = mid - 1;
  }
  let tail = 0;
  for (let hi = shortest - head; tail < hi; ) {
    const mid = (tail + hi + 1) >> 1;
    if (a.slice(a.length - mid, a.length - tail) === b.slice(b.length - mid, b.length - tail))
      tail = mid;
    else hi = mid - 1;
  }
  return { head, tail };
}

/** How many line breaks `text` has from `start` to `end`. */
function lineBreaks(text: string, start: number, end: number): number {
  let n = 0;
  for (let i = text.indexOf("\n", start); i >= 0 && i < end; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

/**
 * QEMU's parser loop: documentation blocks, directives and definitions, until the end; or until
 * `stop` says yes to where the next one starts, with no doc comment pending (returns that offset).
 */
function parseTopLevel(
  ctx: FileContext,
  s: Scanner,
  stop: ((offset: number) => boolean) | null,
): number | null {
  const { sink, table } = ctx;
  const exprs = ctx.file.exprs;
  s.accept();
  let curDoc: QAPIDoc | null = null;
  /** The block before the current expression had an error. */
  let docFailed = false;
  /** Where the last documentation block starts. */
  let docStart = 0;
  while (s.t() !== T.EOF) {
    if (stop && !curDoc && !docFailed && stop(s.pos)) return s.pos;
    const info = s.info();
    if (s.t() === T.HASH) {
      rejectExprDoc(ctx, curDoc);
      docStart = s.pos;
      const reader = new DocBlockReader(s, ctx);
      try {
        curDoc = reader.read();
        docFailed = false;
      } catch (err) {
        if (!(err instanceof DocError)) throw err;
        sink.error(err);
        reader.skipBlock();
        s.syntax?.doc(docStart, reader.end, null);
        curDoc = null;
        docFailed = true;
        continue;
      }
      s.syntax?.doc(docStart, reader.end, curDoc);
      if (!curDoc.symbol) exprs.push({ kind: "freeform", doc: curDoc, info: curDoc.info });
      continue;
    }
    const start = curDoc || docFailed ? docStart : s.pos;
    const slot = table.length;
    const e = getExpr(s, table);
    try {
      if (!(e instanceof Map))
        throw new QAPIError(info, "top-level expression must be an object", {
          span: table.span(slot),
        });
      if (e.has("include")) {
        rejectExprDoc(ctx, curDoc);
        include(ctx, e, info, s, slot);
      } else if (e.has("pragma")) {
        rejectExprDoc(ctx, curDoc);
        pragmaDirective(ctx, e, info, slot);
      } else {
        const definition: DefinitionExpr = {
          kind: "definition",
          plain: e,
          positions: table,
          slot,
          info,
          doc: curDoc,
          docFailed,
          span: { start, end: s.prevEnd },
        };
        exprs.push(definition);
        if (curDoc && !curDoc.symbol) {
          definition.doc = null;
          definition.docFailed = true;
          throw new DocError(curDoc.info, "definition documentation required", {
            span: curDoc.span,
          });
        }
      }
    } catch (err) {
      if (!(err instanceof QAPIError)) throw err;
      sink.error(err);
    }
    curDoc = null;
    docFailed = false;
  }
  rejectExprDoc(ctx, curDoc);
  return null;
}

/** A symbol's documentation must be followed by its definition. */
function rejectExprDoc(ctx: FileContext, doc: QAPIDoc | null): void {
  if (doc && doc.symbol)
    ctx.sink.error(
      new DocError(
        doc.info,
        `documentation for '${excerpt(doc.symbol)}' is not followed by the definition`,
        { span: doc.span },
      ),
    );
}

/** An include directive, whose record is at `slot`, kept in place (followFile follows it). */
function include(ctx: FileContext, e: PlainDict, info: SourceInfo, s: Scanner, slot: number): void {
  const file = e.get("include")!;
  const fileSpan = ctx.table.spanOf(slot, "include");
  if (e.size !== 1 || typeof file !== "string") {
    // Whatever the file would have defined is missing.
    ctx.file.complete = false;
    if (e.size !== 1)
      throw new QAPIError(info, "invalid 'include' directive", { span: ctx.table.span(slot) });
    throw new QAPIError(info, "value of 'include' must be a string", { span: fileSpan });
  }
  const resolved = joinDirname(ctx.file.fname, file);
  ctx.file.exprs.push({ kind: "include", file, resolved, info, fileSpan });
  s.syntax?.included(resolved);
}

/** A pragma directive, whose record is at `slot`. */
function pragmaDirective(ctx: FileContext, e: PlainDict, info: SourceInfo, slot: number): void {
  const { table } = ctx;
  if (e.size !== 1)
    throw new QAPIError(info, "invalid 'pragma' directive", { span: table.span(slot) });
  const value = e.get("pragma")!;
  const valueSlot = table.slotOf(slot, "pragma");
  if (!(value instanceof Map))
    throw new QAPIError(info, "value of 'pragma' must be an object", {
      span: table.span(valueSlot),
    });
  // Each pragma on its own: one that is wrong does not keep the others from applying.
  let entry = table.firstEntry(valueSlot);
  value.forEach((v, name) => {
    const at = entry;
    entry = table.nextEntry(entry);
    try {
      ctx.file.pragmas.push(applyPragma(ctx.pragma, name, v, info, ctx, table, at));
    } catch (err) {
      if (!(err instanceof QAPIError)) throw err;
      ctx.sink.error(err);
    }
  });
}
