// The QAPI parser: schema files to a stream of top-level expressions (ast.ts), with includes
// expanded, pragmas applied and `##` documentation blocks parsed.
//
// It follows QEMU's parser token by token, so that the first error and its line:column are
// QEMU's: scanner.ts is QEMU's lexer state over the chevrotain tokens (lexer.ts),
// parser/values.ts the values, parser/doc-block.ts the documentation blocks,
// parser/directives.ts include and pragma. This module reads the files (through a SchemaHost)
// and runs the top level.
//
// Errors go to the DiagnosticSink (diagnostics.ts). When it collects them, a syntax error ends
// its file's parse (what follows cannot be read reliably), while an error in a documentation
// block, a directive or the shape of a top-level expression only loses that block or expression.

import type { DefinitionExpr, Expr, ParsedSchema, PlainDict } from "../ast.ts";
import type { Span } from "../../model/source.ts";
import { DiagnosticSink } from "../diagnostics.ts";
import { DocError, type QAPIDoc } from "../doc-comments.ts";
import { diskHost, type SchemaHost } from "../host.ts";
import {
  QAPIError,
  SourceInfo,
  SourceText,
  excerpt,
  newPragma,
  type Pragma,
} from "../../model/source.ts";
import { PositionTable } from "../positions.ts";
import { decodeSchema } from "./decode.ts";
import { applyPragma, joinDirname } from "./directives.ts";
import { DocBlockReader } from "./doc-block.ts";
import { Scanner, T } from "./scanner.ts";
import { getExpr } from "./values.ts";

export interface ParseOptions {
  /** Accept the legacy dialect of older QEMU releases (each kind of use warned about once). */
  compat: boolean;
  /** Where files are read from (default: the file system). */
  host?: SchemaHost;
  /** Where diagnostics go (default: a first-error sink, which throws the first error). */
  sink?: DiagnosticSink;
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
    included: new Set(),
    absolute: new Map(),
    bytes: 0,
    files: 0,
    exprs: [],
    complete: true,
  };
  parseFile(ctx, fname, null, null);
  return { exprs: ctx.exprs, complete: ctx.complete };
}

function absolute(ctx: ParseContext, fname: string): string {
  let abs = ctx.absolute.get(fname);
  if (abs === undefined) ctx.absolute.set(fname, (abs = ctx.host.absolute(fname)));
  return abs;
}

/**
 * One file: read, then its top-level expressions. An error that ends it is reported here.
 * `includeSpan`: the file name in the include directive that names it.
 */
function parseFile(
  ctx: ParseContext,
  fname: string,
  parentInfo: SourceInfo | null,
  includeSpan: Span | null,
): void {
  const pragma = parentInfo ? parentInfo.pragma : newPragma();
  const index = ctx.files++;
  const unread = new SourceInfo(fname, 1, parentInfo, pragma, index);
  ctx.included.add(absolute(ctx, fname));
  try {
    const text = Scanner.text(readFile(ctx, fname, parentInfo, unread, includeSpan));
    const fileInfo = new SourceInfo(fname, 1, parentInfo, pragma, index, new SourceText(text));
    parseTopLevel(ctx, new Scanner(text, fileInfo), fname, pragma);
  } catch (err) {
    if (!(err instanceof QAPIError)) throw err;
    ctx.complete = false;
    ctx.sink.error(err);
  }
}

/** The file's text; `fileInfo` (without text yet) places errors in its bytes. */
function readFile(
  ctx: ParseContext,
  fname: string,
  parentInfo: SourceInfo | null,
  fileInfo: SourceInfo,
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
  return decodeSchema(r.bytes, fileInfo);
}

/** QEMU's parser loop: documentation blocks, directives and definitions, until the end. */
function parseTopLevel(ctx: ParseContext, s: Scanner, fname: string, pragma: Pragma): void {
  const { exprs, sink } = ctx;
  const table = new PositionTable(s.src);
  s.accept();
  let curDoc: QAPIDoc | null = null;
  /** The block before the current expression had an error. */
  let docFailed = false;
  while (s.t() !== T.EOF) {
    const info = s.info();
    if (s.t() === T.HASH) {
      rejectExprDoc(ctx, curDoc);
      const reader = new DocBlockReader(s, ctx);
      try {
        curDoc = reader.read();
        docFailed = false;
      } catch (err) {
        if (!(err instanceof DocError)) throw err;
        sink.error(err);
        reader.skipBlock();
        curDoc = null;
        docFailed = true;
        continue;
      }
      if (!curDoc.symbol) exprs.push({ kind: "freeform", doc: curDoc, info: curDoc.info });
      continue;
    }
    const slot = table.length;
    const e = getExpr(s, table);
    try {
      if (!(e instanceof Map))
        throw new QAPIError(info, "top-level expression must be an object", {
          span: table.span(slot),
        });
      if (e.has("include")) {
        rejectExprDoc(ctx, curDoc);
        include(ctx, e, info, fname, table, slot);
      } else if (e.has("pragma")) {
        rejectExprDoc(ctx, curDoc);
        pragmaDirective(ctx, e, info, pragma, table, slot);
      } else {
        const definition: DefinitionExpr = {
          kind: "definition",
          plain: e,
          positions: table,
          slot,
          info,
          doc: curDoc,
          docFailed,
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
function rejectExprDoc(ctx: ParseContext, doc: QAPIDoc | null): void {
  if (doc && doc.symbol)
    ctx.sink.error(
      new DocError(
        doc.info,
        `documentation for '${excerpt(doc.symbol)}' is not followed by the definition`,
        { span: doc.span },
      ),
    );
}

/** The directive `e`, whose record is at `slot` of `table`. */
function include(
  ctx: ParseContext,
  e: PlainDict,
  info: SourceInfo,
  fname: string,
  table: PositionTable,
  slot: number,
): void {
  const file = e.get("include")!;
  const span = table.spanOf(slot, "include");
  if (e.size !== 1 || typeof file !== "string") {
    // Whatever the file would have defined is missing.
    ctx.complete = false;
    if (e.size !== 1)
      throw new QAPIError(info, "invalid 'include' directive", { span: table.span(slot) });
    throw new QAPIError(info, "value of 'include' must be a string", { span });
  }
  const resolved = joinDirname(fname, file);
  ctx.exprs.push({ kind: "include", file, resolved, info });
  const abs = absolute(ctx, resolved);
  for (let inf: SourceInfo | null = info; inf; inf = inf.parent) {
    if (abs === absolute(ctx, inf.fname))
      throw new QAPIError(info, `inclusion loop for ${file}`, { span });
  }
  if (!ctx.included.has(abs)) parseFile(ctx, resolved, info, span);
}

function pragmaDirective(
  ctx: ParseContext,
  e: PlainDict,
  info: SourceInfo,
  pragma: Pragma,
  table: PositionTable,
  slot: number,
): void {
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
      applyPragma(pragma, name, v, info, ctx, table, at);
    } catch (err) {
      if (!(err instanceof QAPIError)) throw err;
      ctx.sink.error(err);
    }
  });
}
