// Completion: what may be written at the cursor, from where it is in a definition (read from the
// syntax tree, which a parse cut short by the text being typed still has up to the cursor) and
// the key table: the keys a meta-type or a kind of member takes, type names where a type goes,
// the discriminator's enum values as a union's branches, the members a discriminator may name,
// feature names and condition symbols in use; at the top level, snippets of a documented command,
// struct, union and event.

import type { SyntaxArray, SyntaxObject, SyntaxValue } from "../../model/syntax.ts";
import type { KeyFact } from "./facts.ts";
import type { FileIndex } from "./occurrences.ts";
import { CompletionItemKind, type CompletionItem, type Range } from "./protocol.ts";
import { newestSince, type SnapshotIndex } from "./symbols.ts";

/** What a container (object or array) of a definition is. */
type Role =
  | { kind: "definition"; meta: string | null; keys: readonly KeyFact[] }
  /** Members, branches (objects keyed by name) or values, features (arrays). */
  | { kind: "entries"; of: string; shape: string }
  /** One member, branch, value or feature written as an object. */
  | { kind: "entry"; of: string }
  | { kind: "condition" }
  | { kind: "conditions" }
  | { kind: "types" }
  | { kind: "directive" }
  | { kind: "other" };

/** Where the cursor is. */
interface Place {
  /** The containers from the top-level expression in, with their roles. */
  path: { node: SyntaxObject | SyntaxArray; role: Role }[];
  /** At a key (true) or at a value (false). */
  atKey: boolean;
  /** At a value: the key it is the value of (objects). */
  key: string | null;
}

const NAME_CHAR = /[A-Za-z0-9_.*+-]/;

export function completion(index: SnapshotIndex, f: FileIndex, offset: number): CompletionItem[] {
  const text = f.syntax.text;
  let start = offset;
  while (start > 0 && NAME_CHAR.test(text[start - 1]!)) start--;
  let end = offset;
  while (end < text.length && NAME_CHAR.test(text[end]!)) end++;
  const quoted = text[start - 1] === "'";
  const closed = text[end] === "'";
  const range: Range = { start: f.lines.position(start), end: f.lines.position(end) };
  const item = (
    label: string,
    kind: CompletionItemKind,
    detail?: string,
    extra: Partial<CompletionItem> = {},
  ): CompletionItem => ({
    label,
    kind,
    ...(detail ? { detail } : {}),
    textEdit: {
      range,
      newText: quoted ? (closed ? label : `${label}'`) : `'${label}'`,
    },
    filterText: quoted ? label : `'${label}`,
    ...extra,
  });

  const place = locate(index, f, quoted ? start - 1 : start);
  if (!place) return quoted ? [] : snippets(index, f, range);
  const { path, atKey, key } = place;
  const here = path[path.length - 1]!;
  const role = here.role;
  const present = (node: SyntaxObject | SyntaxArray): Set<string> =>
    new Set(
      node.kind === "object"
        ? node.entries.map((e) => e.key.value)
        : node.items.flatMap((x) => (x.kind === "string" ? [x.value] : [])),
    );
  const keyItems = (keys: readonly KeyFact[]): CompletionItem[] => {
    const taken = present(here.node);
    return keys
      .filter((k) => !taken.has(k.key))
      .map((k) =>
        item(
          k.key,
          CompletionItemKind.Property,
          `${k.required ? "required" : "optional"}: ${k.shape}`,
        ),
      );
  };
  const facts = index.facts;

  if (atKey) {
    switch (role.kind) {
      case "definition":
        if (role.meta === null)
          return [...Object.keys(facts.definitionKeys), ...facts.directiveKeys].map((k) =>
            item(k, CompletionItemKind.Keyword),
          );
        return keyItems(role.keys);
      case "entry":
        return keyItems(facts.memberKeys[role.of] ?? []);
      case "condition":
        return facts.conditionKeys.map((k) => item(k, CompletionItemKind.Keyword));
      case "entries":
        if (role.of === "branch" || role.of === "legacy-branch") {
          const taken = present(here.node);
          return discriminatorValues(index, path[0]!.node)
            .filter((v) => !taken.has(v))
            .map((v) => item(v, CompletionItemKind.EnumMember, "discriminator value"));
        }
        return [];
      default:
        return [];
    }
  }

  // A value: of `key` (objects), or an item (arrays).
  const factOf = (keys: readonly KeyFact[]): KeyFact | undefined => keys.find((k) => k.key === key);
  let fact: KeyFact | undefined;
  switch (role.kind) {
    case "definition":
      fact = factOf(role.keys);
      break;
    case "entry":
      fact = factOf(facts.memberKeys[role.of] ?? []);
      break;
    case "entries": {
      if (role.of === "feature") return featureItems(index, present(here.node), item);
      if (role.of === "enum-value") return [];
      // A member's or branch's shorthand: a type.
      return typeItems(index, role.of === "branch" ? "object" : null, item);
    }
    case "condition":
    case "conditions":
      return conditionItems(index, item);
    case "types":
      return typeItems(index, null, item);
    case "directive":
      if (key === "include") return includeItems(index, f, item);
      return [];
    default:
      return [];
  }
  if (!fact) return [];
  switch (fact.shape) {
    case "type-name":
      return typeItems(index, "object", item);
    case "type-ref":
    case "arguments":
    case "members-or-type-name":
      return typeItems(index, fact.shape === "type-ref" ? null : "object", item);
    case "cond":
      return conditionItems(index, item);
    case "name":
      if (fact.ownerSource)
        return role.kind === "entry" && role.of === "feature"
          ? featureItems(index, new Set(), item)
          : [];
      return discriminatorItems(index, path[0]!.node, item);
    case "true":
    case "false": {
      const v = fact.shape === "true" ? "true" : "false";
      return [{ label: v, kind: CompletionItemKind.Keyword, textEdit: { range, newText: v } }];
    }
    default:
      return [];
  }
}

