// One connection to a QMP server: the transport, the framing of its byte stream into messages,
// the greeting and the capabilities negotiation. Once negotiated it hands each message on, a
// reply or an event, and reports the end of the connection once, with the reason as an error
// whose code the pending commands take over.
//
// Every step of the setup fails with its own message: nothing to connect to (code "connect"),
// no greeting or something else instead (code "greeting": non-JSON, JSON that is no greeting,
// a greeting of the wrong shape fail at once), no or a failed reply to qmp_capabilities (code
// "negotiation").

import { parseJsonLossless, stringifyJson } from "../validate/index.ts";
import { QmpClientError, QmpError } from "./errors.ts";
import { JsonFramer } from "./framing.ts";
import { describeTarget, openStream, type QmpStream, type QmpTarget } from "./transport.ts";

/** The server's greeting, as qmp-spec.rst defines it (members beyond these are ignored). */
export interface QmpGreeting {
  version: { qemu: { major: number; minor: number; micro: number }; package: string };
  capabilities: string[];
}

export interface ConnectionOptions {
  /** Milliseconds to open the transport; 0 waits forever. */
  connectTimeoutMs: number;
  /** Milliseconds from connecting to the end of negotiation; 0 waits forever. */
  greetingTimeoutMs: number;
  maxMessageBytes?: number;
  /** Enable out-of-band execution when the server offers it. */
  oob: boolean;
}

/** Where an established connection delivers what it reads. */
export interface ConnectionHandlers {
  /** A message with "return" or "error": a reply to some command. */
  reply(message: Record<string, unknown>): void;
  /** A message with an "event" name. */
  event(message: Record<string, unknown>): void;
  /** Something odd but harmless: not JSON, an unknown kind of message, ... */
  warning(message: string): void;
  /** The established connection ended (not called after close()): QEMU left or broke a bound. */
  ended(reason: QmpClientError): void;
}

type Phase = "connecting" | "greeting" | "negotiating" | "open" | "closed";
/** open()'s promise, settled when negotiation ends. */
type Setup = { resolve(): void; reject(err: QmpClientError): void };

const NEGOTIATION_ID = "qapi-ts:qmp_capabilities";
/** How much of an offending message an error quotes. */
const EXCERPT = 200;

export class QmpConnection {
  /** Set once the greeting arrived. */
  greeting: QmpGreeting | null = null;
  /** The capabilities negotiation enabled (["oob"] or []). */
  enabled: string[] = [];
  /** For messages: "unix socket /tmp/x", "tcp localhost:4444", ... */
  description: string;

