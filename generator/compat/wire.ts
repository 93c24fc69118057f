// The wire model: what a QMP client can see of a schema, without the names of types. Commands and
// events by name; their argument and return types as a graph of structural nodes (types are
// recursive, so nodes are shared and may form cycles; each has an `id` unique within its schema
// for memoising comparisons). Built from a list of introspection entries: a recorded
// `query-qmp-schema` reply, or the configuration-independent introspection tree of a schema,
// whose list items may be `Conditional` (then every element keeps its condition).
//
// Integer widths are not on the wire (introspection shows them all as 'int'); neither are
// 'boxed', 'coroutine' or 'gen'. Command flags are those the source carries: a reply carries
// 'allow-oob' only; a schema also 'allow-preconfig' (added by the caller from the model).

import {
  buildIntrospectionTree,
  Conditional,
  resolveConditions,
} from "../model/introspection-tree.ts";
import { conditionHolds, type Condition } from "../../runtime/conditions.ts";
import type { JsonType, SchemaModel } from "../model/index.ts";
import { alternativeJsonType, wireJsonType } from "../model/json-types.ts";

export interface WireFeature {
  name: string;
  ifcond: Condition | null;
}

interface NodeBase {
  /** Unique within one WireSchema. */
  id: number;
  /** The entry's name as the source gives it (a masked number in a QEMU binary's reply). */
  entry: string;
  /** The type's name when the source shows it (schemas, unmasked replies); null when masked. */
  name: string | null;
  features: WireFeature[];
}

export interface WireBuiltin extends NodeBase {
  kind: "builtin";
  /** string, int, number, boolean, null, value */
  jsonType: string;
}

export interface WireEnumValue {
  name: string;
  features: WireFeature[];
  ifcond: Condition | null;
}

export interface WireEnum extends NodeBase {
  kind: "enum";
  values: WireEnumValue[];
}

export interface WireArray extends NodeBase {
  kind: "array";
  element: WireType;
}

export interface WireMember {
  name: string;
  type: WireType;
  optional: boolean;
  features: WireFeature[];
  ifcond: Condition | null;
}

export interface WireVariant {
  case: string;
  type: WireType;
  ifcond: Condition | null;
}

export interface WireObject extends NodeBase {
  kind: "object";
  /** Common members, base members included (flattened, as on the wire). */
  members: WireMember[];
  /** Unions: the tag member's name and the variants. */
  tag: string | null;
  variants: WireVariant[];
}

export interface WireAlternative {
  type: WireType;
  ifcond: Condition | null;
}

export interface WireAlternate extends NodeBase {
  kind: "alternate";
  alternatives: WireAlternative[];
}

export type WireType = WireBuiltin | WireEnum | WireArray | WireObject | WireAlternate;

export interface WireCommand {
  name: string;
  arg: WireType;
  ret: WireType;
  /** Flag name ('allow-oob', 'allow-preconfig') to value, for the flags the source carries. */
  flags: Map<string, boolean>;
  features: WireFeature[];
  ifcond: Condition | null;
}

export interface WireEvent {
  name: string;
  arg: WireType;
  features: WireFeature[];
  ifcond: Condition | null;
}

export interface WireSchema {
  commands: Map<string, WireCommand>;
  events: Map<string, WireEvent>;
  /** Conditions are kept (a schema read without build symbols). */
  conditional: boolean;
  /** Every type the commands and events reach, by entry name. */
  types: ReadonlyMap<string, WireType>;
  /**
   * A schema's types (of this build) that no command or event reaches, by name, with their
   * members (`m`) and values (`^v`): they exist, but not on the wire. Replies cannot tell.
   */
  unreachable?: ReadonlyMap<string, readonly string[]>;
}

/**
 * Where a malformed entry list went wrong: a message, and the JSON path of the offending value
 * (indices and keys from the top-level array) so that the caller can point into the file.
 */
export class WireInputError extends Error {
  constructor(
    message: string,
    readonly jsonPath: (string | number)[],
  ) {
    super(message);
  }
}

/** A JSON value of an entry, as the source gives it (checked where read). */
type Json = unknown;
/** A list item: a value, or (in a schema's tree) a `Conditional` value. */
type Item = unknown;

/** The flags of a command entry, in introspection's spelling (booleans defaulting to false). */
const REPLY_FLAGS = ["allow-oob"] as const;

/**
 * The wire model of a list of introspection entries. `conditional` says whether the list is a
 * conditional tree (conditions are then kept on every element). Throws WireInputError on
 * anything malformed: a reply comes from a process we do not control.
 */
export function wireFromEntries(list: readonly Item[], conditional: boolean): WireSchema {
  return new WireBuilder(list, conditional).build();
}

/**
 * The wire model of a schema: for one build configuration, or (defines null) whole, every element
 * keeping its condition. Type names are known.
 */
