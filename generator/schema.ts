// Builds the semantic model (model.ts) from checked definitions, the way QEMU's generator does:
// built-in and implicit types are made up as definitions are read, then every entity is checked
// in definition order (types resolved, members flattened through bases, clashes found), its
// documentation connected, and finally assigned to its module. Errors are QEMU's messages.

import * as path from "node:path";
import type { Expr, Plain, PlainDict, TopLevelExpr } from "./ast.ts";
import type { DocMember, QAPIDoc } from "./doc.ts";
import { cName, docWarningKind, isLegacySimpleUnion } from "./expr.ts";
import type {
  AlternateType,
  ArrayType,
  Branch,
  Branches,
  BuiltinType,
  Command,
  Definition,
  EnumMember,
  EnumType,
  Event,
  Feature,
  Condition,
  JsonType,
  Module,
  ObjectMember,
  ObjectType,
  SchemaModel,
  SchemaVisitor,
  Type,
} from "./model.ts";
import { QAPIError, type Diagnostic, type SourceInfo } from "./source.ts";

export const BUILTIN_MODULE = "./builtin";
const SPECIAL_FEATURES = ["deprecated", "unstable"];
const MAX_FEATURES = 64;

/** The 'if' value as checked by expr.ts (a symbol, or a one-key object of operands). */
export function toCondition(p: Plain | undefined): Condition | null {
  if (p === undefined) return null;
  if (typeof p === "string") return p;
  const d = p as PlainDict;
  if (d.has("not")) return { not: toCondition(d.get("not"))! };
  const args = (d.get(d.has("all") ? "all" : "any") as Plain[]).map((a) => toCondition(a)!);
  return d.has("all") ? { all: args } : { any: args };
}

// ---------------------------------------------------------------------------------------------
// Members (enum values, object members, branches, features): named things owned by a definition

abstract class MemberBase implements DocMember {
  abstract readonly role: string;
  /** The definition that declares it (possibly implicit, e.g. q_obj_cmd-arg). */
  definedIn = "";
  constructor(
    readonly name: string,
    readonly info: SourceInfo | null,
    readonly ifcond: Condition | null,
  ) {}

  /** How QEMU's messages name the member, relative to the definition being reported. */
  describe(info: SourceInfo): string {
    let role = this.role;
    let meta = "type";
    let definedIn = this.definedIn;
    if (definedIn.startsWith("q_obj_")) {
      // Reverse the naming of implicit types for a human-readable description.
      definedIn = definedIn.slice(6);
      if (definedIn.endsWith("-arg")) {
        role = "parameter";
        meta = "command";
        definedIn = definedIn.slice(0, -4);
      } else if (definedIn.endsWith("-base")) {
        role = "base " + role;
        definedIn = definedIn.slice(0, -5);
      } else if (definedIn.endsWith("-wrapper")) {
        definedIn = definedIn.slice(0, -8);
      }
    }
    if (definedIn !== info.defnName) return `${role} '${this.name}' of ${meta} '${definedIn}'`;
    return `${role} '${this.name}'`;
  }

  private cname: string | null = null;

  checkClash(info: SourceInfo, seen: Map<string, MemberBase>): void {
    const c = (this.cname ??= cName(this.name));
    const other = seen.get(c);
    if (other)
      throw new QAPIError(info, `${this.describe(info)} collides with ${other.describe(info)}`);
    seen.set(c, this);
  }
}

class FeatureImpl extends MemberBase implements Feature {
  readonly role = "feature";
  readonly isSpecial: boolean;
  constructor(name: string, info: SourceInfo | null, ifcond: Condition | null) {
    super(name, info, ifcond);
    this.isSpecial = SPECIAL_FEATURES.includes(name);
  }
}

/** doc.connectMember(m) and doc.connectFeature(f) for its features, as docSteps. */
function connectMember(
  schema: SchemaBuilder,
  doc: QAPIDoc,
  m: EnumMemberImpl | ObjectMemberImpl,
): void {
  schema.docStep(doc, "connectMember", m);
  for (let i = 0; i < m.features.length; i++) connectFeature(schema, doc, m.features[i]!);
}

function connectFeature(schema: SchemaBuilder, doc: QAPIDoc, f: FeatureImpl): void {
  schema.docStep(doc, "connectFeature", f);
}

function runDocStep(
  doc: QAPIDoc,
  step: "connectMember" | "connectFeature" | "check",
  member: DocMember | null,
): void {
  if (step === "check") doc.check();
  else doc[step](member!);
}

