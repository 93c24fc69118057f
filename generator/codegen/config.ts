// The codegen step's configuration: `qapi-ts.config.json`, or a "qapi-ts" key in package.json,
// found in the current folder or the nearest folder above it (up to the repository's root, the
// folder holding `.git`), so that `npx qapi-ts generate` alone regenerates a project from any of
// its folders. Paths in it are relative to the file that holds it. Command-line options
// override it.
//
//   {
//     "schema": "qapi/qapi-schema.json",      the main schema file
//     "output": "src/generated",              the output folder
//     "defines": ["CONFIG_POSIX"],            build symbols (or "definesFile": "x.defines");
//                                             absent: conditions are kept for run time
//     "compat": false,                        accept the legacy dialect of older QEMU
//     "only": ["types", "validators"],        back ends to run (default: all)
//     "options": { "introspection": { "unmask": true } },   back ends' own options
//     "runtimePackage": "qapi-ts",            where generated code imports its support from
//     "lint": { "rule": ["x-name"], "noRule": [], "history": "h.json" }
//                                             what the language server (qapi-ts lsp) lints with:
//                                             lint's --rule, --no-rule and --history
//   }
//
// Several schemas (QEMU's QMP schema and its guest agent's, each into its folder), as
// graphql-codegen's `generates` or buf's plugins: a "generates" list of entries with the keys
// above; keys beside "generates" are defaults for every entry.
//
//   { "runtimePackage": "qapi-ts",
//     "generates": [ { "schema": "qapi/qapi-schema.json", "output": "src/qmp" },
//                    { "schema": "qga/qapi-schema.json", "output": "src/qga", "only": ["types"] } ] }
//
// Every file is read through the bounded reader; a byte-order mark is accepted (JSON allows a
// parser to ignore one); what is wrong is a ConfigError naming the file, and the line and column
// where the file says where.

import { existsSync } from "node:fs";
import path from "node:path";
import { BACKENDS, selectBackends, UnknownBackendError } from "../backends/index.ts";
import { runtimePackageProblem } from "../backends/generate-files.ts";
import { OUTPUT_OPTIONS, OUTPUT_OPTIONS_NAME } from "../backends/backend.ts";
import { InputError, readFileInput } from "../frontend/bounded-input.ts";
import { JsonInputError, parseJsonText } from "../frontend/json-input.ts";

/** One schema into one folder: the settings of one run of the codegen step. */
export interface GenerateTarget {
  schema?: string;
  output?: string;
  defines?: string[];
  definesFile?: string;
  compat?: boolean;
  only?: string[];
  options?: Record<string, Record<string, boolean | string>>;
  runtimePackage?: string;
  lint?: LintConfig;
}

/** The lint settings of a project (lint's --rule, --no-rule, --history). */
export interface LintConfig {
  rule?: string[];
  noRule?: string[];
  /** A history file (resolved against the configuration's directory). */
  history?: string;
}

/** A configuration and where it was found (paths in it already resolved against its folder). */
export interface FoundConfig {
  /** The file (for package.json: `…/package.json ("qapi-ts")`). */
  file: string;
  /** The path of the file itself. */
  path: string;
  /** What to generate: one entry per schema (a configuration without "generates" has one). */
  targets: GenerateTarget[];
}

export const CONFIG_FILE = "qapi-ts.config.json";

/** The configuration or why it is wrong (file, and what was expected). */
export class ConfigError extends Error {}

/** A configuration file is a few lines; a package.json, rarely more than some kilobytes. */
const MAX_CONFIG_BYTES = 16 << 20;

/**
 * Reads the configuration: `explicit` when given, else the nearest `qapi-ts.config.json` or
 * package.json with a "qapi-ts" key in `dir` or a folder above it (the search stops at the
 * folder holding `.git`, or at the root); null when there is none. Throws ConfigError.
 */
