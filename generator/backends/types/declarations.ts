// The declarations of the types back end, as printer documents: what each kind of QAPI type
// becomes in TypeScript, with its TSDoc.
//
//   enum Foo          `export type Foo = "a" | "b";` and `export const FooValues`, frozen
//   struct Foo        `export interface Foo extends Base { member?: Type; }`
//   union Foo         `export type Foo = Foo_a | Foo_b;`, one interface per tag value, each
//                     extending the base and the branch with the tag narrowed to its value; a
//                     branch that is itself a union makes `Foo_a` the alias of one interface
//                     per leaf of that union (an interface cannot extend a union)
//   alternate Foo     `export type Foo = A | B;`
//   int, int64 ...    aliases of `number` (and `bigint` for the 64-bit ones) in builtin.ts
//
// Integers: the 64-bit integer types are what the output option `int64` chose (INT64_FORMS):
// by default a JSON integer a program receives is a `number` when a double holds it exactly and
// a `bigint` otherwise (the lossless parse of qapi-ts/validate and the QMP client), and
// arguments may use either; the other integer types are `number`s.

import type { ArgSection, Documentation } from "../../model/documentation.ts";
import type {
  AlternateType,
  Condition,
  Definition,
  EnumType,
  Feature,
  ObjectMember,
  ObjectType,
  SchemaModel,
  Type,
} from "../../model/index.ts";
import { conditionHolds, conditionText } from "../../../runtime/conditions.ts";
import {
  INT64_TYPES,
  INTEGER_RANGES,
  type Int64Representation,
  type IntegerType,
} from "../../../runtime/validate/scalars.ts";
import { group, hardline, ifBreak, indent, join, line, softline, type Doc } from "../printer.ts";
import { propertyKey, typeExpression, type TypeNames } from "./names.ts";
import { docComment, docText, type DocContent } from "./tsdoc.ts";

/** Spells a type from the file being written, recording the import it needs. */
export interface Ref {
  (t: Type): string;
  /** An identifier declared in `file`. */
  ident(ident: string, file: string): string;
  /** The declaring file of a type. */
  fileOf(t: Type): string;
}

/** One declaration: the identifier it declares and its text. */
export interface Declaration {
  name: string;
  /** Its TypeScript. */
  doc: Doc;
  /** A value's JavaScript and its declaration (a Declaration without them declares types only). */
  value?: { js: Doc; dts: Doc };
}

/** The type of the 64-bit integer types (int, int64, uint64, size) in each representation. */
const INT64_FORMS: Record<Int64Representation, { type: string; note: string }> = {
  exact: {
    type: "number | bigint",
    note: "Received as a `number` when a double holds it exactly, else as a `bigint`; either may be sent.",
  },
  bigint: {
    type: "bigint",
    note: "Always a `bigint` (the QMP client converts replies and events; the validators refuse a `number`).",
  },
  number: {
    type: "number",
    note: "Always a `number`: a reply integer that a number cannot hold exactly is an error, never rounded.",
  },
};

/** A leaf interface a union's variant declares, and the leaf of the branch union it extends. */
interface Leaf {
  ident: string;
  base: { ident: string; file: string };
}

export class Declarations {
  private readonly leafCache = new Map<string, Leaf[] | null>();
  /** Docs of implicit types belong to their owner (command, event or union). */
  private readonly ownerDoc = new Map<string, Documentation>();
  /** What an implicit type is, for its doc: "Arguments of command `x`." */
  private readonly implicitRole = new Map<string, string>();

  constructor(
    model: SchemaModel,
    private readonly names: TypeNames,
    private readonly defines: ReadonlySet<string> | null,
    private readonly int64: Int64Representation = "exact",
  ) {
    for (const e of model.entities) {
      if ((e.meta === "command" || e.meta === "event") && e.argType?.isImplicit) {
        const role = e.meta === "command" ? "Arguments of command" : "Data of event";
        this.implicitRole.set(e.argType.name, `${role} \`${e.name}\`.`);
        if (e.doc) this.ownerDoc.set(e.argType.name, e.doc);
      }
      if (e.meta === "object" && e.branches && e.base?.isImplicit) {
        const union = names.type(e.name);
        this.implicitRole.set(e.base.name, `Common members of union {@link ${union}}.`);
        if (e.doc) this.ownerDoc.set(e.base.name, e.doc);
      }
    }
  }