/** Members and their features belong to the definition that declares the member. */
// (Loops over members here and below are indexed: this runs cold, once per member, and a for-of
// loop allocates its iterator's results until the code is optimized.)
function setDefinedIn(m: EnumMemberImpl | ObjectMemberImpl, name: string): void {
  m.definedIn = name;
  for (let i = 0; i < m.features.length; i++) m.features[i]!.definedIn = name;
}

function checkFeatureClash(features: FeatureImpl[], info: SourceInfo | null): void {
  if (!info || features.length === 0) return;
  const seen = new Map<string, MemberBase>();
  for (let i = 0; i < features.length; i++) features[i]!.checkClash(info, seen);
}

class EnumMemberImpl extends MemberBase implements EnumMember {
  readonly role = "value";
  constructor(
    name: string,
    info: SourceInfo | null,
    ifcond: Condition | null,
    readonly features: FeatureImpl[],
  ) {
    super(name, info, ifcond);
  }
}

class ObjectMemberImpl extends MemberBase implements ObjectMember {
  readonly role = "member";
  type!: Type;
  constructor(
    name: string,
    info: SourceInfo | null,
    readonly typeName: string,
    readonly optional: boolean,
    ifcond: Condition | null,
    readonly features: FeatureImpl[],
  ) {
    super(name, info, ifcond);
  }

  check(schema: SchemaBuilder): void {
    this.type = schema.resolveType(this.typeName, this.info!, (i) => this.describe(i));
    checkFeatureClash(this.features, this.info);
  }
}

class BranchImpl extends MemberBase implements Branch {
  readonly role = "branch";
  type!: Type;
  constructor(
    name: string,
    info: SourceInfo | null,
    readonly typeName: string,
    ifcond: Condition | null,
  ) {
    super(name, info, ifcond);
  }

  check(schema: SchemaBuilder): void {
    this.type = schema.resolveType(this.typeName, this.info!, (i) => this.describe(i));
  }
}

// ---------------------------------------------------------------------------------------------
// Entities

abstract class EntityImpl {
  abstract readonly meta: Definition["meta"];
  module = "";
  checked = false;
  constructor(
    readonly name: string,
    readonly info: SourceInfo | null,
    readonly doc: QAPIDoc | null,
    readonly ifcondValue: Condition | null,
    readonly features: FeatureImpl[],
  ) {
    for (let i = 0; i < features.length; i++) features[i]!.definedIn = name;
  }

  get ifcond(): Condition | null {
    return this.ifcondValue;
  }

  get isImplicit(): boolean {
    return !this.info;
  }

  /** e.g. "struct type 'Foo'", as QEMU's messages name a type. */
  describe(): string {
    return `${this.metaWord()} type '${this.name}'`;
  }

  metaWord(): string {
    return this.meta;
  }

  check(_schema: SchemaBuilder): void {
    this.checked = true;
    checkFeatureClash(this.features, this.info);
    // 'deprecated' and 'unstable' apply to commands, events, members and values, not types.
    if (this.meta !== "command" && this.meta !== "event")
      for (const f of this.features)
        if (f.isSpecial)
          throw new QAPIError(this.info, `feature '${f.name}' is not supported for types`);
  }

  connectDoc(schema: SchemaBuilder, doc: QAPIDoc | null = null): void {
    doc = doc ?? this.doc;
    if (doc)
      for (let i = 0; i < this.features.length; i++) connectFeature(schema, doc, this.features[i]!);
  }

  /** The file whose module the entity belongs to (arrays go with their element type). */
  moduleFile(): string | null {
    return this.info ? this.info.fname : null;
  }
}

class BuiltinTypeImpl extends EntityImpl implements BuiltinType {
  readonly meta = "builtin";
  constructor(
    name: string,
    readonly jsonType: JsonType,
  ) {
    super(name, null, null, null, []);
  }
  override metaWord(): string {
    return "built-in";
  }
}

class EnumTypeImpl extends EntityImpl implements EnumType {
  readonly meta = "enum";
  constructor(
    name: string,
    info: SourceInfo | null,
    doc: QAPIDoc | null,
    ifcond: Condition | null,
    features: FeatureImpl[],
    readonly members: EnumMemberImpl[],
    readonly prefix: string | null,
  ) {
    super(name, info, doc, ifcond, features);
    for (let i = 0; i < members.length; i++) setDefinedIn(members[i]!, name);
  }
  override check(schema: SchemaBuilder): void {
    super.check(schema);
    const seen = new Map<string, MemberBase>();
    for (let i = 0; i < this.members.length; i++) {
      const m = this.members[i]!;
      m.checkClash(this.info!, seen);
      checkFeatureClash(m.features, m.info);
    }
  }
  override connectDoc(schema: SchemaBuilder, doc: QAPIDoc | null = null): void {
    super.connectDoc(schema, doc);
    doc = doc ?? this.doc;
    if (!doc) return;
    for (let i = 0; i < this.members.length; i++) connectMember(schema, doc, this.members[i]!);
  }
}

