// The query-qmp-schema payload: the SchemaInfo array a QEMU built from this schema returns.
//
// Built in two steps, as QEMU does it:
//  1. buildIntrospectionTree walks the model once, independent of any configuration: commands and
//     events in visiting order, then every type they reach, in order of first use. Type names are
//     masked to numbers in that same order, so the numbering (and the entry order) is the same for
//     every build; conditional list items are kept as `Conditional` wrappers (QEMU's #if blocks).
//  2. resolveConditions drops the wrappers whose condition fails for a configuration. Only list
//     items are ever conditional; dict keys are fixed at step 1 (hence `"features": []` when every
//     feature of a definition is compiled out).
//
// The generated TypeScript module (introspect-module.ts) ships the step-1 tree and does step 2 at
// run time.

import type {
  AlternateType,
  ArrayType,
  Command,
  EnumMember,
  EnumType,
  Event,
  Feature,
  ObjectMember,
  ObjectType,
  SchemaModel,
  Type,
} from "./index.ts";
import { conditionHolds, type Condition } from "../../runtime/conditions.ts";
import { jsonTypeOf } from "./json-types.ts";

/** A list element present only when its condition holds. */
export class Conditional {
  constructor(
    readonly ifcond: Condition,
    readonly value: TreeValue,
  ) {}
}

export type TreeValue = string | boolean | null | TreeObject | TreeList;
export type TreeList = (TreeValue | Conditional)[];
export interface TreeObject {
  [key: string]: TreeValue;
}

/** Plain JSON, as the payload is once conditions are resolved. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };
/** One SchemaInfo object of the payload. */
export type SchemaInfo = { [key: string]: JsonValue };

export interface IntrospectionOptions {
  /** Symbols defined for the build (undefined ones are false); null keeps every entry. */
  defines: ReadonlySet<string> | null;
  /** Real type names instead of numbers (QEMU's -u). */
  unmask: boolean;
}

/** The payload for one configuration (deep-equal to what that QEMU build returns). */
export function buildIntrospection(
  model: SchemaModel,
  options: IntrospectionOptions,
): SchemaInfo[] {
  const tree = buildIntrospectionTree(model, { unmask: options.unmask });
  return resolveConditions(tree, options.defines) as SchemaInfo[];
}

/** Drops the conditional items that do not hold; null keeps them all. */
export function resolveConditions(
  value: TreeValue,
  defines: ReadonlySet<string> | null,
): JsonValue {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    const out: JsonValue[] = [];
    for (const item of value) {
      if (item instanceof Conditional) {
        if (defines === null || conditionHolds(item.ifcond, defines))
          out.push(resolveConditions(item.value, defines));
      } else out.push(resolveConditions(item, defines));
    }
    return out;
  }
  const out: { [key: string]: JsonValue } = {};
  for (const key of Object.keys(value)) out[key] = resolveConditions(value[key]!, defines);
  return out;
}

/** The configuration-independent payload: every entry, conditions kept on the list items. */
export function buildIntrospectionTree(model: SchemaModel, options: { unmask: boolean }): TreeList {
  return new IntrospectionBuilder(model, options.unmask).build();
}

class IntrospectionBuilder {
  private readonly entries: TreeList = [];
  /** Work queue of types reached from commands and events, in order of first use. */
  private readonly usedTypes: Type[] = [];
  private readonly used = new Set<Type>();
  private readonly maskedNames = new Map<string, string>();

  constructor(
    private readonly model: SchemaModel,
    private readonly unmask: boolean,
  ) {}

  build(): TreeList {
    // Types are skipped on the visit: only those a command or event reaches are described.
    this.model.visit({
      visitNeeded: (e) => e.meta === "command" || e.meta === "event",
      visitCommand: (c) => this.command(c),
      visitEvent: (e) => this.event(e),
    });
    // The queue grows while it is walked: each type may reach new ones.
    for (let i = 0; i < this.usedTypes.length; i++) this.type(this.usedTypes[i]!);
    return this.entries;
  }

  private lookupBuiltin(name: string): Type {
    const t = this.model.lookupType(name);
    if (!t) throw new Error(`introspection: the model lacks built-in type '${name}'`);
    return t;
  }

  /** Type names are masked in order of first request, which is first use. */
  private typeName(name: string): string {
    if (this.unmask) return name;
    let masked = this.maskedNames.get(name);
    if (masked === undefined) {
      masked = String(this.maskedNames.size);
      this.maskedNames.set(name, masked);
    }
    return masked;
  }

