// Every name written in a schema file, with what it is: a definition's name, a type used, a member,
// an enum value, a branch, a discriminator, a feature, a condition's symbol, an included file, a
// key of the language, and in doc comments the documented symbol, the descriptions' names,
// section tags and `@name` references. Read from the file's syntax tree (model/syntax.ts) by the
// key table (facts.ts): each key's shape says what the strings of its value are. This index is
// what navigation, hover, completion, rename and highlighting look things up in.

import type { Documentation } from "../../model/documentation.ts";
import type {
  SyntaxDoc,
  SyntaxFile,
  SyntaxObject,
  SyntaxString,
  SyntaxValue,
  TextSpan,
} from "../../model/syntax.ts";
import { shorthandKey, type KeyFact, type LanguageFacts } from "./facts.ts";
import { LineMap } from "./positions.ts";

export type OccurrenceKind =
  /** A definition's name (the value of its defining key). */
  | "definition"
  /** A type's name where it is used (members, 'base', 'returns', branches, array types). */
  | "type"
  /** A member's name where it is declared (without the '*' of an optional one). */
  | "member"
  /** An enum value's name where it is declared. */
  | "value"
  /** A union's branch (a value of its discriminator's enum) or an alternate's alternative. */
  | "branch"
  /** The value of 'discriminator': a member's name. */
  | "discriminator"
  | "feature"
  /** A symbol of an 'if' condition (or a legacy condition's whole text). */
  | "condition"
  /** The file an include directive names. */
  | "include"
  /** A key of the language ('data', 'base', 'if', 'type', ...). */
  | "key"
  /** A definition's defining key ('struct', 'command', ...). */
  | "meta"
  /** A name in a pragma's list (a definition's or member's). */
  | "pragma-name"
  /** `@Name:` opening a definition's doc comment. */
  | "doc-symbol"
  /** `@name:` describing a member, value, branch or feature. */
  | "doc-member"
  /** A section tag: 'Returns:', 'Errors:', 'Since:', 'TODO:', 'Features:'. */
  | "doc-section"
  /** `@name` in documentation text. */
  | "doc-ref";

export interface Occurrence extends TextSpan {
  kind: OccurrenceKind;
  name: string;
  /** The definition it is part of (or documents); null outside any. */
  definition: string | null;
  /**
   * What within the definition it belongs to: for a feature, the member or value that has it
   * (null: the definition); for a member, "base" when it is of a union's inline base; for a
   * doc-member, "feature" when it describes one.
   */
  owner: string | null;
  /** For "type": the name is an array's element type (`['Name']`). */
  array?: boolean;
}

/** A definition as written: its name, meta-type, value, and its doc comment. */
export interface DefinitionSyntax {
  name: string;
  meta: string;
  value: SyntaxObject;
  /** Its defining key's value (the name as written). */
  nameString: SyntaxString;
  doc: SyntaxDoc | null;
  /** From its doc comment (if any) to its closing brace. */
  span: TextSpan;
}

export interface FileIndex {
  syntax: SyntaxFile;
  lines: LineMap;
  /** In text order. */
  occurrences: Occurrence[];
  definitions: DefinitionSyntax[];
}

interface Context {
  definition: string | null;
  meta: string | null;
  owner: string | null;
}

const cache = new WeakMap<SyntaxFile, FileIndex>();

/** The index of a file's syntax (computed once per syntax tree). */
export function indexFile(facts: LanguageFacts, syntax: SyntaxFile): FileIndex {
  let index = cache.get(syntax);
  if (!index) cache.set(syntax, (index = new Indexer(facts, syntax).run()));
  return index;
}

/** The innermost occurrence at `offset` (an occurrence's end counts: a cursor after a word). */
export function occurrenceAt(index: FileIndex, offset: number): Occurrence | null {
  const occ = index.occurrences;
  let lo = 0;
  let hi = occ.length - 1;
  let best: Occurrence | null = null;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (occ[mid]!.start <= offset) lo = mid + 1;
    else hi = mid - 1;
  }
  for (let i = hi; i >= 0 && i >= hi - 4; i--) {
    const o = occ[i]!;
    if (o.start <= offset && offset <= o.end && (!best || o.start > best.start)) best = o;
  }
  return best;
}

class Indexer {
  private readonly out: Occurrence[] = [];
  private readonly definitions: DefinitionSyntax[] = [];
  private readonly lines: LineMap;

  constructor(
    private readonly facts: LanguageFacts,
    private readonly syntax: SyntaxFile,
  ) {
    this.lines = new LineMap(syntax.text);
  }

