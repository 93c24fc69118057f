// JSON-RPC 2.0 over a byte stream with the Language Server Protocol's framing (a header block with
// Content-Length, then that many bytes of UTF-8 JSON): requests and notifications both ways,
// responses matched by id. Our own (a page of code) rather than vscode-languageserver's: that one
// adds ~190 KB to the CLI's one-file bundle and ~126 million instructions to the server's start
// (callgrind, node 20); the protocol's transport needs neither.

import type { Readable, Writable } from "node:stream";

export type Params = unknown;

/** An error answer to a request, with the protocol's code. */
export class ResponseError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export const ErrorCodes = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  ServerNotInitialized: -32002,
  RequestFailed: -32803,
} as const;

type RequestHandler = (params: Params) => unknown;
type NotificationHandler = (params: Params) => void;

interface Message {
  jsonrpc?: string;
  id?: number | string | null;
  method?: string;
  params?: Params;
  result?: unknown;
  error?: { code: number; message: string };
}

const SEPARATOR = Buffer.from("\r\n\r\n");

export class Connection {
  private readonly requests = new Map<string, RequestHandler>();
  private readonly notifications = new Map<string, NotificationHandler>();
  private readonly pending = new Map<number, (m: Message) => void>();
  private nextId = 1;
  private buffer: Buffer = Buffer.alloc(0);
  /** Called before each request is handled (the server brings its checks up to date). */
  beforeRequest: (() => void) | null = null;
  /** Called when the input ends. */
  onClose: (() => void) | null = null;

  constructor(
    private readonly input: Readable,
    private readonly output: Writable,
    private readonly log: (text: string) => void,
  ) {}

  onRequest(method: string, handler: RequestHandler): void {
    this.requests.set(method, handler);
  }

  onNotification(method: string, handler: NotificationHandler): void {
    this.notifications.set(method, handler);
  }

  sendNotification(method: string, params: Params): void {
    this.write({ jsonrpc: "2.0", method, params });
  }

  /** A request to the client; resolves with its result (rejects with its error). */
  sendRequest(method: string, params: Params): Promise<unknown> {
    const id = this.nextId++;
    this.write({ jsonrpc: "2.0", id, method, params });
    return new Promise((resolve, reject) => {
      this.pending.set(id, (m) =>
        m.error ? reject(new ResponseError(m.error.code, m.error.message)) : resolve(m.result),
      );
    });
  }

  listen(): void {
    this.input.on("data", (chunk: Buffer) => {
      this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
      this.drain();
    });
    this.input.on("end", () => this.onClose?.());
    this.input.on("error", () => this.onClose?.());
  }

  private write(m: Message): void {
    const body = JSON.stringify(m);
    this.output.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  }

  /** Handles every complete message in the buffer. */
  private drain(): void {
    for (;;) {
      const end = this.buffer.indexOf(SEPARATOR);
      if (end < 0) return;
      const header = this.buffer.subarray(0, end).toString("ascii");
      const m = /^content-length: *(\d+) *$/im.exec(header);
      if (!m) {
        // Not a header we can frame by: skip it (the protocol has no way to answer).
        this.log(
          `qapi-ts lsp: a message without Content-Length, skipped: ${JSON.stringify(header)}`,
        );
        this.buffer = this.buffer.subarray(end + SEPARATOR.length);
        continue;
      }
      const length = Number(m[1]);
      const start = end + SEPARATOR.length;
      if (this.buffer.length < start + length) return;
      const body = this.buffer.subarray(start, start + length).toString("utf8");
      this.buffer = this.buffer.subarray(start + length);
      let message: Message;
      try {
        message = JSON.parse(body) as Message;
      } catch {
        this.write({
          jsonrpc: "2.0",
          id: null,
          error: { code: ErrorCodes.ParseError, message: "invalid JSON" },
        });
        continue;
      }
      this.handle(message);
    }
  }

  private handle(m: Message): void {
    if (typeof m !== "object" || m === null) return;
    if (m.method === undefined) {
      // A response to one of our requests.
      const resolve = typeof m.id === "number" ? this.pending.get(m.id) : undefined;
      if (resolve) {
        this.pending.delete(m.id as number);
        resolve(m);
      }
      return;
    }
    if (m.id === undefined || m.id === null) {
      const handler = this.notifications.get(m.method);
      try {
        handler?.(m.params);
      } catch (err) {
        this.log(`qapi-ts lsp: ${m.method}: ${errorText(err)}`);
      }
      return;
    }
    const id = m.id;
    const handler = this.requests.get(m.method);
    if (!handler) {
      this.write({
        jsonrpc: "2.0",
        id,
        error: { code: ErrorCodes.MethodNotFound, message: `unhandled method ${m.method}` },
      });
      return;
    }
    const answer = (result: unknown): void =>
      this.write({ jsonrpc: "2.0", id, result: result ?? null });
    const fail = (err: unknown): void => {
      const code = err instanceof ResponseError ? err.code : ErrorCodes.InternalError;
      if (!(err instanceof ResponseError)) this.log(`qapi-ts lsp: ${m.method}: ${errorText(err)}`);
      this.write({ jsonrpc: "2.0", id, error: { code, message: errorMessage(err) } });
    };
    try {
      this.beforeRequest?.();
      const result = handler(m.params);
      if (result instanceof Promise) result.then(answer, fail);
      else answer(result);
    } catch (err) {
      fail(err);
    }
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function errorText(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}
