// The codegen step behind `qapi-ts generate`: settings from the command line and the
// configuration file, then front end, back ends and writer, once (`--check` compares instead of
// writing) or on every change of an input (`--watch`).
//
// A run whose inputs are unchanged costs little more than starting: a record of the last run
// (run-record.ts) keeps a digest of the inputs (the build of qapi-ts, the settings, every schema
// file) and of the outputs; when both match, nothing is parsed.

import { createHash } from "node:crypto";
import { readFileSync, watch, type FSWatcher } from "node:fs";
import path from "node:path";
import { ConfigError, loadConfig, type GenerateConfig } from "./config.ts";
import {
  BackendOptionError,
  generateFiles,
  schemaBaseName,
  type OwnedFile,
} from "../backends/generate-files.ts";
import { selectBackends, UnknownBackendError } from "../backends/index.ts";
import { loadSchema } from "../frontend/index.ts";
import type { SchemaModel } from "../model/index.ts";
import { formatQemu } from "../model/source.ts";
import { BUILD } from "./version.ts";
import { readRunRecord, writeRunRecord, type RunRecord } from "./run-record.ts";
import {
  checkGenerated,
  isInterrupted,
  readManifest,
  writeGenerated,
  WriteError,
  MANIFEST_FILE,
} from "./writer.ts";
import { DefinesError, readDefines, type ConfigurationArgs } from "./defines.ts";

export interface GenerateSettings {
  schema: string;
  output: string;
  defines: ReadonlySet<string> | null;
  compat: boolean;
  only: string[] | undefined;
  backendOptions: Record<string, Record<string, boolean | string>>;
  runtimePackage: string;
  /** The defines file the symbols came from, if any (an input, never written over). */
  definesFile?: string;
  check: boolean;
  /** Overwrite files of generated files' names that qapi-ts did not write. */
  force: boolean;
  quiet: boolean;
}

/** The command line of `qapi-ts generate`, as yargs parses it. */
export interface GenerateArgs extends ConfigurationArgs {
  schema?: string;
  output?: string;
  compat?: boolean;
  only?: string[];
  option?: string[];
  runtimePackage?: string;
  config?: string;
  check?: boolean;
  force?: boolean;
  watch?: boolean;
  quiet: boolean;
}

function usage(message: string): never {
  process.stderr.write(`qapi-ts generate: ${message}\n`);
  process.exit(2);
}

/** The settings of a run: command line over configuration file over defaults. */
export function resolveGenerateSettings(argv: GenerateArgs): GenerateSettings {
  let config: GenerateConfig = {};
  try {
    config = loadConfig(process.cwd(), argv.config)?.config ?? {};
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    usage(err.message);
  }
  const fromCommandLine = argv.define?.length || argv.defines !== undefined;
  let defines: Set<string> | null;
  try {
    defines = readDefines(
      fromCommandLine ? argv : { define: config.defines, defines: config.definesFile },
    );
  } catch (e) {
    if (!(e instanceof DefinesError)) throw e;
    process.stderr.write(e.located ? `${e.message}\n` : `qapi-ts: ${e.message}\n`);
    process.exit(e.kind === "usage" ? 2 : 1);
  }
  const backendOptions: Record<string, Record<string, boolean | string>> = { ...config.options };
  for (const o of argv.option ?? []) {
    const m = /^([\w-]+)\.([\w-]+)=(.*)$/.exec(o);
    if (!m) usage(`--option wants BACKEND.NAME=VALUE, got '${o}'`);
    const value = m[3] === "true" ? true : m[3] === "false" ? false : m[3]!;
    backendOptions[m[1]!] = { ...backendOptions[m[1]!], [m[2]!]: value };
  }
  return {
    schema: argv.schema ?? config.schema ?? "qapi/qapi-schema.json",
    output: argv.output ?? config.output ?? "generated",
    defines,
    compat: argv.compat ?? config.compat ?? false,
    only: argv.only ?? config.only,
    backendOptions,
    runtimePackage: argv.runtimePackage ?? config.runtimePackage ?? "qapi-ts",
    definesFile: fromCommandLine ? argv.defines : config.definesFile,
    check: argv.check ?? false,
    force: argv.force ?? false,
    quiet: argv.quiet,
  };
}

/** One run; returns the exit code. */
export function runGenerate(s: GenerateSettings): number {
  const upToDate = isUpToDate(s);
  if (upToDate !== null) {
    if (!s.quiet) {
      const verb = s.check
        ? "up to date"
        : `${upToDate} files, 0 written, ${upToDate} unchanged, 0 removed`;
      process.stdout.write(`${s.output}: ${verb}\n`);
    }
    return 0;
  }
  const loaded = load(s);
  if (!loaded) return 1;
  const { model, files } = loaded;
  const backends = ranBackends(s);
  if (s.check) {
    const r = checkGenerated(s.output, files, { backends });
    const lines = [
      ...r.stale.map((f) => `stale: ${f}`),
      ...r.missing.map((f) => `missing: ${f}`),
      ...r.extra.map((f) => `extra: ${f}`),
      ...r.notOurs.map((f) => `not ours: ${f} (a file qapi-ts did not write)`),
      ...(r.interrupted ? ["interrupted: a run was cut short (the next run completes it)"] : []),
    ];
    if (lines.length) {
      process.stderr.write(lines.map((l) => `${s.output}: ${l}\n`).join(""));
      process.stderr.write(
        `qapi-ts generate: ${s.output} is not up to date; run qapi-ts generate\n`,
      );
      return 1;
    }
    if (!s.quiet) process.stdout.write(`${s.output}: up to date\n`);
    return 0;
  }
  try {
    const r = writeGenerated(s.output, files, {
      backends,
      force: s.force,
      inputs: inputFilesOf(s, model),
    });
    writeRunRecord(s.output, record(s, model, files));
    if (!s.quiet) {
      process.stdout.write(
        `${s.output}: ${files.length} files, ${r.written.length} written, ` +
          `${r.unchanged.length} unchanged, ${r.removed.length} removed\n`,
      );
    }
    return 0;
  } catch (err) {
    if (!(err instanceof WriteError)) throw err;
    process.stderr.write(`qapi-ts: ${err.message}\n`);
    return 2;
  }
}

