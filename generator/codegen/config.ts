// The codegen step's configuration: `qapi-ts.config.json`, or a "qapi-ts" key in package.json,
// so that `npx qapi-ts generate` alone regenerates a project. Paths in it are relative to the
// file that holds it. Command-line options override it.
//
//   {
//     "schema": "qapi/qapi-schema.json",      the main schema file
//     "output": "src/generated",              the output directory
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

import { readFileSync } from "node:fs";
import path from "node:path";

export interface GenerateConfig {
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

/** A configuration and where it was found (paths in it already resolved against its directory). */
export interface FoundConfig {
  file: string;
  config: GenerateConfig;
}

export const CONFIG_FILE = "qapi-ts.config.json";

/** The configuration or why it is wrong (file and what was expected). */
export class ConfigError extends Error {}

/**
 * Reads the configuration: `explicit` when given, else `qapi-ts.config.json` in `dir`, else the
 * "qapi-ts" key of `dir`'s package.json; null when there is none.
 */
export function loadConfig(dir: string, explicit?: string): FoundConfig | null {
  if (explicit !== undefined)
    return { file: explicit, config: parseConfig(explicit, readText(explicit, true)!) };
  const own = path.join(dir, CONFIG_FILE);
  const text = readText(own, false);
  if (text !== null) return { file: own, config: parseConfig(own, text) };
  const pkgFile = path.join(dir, "package.json");
  const pkgText = readText(pkgFile, false);
  if (pkgText === null) return null;
  let pkg: unknown;
  try {
    pkg = JSON.parse(pkgText);
  } catch {
    return null; // not ours to complain about
  }
  if (!isObject(pkg) || !("qapi-ts" in pkg)) return null;
  return {
    file: `${pkgFile} ("qapi-ts")`,
    config: checkConfig(`${pkgFile}: "qapi-ts"`, pkg["qapi-ts"], dir),
  };
}

function readText(file: string, required: boolean): string | null {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    if (!required && (err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new ConfigError(`can't read ${file}: ${(err as Error).message}`);
  }
}

function parseConfig(file: string, text: string): GenerateConfig {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${file}: not JSON: ${(err as Error).message}`);
  }
  return checkConfig(file, value, path.dirname(file));
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const isStringList = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((x) => typeof x === "string");

/** Checks the shape, and resolves paths against `dir`. */
function checkConfig(where: string, value: unknown, dir: string): GenerateConfig {
  if (!isObject(value)) throw new ConfigError(`${where}: expected an object`);
  const config: GenerateConfig = {};
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
      case "runtimePackage":
        if (typeof v !== "string" || v === "") bad(key, "a module specifier");
        config.runtimePackage = v as string;
        break;
      case "defines":
      case "only":
        if (!isStringList(v)) bad(key, "a list of strings");
        config[key] = v as string[];
        break;
      case "compat":
        if (typeof v !== "boolean") bad(key, "true or false");
        config.compat = v as boolean;
        break;
      case "options":
        if (!isObject(v) || !Object.values(v).every(isObject)) bad(key, "an object of objects");
        for (const [b, o] of Object.entries(v as Record<string, Record<string, unknown>>)) {
          for (const [name, x] of Object.entries(o)) {
            if (typeof x !== "boolean" && typeof x !== "string")
              bad(`options.${b}.${name}`, "a boolean or a string");
          }
        }
        config.options = v as Record<string, Record<string, boolean | string>>;
        break;
      case "lint":
        config.lint = checkLint(where, v, dir);
        break;
      default:
        throw new ConfigError(
          `${where}: unknown key "${key}" (known: schema, output, defines, definesFile, compat, only, options, runtimePackage, lint)`,
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
