// The QAPI schema language's keys, as data: for each meta-type (and each kind of member), the
// keys it takes, whether each is required, the shape of its value, and the property the checked
// value becomes. expr.ts checks definitions against this table (unknown and missing keys, then
// every key's value, in the order of the table, which is QEMU's order of checks) and hands the
// builder typed definitions whose properties are the `field`s below; the builder passes the
// properties it has no use for on to the model's entities.
//
// Supporting a new key: add its entry here (an existing shape, or a new one in expr.ts's SHAPES),
// and declare the field in model/index.ts if back ends are to see it.

import type { Condition } from "../../runtime/conditions.ts";
import type { Span } from "../model/source.ts";

/** What a key's value must look like; expr.ts implements each with QEMU's messages. */
export interface ShapeValues {
  /** A string ('prefix'). */
  string: string;
  /** A string naming something ('discriminator', a value's or a feature's 'name'). */
  name: string;
  /** A type's name (a struct's 'base', a union branch's 'type'). */
  "type-name": string;
  /** A type's name, or a one-element array of one: an array of that type ('returns'). */
  "type-ref": TypeRef;
  /** An object of members, each a type reference or an object of member keys (MEMBERS). */
  members: MemberSpec[];
  /** Members (of an implicit base type), or the name of a struct type (a union's 'base'). */
  "members-or-type-name": MemberSpec[] | string;
  /** A command's or event's arguments: members or a type's name; only a name with 'boxed'. */
  arguments: MemberSpec[] | string;
  /** An enum's values: names, or objects of value keys. */
  "enum-values": EnumValueSpec[];
  /** A union's branches: names of struct types, or objects of branch keys. */
  branches: BranchSpec[];
  /** A simple union's branches (legacy): type references (arrays included). */
  "legacy-branches": BranchSpec[];
  /** An alternate's branches: type references, or objects of branch keys; not empty. */
  alternatives: BranchSpec[];
  /** An 'if' condition. */
  cond: Condition;
  /** A list of features: names, or objects of feature keys. */
  features: FeatureSpec[];
  /** A flag that may only be true (default false). */
  true: boolean;
  /** A flag that may only be false (default true). */
  false: boolean;
}
export type Shape = keyof ShapeValues;

/** A reference to a type, as written: its name, or `[name]` for an array of it. */
export type TypeRef = string | readonly [string];

export interface KeySpec {
  readonly key: string;
  readonly shape: Shape;
  readonly required?: true;
  /** The checked value's property. */
  readonly field: string;
  /** The value when the key is absent; optional keys without one get null. */
  readonly default?: unknown;
  /** Messages name the owner ("'data' member 'a' should be a type name"), not the key. */
  readonly ownerSource?: true;
  /**
   * QEMU checks the value's JSON type before the keys listed before this one (and the rest of
   * the value after them): an enum's 'data' must be an array before 'prefix' is looked at.
   */
  readonly typeFirst?: true;
}

const IF = { key: "if", shape: "cond", field: "ifcond" } as const;
const FEATURES = { key: "features", shape: "features", field: "features", default: [] } as const;

/** Keys of the objects inside definitions, in QEMU's order of checks. */
export const MEMBER_KEYS = {
  /** A struct's, union base's, command's or event's member ({ 'type': ..., ... }). */
  member: [
    IF,
    FEATURES,
    { key: "type", shape: "type-ref", required: true, field: "type", ownerSource: true },
  ],
  "enum-value": [
    { key: "name", shape: "name", required: true, field: "name", ownerSource: true },
    IF,
    FEATURES,
  ],
  branch: [
    IF,
    { key: "type", shape: "type-name", required: true, field: "type", ownerSource: true },
  ],
  "legacy-branch": [
    IF,
    { key: "type", shape: "type-ref", required: true, field: "type", ownerSource: true },
  ],
  alternative: [
    IF,
    { key: "type", shape: "type-ref", required: true, field: "type", ownerSource: true },
  ],
  feature: [{ key: "name", shape: "name", required: true, field: "name", ownerSource: true }, IF],
} as const satisfies Record<string, readonly KeySpec[]>;

