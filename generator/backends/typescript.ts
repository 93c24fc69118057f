// The TypeScript types back end: one module per QAPI module plus index.ts (layout and naming in
// names.ts). A pure function of the model. The text is produced already in prettier's style
// (printWidth 80, double quotes, trailing commas): the few constructs whose layout depends on
// width (unions, extends lists, imports, value arrays, one-line docs) and member lines (there
// are thousands) are laid out here; the shape of files and declarations is in the templates
// (templates/ts-module.hbs, ts-index.hbs).

import Handlebars from "handlebars";
import type { Backend, BackendOptions, GeneratedFile } from "../backend.ts";
import type { ArgSection, QAPIDoc } from "../doc.ts";
import { conditionHolds, conditionText, type Condition } from "../../runtime/conditions.ts";
import { QAPIError } from "../source.ts";
import type {
  AlternateType,
  Command,
  Definition,
  EnumType,
  Event,
  Feature,
  ObjectMember,
  ObjectType,
  SchemaModel,
  Type,
} from "../model.ts";
import {
  INDEX_FILE,
  INTEGER_TYPES,
  enumValuesIdent,
  fileOf,
  generatedHeader,
  importSpecifier,
  moduleFiles,
  propertyKey,
  stringLiteral,
  typeExpr,
  typeIdent,
  unionVariantIdent,
} from "./names.ts";
import moduleTemplate from "./templates/ts-module.hbs";
import indexTemplate from "./templates/ts-index.hbs";

const PRINT_WIDTH = 80;

/** The flag ts-module.hbs tests to pick a declaration's shape. */
const KIND_FLAG = { enum: "isEnum", interface: "isInterface", alias: "isAlias" } as const;

/** A declaration's view for the module template; `name` is the TypeScript name it declares. */
type Decl = { kind: "enum" | "interface" | "alias"; name: string } & Record<string, unknown>;

/** Spells a declared type (or a declaration by identifier and file) from the current file. */
type Ref = ((t: Type) => string) & { ident(ident: string, file: string): string };
const EMPTY_OBJECT = "Record<string, never>";

// ---------------------------------------------------------------------------------------------
// Templates (compiled once per process, on first use)

interface Templates {
  module: HandlebarsTemplateDelegate;
  index: HandlebarsTemplateDelegate;
}
let templates: Templates | null = null;

function getTemplates(): Templates {
  if (templates) return templates;
  const hb = Handlebars.create();
  // Only the built-in block helpers, no @data: the compiled code skips the generic lookups.
  const opts = { noEscape: true, strict: true, data: false, knownHelpersOnly: true };
  templates = { module: hb.compile(moduleTemplate, opts), index: hb.compile(indexTemplate, opts) };
  return templates;
}

// ---------------------------------------------------------------------------------------------
// Width-dependent layout, as prettier prints it

/** `export type N = A | B;`, or one `| A` per line when that does not fit. */
function layoutAlias(ident: string, parts: string[]): string {
  const head = `export type ${ident} =`;
  if (parts.length === 0) parts = ["never"];
  const oneLine = `${head} ${parts.join(" | ")};`;
  if (oneLine.length <= PRINT_WIDTH) return oneLine;
  if (parts.length === 1) return `${head}\n  ${parts[0]};`;
  return `${head}\n${parts.map((p) => `  | ${p}`).join("\n")};`;
}

/** `export interface N extends A, B` (without the brace), broken before `extends` if too long. */
function layoutInterfaceHead(ident: string, bases: string[], emptyBody: boolean): string {
  const tail = emptyBody ? " {}" : " {";
  const oneLine = `export interface ${ident}${bases.length ? ` extends ${bases.join(", ")}` : ""}`;
  if (bases.length === 0 || (oneLine + tail).length <= PRINT_WIDTH) return oneLine;
  return `export interface ${ident}\n  extends ${bases.join(",\n    ")}`;
}

