// The validator table: what the validators back end (generator/backends/validators.ts) knows of
// a schema's wire format, as data. Generated code embeds it as JSON text, `qapi-ts validate`
// builds it in memory, and createValidators() (validators.ts) turns either into the checks.
// Compact on purpose: QEMU's schema has thousands of members. Built-in integer types are kept
// apart (introspection shows them all as `int`), since their ranges differ.

import type { Condition } from "../conditions.ts";
import type { JsonType } from "./json.ts";
import type { ScalarType } from "./scalars.ts";

/** Index into ValidatorTable.types. */
export type TypeRef = number;
/** Index into ValidatorTable.conditions; -1 for none. */
export type ConditionRef = number;

/** Bits of `MemberEntry[2]`, `EnumValueEntry[2]` and `CommandEntry[3]`. */
export const OPTIONAL = 1;
export const DEPRECATED = 2;
export const UNSTABLE = 4;

/** An object member: name, type, OPTIONAL | DEPRECATED | UNSTABLE, condition. */
export type MemberEntry = readonly [name: string, type: TypeRef, flags: number, cond: ConditionRef];
/** An enum value: name, condition, DEPRECATED | UNSTABLE. */
export type EnumValueEntry = readonly [name: string, cond: ConditionRef, flags: number];
/** A union variant: tag value, branch type (an object type), condition. */
export type VariantEntry = readonly [tagValue: string, type: TypeRef, cond: ConditionRef];
/** An alternate branch: the JSON type that selects it, its type, condition. */
export type AlternateBranchEntry = readonly [
  json: AlternateJsonType,
  type: TypeRef,
  cond: ConditionRef,
];

/** The JSON types an alternate tells its branches apart by (QEMU's QType). */
export type AlternateJsonType = JsonType;

export type TypeEntry =
  | { readonly builtin: ScalarType }
  | { readonly enum: string; readonly values: readonly EnumValueEntry[] }
  | { readonly array: TypeRef }
  | {
      readonly object: string;
      readonly members: readonly MemberEntry[];
      /** Unions: the tag member and a variant per tag value that has members. */
      readonly tag?: string;
      readonly variants?: readonly VariantEntry[];
    }
  | { readonly alternate: string; readonly branches: readonly AlternateBranchEntry[] };

/** A command: name, arguments type (-1: none), result type (-1: `{}`), DEPRECATED | UNSTABLE, condition. */
export type CommandEntry = readonly [
  name: string,
  args: TypeRef,
  returns: TypeRef,
  flags: number,
  cond: ConditionRef,
];
/** An event: name, data type (-1: none), condition. */
export type EventEntry = readonly [name: string, data: TypeRef, cond: ConditionRef];
/** A type a program may validate by name: name, type, condition. */
export type NamedTypeEntry = readonly [name: string, type: TypeRef, cond: ConditionRef];

export interface ValidatorTable {
  readonly conditions: readonly Condition[];
  readonly types: readonly TypeEntry[];
  readonly commands: readonly CommandEntry[];
  readonly events: readonly EventEntry[];
  readonly named: readonly NamedTypeEntry[];
}