/** The keys of each meta-type, the defining key first, in QEMU's order of checks. */
export const DEFINITION_KEYS = {
  enum: [
    { key: "enum", shape: "name", required: true, field: "name" },
    { key: "prefix", shape: "string", field: "prefix" },
    { key: "data", shape: "enum-values", required: true, field: "values", typeFirst: true },
    IF,
    FEATURES,
  ],
  struct: [
    { key: "struct", shape: "name", required: true, field: "name" },
    { key: "data", shape: "members", required: true, field: "members" },
    { key: "base", shape: "type-name", field: "base" },
    IF,
    FEATURES,
  ],
  union: [
    { key: "union", shape: "name", required: true, field: "name" },
    { key: "base", shape: "members-or-type-name", required: true, field: "base" },
    { key: "discriminator", shape: "name", required: true, field: "discriminator" },
    { key: "data", shape: "branches", required: true, field: "branches" },
    IF,
    FEATURES,
  ],
  alternate: [
    { key: "alternate", shape: "name", required: true, field: "name" },
    { key: "data", shape: "alternatives", required: true, field: "branches" },
    IF,
    FEATURES,
  ],
  command: [
    { key: "command", shape: "name", required: true, field: "name" },
    { key: "data", shape: "arguments", field: "data" },
    { key: "returns", shape: "type-ref", field: "returns" },
    IF,
    FEATURES,
    { key: "gen", shape: "false", field: "gen", default: true },
    { key: "success-response", shape: "false", field: "successResponse", default: true },
    { key: "boxed", shape: "true", field: "boxed", default: false },
    { key: "allow-oob", shape: "true", field: "allowOob", default: false },
    { key: "allow-preconfig", shape: "true", field: "allowPreconfig", default: false },
    { key: "coroutine", shape: "true", field: "coroutine", default: false },
  ],
  event: [
    { key: "event", shape: "name", required: true, field: "name" },
    { key: "data", shape: "arguments", field: "data" },
    IF,
    FEATURES,
    { key: "boxed", shape: "true", field: "boxed", default: false },
  ],
} as const satisfies Record<string, readonly KeySpec[]>;

/**
 * The legacy dialect's simple union (QEMU before 6.2, accepted under compat): no 'base' or
 * 'discriminator'; each branch is wrapped in an implicit object.
 */
export const SIMPLE_UNION_KEYS = [
  { key: "union", shape: "name", required: true, field: "name" },
  { key: "data", shape: "legacy-branches", required: true, field: "branches" },
  IF,
  FEATURES,
] as const satisfies readonly KeySpec[];

/** The keys the entries of a value of each shape take, by kind of member (expr.ts checks them). */
export const SHAPE_ENTRIES: Partial<Record<Shape, keyof typeof MEMBER_KEYS>> = {
  members: "member",
  "members-or-type-name": "member",
  arguments: "member",
  "enum-values": "enum-value",
  branches: "branch",
  "legacy-branches": "legacy-branch",
  alternatives: "alternative",
  features: "feature",
};

/** The keys of the two directives (parser/index.ts reads them). */
export const DIRECTIVE_KEYS = ["include", "pragma"] as const;

/** The operators of an 'if' condition written as an object (one of them, exactly). */
export const CONDITION_KEYS = ["all", "any", "not"] as const;

/** Pairs of keys a definition may not have together ("flags 'a' and 'b' are incompatible"). */
export const INCOMPATIBLE_FLAGS: Partial<Record<MetaType, readonly [string, string][]>> = {
  command: [["allow-oob", "coroutine"]],
};

export type MetaType = keyof typeof DEFINITION_KEYS;
export const META_TYPES = Object.keys(DEFINITION_KEYS) as MetaType[];

/** The checked value of a table's keys: each `field` with its shape's type (null if absent). */
export type Checked<K extends readonly KeySpec[]> = {
  -readonly [E in K[number] as E["field"]]: E extends { required: true } | { default: unknown }
    ? ShapeValues[E["shape"]]
    : ShapeValues[E["shape"]] | null;
};

/** Where a member's name is written; and its type reference, for those that have one. */
interface Spans {
  span: Span | null;
}
interface TypeSpans extends Spans {
  typeSpan: Span | null;
}

export type FeatureSpec = Checked<(typeof MEMBER_KEYS)["feature"]> & Spans;
export type EnumValueSpec = Checked<(typeof MEMBER_KEYS)["enum-value"]> & Spans;
/** A member; the name as written has a `*` when it is optional. */
export type MemberSpec = Checked<(typeof MEMBER_KEYS)["member"]> &
  TypeSpans & {
    name: string;
    optional: boolean;
  };
/** A union's or alternate's branch, by the name written before it. */
export type BranchSpec = Checked<(typeof MEMBER_KEYS)["alternative"]> &
  TypeSpans & { name: string };

/** The fields of checked definitions that the model builder (schema/definitions.ts) reads itself. */
export const BUILDER_FIELDS = [
  "name",
  "ifcond",
  "features",
  "values",
  "members",
  "base",
  "discriminator",
  "branches",
  "data",
  "returns",
] as const;

/** The fields of a meta-type's keys that its entities get as they are. */
export type EntityFields<M extends MetaType> = Omit<
  Checked<(typeof DEFINITION_KEYS)[M]>,
  (typeof BUILDER_FIELDS)[number]
>;