  /** Kept in this output: always when conditions are annotated, else when it holds. */
  kept(x: { ifcond: Condition | null }): boolean {
    return this.defines === null || conditionHolds(x.ifcond, this.defines);
  }

  /** The declarations of a definition (none for arrays, natives, commands and events). */
  declare(e: Definition, ref: Ref): Declaration[] {
    if (
      e.meta !== "command" &&
      e.meta !== "event" &&
      e.meta !== "builtin" &&
      !this.names.isDeclared(e.name)
    ) {
      return [];
    }
    switch (e.meta) {
      case "builtin":
        return e.name in INTEGER_RANGES ? [this.integer(e.name as IntegerType)] : [];
      case "enum":
        return this.enumeration(e);
      case "object":
        return e.branches ? this.union(e, ref) : [this.struct(e, ref)];
      case "alternate":
        return [this.alternate(e, ref)];
      default:
        return [];
    }
  }

  private integer(name: IntegerType): Declaration {
    const { min, max } = INTEGER_RANGES[name];
    const notes = [`QAPI built-in \`${name}\`: an integer in [${min}, ${max}].`];
    const big = INT64_TYPES.has(name) ? INT64_FORMS[this.int64] : null;
    if (big) notes.push(big.note);
    return {
      name,
      doc: [docComment({ paras: notes, tags: [] }, 0), alias(name, [big?.type ?? "number"])],
    };
  }

  // -- documentation ------------------------------------------------------------------------

  /** The doc of a definition: body, plain sections, extra paragraphs, then tags. */
  entityDoc(e: Definition, extra: string[] = []): DocContent {
    const doc = e.doc;
    const paras: string[] = [];
    const tags: string[] = [];
    let since: string | null = null;
    // An implicit type's doc belongs to its owner: say whose it is rather than repeat it.
    const role = this.implicitRole.get(e.name);
    if (role) paras.push(role);
    if (doc) {
      paras.push(docText(doc.body.text));
      for (const s of doc.sections) {
        const text = docText(s.text, s.kind !== "Plain");
        if (s.kind === "Plain") paras.push(text);
        else if (s.kind === "Returns") tags.push(`@returns ${text}`);
        else if (s.kind === "Errors")
          tags.push(text.startsWith("- ") ? `@throws\n${text}` : `@throws ${text}`);
        else if (s.kind === "Since") since = text;
        // Todo sections are notes to QEMU's developers, not to users.
      }
    }
    paras.push(...extra);
    paras.push(...this.featureParagraphs(e.features, doc));
    if (this.defines === null && e.ifcond) paras.push(`Only if \`${conditionText(e.ifcond)}\`.`);
    tags.push(...this.featureTags(e.features, doc));
    if (since !== null) tags.push(`@since ${since}`);
    return { paras, tags };
  }

  private featureParagraphs(features: readonly Feature[], doc: Documentation | null): string[] {
    const out: string[] = [];
    for (const f of features) {
      if (!this.kept(f) || f.name === "deprecated") continue;
      const desc = doc?.features.get(f.name);
      const cond =
        this.defines === null && f.ifcond ? ` (only if \`${conditionText(f.ifcond)}\`)` : "";
      const text = desc ? `: ${docText(desc.text, true)}` : ".";
      out.push(
        f.name === "unstable"
          ? `**Unstable**${cond}${text}`
          : `Feature \`${f.name}\`${cond}${text}`,
      );
    }
    return out;
  }

  private featureTags(features: readonly Feature[], doc: Documentation | null): string[] {
    const out: string[] = [];
    for (const f of features) {
      if (!this.kept(f)) continue;
      const desc = doc?.features.get(f.name);
      if (f.name === "deprecated")
        out.push(desc ? `@deprecated ${docText(desc.text, true)}` : "@deprecated");
      else if (f.name === "unstable") out.push("@experimental");
    }
    return out;
  }

  private memberDoc(m: ObjectMember, section: ArgSection | undefined): Doc {
    const paras: string[] = [];
    if (section) paras.push(docText(section.text, true));
    const unstable = m.features.some((f) => f.name === "unstable" && this.kept(f));
    if (unstable) paras.push("**Unstable**.");
    if (this.defines === null && m.ifcond) paras.push(`Only if \`${conditionText(m.ifcond)}\`.`);
    const tags = m.features.some((f) => f.name === "deprecated" && this.kept(f))
      ? ["@deprecated"]
      : [];
    if (unstable) tags.push("@experimental");
    return docComment({ paras, tags }, 2);
  }

