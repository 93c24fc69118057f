// The codegen step behind `qapi-ts generate`: settings from the command line and the
// configuration file (one run per schema it lists), then front end, back ends and writer, once
// (`--check` compares instead of writing) or on every change of an input (`--watch`).
//
// A run whose inputs are unchanged costs little more than starting: a record of the last run
// (run-record.ts) keeps a digest of the inputs (the build of qapi-ts, the settings, every schema
// file) and of the outputs; when both match, nothing is parsed.

import { createHash } from "node:crypto";
import { readFileSync, statSync, watch, type FSWatcher } from "node:fs";
import path from "node:path";
import { ConfigError, CONFIG_FILE, loadConfig, type GenerateTarget } from "./config.ts";
import {
  BackendOptionError,
  generateFiles,
  schemaBaseName,
  type OwnedFile,
} from "../backends/generate-files.ts";
import { selectBackends, UnknownBackendError } from "../backends/index.ts";
import { loadSchema, diskHost, type SchemaHost } from "../frontend/index.ts";
import { readBounded } from "../frontend/bounded-input.ts";
import { looksLikeReply, replyNote } from "../frontend/json-input.ts";
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

/** What a command line asks for: a run per target, and the configuration file it came from. */
export interface GeneratePlan {
  targets: GenerateSettings[];
  /** The configuration file read (null: none found, defaults applied). */
  configFile: string | null;
}

/** Settings that cannot be used: printed as they are, with an exit code (1 a file, 2 usage). */
export class SettingsError extends Error {
  constructor(
    message: string,
    readonly code: 1 | 2,
  ) {
    super(message);
  }
}

const DEFAULT_SCHEMA = "qapi/qapi-schema.json";
const DEFAULT_OUTPUT = "generated";

const usage = (message: string) => new SettingsError(`qapi-ts generate: ${message}`, 2);

/**
 * The runs a command line asks for: command line over configuration file over defaults. With a
 * configuration listing several schemas, SCHEMA and -o select the entries whose schema and
 * output they name. Throws SettingsError.
 */
export function resolveGenerate(argv: GenerateArgs): GeneratePlan {
  if (argv.schema === "-")
    throw usage(
      "the schema is read from files (its includes, the no-op check and --watch need them): " +
        "'-' (standard input) is not accepted",
    );
  if (argv.output === "-")
    throw usage("--output names a folder, not standard output ('./-' is a folder named '-')");
  let found;
  try {
    found = loadConfig(process.cwd(), argv.config);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw new SettingsError(`qapi-ts generate: ${err.message}`, 1);
  }
  let targets: GenerateTarget[] = found?.targets ?? [{}];
  if (targets.length > 1 && (argv.schema !== undefined || argv.output !== undefined)) {
    const same = (a: string | undefined, b: string | undefined) =>
      a === undefined || (b !== undefined && path.resolve(a) === path.resolve(b));
    const chosen = targets.filter(
      (t) => same(argv.schema, t.schema) && same(argv.output, t.output),
    );
    if (chosen.length === 0) {
      const listed = targets
        .map((t) => `${path.relative(".", t.schema!)} -> ${path.relative(".", t.output!) || "."}`)
        .join(", ");
      throw usage(
        `${found?.file ?? "the configuration"} lists several schemas (${listed}); SCHEMA and -o select among them`,
      );
    }
    targets = chosen;
  }
  // Defaults are relative to the configuration's folder, or to the current one without it.
  const base = found ? path.dirname(path.resolve(found.path)) : "";
  const plan = targets.map((t) => settingsOf(argv, t, base));
  if (!found && (argv.schema === undefined || argv.output === undefined) && !argv.quiet) {
    process.stderr.write(
      `qapi-ts generate: no ${CONFIG_FILE} (or "qapi-ts" key in package.json) here or above; ` +
        `generating ${plan[0]!.schema} into ${plan[0]!.output}\n`,
    );
  }
  return { targets: plan, configFile: found?.path ?? null };
}