export function loadConfig(dir: string, explicit?: string): FoundConfig | null {
  if (explicit !== undefined) return fromFile(explicit, readJson(explicit));
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const own = path.join(d, CONFIG_FILE);
    if (existsSync(own)) return fromFile(own, readJson(own));
    const pkgFile = path.join(d, "package.json");
    if (existsSync(pkgFile)) {
      let pkg: unknown;
      try {
        pkg = readJson(pkgFile);
      } catch {
        pkg = null; // a package.json that cannot be read is npm's to complain about
      }
      if (isObject(pkg) && Object.hasOwn(pkg, "qapi-ts")) {
        const where = `${pkgFile} ("qapi-ts")`;
        return { file: where, path: pkgFile, targets: checkConfig(where, pkg["qapi-ts"], d) };
      }
    }
    if (existsSync(path.join(d, ".git")) || path.dirname(d) === d) return null;
  }
}

function fromFile(file: string, value: unknown): FoundConfig {
  return { file, path: file, targets: checkConfig(file, value, path.dirname(path.resolve(file))) };
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileInput(file, {
      maxBytes: MAX_CONFIG_BYTES,
      purpose: "configuration file",
    }).toString("utf8");
  } catch (err) {
    if (err instanceof InputError) throw new ConfigError(err.message);
    throw err;
  }
  try {
    return parseJsonText(text);
  } catch (err) {
    if (!(err instanceof JsonInputError)) throw err;
    const at = err.line === null ? "" : `:${err.line}:${err.col ?? 1}`;
    throw new ConfigError(`${file}${at}: ${err.message}`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const isStringList = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((x) => typeof x === "string");

const TARGET_KEYS = [
  "schema",
  "output",
  "defines",
  "definesFile",
  "compat",
  "only",
  "options",
  "runtimePackage",
  "lint",
];

/** Checks the shape, resolves paths against `dir`; returns the targets. */
function checkConfig(where: string, value: unknown, dir: string): GenerateTarget[] {
  if (!isObject(value)) throw new ConfigError(`${where}: expected an object`);
  const { generates, ...rest } = value;
  const defaults = checkTarget(where, rest, dir, true);
  if (generates === undefined) return [defaults];
  if (defaults.schema !== undefined || defaults.output !== undefined)
    throw new ConfigError(
      `${where}: "schema" and "output" go in each entry of "generates", not beside it`,
    );
  if (!Array.isArray(generates) || generates.length === 0)
    throw new ConfigError(`${where}: "generates" must be a list of entries (objects)`);
  const targets = generates.map((entry, i) => {
    const at = `${where}: generates[${i}]`;
    if (!isObject(entry)) throw new ConfigError(`${at}: expected an object`);
    const own = checkTarget(at, entry, dir, false);
    if (own.schema === undefined || own.output === undefined)
      throw new ConfigError(`${at}: each entry names its "schema" and its "output"`);
    // An entry's build symbols replace the defaults' (defines or definesFile, whichever given).
    const base = { ...defaults };
    if (own.defines !== undefined || own.definesFile !== undefined) {
      delete base.defines;
      delete base.definesFile;
    }
    return { ...base, ...own };
  });
  // Two entries writing one folder (or one inside the other) would each see the other's files
  // as not theirs.
  for (let i = 0; i < targets.length; i++) {
    for (let j = 0; j < i; j++) {
      const [a, b] = [targets[j]!.output!, targets[i]!.output!];
      if (a === b || b.startsWith(a + path.sep) || a.startsWith(b + path.sep))
        throw new ConfigError(
          `${where}: generates[${j}] and generates[${i}] write into the same folder (${path.relative(dir, a) || "."}, ${path.relative(dir, b) || "."})`,
        );
    }
  }
  return targets;
}

function checkTarget(
  where: string,
  value: Record<string, unknown>,
  dir: string,
  top: boolean,
): GenerateTarget {
  const config: GenerateTarget = {};
  const bad = (key: string, expected: string): never => {
    throw new ConfigError(`${where}: "${key}" must be ${expected}`);
  };
  for (const [key, v] of Object.entries(value)) {
    switch (key) {
      case "schema":
      case "output":
      case "definesFile":
        if (typeof v !== "string" || v === "") bad(key, "a path");
        config[key] = path.resolve(dir, v as string);
        break;
      case "runtimePackage": {
        if (typeof v !== "string" || v === "") bad(key, "a module specifier");
        const problem = runtimePackageProblem(v as string);
        if (problem) throw new ConfigError(`${where}: ${problem}`);
        config.runtimePackage = v as string;
        break;
      }
      case "defines":
        if (!isStringList(v)) bad(key, "a list of strings");
        config.defines = v as string[];
        break;
      case "only":
        if (!isStringList(v)) bad(key, "a list of strings");
        try {
          selectBackends(v as string[]);
        } catch (err) {
          if (err instanceof UnknownBackendError)
            throw new ConfigError(`${where}: "only": ${err.message}`);
          throw err;
        }
        config.only = v as string[];
        break;
      case "compat":
        if (typeof v !== "boolean") bad(key, "true or false");
        config.compat = v as boolean;
        break;
      case "options":
        config.options = checkOptions(where, v);
        break;
      case "lint":
        config.lint = checkLint(where, v, dir);
        break;
      default:
        throw new ConfigError(
          `${where}: unknown key "${key}" (known: ${[...TARGET_KEYS, ...(top ? ["generates"] : [])].join(", ")})`,
        );
    }
  }
  if (config.defines && config.definesFile)
    throw new ConfigError(`${where}: give "defines" or "definesFile", not both`);
  return config;
}

function checkLint(where: string, value: unknown, dir: string): LintConfig {
  if (!isObject(value)) throw new ConfigError(`${where}: "lint" must be an object`);
  const out: LintConfig = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === "rule" || key === "noRule") {
      if (!isStringList(v))
        throw new ConfigError(`${where}: "lint.${key}" must be a list of strings`);
      out[key] = v;
    } else if (key === "history") {
      if (typeof v !== "string" || v === "")
        throw new ConfigError(`${where}: "lint.history" must be a path`);
      out.history = path.resolve(dir, v);
    } else
      throw new ConfigError(`${where}: unknown key "lint.${key}" (known: rule, noRule, history)`);
  }
  return out;
}