/** Regenerates on every change of a file the schema includes; runs until interrupted. */
export async function watchGenerate(s: GenerateSettings): Promise<void> {
  let watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | null = null;
  const run = (): void => {
    const code = runGenerate(s);
    if (code !== 0) process.stderr.write(`qapi-ts generate: waiting for changes\n`);
    for (const w of watchers) w.close();
    // Every file of the last successful parse, or at least the main one.
    watchers = inputFiles(s).map((f) =>
      watch(f, () => {
        if (timer) clearTimeout(timer);
        timer = setTimeout(run, 50);
      }),
    );
  };
  process.on("SIGINT", () => process.exit(0));
  run();
  await new Promise<never>(() => {});
}

// ---------------------------------------------------------------------------------------------

/** The back ends a run runs (those named, with those they require). */
function ranBackends(s: GenerateSettings): string[] {
  try {
    return selectBackends(s.only).map((b) => b.name);
  } catch (err) {
    if (err instanceof UnknownBackendError) usage(err.message);
    throw err;
  }
}

/** The model and files, or null after printing the diagnostics. */
function load(s: GenerateSettings): { model: SchemaModel; files: OwnedFile[] } | null {
  const result = loadSchema(s.schema, { compat: s.compat });
  const messages = result.diagnostics.map((d) => formatQemu(d) + "\n").join("");
  if (messages) process.stderr.write(messages);
  if (!result.model) return null;
  try {
    const files = generateFiles(result.model, {
      defines: s.defines,
      only: s.only,
      backendOptions: s.backendOptions,
      runtimePackage: s.runtimePackage,
    });
    return { model: result.model, files };
  } catch (err) {
    if (err instanceof UnknownBackendError || err instanceof BackendOptionError) usage(err.message);
    throw err;
  }
}

/** The schema's files, as the last run read them (relative to the main file's directory). */
function inputFiles(s: GenerateSettings): string[] {
  const dir = path.dirname(s.schema);
  const names = readRunRecord(s.output)?.inputFiles ?? [schemaBaseName(s.schema)];
  return names.map((n) => path.join(dir, n));
}

/** What the output depends on besides the schema's files. */
function settingsKey(s: GenerateSettings): string {
  return JSON.stringify([
    BUILD,
    s.defines ? [...s.defines].sort() : null,
    s.compat,
    s.only ?? null,
    s.backendOptions,
    s.runtimePackage,
    schemaBaseName(s.schema),
  ]);
}

function inputsDigest(s: GenerateSettings, names: readonly string[]): string {
  const h = createHash("sha256").update(settingsKey(s));
  const dir = path.dirname(s.schema);
  for (const n of names) h.update(`\0${n}\0`).update(readFileSync(path.join(dir, n)));
  return h.digest("hex");
}

function outputsDigest(files: readonly { path: string; content: Buffer | string }[]): string {
  const h = createHash("sha256");
  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : 1)))
    h.update(`\0${f.path}\0`).update(f.content);
  return h.digest("hex");
}

/** The schema's files, relative to the main file's directory (as the run record keeps them). */
function schemaFileNames(s: GenerateSettings, model: SchemaModel): string[] {
  return [schemaBaseName(s.schema), ...model.modules.map((m) => m.name)].filter(
    (n, i, all) => !n.startsWith("./") && all.indexOf(n) === i,
  );
}

/** Every file a run read: the schema's files and the defines file. */
function inputFilesOf(s: GenerateSettings, model: SchemaModel): string[] {
  const dir = path.dirname(s.schema);
  return [
    ...schemaFileNames(s, model).map((n) => path.join(dir, n)),
    ...(s.definesFile ? [s.definesFile] : []),
  ];
}

/** The record of a run: its input files and the digests isUpToDate compares. */
function record(s: GenerateSettings, model: SchemaModel, files: readonly OwnedFile[]): RunRecord {
  const inputFiles = schemaFileNames(s, model);
  return { inputFiles, inputs: inputsDigest(s, inputFiles), outputs: outputsDigest(files) };
}

/** The number of files when the output is that of these inputs and intact; else null. */
function isUpToDate(s: GenerateSettings): number | null {
  const last = readRunRecord(s.output);
  if (!last || isInterrupted(s.output)) return null;
  try {
    if (inputsDigest(s, last.inputFiles) !== last.inputs) return null;
    const backends = ranBackends(s);
    const files = [...readManifest(s.output).files]
      .filter(([rel, owner]) => rel !== MANIFEST_FILE && backends.includes(owner))
      .map(([rel]) => ({ path: rel, content: readFileSync(path.join(s.output, rel)) }));
    return outputsDigest(files) === last.outputs ? files.length : null;
  } catch {
    return null; // a file is gone or unreadable: the full run says what is wrong
  }
}
