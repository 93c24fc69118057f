// Builds the semantic model (model.ts) from checked definitions (expr.ts), the way QEMU's
// generator does: built-in and implicit types are made up as definitions are read, then every
// entity is checked in definition order (entities.ts), its documentation connected, and finally
// assigned to its module. Errors are QEMU's messages.
//
// When the sink collects errors, each entity's checks and each documentation step are reported
// on their own; an entity whose checks fail is left out, and what fails only because of it (an
// entity containing it, a reference to a definition that was left out) is not reported again.

import * as path from "node:path";
import type { DocMember, QAPIDoc } from "../doc.ts";
import { docWarningKind } from "../doc.ts";
import type { DiagnosticSink } from "../diagnostics.ts";
import type { BranchSpec, DefinitionSpec, FeatureSpec, MemberSpec, TypeRef } from "../expr.ts";
import { DEFINITION_KEYS, SIMPLE_UNION_KEYS, type KeySpec } from "../keywords.ts";
import type {
  Condition,
  Definition,
  JsonType,
  Module,
  SchemaModel,
  SchemaVisitor,
  Type,
} from "../model.ts";
import { QAPIError, excerpt, type SourceInfo } from "../source.ts";
import {
  AlternateTypeImpl,
  ArrayTypeImpl,
  BranchesImpl,
  BuiltinTypeImpl,
  CommandImpl,
  EnumTypeImpl,
  EventImpl,
  ObjectTypeImpl,
  type DocStep,
  type EntityImpl,
  type EntityLike,
  type SchemaChecker,
  type TypeEntity,
} from "./entities.ts";
import {
  BranchImpl,
  EnumMemberImpl,
  FeatureImpl,
  ObjectMemberImpl,
  SPECIAL_FEATURES,
} from "./members.ts";

export const BUILTIN_MODULE = "./builtin";
const MAX_FEATURES = 64;

/** Thrown through the checks of an entity that fails because another one did (not reported). */
const DEPENDENCY_FAILED = Symbol("dependency failed");

type ModuleItem = { include: string; info: SourceInfo } | { entity: EntityLike };

class ModuleImpl implements Module {
  readonly entities: Definition[] = [];
  readonly includes: { name: string; info: SourceInfo }[] = [];
  readonly items: ModuleItem[] = [];
  constructor(readonly name: string) {}
}

export interface BuildOptions {
  compat: boolean;
  sink: DiagnosticSink;
  /** The absolute name of a file (modules are named relative to the main file's folder). */
  absolute(fname: string): string;
  /**
   * False when some schema text was not parsed: a type that cannot be found may be defined there,
   * so "uses unknown type" is not reported.
   */
  complete: boolean;
}

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

export class SchemaBuilder implements SchemaChecker {
  /** Entities and includes in definition order. */
  private readonly pending: ModuleItem[] = [];
  private readonly entityDict = new Map<string, EntityLike>();
  /** The types among entityDict (lookups by type are the hot path of checking). */
  private readonly typeDict = new Map<string, TypeEntity>();
  private readonly moduleDict = new Map<string, ModuleImpl>();
  private readonly moduleNameCache = new Map<string, string>();
  private readonly featureInfo = new Map<string, SourceInfo | null>();
  /** Definitions that failed their shape checks, by name: where they are. */
  private readonly failedDefinitions = new Map<string, SourceInfo>();
  /** Docs not to check: of definitions left out, or in error themselves. */
  private readonly uncheckedDocs = new Set<QAPIDoc>();
  private readonly schemaDir: string;
  private predefining = true;
  /** Whether every definition is known (see BuildOptions.complete). */
  private complete: boolean;
  readonly docs: QAPIDoc[] = [];

  constructor(
    readonly fname: string,
    private readonly options: BuildOptions,
  ) {
    this.complete = options.complete;
    this.schemaDir = path.dirname(options.absolute(fname));
    for (const f of SPECIAL_FEATURES) this.featureInfo.set(f, null);
    this.makeModule(BUILTIN_MODULE);
    this.makeModule(fname);
    this.defPredefineds();
    this.predefining = false;
  }

  // --- lookup and checks

  lookupEntity(name: string): EntityLike | undefined {
    return this.entityDict.get(name);
  }

  lookupType(name: string): TypeEntity | undefined {
    return this.typeDict.get(name);
  }

  resolveType(
    name: string,
    info: SourceInfo,
    what: string | ((info: SourceInfo) => string),
  ): TypeEntity {
    const t = this.lookupType(name);
    if (t && !t.failed) return t;
    if (t || this.failedDefinitions.has(name) || !this.complete) throw DEPENDENCY_FAILED;
    const w = typeof what === "function" ? what(info) : what;
    throw new QAPIError(info, `${w} uses unknown type '${excerpt(name)}'`);
  }