function layoutValues(ident: string, values: string[]): string {
  const oneLine = `export const ${ident} = Object.freeze([${values.join(", ")}] as const);`;
  if (oneLine.length <= PRINT_WIDTH) return oneLine;
  return `export const ${ident} = Object.freeze([\n${values.map((v) => `  ${v},\n`).join("")}] as const);`;
}

function layoutImport(names: string[], spec: string): string {
  const oneLine = `import type { ${names.join(", ")} } from "${spec}";`;
  if (oneLine.length <= PRINT_WIDTH) return oneLine;
  return `import type {\n${names.map((n) => `  ${n},\n`).join("")}} from "${spec}";`;
}

/** One member of an interface, as prettier prints it (built here: thousands per schema). */
function memberLine(doc: string, name: string, optional: boolean, type: string): string {
  return `${doc}  ${propertyKey(name)}${optional ? "?" : ""}: ${type};`;
}

// ---------------------------------------------------------------------------------------------
// TSDoc

/** A doc comment's content: free paragraphs, then block tags (which absorb what follows them). */
interface DocContent {
  paras: string[];
  tags: string[];
}

/**
 * Doc text as markdown: dedented, QEMU's reST directives (examples, notes) in markdown form,
 * `@member` references as code, no comment terminator. `argument` text starts right after
 * "@name:", so only its continuation lines share an indentation.
 */
function docText(text: string, argument = false): string {
  // Most descriptions are one line: skip the general path.
  if (!text.includes("\n")) {
    const line = text.trim();
    return line.includes("@") ||
      line.includes("``") ||
      line.includes("*/") ||
      line.startsWith(".. ")
      ? docText(line + "\n", argument)
      : line;
  }
  const lines = text.split("\n").map((l) => l.trimEnd());
  while (lines.length && lines[0] === "") lines.shift();
  while (lines.length && lines[lines.length - 1] === "") lines.pop();
  if (lines.length === 0) return "";
  let cut = Infinity;
  for (let i = argument ? 1 : 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l !== "") cut = Math.min(cut, l.length - l.trimStart().length);
  }
  if (cut === Infinity) cut = 0;
  const dedented = lines.map((l, i) => (argument && i === 0 ? l.trimStart() : l.slice(cut)));
  let md: string;
  if (!text.includes(".. ") && !LEGACY_EXAMPLE.test(text)) {
    md = dedented.join("\n");
    if (md.includes("@")) md = md.replace(MEMBER_REF, "`$1`");
    if (md.includes("``")) md = md.replace(RST_LITERAL, "`$1`");
  } else
    md = rstToMarkdown(dedented)
      .map(({ code, line }) => (code ? line : line.replace(MEMBER_REF, "`$1`")))
      .join("\n");
  return md.includes("*/") ? md.replace(/\*\//g, "*\\/") : md;
}

