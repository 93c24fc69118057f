// `qapi-ts lsp`: the Language Server Protocol over stdin and stdout. The session keeps the open
// documents (workspace.ts), checks each schema they belong to again after every change (the
// incremental front end: only what an edit reaches is redone; several changes that arrive
// together are checked once, and any request sees the latest text), pushes diagnostics with the
// document's version (every error, and lint's findings when there are none, in QEMU's words), and
// answers requests with the language service (services/language/).

import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Readable, Writable } from "node:stream";
import { compareLocations } from "../../frontend/diagnostics.ts";
import { SchemaProgram } from "../../frontend/incremental.ts";
import type { SchemaHost } from "../../frontend/host.ts";
import { sinceDiagnostics } from "../../compat/since.ts";
import type { History } from "../../compat/history.ts";
import { VERSION } from "../../codegen/version.ts";
import type { SchemaModel } from "../../model/index.ts";
import type { Diagnostic, SourceRange } from "../../model/source.ts";
import type { SyntaxFile } from "../../model/syntax.ts";
import {
  LanguageService,
  TOKEN_MODIFIERS,
  TOKEN_TYPES,
  type FileEdits,
  type FileRange,
  type Range,
  type SchemaSnapshot,
  type TextEdit,
} from "../../services/language/index.ts";
import { LineMap } from "../../services/language/positions.ts";
import { Connection, ErrorCodes, ResponseError } from "./json-rpc.ts";
import { LANGUAGE_FACTS, serviceHost } from "./service-host.ts";
import { filesOf, Workspace, type Schema } from "./workspace.ts";

interface LspDiagnostic {
  range: Range;
  severity: 1 | 2;
  source: "qapi-ts";
  code?: string;
  message: string;
  relatedInformation?: { location: { uri: string; range: Range }; message: string }[];
}

interface TextDocumentPosition {
  textDocument: { uri: string };
  position: { line: number; character: number };
}

/** Runs the server until the client says exit (or goes away); resolves with the exit code. */
export function runLanguageServer(input: Readable, output: Writable): Promise<number> {
  return new Promise((resolve) => new Session(input, output, resolve).start());
}

class Session {
  private readonly connection: Connection;
  private workspace = new Workspace([]);
  private histories = new WeakMap<SchemaModel, History | null>();
  private readonly service = new LanguageService(
    LANGUAGE_FACTS,
    serviceHost((model) => this.histories.get(model) ?? null),
  );
  private initialized = false;
  private shutdown = false;
  private scheduled: NodeJS.Immediate | null = null;
  /** Documents changed since diagnostics were last pushed (pushed then, even if unchanged). */
  private readonly changed = new Set<string>();
  /** What was last pushed, by file. */
  private readonly published = new Map<string, string>();
  private readonly told = new Set<string>();

  constructor(
    input: Readable,
    private readonly output: Writable,
    private readonly done: (code: number) => void,
  ) {
    this.connection = new Connection(input, output, (text) => process.stderr.write(text + "\n"));
  }

  start(): void {
    const c = this.connection;
    c.beforeRequest = () => this.flush();
    c.onClose = () => this.exit();
    c.onRequest("initialize", (p) => this.initialize(p as InitializeParams));
    c.onNotification("initialized", () => this.registerWatchers());
    c.onRequest("shutdown", () => {
      this.shutdown = true;
      return null;
    });
    c.onNotification("exit", () => this.exit());
    c.onNotification("textDocument/didOpen", (p) => {
      const { uri, version, text } = (
        p as { textDocument: { uri: string; version: number; text: string } }
      ).textDocument;
      const file = this.path(uri);
      this.workspace.documents.set(file, { uri, version, text });
      this.workspace.diskChanged();
      this.touch(file);
    });
    c.onNotification("textDocument/didChange", (p) => {
      const { textDocument, contentChanges } = p as {
        textDocument: { uri: string; version: number };
        contentChanges: ({ range: Range; text: string } | { text: string })[];
      };
      const file = this.path(textDocument.uri);
      const doc = this.workspace.documents.get(file);
      if (!doc) return;
      for (const change of contentChanges) doc.text = applyChange(doc.text, change);
      doc.version = textDocument.version;
      this.touch(file);
    });
    c.onNotification("textDocument/didSave", (p) => {
      this.workspace.diskChanged();
      this.touch(this.path((p as { textDocument: { uri: string } }).textDocument.uri));
    });
    c.onNotification("textDocument/didClose", (p) => {
      const file = this.path((p as { textDocument: { uri: string } }).textDocument.uri);
      this.workspace.documents.delete(file);
      this.workspace.diskChanged();
      for (const s of this.workspace.dropUnused())
        for (const f of s.files) if (!this.workspace.documents.has(f)) this.clear(f);
      for (const s of this.workspace.schemas.values()) if (s.files.has(file)) s.dirty = true;
      this.schedule();
    });
    c.onNotification("workspace/didChangeWatchedFiles", () => {
      this.workspace.diskChanged();
      for (const s of this.workspace.schemas.values()) s.dirty = true;
      this.schedule();
    });
    this.requests();
    c.listen();
  }

