// The model's entities (model/index.ts) as QEMU's generator has them: built-in, enum, array, object
// (struct or union), alternate, command and event, each built from an options object, and each
// with its semantic checks (types resolved, members flattened through bases, clashes found) and
// the connection of its members to its documentation.

import type { DocMember } from "../../model/documentation.ts";
import type { QAPIDoc } from "../doc-comments.ts";
import type {
  AlternateType,
  ArrayType,
  Branches,
  BuiltinType,
  Command,
  Condition,
  Definition,
  EnumType,
  Event,
  JsonType,
  ObjectType,
  Type,
} from "../../model/index.ts";
import { alternativeJsonType, jsonTypeOf } from "../../model/json-types.ts";
import { cName } from "../naming.ts";
import type { EntityFields } from "../keywords.ts";
import { QAPIError, excerpt, type SourceInfo, type Span } from "../../model/source.ts";
import { NO_SLOT, type PositionTable } from "../position-table.ts";
import {
  BranchImpl,
  checkFeatureClash,
  setDefinedIn,
  type EnumMemberImpl,
  type FeatureImpl,
  type MemberBase,
  type ObjectMemberImpl,
  type TypeResolver,
} from "./members.ts";

export type DocStep = "connectMember" | "connectFeature" | "check";

/** What entities need from the builder while it checks them. */
export interface SchemaChecker extends TypeResolver {
  resolveType(
    name: string,
    info: SourceInfo,
    what: string | ((info: SourceInfo) => string),
    span: Span | null,
  ): TypeEntity;
  lookupType(name: string): TypeEntity | undefined;
  /** Checks an entity this one contains (a base, a branch): its failure is this one's too. */
  checkNested(t: EntityImpl): void;
  /** One documentation step, reported on its own (see SchemaBuilder.docStep). */
  docStep(doc: QAPIDoc, step: DocStep, member?: DocMember | null): void;
}

export interface EntityOptions {
  name: string;
  /** null for built-in entities. */
  info: SourceInfo | null;
  doc?: QAPIDoc | null;
  ifcond?: Condition | null;
  features?: FeatureImpl[];
  /** Further properties of the definition, set on the entity as they are (keywords.ts). */
  fields?: Record<string, unknown>;
  /** Where its name is written (see model/index.ts). */
  span?: Span | null;
  /** Where its definition's parts are: its file's table, and its record's slot there. */
  positions?: PositionTable | null;
  slot?: number;
}

export abstract class EntityImpl {
  abstract readonly meta: Definition["meta"];
  declare readonly name: string;
  declare readonly info: SourceInfo | null;
  declare readonly doc: QAPIDoc | null;
  declare readonly features: FeatureImpl[];
  declare readonly span: Span | null;
  declare private readonly positions: PositionTable | null;
  declare private readonly slot: number;
  declare protected readonly ownIfcond: Condition | null;
  declare module: string;
  declare checked: boolean;
  /** Its checks failed (reported, or following from another failure): not in any model. */
  declare failed: boolean;

  // (Fields are declared and set here rather than initialized where declared: a class field is
  // defined on the instance, which in a base class of many shapes costs more than the set.)
  constructor(o: EntityOptions) {
    this.name = o.name;
    this.info = o.info;
    this.doc = o.doc ?? null;
    this.ownIfcond = o.ifcond ?? null;
    this.features = o.features ?? [];
    this.span = o.span ?? null;
    this.positions = o.positions ?? null;
    this.slot = o.slot ?? NO_SLOT;
    this.module = "";
    this.checked = false;
    this.failed = false;
    if (o.fields) Object.assign(this, o.fields);
    for (let i = 0; i < this.features.length; i++) this.features[i]!.definedIn = o.name;
  }

  get ifcond(): Condition | null {
    return this.ownIfcond;
  }

  get isImplicit(): boolean {
    return !this.info;
  }

  /** e.g. "struct type 'Foo'", as QEMU's messages name a type. */
  describe(): string {
    return `${this.metaWord()} type '${excerpt(this.name)}'`;
  }

  metaWord(): string {
    return this.meta;
  }

