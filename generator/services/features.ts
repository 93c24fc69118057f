// What a client can probe besides commands and types: every feature (special or custom) and every
// marker member (a member of type 'null', which carries no data and exists only to be seen in
// introspection, the pre-feature way of signalling a behaviour). Listed with where each attaches,
// its condition and its documentation; `features` prints them, lint's marker-member rule warns on
// markers (lint-rules.ts).

import type {
  Branch,
  Definition,
  EnumMember,
  Feature,
  ObjectMember,
  ObjectType,
  SchemaModel,
} from "../model/index.ts";
import type { SourceInfo, Span } from "../model/source.ts";
import {
  conditionHolds,
  conditionText,
  conjunction,
  type Condition,
} from "../../runtime/conditions.ts";

/** What a feature or marker is attached to. */
export type Attachment = "definition" | "member" | "enum-value" | "branch";

export interface ProbeItem {
  kind: "feature" | "marker";
  /** The feature's name, or the marker member's. */
  name: string;
  /** "deprecated" and "unstable" (features only). */
  special: boolean;
  attachesTo: Attachment;
  /** The definition as the schema names it (an implicit argument type's command or event). */
  definition: string;
  /** Its meta-type: command, event, struct, union, enum, alternate. */
  definitionMeta: string;
  /** The member, enum value or branch name; null when attached to the definition. */
  member: string | null;
  /** Unions and branch names through which the definition is also reached ("Union.case"). */
  branchOf: string[];
  /** Everything that must hold for the item to exist (definition, member, feature), or null. */
  ifcond: Condition | null;
  /** The description from the definition's doc comment, if any. */
  doc: string | null;
  info: SourceInfo | null;
  /** Its name as written (in info's file), if known. */
  span: Span | null;
}

/** Every feature and marker member, in definition order. */
export function findProbeItems(model: SchemaModel): ProbeItem[] {
  return new ProbeItemFinder(model).find();
}

/** Members of type 'null': lint suggests a feature instead. */
export function findMarkerMembers(model: SchemaModel): ProbeItem[] {
  return findProbeItems(model).filter((i) => i.kind === "marker");
}

/** True when the item exists in a build with exactly `defines` defined. */
export function isPresent(item: ProbeItem, defines: ReadonlySet<string>): boolean {
  return conditionHolds(item.ifcond, defines);
}

/** The item's place, as `features` prints it: `Def`, `Def.member`. */
export function itemPath(item: ProbeItem): string {
  return item.member === null ? item.definition : `${item.definition}.${item.member}`;
}

class ProbeItemFinder {
  private readonly items: ProbeItem[] = [];
  /** For each type used as a union or alternate branch, the "Union.case" names it serves. */
  private readonly branchOf = new Map<Definition, string[]>();

  constructor(private readonly model: SchemaModel) {}

  find(): ProbeItem[] {
    const user = this.model.entities.filter((e) => e.module !== "./builtin" && !e.isImplicit);
    for (const e of user) {
      const branches = e.meta === "object" || e.meta === "alternate" ? e.branches : null;
      for (const v of branches?.variants ?? []) {
        const uses = this.branchOf.get(v.type) ?? [];
        uses.push(`${e.name}.${v.name}`);
        this.branchOf.set(v.type, uses);
      }
    }
    // Implicit types (command/event arguments, inline union bases, legacy branch wrappers) are
    // reported as part of the definition that made them, which is what the schema shows.
    for (const e of user) {
      this.definitionFeatures(e);
      if (e.meta === "enum") for (const v of e.members) this.enumValue(e, v);
      if ((e.meta === "command" || e.meta === "event") && e.argType?.isImplicit)
        this.members(e.argType, e);
      if (e.meta === "object") {
        if (e.base?.isImplicit) this.members(e.base, e);
        this.members(e, e);
        for (const v of e.branches?.variants ?? []) {
          if (v.type.meta === "object" && v.type.isImplicit) this.members(v.type, e, v);
        }
      }
    }
    return this.items;
  }