/** The settings of one run: command line over the configuration's entry over defaults. */
function settingsOf(argv: GenerateArgs, config: GenerateTarget, base: string): GenerateSettings {
  const fromCommandLine = argv.define?.length || argv.defines !== undefined;
  let defines: Set<string> | null;
  try {
    defines = readDefines(
      fromCommandLine ? argv : { define: config.defines, defines: config.definesFile },
    );
  } catch (e) {
    if (!(e instanceof DefinesError)) throw e;
    throw new SettingsError(
      e.located ? e.message : `qapi-ts: ${e.message}`,
      e.kind === "usage" ? 2 : 1,
    );
  }
  const backendOptions: Record<string, Record<string, boolean | string>> = { ...config.options };
  for (const o of argv.option ?? []) {
    const m = /^([\w-]+)\.([\w-]+)=(.*)$/.exec(o);
    if (!m) throw usage(`--option wants BACKEND.NAME=VALUE, got '${o}'`);
    const value = m[3] === "true" ? true : m[3] === "false" ? false : m[3]!;
    backendOptions[m[1]!] = { ...backendOptions[m[1]!], [m[2]!]: value };
  }
  return {
    schema: argv.schema ?? shown(config.schema) ?? path.join(base, DEFAULT_SCHEMA),
    output: argv.output ?? shown(config.output) ?? path.join(base, DEFAULT_OUTPUT),
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

/** A path from the configuration as messages show it: relative to the current folder. */
function shown(file: string | undefined): string | undefined {
  return file === undefined ? undefined : path.relative(process.cwd(), file) || ".";
}

/** `qapi-ts generate` without --watch: every run; returns the exit code (the worst). */
export function runPlan(argv: GenerateArgs): number {
  let plan: GeneratePlan;
  try {
    plan = resolveGenerate(argv);
  } catch (err) {
    if (!(err instanceof SettingsError)) throw err;
    process.stderr.write(`${err.message}\n`);
    return err.code;
  }
  let code = 0;
  for (const s of plan.targets) code = Math.max(code, runGenerate(s).code);
  return code;
}

/**
 * What a run did: its exit code, and every file it read or tried to (for --watch), with how the
 * file was just before it was read (see stamp()).
 */
export interface RunOutcome {
  code: number;
  inputs: Map<string, string>;
}

/** One run (see the top of this file). */
export function runGenerate(s: GenerateSettings): RunOutcome {
  try {
    return runOnce(s);
  } catch (err) {
    if (!(err instanceof SettingsError)) throw err;
    process.stderr.write(`${err.message}\n`);
    return { code: err.code, inputs: stamped([s.schema]) };
  }
}

/** A file's identity and state (inode, size, modification time), "" when absent. */
function stamp(file: string): string {
  try {
    const st = statSync(file, { bigint: true });
    return `${st.ino}:${st.size}:${st.mtimeNs}`;
  } catch {
    return "";
  }
}

function stamped(files: Iterable<string>): Map<string, string> {
  return new Map([...files].map((f) => [path.resolve(f), stamp(f)]));
}

function runOnce(s: GenerateSettings): RunOutcome {
  const backends = ranBackends(s);
  const last = readRunRecord(s.output);
  const recorded = last
    ? stamped(last.inputFiles.map((n) => path.join(path.dirname(s.schema), n)))
    : null;
  const upToDate = isUpToDate(s, last, backends);
  if (upToDate !== null) {
    if (!s.quiet) {
      const verb = s.check
        ? "up to date"
        : `${upToDate} files, 0 written, ${upToDate} unchanged, 0 removed`;
      process.stdout.write(`${s.output}: ${verb}\n`);
    }
    if (s.definesFile) recorded!.set(path.resolve(s.definesFile), stamp(s.definesFile));
    return { code: 0, inputs: recorded! };
  }
  const host = recordingHost(diskHost);
  const loaded = load(s, host);
  const inputs = new Map([...host.files].map(([f, r]) => [f, r.stamp]));
  if (s.definesFile) inputs.set(path.resolve(s.definesFile), stamp(s.definesFile));
  if (!loaded) return { code: 1, inputs };
  const { model, files } = loaded;
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
      return { code: 1, inputs };
    }
    if (!s.quiet) process.stdout.write(`${s.output}: up to date\n`);
    return { code: 0, inputs };
  }
  try {
    const r = writeGenerated(s.output, files, {
      backends,
      force: s.force,
      inputs: [...inputs.keys()],
    });
    writeRunRecord(s.output, record(s, model, files, host.files));
    if (!s.quiet) {
      process.stdout.write(
        `${s.output}: ${files.length} files, ${r.written.length} written, ` +
          `${r.unchanged.length} unchanged, ${r.removed.length} removed\n`,
      );
    }
    return { code: 0, inputs };
  } catch (err) {
    if (!(err instanceof WriteError)) throw err;
    process.stderr.write(`qapi-ts: ${err.message}\n`);
    return { code: 2, inputs };
  }
}

