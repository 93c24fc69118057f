// One connection to a QMP server: a channel (channel.ts: the transport, its framing into
// messages, the wire log), the greeting and the capabilities negotiation. Once negotiated it
// hands each message on, a reply or an event, and reports the end of the connection once, with
// the reason as an error whose code the pending commands take over.
//
// Every step of the setup fails with its own message: nothing to connect to (code "connect"),
// no greeting or something else instead (code "greeting": non-JSON, JSON that is no greeting,
// a greeting of the wrong shape fail at once), no or a failed reply to qmp_capabilities (code
// "negotiation").

import { stringifyJson } from "../validate/index.ts";
import { Channel } from "./channel.ts";
import { QmpClientError, QmpError } from "./errors.ts";
import { startTimer, type Timer } from "./timers.ts";
import { describeTarget, type QmpTarget } from "./transport.ts";
import type { WireLogger } from "./wire-log.ts";

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
  /** Milliseconds a message may take to arrive, once begun; 0: no limit. */
  messageTimeoutMs: number;
  maxMessageBytes?: number | undefined;
  /** Enable out-of-band execution when the server offers it. */
  oob: boolean;
  logger: WireLogger | null;
  /** The connection's number among its client's ("#1"), for the log. */
  label: string;
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

  private phase: Phase = "connecting";
  private readonly channel: Channel;
  private setup: Setup | null = null;
  private setupTimer: Timer | null = null;

  constructor(
    target: QmpTarget,
    private readonly options: ConnectionOptions,
    private readonly handlers: ConnectionHandlers,
  ) {
    this.channel = new Channel(
      target,
      {
        connectTimeoutMs: options.connectTimeoutMs,
        messageTimeoutMs: options.messageTimeoutMs,
        maxMessageBytes: options.maxMessageBytes,
        logger: options.logger,
        label: options.label,
      },
      {
        message: (value, text) => this.receive(value, text),
        notMessage: (text, isJson) => this.notMessage(text, isJson),
        warning: (w) => handlers.warning(w),
        ended: (end) => {
          if ("closed" in end) this.streamClosed(end.closed);
          else if ("failure" in end)
            this.fail(
              new QmpClientError(
                end.failure.code,
                `${this.description}: ${end.failure.message}; the connection was closed`,
              ),
            );
          else
            this.fail(
              new QmpClientError(
                "disconnected",
                `${this.description}: the connection was closed after an error reading QEMU's output: ${(end.error as Error)?.message ?? String(end.error)}`,
                undefined,
                { cause: end.error },
              ),
            );
        },
      },
      describeTarget(target),
    );
  }

  /** For messages: "unix socket /tmp/x", "tcp localhost:4444", ... */
  get description(): string {
    return this.channel.description;
  }

  /** Connects, reads the greeting, negotiates; rejects with the step that failed. */
  async open(): Promise<void> {
    await this.channel.open();
    if (this.phase === "closed") throw closedDuringSetup(); // close() was called while connecting
    this.phase = "greeting";
    await new Promise<void>((resolve, reject) => {
      if (this.phase !== "greeting") return reject(closedDuringSetup()); // QEMU already left
      this.setup = { resolve, reject };
      const ms = this.options.greetingTimeoutMs;
      this.setupTimer = startTimer(ms, () => this.setupTimedOut(ms));
    });
  }

  /** Writes a message (its JSON text); with `fds`, attached to it (a Unix socket only). */
  write(text: string, fds?: readonly number[]): void {
    if (fds) this.channel.writeWithFds(text, fds);
    else this.channel.write(text);
  }

  /** Stops (resumes) reading from QEMU: back-pressure for a consumer that cannot keep up. */
  pause(): void {
    this.channel.pause();
  }

  resume(): void {
    this.channel.resume();
  }

  /** Bytes of a message that has begun to arrive but not ended. */
  unfinishedBytes(): number {
    return this.channel.unfinishedBytes();
  }

  /**
   * Ends the connection for `reason`: during setup open() rejects with it; once open, ended()
   * receives it (the pending commands' owner fails them with its code).
   */
  fail(reason: QmpClientError): void {
    const phase = this.phase;
    if (phase === "closed") return;
    const setup = this.shut();
    void this.channel.close();
    if (phase === "open") this.handlers.ended(reason);
    else setup?.reject(reason);
  }

  /** Closes without reporting to ended(); open() in progress rejects with code "closed". */
  async close(): Promise<void> {
    this.shut()?.reject(closedDuringSetup());
    await this.channel.close();
  }

  /** Marks the connection closed; returns the setup that was still waiting, if any. */
  private shut(): Setup | null {
    const setup = this.setup;
    this.phase = "closed";
    this.setup = null;
    this.setupTimer?.cancel();
    return setup;
  }

  // -------------------------------------------------------------------------------------------

  /** One JSON object from the server. */
  private receive(value: Record<string, unknown>, text: string): void {
    if (this.phase === "closed") return;
    if (this.phase === "greeting") return this.greet(value, text);
    if (typeof value.event === "string") return this.handlers.event(value);
    if ("return" in value || "error" in value) {
      if (this.phase === "negotiating") return this.negotiationReply(value);
      return this.handlers.reply(value);
    }
    if ("QMP" in value) return this.handlers.warning("second greeting ignored");
    this.handlers.warning(`unrecognised message ignored: ${excerpt(text)}`);
  }

  /** Text that is not a JSON object: stray text before a message, or a broken one. */
  private notMessage(text: string, isJson: boolean): void {
    if (this.phase === "greeting")
      return this.failGreeting(
        isJson
          ? `expected a QMP greeting, got ${excerpt(text)}`
          : `expected a QMP greeting, got text that is not JSON: ${excerpt(text)}`,
      );
    this.handlers.warning(
      isJson
        ? `not a QMP message, ignored: ${excerpt(text)}`
        : `not JSON from QEMU, ignored: ${excerpt(text)}`,
    );
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
    this.write(JSON.stringify(negotiate));
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
    this.setupTimer?.cancel();
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
    const bytes = this.channel.unfinishedBytes();
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

export function excerpt(text: string): string {
  return text.length > EXCERPT ? `${text.slice(0, EXCERPT)}...` : text;
}