type ItemMaker = (
  label: string,
  kind: CompletionItemKind,
  detail?: string,
  extra?: Partial<CompletionItem>,
) => CompletionItem;

/** The containers around `offset`, and whether it is at a key or a value; null outside any. */
function locate(index: SnapshotIndex, f: FileIndex, offset: number): Place | null {
  const { text, errorAt } = f.syntax;
  // A container the parse left open (at the error) reaches the cursor.
  const inside = (v: SyntaxObject | SyntaxArray): boolean =>
    v.start < offset && (offset < v.end || (v.end === errorAt && text[v.end - 1] !== "}"));
  const top = f.syntax.exprs.find((v) => (v.kind === "object" || v.kind === "array") && inside(v));
  if (!top || top.kind === "string" || top.kind === "bool") return null;
  const facts = index.facts;
  const rootRole = (): Role => {
    if (top.kind !== "object") return { kind: "other" };
    if (top.entries.some((e) => facts.directiveKeys.includes(e.key.value)))
      return { kind: "directive" };
    const meta = top.entries.find((e) => e.key.value in facts.definitionKeys)?.key.value ?? null;
    if (meta === null) return { kind: "definition", meta, keys: [] };
    return { kind: "definition", meta, keys: facts.definitionKeys[meta]! };
  };
  const path: Place["path"] = [{ node: top, role: rootRole() }];
  for (;;) {
    const { node, role } = path[path.length - 1]!;
    let next: { value: SyntaxValue; key: string | null } | undefined;
    if (node.kind === "object") {
      const e = node.entries.find(
        (x) =>
          x.value && (x.value.kind === "object" || x.value.kind === "array") && inside(x.value),
      );
      if (e) next = { value: e.value!, key: e.key.value };
    } else {
      const v = node.items.find((x) => (x.kind === "object" || x.kind === "array") && inside(x));
      if (v) next = { value: v, key: null };
    }
    if (!next || (next.value.kind !== "object" && next.value.kind !== "array")) break;
    path.push({ node: next.value, role: childRole(role, next.key, next.value, facts) });
  }
  // Key or value: the character before the word (spaces and comments aside).
  const node = path[path.length - 1]!.node;
  let i = offset - 1;
  while (i > node.start && /\s/.test(text[i]!)) i--;
  const before = text[i];
  if (node.kind === "array") return { path, atKey: false, key: null };
  const atKey = before === "{" || before === ",";
  let key: string | null = null;
  if (!atKey) {
    // The value of the entry whose key comes last before the cursor.
    const e = node.entries.filter((x) => x.key.end <= offset).pop();
    key = e?.key.value ?? null;
  }
  return { path, atKey, key };
}