  /** A bulleted list of values or branches with their descriptions, conditions and features. */
  private itemList(
    title: string,
    items: readonly { name: string; ifcond: Condition | null; features?: readonly Feature[] }[],
    doc: Documentation | null,
  ): string[] {
    const lines: string[] = [];
    let described = false;
    for (const it of items) {
      const desc = doc?.args.get(it.name);
      const notes: string[] = [];
      if (this.defines === null && it.ifcond) notes.push(`only if \`${conditionText(it.ifcond)}\``);
      for (const f of it.features ?? []) {
        if (this.kept(f)) notes.push(f.name === "unstable" ? "**unstable**" : f.name);
      }
      if (desc || notes.length) described = true;
      const text = desc ? docText(desc.text, true).replace(/\n(?=.)/g, "\n  ") : "";
      const suffix = notes.length ? ` (${notes.join("; ")})` : "";
      lines.push(`- \`${it.name}\`${text ? `: ${text}` : ""}${suffix}`);
    }
    return described ? [`${title}:\n\n${lines.join("\n")}`] : [];
  }

  // -- declarations -------------------------------------------------------------------------

  private enumeration(e: EnumType): Declaration[] {
    const members = e.members.filter((m) => this.kept(m));
    const name = this.names.type(e.name);
    const values = this.names.enumValues(e.name);
    const literals = members.map((m) => JSON.stringify(m.name));
    const doc = this.entityDoc(e, this.itemList("Values", members, e.doc));
    const valuesDoc = docComment(
      { paras: [`Every value of {@link ${name}}, in schema order.`], tags: [] },
      0,
    );
    const list = (open: string, close: string): Doc =>
      group(open, indent(softline, join([",", line], literals), ifBreak(",")), softline, close);
    return [
      { name, doc: [docComment(doc, 0), alias(name, literals)] },
      {
        name: values,
        doc: [valuesDoc, list(`export const ${values} = Object.freeze([`, "] as const);")],
        value: {
          js: [valuesDoc, list(`export const ${values} = Object.freeze([`, "]);")],
          dts: [valuesDoc, list(`export declare const ${values}: readonly [`, "];")],
        },
      },
    ];
  }

  /** An interface's member lines (with their TSDoc). */
  private members(t: ObjectType, ref: Ref, members: readonly ObjectMember[]): Doc[] {
    const doc = t.doc ?? this.ownerDoc.get(t.name) ?? null;
    return members
      .filter((m) => this.kept(m))
      .map((m) => [
        this.memberDoc(m, doc?.args.get(m.name)),
        `${propertyKey(m.name)}${m.optional ? "?" : ""}: ${typeExpression(m.type, ref)};`,
      ]);
  }

  private struct(t: ObjectType, ref: Ref): Declaration {
    const name = this.names.type(t.name);
    const bases = t.base && this.kept(t.base) ? [ref(t.base)] : [];
    const members = this.members(t, ref, t.base ? t.localMembers : t.members);
    return {
      name,
      doc: [docComment(this.entityDoc(t), 0), interfaceDeclaration(name, bases, members)],
    };
  }