const MEMBER_REF = /@([A-Za-z_][\w-]*(?:\.[\w-]+)*)/g;
const RST_LITERAL = /``([^`]+)``/g;
/** Before QEMU 9, examples were bare `->`/`<-` lines in a plain section. */
const LEGACY_EXAMPLE = /^\s*(->|<-) /m;
const ADMONITION = /^(\s*)\.\. (note|caution|warning|important|tip|admonition)::\s*(.*)$/;
const EXAMPLE = /^(\s*)\.\. qmp-example::\s*$/;

/** The reST directives QEMU's doc comments use, as markdown; `code` lines are left verbatim. */
function rstToMarkdown(lines: string[]): { code: boolean; line: string }[] {
  const out: { code: boolean; line: string }[] = [];
  const indentOf = (l: string) => l.length - l.trimStart().length;
  /** The directive's content: the following blank or more-indented lines, dedented. */
  const block = (from: number, indent: number): { body: string[]; next: number } => {
    let i = from;
    while (i < lines.length && (lines[i] === "" || indentOf(lines[i]!) > indent)) i++;
    let end = i;
    while (end > from && lines[end - 1] === "") end--;
    const body = lines.slice(from, end);
    const cut = Math.min(...body.filter((l) => l !== "").map(indentOf));
    return { body: body.map((l) => l.slice(Number.isFinite(cut) ? cut : 0)), next: i };
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const ex = EXAMPLE.exec(line);
    if (ex) {
      const indent = ex[1]!.length;
      let title = "";
      let j = i + 1;
      for (
        let opt: RegExpExecArray | null;
        j < lines.length && (opt = /^\s+:(\w+):\s*(.*)$/.exec(lines[j]!));
        j++
      )
        if (opt[1] === "title") title = opt[2]!;
      const { body, next } = block(j, indent);
      while (body.length && body[0] === "") body.shift();
      out.push({ code: false, line: `${" ".repeat(indent)}Example${title ? `: ${title}` : ":"}` });
      out.push({ code: false, line: "" });
      out.push({ code: true, line: `${" ".repeat(indent)}\`\`\`` });
      for (const b of body) out.push({ code: true, line: b === "" ? "" : " ".repeat(indent) + b });
      out.push({ code: true, line: `${" ".repeat(indent)}\`\`\`` });
      if (next < lines.length) out.push({ code: false, line: "" });
      i = next - 1;
      continue;
    }
    const arrow = /^(\s*)(->|<-) /.exec(line);
    if (arrow) {
      // The exchange runs to the first blank line not followed by another `->`/`<-` line.
      let end = i + 1;
      for (;;) {
        while (end < lines.length && lines[end] !== "") end++;
        let next = end;
        while (next < lines.length && lines[next] === "") next++;
        if (next < lines.length && /^\s*(->|<-) /.test(lines[next]!)) end = next + 1;
        else break;
      }
      const pad = arrow[1]!;
      out.push({ code: true, line: `${pad}\`\`\`` });
      for (const b of lines.slice(i, end)) out.push({ code: true, line: b });
      out.push({ code: true, line: `${pad}\`\`\`` });
      i = end - 1;
      continue;
    }
    const ad = ADMONITION.exec(line);
    if (ad) {
      const indent = ad[1]!.length;
      const kind = ad[2] === "admonition" ? ad[3]! : ad[2]![0]!.toUpperCase() + ad[2]!.slice(1);
      const first = ad[2] === "admonition" ? "" : ad[3]!;
      const { body, next } = block(i + 1, indent);
      const pad = " ".repeat(indent);
      out.push({ code: false, line: `${pad}**${kind}:**${first ? ` ${first}` : ""}` });
      for (const b of body) out.push({ code: false, line: b === "" ? "" : pad + b });
      if (next < lines.length) out.push({ code: false, line: "" });
      i = next - 1;
      continue;
    }
    out.push({ code: false, line: line.replace(RST_LITERAL, "`$1`") });
  }
  // Collapse the blank lines the conversions may have doubled.
  return out.filter((l, k) => !(l.line === "" && !l.code && k > 0 && out[k - 1]!.line === ""));
}

function renderDoc(content: DocContent, indent: string): string {
  const lines: string[] = [];
  for (const p of content.paras) {
    if (p === "") continue;
    if (lines.length) lines.push("");
    lines.push(...p.split("\n"));
  }
  // Block tags come last: each runs until the next one.
  if (content.tags.length && lines.length) lines.push("");
  for (const t of content.tags) lines.push(...t.split("\n"));
  if (lines.length === 0) return "";
  if (lines.length === 1) {
    const single = `${indent}/** ${lines[0]} */`;
    if (single.length <= PRINT_WIDTH) return `${single}\n`;
  }
  return `${indent}/**\n${lines.map((l) => (l === "" ? `${indent} *` : `${indent} * ${l}`)).join("\n")}\n${indent} */\n`;
}

// ---------------------------------------------------------------------------------------------
// The back end

export const typescriptBackend: Backend = (model, options) =>
  new TypesGenerator(model, options).run();

class TypesGenerator {
  private readonly files: Map<string, string>;
  private readonly defines: ReadonlySet<string> | null;
  /** Docs of implicit types belong to their owner (command, event or union). */
  private readonly ownerDoc = new Map<string, QAPIDoc>();
  /** What an implicit type is, for its doc: "Arguments of command `x`." */
  private readonly implicitRole = new Map<string, string>();

