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

/** The files of the chosen back ends, in registry order. Throws UnknownBackendError. */
export function generateFiles(model: SchemaModel, options: GenerateOptions = {}): OwnedFile[] {
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
  const specs = b.options as Record<
    string,
    { default: boolean | string; choices?: readonly (boolean | string)[] }
  >;
  for (const [name, spec] of Object.entries(specs)) out[name] = spec.default;
  for (const [name, value] of Object.entries(given ?? {})) {
    if (!(name in out))
      throw new BackendOptionError(`back end '${b.name}' has no option '${name}'`);
    if (typeof value !== typeof out[name]) {
      throw new BackendOptionError(`option '${b.name}.${name}' takes a ${typeof out[name]}`);
    }
    const choices = specs[name]!.choices;
    if (choices && !choices.includes(value))
      throw new BackendOptionError(
        `option '${b.name}.${name}' is one of ${choices.join(", ")}, not '${String(value)}'`,
      );
    out[name] = value;
  }
  return out;
}

export class BackendOptionError extends Error {}

/** The main schema file's name without directories: output never depends on how it was typed. */
export function schemaBaseName(fname: string): string {
  return fname.replace(/\\/g, "/").split("/").pop() || fname;
}
