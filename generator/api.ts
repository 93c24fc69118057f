/**
 * qapi-ts: the QAPI schema compiler as a library. Everything the CLI does, for a build tool to
 * call in-process (a Vite or esbuild plugin, a Makefile step, a test): load and check a schema,
 * lint it, build its `query-qmp-schema` payload, generate the output files in memory and write
 * them. Nothing here prints or exits: problems come back as diagnostics (data) or as errors of
 * the classes exported here.
 *
 * @example
 * ```ts
 * import { loadSchema, generate, writeGeneratedFiles, formatDiagnostic } from "qapi-ts";
 *
 * const { model, diagnostics } = loadSchema("qapi/qapi-schema.json");
 * for (const d of diagnostics) console.error(formatDiagnostic(d));
 * if (model) writeGeneratedFiles("src/generated", generate(model));
 * ```
 *
 * @packageDocumentation
 */

import { BACKENDS } from "./backends/index.ts";
import { OUTPUT_OPTIONS } from "./backends/backend.ts";
import {
  generateFiles,
  type GenerateOptions as FileOptions,
  type OwnedFile,
} from "./backends/generate-files.ts";
import { buildIntrospection } from "./model/introspection-tree.ts";
import type { SchemaInfo } from "../runtime/schema-info.ts";
import {
  loadSchema as loadSchemaFile,
  loadSchemaText as loadText,
  type SchemaHost,
} from "./frontend/index.ts";
import { compareLocations } from "./frontend/diagnostics.ts";
import { runLint, selectRules } from "./services/lint.ts";
import { LINT_RULES } from "./services/lint-rules.ts";
import type { SchemaModel } from "./model/index.ts";
import { formatGcc, formatQemu, toJson, type Diagnostic } from "./model/source.ts";
import { ConfigError, loadConfig as findConfig } from "./codegen/config.ts";
import { DefinesError, readDefines } from "./codegen/defines.ts";
import path from "node:path";
import {
  checkGenerated,
  writeGenerated,
  type CheckResult,
  type WriteResult,
} from "./codegen/writer.ts";

export { VERSION } from "./codegen/version.ts";
export { UnknownBackendError } from "./backends/index.ts";
export { BackendOptionError } from "./backends/generate-files.ts";
export { ConfigError, type GenerateTarget } from "./codegen/config.ts";
export { WriteError, type CheckResult, type WriteResult } from "./codegen/writer.ts";
export type {
  Diagnostic,
  JsonDiagnostic,
  RelatedLocation,
  Severity,
  SourceInfo,
} from "./model/source.ts";
export type { GeneratedFile, OutputOptions } from "./backends/backend.ts";
export type { SchemaInfo } from "../runtime/schema-info.ts";
export type * from "./model/index.ts";

/** How to read a schema. */
export interface LoadOptions {
  /**
   * Accept the legacy dialect of older QEMU releases (C-preprocessor conditions, simple unions,
   * older doc-comment conventions), with one warning per kind of use.
   */
  compat?: boolean;
  /**
   * "first-error" (the default): stop at the first error, as QEMU's generator does; "all":
   * report every independent error, in file order (what `lint` does).
   */
  diagnostics?: "first-error" | "all";
  /** With `diagnostics: "all"`: stop after this many errors (default: no limit). */
  maxErrors?: number;
  /** Where files are read from: the file system by default (see {@link memoryHost}). */
  host?: SchemaHost;
}

/** A checked schema, or the diagnostics that stopped it. */
export interface LoadResult {
  /** The schema's model; null when it has errors. */
  model: SchemaModel | null;
  /** Errors (when `model` is null) and warnings, in the order QEMU reports them. */
  diagnostics: Diagnostic[];
}

export { diskHost, memoryHost, type SchemaHost, type HostRead } from "./frontend/index.ts";

/**
 * Reads and checks a schema file and everything it includes, as QEMU's generator does.
 * Never throws for bad input: a missing file or a syntax error is a diagnostic.
 */
export function loadSchema(file: string, options: LoadOptions = {}): LoadResult {
  return loadSchemaFile(file, options);
}

/** Options of {@link loadSchemaText}. */
export interface TextOptions extends Omit<LoadOptions, "host"> {
  /** The schema's file name, in messages and for includes (default `schema.json`). */
  fname?: string;
  /** Files the schema includes, by name: nothing is read from disk. */
  files?: ReadonlyMap<string, string> | Readonly<Record<string, string>>;
}

