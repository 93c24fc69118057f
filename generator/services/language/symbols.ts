// What a name at a place stands for (a target: a definition, a member, an enum value, a feature, a
// condition's symbol, a file), and every place that names the same target. The syntax index
// (occurrences.ts) says what each name is where it is written; the model says what the front end
// made of it (which enum a union's branches are values of, which member a discriminator names,
// where a member was declared).

import type { Definition, EnumType, ObjectType, SchemaModel } from "../../model/index.ts";
import type { Diagnostic } from "../../model/source.ts";
import type { SyntaxFile } from "../../model/syntax.ts";
import type { LanguageFacts } from "./facts.ts";
import {
  indexFile,
  occurrenceAt,
  type DefinitionSyntax,
  type FileIndex,
  type Occurrence,
} from "./occurrences.ts";

/** One check of a schema as the language service answers from it. */
export interface SchemaSnapshot {
  /** What passed the front end's checks (errors elsewhere or not). */
  model: SchemaModel;
  /** Every file read, in parse order, each with its syntax tree. */
  files: readonly SyntaxFile[];
  /** The diagnostics of the check (code actions fix some). */
  diagnostics: readonly Diagnostic[];
}

export type Target =
  /** A definition (type, command or event), by name. */
  | { kind: "definition"; name: string }
  /** A member (or an alternate's alternative) of the definition that declares it. */
  | { kind: "member"; definition: string; name: string }
  | { kind: "value"; enum: string; name: string }
  | { kind: "feature"; name: string }
  | { kind: "condition"; name: string }
  | { kind: "file"; file: string };

/** An occurrence and the file it is in. */
export interface Found {
  index: FileIndex;
  occurrence: Occurrence;
}

/** The snapshot's files indexed, and lookups over them (made once per snapshot). */
export class SnapshotIndex {
  readonly files: FileIndex[];
  private readonly byName = new Map<string, FileIndex>();
  private definitionsByName: Map<string, { index: FileIndex; def: DefinitionSyntax }> | null = null;

  constructor(
    readonly facts: LanguageFacts,
    readonly snapshot: SchemaSnapshot,
  ) {
    this.files = snapshot.files.map((f) => indexFile(facts, f));
    for (const f of this.files) this.byName.set(f.syntax.fname, f);
  }

  get model(): SchemaModel {
    return this.snapshot.model;
  }

  file(fname: string): FileIndex | undefined {
    return this.byName.get(fname);
  }

  /** A definition as written, by name (the first one: a second is an error). */
  definition(name: string): { index: FileIndex; def: DefinitionSyntax } | undefined {
    if (!this.definitionsByName) {
      this.definitionsByName = new Map();
      for (const index of this.files)
        for (const def of index.definitions)
          if (!this.definitionsByName.has(def.name))
            this.definitionsByName.set(def.name, { index, def });
    }
    return this.definitionsByName.get(name);
  }

  *occurrences(): Generator<Found> {
    for (const index of this.files)
      for (const occurrence of index.occurrences) yield { index, occurrence };
  }

  at(fname: string, offset: number): Found | null {
    const index = this.file(fname);
    const occurrence = index ? occurrenceAt(index, offset) : null;
    return index && occurrence ? { index, occurrence } : null;
  }

  /** The definition an occurrence is in, as written. */
  definitionOf(found: Found): DefinitionSyntax | undefined {
    const { occurrence: o, index } = found;
    return index.definitions.find((d) => o.start >= d.span.start && o.end <= d.span.end);
  }

  /** What an occurrence names; null for keys and section tags (they name nothing). */
  target(found: Found): Target | null {
    const o = found.occurrence;
    switch (o.kind) {
      case "definition":
      case "type":
      case "doc-symbol":
        return { kind: "definition", name: o.name };
      case "pragma-name":
        return this.definition(o.name) ? { kind: "definition", name: o.name } : null;
      case "member":
        return o.definition === null ? null : this.memberTarget(o.definition, o.name);
      case "value":
        return o.definition === null ? null : { kind: "value", enum: o.definition, name: o.name };
      case "branch":
        return o.definition === null ? null : this.branchTarget(o.definition, o.name);
      case "discriminator": {
        const tag = this.unionTag(o.definition);
        return tag ? { kind: "member", definition: tag.definition, name: tag.name } : null;
      }
      case "feature":
        return { kind: "feature", name: o.name };
      case "condition":
        return { kind: "condition", name: o.name };
      case "include": {
        const file = includedFile(found);
        return file === undefined ? null : { kind: "file", file };
      }
      case "doc-member":
        if (o.owner === "feature") return { kind: "feature", name: o.name };
        return o.definition === null ? null : this.describedTarget(o.definition, o.name);
      case "doc-ref":
        return (
          (o.definition !== null ? this.describedTarget(o.definition, o.name) : null) ??
          (this.definition(o.name) || this.model.lookup(o.name)
            ? { kind: "definition", name: o.name }
            : null)
        );
      default:
        return null;
    }
  }

  /** A member of definition `d` as written there (a union's base member may be inline). */
  private memberTarget(d: string, name: string): Target {
    return { kind: "member", definition: d, name };
  }

