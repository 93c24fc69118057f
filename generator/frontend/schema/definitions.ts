// Checked definitions (expr.ts) to the model's entities (entities.ts), the way QEMU's generator
// makes them: the built-in types first, then each definition's entity and the implicit types it
// needs (array types, argument and base types of members written inline, legacy simple unions'
// wrappers), each name defined once. The entities are checked afterwards (checker.ts).

import type { QAPIDoc } from "../doc-comments.ts";
import type { DiagnosticSink } from "../diagnostics.ts";
import type { BranchSpec, DefinitionSpec, FeatureSpec, MemberSpec, TypeRef } from "../expr.ts";
import { BUILDER_FIELDS, DEFINITION_KEYS, SIMPLE_UNION_KEYS, type KeySpec } from "../keywords.ts";
import type { Condition, JsonType } from "../../model/index.ts";
import { QAPIError, excerpt, type SourceInfo, type Span } from "../../model/source.ts";
import {
  AlternateTypeImpl,
  ArrayTypeImpl,
  BranchesImpl,
  BuiltinTypeImpl,
  CommandImpl,
  EnumTypeImpl,
  EventImpl,
  ObjectTypeImpl,
  type EntityLike,
  type TypeEntity,
} from "./entities.ts";
import {
  BranchImpl,
  EnumMemberImpl,
  FeatureImpl,
  ObjectMemberImpl,
  SPECIAL_FEATURES,
} from "./members.ts";
import { Modules, type ModuleItem } from "./modules.ts";

export interface DefinitionOptions {
  sink: DiagnosticSink;
  /** Told what each definition looks up and makes (the incremental front end, incremental.ts). */
  tracker?: DefinitionTracker;
  /** The built-in entities of an earlier run, to use again (else they are made). */
  predefined?: readonly EntityLike[];
  /** The absolute name of a file (modules are named relative to the main file's folder). */
  absolute(fname: string): string;
  /**
   * False when some schema text was not parsed: a type that cannot be found may be defined there,
   * so "uses unknown type" is not reported.
   */
  complete: boolean;
}

/** Which table a lookup reads: types, all entities, or names taken (entities, failed definitions). */
export type LookupKind = "type" | "entity" | "name";

/**
 * What a tracker is told, so that a definition's work can be reused when nothing it read changed:
 * each name looked up (and whether it was found), each entity made, each feature used. Check
 * time lookups (Checker) come through `read` as well.
 */
export interface DefinitionTracker {
  read(name: string, kind: LookupKind, found: boolean): void;
  made(entity: EntityLike): void;
  feature(use: FeatureImpl): void;
}

/** One step of a definition's work, as a tracker records it (see SchemaDefinitions.replay). */
export type DefinitionEvent =
  | { read: string; kind: LookupKind; found: boolean }
  | { made: EntityLike }
  | { feature: FeatureImpl };

const BUILTINS: [string, JsonType][] = [
  ["str", "string"],
  ["number", "number"],
  ["int", "int"],
  ["int8", "int"],
  ["int16", "int"],
  ["int32", "int"],
  ["int64", "int"],
  ["uint8", "int"],
  ["uint16", "int"],
  ["uint32", "int"],
  ["uint64", "int"],
  ["size", "int"],
  ["bool", "boolean"],
  ["any", "value"],
  ["null", "null"],
];
const QTYPES = ["none", "qnull", "qnum", "qstring", "qdict", "qlist", "qbool"];

export class SchemaDefinitions {
  /** Entities and includes in definition order. */
  readonly items: ModuleItem[] = [];
  readonly modules: Modules;
  private readonly entityDict = new Map<string, EntityLike>();
  /** The types among entityDict (lookups by type are the hot path of checking). */
  private readonly typeDict = new Map<string, TypeEntity>();
  /** Each feature name, where it is first used (the schema may use only so many). */
  readonly featureInfo = new Map<string, FeatureImpl | null>();
  /** Definitions that failed their shape checks, by name: where they are (and their name). */
  private readonly failedDefinitions = new Map<string, { info: SourceInfo; span: Span | null }>();
  /** Docs not to check: of definitions left out, or in error themselves. */
  readonly uncheckedDocs = new Set<QAPIDoc>();
  /** Free-form and definition docs in source order. */
  readonly docs: QAPIDoc[] = [];
  private predefining = true;
  /** Whether every definition is known (see DefinitionOptions.complete). */
  private complete: boolean;
  private readonly tracker: DefinitionTracker | undefined;
  /** The built-in entities (made first). */
  readonly predefined: EntityLike[];

