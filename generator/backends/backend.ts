// What a back end is: a pure function of (model, options) to files, with a name, the back ends
// its files import, and options of its own. The registry (backends/index.ts) lists them; the
// writer (codegen/writer.ts) is the only code that touches the disk.
import type { SchemaModel } from "../model/index.ts";
import type { Int64Representation } from "../../runtime/validate/scalars.ts";

export interface GeneratedFile {
  /** Path relative to the output directory, with forward slashes. */
  path: string;
  content: string;
}

/**
 * The output options: what every back end's generated code follows, given once as
 * `--option output.NAME=VALUE` or the configuration's `"options": { "output": {...} }`
 * (OUTPUT_OPTIONS lists them), as protobuf-es's plugin options are.
 */
export interface OutputOptions {
  /** "ts": TypeScript modules; "js+dts": JavaScript modules and their declarations. */
  target: "ts" | "js+dts";
  /** The extension of relative import specifiers between generated modules ("none": bare). */
  importExtension: "js" | "ts" | "none";
  /** How the generated code holds values of the 64-bit integer types (see Int64Representation). */
  int64: Int64Representation;
}

/** Where the output options are given: `--option output.NAME=VALUE`, `options.output`. */
export const OUTPUT_OPTIONS_NAME = "output";

export const OUTPUT_OPTIONS: {
  readonly [K in keyof OutputOptions]: BackendOption<OutputOptions[K]>;
} = {
  target: {
    description:
      "ts: TypeScript modules; js+dts: JavaScript modules and .d.ts declarations, for plain-JS projects",
    default: "ts",
    values: ["ts", "js+dts"],
  },
  importExtension: {
    description:
      "relative imports end in .js (Node, tsc, bundlers), .ts (Node's type stripping, Deno) or nothing (bundlers)",
    default: "js",
    values: ["js", "ts", "none"],
  },
  int64: {
    description:
      "64-bit integers: exact (a number when a double holds it exactly, else a bigint), bigint (always), number (an integer no number holds exactly is an error)",
    default: "exact",
    values: ["exact", "bigint", "number"],
  },
};

/** Options every back end receives. */
export interface BackendOptions extends OutputOptions {
  /** Symbols defined for this build; null keeps every condition (evaluated at run time). */
  defines: ReadonlySet<string> | null;
  /**
   * The schema as generated files name it: the main file's base name, so that the output does
   * not depend on the current directory or on how the path was typed.
   */
  schemaName: string;
  /** The package generated code imports its run-time support from: `qapi-ts` by default. */
  runtimePackage: string;
  /** Every path some back end of the registry always writes (see Backend.paths). */
  reservedPaths: ReadonlySet<string>;
}

/** An option of a back end's own, for the config file and `generate --option NAME=VALUE`. */
export interface BackendOption<T extends boolean | string = boolean | string> {
  description: string;
  default: T;
  /** The values it takes, when they are a list. */
  values?: readonly T[];
}

export interface Backend<O extends Record<string, boolean | string> = Record<never, never>> {
  /** How `generate --only` and the manifest name it. */
  readonly name: string;
  readonly description: string;
  /** Back ends whose files this one's files import: generated with it. */
  readonly requires: readonly string[];
  /**
   * The paths it always writes (its other files' names depend on the schema): no other back
   * end's file takes them, whichever back ends run.
   */
  readonly paths: readonly string[];
  readonly options: { readonly [K in keyof O]: BackendOption<O[K]> };
  generate(model: SchemaModel, options: BackendOptions & O): GeneratedFile[];
}

/** A back end of the registry, whatever its own options. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyBackend = Backend<any>;