export function wireFromModel(model: SchemaModel, defines: ReadonlySet<string> | null): WireSchema {
  const tree = buildIntrospectionTree(model, { unmask: true });
  const list = defines ? (resolveConditions(tree, defines) as unknown[]) : tree;
  const wire = wireFromEntries(list, defines === null);
  // Introspection does not show 'allow-preconfig'; a schema does.
  for (const c of wire.commands.values()) {
    const def = model.lookup(c.name);
    if (def?.meta === "command") c.flags.set("allow-preconfig", def.allowPreconfig);
  }
  const unreachable = new Map<string, string[]>();
  for (const e of model.entities) {
    if (e.isImplicit || wire.types.has(e.name)) continue;
    if (defines && !conditionHolds(e.ifcond, defines)) continue;
    const holds = (ifcond: Condition | null): boolean =>
      !defines || conditionHolds(ifcond, defines);
    if (e.meta === "object")
      unreachable.set(
        e.name,
        e.members.filter((m) => holds(m.ifcond)).map((m) => m.name),
      );
    else if (e.meta === "enum")
      unreachable.set(
        e.name,
        e.members.filter((m) => holds(m.ifcond)).map((m) => `^${m.name}`),
      );
  }
  return { ...wire, unreachable };
}

class WireBuilder {
  private readonly entries = new Map<string, { entry: Record<string, Json>; index: number }>();
  private readonly nodes = new Map<string, WireType>();
  /** Nodes made but not yet filled in: building is iterative (chains of types can be long). */
  private readonly pending: { node: WireType; entry: Record<string, Json>; index: number }[] = [];
  private readonly arrays: { node: WireArray; index: number }[] = [];
  private nextId = 0;

  constructor(
    private readonly list: readonly Item[],
    private readonly conditional: boolean,
  ) {}

  build(): WireSchema {
    const schema: WireSchema = {
      commands: new Map(),
      events: new Map(),
      conditional: this.conditional,
      types: this.nodes,
    };
    const definitions: { entry: Record<string, Json>; index: number; ifcond: Condition | null }[] =
      [];
    this.list.forEach((item, index) => {
      const { value, ifcond } = unwrap(item);
      const entry = this.object(value, [index], "an entry");
      const name = entry["name"];
      if (typeof name !== "string") throw new WireInputError("entry has no string 'name'", [index]);
      if (this.entries.has(name))
        throw new WireInputError(`duplicate entry name '${name}'`, [index, "name"]);
      this.entries.set(name, { entry, index });
      const meta = entry["meta-type"];
      if (typeof meta !== "string")
        throw new WireInputError(`entry '${name}' has no string 'meta-type'`, [index]);
      // A type's own condition is implied by the conditions of whatever reaches it.
      if (meta === "command" || meta === "event") definitions.push({ entry, index, ifcond });
    });
    for (const { entry, index, ifcond } of definitions) {
      const name = entry["name"] as string;
      const features = this.features(entry, [index]);
      const arg = this.reference(entry, "arg-type", [index]);
      if (entry["meta-type"] === "event") {
        schema.events.set(name, { name, arg, features, ifcond });
      } else {
        const ret = this.reference(entry, "ret-type", [index]);
        const flags = new Map<string, boolean>();
        for (const flag of REPLY_FLAGS) {
          const v = entry[flag];
          if (v !== undefined && typeof v !== "boolean")
            throw new WireInputError(`'${flag}' of '${name}' is not a boolean`, [index, flag]);
          flags.set(flag, v === true);
        }
        schema.commands.set(name, { name, arg, ret, flags, features, ifcond });
      }
      for (let p = this.pending.pop(); p; p = this.pending.pop())
        this.fill(p.node, p.entry, p.index);
    }
    this.checkArrays();
    return schema;
  }

  private object(v: Json, at: (string | number)[], what: string): Record<string, Json> {
    if (!v || typeof v !== "object" || Array.isArray(v))
      throw new WireInputError(`${what} is not a JSON object`, at);
    return v as Record<string, Json>;
  }

  private array(
    owner: Record<string, Json>,
    key: string,
    at: (string | number)[],
  ): { value: Json; ifcond: Condition | null; at: (string | number)[] }[] {
    const v = owner[key];
    if (!Array.isArray(v)) throw new WireInputError(`'${key}' is not an array`, [...at, key]);
    return (v as Item[]).map((item, i) => ({ ...unwrap(item), at: [...at, key, i] }));
  }

  private string(owner: Record<string, Json>, key: string, at: (string | number)[]): string {
    const v = owner[key];
    if (typeof v !== "string") throw new WireInputError(`'${key}' is not a string`, [...at, key]);
    return v;
  }

  private features(owner: Record<string, Json>, at: (string | number)[]): WireFeature[] {
    if (owner["features"] === undefined) return [];
    return this.array(owner, "features", at).map(({ value, ifcond, at }) => {
      if (typeof value !== "string") throw new WireInputError("a feature is not a string", at);
      return { name: value, ifcond };
    });
  }

  /** The node of the type that `owner[key]` names. */
  private reference(owner: Record<string, Json>, key: string, at: (string | number)[]): WireType {
    return this.node(this.string(owner, key, at), [...at, key]);
  }

