// What a back end is: a pure function of (model, options) to files. The output writer
// (generator/writer.ts) is the only code that touches the disk.
import type { SchemaModel } from "./model.ts";

export interface GeneratedFile {
  /** Path relative to the output directory, with forward slashes. */
  path: string;
  content: string;
}

export interface BackendOptions {
  /** Symbols defined for this build; null keeps every condition (evaluated at run time). */
  defines: ReadonlySet<string> | null;
  /** The schema file as named on the command line (for the generated files' header). */
  schemaFile: string;
}

export type Backend = (model: SchemaModel, options: BackendOptions) => GeneratedFile[];
