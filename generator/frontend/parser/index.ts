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
  place: string;
  /** Definitions, free-form documentation and include directives, in order. */
  exprs: Expr[];
  log: DiagnosticLog;
  /** The settings its `pragma` directives made, in order. */
  pragmas: PragmaSetting[];
  /** False when some of its text was not read (a syntax error, an invalid include directive). */
  complete: boolean;
  /** Its syntax tree, when ParseOptions.syntax asked for it. */
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
  const { fname, parent } = source;
  const pragma = parent ? parent.pragma : rootPragma;
  const file: FileParse = {
    fname,
    text: source.text,
    place: source.place,
    exprs: [],
    log: new DiagnosticLog(() => file.exprs.length),
    pragmas: [],
    complete: true,
    syntax: null,
  };
  const src = Scanner.text(source.text);
  const recorder = syntax ? new SyntaxRecorder(fname, src) : null;
  const fileInfo = new SourceInfo(fname, 1, parent, pragma, source.fileIndex, new SourceText(src));
  const s = new Scanner(src, fileInfo);
  s.syntax = recorder;
  try {
    parseTopLevel({ compat, sink: file.log, file, pragma, table: new PositionTable(src) }, s);
  } catch (err) {
    if (!(err instanceof QAPIError)) throw err;
    file.complete = false;
    recorder?.abort(s.pos);
    file.log.error(err);
  }
  file.syntax = recorder?.result() ?? null;
  return file;
}

/** QEMU's parser loop: documentation blocks, directives and definitions, until the end. */
function parseTopLevel(ctx: FileContext, s: Scanner): void {
  const { sink, table } = ctx;
  const exprs = ctx.file.exprs;
  s.accept();
  let curDoc: QAPIDoc | null = null;
  /** The block before the current expression had an error. */
  let docFailed = false;
  /** Where the last documentation block starts. */
  let docStart = 0;
  while (s.t() !== T.EOF) {
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