  constructor(
    readonly fname: string,
    private readonly options: DefinitionOptions,
  ) {
    this.complete = options.complete;
    this.modules = new Modules(fname, (f) => options.absolute(f));
    for (const f of SPECIAL_FEATURES) this.featureInfo.set(f, null);
    if (options.predefined) for (const e of options.predefined) this.insert(e);
    else this.defPredefineds();
    this.predefined = this.items.map((p) => (p as { entity: EntityLike }).entity);
    this.predefining = false;
    this.tracker = options.tracker;
  }

  lookupEntity(name: string): EntityLike | undefined {
    const e = this.entityDict.get(name);
    this.tracker?.read(name, "entity", e !== undefined);
    return e;
  }

  lookupType(name: string): TypeEntity | undefined {
    const t = this.typeDict.get(name);
    this.tracker?.read(name, "type", t !== undefined);
    return t;
  }

  /**
   * Whether a reference to this name, which no type has, is a finding: not when some text was not
   * parsed, or a definition of the name failed its checks (the error is reported already).
   */
  unknownIsAFinding(name: string): boolean {
    const failed = this.failedDefinitions.has(name);
    this.tracker?.read(name, "name", failed || this.entityDict.has(name));
    return this.complete && !failed;
  }

  private insert(ent: EntityLike): void {
    this.entityDict.set(ent.name, ent);
    if (ent.meta !== "command" && ent.meta !== "event") this.typeDict.set(ent.name, ent);
    this.items.push({ entity: ent });
  }

  private defEntity(ent: EntityLike): void {
    if (!ent.info && !this.predefining) throw new Error(`entity ${ent.name} without info`);
    const other = this.entityDict.get(ent.name);
    const failed = this.failedDefinitions.get(ent.name);
    this.tracker?.read(ent.name, "name", other !== undefined || failed !== undefined);
    if (other?.info || failed) {
      const info = other?.info ?? failed!.info;
      const range = info.range(other?.info ? other.span : failed!.span);
      throw new QAPIError(ent.info, `'${excerpt(ent.name)}' is already defined`, {
        span: ent.span,
        related: [{ info, message: "previous definition", ...(range && { range }) }],
      });
    }
    if (other)
      throw new QAPIError(ent.info, `${other.describe()} is already defined`, { span: ent.span });
    this.insert(ent);
    this.tracker?.made(ent);
  }

  /** Whether `name` is found in the `kind` table. */
  private has(name: string, kind: LookupKind): boolean {
    if (kind === "type") return this.typeDict.has(name);
    if (kind === "entity") return this.entityDict.has(name);
    return this.entityDict.has(name) || this.failedDefinitions.has(name);
  }

  /**
   * Makes again what a definition's define() made before, as a tracker recorded it (`events`):
   * the same entities, feature uses and doc comment, provided every name it looked up (but the
   * ones it made itself) is found, or not found, as then. Returns false, having changed nothing,
   * when one is not.
   */
  replay(events: readonly DefinitionEvent[], doc: QAPIDoc | null): boolean {
    // (A tracker records no lookup of what the definition made itself before it.)
    for (let i = 0; i < events.length; i++) {
      const ev = events[i]!;
      if ("read" in ev && this.has(ev.read, ev.kind) !== ev.found) return false;
    }
    for (let i = 0; i < events.length; i++) {
      const ev = events[i]!;
      if ("made" in ev) this.insert(ev.made);
      else if ("feature" in ev && !this.featureInfo.has(ev.feature.name))
        this.featureInfo.set(ev.feature.name, ev.feature);
    }
    if (doc) this.docs.push(doc);
    return true;
  }

  private defPredefineds(): void {
    for (const [name, json] of BUILTINS) {
      this.defEntity(new BuiltinTypeImpl(name, json));
      // Every built-in gets its array type, used or not (as QEMU's shared built-in code has).
      this.makeArrayType(name, null, null);
    }
    this.defEntity(new ObjectTypeImpl({ name: "q_empty", info: null, localMembers: [] }));
    const members = QTYPES.map(
      (n) => new EnumMemberImpl({ name: n, info: null, ifcond: null, features: [], span: null }),
    );
    this.defEntity(new EnumTypeImpl({ name: "QType", info: null, members }));
  }

  private makeFeatures(features: FeatureSpec[], info: SourceInfo): FeatureImpl[] {
    const out: FeatureImpl[] = [];
    for (let i = 0; i < features.length; i++) {
      const { name, ifcond, span } = features[i]!;
      const f = new FeatureImpl({ name, info, ifcond, span });
      if (!this.featureInfo.has(name)) this.featureInfo.set(name, f);
      this.tracker?.feature(f);
      out.push(f);
    }
    return out;
  }