  /**
   * The node of a named type: made on first use and registered before its parts are read (types
   * are recursive); its parts are filled in later, from the pending list.
   */
  private node(name: string, at: (string | number)[]): WireType {
    const known = this.nodes.get(name);
    if (known) return known;
    const found = this.entries.get(name);
    if (!found) throw new WireInputError(`no entry '${name}'`, at);
    const { entry, index } = found;
    const base = {
      id: this.nextId++,
      entry: name,
      // Masked names are numbers, array names brackets: neither says anything to a reader.
      name: /^[A-Za-z_]/.test(name) ? name : null,
      features: [] as WireFeature[],
    };
    const meta = entry["meta-type"];
    let node: WireType;
    switch (meta) {
      case "builtin":
        node = { ...base, kind: "builtin", jsonType: this.string(entry, "json-type", [index]) };
        this.nodes.set(name, node);
        return node;
      case "enum":
        node = { ...base, kind: "enum", values: [] };
        break;
      case "array":
        node = { ...base, kind: "array" } as WireArray;
        this.arrays.push({ node, index });
        break;
      case "object":
        node = { ...base, kind: "object", members: [], tag: null, variants: [] };
        break;
      case "alternate":
        node = { ...base, kind: "alternate", alternatives: [] };
        break;
      default:
        throw new WireInputError(
          `'${name}' is a ${String(meta)}, not a type`,
          meta === "command" || meta === "event" ? at : [index, "meta-type"],
        );
    }
    this.nodes.set(name, node);
    this.pending.push({ node, entry, index });
    return node;
  }

  /** Reads the parts of a node made by node(). */
  private fill(node: WireType, entry: Record<string, Json>, index: number): void {
    const here = [index];
    switch (node.kind) {
      case "builtin":
        return;
      case "enum": {
        // Replies before QEMU 6.2 list bare 'values' only.
        const key = entry["members"] !== undefined ? "members" : "values";
        for (const { value, ifcond, at } of this.array(entry, key, here)) {
          if (key === "values") {
            if (typeof value !== "string")
              throw new WireInputError("an enum value is not a string", at);
            node.values.push({ name: value, features: [], ifcond });
            continue;
          }
          const m = this.object(value, at, "an enum member");
          node.values.push({
            name: this.string(m, "name", at),
            features: this.features(m, at),
            ifcond,
          });
        }
        break;
      }
      case "array":
        node.element = this.reference(entry, "element-type", here);
        return;
      case "object":
        for (const { value, ifcond, at } of this.array(entry, "members", here)) {
          const m = this.object(value, at, "an object member");
          node.members.push({
            name: this.string(m, "name", at),
            type: this.reference(m, "type", at),
            optional: "default" in m,
            features: this.features(m, at),
            ifcond,
          });
        }
        if (entry["tag"] !== undefined) {
          node.tag = this.string(entry, "tag", here);
          for (const { value, ifcond, at } of this.array(entry, "variants", here)) {
            const v = this.object(value, at, "a variant");
            node.variants.push({
              case: this.string(v, "case", at),
              type: this.reference(v, "type", at),
              ifcond,
            });
          }
        }
        break;
      case "alternate":
        for (const { value, ifcond, at } of this.array(entry, "members", here)) {
          const m = this.object(value, at, "an alternate member");
          node.alternatives.push({ type: this.reference(m, "type", at), ifcond });
        }
        break;
    }
    node.features = this.features(entry, here);
  }

  /** An array type whose element is, through arrays only, itself describes no value QMP has. */
  private checkArrays(): void {
    const done = new Set<WireType>();
    for (const { node, index } of this.arrays) {
      const chain = new Set<WireType>();
      let t: WireType = node;
      while (t.kind === "array" && !done.has(t)) {
        if (chain.has(t))
          throw new WireInputError(
            `array type '${node.entry}' is its own element type (through arrays only)`,
            [index, "element-type"],
          );
        chain.add(t);
        t = t.element;
      }
      for (const c of chain) done.add(c);
    }
  }
}

function unwrap(item: Item): { value: unknown; ifcond: Condition | null } {
  return item instanceof Conditional
    ? { value: item.value, ifcond: item.ifcond }
    : { value: item, ifcond: null };
}

/**
 * Which of an alternate's alternatives a value of type `t` is: the JSON type it arrives as
 * (QEMU tells alternatives apart by it: a string is a 'str' or an enum, a number an 'int' or a
 * 'number'). null for types that cannot be alternatives ('any', alternates).
 */
export function alternativeKey(t: WireType): string | null {
  // A reply's json-type is taken as it comes: one this version does not know is its own key.
  const builtin = t.kind === "builtin" ? (t.jsonType as JsonType) : null;
  return alternativeJsonType(wireJsonType(t.kind, builtin));
}

/** A short description of a type for messages: `string`, `enum BlockdevDriver`, `array of int`. */
export function describeType(t: WireType): string {
  let arrays = 0;
  // (Bounded: the builder refuses arrays that contain themselves through arrays only.)
  for (; t.kind === "array"; t = t.element) arrays++;
  const what =
    t.kind === "builtin"
      ? t.jsonType === "value"
        ? "any"
        : t.jsonType
      : t.name
        ? `${t.kind} ${t.name}`
        : t.kind;
  return (arrays > 3 ? `array of (${arrays} deep) ` : "array of ".repeat(arrays)) + what;
}
