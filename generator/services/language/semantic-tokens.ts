// Semantic tokens: highlighting for a language no editor has a grammar for. Every occurrence
// (occurrences.ts) is a token: keys as keywords, definitions and the types they are used as by
// their meta-type, members, enum values, features (as decorators), condition symbols (as macros),
// included files, and in doc comments the documented symbol, descriptions, section tags and
// @references (with the documentation modifier).

import type { FileIndex, Occurrence } from "./occurrences.ts";
import { TOKEN_MODIFIERS, TOKEN_TYPES, type TokenModifier, type TokenType } from "./protocol.ts";
import type { SnapshotIndex } from "./symbols.ts";

export function semanticTokens(index: SnapshotIndex, f: FileIndex): number[] {
  const data: number[] = [];
  let line = 0;
  let character = 0;
  const metaOf = new Map<string, string>();
  const meta = (name: string): string | undefined => {
    if (!metaOf.has(name)) {
      const d = index.definition(name);
      const e = d ? undefined : index.entity(name);
      metaOf.set(name, d?.def.meta ?? (e?.meta === "builtin" ? "builtin" : (e?.meta ?? "")));
    }
    return metaOf.get(name) || undefined;
  };
  for (const o of f.occurrences) {
    const token = classify(o, meta, index);
    if (!token) continue;
    const p = f.lines.position(o.start);
    const length = o.end - o.start;
    if (length <= 0) continue;
    data.push(
      p.line - line,
      p.line === line ? p.character - character : p.character,
      length,
      TOKEN_TYPES.indexOf(token.type),
      token.modifiers.reduce((bits, m) => bits | (1 << TOKEN_MODIFIERS.indexOf(m)), 0),
    );
    line = p.line;
    character = p.character;
  }
  return data;
}

function typeToken(meta: string | undefined): TokenType {
  switch (meta) {
    case "struct":
      return "struct";
    case "union":
      return "class";
    case "enum":
      return "enum";
    case "command":
      return "function";
    case "event":
      return "event";
    default:
      return "type";
  }
}

function classify(
  o: Occurrence,
  meta: (name: string) => string | undefined,
  index: SnapshotIndex,
): { type: TokenType; modifiers: TokenModifier[] } | null {
  const deprecated = (name: string): TokenModifier[] =>
    index.entity(name)?.features.some((f) => f.name === "deprecated") ? ["deprecated"] : [];
  switch (o.kind) {
    case "definition":
      return { type: typeToken(meta(o.name)), modifiers: ["declaration", ...deprecated(o.name)] };
    case "type": {
      const m = meta(o.name);
      return {
        type: typeToken(m),
        modifiers: m === "builtin" ? ["defaultLibrary"] : deprecated(o.name),
      };
    }
    case "member":
      return { type: "property", modifiers: ["declaration"] };
    case "discriminator":
      return { type: "property", modifiers: [] };
    case "value":
      return { type: "enumMember", modifiers: ["declaration"] };
    case "branch":
      return { type: "enumMember", modifiers: [] };
    case "feature":
      return { type: "decorator", modifiers: o.name === "deprecated" ? ["deprecated"] : [] };
    case "condition":
      return { type: "macro", modifiers: [] };
    case "include":
      return { type: "string", modifiers: [] };
    case "key":
    case "meta":
      return { type: "keyword", modifiers: [] };
    case "pragma-name":
      return { type: typeToken(meta(o.name)), modifiers: [] };
    case "doc-symbol":
      return { type: typeToken(meta(o.name)), modifiers: ["documentation"] };
    case "doc-member":
      return {
        type: o.owner === "feature" ? "decorator" : "parameter",
        modifiers: ["documentation"],
      };
    case "doc-section":
      return { type: "keyword", modifiers: ["documentation"] };
    case "doc-ref":
      return { type: "parameter", modifiers: ["documentation"] };
  }
}
