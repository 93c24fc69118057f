// A transport stream framed into JSON messages, what the QMP connection and the guest agent's
// share: it opens the stream (transport.ts), splits what arrives into messages (framing.ts) and
// parses each (integers exact), logs every message both ways (wire-log.ts), bounds how long a
// message may take to arrive, and reports the end of the stream once.
//
// A message that has begun to arrive must end within messageTimeoutMs: otherwise it is let go
// (with a warning) and framing starts again at the next line that opens a message, so that a
// peer that stops halfway holds neither memory nor the messages after it.

import { parseJsonLossless } from "../validate/index.ts";
import { JsonFramer, type FramingFailure } from "./framing.ts";
import { startTimer, type Timer } from "./timers.ts";
import { QmpClientError } from "./errors.ts";
import { openStream, type QmpStream, type QmpTarget } from "./transport.ts";
import type { WireLogger } from "./wire-log.ts";

export interface ChannelOptions {
  /** Milliseconds to open the transport; 0 waits forever. */
  connectTimeoutMs: number;
  /** Milliseconds a message may take from its first byte to its last; 0: no limit. */
  messageTimeoutMs: number;
  maxMessageBytes?: number | undefined;
  logger: WireLogger | null;
  /** Appended to the stream's description in the log ("#2" for a second connection). */
  label: string;
}

/** Where a channel delivers what it reads. None of them may throw (they run in stream handlers). */
export interface ChannelHandlers {
  /** A JSON object. */
  message(value: Record<string, unknown>, text: string): void;
  /** Text that is not a JSON object (stray text, a broken message, a bare JSON value). */
  notMessage(text: string, isJson: boolean): void;
  warning(message: string): void;
  /** The stream ended: the peer closed it (`reason`: how, when known) or broke a bound. */
  ended(end: { closed: string | null } | { failure: FramingFailure } | { error: unknown }): void;
}

export class Channel {
  /** For messages: "unix socket /tmp/x", "qemu-system-x86_64 (pid 123)". */
  description: string;
  private stream: QmpStream | null = null;
  private readonly framer: JsonFramer;
  private messageTimer: Timer | null = null;
  /** The framer's count of begun values when the message timer started: which message it times. */
  private timedMessage = 0;
  private closed = false;

  constructor(
    private readonly target: QmpTarget,
    private readonly options: ChannelOptions,
    private readonly handlers: ChannelHandlers,
    description: string,
  ) {
    this.description = description;
    this.framer = new JsonFramer({ maxMessageBytes: options.maxMessageBytes });
  }

  /** Opens the transport and starts reading; rejects with code "connect" (or "closed"). */
  async open(): Promise<void> {
    const stream = await openStream(this.target, this.options.connectTimeoutMs);
    if (this.closed) {
      await stream.destroy(); // close() was called while connecting
      return;
    }
    this.stream = stream;
    this.description = stream.description;
    stream.start(
      (chunk) => this.read(chunk),
      (reason) => this.streamClosed(reason),
    );
  }

  get isOpen(): boolean {
    return this.stream !== null && !this.closed;
  }

  /** Writes a message (its text, without the line end); `written` as QmpStream.write's. */
  write(text: string, written?: (error?: Error | null) => void): void {
    this.log("send", text, true);
    this.stream!.write(text + "\n", written);
  }

  /**
   * Writes a message with descriptors attached (SCM_RIGHTS). Throws (code "fd-passing") what
   * makes it impossible: a transport other than a Unix socket, no native package.
   */
  writeWithFds(text: string, fds: readonly number[]): void {
    const stream = this.stream!;
    if (!stream.writeWithFds)
      throw new QmpClientError(
        "fd-passing",
        `file descriptors travel only over a Unix socket, not over ${this.description}` +
          ("spawn" in this.target ? " (give a spawned QEMU its descriptors with spawn.fds)" : ""),
      );
    stream.writeWithFds(text + "\n", fds);
    this.log("send", text, true, fds.length);
  }

  /** Writes bytes that are not a message (the agent's sentinel), logged as `note`. */
  writeBytes(bytes: Uint8Array, note: string): void {
    this.log("send", note, false);
    this.stream!.write(bytes);
  }

  pause(): void {
    this.stream?.pause();
  }

  resume(): void {
    this.stream?.resume();
  }

  /** Bytes of a message that has begun to arrive but not ended. */
  unfinishedBytes(): number {
    return this.framer.pendingBytes();
  }

  /** Stops reading and closes the stream; nothing more reaches the handlers. */
  async close(): Promise<void> {
    this.closed = true;
    this.messageTimer?.cancel();
    this.messageTimer = null;
    await this.stream?.destroy();
  }

  private log(direction: "send" | "receive", text: string, json: boolean, fds?: number): void {
    const logger = this.options.logger;
    if (!logger) return;
    try {
      logger({
        time: Date.now(),
        connection: `${this.description} ${this.options.label}`,
        direction,
        text,
        json,
        ...(fds ? { fds } : {}),
      });
    } catch (err) {
      this.handlers.warning(`the wire logger threw: ${(err as Error)?.message ?? String(err)}`);
    }
  }

  /** A chunk of the byte stream. Nothing may escape from here: it runs in a stream handler. */
  private read(chunk: Buffer): void {
    if (this.closed) return; // drained while the stream closes
    try {
      for (const text of this.framer.push(chunk)) {
        if (this.closed) return; // a handler closed the channel
        this.receive(text);
      }
      if (this.closed) return;
      const failure = this.framer.failure;
      if (failure) {
        this.handlers.ended({ failure });
        return;
      }
      this.watchMessage();
    } catch (error) {
      this.handlers.ended({ error });
    }
  }

  private receive(text: string): void {
    let value: unknown;
    let isJson = true;
    try {
      value = parseJsonLossless(text);
    } catch {
      isJson = false;
    }
    const isObject = typeof value === "object" && value !== null && !Array.isArray(value);
    this.log("receive", text, isObject);
    if (isObject) this.handlers.message(value as Record<string, unknown>, text);
    else this.handlers.notMessage(text, isJson);
  }

  /** Starts the message timer when a message has begun, stops it when none is in progress. */
  private watchMessage(): void {
    const arriving = this.framer.pendingBytes() > 0;
    if (arriving && this.messageTimer && this.timedMessage !== this.framer.begun) {
      this.messageTimer.cancel(); // that one ended; another is arriving
      this.messageTimer = null;
    }
    if (arriving && !this.messageTimer) {
      this.timedMessage = this.framer.begun;
      const ms = this.options.messageTimeoutMs;
      this.messageTimer = startTimer(ms, () => {
        this.messageTimer = null;
        const bytes = this.framer.discard();
        const note = `${bytes} bytes of a message that did not end within ${ms} ms, let go`;
        this.log("receive", `<${note}>`, false);
        this.handlers.warning(`${this.description}: ${note}; reading goes on at the next message`);
      });
    } else if (!arriving && this.messageTimer) {
      this.messageTimer.cancel();
      this.messageTimer = null;
    }
  }

  private streamClosed(reason: string | null): void {
    this.messageTimer?.cancel();
    this.messageTimer = null;
    if (this.closed) return;
    this.closed = true;
    this.handlers.ended({ closed: reason });
  }
}