class ArrayTypeImpl extends EntityImpl implements ArrayType {
  readonly meta = "array";
  elementType!: Type;
  constructor(
    name: string,
    info: SourceInfo | null,
    readonly elementTypeName: string,
  ) {
    super(name, info, null, null, []);
  }
  override get isImplicit(): boolean {
    return true;
  }
  override get ifcond(): Condition | null {
    return this.elementType ? this.elementType.ifcond : null;
  }
  override describe(): string {
    return `array type ['${this.elementTypeName}']`;
  }
  override check(schema: SchemaBuilder): void {
    super.check(schema);
    this.elementType = schema.resolveType(
      this.elementTypeName,
      this.info!,
      this.info?.defnMeta ?? "array",
    );
  }
  override moduleFile(): string | null {
    return this.elementType.info ? this.elementType.info.fname : null;
  }
}

class BranchesImpl implements Branches {
  tagMember!: ObjectMemberImpl;
  constructor(
    readonly info: SourceInfo,
    readonly variants: BranchImpl[],
    /** Union discriminator name; null for alternates (their tag is given). */
    readonly tagName: string | null,
  ) {}

  setDefinedIn(name: string): void {
    for (const v of this.variants) v.definedIn = name;
  }

  /** Union branches: the discriminator must be a required, unconditional enum member. */
  checkUnion(schema: SchemaBuilder, seen: Map<string, MemberBase>): void {
    const tagName = this.tagName!;
    const tag = seen.get(cName(tagName)) as ObjectMemberImpl | undefined;
    let base = "'base'";
    if (!tag || tag.name !== tagName)
      throw new QAPIError(this.info, `discriminator '${tagName}' is not a member of ${base}`);
    this.tagMember = tag;
    const baseType = schema.lookupType(tag.definedIn)!;
    if (!baseType.isImplicit) base = `base type '${tag.definedIn}'`;
    if (!(tag.type instanceof EnumTypeImpl))
      throw new QAPIError(
        this.info,
        `discriminator member '${tagName}' of ${base} must be of enum type`,
      );
    if (tag.optional)
      throw new QAPIError(
        this.info,
        `discriminator member '${tagName}' of ${base} must not be optional`,
      );
    if (tag.ifcond)
      throw new QAPIError(
        this.info,
        `discriminator member '${tagName}' of ${base} must not be conditional`,
      );
    // Enum values without a branch get the empty object.
    const cases = new Set(this.variants.map((v) => v.name));
    for (const m of tag.type.members) {
      if (!cases.has(m.name)) {
        const v = new BranchImpl(m.name, this.info, "q_empty", m.ifcond);
        v.definedIn = tag.definedIn;
        this.variants.push(v);
      }
    }
    if (!this.variants.length) throw new QAPIError(this.info, "union has no branches");
    const values = new Set(tag.type.members.map((m) => m.name));
    for (const v of this.variants) {
      v.check(schema);
      if (!values.has(v.name))
        throw new QAPIError(
          this.info,
          `branch '${v.name}' is not a value of ${tag.type.describe()}`,
        );
      if (!(v.type instanceof ObjectTypeImpl))
        throw new QAPIError(
          this.info,
          `${v.describe(this.info)} cannot use ${(v.type as unknown as EntityImpl).describe()}`,
        );
      v.type.check(schema);
    }
  }

  checkClash(info: SourceInfo, seen: Map<string, MemberBase>): void {
    // Each branch only has to avoid the common members, not other branches' members.
    for (const v of this.variants) (v.type as ObjectTypeImpl).checkClash(info, new Map(seen));
  }
}

class ObjectTypeImpl extends EntityImpl implements ObjectType {
  readonly meta = "object";
  base: ObjectTypeImpl | null = null;
  members!: ObjectMemberImpl[];
  constructor(
    name: string,
    info: SourceInfo | null,
    doc: QAPIDoc | null,
    ifcond: Condition | null,
    features: FeatureImpl[],
    readonly baseName: string | null,
    readonly localMembers: ObjectMemberImpl[],
    readonly branches: BranchesImpl | null,
  ) {
    super(name, info, doc, ifcond, features);
    for (let i = 0; i < localMembers.length; i++) setDefinedIn(localMembers[i]!, name);
    branches?.setDefinedIn(name);
  }
  override get isImplicit(): boolean {
    return this.name.startsWith("q_");
  }
  override metaWord(): string {
    return this.branches ? "union" : "struct";
  }