/** Reads and checks a schema held in memory (its includes in `options.files`). */
export function loadSchemaText(text: string, options: TextOptions = {}): LoadResult {
  return loadText(text, options);
}

/** Options of {@link lint}. */
export interface LintOptions extends LoadOptions {
  /** Run only these lint rules (default: those of {@link lintRules} on by default). */
  rules?: readonly string[];
  /** Do not run these lint rules. */
  skipRules?: readonly string[];
}

/** The lint rules: name, what each finds, and whether it runs when no rules are named. */
export const lintRules: readonly { name: string; summary: string; byDefault: boolean }[] =
  LINT_RULES.map((r) => ({ name: r.name, summary: r.summary, byDefault: r.byDefault }));

/**
 * `qapi-ts lint`: every independent error of the schema, then (when it is valid) the lint rules'
 * findings, in file order. Throws a `RangeError` for a rule name that does not exist.
 */
export function lint(file: string, options: LintOptions = {}): Diagnostic[] {
  const rules = selectRules(options.rules, options.skipRules);
  if (typeof rules === "string") throw new RangeError(rules);
  const r = loadSchema(file, { diagnostics: "all", ...options });
  return r.model
    ? [...r.diagnostics, ...runLint(r.model, rules)].sort(compareLocations)
    : r.diagnostics;
}

/** How a diagnostic is printed: QEMU's text, a compiler-style line, or JSON. */
export type DiagnosticFormat = "qemu" | "gcc" | "json";

/** A diagnostic as text (without a final newline). */
export function formatDiagnostic(d: Diagnostic, format: DiagnosticFormat = "qemu"): string {
  if (format === "json") return JSON.stringify(toJson(d));
  return format === "gcc" ? formatGcc(d) : formatQemu(d);
}

/** Options of {@link introspect}. */
export interface IntrospectOptions {
  /** The build's condition symbols (every other symbol is false); default: none defined. */
  defines?: Iterable<string>;
  /** Real type names instead of the numbers QEMU reports (QEMU's `-u`). */
  unmask?: boolean;
}

/** The `query-qmp-schema` reply of a QEMU built from the schema with the given symbols. */
export function introspect(model: SchemaModel, options: IntrospectOptions = {}): SchemaInfo[] {
  // The builder writes plain JSON in SchemaInfo's shape (tested against QEMU's own payloads).
  return buildIntrospection(model, {
    defines: new Set(options.defines ?? []),
    unmask: options.unmask ?? false,
  }) as unknown as SchemaInfo[];
}

/** An option: what it does, its default, and the values it takes when they are a list. */
export interface OptionInfo {
  description: string;
  default: boolean | string;
  values?: readonly (boolean | string)[];
}

/** A back end of `generate`: its name, what it writes, and its own options. */
export interface BackendInfo {
  name: string;
  description: string;
  /** Back ends generated with it (its files import theirs). */
  requires: readonly string[];
  /** Its own options (for {@link GenerateOptions.backendOptions}): name -> description, default. */
  options: Readonly<Record<string, OptionInfo>>;
}

/**
 * The output options every back end follows, given as `backendOptions.output` (the CLI's
 * `--option output.NAME=VALUE`): target, importExtension, int64.
 */
export const outputOptions: Readonly<Record<string, OptionInfo>> = OUTPUT_OPTIONS;

/** The back ends {@link generate} can run, in the order their files are listed. */
export const backends: readonly BackendInfo[] = BACKENDS.map((b) => ({
  name: b.name,
  description: b.description,
  requires: b.requires,
  options: b.options,
}));

/** A generated file, with the back end that owns it. */
export type { OwnedFile };

/** Options of {@link generate}. */
export interface GenerateOptions extends Omit<FileOptions, "defines"> {
  /**
   * The build's condition symbols, as an array or a set (every other symbol is false); null or
   * absent (the default) keeps every condition in the output, evaluated at run time.
   */
  defines?: Iterable<string> | null;
}

/**
 * The output files of the schema, in memory: TypeScript types, validators, JSON Schema and the
 * introspection module (or the back ends `options.only` names). Throws UnknownBackendError or
 * BackendOptionError for options that name what does not exist.
 */