  check(_schema: SchemaChecker): void {
    this.checked = true;
    checkFeatureClash(this.features, this.info);
    // 'deprecated' and 'unstable' apply to commands, events, members and values, not types.
    if (this.meta !== "command" && this.meta !== "event")
      for (const f of this.features)
        if (f.isSpecial)
          throw new QAPIError(this.info, `feature '${f.name}' is not supported for types`, {
            span: f.span,
          });
  }

  /** The whole definition as written (null for what the schema implies). */
  get defSpan(): Span | null {
    return this.positions ? this.positions.span(this.slot) : null;
  }

  /** The value of each key of the definition, by key (read from the positions when asked). */
  get keySpans(): ReadonlyMap<string, Span> {
    const out = new Map<string, Span>();
    const t = this.positions;
    if (!t) return out;
    for (let at = t.firstEntry(this.slot); !t.ended(this.slot, at, true); at = t.nextEntry(at))
      out.set(t.keyText(at), t.span(at)!);
    return out;
  }

  /** Where the value of one of its keys is written ('base', 'data', ...), else its name. */
  spanOf(key: string): Span | null {
    return (this.positions && this.positions.spanOf(this.slot, key)) ?? this.span;
  }

  connectDoc(schema: SchemaChecker, doc: QAPIDoc | null = null): void {
    doc = doc ?? this.doc;
    if (doc)
      for (let i = 0; i < this.features.length; i++)
        schema.docStep(doc, "connectFeature", this.features[i]);
  }

  /** The file whose module the entity belongs to (arrays go with their element type). */
  moduleFile(): string | null {
    return this.info ? this.info.fname : null;
  }
}

/** An entity as the model sees it. */
export type EntityLike = EntityImpl & Definition;
export type TypeEntity = EntityImpl & Type;

/** doc.connectMember(m) and doc.connectFeature(f) for its features. */
function connectMember(
  schema: SchemaChecker,
  doc: QAPIDoc,
  m: EnumMemberImpl | ObjectMemberImpl,
): void {
  schema.docStep(doc, "connectMember", m);
  for (let i = 0; i < m.features.length; i++) schema.docStep(doc, "connectFeature", m.features[i]);
}

export class BuiltinTypeImpl extends EntityImpl implements BuiltinType {
  readonly meta = "builtin";
  declare readonly jsonType: JsonType;
  constructor(name: string, jsonType: JsonType) {
    super({ name, info: null });
    this.jsonType = jsonType;
  }
  override metaWord(): string {
    return "built-in";
  }
}

// The fields of the key table (keywords.ts) the entities get as they are ('prefix', the flags):
// declared from the table, so that a new key needs no declaration here. (Interfaces merged into
// the classes below: the fields are set by the constructors, from the table.)
/* eslint-disable @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type */
export interface EnumTypeImpl extends Readonly<EntityFields<"enum">> {}
export interface CommandImpl extends Readonly<EntityFields<"command">> {}
export interface EventImpl extends Readonly<EntityFields<"event">> {}

export class EnumTypeImpl extends EntityImpl implements EnumType {
  readonly meta = "enum";
  declare readonly members: EnumMemberImpl[];
  constructor(o: EntityOptions & { members: EnumMemberImpl[] }) {
    super({ ...o, fields: { prefix: null, ...o.fields } });
    this.members = o.members;
    for (let i = 0; i < this.members.length; i++) setDefinedIn(this.members[i]!, o.name);
  }
  override check(schema: SchemaChecker): void {
    super.check(schema);
    const seen = new Map<string, MemberBase>();
    for (let i = 0; i < this.members.length; i++) {
      const m = this.members[i]!;
      m.checkClash(this.info!, seen);
      checkFeatureClash(m.features, m.info);
    }
  }
  override connectDoc(schema: SchemaChecker, doc: QAPIDoc | null = null): void {
    super.connectDoc(schema, doc);
    doc = doc ?? this.doc;
    if (!doc) return;
    for (let i = 0; i < this.members.length; i++) connectMember(schema, doc, this.members[i]!);
  }
}