  override check(schema: SchemaBuilder): void {
    // Recursion follows what a C struct would contain: bases and branches, not pointers.
    if (this.members) return;
    if (this.checked) throw new QAPIError(this.info, `object ${this.name} contains itself`);
    super.check(schema);
    const seen = new Map<string, MemberBase>();
    if (this.baseName) {
      const base = schema.resolveType(this.baseName, this.info!, "'base'");
      if (!(base instanceof ObjectTypeImpl) || base.branches)
        throw new QAPIError(
          this.info,
          `'base' requires a struct type, ${(base as EntityImpl).describe()} isn't`,
        );
      this.base = base;
      base.check(schema);
      base.checkClash(this.info!, seen);
    }
    for (let i = 0; i < this.localMembers.length; i++) {
      const m = this.localMembers[i]!;
      m.check(schema);
      m.checkClash(this.info!, seen);
    }
    const members = [...seen.values()] as ObjectMemberImpl[];
    if (this.branches) {
      if (this.branches.tagName !== null) this.branches.checkUnion(schema, seen);
      this.branches.checkClash(this.info!, seen);
    }
    this.members = members;
  }

  /** Adds this type's members (and branches') to seen, reporting clashes on behalf of info. */
  checkClash(info: SourceInfo, seen: Map<string, MemberBase>): void {
    for (let i = 0; i < this.members.length; i++) this.members[i]!.checkClash(info, seen);
    this.branches?.checkClash(info, seen);
  }

  hasConditionalMembers(): boolean {
    return this.members.some((m) => m.ifcond !== null);
  }

  override connectDoc(schema: SchemaBuilder, doc: QAPIDoc | null = null): void {
    super.connectDoc(schema, doc);
    doc = doc ?? this.doc;
    if (this.base && this.base.isImplicit) this.base.connectDoc(schema, doc);
    if (!doc) return;
    for (let i = 0; i < this.localMembers.length; i++)
      connectMember(schema, doc, this.localMembers[i]!);
  }
}

/** QEMU's alternate_qtype(): the JSON type a value of this type arrives as, if unambiguous. */
function alternateQType(t: Type): string | null {
  switch (t.meta) {
    case "builtin":
      return (
        (
          {
            null: "QNULL",
            string: "QSTRING",
            number: "QNUM",
            int: "QNUM",
            boolean: "QBOOL",
          } as Record<string, string>
        )[t.jsonType] ?? null
      );
    case "enum":
      return "QSTRING";
    case "array":
      return "QLIST";
    case "object":
      return "QDICT";
    case "alternate":
      return null;
  }
}

class AlternateTypeImpl extends EntityImpl implements AlternateType {
  readonly meta = "alternate";
  constructor(
    name: string,
    info: SourceInfo,
    doc: QAPIDoc | null,
    ifcond: Condition | null,
    features: FeatureImpl[],
    readonly branches: BranchesImpl,
  ) {
    super(name, info, doc, ifcond, features);
    branches.setDefinedIn(name);
    branches.tagMember.definedIn = name;
  }

  override check(schema: SchemaBuilder): void {
    super.check(schema);
    const info = this.info!;
    this.branches.tagMember.check(schema);
    for (const v of this.branches.variants) v.check(schema);
    // Branch names are not enum values here, so check their clashes directly; then make sure
    // each branch's JSON type tells it apart from the others.
    const seen = new Map<string, MemberBase>();
    const typesSeen = new Map<string, string>();
    for (const v of this.branches.variants) {
      v.checkClash(info, seen);
      const qtype = alternateQType(v.type);
      if (!qtype)
        throw new QAPIError(
          info,
          `${v.describe(info)} cannot use ${(v.type as unknown as EntityImpl).describe()}`,
        );
      const conflicting = [qtype];
      if (qtype === "QSTRING") {
        if (v.type.meta === "enum") {
          for (const m of v.type.members) {
            if (m.name === "on" || m.name === "off") conflicting.push("QBOOL");
            if (/^[-+0-9.]/.test(m.name)) conflicting.push("QNUM");
          }
        } else conflicting.push("QNUM", "QBOOL");
      }
      for (const qt of conflicting) {
        const other = typesSeen.get(qt);
        if (other !== undefined && other !== v.name)
          throw new QAPIError(info, `${v.describe(info)} can't be distinguished from '${other}'`);
        typesSeen.set(qt, v.name);
      }
    }
  }