/** A file as a run read it: its stamp just before, and the bytes parsed (null: unread). */
interface ReadFile {
  stamp: string;
  bytes: Uint8Array | null;
}

/**
 * A host that remembers every file the front end asked for (read or not: a missing include):
 * what it was just before it was read, and the bytes it served, which the run record digests
 * (a file changed while the run went on must not be taken for what the output was made from).
 */
function recordingHost(base: SchemaHost): SchemaHost & { files: Map<string, ReadFile> } {
  const files = new Map<string, ReadFile>();
  return {
    files,
    absolute: (f) => base.absolute(f),
    read(f, limit) {
      const abs = base.absolute(f);
      const seen: ReadFile = files.get(abs) ?? { stamp: stamp(abs), bytes: null };
      const r = base.read(f, limit);
      if ("bytes" in r) seen.bytes = r.bytes;
      else if ("text" in r) seen.bytes = Buffer.from(r.text, "utf8");
      files.set(abs, seen);
      return r;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// --watch

/** Quiet time after the last change before a run: editors save in several steps. */
const DEBOUNCE_MS = 100;

/**
 * `generate --watch`: runs, then runs again whenever a file it read (or tried to read: an
 * include not written yet) or the configuration file changes, until interrupted. It watches the
 * folders holding those files, not the files, so that a file deleted, renamed, or replaced by
 * an editor's save-by-rename is still seen; a folder that does not exist yet is waited for in
 * the nearest folder above it. Errors are reported and waited out.
 */
export async function watchGenerate(argv: GenerateArgs): Promise<void> {
  const watchers = new Map<string, { watcher: FSWatcher; ino: number; names: Set<string> }>();
  let timer: NodeJS.Timeout | null = null;
  const schedule = (): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(run, DEBOUNCE_MS);
  };
  const run = (): void => {
    timer = null;
    // The configuration: the one named, or where one would be found (here, when there is none).
    const inputs = stamped([argv.config ?? CONFIG_FILE]);
    let failed = false;
    try {
      const plan = resolveGenerate(argv);
      if (plan.configFile) for (const [f, st] of stamped([plan.configFile])) inputs.set(f, st);
      for (const s of plan.targets) {
        const outcome = runGenerate(s);
        for (const [f, st] of outcome.inputs) if (!inputs.has(f)) inputs.set(f, st);
        failed ||= outcome.code !== 0;
      }
    } catch (err) {
      if (!(err instanceof SettingsError)) throw err;
      process.stderr.write(`${err.message}\n`);
      failed = true;
    }
    if (failed) process.stderr.write(`qapi-ts generate: waiting for changes\n`);
    watchFolders([...inputs.keys()]);
    // A change between a file's reading and its watch started is seen here.
    for (const [f, st] of inputs) if (stamp(f) !== st) schedule();
  };
  /** Watches each file's folder (or the nearest existing one above it) for its name. */
  const watchFolders = (files: string[]): void => {
    const wanted = new Map<string, Set<string>>();
    for (const file of files) {
      let [dir, name] = [path.dirname(file), path.basename(file)];
      while (!isFolder(dir) && path.dirname(dir) !== dir)
        [dir, name] = [path.dirname(dir), path.basename(dir)];
      if (!wanted.has(dir)) wanted.set(dir, new Set());
      wanted.get(dir)!.add(name);
    }
    for (const [dir, w] of watchers) {
      // Gone, or replaced by another folder of that name: watched anew.
      if (!wanted.has(dir) || inode(dir) !== w.ino) {
        w.watcher.close();
        watchers.delete(dir);
      }
    }
    for (const [dir, names] of wanted) {
      const known = watchers.get(dir);
      if (known) {
        known.names = names;
        continue;
      }
      try {
        const entry = { watcher: null as unknown as FSWatcher, ino: inode(dir), names };
        entry.watcher = watch(dir, (_event, name) => {
          if (name === null || entry.names.has(String(name))) schedule();
        });
        // The folder itself went away: run again (which watches what is there then).
        entry.watcher.on("error", () => {
          entry.watcher.close();
          watchers.delete(dir);
          schedule();
        });
        watchers.set(dir, entry);
      } catch {
        // Unwatchable (gone meanwhile): the next event elsewhere, or the run below, retries.
      }
    }
  };
  process.on("SIGINT", () => process.exit(0));
  run();
  await new Promise<never>(() => {});
}

function isFolder(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

function inode(dir: string): number {
  try {
    return statSync(dir).ino;
  } catch {
    return -1;
  }
}

// ---------------------------------------------------------------------------------------------

/** The back ends a run runs (those named, with those they require). */
function ranBackends(s: GenerateSettings): string[] {
  try {
    return selectBackends(s.only).map((b) => b.name);
  } catch (err) {
    if (err instanceof UnknownBackendError) throw usage(err.message);
    throw err;
  }
}

/** The model and files, or null after printing the diagnostics. */
function load(
  s: GenerateSettings,
  host: SchemaHost,
): { model: SchemaModel; files: OwnedFile[] } | null {
  const result = loadSchema(s.schema, { compat: s.compat, host });
  if (!result.model) {
    const head = readBounded(s.schema, 64 << 20);
    if ("bytes" in head && looksLikeReply(head.bytes.toString("utf8")))
      result.diagnostics.push({ severity: "error", message: replyNote(s.schema), info: null });
  }
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
    if (err instanceof UnknownBackendError || err instanceof BackendOptionError)
      throw usage(err.message);
    throw err;
  }
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

/**
 * The digest of the settings and of every schema file (names relative to the main file's
 * folder): the bytes a run parsed when given, else the files as they are now.
 */
function inputsDigest(
  s: GenerateSettings,
  names: readonly string[],
  parsed?: ReadonlyMap<string, ReadFile>,
): string {
  const h = createHash("sha256").update(settingsKey(s));
  const dir = path.dirname(s.schema);
  for (const n of names) {
    const file = path.join(dir, n);
    const bytes = parsed?.get(path.resolve(file))?.bytes ?? readFileSync(file);
    h.update(`\0${n}\0`).update(bytes);
  }
  return h.digest("hex");
}

function outputsDigest(files: readonly { path: string; content: Buffer | string }[]): string {
  const h = createHash("sha256");
  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : 1)))
    h.update(`\0${f.path}\0`).update(f.content);
  return h.digest("hex");
}