export class ArrayTypeImpl extends EntityImpl implements ArrayType {
  readonly meta = "array";
  declare readonly elementTypeName: string;
  elementType!: Type;
  constructor(o: {
    name: string;
    info: SourceInfo | null;
    elementTypeName: string;
    span: Span | null;
  }) {
    super(o);
    this.elementTypeName = o.elementTypeName;
  }
  override get isImplicit(): boolean {
    return true;
  }
  override get ifcond(): Condition | null {
    return this.elementType ? this.elementType.ifcond : null;
  }
  override describe(): string {
    return `array type ['${excerpt(this.elementTypeName)}']`;
  }
  override check(schema: SchemaChecker): void {
    super.check(schema);
    this.elementType = schema.resolveType(
      this.elementTypeName,
      this.info!,
      this.info?.defnMeta ?? "array",
      this.span,
    );
  }
  override moduleFile(): string | null {
    return this.elementType.info ? this.elementType.info.fname : null;
  }
}

export class BranchesImpl implements Branches {
  tagMember!: ObjectMemberImpl;
  declare readonly info: SourceInfo;
  declare readonly variants: BranchImpl[];
  /** Union discriminator name; null for alternates (their tag is given). */
  declare readonly tagName: string | null;
  /** Where the discriminator is written, and the branches ('data'). */
  declare readonly tagSpan: Span | null;
  declare readonly span: Span | null;
  constructor(o: {
    info: SourceInfo;
    variants: BranchImpl[];
    tagName: string | null;
    tagSpan: Span | null;
    span: Span | null;
  }) {
    this.info = o.info;
    this.variants = o.variants;
    this.tagName = o.tagName;
    this.tagSpan = o.tagSpan;
    this.span = o.span;
  }

  setDefinedIn(name: string): void {
    for (const v of this.variants) v.definedIn = name;
  }

  /** Union branches: the discriminator must be a required, unconditional enum member. */
  checkUnion(schema: SchemaChecker, seen: Map<string, MemberBase>): void {
    const tagName = this.tagName!;
    const tag = seen.get(cName(tagName)) as ObjectMemberImpl | undefined;
    const at = { span: this.tagSpan };
    let base = "'base'";
    if (!tag || tag.name !== tagName)
      throw new QAPIError(
        this.info,
        `discriminator '${excerpt(tagName)}' is not a member of ${base}`,
        at,
      );
    this.tagMember = tag;
    const baseType = schema.lookupType(tag.definedIn)!;
    if (!baseType.isImplicit) base = `base type '${tag.definedIn}'`;
    if (!(tag.type instanceof EnumTypeImpl))
      throw new QAPIError(
        this.info,
        `discriminator member '${tagName}' of ${base} must be of enum type`,
        at,
      );
    if (tag.optional)
      throw new QAPIError(
        this.info,
        `discriminator member '${tagName}' of ${base} must not be optional`,
        at,
      );
    if (tag.ifcond)
      throw new QAPIError(
        this.info,
        `discriminator member '${tagName}' of ${base} must not be conditional`,
        at,
      );
    // Enum values without a branch get the empty object.
    const cases = new Set(this.variants.map((v) => v.name));
    for (const m of tag.type.members) {
      if (!cases.has(m.name)) {
        const v = new BranchImpl({
          name: m.name,
          info: this.info,
          typeName: "q_empty",
          ifcond: m.ifcond,
          span: null,
          typeSpan: null,
        });
        v.definedIn = tag.definedIn;
        this.variants.push(v);
      }
    }
    if (!this.variants.length)
      throw new QAPIError(this.info, "union has no branches", { span: this.span });
    const values = new Set(tag.type.members.map((m) => m.name));
    for (const v of this.variants) {
      v.check(schema);
      if (!values.has(v.name))
        throw new QAPIError(
          this.info,
          `branch '${excerpt(v.name)}' is not a value of ${tag.type.describe()}`,
          { span: v.span },
        );
      if (!(v.type instanceof ObjectTypeImpl))
        throw new QAPIError(
          this.info,
          `${v.describe(this.info)} cannot use ${(v.type as TypeEntity).describe()}`,
          { span: v.typeSpan },
        );
      schema.checkNested(v.type);
    }
  }