function childRole(
  parent: Role,
  key: string | null,
  value: SyntaxObject | SyntaxArray,
  facts: SnapshotIndex["facts"],
): Role {
  const byFact = (fact: KeyFact | undefined): Role => {
    if (!fact) return { kind: "other" };
    if (fact.shape === "cond")
      return value.kind === "object" ? { kind: "condition" } : { kind: "conditions" };
    if (fact.shape === "type-ref" && value.kind === "array") return { kind: "types" };
    const of = facts.shapeEntries[fact.shape];
    return of ? { kind: "entries", of, shape: fact.shape } : { kind: "other" };
  };
  switch (parent.kind) {
    case "definition":
      return byFact(parent.keys.find((k) => k.key === key));
    case "entries":
      return value.kind === "object" ? { kind: "entry", of: parent.of } : { kind: "types" };
    case "entry":
      return byFact((facts.memberKeys[parent.of] ?? []).find((k) => k.key === key));
    case "condition":
      return key === "not" ? { kind: "condition" } : { kind: "conditions" };
    case "conditions":
      return value.kind === "object" ? { kind: "condition" } : { kind: "conditions" };
    default:
      return { kind: "other" };
  }
}

/** Types that may go here: any, or object types only (a base, a union's branch, arguments). */
function typeItems(index: SnapshotIndex, only: "object" | null, item: ItemMaker): CompletionItem[] {
  const out: CompletionItem[] = [];
  const seen = new Set<string>();
  for (const e of index.model.entities) {
    if (e.meta === "command" || e.meta === "event" || e.meta === "array") continue;
    if (e.isImplicit && e.meta !== "builtin") continue;
    if (only === "object" && e.meta !== "object") continue;
    seen.add(e.name);
    const body = e.doc?.body.text.split("\n\n")[0];
    out.push(
      item(
        e.name,
        kindOf(e.meta),
        e.meta === "object" ? (e.branches ? "union" : "struct") : e.meta,
        {
          sortText: `${e.meta === "builtin" ? "1" : "0"}${e.name}`,
          ...(body ? { documentation: { kind: "markdown", value: body } } : {}),
        },
      ),
    );
  }
  // Definitions written but not in the model (they have errors) are still names to use.
  for (const f of index.files)
    for (const d of f.definitions) {
      if (seen.has(d.name) || d.meta === "command" || d.meta === "event") continue;
      if (only === "object" && d.meta !== "struct" && d.meta !== "union") continue;
      seen.add(d.name);
      out.push(item(d.name, kindOf(d.meta), d.meta, { sortText: `0${d.name}` }));
    }
  return out;
}

function kindOf(meta: string): CompletionItemKind {
  switch (meta) {
    case "enum":
      return CompletionItemKind.Enum;
    case "object":
    case "struct":
      return CompletionItemKind.Struct;
    case "union":
    case "alternate":
      return CompletionItemKind.Class;
    case "builtin":
      return CompletionItemKind.TypeParameter;
    default:
      return CompletionItemKind.Class;
  }
}

function featureItems(index: SnapshotIndex, taken: Set<string>, item: ItemMaker): CompletionItem[] {
  const names = new Set<string>(["deprecated", "unstable"]);
  for (const { occurrence: o } of index.occurrences()) if (o.kind === "feature") names.add(o.name);
  return [...names]
    .filter((n) => !taken.has(n))
    .map((n) =>
      item(
        n,
        CompletionItemKind.Constant,
        n === "deprecated" || n === "unstable" ? "special feature" : "feature",
      ),
    );
}

function conditionItems(index: SnapshotIndex, item: ItemMaker): CompletionItem[] {
  const counts = new Map<string, number>();
  for (const { occurrence: o } of index.occurrences())
    if (o.kind === "condition" && /^[A-Z][A-Z0-9_]*$/.test(o.name))
      counts.set(o.name, (counts.get(o.name) ?? 0) + 1);
  return [...counts].map(([n, c]) =>
    item(n, CompletionItemKind.Constant, `build condition (${c} use${c === 1 ? "" : "s"})`),
  );
}

function includeItems(index: SnapshotIndex, f: FileIndex, item: ItemMaker): CompletionItem[] {
  const here = f.syntax.fname;
  const dir = here.includes("/") ? here.slice(0, here.lastIndexOf("/") + 1) : "";
  return index.files
    .map((x) => x.syntax.fname)
    .filter((n) => n !== here && n.startsWith(dir))
    .map((n) => item(n.slice(dir.length), CompletionItemKind.File));
}