  checkNested(t: EntityImpl): void {
    if (t.failed) throw DEPENDENCY_FAILED;
    try {
      t.check(this);
    } catch (err) {
      if (err !== DEPENDENCY_FAILED && !(err instanceof QAPIError)) throw err;
      t.failed = true;
      if (err instanceof QAPIError) this.options.sink.error(err);
      throw DEPENDENCY_FAILED;
    }
  }

  /**
   * Runs one documentation step. Under compat, what QEMU 10.2 rejects in older releases' doc
   * comments (e.g. undocumented members, sections it no longer allows) becomes a warning.
   */
  docStep(doc: QAPIDoc, step: DocStep, member: DocMember | null = null): void {
    // (A step name, not a closure: this runs for every member, and closures cost allocations.)
    const { compat, sink } = this.options;
    if (!compat && !sink.collecting) return runDocStep(doc, step, member);
    try {
      runDocStep(doc, step, member);
    } catch (err) {
      if (!(err instanceof QAPIError)) throw err;
      const d = err.diagnostic;
      if (!compat) return sink.error(err);
      sink.warn(
        { ...d, severity: "warning", message: `${d.message} (accepted by --compat)` },
        docWarningKind(d.message),
      );
    }
  }

  // --- modules

  private moduleName(fname: string): string {
    if (fname.startsWith("./")) return fname; // system modules (./builtin)
    let name = this.moduleNameCache.get(fname);
    if (name === undefined) {
      name = path.relative(this.schemaDir, this.options.absolute(fname));
      this.moduleNameCache.set(fname, name);
    }
    return name;
  }

  private makeModule(fname: string): ModuleImpl {
    const name = this.moduleName(fname);
    let m = this.moduleDict.get(name);
    if (!m) {
      m = new ModuleImpl(name);
      this.moduleDict.set(name, m);
    }
    return m;
  }

  // --- definitions

  private defEntity(ent: EntityLike): void {
    if (!ent.info && !this.predefining) throw new Error(`entity ${ent.name} without info`);
    const other = this.entityDict.get(ent.name);
    const failed = this.failedDefinitions.get(ent.name);
    if (other?.info || failed)
      throw new QAPIError(ent.info, `'${excerpt(ent.name)}' is already defined`, undefined, [
        { info: other?.info ?? failed!, message: "previous definition" },
      ]);
    if (other) throw new QAPIError(ent.info, `${other.describe()} is already defined`);
    this.entityDict.set(ent.name, ent);
    if (ent.meta !== "command" && ent.meta !== "event")
      this.typeDict.set(ent.name, ent as TypeEntity);
    this.pending.push({ entity: ent });
  }

  private defPredefineds(): void {
    for (const [name, json] of BUILTINS) {
      this.defEntity(new BuiltinTypeImpl(name, json) as EntityLike);
      // Every built-in gets its array type, used or not (as QEMU's shared built-in code has).
      this.makeArrayType(name, null);
    }
    this.defEntity(new ObjectTypeImpl({ name: "q_empty", info: null, localMembers: [] }));
    const members = QTYPES.map(
      (n) => new EnumMemberImpl({ name: n, info: null, ifcond: null, features: [] }),
    );
    this.defEntity(new EnumTypeImpl({ name: "QType", info: null, members }));
  }

  private makeFeatures(features: FeatureSpec[], info: SourceInfo): FeatureImpl[] {
    const out: FeatureImpl[] = [];
    for (let i = 0; i < features.length; i++) {
      const { name, ifcond } = features[i]!;
      if (!this.featureInfo.has(name)) this.featureInfo.set(name, info);
      out.push(new FeatureImpl({ name, info, ifcond }));
    }
    return out;
  }

  private makeArrayType(elementTypeName: string, info: SourceInfo | null): string {
    const name = elementTypeName + "List";
    if (!this.lookupType(name)) this.defEntity(new ArrayTypeImpl({ name, info, elementTypeName }));
    return name;
  }

  private typeName(ref: TypeRef, info: SourceInfo): string {
    return typeof ref === "string" ? ref : this.makeArrayType(ref[0], info);
  }

