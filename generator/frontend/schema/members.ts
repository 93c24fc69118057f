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
import { QAPIError, excerpt, type SourceInfo } from "../../model/source.ts";

/** What members need from the builder while it checks them. */
export interface TypeResolver {
  resolveType(
    name: string,
    info: SourceInfo,
    what: string | ((info: SourceInfo) => string),
  ): Type & { describe(): string };
}

export const SPECIAL_FEATURES = ["deprecated", "unstable"];

interface MemberOptions {
  name: string;
  info: SourceInfo | null;
  ifcond: Condition | null;
}

export abstract class MemberBase implements DocMember {
  abstract readonly role: string;
  declare readonly name: string;
  declare readonly info: SourceInfo | null;
  declare readonly ifcond: Condition | null;
  /** The definition that declares it (possibly implicit, e.g. q_obj_cmd-arg). */
  declare definedIn: string;
  declare private cname: string | null;

  // (Declared and set here rather than initialized where declared: see EntityImpl.)
  constructor(o: MemberOptions) {
    this.name = o.name;
    this.info = o.info;
    this.ifcond = o.ifcond;
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

  /** Adds the member to `seen` (by C name), reporting a clash on behalf of `info`. */
  checkClash(info: SourceInfo, seen: Map<string, MemberBase>): void {
    const c = (this.cname ??= cName(this.name));
    const other = seen.get(c);
    if (other)
      throw new QAPIError(info, `${this.describe(info)} collides with ${other.describe(info)}`);
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
  declare readonly optional: boolean;
  declare readonly features: FeatureImpl[];
  type!: Type;
  constructor(o: WithFeatures & { typeName: string; optional: boolean }) {
    super(o);
    this.typeName = o.typeName;
    this.optional = o.optional;
    this.features = o.features;
  }

  check(schema: TypeResolver): void {
    this.type = schema.resolveType(this.typeName, this.info!, (i) => this.describe(i));
    checkFeatureClash(this.features, this.info);
  }
}

export class BranchImpl extends MemberBase implements Branch {
  readonly role = "branch";
  declare readonly typeName: string;
  type!: Type;
  constructor(o: MemberOptions & { typeName: string }) {
    super(o);
    this.typeName = o.typeName;
  }

  check(schema: TypeResolver): void {
    this.type = schema.resolveType(this.typeName, this.info!, (i) => this.describe(i));
  }
}

/** Members and their features belong to the definition that declares the member. */
// (Loops over members here and below are indexed: this runs cold, once per member, and a for-of
// loop allocates its iterator's results until the code is optimized.)
export function setDefinedIn(m: EnumMemberImpl | ObjectMemberImpl, name: string): void {
  m.definedIn = name;
  for (let i = 0; i < m.features.length; i++) m.features[i]!.definedIn = name;
}