  constructor(
    private readonly model: SchemaModel,
    private readonly options: BackendOptions,
  ) {
    this.files = moduleFiles(model);
    this.defines = options.defines;
    for (const e of model.entities) {
      if ((e.meta === "command" || e.meta === "event") && e.argType?.isImplicit) {
        this.implicitRole.set(
          e.argType.name,
          `${e.meta === "command" ? "Arguments of command" : "Data of event"} \`${e.name}\`.`,
        );
        if (e.doc) this.ownerDoc.set(e.argType.name, e.doc);
      }
      if (e.meta === "object" && e.branches && e.base?.isImplicit) {
        this.implicitRole.set(e.base.name, `Common members of union {@link ${typeIdent(e.name)}}.`);
        if (e.doc) this.ownerDoc.set(e.base.name, e.doc);
      }
    }
  }

  /** Kept in this output: always when conditions are annotated, else when it holds. */
  private kept(x: { ifcond: Condition | null }): boolean {
    return this.defines === null || conditionHolds(x.ifcond, this.defines);
  }

  run(): GeneratedFile[] {
    const out: GeneratedFile[] = [];
    const header = generatedHeader(this.options.schemaFile).trimEnd();
    const t = getTemplates();
    const moduleFilesEmitted: string[] = [];
    const declared = new Map<string, Definition>();
    for (const m of this.model.modules) {
      const file = this.files.get(m.name)!;
      const imports = new Map<string, Set<string>>();
      const ref = this.makeRef(file, imports);
      const decls: Decl[] = [];
      for (const e of m.entities) {
        if (!this.kept(e)) continue;
        for (const d of this.declare(e, ref)) {
          // QAPI names are unique, but union variants add names of their own.
          const other = declared.get(d.name);
          if (other)
            throw new QAPIError(
              e.info,
              `TypeScript name '${d.name}' of ${e.name} collides with ${other.name}'s`,
            );
          declared.set(d.name, e);
          decls.push(d);
        }
      }
      if (decls.length === 0) continue;
      moduleFilesEmitted.push(file);
      out.push({
        path: file,
        content: t.module({
          header,
          imports: this.importLines(file, imports),
          decls: decls.map((d) => Object.assign(d, { [KIND_FLAG[d.kind]]: true })),
        }),
      });
    }
    out.push(this.index(header, moduleFilesEmitted));
    return out;
  }

  /** A reference from `file` to a declaration, recording the import it needs. */
  private makeRef(file: string, imports: Map<string, Set<string>>): Ref {
    const byIdent = (ident: string, target: string): string => {
      if (target !== file) {
        if (!imports.has(target)) imports.set(target, new Set());
        imports.get(target)!.add(ident);
      }
      return ident;
    };
    return Object.assign((d: Type) => byIdent(typeIdent(d.name), fileOf(this.files, d)), {
      ident: byIdent,
    });
  }

  private importLines(file: string, imports: Map<string, Set<string>>): string[] {
    return [...imports.keys()]
      .sort()
      .map((target) =>
        layoutImport([...imports.get(target)!].sort(), importSpecifier(file, target)),
      );
  }

  private declare(e: Definition, ref: Ref): Decl[] {
    switch (e.meta) {
      case "builtin": {
        const range = INTEGER_TYPES[e.name];
        if (!range) return [];
        const notes = [`QAPI built-in \`${e.name}\`: an integer in [${range.min}, ${range.max}].`];
        if (range.max > 2n ** 53n)
          notes.push("JavaScript numbers hold integers exactly only up to 2^53 in magnitude.");
        return [
          {
            kind: "alias",
            name: e.name,
            doc: renderDoc({ paras: notes, tags: [] }, ""),
            alias: layoutAlias(e.name, ["number"]),
          },
        ];
      }
      case "enum":
        return [this.declareEnum(e)];
      case "array":
        return [];
      case "object":
        return e.branches ? this.declareUnion(e, ref) : [this.declareStruct(e, ref)];
      case "alternate":
        return [this.declareAlternate(e, ref)];
      case "command":
      case "event":
        return [];
    }
  }