  override connectDoc(schema: SchemaBuilder, doc: QAPIDoc | null = null): void {
    super.connectDoc(schema, doc);
    doc = doc ?? this.doc;
    if (doc) for (const v of this.branches.variants) schema.docStep(doc, "connectMember", v);
  }
}

class CommandOrEventBase extends EntityImpl {
  readonly meta: "command" | "event" = "command";
  argType: ObjectTypeImpl | null = null;
  constructor(
    name: string,
    info: SourceInfo,
    doc: QAPIDoc | null,
    ifcond: Condition | null,
    features: FeatureImpl[],
    readonly argTypeName: string | null,
    readonly boxed: boolean,
  ) {
    super(name, info, doc, ifcond, features);
  }

  protected checkArgType(schema: SchemaBuilder, what: string): void {
    if (!this.argTypeName) return;
    const info = this.info!;
    const t = schema.resolveType(this.argTypeName, info, `${what}'s 'data'`);
    if (!(t instanceof ObjectTypeImpl))
      throw new QAPIError(info, `${what}'s 'data' cannot take ${(t as EntityImpl).describe()}`);
    this.argType = t;
    if (t.branches && !this.boxed)
      throw new QAPIError(
        info,
        `${what}'s 'data' can take ${t.describe()} only with 'boxed': true`,
      );
    t.check(schema);
    if (t.hasConditionalMembers() && !this.boxed)
      throw new QAPIError(info, `conditional ${what} arguments require 'boxed': true`);
  }

  override connectDoc(schema: SchemaBuilder, doc: QAPIDoc | null = null): void {
    super.connectDoc(schema, doc);
    doc = doc ?? this.doc;
    if (doc && this.argType && this.argType.isImplicit) this.argType.connectDoc(schema, doc);
  }
}

class CommandImpl extends CommandOrEventBase implements Command {
  override readonly meta = "command";
  retType: Type | null = null;
  constructor(
    name: string,
    info: SourceInfo,
    doc: QAPIDoc | null,
    ifcond: Condition | null,
    features: FeatureImpl[],
    argTypeName: string | null,
    readonly retTypeName: string | null,
    readonly gen: boolean,
    readonly successResponse: boolean,
    boxed: boolean,
    readonly allowOob: boolean,
    readonly allowPreconfig: boolean,
    readonly coroutine: boolean,
  ) {
    super(name, info, doc, ifcond, features, argTypeName, boxed);
  }

  override check(schema: SchemaBuilder): void {
    super.check(schema);
    this.checkArgType(schema, "command");
    if (this.retTypeName) {
      const info = this.info!;
      const ret = schema.resolveType(this.retTypeName, info, "command's 'returns'");
      this.retType = ret;
      if (!info.pragma.commandReturnsExceptions.includes(this.name)) {
        const t = ret.meta === "array" ? ret.elementType : ret;
        if (t.meta !== "object")
          throw new QAPIError(
            info,
            `command's 'returns' cannot take ${(ret as EntityImpl).describe()}`,
          );
      }
    }
  }
}

class EventImpl extends CommandOrEventBase implements Event {
  override readonly meta = "event";
  override check(schema: SchemaBuilder): void {
    super.check(schema);
    this.checkArgType(schema, "event");
  }
}

type EntityLike = EntityImpl & Definition;

// ---------------------------------------------------------------------------------------------
// Modules keep includes and entities interleaved, in the order the visitor reports them.

type ModuleItem = { include: string; info: SourceInfo } | { entity: EntityLike };

class ModuleImpl implements Module {
  readonly entities: Definition[] = [];
  readonly includes: { name: string; info: SourceInfo }[] = [];
  readonly items: ModuleItem[] = [];
  constructor(readonly name: string) {}
}

// ---------------------------------------------------------------------------------------------

export interface BuildOptions {
  compat: boolean;
  /** Reports an accepted legacy-dialect use (the caller keeps one per kind). */
  legacy: (info: SourceInfo, kind: string, message: string) => void;
}

/** Pending work in definition order: an entity, or an include (which only records a module). */
type Pending = { entity: EntityLike } | { include: string; info: SourceInfo };

export class SchemaBuilder {
  private readonly pending: Pending[] = [];
  private readonly entityDict = new Map<string, EntityLike>();
  /** The types among entityDict (lookups by type are the hot path of checking). */
  private readonly typeDict = new Map<string, EntityLike & Type>();
  private readonly moduleDict = new Map<string, ModuleImpl>();
  private readonly moduleNameCache = new Map<string, string>();
  private readonly featureInfo = new Map<string, SourceInfo | null>();
  private readonly schemaDir: string;
  private predefining = true;
  readonly docs: QAPIDoc[] = [];