export function generate(model: SchemaModel, options: GenerateOptions = {}): OwnedFile[] {
  return generateFiles(model, { ...options, defines: symbolSet(options.defines) });
}

/** Symbols as a set (an array and a set alike); a lone string is refused, not split. */
function symbolSet(defines: Iterable<string> | null | undefined): ReadonlySet<string> | null {
  if (defines === undefined || defines === null) return null;
  if (typeof defines === "string")
    throw new TypeError("defines: give an array or a set of symbols, not a string");
  return new Set(defines);
}

/** One entry of a project's configuration, ready for {@link loadSchema} and {@link generate}. */
export interface ConfigTarget {
  /** The main schema file (absolute). */
  schema: string;
  /** The output folder (absolute). */
  output: string;
  /** How to read the schema. */
  load: { compat: boolean };
  /** The options of {@link generate} (build symbols read from `definesFile` when named). */
  generate: GenerateOptions;
}

/** A project's configuration: where it was found and what it generates. */
export interface ProjectConfig {
  /** The file it was read from (package.json's "qapi-ts" key: `…/package.json ("qapi-ts")`). */
  file: string;
  /** One entry per schema (a configuration without "generates" has one). */
  targets: ConfigTarget[];
}

/**
 * The configuration `qapi-ts generate` reads: `file` when given, else the nearest
 * `qapi-ts.config.json` or package.json "qapi-ts" key in `dir` (default: the current folder)
 * or above it, up to the repository's root. null when there is none. Paths come back
 * absolute, defaults filled in (`qapi/qapi-schema.json` into `generated`, relative to the
 * file). Throws ConfigError (the message names the file, and where in it).
 *
 * @example
 * ```ts
 * const config = loadConfig();
 * for (const t of config?.targets ?? []) {
 *   const { model, diagnostics } = loadSchema(t.schema, t.load);
 *   if (model) writeGeneratedFiles(t.output, generate(model, t.generate), t.generate);
 * }
 * ```
 */
export function loadConfig(dir: string = process.cwd(), file?: string): ProjectConfig | null {
  const found = findConfig(dir, file);
  if (!found) return null;
  const base = path.dirname(path.resolve(found.path));
  return {
    file: found.file,
    targets: found.targets.map((t) => {
      let defines: ReadonlySet<string> | null;
      try {
        defines = readDefines({ define: t.defines, defines: t.definesFile });
      } catch (err) {
        if (err instanceof DefinesError) throw new ConfigError(`${found.file}: ${err.message}`);
        throw err;
      }
      return {
        schema: t.schema ?? path.join(base, "qapi/qapi-schema.json"),
        output: t.output ?? path.join(base, "generated"),
        load: { compat: t.compat ?? false },
        generate: {
          defines,
          ...(t.only ? { only: t.only } : {}),
          ...(t.options ? { backendOptions: t.options } : {}),
          ...(t.runtimePackage ? { runtimePackage: t.runtimePackage } : {}),
        },
      };
    }),
  };
}

/** Which back ends produced the files (their earlier files are replaced; others' are kept). */
function backendsOf(files: readonly OwnedFile[], only: readonly string[] | undefined): string[] {
  return only?.length ? [...new Set(files.map((f) => f.backend))] : BACKENDS.map((b) => b.name);
}

/**
 * Makes `dir` hold the files: writes only what changed, each file atomically (its old content or
 * its new, never part of it; a run cut short is completed by the next), removes files an earlier
 * run generated that are no longer generated, and touches nothing else in `dir`. A file of a
 * generated file's name that qapi-ts did not write is a WriteError, unless `force`. Throws
 * WriteError.
 */
export function writeGeneratedFiles(
  dir: string,
  files: readonly OwnedFile[],
  options: { only?: readonly string[]; force?: boolean } = {},
): WriteResult {
  return writeGenerated(dir, files, {
    backends: backendsOf(files, options.only),
    force: options.force ?? false,
  });
}

/** Compares `dir` with the files, writing nothing: stale, missing, extra and not-ours files. */
export function checkGeneratedFiles(
  dir: string,
  files: readonly OwnedFile[],
  options: { only?: readonly string[] } = {},
): CheckResult {
  return checkGenerated(dir, files, { backends: backendsOf(files, options.only) });
}
