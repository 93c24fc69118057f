// A language server client for the tests: `qapi-ts lsp --stdio` started as an editor starts it,
// driven over its stdin and stdout by vscode-languageserver-protocol's client side (the library
// VS Code's own client is built on), so that every test goes through the server's protocol
// messages. Documents are edited as an editor does: incremental changes with versions.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
  type Position,
  type Range,
} from "vscode-languageserver-protocol/node.js";
import { bin } from "./paths.ts";

export class LspClient {
  /** Every publishDiagnostics received, by URI, in order. */
  readonly published = new Map<string, PublishDiagnosticsParams[]>();
  readonly messages: unknown[] = [];
  private readonly texts = new Map<string, { text: string; version: number }>();
  private waiters: (() => void)[] = [];
  stderr = "";

  private constructor(
    readonly connection: ProtocolConnection,
    readonly process: ChildProcess,
  ) {}

  /** Starts the server and initializes it with `folder` as the workspace. */
  static async start(folder: string, capabilities: object = {}): Promise<LspClient> {
    const child = spawn(process.execPath, [bin, "lsp", "--stdio"], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    const connection = createProtocolConnection(
      new StreamMessageReader(child.stdout),
      new StreamMessageWriter(child.stdin),
    );
    const client = new LspClient(connection, child);
    child.stderr.on("data", (d: Buffer) => (client.stderr += d.toString()));
    connection.onNotification("textDocument/publishDiagnostics", (p: PublishDiagnosticsParams) => {
      const list = client.published.get(p.uri) ?? [];
      list.push(p);
      client.published.set(p.uri, list);
      for (const w of client.waiters.splice(0)) w();
    });
    connection.onNotification("window/showMessage", (p) => client.messages.push(p));
    connection.onRequest("client/registerCapability", () => null);
    connection.listen();
    await connection.sendRequest("initialize", {
      processId: process.pid,
      rootUri: pathToFileURL(folder).href,
      workspaceFolders: [{ uri: pathToFileURL(folder).href, name: "test" }],
      capabilities,
    });
    await connection.sendNotification("initialized", {});
    return client;
  }

  uri(file: string): string {
    return pathToFileURL(file).href;
  }

  text(file: string): string {
    return this.texts.get(this.uri(file))!.text;
  }

  /** Opens a file (its text on disk unless given); resolves with its first diagnostics. */
  async open(file: string, text = readFileSync(file, "utf8")): Promise<PublishDiagnosticsParams> {
    const uri = this.uri(file);
    this.texts.set(uri, { text, version: 1 });
    void this.connection.sendNotification("textDocument/didOpen", {
      textDocument: { uri, languageId: "qapi", version: 1, text },
    });
    return this.diagnostics(file, 1);
  }

  /** Replaces `from` (which must be in the text) by `to`, as one incremental change. */
  async edit(file: string, from: string, to: string): Promise<PublishDiagnosticsParams> {
    const uri = this.uri(file);
    const doc = this.texts.get(uri)!;
    const at = doc.text.indexOf(from);
    if (at < 0) throw new Error(`${file} has no ${JSON.stringify(from)}`);
    const range = { start: this.position(file, at), end: this.position(file, at + from.length) };
    doc.text = doc.text.slice(0, at) + to + doc.text.slice(at + from.length);
    doc.version++;
    void this.connection.sendNotification("textDocument/didChange", {
      textDocument: { uri, version: doc.version },
      contentChanges: [{ range, text: to }],
    });
    return this.diagnostics(file, doc.version);
  }

  /** Replaces the whole text of an open document; resolves with its diagnostics. */
  async replace(file: string, text: string): Promise<PublishDiagnosticsParams> {
    const uri = this.uri(file);
    const doc = this.texts.get(uri)!;
    doc.text = text;
    doc.version++;
    void this.connection.sendNotification("textDocument/didChange", {
      textDocument: { uri, version: doc.version },
      contentChanges: [{ text }],
    });
    return this.diagnostics(file, doc.version);
  }

  /**
   * Makes a workspace edit's changes to the open documents, as an editor applies them (each
   * document's edits against its text before any of them, inserts at one place in their order),
   * sent as one didChange of the whole text; resolves with the diagnostics of each document.
   */
  async apply(edit: {
    changes?: { [uri: string]: { range: Range; newText: string }[] };
  }): Promise<PublishDiagnosticsParams[]> {
    const out: Promise<PublishDiagnosticsParams>[] = [];
    for (const [uri, edits] of Object.entries(edit.changes ?? {})) {
      const file = fileURLToPath(uri);
      if (!this.texts.has(uri)) throw new Error(`${uri} is not open`);
      const text = this.text(file);
      const located = edits
        .map((e, i) => ({
          i,
          from: this.offset(file, e.range.start),
          to: this.offset(file, e.range.end),
          text: e.newText,
        }))
        .sort((a, b) => b.from - a.from || b.i - a.i);
      let next = text;
      for (const e of located) next = next.slice(0, e.from) + e.text + next.slice(e.to);
      out.push(this.replace(file, next));
    }
    return Promise.all(out);
  }

  /** The offset of a position in an open document. */
  offset(file: string, p: Position): number {
    const lines = this.text(file).split("\n");
    let offset = 0;
    for (let i = 0; i < p.line; i++) offset += lines[i]!.length + 1;
    return offset + p.character;
  }

  close(file: string): void {
    void this.connection.sendNotification("textDocument/didClose", {
      textDocument: { uri: this.uri(file) },
    });
    this.texts.delete(this.uri(file));
  }

  /** The position of offset `at` in an open document (or of `needle` plus `delta`). */
  position(file: string, at: number | string, delta = 0): Position {
    const text = this.text(file);
    const offset = typeof at === "number" ? at : text.indexOf(at);
    if (offset < 0) throw new Error(`${file} has no ${JSON.stringify(at)}`);
    const before = text.slice(0, offset + delta);
    const line = before.split("\n").length - 1;
    return { line, character: before.length - (before.lastIndexOf("\n") + 1) };
  }

  /** Resolves with the diagnostics published for `file` with `version` (or the next ones). */
  diagnostics(file: string, version?: number): Promise<PublishDiagnosticsParams> {
    const uri = this.uri(file);
    const find = (): PublishDiagnosticsParams | undefined =>
      (this.published.get(uri) ?? []).find((p) => version === undefined || p.version === version);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no diagnostics for ${uri} version ${version}\n${this.stderr}`)),
        60_000,
      );
      const check = (): void => {
        const p = find();
        if (p) {
          clearTimeout(timer);
          resolve(p);
        } else this.waiters.push(check);
      };
      check();
    });
  }

  /** The last diagnostics published for `file` (none: empty). */
  latest(file: string): PublishDiagnosticsParams["diagnostics"] {
    const list = this.published.get(this.uri(file)) ?? [];
    return list[list.length - 1]?.diagnostics ?? [];
  }

  request<R = unknown>(method: string, params: object): Promise<R> {
    return this.connection.sendRequest(method, params);
  }

  /** A request about a place in an open document. */
  at<R = unknown>(
    method: string,
    file: string,
    needle: string,
    delta = 0,
    extra: object = {},
  ): Promise<R> {
    return this.request<R>(method, {
      textDocument: { uri: this.uri(file) },
      position: this.position(file, needle, delta),
      ...extra,
    });
  }

  /** Shuts the server down; resolves with its exit code. */
  async stop(): Promise<number | null> {
    const exited = new Promise<number | null>((resolve) => this.process.on("exit", resolve));
    await this.connection.sendRequest("shutdown");
    void this.connection.sendNotification("exit");
    const code = await exited;
    this.connection.dispose();
    return code;
  }
}