/** The enum values a union's discriminator may take (its branches' names). */
function discriminatorValues(index: SnapshotIndex, top: SyntaxObject | SyntaxArray): string[] {
  const union = definitionName(top);
  const e = union === null ? undefined : index.objectType(union);
  const tag = e?.branches?.tagMember;
  if (tag?.type.meta === "enum") return tag.type.members.map((m) => m.name);
  // Not checked (yet): the discriminator member's type, as written.
  const t = discriminatorType(index, top);
  const en = t ? index.enumType(t) : undefined;
  if (en) return en.members.map((m) => m.name);
  const def = t ? index.definition(t) : undefined;
  if (!def) return [];
  const data = def.def.value.entries.find((x) => x.key.value === "data")?.value;
  if (data?.kind !== "array") return [];
  return data.items.flatMap((v) =>
    v.kind === "string"
      ? [v.value]
      : v.kind === "object"
        ? v.entries.flatMap((x) =>
            x.key.value === "name" && x.value?.kind === "string" ? [x.value.value] : [],
          )
        : [],
  );
}

/** The type of a union's discriminator member, from the union's base as written. */
function discriminatorType(index: SnapshotIndex, top: SyntaxObject | SyntaxArray): string | null {
  if (top.kind !== "object") return null;
  const value = (o: SyntaxObject, k: string): SyntaxValue | null | undefined =>
    o.entries.find((e) => e.key.value === k)?.value;
  const d = value(top, "discriminator");
  const base = value(top, "base");
  if (d?.kind !== "string" || !base) return null;
  if (base.kind === "string") {
    const b = index.objectType(base.value);
    const m = b?.members?.find((x) => x.name === d.value);
    return m ? m.type.name : null;
  }
  if (base.kind !== "object") return null;
  const m = base.entries.find((e) => e.key.value.replace(/^\*/, "") === d.value)?.value;
  if (m?.kind === "string") return m.value;
  if (m?.kind === "object") {
    const t = value(m, "type");
    return t?.kind === "string" ? t.value : null;
  }
  return null;
}

/** Members a union's discriminator may name: its base's. */
function discriminatorItems(
  index: SnapshotIndex,
  top: SyntaxObject | SyntaxArray,
  item: ItemMaker,
): CompletionItem[] {
  if (top.kind !== "object") return [];
  const base = top.entries.find((e) => e.key.value === "base")?.value;
  let names: string[] = [];
  if (base?.kind === "string")
    names = (index.objectType(base.value)?.members ?? []).map((m) => m.name);
  else if (base?.kind === "object") names = base.entries.map((e) => e.key.value.replace(/^\*/, ""));
  return names.map((n) => item(n, CompletionItemKind.Field, "member of the base"));
}

function definitionName(top: SyntaxObject | SyntaxArray): string | null {
  if (top.kind !== "object") return null;
  const v = top.entries[0]?.value;
  return v?.kind === "string" ? v.value : null;
}

/** Snippets of documented definitions, where a top-level expression may start. */
function snippets(index: SnapshotIndex, f: FileIndex, range: Range): CompletionItem[] {
  const since = newestSince(index);
  const line = f.lines.lineText(range.start.line);
  if (line.slice(0, range.start.character).trim()) return [];
  const doc = (symbol: string, members: string, extra = ""): string =>
    `##\n# @${symbol}:\n#\n# \${2:What it is.}\n#\n${members}${extra}# Since: \${9:${since}}\n##\n`;
  const member = "# @${3:member}: ${4:What it is.}\n#\n";
  const defs: [string, string, string][] = [
    [
      "command",
      "a command, documented",
      doc("${1:command-name}", member, "# Returns: ${6:What it returns.}\n#\n") +
        "{ 'command': '${1:command-name}',\n  'data': { '${3:member}': '${5:str}' },\n  'returns': '${7:ReturnType}' }\n$0",
    ],
    [
      "struct",
      "a struct, documented",
      doc("${1:StructName}", member) +
        "{ 'struct': '${1:StructName}',\n  'data': { '${3:member}': '${5:str}' } }\n$0",
    ],
    [
      "union",
      "a union, documented",
      doc("${1:UnionName}", "# @${3:kind}: ${4:Which branch.}\n#\n") +
        "{ 'union': '${1:UnionName}',\n  'base': { '${3:kind}': '${5:KindEnum}' },\n  'discriminator': '${3:kind}',\n  'data': { '${6:value}': '${7:BranchStruct}' } }\n$0",
    ],
    [
      "event",
      "an event, documented",
      doc("${1:EVENT_NAME}", member) +
        "{ 'event': '${1:EVENT_NAME}',\n  'data': { '${3:member}': '${5:str}' } }\n$0",
    ],
  ];
  return defs.map(([label, detail, body]) => ({
    label,
    kind: CompletionItemKind.Snippet,
    detail,
    insertTextFormat: 2,
    textEdit: { range, newText: body },
  }));
}