  /**
   * A union: the alias of its variants, then one interface per variant extending the base and
   * the branch with the tag narrowed to its value.
   */
  private union(t: ObjectType, ref: Ref): Declaration[] {
    const name = this.names.type(t.name);
    const tag = t.branches!.tagMember;
    const out: Declaration[] = [];
    const variantNames: string[] = [];
    const bases = t.base && this.kept(t.base) ? [ref(t.base)] : [];
    // Unions have no members of their own besides the base's; legacy simple unions have no
    // base, and their implicit tag is a member of their own.
    const own = (t.base ? t.localMembers : t.members).filter((m) => m.name !== tag.name);
    const ownMembers = this.members(t, ref, own);
    const tagMember = (value: string): Doc => `${propertyKey(tag.name)}: ${JSON.stringify(value)};`;
    for (const v of t.branches!.variants) {
      if (!this.kept(v)) continue;
      const variant = this.names.variant(t.name, v.name);
      variantNames.push(variant);
      const paras = [`{@link ${name}} with \`${tag.name}\` = \`${JSON.stringify(v.name)}\`.`];
      if (this.defines === null && v.ifcond) paras.push(`Only if \`${conditionText(v.ifcond)}\`.`);
      const doc = docComment({ paras, tags: [] }, 0);
      const members = [...ownMembers, tagMember(v.name)];
      const nested = this.nestedLeaves(t, v.name, ref);
      if (nested) {
        out.push({
          name: variant,
          doc: [
            doc,
            alias(
              variant,
              nested.map((l) => l.ident),
            ),
          ],
        });
        for (const l of nested) {
          const heads = [...bases, ref.ident(l.base.ident, l.base.file)];
          out.push({ name: l.ident, doc: interfaceDeclaration(l.ident, heads, members) });
        }
        continue;
      }
      const branchIsEmpty = v.type.meta === "object" && v.type.members.length === 0;
      const heads = branchIsEmpty ? bases : [...bases, ref(v.type)];
      out.push({ name: variant, doc: [doc, interfaceDeclaration(variant, heads, members)] });
    }
    const unionDoc = this.entityDoc(t, [`Discriminated on \`${tag.name}\`.`]);
    out.unshift({ name, doc: [docComment(unionDoc, 0), alias(name, variantNames)] });
    return out;
  }

  /**
   * The interfaces a union's variant declares when its branch is itself a union (one per leaf
   * of that union, each extending the leaf), or null for an ordinary branch. Computed once per
   * variant: a union that has this union as a branch refers to the same names.
   */
  private nestedLeaves(u: ObjectType, tagValue: string, ref: Ref): Leaf[] | null {
    const key = `${u.name}\u0000${tagValue}`;
    if (this.leafCache.has(key)) return this.leafCache.get(key)!;
    const v = u.branches!.variants.find((x) => x.name === tagValue)!;
    let leaves: Leaf[] | null = null;
    if (v.type.meta === "object" && v.type.branches) {
      const variant = this.names.variant(u.name, v.name);
      leaves = this.leaves(v.type, ref).map((base) => ({
        ident: this.names.take(
          `${variant}_${base.ident.slice(this.names.type(v.type.name).length + 1)}`,
        ),
        base,
      }));
    }
    this.leafCache.set(key, leaves);
    return leaves;
  }

  /** The interfaces a union's values are, as the union declares them (nested unions flattened). */
  private leaves(u: ObjectType, ref: Ref): { ident: string; file: string }[] {
    const file = ref.fileOf(u);
    const out: { ident: string; file: string }[] = [];
    for (const v of u.branches!.variants) {
      if (!this.kept(v)) continue;
      const nested = this.nestedLeaves(u, v.name, ref);
      if (nested) for (const l of nested) out.push({ ident: l.ident, file });
      else out.push({ ident: this.names.variant(u.name, v.name), file });
    }
    return out;
  }

  private alternate(t: AlternateType, ref: Ref): Declaration {
    const name = this.names.type(t.name);
    const variants = t.branches.variants.filter((v) => this.kept(v));
    const doc = this.entityDoc(t, this.itemList("Branches", variants, t.doc));
    const parts: string[] = [];
    for (const v of variants) {
      const p = typeExpression(v.type, ref);
      if (!parts.includes(p)) parts.push(p);
    }
    return { name, doc: [docComment(doc, 0), alias(name, parts)] };
  }
}

/** `export type N = A | B;`, broken after `=` and before each `|` when it does not fit. */
export function alias(name: string, parts: readonly string[]): Doc {
  if (parts.length === 0) parts = ["never"];
  if (parts.length === 1) return group(`export type ${name} =`, indent(line, parts[0]!), ";");
  return group(
    `export type ${name} =`,
    indent(line, ifBreak("| "), join([line, "| "], parts)),
    ";",
  );
}

/** `export interface N extends A, B { ... }`, members one per line. */
export function interfaceDeclaration(
  name: string,
  bases: readonly string[],
  members: readonly Doc[],
): Doc {
  const head: Doc = bases.length
    ? group(`export interface ${name}`, indent(line, "extends ", indent(join([",", line], bases))))
    : `export interface ${name}`;
  if (members.length === 0) return [head, " {}"];
  return [head, " {", indent(hardline, join(hardline, members)), hardline, "}"];
}