  /** A union's branch is a value of its discriminator's enum; an alternate's is its own. */
  private branchTarget(d: string, name: string): Target | null {
    const e = this.model.lookup(d);
    if (e?.meta === "alternate") return { kind: "member", definition: d, name };
    const tag = e?.meta === "object" ? e.branches?.tagMember : undefined;
    if (!tag || tag.type.meta !== "enum") return null;
    // A legacy simple union's implicit enum is its own: its branches are named in the union.
    if (!tag.type.info || tag.type.isImplicit || tag.type.info.defnName === d)
      return { kind: "member", definition: d, name };
    return { kind: "value", enum: tag.type.name, name };
  }

  /** The discriminator member of union `d`: its name and the definition that declares it. */
  unionTag(d: string | null): { definition: string; name: string } | null {
    const e = d === null ? undefined : this.model.lookup(d);
    const tag = e?.meta === "object" ? e.branches?.tagMember : undefined;
    const declared = tag?.info?.defnName;
    return tag && declared ? { definition: declared, name: tag.name } : null;
  }

  /** What `@name` describes in definition `d`'s doc comment: a member, value or alternative. */
  private describedTarget(d: string, name: string): Target | null {
    const found = this.definition(d);
    if (!found) return null;
    for (const o of found.index.occurrences) {
      if (o.definition !== d || o.name !== name || o.start > found.def.span.end) continue;
      if (o.kind === "member") return { kind: "member", definition: d, name };
      if (o.kind === "value") return { kind: "value", enum: d, name };
      if (o.kind === "branch") return this.branchTarget(d, name);
    }
    return null;
  }

  /** Every occurrence naming `t` (declarations included). */
  references(t: Target): Found[] {
    const out: Found[] = [];
    const unions = t.kind === "member" || t.kind === "value" ? this.unionsOf(t) : new Set<string>();
    for (const f of this.occurrences()) {
      const o = f.occurrence;
      if (o.name !== (t.kind === "file" ? o.name : t.name)) continue;
      if (matches(t, o, unions, f, this)) out.push(f);
    }
    return out;
  }

  /** The unions whose discriminator is member `t`, or whose branches are values of enum `t`. */
  private unionsOf(t: Target): Set<string> {
    const out = new Set<string>();
    for (const e of this.model.entities) {
      const tag = e.meta === "object" ? e.branches?.tagMember : undefined;
      if (!tag || !e.info) continue;
      if (t.kind === "member" && tag.name === t.name && tag.info?.defnName === t.definition)
        out.add(e.info.defnName ?? e.name);
      if (t.kind === "value" && tag.type.name === t.enum) out.add(e.info.defnName ?? e.name);
    }
    return out;
  }

  /** The model's entity of a definition as written (commands' and events' too). */
  entity(name: string): Definition | undefined {
    return this.model.lookup(name);
  }

  /** Enum `name`'s type, if it passed its checks. */
  enumType(name: string): EnumType | undefined {
    const e = this.model.lookup(name);
    return e?.meta === "enum" ? e : undefined;
  }

  objectType(name: string): ObjectType | undefined {
    const e = this.model.lookup(name);
    return e?.meta === "object" ? e : undefined;
  }
}

function matches(
  t: Target,
  o: Occurrence,
  unions: Set<string>,
  f: Found,
  index: SnapshotIndex,
): boolean {
  switch (t.kind) {
    case "definition":
      return (
        o.kind === "definition" ||
        o.kind === "type" ||
        o.kind === "doc-symbol" ||
        o.kind === "pragma-name" ||
        (o.kind === "doc-ref" && index.target(f)?.kind === "definition")
      );
    case "member":
      if (o.definition === t.definition)
        return (
          o.kind === "member" ||
          (o.kind === "branch" && index.entity(t.definition)?.meta === "alternate") ||
          (o.kind === "branch" && index.target(f)?.kind === "member") ||
          ((o.kind === "doc-member" || o.kind === "doc-ref") && o.owner !== "feature")
        );
      return o.kind === "discriminator" && o.definition !== null && unions.has(o.definition);
    case "value":
      if (o.definition === t.enum)
        return (
          o.kind === "value" ||
          ((o.kind === "doc-member" || o.kind === "doc-ref") && o.owner !== "feature")
        );
      return o.kind === "branch" && o.definition !== null && unions.has(o.definition);
    case "feature":
      return o.kind === "feature" || (o.kind === "doc-member" && o.owner === "feature");
    case "condition":
      return o.kind === "condition";
    case "file":
      return o.kind === "include" && includedFile(f) === t.file;
  }
}

/** The file an include occurrence names, as the front end names it. */
export function includedFile(f: Found): string | undefined {
  const { syntax } = f.index;
  const expr = syntax.exprs.find((e) => e.start <= f.occurrence.start && f.occurrence.end <= e.end);
  return expr ? syntax.includes.get(expr.start) : undefined;
}

/** The newest release a Since: section names (what a new definition is documented as). */
export function newestSince(index: SnapshotIndex): string {
  let best: number[] = [];
  let text = "";
  for (const e of index.model.entities) {
    const m = e.doc?.since ? /(\d+)\.(\d+)/.exec(e.doc.since.text) : null;
    if (!m) continue;
    const v = [Number(m[1]), Number(m[2])];
    if (v[0]! > (best[0] ?? -1) || (v[0] === best[0] && v[1]! > best[1]!)) {
      best = v;
      text = `${m[1]}.${m[2]}`;
    }
  }
  return text || "1.0";
}
