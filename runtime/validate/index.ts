// Run-time support around the generated validators (`validators.js` of `qapi-ts generate`):
// lossless JSON for QMP's 64-bit integers, JSON read as QEMU reads it, QEMU's checks of the
// built-in scalar types, and the shape of a generated validators module, so
// that code such as the QMP client can take any schema's validators.
//
// The generated module itself imports nothing: it must work wherever it is generated to.

export {
  commandEnvelope,
  isJsonFloat,
  JsonFloat,
  JsonSyntaxError,
  parseJsonForValidation,
  parseJsonLossless,
  stringifyJson,
  type JsonEnvelope,
} from "./json.ts";
export { checkScalar, isScalarType, type ScalarFailure, type ScalarType } from "./scalars.ts";

/** How strictly to validate (what the generated validators accept); defaults are QEMU's. */
export interface ValidateOptions {
  /** QEMU's compat policy for input marked `deprecated` (default: accept). */
  deprecatedInput?: "accept" | "reject";
  /** QEMU's compat policy for input marked `unstable` (default: accept). */
  unstableInput?: "accept" | "reject";
  /** "ignore" tolerates members the schema lacks, e.g. in replies from a newer QEMU. */
  unknownMembers?: "reject" | "ignore";
  /** The build's condition symbols: parts whose 'if' fails are absent. Default: all present. */
  defines?: ReadonlySet<string> | Iterable<string>;
}

/** QEMU's message ("Parameter 'a.b' is missing") and the path to the offending value. */
export interface ValidationError {
  message: string;
  path: (string | number)[];
}

/** What a generated validators module exports. */
export interface Validators {
  readonly commandNames: readonly string[];
  readonly eventNames: readonly string[];
  readonly typeNames: readonly string[];
  formatPath(path: readonly (string | number)[]): string;
  validateCommandArguments(
    name: string,
    args: unknown,
    options?: ValidateOptions,
  ): ValidationError | null;
  validateCommandReturns(
    name: string,
    value: unknown,
    options?: ValidateOptions,
  ): ValidationError | null;
  validateEvent(name: string, data: unknown, options?: ValidateOptions): ValidationError | null;
  validateType(name: string, value: unknown, options?: ValidateOptions): ValidationError | null;
}

/** A path as a JSON Pointer (RFC 6901), for tools: `/file/aio`. */
export function jsonPointer(path: readonly (string | number)[]): string {
  return path.map((p) => "/" + String(p).replace(/~/g, "~0").replace(/\//g, "~1")).join("");
}