  // -- documentation ----------------------------------------------------------------------------

  /** The doc of a definition: body, plain sections, extra paragraphs, then tags. */
  private entityDoc(e: Definition, extra: string[] = []): DocContent {
    // An implicit type's doc belongs to its owner: say whose it is rather than repeat it.
    const doc = e.doc;
    const paras: string[] = [];
    const tags: string[] = [];
    let since: string | null = null;
    const role = this.implicitRole.get(e.name);
    if (role) paras.push(role);
    if (doc) {
      paras.push(docText(doc.body.text));
      for (const s of doc.sections) {
        const text = docText(s.text, s.kind !== "Plain");
        if (s.kind === "Plain") paras.push(text);
        else if (s.kind === "Returns") tags.push(`@returns ${text}`);
        else if (s.kind === "Errors") tags.push(`@throws ${text}`);
        else if (s.kind === "Since") since = text;
        // Todo sections are notes to QEMU's developers, not to users.
      }
    }
    paras.push(...extra);
    paras.push(...this.featureParas(e.features, doc));
    if (this.defines === null && e.ifcond) paras.push(`Only if \`${conditionText(e.ifcond)}\`.`);
    tags.push(...this.featureTags(e.features, doc));
    if (since !== null) tags.push(`@since ${since}`);
    return { paras, tags };
  }

  private featureParas(features: Feature[], doc: QAPIDoc | null): string[] {
    const out: string[] = [];
    for (const f of features) {
      if (!this.kept(f)) continue;
      const desc = doc?.features.get(f.name);
      const cond =
        this.defines === null && f.ifcond ? ` (only if \`${conditionText(f.ifcond)}\`)` : "";
      if (f.name === "unstable")
        out.push(`**Unstable**${cond}${desc ? `: ${docText(desc.text, true)}` : "."}`);
      else if (f.name !== "deprecated")
        out.push(`Feature \`${f.name}\`${cond}${desc ? `: ${docText(desc.text, true)}` : "."}`);
    }
    return out;
  }

