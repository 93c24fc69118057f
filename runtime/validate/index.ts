// qapi-ts/validate: what generated validators (`validators.ts` of `qapi-ts generate`) run on,
// and what programs use around them: QEMU's QMP input rules as checks compiled from a validator
// table, and lossless JSON for QMP's 64-bit integers.

export {
  createValidators,
  formatPath,
  type AnyCommands,
  type AnyEvents,
  type CommandMap,
  type EventMap,
  type ValidateOptions,
  type ValidationError,
  type Validators,
} from "./validators.ts";
export type { ValidatorTable } from "./table.ts";
export {
  INTEGER_RANGES,
  SCALAR_CHECKS,
  scalarMessage,
  type BuiltinTypeName,
  type IntegerTypeName,
  type ScalarCheck,
  type ScalarFailure,
} from "./scalars.ts";
export {
  JsonSyntaxError,
  parseJsonForValidation,
  parseJsonLossless,
  stringifyJson,
} from "./json.ts";

/** A path as a JSON Pointer (RFC 6901), for tools: `/file/aio`. */
export function jsonPointer(path: readonly (string | number)[]): string {
  return path.map((p) => "/" + String(p).replace(/~/g, "~0").replace(/\//g, "~1")).join("");
}
