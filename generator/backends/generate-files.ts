// Generation: the chosen back ends run over one model, with the options resolved once. The CLI's
// `generate`, `validate` and the library API call this; the writer (codegen/writer.ts) writes the result.

import {
  OUTPUT_OPTIONS,
  OUTPUT_OPTIONS_NAME,
  type AnyBackend,
  type BackendOption,
  type BackendOptions,
  type GeneratedFile,
  type OutputOptions,
} from "./backend.ts";
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
  /**
   * Options of the back ends, by back end name (see each back end's `options`), and under
   * `output` the output options every back end follows (OUTPUT_OPTIONS).
   */
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
    if (name !== OUTPUT_OPTIONS_NAME && !BACKENDS.some((b) => b.name === name))
      throw new BackendOptionError(
        `options for '${name}', which is no back end (back ends: ${BACKENDS.map((b) => b.name).join(", ")}; '${OUTPUT_OPTIONS_NAME}' takes the output options)`,
      );
  }
  const output = resolveOptions(
    OUTPUT_OPTIONS_NAME,
    OUTPUT_OPTIONS,
    options.backendOptions?.[OUTPUT_OPTIONS_NAME],
  ) as unknown as OutputOptions;
  if (output.importExtension === "ts" && output.target !== "ts")
    throw new BackendOptionError(
      `option 'output.importExtension=ts' needs 'output.target=ts' (JavaScript imports JavaScript)`,
    );
  const problem = runtimePackageProblem(options.runtimePackage ?? "qapi-ts");
  if (problem) throw new BackendOptionError(problem);
  const common: BackendOptions = {
    ...output,
    defines: options.defines ?? null,
    schemaName: options.schemaName ?? schemaBaseName(model.fname),
    runtimePackage: options.runtimePackage ?? "qapi-ts",
    reservedPaths: new Set(BACKENDS.flatMap((b) => b.paths)),
  };
  return selectBackends(options.only).flatMap((b) =>
    b
      .generate(model, {
        ...common,
        ...resolveOptions(b.name, b.options, options.backendOptions?.[b.name]),
      })
      .map((f) => ({
        ...f,
        backend: b.name,
      })),
  );
}

/** A set of options (a back end's own, or the output options): defaults, overridden (checked). */
function resolveOptions(
  owner: string,
  specs: AnyBackend["options"],
  given: Readonly<Record<string, boolean | string>> | undefined,
): Record<string, boolean | string> {
  const out: Record<string, boolean | string> = {};
  const all = specs as Record<string, BackendOption>;
  for (const [name, spec] of Object.entries(all)) out[name] = spec.default;
  for (const [name, value] of Object.entries(given ?? {})) {
    const spec = Object.hasOwn(all, name) ? all[name]! : undefined;
    if (!spec) {
      const known = Object.keys(all);
      throw new BackendOptionError(
        `${owner === OUTPUT_OPTIONS_NAME ? "there is no output option" : `back end '${owner}' has no option`} '${name}'` +
          (known.length ? ` (options: ${known.join(", ")})` : ""),
      );
    }
    if (typeof value !== typeof spec.default)
      throw new BackendOptionError(`option '${owner}.${name}' takes a ${typeof spec.default}`);
    if (spec.values && !spec.values.includes(value))
      throw new BackendOptionError(
        `option '${owner}.${name}' takes ${spec.values.join(", ")}, not '${String(value)}'`,
      );
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