  private exit(): void {
    this.done(this.shutdown ? 0 : 1);
  }

  private initialize(p: InitializeParams): unknown {
    this.initialized = true;
    const folders = (p.workspaceFolders ?? []).map((f) => this.path(f.uri));
    if (!folders.length && p.rootUri) folders.push(this.path(p.rootUri));
    else if (!folders.length && p.rootPath) folders.push(path.resolve(p.rootPath));
    this.workspace = new Workspace(folders);
    this.watch = p.capabilities?.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
    return {
      capabilities: {
        positionEncoding: "utf-16",
        textDocumentSync: { openClose: true, change: 2, save: { includeText: false } },
        definitionProvider: true,
        referencesProvider: true,
        hoverProvider: true,
        completionProvider: { triggerCharacters: ["'"] },
        documentSymbolProvider: true,
        workspaceSymbolProvider: true,
        renameProvider: { prepareProvider: true },
        codeActionProvider: { codeActionKinds: ["quickfix", "refactor.rewrite"] },
        semanticTokensProvider: {
          legend: { tokenTypes: TOKEN_TYPES, tokenModifiers: TOKEN_MODIFIERS },
          full: true,
        },
      },
      serverInfo: { name: "qapi-ts", version: VERSION },
    };
  }

  private watch = false;

  /** Asks the client to say when schema files change on disk (if it can). */
  private registerWatchers(): void {
    if (!this.watch) return;
    this.connection
      .sendRequest("client/registerCapability", {
        registrations: [
          {
            id: "qapi-ts-files",
            method: "workspace/didChangeWatchedFiles",
            registerOptions: { watchers: [{ globPattern: "**/*.json" }] },
          },
        ],
      })
      .catch(() => {});
  }

  private path(uri: string): string {
    try {
      return uri.startsWith("file:") ? fileURLToPath(uri) : path.resolve(uri);
    } catch {
      throw new ResponseError(ErrorCodes.InvalidParams, `not a file URI: ${uri}`);
    }
  }

  private uri(file: string): string {
    return this.workspace.documents.get(file)?.uri ?? pathToFileURL(file).href;
  }

  /** A document changed: its schemas are checked again (soon, all changes at once). */
  private touch(file: string): void {
    this.changed.add(file);
    for (const s of this.workspace.schemasOf(file)) s.dirty = true;
    this.schedule();
  }

  private schedule(): void {
    this.scheduled ??= setImmediate(() => this.flush());
  }

  /** Checks the schemas that changed and pushes diagnostics. */
  private flush(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = null;
    let ran = false;
    for (const s of this.workspace.schemas.values()) {
      if (!s.dirty) continue;
      s.dirty = false;
      ran = true;
      this.check(s);
    }
    if (ran || this.changed.size) this.publish();
  }

  private check(s: Schema): void {
    const run = s.program.update();
    s.run = run;
    s.files = filesOf(run, s.dir);
    const findings: Diagnostic[] = [];
    if (run.model) {
      findings.push(...s.lint.run(run.model, s.settings.rules));
      this.histories.set(run.partialModel, s.settings.history);
      if (s.settings.history) findings.push(...sinceDiagnostics(run.model, s.settings.history));
    } else this.histories.set(run.partialModel, s.settings.history);
    s.diagnostics = findings.length
      ? [...run.diagnostics, ...findings].sort(compareLocations)
      : run.diagnostics;
    // The syntax trees of files parsed in part are recorded when a request first needs them.
    let files: SyntaxFile[] | null = null;
    s.snapshot = {
      model: run.partialModel,
      get files() {
        return (files ??= run.files.flatMap((f) => (f.syntax ? [f.syntax] : [])));
      },
      diagnostics: s.diagnostics,
    };
    for (const problem of s.settings.problems) {
      if (this.told.has(problem)) continue;
      this.told.add(problem);
      this.connection.sendNotification("window/showMessage", {
        type: 2,
        message: `qapi-ts: ${problem}`,
      });
    }
  }