  /** `via`: the reference to these branches' union from info's definition (else each branch's). */
  checkClash(info: SourceInfo, seen: Map<string, MemberBase>, via: Span | null = null): void {
    // Each branch only has to avoid the common members, not other branches' members.
    for (const v of this.variants)
      (v.type as ObjectTypeImpl).checkClash(info, new Map(seen), via ?? v.typeSpan ?? this.span);
  }
}

export class ObjectTypeImpl extends EntityImpl implements ObjectType {
  readonly meta = "object";
  base: ObjectTypeImpl | null = null;
  members!: ObjectMemberImpl[];
  declare readonly baseName: string | null;
  declare readonly localMembers: ObjectMemberImpl[];
  declare readonly branches: BranchesImpl | null;
  constructor(
    o: EntityOptions & {
      baseName?: string | null;
      localMembers: ObjectMemberImpl[];
      branches?: BranchesImpl | null;
    },
  ) {
    super(o);
    this.baseName = o.baseName ?? null;
    this.localMembers = o.localMembers;
    this.branches = o.branches ?? null;
    for (let i = 0; i < this.localMembers.length; i++) setDefinedIn(this.localMembers[i]!, o.name);
    this.branches?.setDefinedIn(o.name);
  }
  override get isImplicit(): boolean {
    return this.name.startsWith("q_");
  }
  override metaWord(): string {
    return this.branches ? "union" : "struct";
  }