  constructor(
    readonly fname: string,
    private readonly options: BuildOptions,
  ) {
    this.schemaDir = path.resolve(path.dirname(fname));
    for (const f of SPECIAL_FEATURES) this.featureInfo.set(f, null);
    this.makeModule(BUILTIN_MODULE);
    this.makeModule(fname);
    this.defPredefineds();
    this.predefining = false;
  }

  // --- lookup

  lookupEntity(name: string): EntityLike | undefined {
    return this.entityDict.get(name);
  }

  lookupType(name: string): (EntityLike & Type) | undefined {
    return this.typeDict.get(name);
  }

  resolveType(
    name: string,
    info: SourceInfo,
    what: string | ((info: SourceInfo) => string),
  ): EntityLike & Type {
    const t = this.lookupType(name);
    if (!t) {
      const w = typeof what === "function" ? what(info) : what;
      throw new QAPIError(info, `${w} uses unknown type '${name}'`);
    }
    return t;
  }

  /**
   * Runs one documentation check. Under compat, what QEMU 10.2 rejects in older releases' doc
   * comments (e.g. undocumented members, sections it no longer allows) becomes a warning.
   */
  docStep(
    doc: QAPIDoc,
    step: "connectMember" | "connectFeature" | "check",
    member: DocMember | null = null,
  ): void {
    // (A step name, not a closure: this runs for every member, and closures cost allocations.)
    if (!this.options.compat) return runDocStep(doc, step, member);
    try {
      runDocStep(doc, step, member);
    } catch (err) {
      if (!(err instanceof QAPIError)) throw err;
      const d = err.diagnostic;
      this.options.legacy(d.info!, docWarningKind(d.message), d.message);
    }
  }

  // --- modules