  /** Queues a type for description and returns the name entries refer to it by. */
  private useType(t: Type): string {
    // Integer types differ only in C: introspection shows them all as 'int'.
    if (jsonTypeOf(t) === "int") t = this.lookupBuiltin("int");
    else if (t.meta === "array" && jsonTypeOf(t.elementType) === "int")
      t = this.lookupBuiltin("intList");
    if (!this.used.has(t)) {
      this.used.add(t);
      this.usedTypes.push(t);
    }
    if (t.meta === "builtin") return t.name;
    if (t.meta === "array") return `[${this.useType(t.elementType)}]`;
    return this.typeName(t.name);
  }

  private emptyObject(): Type {
    return this.lookupBuiltin("q_empty");
  }

  private entry(
    name: string,
    metaType: string,
    obj: TreeObject,
    ifcond: Condition | null,
    features: Feature[],
  ): void {
    obj["name"] = name;
    obj["meta-type"] = metaType;
    if (features.length) obj["features"] = this.features(features);
    this.entries.push(ifcond ? new Conditional(ifcond, obj) : obj);
  }

  private features(features: Feature[]): TreeList {
    return features.map((f) => conditional(f.ifcond, f.name));
  }

  private command(c: Command): void {
    const obj: TreeObject = {
      "arg-type": this.useType(c.argType ?? this.emptyObject()),
      "ret-type": this.useType(c.retType ?? this.emptyObject()),
    };
    if (c.allowOob) obj["allow-oob"] = true;
    this.entry(c.name, "command", obj, c.ifcond, c.features);
  }

  private event(e: Event): void {
    this.entry(
      e.name,
      "event",
      { "arg-type": this.useType(e.argType ?? this.emptyObject()) },
      e.ifcond,
      e.features,
    );
  }

  private type(t: Type): void {
    switch (t.meta) {
      case "builtin":
        return this.entry(t.name, "builtin", { "json-type": t.jsonType }, null, []);
      case "enum":
        return this.enumType(t);
      case "array":
        return this.arrayType(t);
      case "object":
        return this.objectType(t);
      case "alternate":
        return this.alternateType(t);
    }
  }

  private enumType(t: EnumType): void {
    const obj: TreeObject = {
      members: t.members.map((m) => conditional(m.ifcond, this.enumMember(m))),
      // Deprecated twin of members, still sent.
      values: t.members.map((m) => conditional(m.ifcond, m.name)),
    };
    this.entry(this.typeName(t.name), "enum", obj, t.ifcond, t.features);
  }

  private enumMember(m: EnumMember): TreeObject {
    const obj: TreeObject = { name: m.name };
    if (m.features.length) obj["features"] = this.features(m.features);
    return obj;
  }

  private arrayType(t: ArrayType): void {
    const element = this.useType(t.elementType);
    // An array exists exactly when its element type does.
    this.entry(
      `[${element}]`,
      "array",
      { "element-type": element },
      t.ifcond ?? t.elementType.ifcond,
      [],
    );
  }

  private objectType(t: ObjectType): void {
    const obj: TreeObject = {
      members: t.members.map((m) => conditional(m.ifcond, this.objectMember(m))),
    };
    if (t.branches) {
      obj["tag"] = t.branches.tagMember.name;
      obj["variants"] = t.branches.variants.map((v) =>
        conditional(v.ifcond, { case: v.name, type: this.useType(v.type) }),
      );
    }
    this.entry(this.typeName(t.name), "object", obj, t.ifcond, t.features);
  }

  private objectMember(m: ObjectMember): TreeObject {
    const obj: TreeObject = { name: m.name, type: this.useType(m.type) };
    if (m.optional) obj["default"] = null;
    if (m.features.length) obj["features"] = this.features(m.features);
    return obj;
  }

  private alternateType(t: AlternateType): void {
    const members = t.branches.variants.map((v) =>
      conditional(v.ifcond, { type: this.useType(v.type) }),
    );
    this.entry(this.typeName(t.name), "alternate", { members }, t.ifcond, t.features);
  }
}

function conditional(ifcond: Condition | null, value: TreeValue): TreeValue | Conditional {
  return ifcond ? new Conditional(ifcond, value) : value;
}

/** The payload as `introspect` prints it: one-space indentation, as QEMU's expected files are. */
export function formatIntrospection(payload: JsonValue): string {
  return JSON.stringify(payload, null, 1) + "\n";
}
