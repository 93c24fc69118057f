// The semantic model: what the front end hands to every back end (dump, introspection,
// TypeScript, validators, JSON Schema, features). CONTRACT: schema/ builds it; back ends only
// read it. Field names here are shared by all back ends; extend, don't rename.
//
// Mirrors the entity structure of QEMU's generator (modules, built-in/implicit types, flattened
// members, branches, conditions and features) so that output can match QEMU's byte for byte.

import type { SourceInfo, Span } from "./source.ts";
import type { Documentation } from "./documentation.ts";

// ---------------------------------------------------------------------------------------------
// Conditions ('if'): the schema's own syntax, shared with the runtime (runtime/conditions.ts).

export type { Condition } from "../../runtime/conditions.ts";
import type { Condition } from "../../runtime/conditions.ts";

// Where things are: `info` is QEMU's place (a definition's first line, for everything in it);
// spans (model/source.ts) are the exact text in info's file: null for what the schema implies,
// absent from models not made by the front end.

// ---------------------------------------------------------------------------------------------
// Features

export interface Feature {
  name: string;
  info: SourceInfo | null;
  /** Its name as written. */
  span?: Span | null;
  ifcond: Condition | null;
  /** "deprecated" and "unstable" are special (introspection & compat policy treat them so). */
  isSpecial: boolean;
}

// ---------------------------------------------------------------------------------------------
// Members

export interface EnumMember {
  name: string;
  info: SourceInfo | null;
  /** Its name as written. */
  span?: Span | null;
  ifcond: Condition | null;
  features: Feature[];
}

export interface ObjectMember {
  name: string;
  info: SourceInfo | null;
  /** Its name as written (the key, `*` included). */
  span?: Span | null;
  /** Its type reference as written. */
  typeSpan?: Span | null;
  ifcond: Condition | null;
  features: Feature[];
  /** Resolved type (after schema.check()). */
  type: Type;
  optional: boolean;
  /** The entity that declared the member (a struct, its base, an implicit type, ...). */
  definedIn: string;
}

/** A union/alternate branch: tag value (or alternate branch name) to type. */
export interface Branch {
  name: string;
  info: SourceInfo | null;
  /** Its name as written (the key). */
  span?: Span | null;
  /** Its type reference as written. */
  typeSpan?: Span | null;
  ifcond: Condition | null;
  type: Type;
}

export interface Branches {
  /** The discriminator member (unions) or the implicit 'type' tag (alternates). */
  tagMember: ObjectMember;
  variants: Branch[];
}

// ---------------------------------------------------------------------------------------------
// Entities

interface EntityBase {
  name: string;
  /** null for built-in entities. */
  info: SourceInfo | null;
  /**
   * Its name as written (the value of 'struct', 'command', ...). Implicit types: what made them
   * (an array type's reference, an argument type's 'data').
   */
  span?: Span | null;
  /** The whole definition, `{` to `}` (null for implicit types). */
  defSpan?: Span | null;
  /** The value of each key of the definition, by key ('data', 'base', 'returns', ...). */
  keySpans?: ReadonlyMap<string, Span>;
  doc: Documentation | null;
  ifcond: Condition | null;
  features: Feature[];
  /** The module (file) the entity belongs to; "./builtin" for built-ins. */
  module: string;
  /** True for types QEMU makes up: q_obj_*-arg, q_obj_*-base, q_obj_*-wrapper, arrays, ... */
  isImplicit: boolean;
}

/** JSON type names as introspection reports them. */
export type JsonType =
  | "string"
  | "number"
  | "int"
  | "boolean"
  | "null"
  | "object"
  | "array"
  | "value";

export interface BuiltinType extends EntityBase {
  meta: "builtin";
  /** str, number, int, int8..uint64, size, bool, null, any, QType (the enum is an EnumType) */
  jsonType: JsonType;
}

export interface EnumType extends EntityBase {
  meta: "enum";
  members: EnumMember[];
  prefix: string | null;
}

export interface ArrayType extends EntityBase {
  meta: "array";
  elementType: Type;
}

export interface ObjectType extends EntityBase {
  meta: "object";
  base: ObjectType | null;
  localMembers: ObjectMember[];
  /** Base members first, then local members (QEMU's flattened order). */
  members: ObjectMember[];
  /** Present for unions. */
  branches: Branches | null;
}

export interface AlternateType extends EntityBase {
  meta: "alternate";
  branches: Branches;
}

export type Type = BuiltinType | EnumType | ArrayType | ObjectType | AlternateType;

export interface Command extends EntityBase {
  meta: "command";
  argType: ObjectType | null;
  retType: Type | null;
  gen: boolean;
  successResponse: boolean;
  boxed: boolean;
  allowOob: boolean;
  allowPreconfig: boolean;
  coroutine: boolean;
}

export interface Event extends EntityBase {
  meta: "event";
  argType: ObjectType | null;
  boxed: boolean;
}

export type Definition = Type | Command | Event;

/** One schema file; includes are recorded in order. */
export interface Module {
  name: string;
  entities: Definition[];
  includes: { name: string; info: SourceInfo }[];
}

// ---------------------------------------------------------------------------------------------
// The whole schema

export interface SchemaModel {
  /** The main schema file as named on the command line. */
  fname: string;
  /** Every entity in definition order (the order QEMU's visitor uses: see visit()). */
  entities: Definition[];
  /** Lookup by name (types, commands, events). */
  lookup(name: string): Definition | undefined;
  lookupType(name: string): Type | undefined;
  modules: Module[];
  /** Free-form and definition docs in source order. */
  docs: Documentation[];
  /** Calls the visitor's methods in QEMU's visiting order (modules, includes, entities). */
  visit(visitor: SchemaVisitor): void;
}

/** Every method is optional; back ends implement what they need. */
export interface SchemaVisitor {
  visitBegin?(schema: SchemaModel): void;
  visitEnd?(): void;
  visitModule?(name: string): void;
  visitInclude?(name: string, info: SourceInfo): void;
  visitBuiltinType?(t: BuiltinType): void;
  visitEnumType?(t: EnumType): void;
  visitArrayType?(t: ArrayType): void;
  visitObjectType?(t: ObjectType): void;
  visitAlternateType?(t: AlternateType): void;
  visitCommand?(c: Command): void;
  visitEvent?(e: Event): void;
  /** Filter: return false to skip an entity (QEMU's visit_needed); default visits all. */
  visitNeeded?(e: Definition): boolean;
}

export interface FrontEndOptions {
  /** Accept the legacy dialect (pre-6.2 conditions, simple unions, old doc conventions). */
  compat: boolean;
}