  private phase: Phase = "connecting";
  private stream: QmpStream | null = null;
  private readonly framer: JsonFramer;
  private setup: Setup | null = null;
  private setupTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly target: QmpTarget,
    private readonly options: ConnectionOptions,
    private readonly handlers: ConnectionHandlers,
  ) {
    this.description = describeTarget(target);
    this.framer = new JsonFramer({ maxMessageBytes: options.maxMessageBytes });
  }

  /** Connects, reads the greeting, negotiates; rejects with the step that failed. */
  async open(): Promise<void> {
    const stream = await openStream(this.target, this.options.connectTimeoutMs);
    if (this.phase === "closed") {
      await stream.destroy(); // close() was called while connecting
      throw closedDuringSetup();
    }
    this.stream = stream;
    this.description = stream.description;
    this.phase = "greeting";
    await new Promise<void>((resolve, reject) => {
      this.setup = { resolve, reject };
      const ms = this.options.greetingTimeoutMs;
      if (ms > 0 && Number.isFinite(ms))
        this.setupTimer = setTimeout(() => this.setupTimedOut(ms), ms);
      stream.start(
        (chunk) => this.read(chunk),
        (reason) => this.streamClosed(reason),
      );
    });
  }

  /** Writes a message; with `fds`, attached to it (a Unix socket only: else code "fd-passing"). */
  write(text: string, fds?: readonly number[]): void {
    if (!fds) return this.stream!.write(text);
    if (!this.stream!.writeWithFds)
      throw new QmpClientError(
        "fd-passing",
        `file descriptors travel only over a Unix socket, not over ${this.description}` +
          ("spawn" in this.target ? " (give a spawned QEMU its descriptors with spawn.fds)" : ""),
      );
    this.stream!.writeWithFds(text, fds);
  }

  /** Bytes of a message that has begun to arrive but not ended. */
  unfinishedBytes(): number {
    return this.framer.pendingBytes();
  }

  /**
   * Ends the connection for `reason`: during setup open() rejects with it; once open, ended()
   * receives it (the pending commands' owner fails them with its code).
   */
  fail(reason: QmpClientError): void {
    const phase = this.phase;
    if (phase === "closed") return;
    const setup = this.shut();
    void this.stream?.destroy();
    if (phase === "open") this.handlers.ended(reason);
    else setup?.reject(reason);
  }

  /** Closes without reporting to ended(); open() in progress rejects with code "closed". */
  async close(): Promise<void> {
    this.shut()?.reject(closedDuringSetup());
    await this.stream?.destroy();
  }

  /** Marks the connection closed; returns the setup that was still waiting, if any. */
  private shut(): Setup | null {
    const setup = this.setup;
    this.phase = "closed";
    this.setup = null;
    if (this.setupTimer) clearTimeout(this.setupTimer);
    return setup;
  }

  // -------------------------------------------------------------------------------------------

  /** A chunk of the byte stream. Nothing may escape from here: it runs in a stream handler. */
  private read(chunk: Buffer): void {
    try {
      for (const text of this.framer.push(chunk)) {
        if (this.phase === "closed") return; // a handler closed the connection
        this.receive(text);
      }
      const failure = this.framer.failure;
      if (failure)
        this.fail(
          new QmpClientError(
            failure.code,
            `${this.description}: ${failure.message}; the connection was closed`,
          ),
        );
    } catch (err) {
      this.fail(
        new QmpClientError(
          "disconnected",
          `${this.description}: the connection was closed after an error reading QEMU's output: ${(err as Error)?.message ?? String(err)}`,
          undefined,
          { cause: err },
        ),
      );
    }
  }

  /** One JSON text from the server. */
  private receive(text: string): void {
    let value: unknown;
    try {
      value = parseJsonLossless(text);
    } catch {
      if (this.phase === "greeting")
        return this.failGreeting(
          `expected a QMP greeting, got text that is not JSON: ${excerpt(text)}`,
        );
      return this.handlers.warning(`not JSON from QEMU, ignored: ${excerpt(text)}`);
    }
    if (!isObject(value)) {
      if (this.phase === "greeting")
        return this.failGreeting(`expected a QMP greeting, got ${excerpt(text)}`);
      return this.handlers.warning(`not a QMP message, ignored: ${excerpt(text)}`);
    }
    if (this.phase === "greeting") return this.greet(value, text);
    if (typeof value.event === "string") return this.handlers.event(value);
    if ("return" in value || "error" in value) {
      if (this.phase === "negotiating") return this.negotiationReply(value);
      return this.handlers.reply(value);
    }
    if ("QMP" in value) return this.handlers.warning("second greeting ignored");
    this.handlers.warning(`unrecognised message ignored: ${excerpt(text)}`);
  }

  private greet(message: Record<string, unknown>, text: string): void {
    if (!("QMP" in message))
      return this.failGreeting(`expected a QMP greeting, got ${excerpt(text)}`);
    const problem = greetingProblem(message.QMP);
    if (problem) return this.failGreeting(`malformed QMP greeting (${problem}): ${excerpt(text)}`);
    const greeting = message.QMP as QmpGreeting;
    this.greeting = greeting;
    this.enabled = this.options.oob && greeting.capabilities.includes("oob") ? ["oob"] : [];
    this.phase = "negotiating";
    const negotiate: Record<string, unknown> = { execute: "qmp_capabilities" };
    if (this.enabled.length) negotiate.arguments = { enable: this.enabled };
    negotiate.id = NEGOTIATION_ID;
    this.write(JSON.stringify(negotiate) + "\n");
  }

  private negotiationReply(message: Record<string, unknown>): void {
    // QEMU leaves the id out of an error about a request it could not read.
    if (message.id !== NEGOTIATION_ID && message.id !== undefined) {
      this.handlers.warning(`reply with unknown id ${stringifyJson(message.id)} dropped`);
      return;
    }
    if ("error" in message) {
      const error = QmpError.from(message.error, "qmp_capabilities");
      this.fail(
        new QmpClientError(
          "negotiation",
          `${this.description}: qmp_capabilities failed: ${error.class}: ${error.desc}`,
          undefined,
          { cause: error },
        ),
      );
      return;
    }
    const setup = this.setup!;
    this.phase = "open";
    this.setup = null;
    clearTimeout(this.setupTimer ?? undefined);
    setup.resolve();
  }

  private failGreeting(problem: string): void {
    this.fail(new QmpClientError("greeting", `${this.description}: ${problem}`));
  }

  private setupTimedOut(ms: number): void {
    const unfinished = this.unfinished();
    if (this.phase === "greeting")
      this.fail(
        new QmpClientError(
          "greeting",
          `${this.description}: no QMP greeting in ${ms} ms${unfinished} (is the monitor busy with another client? QEMU serves one client per monitor; or QEMU is stopped, or this is not a QMP monitor)`,
        ),
      );
    else
      this.fail(
        new QmpClientError(
          "negotiation",
          `${this.description}: greeting received, but no reply to qmp_capabilities in ${ms} ms${unfinished}`,
        ),
      );
  }

  private streamClosed(reason: string | null): void {
    if (this.phase === "closed") return;
    const detail = `${reason ? ` (${reason})` : ""}${this.unfinished()}`;
    if (this.phase === "greeting")
      this.fail(
        new QmpClientError(
          "greeting",
          `${this.description} closed before sending a QMP greeting${detail}`,
        ),
      );
    else if (this.phase === "negotiating")
      this.fail(
        new QmpClientError(
          "negotiation",
          `${this.description} closed during capabilities negotiation${detail}`,
        ),
      );
    else
      this.fail(
        new QmpClientError("disconnected", `connection to ${this.description} lost${detail}`),
      );
  }

  private unfinished(): string {
    const bytes = this.framer.pendingBytes();
    return bytes ? `; ${bytes} bytes of an unfinished message` : "";
  }
}

function closedDuringSetup(): QmpClientError {
  return new QmpClientError("closed", "the client was closed before negotiation completed");
}

/** What is wrong with a greeting's "QMP" member, or null (qmp-spec.rst, "Server Greeting"). */
function greetingProblem(qmp: unknown): string | null {
  if (!isObject(qmp)) return "QMP is not an object";
  const version = qmp.version;
  if (!isObject(version)) return "QMP.version is not an object";
  const qemu = version.qemu;
  if (!isObject(qemu)) return "QMP.version.qemu is not an object";
  for (const part of ["major", "minor", "micro"]) {
    if (!Number.isSafeInteger(qemu[part])) return `QMP.version.qemu.${part} is not an integer`;
  }
  if (typeof version.package !== "string") return "QMP.version.package is not a string";
  const capabilities = qmp.capabilities;
  if (!Array.isArray(capabilities)) return "QMP.capabilities is not an array";
  const bad = capabilities.findIndex((c) => typeof c !== "string");
  if (bad >= 0) return `QMP.capabilities[${bad}] is not a string`;
  return null;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function excerpt(text: string): string {
  return text.length > EXCERPT ? `${text.slice(0, EXCERPT)}...` : text;
}