  run(): FileIndex {
    const docs = [...this.syntax.docs];
    let prevEnd = 0;
    for (const v of this.syntax.exprs) {
      // The doc comment right before it (after the expression before), if any.
      let doc: SyntaxDoc | null = null;
      while (docs.length && docs[0]!.start < v.start) {
        const d = docs.shift()!;
        if (d.start >= prevEnd) doc = d;
      }
      this.topLevel(v, doc);
      prevEnd = v.end;
    }
    const documented = new Map<SyntaxDoc, string | null>();
    for (const d of this.definitions) if (d.doc) documented.set(d.doc, d.name);
    for (const d of this.syntax.docs) {
      if (d.doc) this.docComment(d, d.doc, documented.get(d) ?? d.doc.symbol);
    }
    this.out.sort((a, b) => a.start - b.start);
    return {
      syntax: this.syntax,
      lines: this.lines,
      occurrences: this.out,
      definitions: this.definitions,
    };
  }

  private add(
    s: SyntaxString,
    kind: Occurrence["kind"],
    ctx: Context,
    name = s.value,
    start = s.start + 1,
  ): void {
    // The string's text, inside its quotes (which an unterminated string may lack).
    const end = this.syntax.text.charCodeAt(s.end - 1) === 39 ? s.end - 1 : s.end;
    this.out.push({
      kind,
      name,
      start,
      end,
      definition: ctx.definition,
      owner: ctx.owner,
    });
  }

  private topLevel(v: SyntaxValue, doc: SyntaxDoc | null): void {
    if (v.kind !== "object") return;
    const none: Context = { definition: null, meta: null, owner: null };
    for (const e of v.entries) {
      if (!this.facts.directiveKeys.includes(e.key.value)) continue;
      this.add(e.key, "key", none);
      if (e.key.value === "include" && e.value?.kind === "string")
        this.add(e.value, "include", none);
      if (e.key.value === "pragma" && e.value?.kind === "object")
        for (const p of e.value.entries) {
          this.add(p.key, "key", none);
          if (p.value?.kind === "array")
            for (const x of p.value.items)
              if (x.kind === "string") this.add(x, "pragma-name", none);
        }
      return;
    }
    const meta = v.entries.find((e) => e.key.value in this.facts.definitionKeys)?.key.value;
    if (meta === undefined) {
      for (const e of v.entries) this.add(e.key, "key", none);
      return;
    }
    const nameValue = v.entries.find((e) => e.key.value === meta)?.value;
    const name = nameValue?.kind === "string" ? nameValue.value : null;
    // (A legacy simple union's keys are a union's, whose strings read the same.)
    const keys = this.facts.definitionKeys[meta]!;
    const ctx: Context = { definition: name, meta, owner: null };
    if (name !== null && nameValue?.kind === "string")
      this.definitions.push({
        name,
        meta,
        value: v,
        nameString: nameValue,
        doc,
        span: { start: doc ? doc.start : v.start, end: v.end },
      });
    for (const e of v.entries) {
      const fact = keys.find((k) => k.key === e.key.value);
      this.add(e.key, e.key.value === meta ? "meta" : "key", ctx);
      if (fact && e.value) this.value(e.value, fact, ctx);
    }
  }

  /** A value of the shape `fact` says, in `ctx`. */
  private value(v: SyntaxValue, fact: KeyFact, ctx: Context): void {
    switch (fact.shape) {
      case "name":
        if (v.kind !== "string") return;
        if (fact.key === ctx.meta) this.add(v, "definition", ctx);
        else if (!fact.ownerSource) this.add(v, "discriminator", ctx);
        return;
      case "type-name":
      case "type-ref":
        return this.typeRef(v, ctx);
      case "cond":
        return this.condition(v, ctx);
      case "members-or-type-name":
      case "arguments":
        if (v.kind === "string") return this.typeRef(v, ctx);
        return this.entries(v, fact, {
          ...ctx,
          owner: fact.shape === "members-or-type-name" ? "base" : null,
        });
      default:
        if (this.facts.shapeEntries[fact.shape]) this.entries(v, fact, ctx);
    }
  }

  private typeRef(v: SyntaxValue, ctx: Context): void {
    if (v.kind === "string") this.add(v, "type", ctx);
    else if (v.kind === "array" && v.items.length === 1) {
      const element = v.items[0]!;
      if (element.kind !== "string") return;
      this.add(element, "type", ctx);
      this.out[this.out.length - 1]!.array = true;
    }
  }