  private moduleName(fname: string): string {
    if (fname.startsWith("./")) return fname; // system modules (./builtin)
    let name = this.moduleNameCache.get(fname);
    if (name === undefined) {
      name = path.relative(this.schemaDir, path.resolve(fname));
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
    if (other) {
      if (other.info)
        throw new QAPIError(ent.info, `'${ent.name}' is already defined`, undefined, [
          { info: other.info, message: "previous definition" },
        ]);
      throw new QAPIError(ent.info, `${other.describe()} is already defined`);
    }
    this.entityDict.set(ent.name, ent);
    if (ent.meta !== "command" && ent.meta !== "event")
      this.typeDict.set(ent.name, ent as EntityLike & Type);
    this.pending.push({ entity: ent });
  }

  private defPredefineds(): void {
    const builtins: [string, JsonType][] = [
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
    for (const [name, json] of builtins) {
      this.defEntity(new BuiltinTypeImpl(name, json) as EntityLike);
      // Every built-in gets its array type, used or not (as QEMU's shared built-in code has).
      this.makeArrayType(name, null);
    }
    this.defEntity(
      new ObjectTypeImpl("q_empty", null, null, null, [], null, [], null) as EntityLike,
    );
    const qtypes = ["none", "qnull", "qnum", "qstring", "qdict", "qlist", "qbool"];
    this.defEntity(
      new EnumTypeImpl(
        "QType",
        null,
        null,
        null,
        [],
        qtypes.map((n) => new EnumMemberImpl(n, null, null, [])),
        null,
      ) as EntityLike,
    );
  }

  private makeFeatures(features: Plain | undefined, info: SourceInfo): FeatureImpl[] {
    if (features === undefined) return [];
    const out: FeatureImpl[] = [];
    for (let i = 0; i < (features as PlainDict[]).length; i++) {
      const f = (features as PlainDict[])[i]!;
      const name = f.get("name") as string;
      if (!this.featureInfo.has(name)) this.featureInfo.set(name, info);
      out.push(new FeatureImpl(name, info, toCondition(f.get("if"))));
    }
    return out;
  }

  private makeEnumMembers(values: PlainDict[], info: SourceInfo): EnumMemberImpl[] {
    return values.map(
      (v) =>
        new EnumMemberImpl(
          v.get("name") as string,
          info,
          toCondition(v.get("if")),
          this.makeFeatures(v.get("features"), info),
        ),
    );
  }

  private makeArrayType(elementType: string, info: SourceInfo | null): string {
    const name = elementType + "List";
    if (!this.lookupType(name))
      this.defEntity(new ArrayTypeImpl(name, info, elementType) as EntityLike);
    return name;
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
        new ObjectTypeImpl(implicitName, info, null, ifcond, [], null, members, null) as EntityLike,
      );
    return implicitName;
  }

  private makeMember(
    name: string,
    type: Plain,
    ifcond: Condition | null,
    features: FeatureImpl[],
    info: SourceInfo,
  ) {
    let optional = false;
    if (name.startsWith("*")) {
      name = name.slice(1);
      optional = true;
    }
    const typeName = Array.isArray(type)
      ? this.makeArrayType(type[0] as string, info)
      : (type as string);
    return new ObjectMemberImpl(name, info, typeName, optional, ifcond, features);
  }

  private makeMembers(data: PlainDict, info: SourceInfo): ObjectMemberImpl[] {
    const out: ObjectMemberImpl[] = [];
    data.forEach((value, key) => {
      const v = value as PlainDict;
      out.push(
        this.makeMember(
          key,
          v.get("type")!,
          toCondition(v.get("if")),
          this.makeFeatures(v.get("features"), info),
          info,
        ),
      );
    });
    return out;
  }

  private makeBranches(data: PlainDict, info: SourceInfo): BranchImpl[] {
    const out: BranchImpl[] = [];
    data.forEach((value, key) => {
      const v = value as PlainDict;
      const type = v.get("type")!;
      const typeName = Array.isArray(type)
        ? this.makeArrayType(type[0] as string, info)
        : (type as string);
      out.push(new BranchImpl(key, info, typeName, toCondition(v.get("if"))));
    });
    return out;
  }

  /** Adds one checked definition (expr.ts has normalized it). */
  define(e: TopLevelExpr, meta: string): void {
    const expr = e.plain;
    const info = e.info;
    const doc = e.doc;
    const name = expr.get(meta) as string;
    const ifcond = toCondition(expr.get("if"));
    const features = this.makeFeatures(expr.get("features"), info);
    switch (meta) {
      case "enum": {
        const prefix = expr.get("prefix");
        this.defEntity(
          new EnumTypeImpl(
            name,
            info,
            doc,
            ifcond,
            features,
            this.makeEnumMembers(expr.get("data") as PlainDict[], info),
            typeof prefix === "string" ? prefix : null,
          ) as EntityLike,
        );
        break;
      }
      case "struct": {
        const base = expr.get("base");
        this.defEntity(
          new ObjectTypeImpl(
            name,
            info,
            doc,
            ifcond,
            features,
            typeof base === "string" ? base : null,
            this.makeMembers(expr.get("data") as PlainDict, info),
            null,
          ) as EntityLike,
        );
        break;
      }
      case "union":
        if (isLegacySimpleUnion(expr, this.options))
          this.defLegacySimpleUnion(e, name, ifcond, features);
        else {
          let base = expr.get("base");
          if (base instanceof Map)
            base =
              this.makeImplicitObjectType(
                name,
                info,
                ifcond,
                "base",
                this.makeMembers(base, info),
              ) ?? undefined;
          const branches = this.makeBranches(expr.get("data") as PlainDict, info);
          this.defEntity(
            new ObjectTypeImpl(
              name,
              info,
              doc,
              ifcond,
              features,
              typeof base === "string" ? base : null,
              [],
              new BranchesImpl(info, branches, expr.get("discriminator") as string),
            ) as EntityLike,
          );
        }
        break;
      case "alternate": {
        const branches = new BranchesImpl(
          info,
          this.makeBranches(expr.get("data") as PlainDict, info),
          null,
        );
        branches.tagMember = new ObjectMemberImpl("type", info, "QType", false, null, []);
        this.defEntity(
          new AlternateTypeImpl(name, info, doc, ifcond, features, branches) as EntityLike,
        );
        break;
      }
      case "command":
      case "event": {
        let data = expr.get("data");
        if (data instanceof Map)
          data =
            this.makeImplicitObjectType(name, info, ifcond, "arg", this.makeMembers(data, info)) ??
            undefined;
        const argTypeName = typeof data === "string" ? data : null;
        const boxed = expr.get("boxed") === true;
        if (meta === "event") {
          this.defEntity(
            new EventImpl(name, info, doc, ifcond, features, argTypeName, boxed) as EntityLike,
          );
          break;
        }
        let rets = expr.get("returns");
        if (Array.isArray(rets)) rets = this.makeArrayType(rets[0] as string, info);
        const flag = (key: string, dflt: boolean): boolean => {
          const v = expr.get(key);
          return typeof v === "boolean" ? v : dflt;
        };
        this.defEntity(
          new CommandImpl(
            name,
            info,
            doc,
            ifcond,
            features,
            argTypeName,
            typeof rets === "string" ? rets : null,
            flag("gen", true),
            flag("success-response", true),
            boxed,
            flag("allow-oob", false),
            flag("allow-preconfig", false),
            flag("coroutine", false),
          ) as EntityLike,
        );
        break;
      }
    }
  }

  /**
   * A legacy simple union, modelled as QEMU before 6.2 did: an implicit enum <Name>Kind of the
   * branch names, a local tag member 'type' of that enum, and each branch wrapped in an implicit
   * object q_obj_<Type>-wrapper whose one member 'data' has the branch's type.
   */
  private defLegacySimpleUnion(
    e: TopLevelExpr,
    name: string,
    ifcond: Condition | null,
    features: FeatureImpl[],
  ): void {
    const info = e.info;
    const branches: BranchImpl[] = [];
    for (const [key, value] of e.plain.get("data") as PlainDict) {
      const v = value as PlainDict;
      let type = v.get("type")!;
      const typeName = Array.isArray(type)
        ? this.makeArrayType(type[0] as string, info)
        : (type as string);
      const wrapper = `q_obj_${typeName}-wrapper`;
      if (!this.lookupEntity(wrapper))
        this.defEntity(
          new ObjectTypeImpl(
            wrapper,
            info,
            null,
            null,
            [],
            null,
            [new ObjectMemberImpl("data", info, typeName, false, null, [])],
            null,
          ) as EntityLike,
        );
      branches.push(new BranchImpl(key, info, wrapper, toCondition(v.get("if"))));
    }
    const kindName = name + "Kind";
    this.defEntity(
      new EnumTypeImpl(
        kindName,
        info,
        null,
        ifcond,
        [],
        branches.map((b) => new EnumMemberImpl(b.name, info, b.ifcond, [])),
        null,
      ) as EntityLike,
    );
    const tag = new ObjectMemberImpl("type", info, kindName, false, null, []);
    this.defEntity(
      new ObjectTypeImpl(
        name,
        info,
        e.doc,
        ifcond,
        features,
        null,
        [tag],
        new BranchesImpl(info, branches, "type"),
      ) as EntityLike,
    );
  }

  defInclude(resolved: string, info: SourceInfo): void {
    const m = this.makeModule(resolved);
    this.pending.push({ include: m.name, info });
  }

  /** Checks every entity in definition order, connects docs, assigns modules; returns the model. */
  finish(warnings: Diagnostic[]): SchemaModel {
    const pending = this.pending;
    for (let i = 0; i < pending.length; i++) {
      const p = pending[i]!;
      if ("entity" in p) {
        p.entity.check(this);
        p.entity.connectDoc(this);
      }
    }
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
    for (const doc of this.docs) this.docStep(doc, "check");
    const features = [...this.featureInfo.entries()];
    if (features.length > MAX_FEATURES)
      throw new QAPIError(
        features[MAX_FEATURES][1],
        `Maximum of ${MAX_FEATURES} schema features is permitted`,
      );
    return makeModel(
      this.fname,
      this.entityDict,
      this.typeDict,
      [...this.moduleDict.values()],
      this.docs,
      warnings,
    );
  }
}

function makeModel(
  fname: string,
  dict: Map<string, EntityLike>,
  typeDict: Map<string, EntityLike & Type>,
  modules: ModuleImpl[],
  docs: QAPIDoc[],
  warnings: Diagnostic[],
): SchemaModel {
  const entities: Definition[] = [];
  for (const m of modules) for (const e of m.entities) entities.push(e);
  const model: SchemaModel = {
    fname,
    entities,
    lookup: (name) => dict.get(name),
    lookupType: (name) => typeDict.get(name),
    modules,
    docs,
    warnings,
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

/** Builds the model from parsed (and expr-checked) expressions. Throws QAPIError. */
export function buildSchema(
  fname: string,
  exprs: Expr[],
  metas: Map<TopLevelExpr, string>,
  options: BuildOptions,
  warnings: Diagnostic[],
): SchemaModel {
  const b = new SchemaBuilder(fname, options);
  for (const e of exprs) {
    if (e.kind === "definition") {
      b.define(e, metas.get(e)!);
      if (e.doc) b.docs.push(e.doc);
    } else if (e.kind === "include") b.defInclude(e.resolved, e.info);
    else b.docs.push(e.doc);
  }
  return b.finish(warnings);
}