  private definitionFeatures(e: Definition): void {
    for (const f of e.features)
      this.feature(f, e, "definition", null, [e.ifcond], e.doc?.features.get(f.name));
  }

  private enumValue(e: Definition, v: EnumMember): void {
    for (const f of v.features) {
      this.feature(f, e, "enum-value", v.name, [e.ifcond, v.ifcond], e.doc?.features.get(f.name));
    }
  }

  /**
   * Markers and member features of `t`, reported under `owner`. A legacy branch wrapper's lone
   * member is reported as the branch (`Union.case`), which is what the schema wrote.
   */
  private members(t: ObjectType, owner: Definition, branch: Branch | null = null): void {
    const doc = owner.doc;
    const attachesTo: Attachment = branch ? "branch" : "member";
    // Local members only: inherited ones are reported where they are declared.
    for (const m of t.localMembers) {
      const conds = [owner.ifcond, branch?.ifcond ?? null, t.ifcond, m.ifcond];
      const name = branch ? branch.name : m.name;
      if (isMarker(m)) {
        this.items.push({
          kind: "marker",
          name: m.name,
          special: false,
          attachesTo,
          definition: owner.name,
          definitionMeta: metaName(owner),
          member: name,
          branchOf: this.branchOf.get(t) ?? [],
          ifcond: conjunction(conds),
          doc: doc?.args.get(m.name)?.text ?? null,
          info: m.info,
          span: (branch ? branch.span : m.span) ?? null,
        });
      }
      for (const f of m.features)
        this.feature(f, owner, attachesTo, name, conds, doc?.features.get(f.name), t);
    }
  }

  private feature(
    f: Feature,
    owner: Definition,
    attachesTo: Attachment,
    member: string | null,
    conds: (Condition | null)[],
    doc: { text: string } | undefined,
    container: Definition = owner,
  ): void {
    this.items.push({
      kind: "feature",
      name: f.name,
      special: f.isSpecial,
      attachesTo,
      definition: owner.name,
      definitionMeta: metaName(owner),
      member,
      branchOf: this.branchOf.get(container) ?? [],
      ifcond: conjunction([...conds, f.ifcond]),
      doc: doc?.text ?? null,
      info: f.info,
      span: f.span ?? null,
    });
  }
}

export function isMarker(m: ObjectMember): boolean {
  return m.type.meta === "builtin" && m.type.name === "null";
}

/** The schema keyword a definition was written with. */
function metaName(e: Definition): string {
  if (e.meta === "object") return e.branches ? "union" : "struct";
  return e.meta;
}

/** The listing `qapi-ts features` prints: one line per item, its documentation indented below. */
export function formatProbeItems(items: ProbeItem[]): string {
  let out = "";
  for (const i of items) {
    const kind = i.kind === "marker" ? "marker" : i.special ? "feature (special)" : "feature";
    let line = `${kind} ${i.name}: ${i.attachesTo} ${itemPath(i)} (${i.definitionMeta})`;
    if (i.branchOf.length) line += `, branch ${i.branchOf.join(", ")}`;
    if (i.ifcond) line += `, if ${conditionText(i.ifcond)}`;
    out += line + "\n";
    if (i.doc)
      for (const l of i.doc.trim().split("\n")) out += l.trim() ? `    ${l.trim()}\n` : "\n";
  }
  return out;
}

/** The JSON form of an item (`features --json`). */
export function probeItemJson(i: ProbeItem): Record<string, unknown> {
  return {
    kind: i.kind,
    name: i.name,
    special: i.special,
    attachesTo: i.attachesTo,
    definition: i.definition,
    definitionMeta: i.definitionMeta,
    member: i.member,
    branchOf: i.branchOf,
    if: i.ifcond,
    doc: i.doc,
    file: i.info?.fname ?? null,
    line: i.info?.line ?? null,
  };
}