  /** Members, values, branches or features: named by keys (objects) or listed (arrays). */
  private entries(v: SyntaxValue, fact: KeyFact, ctx: Context): void {
    const kind = this.facts.shapeEntries[fact.shape]!;
    const keys = this.facts.memberKeys[kind] ?? [];
    const short = shorthandKey(keys);
    const nameKind: Occurrence["kind"] =
      kind === "member"
        ? "member"
        : kind === "enum-value"
          ? "value"
          : kind === "feature"
            ? "feature"
            : "branch";
    const entry = (item: SyntaxValue | null, name: SyntaxString | null): void => {
      let own = name?.value ?? null;
      if (name) {
        const optional = nameKind === "member" && name.value.startsWith("*");
        own = optional ? name.value.slice(1) : name.value;
        this.add(name, nameKind, ctx, own, name.start + (optional ? 2 : 1));
      }
      const inner: Context = { ...ctx, owner: nameKind === "feature" ? ctx.owner : own };
      if (!item) return;
      if (item.kind === "object") {
        for (const e of item.entries) {
          const f = keys.find((k) => k.key === e.key.value);
          this.add(e.key, "key", inner);
          if (!f || !e.value) continue;
          if (f.shape === "name" && f.ownerSource) {
            if (e.value.kind === "string") {
              this.add(e.value, nameKind, ctx);
              inner.owner = nameKind === "feature" ? ctx.owner : e.value.value;
            }
          } else this.value(e.value, f, inner);
        }
      } else if (short) {
        if (short.shape === "name" && short.ownerSource) {
          if (item.kind === "string") this.add(item, nameKind, ctx);
        } else this.value(item, short, inner);
      }
    };
    if (v.kind === "object") for (const e of v.entries) entry(e.value, e.key);
    else if (v.kind === "array") for (const item of v.items) entry(item, null);
  }

  private condition(v: SyntaxValue, ctx: Context): void {
    if (v.kind === "string") this.add(v, "condition", ctx);
    else if (v.kind === "array") for (const x of v.items) this.condition(x, ctx);
    else if (v.kind === "object")
      for (const e of v.entries) {
        this.add(e.key, "key", ctx);
        if (e.value) this.condition(e.value, ctx);
      }
  }

  /** A doc comment's symbol, descriptions, section tags and @references. */
  private docComment(d: SyntaxDoc, doc: Documentation, definition: string | null): void {
    const ctx: Context = { definition, meta: null, owner: null };
    const found = (line: number, word: string, kind: Occurrence["kind"], owner: string | null) => {
      const start = this.lines.lineStart(line - 1);
      const text = this.lines.lineText(line - 1);
      const at = text.indexOf(word);
      if (at < 0) return;
      const name = word.replace(/^@/, "").replace(/:$/, "");
      const s = start + at + (word.startsWith("@") ? 1 : 0);
      this.out.push({ kind, name, start: s, end: s + name.length, definition, owner });
    };
    // (The doc comment's info is its opening `##`: the symbol is on a line after it.)
    if (doc.symbol !== null)
      for (let l = doc.info.line; l <= doc.info.line + 2; l++)
        if (this.lines.lineText(l - 1).includes(`@${doc.symbol}:`)) {
          found(l, `@${doc.symbol}:`, "doc-symbol", null);
          break;
        }
    let features = false;
    for (const s of doc.allSections) {
      if (s.kind === "Member" || s.kind === "Feature") {
        const name = (s as { name?: string }).name ?? "";
        if (s.kind === "Feature" && !features) {
          features = true;
          // The "Features:" line comes before the first feature's description.
          for (let l = s.info.line - 1; l > doc.info.line; l--)
            if (this.lines.lineText(l - 1).trim() === "# Features:") {
              found(l, "Features:", "doc-section", null);
              break;
            }
        }
        if (s.info !== doc.info)
          found(s.info.line, `@${name}:`, "doc-member", s.kind === "Feature" ? "feature" : null);
      } else if (s.kind !== "Plain") {
        found(s.info.line, `${s.kind === "Todo" ? "TODO" : s.kind}:`, "doc-section", null);
      }
    }
    // @name references in the text (descriptions' own names excepted).
    const taken = new Set(
      this.out.filter((o) => o.start >= d.start && o.end <= d.end).map((o) => o.start),
    );
    const text = this.syntax.text.slice(d.start, d.end);
    for (const m of text.matchAll(/@([A-Za-z0-9_][A-Za-z0-9_.-]*[A-Za-z0-9_]|[A-Za-z0-9_])/g)) {
      const start = d.start + m.index + 1;
      if (taken.has(start)) continue;
      this.out.push({ kind: "doc-ref", name: m[1]!, start, end: start + m[1]!.length, ...ctx });
    }
  }
}