  private featureTags(features: Feature[], doc: QAPIDoc | null): string[] {
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

  private memberDoc(m: ObjectMember, section: ArgSection | undefined, indent: string): string {
    // The common case, a plain description: no arrays to build.
    if (m.features.length === 0 && (m.ifcond === null || this.defines !== null)) {
      if (!section) return "";
      const text = docText(section.text, true);
      if (text === "") return "";
      if (!text.includes("\n")) {
        const single = `${indent}/** ${text} */\n`;
        if (single.length <= PRINT_WIDTH + 1) return single;
      }
    }
    const paras: string[] = [];
    if (section) paras.push(docText(section.text, true));
    const unstable = m.features.some((f) => f.name === "unstable" && this.kept(f));
    if (unstable) paras.push("**Unstable**.");
    if (this.defines === null && m.ifcond) paras.push(`Only if \`${conditionText(m.ifcond)}\`.`);
    const tags = m.features.some((f) => f.name === "deprecated" && this.kept(f))
      ? ["@deprecated"]
      : [];
    if (unstable) tags.push("@experimental");
    return renderDoc({ paras, tags }, indent);
  }

  /** A bulleted list of values or branches with their descriptions, conditions and features. */
  private itemList(
    title: string,
    items: { name: string; ifcond: Condition | null; features?: Feature[] }[],
    doc: QAPIDoc | null,
  ): string[] {
    const lines: string[] = [];
    let described = false;
    for (const it of items) {
      const desc = doc?.args.get(it.name);
      const notes: string[] = [];
      if (this.defines === null && it.ifcond) notes.push(`only if \`${conditionText(it.ifcond)}\``);
      for (const f of it.features ?? [])
        if (this.kept(f)) notes.push(f.name === "unstable" ? "**unstable**" : f.name);
      if (desc || notes.length) described = true;
      const text = desc ? docText(desc.text, true).replace(/\n(?=.)/g, "\n  ") : "";
      const suffix = notes.length ? ` (${notes.join("; ")})` : "";
      lines.push(`- \`${it.name}\`${text ? `: ${text}` : ""}${suffix}`);
    }
    return described ? [`${title}:\n\n${lines.join("\n")}`] : [];
  }

  // -- declarations -----------------------------------------------------------------------------

  private declareEnum(e: EnumType): Decl {
    const members = e.members.filter((m) => this.kept(m));
    const ident = typeIdent(e.name);
    const doc = this.entityDoc(e, this.itemList("Values", members, e.doc));
    return {
      kind: "enum",
      name: ident,
      doc: renderDoc(doc, ""),
      valuesDoc: renderDoc(
        { paras: [`Every value of {@link ${ident}}, in schema order.`], tags: [] },
        "",
      ),
      alias: layoutAlias(
        ident,
        members.map((m) => stringLiteral(m.name)),
      ),
      values: layoutValues(
        enumValuesIdent(e.name),
        members.map((m) => stringLiteral(m.name)),
      ),
    };
  }

  /** An interface's member lines (with their TSDoc), ready for the template. */
  private membersView(t: ObjectType, ref: Ref, members: ObjectMember[]): string[] {
    const doc = t.doc ?? this.ownerDoc.get(t.name) ?? null;
    return members
      .filter((m) => this.kept(m))
      .map((m) =>
        memberLine(
          this.memberDoc(m, doc?.args.get(m.name), "  "),
          m.name,
          m.optional,
          typeExpr(m.type, ref),
        ),
      );
  }

  private declareStruct(t: ObjectType, ref: Ref): Decl {
    const ident = typeIdent(t.name);
    const bases = t.base && this.kept(t.base) ? [ref(t.base)] : [];
    const locals = t.base ? t.localMembers : t.members;
    const members = this.membersView(t, ref, locals);
    return {
      kind: "interface",
      name: ident,
      doc: renderDoc(this.entityDoc(t), ""),
      head: layoutInterfaceHead(ident, bases, members.length === 0),
      members,
    };
  }

  /**
   * A union: the alias of its variants, then one interface per variant extending the base and
   * the branch with the tag narrowed to its value. A branch that is itself a union cannot be
   * extended, so such a variant is the alias of one interface per leaf of that union.
   */
  private declareUnion(t: ObjectType, ref: Ref): Decl[] {
    const ident = typeIdent(t.name);
    const tag = t.branches!.tagMember;
    const decls: Decl[] = [];
    const variantIdents: string[] = [];
    const bases: string[] = [];
    if (t.base && this.kept(t.base)) bases.push(ref(t.base));
    // Unions have no members of their own besides the base's in today's QAPI; keep any.
    // (Legacy simple unions have no base: their implicit tag is a member of their own.)
    const own = (t.base ? t.localMembers : t.members).filter((m) => m.name !== tag.name);
    const ownMembers = this.membersView(t, ref, own);
    const tagMember = (v: string) => memberLine("", tag.name, false, stringLiteral(v));
    for (const v of t.branches!.variants) {
      if (!this.kept(v)) continue;
      const vIdent = unionVariantIdent(t.name, v.name);
      variantIdents.push(vIdent);
      const paras = [`{@link ${ident}} with \`${tag.name}\` = \`${stringLiteral(v.name)}\`.`];
      if (this.defines === null && v.ifcond) paras.push(`Only if \`${conditionText(v.ifcond)}\`.`);
      const doc = renderDoc({ paras, tags: [] }, "");
      const members = [...ownMembers, tagMember(v.name)];
      if (v.type.meta === "object" && v.type.branches) {
        const leaves = this.unionLeaves(v.type);
        decls.push({
          kind: "alias",
          name: vIdent,
          doc,
          alias: layoutAlias(
            vIdent,
            leaves.map((l) => `${vIdent}_${l.suffix}`),
          ),
        });
        for (const l of leaves) {
          const leafIdent = `${vIdent}_${l.suffix}`;
          const head = layoutInterfaceHead(
            leafIdent,
            [...bases, ref.ident(l.ident, l.file)],
            false,
          );
          decls.push({ kind: "interface", name: leafIdent, doc: "", head, members });
        }
        continue;
      }
      const branchIsEmpty = v.type.meta === "object" && v.type.members.length === 0;
      const head = layoutInterfaceHead(
        vIdent,
        branchIsEmpty ? bases : [...bases, ref(v.type)],
        false,
      );
      decls.push({ kind: "interface", name: vIdent, doc, head, members });
    }
    decls.unshift({
      kind: "alias",
      name: ident,
      doc: renderDoc(this.entityDoc(t, [`Discriminated on \`${tag.name}\`.`]), ""),
      alias: layoutAlias(ident, variantIdents),
    });
    return decls;
  }

  /** The interfaces a union alternates between (nested unions flattened), as declared. */
  private unionLeaves(u: ObjectType): { ident: string; file: string; suffix: string }[] {
    const file = fileOf(this.files, u);
    const out: { ident: string; file: string; suffix: string }[] = [];
    for (const v of u.branches!.variants) {
      if (!this.kept(v)) continue;
      const vIdent = unionVariantIdent(u.name, v.name);
      const suffix = vIdent.slice(typeIdent(u.name).length + 1);
      if (v.type.meta === "object" && v.type.branches)
        for (const l of this.unionLeaves(v.type))
          out.push({ ident: `${vIdent}_${l.suffix}`, file, suffix: `${suffix}_${l.suffix}` });
      else out.push({ ident: vIdent, file, suffix });
    }
    return out;
  }

  private declareAlternate(t: AlternateType, ref: Ref): Decl {
    const ident = typeIdent(t.name);
    const variants = t.branches.variants.filter((v) => this.kept(v));
    const doc = this.entityDoc(t, this.itemList("Branches", variants, t.doc));
    const parts: string[] = [];
    for (const v of variants) {
      const p = typeExpr(v.type, ref);
      if (!parts.includes(p)) parts.push(p);
    }
    return {
      kind: "alias",
      name: ident,
      doc: renderDoc(doc, ""),
      alias: layoutAlias(ident, parts),
    };
  }

  // -- index.ts ---------------------------------------------------------------------------------

  private index(header: string, moduleFileNames: string[]): GeneratedFile {
    const imports = new Map<string, Set<string>>();
    const ref = this.makeRef(INDEX_FILE, imports);
    const commands: object[] = [];
    const events: object[] = [];
    for (const e of this.model.entities) {
      if (!this.kept(e)) continue;
      if (e.meta === "command") commands.push(this.commandView(e, ref));
      else if (e.meta === "event") events.push(this.eventView(e, ref));
    }
    const content = getTemplates().index({
      header,
      imports: this.importLines(INDEX_FILE, imports),
      reexports: moduleFileNames.map((f) => importSpecifier(INDEX_FILE, f)),
      commands,
      events,
    });
    return { path: INDEX_FILE, content };
  }

  private argsExpr(argType: ObjectType | null, ref: Ref): string {
    if (!argType || !this.kept(argType)) return EMPTY_OBJECT;
    if (argType.isImplicit && argType.members.length === 0 && !argType.branches)
      return EMPTY_OBJECT;
    return typeExpr(argType, ref);
  }

  private commandView(c: Command, ref: Ref): object {
    const extra: string[] = [];
    if (c.allowOob) extra.push("Can run out of band (`exec-oob`).");
    if (!c.successResponse) extra.push("QEMU sends no success response to this command.");
    return {
      doc: renderDoc(this.entityDoc(c, extra), "  "),
      key: propertyKey(c.name),
      args: this.argsExpr(c.argType, ref),
      returns: c.retType ? typeExpr(c.retType, ref) : EMPTY_OBJECT,
    };
  }

  private eventView(e: Event, ref: Ref): object {
    return {
      doc: renderDoc(this.entityDoc(e), "  "),
      key: propertyKey(e.name),
      data: this.argsExpr(e.argType, ref),
    };
  }
}