  /** Pushes each file's diagnostics that changed, and those of documents just changed. */
  private publish(): void {
    const now = new Map<string, Map<string, LspDiagnostic>>();
    for (const s of this.workspace.schemas.values()) {
      if (!s.run) continue;
      const texts = new Map<string, string>();
      for (const f of s.run.files) texts.set(path.resolve(s.dir, f.fname), f.src);
      for (const f of s.files)
        if (this.workspace.documents.has(f) && !now.has(f))
          now.set(f, new Map<string, LspDiagnostic>());
      for (const d of s.diagnostics) {
        const file = d.info ? path.resolve(s.dir, d.info.fname) : s.root;
        const lsp = this.toLsp(d, texts, s.dir);
        let map = now.get(file);
        if (!map) now.set(file, (map = new Map<string, LspDiagnostic>()));
        map.set(JSON.stringify(lsp), lsp);
      }
    }
    const files = new Set([...now.keys(), ...this.published.keys(), ...this.changed]);
    for (const file of files) {
      const list = [...(now.get(file)?.values() ?? [])];
      const json = JSON.stringify(list);
      if (json === (this.published.get(file) ?? "[]") && !this.changed.has(file)) continue;
      const doc = this.workspace.documents.get(file);
      this.connection.sendNotification("textDocument/publishDiagnostics", {
        uri: this.uri(file),
        ...(doc ? { version: doc.version } : {}),
        diagnostics: list,
      });
      if (list.length) this.published.set(file, json);
      else this.published.delete(file);
    }
    this.changed.clear();
  }

  /** Clears the diagnostics pushed for a file. */
  private clear(file: string): void {
    if (!this.published.has(file)) return;
    this.published.delete(file);
    this.connection.sendNotification("textDocument/publishDiagnostics", {
      uri: this.uri(file),
      diagnostics: [],
    });
  }

  private lineMaps = new Map<string, LineMap>();

  private lines(file: string, texts: Map<string, string>): LineMap {
    const text = texts.get(file) ?? this.text(file) ?? "";
    let map = this.lineMaps.get(file);
    if (!map || map.text !== text) this.lineMaps.set(file, (map = new LineMap(text)));
    return map;
  }

  private text(file: string): string | null {
    const r = this.workspace.host.read(file, Infinity);
    return "text" in r ? r.text : null;
  }

  private toLsp(d: Diagnostic, texts: Map<string, string>, dir: string): LspDiagnostic {
    const file = d.info ? path.resolve(dir, d.info.fname) : null;
    const range = file ? diagnosticRange(d, this.lines(file, texts)) : zeroRange;
    const related: LspDiagnostic["relatedInformation"] = [];
    for (const r of d.related ?? []) {
      const f = path.resolve(dir, r.info.fname);
      related.push({
        location: {
          uri: this.uri(f),
          range: r.range ? lspRange(r.range) : this.lines(f, texts).lineRange(r.info.line),
        },
        message: r.message,
      });
    }
    for (let p = d.info?.parent ?? null; p; p = p.parent) {
      const f = path.resolve(dir, p.fname);
      related.push({
        location: { uri: this.uri(f), range: this.lines(f, texts).lineRange(p.line) },
        message: "included from here",
      });
    }
    return {
      range,
      severity: d.severity === "error" ? 1 : 2,
      source: "qapi-ts",
      ...(d.code || d.rule ? { code: d.code ?? d.rule } : {}),
      message: d.message,
      ...(related.length ? { relatedInformation: related } : {}),
    };
  }

  // Requests

  /** The snapshot a document is answered from, and its name there. */
  private at(uri: string): { schema: Schema; snapshot: SchemaSnapshot; fname: string } | null {
    if (!this.initialized)
      throw new ResponseError(ErrorCodes.ServerNotInitialized, "not initialized");
    const file = this.path(uri);
    for (const schema of this.workspace.schemas.values()) {
      if (!schema.snapshot || !schema.files.has(file)) continue;
      const f = schema.snapshot.files.find((x) => path.resolve(schema.dir, x.fname) === file);
      if (f) return { schema, snapshot: schema.snapshot, fname: f.fname };
    }
    return null;
  }

  /** A place the service names (its file relative to the schema's folder) for the protocol. */
  private location(dir: string): (r: FileRange) => { uri: string; range: Range } {
    return (r) => ({ uri: this.uri(path.resolve(dir, r.file)), range: r.range });
  }

