// qapi-ts/validate: what generated validators (`validators.ts` of `qapi-ts generate`) run on,
// and what programs use around them: QEMU's QMP input rules as checks compiled from a validator
// table, QEMU's checks of the built-in scalar types, JSON read as QEMU reads it, and lossless
// JSON for QMP's 64-bit integers.

export {
  createValidators,
  type AnyCommands,
  type AnyEvents,
  type CommandMap,
  type EventMap,
  type ValidateOptions,
  type ValidationError,
  type ValidatorSetOptions,
  type Validators,
} from "./validators.ts";
export type { ValidatorTable } from "./table.ts";
export {
  acceptedRange,
  checkScalar,
  formatPath,
  INT64_TYPES,
  INTEGER_RANGES,
  isScalarType,
  type Int64Representation,
  type IntegerType,
  type ScalarFailure,
  type ScalarType,
} from "./scalars.ts";
export { checkSendable, messageEnvelope, type SendableProblem } from "./sendable.ts";
export { Int64RangeError } from "./int64.ts";
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

/** A path as a JSON Pointer (RFC 6901), for tools: `/file/aio`. */
export function jsonPointer(path: readonly (string | number)[]): string {
  return path.map((p) => "/" + String(p).replace(/~/g, "~0").replace(/\//g, "~1")).join("");
}
export { validatorTableFromSchema, type IntrospectedSchema } from "./introspected.ts";