/** The record of a run: its input files (every schema file) and the digests isUpToDate compares. */
function record(
  s: GenerateSettings,
  model: SchemaModel,
  files: readonly OwnedFile[],
  parsed: ReadonlyMap<string, ReadFile>,
): RunRecord {
  const inputFiles = [schemaBaseName(s.schema), ...model.modules.map((m) => m.name)].filter(
    (n, i, all) => !n.startsWith("./") && all.indexOf(n) === i,
  );
  return {
    inputFiles,
    inputs: inputsDigest(s, inputFiles, parsed),
    outputs: outputsDigest(files),
  };
}

/** The number of files when the output is that of these inputs and intact; else null. */
function isUpToDate(
  s: GenerateSettings,
  last: RunRecord | null,
  backends: readonly string[],
): number | null {
  if (!last || isInterrupted(s.output)) return null;
  try {
    if (inputsDigest(s, last.inputFiles) !== last.inputs) return null;
    const files = [...readManifest(s.output).files]
      .filter(([rel, owner]) => rel !== MANIFEST_FILE && backends.includes(owner))
      .map(([rel]) => ({ path: rel, content: readFileSync(path.join(s.output, rel)) }));
    return outputsDigest(files) === last.outputs ? files.length : null;
  } catch {
    return null; // a file is gone or unreadable: the full run says what is wrong
  }
}