  private requests(): void {
    const c = this.connection;
    const svc = this.service;
    c.onRequest("textDocument/definition", (p) => {
      const { textDocument, position } = p as TextDocumentPosition;
      const at = this.at(textDocument.uri);
      return at
        ? svc.definition(at.snapshot, at.fname, position).map(this.location(at.schema.dir))
        : null;
    });
    c.onRequest("textDocument/references", (p) => {
      const { textDocument, position, context } = p as TextDocumentPosition & {
        context?: { includeDeclaration?: boolean };
      };
      const at = this.at(textDocument.uri);
      return at
        ? svc
            .references(at.snapshot, at.fname, position, context?.includeDeclaration ?? true)
            .map(this.location(at.schema.dir))
        : null;
    });
    c.onRequest("textDocument/hover", (p) => {
      const { textDocument, position } = p as TextDocumentPosition;
      const at = this.at(textDocument.uri);
      return at ? svc.hover(at.snapshot, at.fname, position) : null;
    });
    c.onRequest("textDocument/completion", (p) => {
      const { textDocument, position } = p as TextDocumentPosition;
      const at = this.at(textDocument.uri);
      return {
        isIncomplete: false,
        items: at ? svc.completion(at.snapshot, at.fname, position) : [],
      };
    });
    c.onRequest("textDocument/documentSymbol", (p) => {
      const at = this.at((p as { textDocument: { uri: string } }).textDocument.uri);
      return at ? svc.documentSymbols(at.snapshot, at.fname) : [];
    });
    c.onRequest("workspace/symbol", (p) => {
      const query = (p as { query?: string }).query ?? "";
      const seen = new Set<string>();
      const out: unknown[] = [];
      for (const schema of this.workspace.schemas.values()) {
        if (!schema.snapshot) continue;
        for (const s of svc.workspaceSymbols([schema.snapshot], query)) {
          const location = this.location(schema.dir)(s.location);
          const key = `${location.uri}:${location.range.start.line}:${s.name}`;
          if (seen.has(key)) continue;
          seen.add(key);
          out.push({
            name: s.name,
            kind: s.kind,
            ...(s.tags ? { tags: s.tags } : {}),
            containerName: s.containerName,
            location,
          });
        }
      }
      return out;
    });
    c.onRequest("textDocument/prepareRename", (p) => {
      const { textDocument, position } = p as TextDocumentPosition;
      const at = this.at(textDocument.uri);
      if (!at) return null;
      const r = svc.prepareRename(at.snapshot, at.fname, position);
      if ("error" in r)
        throw new ResponseError(ErrorCodes.RequestFailed, `can't rename: ${r.error}`);
      return r;
    });
    c.onRequest("textDocument/rename", (p) => {
      const { textDocument, position, newName } = p as TextDocumentPosition & { newName: string };
      const at = this.at(textDocument.uri);
      if (!at) return null;
      const r = svc.rename(at.snapshot, at.fname, position, newName);
      if ("error" in r)
        throw new ResponseError(ErrorCodes.RequestFailed, `can't rename: ${r.error}`);
      const oldName = r.target.kind === "file" ? "" : r.target.name;
      const why = this.checkRename(at.schema, r.edits, oldName, newName);
      if (why)
        throw new ResponseError(
          ErrorCodes.RequestFailed,
          `can't rename '${oldName}' to '${newName}': ${why}`,
        );
      return this.workspaceEdit(r.edits, at.schema.dir);
    });
    c.onRequest("textDocument/codeAction", (p) => {
      const { textDocument, range, context } = p as {
        textDocument: { uri: string };
        range: Range;
        context?: { diagnostics?: LspDiagnostic[] };
      };
      const at = this.at(textDocument.uri);
      if (!at) return [];
      return svc.codeActions(at.snapshot, at.fname, range).map((a) => ({
        title: a.title,
        kind: a.kind,
        ...(a.isPreferred ? { isPreferred: true } : {}),
        diagnostics: (context?.diagnostics ?? []).filter((d) =>
          d.code !== undefined ? a.fixes.includes(d.code) : false,
        ),
        edit: this.workspaceEdit(a.edits, at.schema.dir),
      }));
    });
    c.onRequest("textDocument/semanticTokens/full", (p) => {
      const at = this.at((p as { textDocument: { uri: string } }).textDocument.uri);
      return { data: at ? svc.semanticTokens(at.snapshot, at.fname) : [] };
    });
  }

