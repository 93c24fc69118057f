// The QAPI language service: what an editor asks of a schema (go to definition, references, the
// outline, workspace symbols, hover, completion, rename, code actions, semantic highlighting),
// answered from a snapshot of a check (symbols.ts: the model, each file's syntax, the
// diagnostics). Named after TypeScript's language service, which its server (tsserver) wraps as
// cli/language-server/ wraps this one. Nothing here reads files or runs the front end: what needs
// the front end (the key table, rewriting legacy conditions, checking a rename) comes in through
// LanguageFacts and ServiceHost.

import { codeActions } from "./code-actions.ts";
import { completion } from "./completion-items.ts";
import type { ServiceHost } from "./extensions.ts";
import type { LanguageFacts } from "./facts.ts";
import { hover } from "./hover.ts";
import type { FileIndex, Occurrence } from "./occurrences.ts";
import type {
  CodeAction,
  CompletionItem,
  DocumentSymbol,
  FileRange,
  Hover,
  Position,
  Range,
  WorkspaceSymbol,
} from "./protocol.ts";
import { SymbolKind } from "./protocol.ts";
import { prepareRename, rename, type RenameResult } from "./rename.ts";
import { semanticTokens } from "./semantic-tokens.ts";
import { SnapshotIndex, type Found, type SchemaSnapshot, type Target } from "./symbols.ts";

export type { LanguageFacts, KeyFact } from "./facts.ts";
export type { ServiceHost } from "./extensions.ts";
export type { SchemaSnapshot, Target } from "./symbols.ts";
export type { RenameResult } from "./rename.ts";
export * from "./protocol.ts";

export class LanguageService {
  private readonly indexes = new WeakMap<SchemaSnapshot, SnapshotIndex>();

  constructor(
    readonly facts: LanguageFacts,
    readonly host: ServiceHost = {},
  ) {}

  /** The snapshot's index (made once per snapshot). */
  index(snapshot: SchemaSnapshot): SnapshotIndex {
    let index = this.indexes.get(snapshot);
    if (!index) this.indexes.set(snapshot, (index = new SnapshotIndex(this.facts, snapshot)));
    return index;
  }

  /** The name at a place and what it stands for. */
  private lookup(
    snapshot: SchemaSnapshot,
    file: string,
    pos: Position,
  ): { index: SnapshotIndex; found: Found; target: Target | null } | null {
    const index = this.index(snapshot);
    const f = index.file(file);
    if (!f) return null;
    const found = index.at(file, f.lines.offset(pos));
    return found ? { index, found, target: index.target(found) } : null;
  }

  definition(snapshot: SchemaSnapshot, file: string, pos: Position): FileRange[] {
    const at = this.lookup(snapshot, file, pos);
    if (!at?.target) return [];
    const { index, found, target } = at;
    if (target.kind === "file")
      return index.file(target.file)
        ? [{ file: target.file, range: { start: zero, end: zero } }]
        : [];
    const refs = index.references(target);
    let decls = refs.filter(({ occurrence: o }) => isDeclaration(target, o));
    if (target.kind === "feature") {
      // A feature is declared where its definition describes it (or else where it is listed).
      const here = found.occurrence.definition;
      const described = refs.filter(
        ({ occurrence: o }) => o.kind === "doc-member" && o.definition === here,
      );
      const listed = refs.filter(
        ({ occurrence: o }) => o.kind === "feature" && o.definition === here,
      );
      decls =
        found.occurrence.kind === "doc-member" ? listed : described.length ? described : listed;
    }
    return decls.map(toFileRange);
  }

  references(
    snapshot: SchemaSnapshot,
    file: string,
    pos: Position,
    includeDeclaration: boolean,
  ): FileRange[] {
    const at = this.lookup(snapshot, file, pos);
    if (!at?.target) return [];
    const target = at.target;
    return at.index
      .references(target)
      .filter(({ occurrence: o }) => includeDeclaration || !isDeclaration(target, o))
      .map(toFileRange);
  }

  documentSymbols(snapshot: SchemaSnapshot, file: string): DocumentSymbol[] {
    const index = this.index(snapshot);
    const f = index.file(file);
    if (!f) return [];
    return f.definitions.map((def) => {
      const children: DocumentSymbol[] = [];
      for (const o of f.occurrences) {
        if (o.start < def.value.start || o.end > def.value.end || o.definition !== def.name)
          continue;
        const kind =
          o.kind === "member"
            ? SymbolKind.Field
            : o.kind === "value" || o.kind === "branch"
              ? SymbolKind.EnumMember
              : null;
        if (kind === null) continue;
        children.push({
          name: o.name,
          kind,
          range: f.lines.range(o),
          selectionRange: f.lines.range(o),
        });
      }
      const deprecated = isDeprecated(index, def.name);
      return {
        name: def.name,
        detail: def.meta,
        kind: symbolKind(def.meta),
        ...(deprecated ? { tags: [1 as const] } : {}),
        range: f.lines.range(def.span),
        selectionRange: f.lines.range(nameSpan(def.nameString)),
        children,
      };
    });
  }

