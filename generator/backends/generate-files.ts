// Generation: the chosen back ends run over one model, with the options resolved once. The CLI's
// `generate`, `validate` and the library API call this; the writer (codegen/writer.ts) writes the result.

import type { AnyBackend, BackendOptions, GeneratedFile } from "./backend.ts";
import { BACKENDS, selectBackends } from "./index.ts";
import type { SchemaModel } from "../model/index.ts";

export interface GenerateOptions {
  /** Symbols defined for the build; null (default) keeps every condition for run time. */
  defines?: ReadonlySet<string> | null;
  /** The schema's name in file headers (default: the main file's base name). */
  schemaName?: string;
  /** Where generated code imports its run-time support from (default `qapi-ts`). */
  runtimePackage?: string;
  /** Back ends to run (with those their files import); all when absent or empty. */
  only?: readonly string[];
  /** Options of the back ends, by back end name (see each back end's `options`). */
  backendOptions?: Readonly<Record<string, Readonly<Record<string, boolean | string>>>>;
}

/** A generated file and the back end that owns it. */
export interface OwnedFile extends GeneratedFile {
  backend: string;
}

/**
 * The files of the chosen back ends, in registry order. Throws UnknownBackendError, or
 * BackendOptionError for options of a back end that does not exist, options a back end does not
 * have, and a runtimePackage that is not an import specifier.
 */
export function generateFiles(model: SchemaModel, options: GenerateOptions = {}): OwnedFile[] {
  for (const name of Object.keys(options.backendOptions ?? {})) {
    if (!BACKENDS.some((b) => b.name === name))
      throw new BackendOptionError(
        `options for unknown back end '${name}' (back ends: ${BACKENDS.map((b) => b.name).join(", ")})`,
      );
  }
  const problem = runtimePackageProblem(options.runtimePackage ?? "qapi-ts");
  if (problem) throw new BackendOptionError(problem);
  const common: BackendOptions = {
    defines: options.defines ?? null,
    schemaName: options.schemaName ?? schemaBaseName(model.fname),
    runtimePackage: options.runtimePackage ?? "qapi-ts",
    reservedPaths: new Set(BACKENDS.flatMap((b) => b.paths)),
  };
  return selectBackends(options.only).flatMap((b) =>
    b
      .generate(model, { ...common, ...backendOptions(b, options.backendOptions?.[b.name]) })
      .map((f) => ({
        ...f,
        backend: b.name,
      })),
  );
}

/** A back end's own options: its defaults, overridden by the given values (checked). */
function backendOptions(
  b: AnyBackend,
  given: Readonly<Record<string, boolean | string>> | undefined,
) {
  const out: Record<string, boolean | string> = {};
  for (const [name, spec] of Object.entries(
    b.options as Record<string, { default: boolean | string }>,
  )) {
    out[name] = spec.default;
  }
  for (const [name, value] of Object.entries(given ?? {})) {
    if (!(name in out))
      throw new BackendOptionError(`back end '${b.name}' has no option '${name}'`);
    if (typeof value !== typeof out[name]) {
      throw new BackendOptionError(`option '${b.name}.${name}' takes a ${typeof out[name]}`);
    }
    out[name] = value;
  }
  return out;
}

export class BackendOptionError extends Error {}

/** One path segment of an import specifier: no spaces, quotes, backslashes or controls. */
const SEGMENT = /^[A-Za-z0-9._~@+-]+$/;
/** A package name as npm accepts it (lower case; not starting with '.' or '_'). */
const PACKAGE_NAME = /^[a-z0-9~-][a-z0-9._~-]*$/;

/**
 * Why `spec` cannot be where generated code imports its run-time support from (it is written
 * into import statements): null when it is a package name with an optional subpath (`qapi-ts`,
 * `@scope/name/sub`), a package's own subpath import (`#qapi`) or a relative path (`./lib`).
 */
export function runtimePackageProblem(spec: string): string | null {
  const parts = spec.split("/");
  const plain = (segs: string[]) => segs.every((p) => SEGMENT.test(p) && p !== "." && p !== "..");
  let ok: boolean;
  if (spec.startsWith("./") || spec.startsWith("../")) {
    const up = parts.findIndex((p) => p !== "..");
    const rest = parts.slice(parts[0] === "." ? 1 : up);
    ok = rest.length > 0 && plain(rest);
  } else if (spec.startsWith("#")) {
    ok = plain([parts[0]!.slice(1), ...parts.slice(1)]);
  } else if (spec.startsWith("@")) {
    ok =
      parts.length >= 2 &&
      PACKAGE_NAME.test(parts[0]!.slice(1)) &&
      PACKAGE_NAME.test(parts[1]!) &&
      plain(parts.slice(2));
  } else {
    ok = PACKAGE_NAME.test(parts[0]!) && plain(parts.slice(1));
  }
  return ok && spec.length <= 214
    ? null
    : `runtimePackage ${JSON.stringify(spec)} is not a package name (qapi-ts, @scope/name, ` +
        "with an optional /subpath), a subpath import (#name) or a relative path (./lib/qapi-ts)";
}

/** The main schema file's name without directories: output never depends on how it was typed. */
export function schemaBaseName(fname: string): string {
  return fname.replace(/\\/g, "/").split("/").pop() || fname;
}