  /** `span`: the reference that first makes it (its element type's name is looked up there). */
  private makeArrayType(elementTypeName: string, info: SourceInfo | null, span: Span | null) {
    const name = elementTypeName + "List";
    if (!this.lookupType(name))
      this.defEntity(new ArrayTypeImpl({ name, info, elementTypeName, span }));
    return name;
  }

  private typeName(ref: TypeRef, info: SourceInfo, span: Span | null): string {
    return typeof ref === "string" ? ref : this.makeArrayType(ref[0], info, span);
  }

  /** `span`: the members as written ('data', 'base'). */
  private makeImplicitObjectType(
    name: string,
    info: SourceInfo,
    ifcond: Condition | null,
    role: string,
    members: ObjectMemberImpl[],
    span: Span | null,
  ): string | null {
    if (!members.length) return null;
    const implicitName = `q_obj_${name}-${role}`;
    // An existing one means a duplicate definition, which is reported when that one is defined.
    if (!this.lookupEntity(implicitName))
      this.defEntity(
        new ObjectTypeImpl({ name: implicitName, info, ifcond, localMembers: members, span }),
      );
    return implicitName;
  }

  private makeMembers(members: MemberSpec[], info: SourceInfo): ObjectMemberImpl[] {
    const out: ObjectMemberImpl[] = [];
    for (let i = 0; i < members.length; i++) {
      const m = members[i]!;
      out.push(
        new ObjectMemberImpl({
          name: m.name,
          info,
          typeName: this.typeName(m.type, info, m.typeSpan),
          optional: m.optional,
          ifcond: m.ifcond,
          features: this.makeFeatures(m.features, info),
          span: m.span,
          typeSpan: m.typeSpan,
        }),
      );
    }
    return out;
  }

  /** Members or a type's name: the name of the type (implicit for members), or null if none. */
  private argumentType(
    name: string,
    info: SourceInfo,
    ifcond: Condition | null,
    role: string,
    data: MemberSpec[] | string | null,
    span: Span | null,
  ): string | null {
    if (data === null || typeof data === "string") return data;
    const members = this.makeMembers(data, info);
    return this.makeImplicitObjectType(name, info, ifcond, role, members, span);
  }

  /** A definition that failed its checks: left out, but its name (at `span`) stays taken. */
  defineFailed(info: SourceInfo, span: Span | null): void {
    const name = info.defnName;
    if (name === null) this.complete = false;
    else if (!this.entityDict.has(name) && !this.failedDefinitions.has(name))
      this.failedDefinitions.set(name, { info, span });
  }

  /** Adds one checked definition; reports (in collect mode) if its name is taken. */
  define(d: DefinitionSpec): void {
    try {
      this.defineEntities(d);
    } catch (err) {
      if (!(err instanceof QAPIError)) throw err;
      this.options.sink.error(err);
      if (d.doc) this.uncheckedDocs.add(d.doc);
    }
    if (d.doc) this.docs.push(d.doc);
  }

  private defineEntities(d: DefinitionSpec): void {
    const { name, info, ifcond, positions, slot } = d;
    const features = this.makeFeatures(d.features, info);
    if (d.meta === "simple-union") return this.defineSimpleUnion(d, features);
    // What every kind of definition has.
    const common = {
      name,
      info,
      doc: d.doc,
      ifcond,
      features,
      fields: entityFields(d),
      span: d.span,
      positions,
      slot,
    };
    const dataSpan = positions.spanOf(slot, "data");
    switch (d.meta) {
      case "enum": {
        const members = d.values.map(
          (v) =>
            new EnumMemberImpl({
              name: v.name,
              info,
              ifcond: v.ifcond,
              features: this.makeFeatures(v.features, info),
              span: v.span,
            }),
        );
        return this.defEntity(new EnumTypeImpl({ ...common, members }));
      }
      case "struct": {
        const localMembers = this.makeMembers(d.members, info);
        return this.defEntity(new ObjectTypeImpl({ ...common, baseName: d.base, localMembers }));
      }
      case "union": {
        const base = d.base;
        const baseName =
          typeof base === "string"
            ? base
            : this.makeImplicitObjectType(
                name,
                info,
                ifcond,
                "base",
                this.makeMembers(base, info),
                positions.spanOf(slot, "base"),
              );
        const variants = this.makeBranches(d.branches, info);
        const tagSpan = positions.spanOf(slot, "discriminator");
        const branches = new BranchesImpl({
          info,
          variants,
          tagName: d.discriminator,
          tagSpan,
          span: dataSpan,
        });
        return this.defEntity(
          new ObjectTypeImpl({ ...common, baseName, localMembers: [], branches }),
        );
      }
      case "alternate": {
        const variants = this.makeBranches(d.branches, info);
        const branches = new BranchesImpl({
          info,
          variants,
          tagName: null,
          tagSpan: null,
          span: dataSpan,
        });
        branches.tagMember = implicitMember("type", info, "QType");
        return this.defEntity(new AlternateTypeImpl({ ...common, branches }));
      }
      case "command": {
        const argTypeName = this.argumentType(name, info, ifcond, "arg", d.data, dataSpan);
        const retTypeName =
          d.returns === null
            ? null
            : this.typeName(d.returns, info, positions.spanOf(slot, "returns"));
        return this.defEntity(new CommandImpl({ ...common, argTypeName, retTypeName }));
      }
      case "event": {
        const argTypeName = this.argumentType(name, info, ifcond, "arg", d.data, dataSpan);
        return this.defEntity(new EventImpl({ ...common, argTypeName }));
      }
    }
  }