  /** Definitions whose names contain the query's characters in order (case aside). */
  workspaceSymbols(snapshots: readonly SchemaSnapshot[], query: string): WorkspaceSymbol[] {
    const seen = new Set<string>();
    const out: WorkspaceSymbol[] = [];
    const q = query.toLowerCase();
    for (const snapshot of snapshots) {
      const index = this.index(snapshot);
      for (const f of index.files)
        for (const def of f.definitions) {
          const key = `${f.syntax.fname}\n${def.name}`;
          if (seen.has(key) || !subsequence(q, def.name.toLowerCase())) continue;
          seen.add(key);
          out.push({
            name: def.name,
            kind: symbolKind(def.meta),
            containerName: def.meta,
            ...(isDeprecated(index, def.name) ? { tags: [1 as const] } : {}),
            location: { file: f.syntax.fname, range: f.lines.range(nameSpan(def.nameString)) },
          });
        }
    }
    return out;
  }

  hover(snapshot: SchemaSnapshot, file: string, pos: Position): Hover | null {
    const at = this.lookup(snapshot, file, pos);
    if (!at?.target) return null;
    return hover(at.index, at.found, at.target, this.host);
  }

  completion(snapshot: SchemaSnapshot, file: string, pos: Position): CompletionItem[] {
    const index = this.index(snapshot);
    const f = index.file(file);
    return f ? completion(index, f, f.lines.offset(pos)) : [];
  }

  prepareRename(
    snapshot: SchemaSnapshot,
    file: string,
    pos: Position,
  ): { range: Range; placeholder: string } | { error: string } {
    const at = this.lookup(snapshot, file, pos);
    if (!at) return { error: "nothing to rename here" };
    return prepareRename(at.index, at.found, at.target);
  }

  /** The edits of a rename (which the host checks by running the front end on them). */
  rename(snapshot: SchemaSnapshot, file: string, pos: Position, newName: string): RenameResult {
    const at = this.lookup(snapshot, file, pos);
    if (!at) return { error: "nothing to rename here" };
    return rename(at.index, at.found, at.target, newName);
  }

  codeActions(snapshot: SchemaSnapshot, file: string, range: Range): CodeAction[] {
    const index = this.index(snapshot);
    const f = index.file(file);
    return f ? codeActions(index, f, range, this.host) : [];
  }

  /** The protocol's encoding of the file's tokens (relative lines and characters). */
  semanticTokens(snapshot: SchemaSnapshot, file: string): number[] {
    const index = this.index(snapshot);
    const f = index.file(file);
    return f ? semanticTokens(index, f) : [];
  }
}

const zero: Position = { line: 0, character: 0 };

export function toFileRange({ index, occurrence }: Found): FileRange {
  return { file: index.syntax.fname, range: index.lines.range(occurrence) };
}

/** Whether an occurrence is where its target is declared. */
function isDeclaration(t: Target, o: Occurrence): boolean {
  switch (t.kind) {
    case "definition":
      return o.kind === "definition";
    case "member":
      return o.kind === "member" || (o.kind === "branch" && o.definition === t.definition);
    case "value":
      return o.kind === "value";
    case "feature":
      return o.kind === "feature";
    default:
      return false;
  }
}

/** A definition's name string without its quotes. */
function nameSpan(s: { start: number; end: number }): { start: number; end: number } {
  return { start: s.start + 1, end: Math.max(s.start + 1, s.end - 1) };
}

export function symbolKind(meta: string): SymbolKind {
  switch (meta) {
    case "enum":
      return SymbolKind.Enum;
    case "struct":
      return SymbolKind.Struct;
    case "union":
      return SymbolKind.Class;
    case "alternate":
      return SymbolKind.Interface;
    case "command":
      return SymbolKind.Function;
    case "event":
      return SymbolKind.Event;
    default:
      return SymbolKind.Key;
  }
}

function isDeprecated(index: SnapshotIndex, name: string): boolean {
  return index.entity(name)?.features.some((f) => f.name === "deprecated") ?? false;
}

function subsequence(q: string, s: string): boolean {
  let i = 0;
  for (let j = 0; j < s.length && i < q.length; j++) if (s[j] === q[i]) i++;
  return i === q.length;
}

export type { FileIndex };