  private makeImplicitObjectType(
    name: string,
    info: SourceInfo,
    ifcond: Condition | null,
    role: string,
    members: ObjectMemberImpl[],
  ): string | null {
    if (!members.length) return null;
    const implicitName = `q_obj_${name}-${role}`;
    // An existing one means a duplicate definition, which is reported when that one is defined.
    if (!this.lookupEntity(implicitName))
      this.defEntity(
        new ObjectTypeImpl({ name: implicitName, info, ifcond, localMembers: members }),
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
          typeName: this.typeName(m.type, info),
          optional: m.optional,
          ifcond: m.ifcond,
          features: this.makeFeatures(m.features, info),
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
  ): string | null {
    if (data === null || typeof data === "string") return data;
    return this.makeImplicitObjectType(name, info, ifcond, role, this.makeMembers(data, info));
  }

  /** A definition that failed its checks: left out, but its name stays taken. */
  defineFailed(info: SourceInfo): void {
    const name = info.defnName;
    if (name === null) this.complete = false;
    else if (!this.entityDict.has(name) && !this.failedDefinitions.has(name))
      this.failedDefinitions.set(name, info);
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
    const { name, info, doc, ifcond } = d;
    const features = this.makeFeatures(d.features, info);
    switch (d.meta) {
      case "enum": {
        const members = d.values.map(
          (v) =>
            new EnumMemberImpl({
              name: v.name,
              info,
              ifcond: v.ifcond,
              features: this.makeFeatures(v.features, info),
            }),
        );
        this.defEntity(
          new EnumTypeImpl({ name, info, doc, ifcond, features, members, fields: entityFields(d) }),
        );
        return;
      }
      case "struct": {
        this.defEntity(
          new ObjectTypeImpl({
            name,
            info,
            doc,
            ifcond,
            features,
            baseName: d.base,
            localMembers: this.makeMembers(d.members, info),
            fields: entityFields(d),
          }),
        );
        return;
      }
      case "union": {
        const base = d.base;
        const baseName =
          typeof base === "string"
            ? base
            : this.makeImplicitObjectType(name, info, ifcond, "base", this.makeMembers(base, info));
        const variants = this.makeBranches(d.branches, info);
        this.defEntity(
          new ObjectTypeImpl({
            name,
            info,
            doc,
            ifcond,
            features,
            baseName,
            localMembers: [],
            branches: new BranchesImpl({ info, variants, tagName: d.discriminator }),
            fields: entityFields(d),
          }),
        );
        return;
      }
      case "simple-union":
        return this.defineSimpleUnion(d, features);
      case "alternate": {
        const b = new BranchesImpl({
          info,
          variants: this.makeBranches(d.branches, info),
          tagName: null,
        });
        b.tagMember = new ObjectMemberImpl({
          name: "type",
          info,
          typeName: "QType",
          optional: false,
          ifcond: null,
          features: [],
        });
        this.defEntity(
          new AlternateTypeImpl({
            name,
            info,
            doc,
            ifcond,
            features,
            branches: b,
            fields: entityFields(d),
          }),
        );
        return;
      }
      case "command": {
        const argTypeName = this.argumentType(name, info, ifcond, "arg", d.data);
        const retTypeName = d.returns === null ? null : this.typeName(d.returns, info);
        this.defEntity(
          new CommandImpl({
            name,
            info,
            doc,
            ifcond,
            features,
            argTypeName,
            retTypeName,
            fields: entityFields(d),
          }),
        );
        return;
      }
      case "event": {
        const argTypeName = this.argumentType(name, info, ifcond, "arg", d.data);
        this.defEntity(
          new EventImpl({
            name,
            info,
            doc,
            ifcond,
            features,
            argTypeName,
            fields: entityFields(d),
          }),
        );
        return;
      }
    }
  }

  private makeBranches(branches: BranchSpec[], info: SourceInfo): BranchImpl[] {
    return branches.map(
      (b) =>
        new BranchImpl({
          name: b.name,
          info,
          typeName: this.typeName(b.type, info),
          ifcond: b.ifcond,
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
    const { name, info, ifcond } = d;
    const variants: BranchImpl[] = [];
    for (const b of d.branches) {
      const typeName = this.typeName(b.type, info);
      const wrapper = `q_obj_${typeName}-wrapper`;
      if (!this.lookupEntity(wrapper)) {
        const data = new ObjectMemberImpl({
          name: "data",
          info,
          typeName,
          optional: false,
          ifcond: null,
          features: [],
        });
        this.defEntity(new ObjectTypeImpl({ name: wrapper, info, localMembers: [data] }));
      }
      variants.push(new BranchImpl({ name: b.name, info, typeName: wrapper, ifcond: b.ifcond }));
    }
    const kindName = name + "Kind";
    const kinds = variants.map(
      (b) => new EnumMemberImpl({ name: b.name, info, ifcond: b.ifcond, features: [] }),
    );
    this.defEntity(new EnumTypeImpl({ name: kindName, info, ifcond, members: kinds }));
    const tag = new ObjectMemberImpl({
      name: "type",
      info,
      typeName: kindName,
      optional: false,
      ifcond: null,
      features: [],
    });
    this.defEntity(
      new ObjectTypeImpl({
        name,
        info,
        doc: d.doc,
        ifcond,
        features,
        localMembers: [tag],
        branches: new BranchesImpl({ info, variants, tagName: "type" }),
      }),
    );
  }

  defInclude(resolved: string, info: SourceInfo): void {
    const m = this.makeModule(resolved);
    this.pending.push({ include: m.name, info });
  }

  /**
   * Checks every entity in definition order and connects its docs, then checks the docs. Returns
   * the model, or null if there were errors (reported to the sink).
   */
  finish(): SchemaModel | null {
    const { sink } = this.options;
    const pending = this.pending;
    for (let i = 0; i < pending.length; i++) {
      const p = pending[i]!;
      if (!("entity" in p)) continue;
      const e = p.entity;
      if (e.failed) continue;
      try {
        e.check(this);
      } catch (err) {
        if (err !== DEPENDENCY_FAILED && !(err instanceof QAPIError)) throw err;
        e.failed = true;
        if (e.doc) this.uncheckedDocs.add(e.doc);
        if (err instanceof QAPIError) sink.error(err);
        continue;
      }
      e.connectDoc(this);
    }
    for (const doc of this.docs) if (!this.uncheckedDocs.has(doc)) this.docStep(doc, "check");
    const features = [...this.featureInfo.entries()];
    if (features.length > MAX_FEATURES)
      sink.error(
        new QAPIError(
          features[MAX_FEATURES]![1],
          `Maximum of ${MAX_FEATURES} schema features is permitted`,
        ),
      );
    if (sink.errorCount > 0 || !this.complete) return null;
    for (let i = 0; i < pending.length; i++) {
      const p = pending[i]!;
      if ("entity" in p) {
        const fname = p.entity.moduleFile();
        const m = this.moduleDict.get(fname === null ? BUILTIN_MODULE : this.moduleName(fname))!;
        p.entity.module = m.name;
        m.entities.push(p.entity);
        m.items.push(p);
      } else {
        const m = this.moduleDict.get(this.moduleName(p.info.fname))!;
        m.includes.push({ name: p.include, info: p.info });
        m.items.push(p);
      }
    }
    return makeModel(
      this.fname,
      this.entityDict,
      this.typeDict,
      [...this.moduleDict.values()],
      this.docs,
    );
  }
}

/** The fields of checked definitions (keywords.ts) that the builder reads itself. */
const BUILDER_FIELDS = new Set([
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
]);
const ENTITY_FIELDS = new Map<string, string[]>(
  [...Object.entries(DEFINITION_KEYS), ["simple-union", SIMPLE_UNION_KEYS] as const].map(
    ([meta, keys]) => [
      meta,
      keys.map((k: KeySpec) => k.field).filter((f: string) => !BUILDER_FIELDS.has(f)),
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

function runDocStep(doc: QAPIDoc, step: DocStep, member: DocMember | null): void {
  if (step === "check") doc.check();
  else doc[step](member!);
}

function makeModel(
  fname: string,
  dict: Map<string, EntityLike>,
  typeDict: Map<string, TypeEntity>,
  modules: ModuleImpl[],
  docs: QAPIDoc[],
): SchemaModel {
  const entities: Definition[] = [];
  for (const m of modules) for (const e of m.entities) entities.push(e);
  const model: SchemaModel = {
    fname,
    entities,
    lookup: (name) => dict.get(name),
    lookupType: (name) => typeDict.get(name) as Type | undefined,
    modules,
    docs,
    visit(v: SchemaVisitor) {
      v.visitBegin?.(model);
      for (const m of modules) {
        v.visitModule?.(m.name);
        for (const item of m.items) {
          if ("include" in item) {
            v.visitInclude?.(item.include, item.info);
            continue;
          }
          const e = item.entity as Definition;
          if (v.visitNeeded && !v.visitNeeded(e)) continue;
          switch (e.meta) {
            case "builtin":
              v.visitBuiltinType?.(e);
              break;
            case "enum":
              v.visitEnumType?.(e);
              break;
            case "array":
              v.visitArrayType?.(e);
              break;
            case "object":
              v.visitObjectType?.(e);
              break;
            case "alternate":
              v.visitAlternateType?.(e);
              break;
            case "command":
              v.visitCommand?.(e);
              break;
            case "event":
              v.visitEvent?.(e);
              break;
          }
        }
      }
      v.visitEnd?.();
    },
  };
  return model;
}