  override check(schema: SchemaChecker): void {
    // Recursion follows what a C struct would contain: bases and branches, not pointers.
    if (this.members) return;
    if (this.checked)
      throw new QAPIError(this.info, `object ${excerpt(this.name)} contains itself`, {
        span: this.span,
      });
    super.check(schema);
    const seen = new Map<string, MemberBase>();
    if (this.baseName) {
      const baseSpan = this.spanOf("base");
      const base = schema.resolveType(this.baseName, this.info!, "'base'", baseSpan);
      if (!(base instanceof ObjectTypeImpl) || base.branches)
        throw new QAPIError(this.info, `'base' requires a struct type, ${base.describe()} isn't`, {
          span: baseSpan,
        });
      this.base = base;
      schema.checkNested(base);
      base.checkClash(this.info!, seen, baseSpan);
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

  /**
   * Adds this type's members (and branches') to seen, reporting clashes on behalf of info; `via`:
   * the reference to this type in info's definition.
   */
  checkClash(info: SourceInfo, seen: Map<string, MemberBase>, via: Span | null): void {
    for (let i = 0; i < this.members.length; i++) this.members[i]!.checkClash(info, seen, via);
    this.branches?.checkClash(info, seen, via);
  }

  hasConditionalMembers(): boolean {
    return this.members.some((m) => m.ifcond !== null);
  }

  override connectDoc(schema: SchemaChecker, doc: QAPIDoc | null = null): void {
    super.connectDoc(schema, doc);
    doc = doc ?? this.doc;
    if (this.base && this.base.isImplicit) this.base.connectDoc(schema, doc);
    if (!doc) return;
    for (let i = 0; i < this.localMembers.length; i++)
      connectMember(schema, doc, this.localMembers[i]!);
  }
}

export class AlternateTypeImpl extends EntityImpl implements AlternateType {
  readonly meta = "alternate";
  declare readonly branches: BranchesImpl;
  constructor(o: EntityOptions & { branches: BranchesImpl }) {
    super(o);
    this.branches = o.branches;
    this.branches.setDefinedIn(o.name);
    this.branches.tagMember.definedIn = o.name;
  }

  override check(schema: SchemaChecker): void {
    super.check(schema);
    const info = this.info!;
    this.branches.tagMember.check(schema);
    for (const v of this.branches.variants) v.check(schema);
    const blame = (v: BranchImpl) => ({ span: v.typeSpan });
    // Branch names are not enum values here, so check their clashes directly; then make sure
    // each branch's JSON type tells it apart from the others.
    const seen = new Map<string, MemberBase>();
    const typesSeen = new Map<string, string>();
    for (const v of this.branches.variants) {
      v.checkClash(info, seen);
      // QEMU's alternate_qtype(): the JSON type a value of the branch arrives as.
      const json = alternativeJsonType(jsonTypeOf(v.type));
      if (!json)
        throw new QAPIError(
          info,
          `${v.describe(info)} cannot use ${(v.type as TypeEntity).describe()}`,
          blame(v),
        );
      const conflicting = [json];
      if (json === "string") {
        if (v.type.meta === "enum") {
          for (const m of v.type.members) {
            if (m.name === "on" || m.name === "off") conflicting.push("boolean");
            if (/^[-+0-9.]/.test(m.name)) conflicting.push("number");
          }
        } else conflicting.push("number", "boolean");
      }
      for (const qt of conflicting) {
        const other = typesSeen.get(qt);
        if (other !== undefined && other !== v.name)
          throw new QAPIError(
            info,
            `${v.describe(info)} can't be distinguished from '${excerpt(other)}'`,
            blame(v),
          );
        typesSeen.set(qt, v.name);
      }
    }
  }

  override connectDoc(schema: SchemaChecker, doc: QAPIDoc | null = null): void {
    super.connectDoc(schema, doc);
    doc = doc ?? this.doc;
    if (doc) for (const v of this.branches.variants) schema.docStep(doc, "connectMember", v);
  }
}

interface CommandOrEventOptions extends EntityOptions {
  argTypeName: string | null;
}

abstract class CommandOrEventBase extends EntityImpl {
  abstract override readonly meta: "command" | "event";
  argType: ObjectTypeImpl | null = null;
  declare readonly argTypeName: string | null;
  declare readonly boxed: boolean;
  constructor(o: CommandOrEventOptions) {
    super(o);
    this.argTypeName = o.argTypeName;
  }

  protected checkArgType(schema: SchemaChecker, what: string): void {
    if (!this.argTypeName) return;
    const info = this.info!;
    const at = { span: this.spanOf("data") };
    const t = schema.resolveType(this.argTypeName, info, `${what}'s 'data'`, at.span);
    if (!(t instanceof ObjectTypeImpl))
      throw new QAPIError(info, `${what}'s 'data' cannot take ${t.describe()}`, at);
    this.argType = t;
    if (t.branches && !this.boxed)
      throw new QAPIError(
        info,
        `${what}'s 'data' can take ${t.describe()} only with 'boxed': true`,
        at,
      );
    schema.checkNested(t);
    if (t.hasConditionalMembers() && !this.boxed)
      throw new QAPIError(info, `conditional ${what} arguments require 'boxed': true`, at);
  }

  override connectDoc(schema: SchemaChecker, doc: QAPIDoc | null = null): void {
    super.connectDoc(schema, doc);
    doc = doc ?? this.doc;
    if (doc && this.argType && this.argType.isImplicit) this.argType.connectDoc(schema, doc);
  }
}

export class CommandImpl extends CommandOrEventBase implements Command {
  readonly meta = "command";
  retType: Type | null = null;
  declare readonly retTypeName: string | null;
  constructor(o: CommandOrEventOptions & { retTypeName: string | null }) {
    super(o);
    this.retTypeName = o.retTypeName;
  }

  override check(schema: SchemaChecker): void {
    super.check(schema);
    this.checkArgType(schema, "command");
    if (this.retTypeName) {
      const info = this.info!;
      const at = { span: this.spanOf("returns") };
      const ret = schema.resolveType(this.retTypeName, info, "command's 'returns'", at.span);
      this.retType = ret;
      if (!info.pragma.commandReturnsExceptions.includes(this.name)) {
        const t = ret.meta === "array" ? ret.elementType : ret;
        if (t.meta !== "object")
          throw new QAPIError(info, `command's 'returns' cannot take ${ret.describe()}`, at);
      }
    }
  }
}

export class EventImpl extends CommandOrEventBase implements Event {
  readonly meta = "event";
  override check(schema: SchemaChecker): void {
    super.check(schema);
    this.checkArgType(schema, "event");
  }
}
/* eslint-enable @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type */
