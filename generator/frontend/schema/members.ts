// Members of the model (enum values, object members, branches, features): named things a
// definition owns. They know how QEMU's messages name them and how they clash.

import type { DocMember } from "../../model/documentation.ts";
import type {
  Branch,
  Condition,
  EnumMember,
  Feature,
  ObjectMember,
  Type,
} from "../../model/index.ts";
import { cName } from "../naming.ts";
import { QAPIError, excerpt, type SourceInfo, type Span } from "../../model/source.ts";

/** What members need from the builder while it checks them. */
export interface TypeResolver {
  /** `span`: the reference to it, which an unknown type's error blames. */
  resolveType(
    name: string,
    info: SourceInfo,
    what: string | ((info: SourceInfo) => string),
    span: Span | null,
  ): Type & { describe(): string };
}

export const SPECIAL_FEATURES = ["deprecated", "unstable"];

interface MemberOptions {
  name: string;
  info: SourceInfo | null;
  ifcond: Condition | null;
  /** Its name as written (null for members the schema implies). */
  span: Span | null;
}

export abstract class MemberBase implements DocMember {
  abstract readonly role: string;
  declare readonly name: string;
  declare readonly info: SourceInfo | null;
  declare readonly ifcond: Condition | null;
  declare readonly span: Span | null;
  /** The definition that declares it (possibly implicit, e.g. q_obj_cmd-arg). */
  declare definedIn: string;
  declare private cname: string | null;

  // (Declared and set here rather than initialized where declared: see EntityImpl.)
  constructor(o: MemberOptions) {
    this.name = o.name;
    this.info = o.info;
    this.ifcond = o.ifcond;
    this.span = o.span;
    this.definedIn = "";
    this.cname = null;
  }

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
    const name = excerpt(this.name);
    if (definedIn !== info.defnName) return `${role} '${name}' of ${meta} '${excerpt(definedIn)}'`;
    return `${role} '${name}'`;
  }

  /**
   * Adds the member to `seen` (by C name), reporting a clash on behalf of `info`. The clash is
   * blamed on this member where `info`'s definition declares it, else on `via` (the reference
   * that brought it in: a 'base', a branch's type), else on the other one.
   */
  checkClash(info: SourceInfo, seen: Map<string, MemberBase>, via: Span | null = null): void {
    const c = (this.cname ??= cName(this.name));
    const other = seen.get(c);
    if (other) {
      const span =
        this.info === info ? this.span : (via ?? (other.info === info ? other.span : null));
      throw new QAPIError(info, `${this.describe(info)} collides with ${other.describe(info)}`, {
        span,
      });
    }
    seen.set(c, this);
  }
}

export class FeatureImpl extends MemberBase implements Feature {
  readonly role = "feature";
  declare readonly isSpecial: boolean;
  constructor(o: MemberOptions) {
    super(o);
    this.isSpecial = SPECIAL_FEATURES.includes(o.name);
  }
}

/** Features may not clash either (by C name). */
export function checkFeatureClash(features: FeatureImpl[], info: SourceInfo | null): void {
  if (!info || features.length === 0) return;
  const seen = new Map<string, MemberBase>();
  for (let i = 0; i < features.length; i++) features[i]!.checkClash(info, seen);
}

/** Members with a type: where the type reference is written. */
interface Typed {
  typeName: string;
  typeSpan: Span | null;
}

interface WithFeatures extends MemberOptions {
  features: FeatureImpl[];
}

export class EnumMemberImpl extends MemberBase implements EnumMember {
  readonly role = "value";
  declare readonly features: FeatureImpl[];
  constructor(o: WithFeatures) {
    super(o);
    this.features = o.features;
  }
}

export class ObjectMemberImpl extends MemberBase implements ObjectMember {
  readonly role = "member";
  declare readonly typeName: string;
  declare readonly typeSpan: Span | null;
  declare readonly optional: boolean;
  declare readonly features: FeatureImpl[];
  type!: Type;
  constructor(o: WithFeatures & Typed & { optional: boolean }) {
    super(o);
    this.typeName = o.typeName;
    this.typeSpan = o.typeSpan;
    this.optional = o.optional;
    this.features = o.features;
  }

  check(schema: TypeResolver): void {
    const describe = (i: SourceInfo): string => this.describe(i);
    this.type = schema.resolveType(this.typeName, this.info!, describe, this.typeSpan);
    checkFeatureClash(this.features, this.info);
  }
}

export class BranchImpl extends MemberBase implements Branch {
  readonly role = "branch";
  declare readonly typeName: string;
  declare readonly typeSpan: Span | null;
  type!: Type;
  constructor(o: MemberOptions & Typed) {
    super(o);
    this.typeName = o.typeName;
    this.typeSpan = o.typeSpan;
  }

  check(schema: TypeResolver): void {
    const describe = (i: SourceInfo): string => this.describe(i);
    this.type = schema.resolveType(this.typeName, this.info!, describe, this.typeSpan);
  }
}

/** Members and their features belong to the definition that declares the member. */
// (Loops over members here and below are indexed: this runs cold, once per member, and a for-of
// loop allocates its iterator's results until the code is optimized.)
export function setDefinedIn(m: EnumMemberImpl | ObjectMemberImpl, name: string): void {
  m.definedIn = name;
  for (let i = 0; i < m.features.length; i++) m.features[i]!.definedIn = name;
}