  private makeBranches(branches: BranchSpec[], info: SourceInfo): BranchImpl[] {
    return branches.map(
      (b) =>
        new BranchImpl({
          name: b.name,
          info,
          typeName: this.typeName(b.type, info, b.typeSpan),
          ifcond: b.ifcond,
          span: b.span,
          typeSpan: b.typeSpan,
        }),
    );
  }

  /**
   * A legacy simple union, modelled as QEMU before 6.2 did: an implicit enum <Name>Kind of the
   * branch names, a local tag member 'type' of that enum, and each branch wrapped in an implicit
   * object q_obj_<Type>-wrapper whose one member 'data' has the branch's type.
   */
  private defineSimpleUnion(
    d: Extract<DefinitionSpec, { meta: "simple-union" }>,
    features: FeatureImpl[],
  ): void {
    const { name, info, ifcond, positions, slot } = d;
    const variants: BranchImpl[] = [];
    for (const b of d.branches) {
      const typeName = this.typeName(b.type, info, b.typeSpan);
      const wrapper = `q_obj_${typeName}-wrapper`;
      if (!this.lookupEntity(wrapper)) {
        const data = implicitMember("data", info, typeName);
        this.defEntity(
          new ObjectTypeImpl({ name: wrapper, info, localMembers: [data], span: b.typeSpan }),
        );
      }
      const { span, typeSpan } = b;
      variants.push(
        new BranchImpl({ name: b.name, info, typeName: wrapper, ifcond: b.ifcond, span, typeSpan }),
      );
    }
    const kindName = name + "Kind";
    const kinds = variants.map(
      (b) =>
        new EnumMemberImpl({ name: b.name, info, ifcond: b.ifcond, features: [], span: b.span }),
    );
    const dataSpan = positions.spanOf(slot, "data");
    this.defEntity(
      new EnumTypeImpl({ name: kindName, info, ifcond, members: kinds, span: dataSpan }),
    );
    const tag = implicitMember("type", info, kindName);
    this.defEntity(
      new ObjectTypeImpl({
        name,
        info,
        doc: d.doc,
        ifcond,
        features,
        localMembers: [tag],
        branches: new BranchesImpl({
          info,
          variants,
          tagName: "type",
          tagSpan: null,
          span: dataSpan,
        }),
        span: d.span,
        positions,
        slot,
      }),
    );
  }

  defInclude(resolved: string, info: SourceInfo): void {
    this.items.push({ include: this.modules.get(resolved).name, info });
  }

  /** The entities by name. */
  get entities(): ReadonlyMap<string, EntityLike> {
    return this.entityDict;
  }

  get types(): ReadonlyMap<string, TypeEntity> {
    return this.typeDict;
  }
}

const builderFields = new Set<string>(BUILDER_FIELDS);
const ENTITY_FIELDS = new Map<string, string[]>(
  [...Object.entries(DEFINITION_KEYS), ["simple-union", SIMPLE_UNION_KEYS] as const].map(
    ([meta, keys]) => [
      meta,
      keys.map((k: KeySpec) => k.field).filter((f: string) => !builderFields.has(f)),
    ],
  ),
);

/** The other fields (flags, 'prefix', ...): the entity gets them as they are. */
function entityFields(d: DefinitionSpec): Record<string, unknown> | undefined {
  const names = ENTITY_FIELDS.get(d.meta)!;
  if (names.length === 0) return undefined;
  const out: Record<string, unknown> = {};
  for (let i = 0; i < names.length; i++)
    out[names[i]!] = (d as unknown as Record<string, unknown>)[names[i]!];
  return out;
}

/** A member the schema implies (a tag, a wrapper's 'data'): mandatory, unconditional, plain. */
function implicitMember(name: string, info: SourceInfo, typeName: string): ObjectMemberImpl {
  return new ObjectMemberImpl({
    name,
    info,
    typeName,
    optional: false,
    ifcond: null,
    features: [],
    span: null,
    typeSpan: null,
  });
}