  private workspaceEdit(edits: FileEdits, dir: string): { changes: Record<string, TextEdit[]> } {
    const changes: Record<string, TextEdit[]> = {};
    for (const [file, list] of edits) changes[this.uri(path.resolve(dir, file))] = list;
    return { changes };
  }

  /**
   * Why a rename's edits may not be made: an error the front end finds in the edited schema that
   * it does not find now (naming rules, clashes), in its own words; null if there is none.
   */
  private checkRename(
    s: Schema,
    edits: FileEdits,
    oldName: string,
    newName: string,
  ): string | null {
    const texts = new Map<string, string>();
    for (const [fname, list] of edits) {
      const file = path.resolve(s.dir, fname);
      const text = this.text(file);
      if (text === null) return `can't read ${file}`;
      texts.set(file, applyEdits(text, list));
    }
    const base = this.workspace.hostIn(s.dir);
    const host: SchemaHost = {
      absolute: (f) => base.absolute(f),
      read: (f, limit) => {
        const t = texts.get(path.resolve(s.dir, f));
        return t !== undefined ? { text: t } : base.read(f, limit);
      },
    };
    const run = new SchemaProgram(path.basename(s.root), {
      compat: s.settings.compat,
      host,
    }).update();
    const key = (d: Diagnostic): string => `${d.info?.fname ?? ""}\n${d.message}`;
    const before = new Map<string, number>();
    for (const d of s.run?.diagnostics ?? []) {
      if (d.severity !== "error") continue;
      const k = key(d).replaceAll(`'${oldName}'`, `'${newName}'`);
      before.set(k, (before.get(k) ?? 0) + 1);
    }
    const found: string[] = [];
    for (const d of run.diagnostics) {
      if (d.severity !== "error") continue;
      const n = before.get(key(d)) ?? 0;
      if (n > 0) before.set(key(d), n - 1);
      else found.push(`${d.info ? `${d.info.fname}:${d.info.line}: ` : ""}${d.message}`);
    }
    if (!found.length) return null;
    const more = found.length > MAX_REASONS ? ` (and ${found.length - MAX_REASONS} more)` : "";
    return found.slice(0, MAX_REASONS).join("; ") + more;
  }
}

interface InitializeParams {
  rootUri?: string | null;
  rootPath?: string | null;
  workspaceFolders?: { uri: string; name: string }[] | null;
  capabilities?: { workspace?: { didChangeWatchedFiles?: { dynamicRegistration?: boolean } } };
}

/** How many of the errors a rename would make its refusal names. */
const MAX_REASONS = 3;

const zeroRange: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

/**
 * Where a diagnostic is: its exact range (the text at fault) when the front end gives one; else at
 * its column (to the end of the token there) when it has one, else its line.
 */
export function diagnosticRange(d: Diagnostic, lines: LineMap): Range {
  if (!d.info) return zeroRange;
  if (d.range) return lspRange(d.range);
  const line = d.info.line;
  if (d.col === undefined) return lines.lineRange(line);
  const text = lines.lineText(line - 1);
  const start = lines.characterAtColumn(line, d.col);
  let end = start;
  if (text[start] === "'") {
    end = text.indexOf("'", start + 1);
    end = end < 0 ? text.length : end + 1;
  } else while (end < text.length && !/[\s,:{}[\]]/.test(text[end]!)) end++;
  if (end === start) end = Math.min(text.length, start + 1);
  return { start: { line: line - 1, character: start }, end: { line: line - 1, character: end } };
}

/** The protocol's form of a SourceRange (0-based lines; columns are UTF-16 units alike). */
function lspRange(r: SourceRange): Range {
  return {
    start: { line: r.start.line - 1, character: r.start.col - 1 },
    end: { line: r.end.line - 1, character: r.end.col - 1 },
  };
}

/** A document's text after one change of didChange (a range replaced, or all of it). */
function applyChange(
  text: string,
  change: { range: Range; text: string } | { text: string },
): string {
  if (!("range" in change)) return change.text;
  const lines = new LineMap(text);
  return (
    text.slice(0, lines.offset(change.range.start)) +
    change.text +
    text.slice(lines.offset(change.range.end))
  );
}

/** A text with edits made (their ranges are of the text before any of them). */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const lines = new LineMap(text);
  const sorted = edits
    .map((e) => ({
      start: lines.offset(e.range.start),
      end: lines.offset(e.range.end),
      text: e.newText,
    }))
    .sort((a, b) => b.start - a.start);
  let out = text;
  for (const e of sorted) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}
