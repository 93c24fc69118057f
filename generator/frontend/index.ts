// The front end every command and program uses: parse (parser/), check definitions (expr.ts),
// make the model's entities (schema/definitions.ts), check them (schema/checker.ts), assemble
// the model (schema/modules.ts). Input errors come back as diagnostics (data),
// never thrown, printed or exited on.
//
//   loadSchema("qapi/qapi-schema.json", { compat: false })            files on disk
//   loadSchemaText(text, { files: { "sub.json": "..." } })               text in memory
//   loadSchema(name, { host })                                           any other SchemaHost
//
// By default the front end stops at the first error, as QEMU's generator does; with
// `diagnostics: "all"` it reports every independent error (lint), up to `maxErrors`.

import { parseSchema } from "./parser/index.ts";
import { checkDefinition, definitionNameSpan, type DefinitionSpec } from "./expr.ts";
import { SchemaDefinitions } from "./schema/definitions.ts";
import { Checker } from "./schema/checker.ts";
import { makeModel } from "./schema/modules.ts";
import { DiagnosticSink, TooManyErrors, type DiagnosticMode } from "./diagnostics.ts";
import { diskHost, memoryHost, type SchemaHost } from "./host.ts";
import type { SchemaModel } from "../model/index.ts";
import { QAPIError, type Diagnostic, type SourceInfo, type Span } from "../model/source.ts";
import type { DefinitionExpr, Expr } from "./ast.ts";

export { diskHost, memoryHost, type SchemaHost, type HostRead } from "./host.ts";
export { DiagnosticSink, type DiagnosticMode } from "./diagnostics.ts";
export { MAX_SCHEMA_BYTES } from "./parser/index.ts";
export {
  formatGcc,
  formatQemu,
  toJson,
  type Diagnostic,
  type JsonDiagnostic,
  type SourceInfo,
} from "../model/source.ts";

export interface LoadOptions {
  /** Accept the legacy dialect of QEMU releases before 6.2, with a warning per kind of use. */
  compat?: boolean;
  /** Where files are read from (default: the file system). */
  host?: SchemaHost;
  /** "first-error" (default): stop at the first error, as QEMU; "all": every independent one. */
  diagnostics?: DiagnosticMode;
  /** With diagnostics "all": stop after this many errors (default: no limit). */
  maxErrors?: number;
}

export interface LoadResult {
  /** The checked model; null when there are errors. */
  model: SchemaModel | null;
  /**
   * Warnings and errors. First-error mode: in the order found, the error that stopped the front
   * end last. "all": in file order (with a final note when maxErrors stopped the run).
   */
  diagnostics: Diagnostic[];
}

/** Loads a schema file and what it includes, from disk or from `options.host`. */
export function loadSchema(fname: string, options: LoadOptions = {}): LoadResult {
  const host = options.host ?? diskHost;
  const sink = new DiagnosticSink(options.diagnostics ?? "first-error", options.maxErrors);
  let model: SchemaModel | null = null;
  let stopped: Diagnostic | null = null;
  try {
    model = runFrontEnd(fname, host, options.compat ?? false, sink);
  } catch (err) {
    if (err instanceof QAPIError) sink.record(err.diagnostic);
    else if (err instanceof TooManyErrors)
      stopped = { severity: "error", message: `${fname}: ${err.message}`, info: null };
    else if (err instanceof RangeError)
      // Only pathological input gets here (e.g. nesting beyond the stack): report, don't crash.
      sink.record({ severity: "error", message: `${fname}: input too deeply nested`, info: null });
    else throw err;
  }
  const diagnostics = sink.diagnostics();
  if (stopped) diagnostics.push(stopped);
  return { model: sink.errorCount > 0 ? null : model, diagnostics };
}

export interface TextOptions extends Omit<LoadOptions, "host"> {
  /** The schema's file name, in messages and for includes (default "schema.json"). */
  fname?: string;
  /** Files the schema may include, by name (relative ones resolve from "/"). */
  files?: ReadonlyMap<string, string> | Readonly<Record<string, string>>;
}

/** Loads a schema held in memory; includes are looked up in `options.files` only. */
export function loadSchemaText(text: string, options: TextOptions = {}): LoadResult {
  const fname = options.fname ?? "schema.json";
  const files = new Map<string, string>(
    options.files instanceof Map ? options.files : Object.entries(options.files ?? {}),
  );
  files.set(fname, text);
  return loadSchema(fname, { ...options, host: memoryHost(files) });
}

function runFrontEnd(
  fname: string,
  host: SchemaHost,
  compat: boolean,
  sink: DiagnosticSink,
): SchemaModel | null {
  const { checked, complete } = parseAndCheck(fname, host, compat, sink);
  const defs = new SchemaDefinitions(fname, {
    sink,
    absolute: (f) => host.absolute(f),
    complete,
  });
  for (const e of checked) {
    if ("meta" in e) defs.define(e);
    else if (e.kind === "failed") defs.defineFailed(e.info, e.span);
    else if (e.kind === "include") defs.defInclude(e.resolved, e.info);
    else defs.docs.push(e.doc);
  }
  new Checker(defs, { compat, sink }).check();
  if (sink.errorCount > 0) return null;
  return makeModel(fname, defs.entities, defs.types, defs.modules.assign(defs.items), defs.docs);
}

/**
 * The schema parsed, and all its definitions checked before any is built (QEMU's order of
 * errors). Each definition's parsed value is dropped once checked (replaced in the list by what
 * came of it), so that the two are not all kept at once.
 */
function parseAndCheck(fname: string, host: SchemaHost, compat: boolean, sink: DiagnosticSink) {
  const { exprs, complete } = parseSchema(fname, { compat, host, sink });
  const checked: (Exclude<Expr, DefinitionExpr> | DefinitionSpec | Failed)[] = exprs as never;
  for (let i = 0; i < exprs.length; i++) {
    const e = exprs[i]!;
    if (e.kind === "definition") checked[i] = checkOrFail(e, compat, sink);
  }
  return { checked, complete };
}

/** Where a definition that failed its checks is (its error is reported). */
export interface Failed {
  kind: "failed";
  info: SourceInfo;
  /** Its name as written, if it has one. */
  span: Span | null;
}

/** A definition checked, or where the one that failed is (its error is reported). */
export function checkOrFail(
  e: DefinitionExpr,
  compat: boolean,
  sink: DiagnosticSink,
): DefinitionSpec | Failed {
  try {
    return checkDefinition(e, { compat, sink });
  } catch (err) {
    if (!(err instanceof QAPIError)) throw err;
    sink.error(err);
    return { kind: "failed", info: e.info, span: definitionNameSpan(e) };
  }
}