/**
 * Each back end named must exist (or be "output", the options every back end follows), and each
 * option be one of its own, of its type.
 */
function checkOptions(where: string, v: unknown): Record<string, Record<string, boolean | string>> {
  if (!isObject(v) || !Object.values(v).every(isObject))
    throw new ConfigError(`${where}: "options" must be an object of objects`);
  for (const [name, given] of Object.entries(v as Record<string, Record<string, unknown>>)) {
    const options =
      name === OUTPUT_OPTIONS_NAME
        ? OUTPUT_OPTIONS
        : BACKENDS.find((b) => b.name === name)?.options;
    if (!options)
      throw new ConfigError(
        `${where}: "options": unknown back end '${name}' (back ends: ${BACKENDS.map((b) => b.name).join(", ")}; '${OUTPUT_OPTIONS_NAME}' takes the output options)`,
      );
    const spec = options as Record<string, { default: boolean | string }>;
    for (const [option, x] of Object.entries(given)) {
      if (!Object.hasOwn(spec, option))
        throw new ConfigError(
          `${where}: "options.${name}": ${name === OUTPUT_OPTIONS_NAME ? "output" : `back end '${name}'`} has no option '${option}'` +
            ` (options: ${Object.keys(spec).join(", ") || "none"})`,
        );
      if (typeof x !== typeof spec[option]!.default)
        throw new ConfigError(
          `${where}: "options.${name}.${option}" must be a ${typeof spec[option]!.default}`,
        );
    }
  }
  return v as Record<string, Record<string, boolean | string>>;
}
