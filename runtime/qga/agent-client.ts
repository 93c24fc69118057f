// The guest agent's client: qemu-ga speaks QMP's messages without its session. No greeting, no
// capabilities, no events; instead the client synchronises the stream with
// guest-sync-delimited: a 0xFF byte (which flushes whatever half a request the agent holds from
// an earlier client), then the request with a random id; the agent answers with a 0xFF byte
// (which resets the client's framing, dropping half a reply left in the channel) and the id.
// That is done on connecting, after every command that timed out, and after every reconnection
// (an agent may be restarted by its guest at any time).
//
// Replies are matched by id as QMP's are (pending.ts), and the ids start at a random number, so
// a reply an earlier client left in the channel is never taken for one of ours: replies to
// commands still pending are kept across a resynchronisation. Commands that the agent answers
// only on failure ('success-response': false: guest-shutdown, guest-suspend-*) resolve once the
// request is written, with a handle whose `refusal` settles when the agent has shown whether it
// refused the command.
//
// A separate client rather than a protocol option of QmpClient: half of QmpClient's surface
// (greeting, events, out-of-band, the live schema) has no meaning for the agent, and the
// agent's own rules (sync, commands without a success response) change what execute() returns;
// the parts both protocols share are shared modules of runtime/qmp (channel, pending, checks).

import { stringifyJson } from "../validate/index.ts";
import { checkSendable, messageEnvelope } from "../validate/sendable.ts";
import { Channel } from "../qmp/channel.ts";
import { Checks } from "../qmp/checks.ts";
import { QmpClientError, QmpError, unsendable } from "../qmp/errors.ts";
import { PendingCommands, aborted } from "../qmp/pending.ts";
import { ConnectionLifecycle } from "../qmp/lifecycle.ts";
import { startTimer, type Timer } from "../qmp/timers.ts";
import { describeTarget, type QmpTarget } from "../qmp/transport.ts";
import type {
  AnyCommands,
  CommandSpec,
  ExecuteOptions,
  ExecuteParams,
  ReconnectOptions,
  ReturnsOf,
  Validators,
} from "../qmp/types.ts";
import { wireLoggerOf, type WireLogger } from "../qmp/wire-log.ts";

/** Where the agent is: its socket (`qemu-ga -m unix-listen`, or QEMU's chardev of a virtio-serial or isa-serial port). */
export type QgaTarget = Extract<QmpTarget, { socket: string } | { tcp: unknown }>;

/** The commands of qga's schema that send no reply on success (all since QEMU 1.1). */
export const DEFAULT_NO_SUCCESS_RESPONSE = [
  "guest-shutdown",
  "guest-suspend-disk",
  "guest-suspend-ram",
  "guest-suspend-hybrid",
] as const;
export type DefaultNoSuccessResponse = (typeof DEFAULT_NO_SUCCESS_RESPONSE)[number];

/** What execute() resolves with for a command that sends no reply on success. */
export interface CommandSent {
  /**
   * The agent's refusal: the QmpError it answered with, or null once it has shown it will not
   * refuse: it answered a later command (send one, guest-ping say, to learn sooner), the
   * connection ended, or commandTimeoutMs passed. Never rejects.
   */
  readonly refusal: Promise<QmpError | null>;
}

export interface QgaClientOptions {
  /** Time allowed to open the socket (default 5000 ms; 0 waits forever). */
  connectTimeoutMs?: number;
  /**
   * Time allowed for the answer to guest-sync-delimited (default 5000 ms; 0 waits forever).
   * On connecting, a missing one fails connect() with code "sync" (is an agent running in the
   * guest?); later ones are reported to onWarning and tried again after the next timeout.
   */
  syncTimeoutMs?: number;
  /** Default per-command timeout (default 60 000 ms; 0 waits forever), as QmpClient's. */
  commandTimeoutMs?: number;
  /** Longest message accepted from the agent, as QmpClient's (default 64 MiB). */
  maxMessageBytes?: number;
  /** The generated validators: arguments checked before sending, results after. */
  validate?: Validators;
  /** Reject results with members the validators' schema lacks (default false). */
  strictReplies?: boolean;
  /**
   * Commands that send no reply on success (the generated client passes its schema's).
   * Default: DEFAULT_NO_SUCCESS_RESPONSE.
   */
  noSuccessResponse?: Iterable<string>;
  /** Reconnect after the connection is lost (the agent restarted), and synchronise again. */
  reconnect?: boolean | ReconnectOptions;
  onWarning?: (message: string) => void;
  /** The wire log, as QmpClient's (NODE_DEBUG=qapi-ts when absent). */
  logger?: WireLogger | null;
}

/** The synchronisation in progress. */
interface Sync {
  id: number;
  done: Promise<void>;
  resolve(): void;
  reject(err: QmpClientError): void;
  timer: Timer;
}

const SENTINEL = Uint8Array.of(0xff);

export class QgaClient<
  C extends { [K in keyof C]: CommandSpec } = AnyCommands,
  N extends string = DefaultNoSuccessResponse,
> {
  private readonly target: QgaTarget;
  private readonly options: QgaClientOptions;
  private readonly checks: Checks;
  private readonly noReply: Set<string>;
  private readonly pending: PendingCommands;
  private readonly life: ConnectionLifecycle;
  private channel: Channel | null = null;
  private sync: Sync | null = null;
  private connections = 0;

  constructor(target: QgaTarget, options: QgaClientOptions = {}) {
    this.target = target;
    this.options = options;
    this.checks = new Checks(options);
    this.noReply = new Set(options.noSuccessResponse ?? DEFAULT_NO_SUCCESS_RESPONSE);
    // Ids from a random start, below 2^52 so that any number of them stays exact.
    this.pending = new PendingCommands(
      (command, ms) => this.timedOut(command, ms),
      1 + Math.floor(Math.random() * 2 ** 51),
    );
    this.life = new ConnectionLifecycle(options.reconnect, {
      open: () => this.open(),
      ended: () => {},
      warn: (message) => this.warn(message),
    });
  }

  /** new QgaClient(target, options) followed by connect(). */
  static async connect<
    C extends { [K in keyof C]: CommandSpec } = AnyCommands,
    N extends string = DefaultNoSuccessResponse,
  >(target: QgaTarget, options?: QgaClientOptions): Promise<QgaClient<C, N>> {
    const client = new QgaClient<C, N>(target, options);
    await client.connect();
    return client;
  }

  get connected(): boolean {
    return this.life.phase === "ready";
  }

  /** Opens the socket and synchronises with guest-sync-delimited. */
  async connect(): Promise<void> {
    if ("spawn" in (this.target as object))
      throw new QmpClientError(
        "connect",
        "invalid target: the guest agent is reached over a socket ({ socket } or { tcp })",
      );
    await this.life.connect(describeTarget(this.target));
  }

  /**
   * Runs a command; resolves with its `return` value, rejects with QmpError or QmpClientError.
   * A command that sends no reply on success resolves once written, with its CommandSent.
   */
  execute<K extends keyof C & string>(
    command: K,
    ...params: ExecuteParams<C[K]>
  ): Promise<K extends N ? CommandSent : ReturnsOf<C[K]>> {
    return this.send(command, params[0], params[1]) as Promise<
      K extends N ? CommandSent : ReturnsOf<C[K]>
    >;
  }

  /** Synchronises again (as after a timeout): resolves once the agent has answered. */
  resync(): Promise<void> {
    if (this.life.phase !== "ready")
      return Promise.reject(
        new QmpClientError("disconnected", "guest-sync-delimited: not connected"),
      );
    return this.synchronise();
  }

  /** Called when the connection is lost (the agent or its guest went away). */
  onDisconnect(listener: (reason: QmpClientError) => void): () => void {
    return this.life.onDisconnect(listener);
  }

  /** Called after a successful reconnection (synchronised again). */
  onReconnect(listener: () => void): () => void {
    return this.life.onReconnect(listener);
  }

  /** Rejects every pending command and closes the socket. */
  async close(): Promise<void> {
    this.life.close();
    this.endSync(
      new QmpClientError("closed", "the client was closed before the agent synchronised"),
    );
    this.pending.failAll(
      (p) =>
        new QmpClientError(
          "closed",
          `${p.command}: the client was closed before the agent replied`,
          p.command,
        ),
    );
    const channel = this.channel;
    this.channel = null;
    await channel?.close();
  }

  // -------------------------------------------------------------------------------------------

  private send(
    command: string,
    args: unknown,
    options: ExecuteOptions | undefined,
  ): Promise<unknown> {
    const refused = this.refuse(command, args);
    if (refused) return Promise.reject(refused);
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(aborted(command, signal));
    const channel = this.channel!;
    const timeoutMs = options?.timeoutMs ?? this.options.commandTimeoutMs ?? 60_000;
    const verb = `{"execute":${JSON.stringify(command)}`;
    const text = (id: number): string => {
      const end = `,"id":${id}}`;
      if (args === undefined) return verb + end;
      const before = `${verb},"arguments":`;
      const problem = checkSendable(args, messageEnvelope(before, end));
      if (problem) throw unsendable(command, problem);
      return before + stringifyJson(args) + end;
    };
    if (!this.noReply.has(command))
      return this.pending.add(command, false, timeoutMs, signal, (id) => channel.write(text(id)));
    // No reply on success: written is sent; the pending entry watches for a refusal.
    return new Promise<CommandSent>((resolve, reject) => {
      const refusal = this.pending
        .add(command, false, timeoutMs, undefined, (id) =>
          channel.write(text(id), (error) => {
            if (error)
              reject(
                new QmpClientError(
                  "disconnected",
                  `${command}: not sent: ${error.message}`,
                  command,
                  { cause: error },
                ),
              );
            else resolve({ refusal });
          }),
        )
        .then(
          () => null,
          (err: unknown) => {
            if (err instanceof QmpError) return err;
            // Not written at all (arguments that cannot be sent): execute() fails with it.
            if (err instanceof QmpClientError && err.code === "invalid-arguments") reject(err);
            return null;
          },
        );
    });
  }

  /** Reasons to fail before sending anything, or null. */
  private refuse(command: string, args: unknown): QmpClientError | null {
    return (
      this.life.notSendable(command) ?? this.checks.beforeSending(command, args, false, null, [])
    );
  }

  private timedOut(command: string, timeoutMs: number): QmpClientError {
    // The agent may be busy with it, or the stream out of step: synchronise (a command without
    // a success response timing out only means it was not refused).
    if (!this.noReply.has(command) && this.life.phase === "ready" && !this.sync)
      this.synchronise().catch((err: QmpClientError) => {
        if (err.code === "sync") this.warn(err.message); // (else the connection ended)
      });
    return new QmpClientError(
      "timeout",
      `${command}: no reply from the guest agent in ${timeoutMs} ms`,
      command,
    );
  }

  /** A connection, synchronised; it becomes the client's only once it is. */
  private async open(): Promise<void> {
    const channel: Channel = new Channel(
      this.target,
      {
        connectTimeoutMs: this.options.connectTimeoutMs ?? 5000,
        messageTimeoutMs: this.options.commandTimeoutMs ?? 60_000,
        maxMessageBytes: this.options.maxMessageBytes,
        logger: wireLoggerOf(this.options.logger),
        label: `#${++this.connections}`,
      },
      {
        message: (value) => {
          if (this.channel === channel) this.message(value);
        },
        notMessage: (text) => {
          // What precedes a synchronisation is what it is there to skip.
          if (this.channel === channel && !this.sync)
            this.warn(`not a message from the guest agent, ignored: ${excerpt(text)}`);
        },
        warning: (w) => this.warn(w),
        ended: (end) => {
          if (this.channel !== channel) return;
          const why =
            "closed" in end
              ? `connection to ${channel.description} lost${end.closed ? ` (${end.closed})` : ""}`
              : "failure" in end
                ? `${channel.description}: ${end.failure.message}; the connection was closed`
                : `${channel.description}: the connection was closed after an error: ${String(end.error)}`;
          const code = "failure" in end ? end.failure.code : "disconnected";
          void channel.close();
          this.lost(new QmpClientError(code, why));
        },
      },
      describeTarget(this.target),
    );
    this.channel = channel;
    try {
      await channel.open();
      await this.synchronise();
    } catch (err) {
      if (this.channel === channel) this.channel = null;
      await channel.close();
      throw err;
    }
  }

  /**
   * Writes the sentinel and guest-sync-delimited; resolves when the agent answers it (one at a
   * time: a call while one is in progress gets that one).
   */
  private synchronise(): Promise<void> {
    if (this.sync) return this.sync.done;
    const channel = this.channel!;
    const id = Math.floor(Math.random() * 2 ** 53);
    const ms = this.options.syncTimeoutMs ?? 5000;
    let settle!: Pick<Sync, "resolve" | "reject">;
    const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    this.sync = {
      id,
      done,
      ...settle,
      timer: startTimer(ms, () =>
        this.endSync(
          new QmpClientError(
            "sync",
            `${channel.description}: no answer to guest-sync-delimited in ${ms} ms (is a guest agent running at the other end?)`,
          ),
        ),
      ),
    };
    channel.writeBytes(SENTINEL, "\\xff");
    channel.write(`{"execute":"guest-sync-delimited","arguments":{"id":${id}}}`);
    return done;
  }

  /** Ends the synchronisation in progress: with `error`, or (null) successfully. */
  private endSync(error: QmpClientError | null): void {
    const sync = this.sync;
    if (!sync) return;
    this.sync = null;
    sync.timer.cancel();
    if (error) sync.reject(error);
    else sync.resolve();
  }

  private message(m: Record<string, unknown>): void {
    if (!("return" in m || "error" in m)) {
      this.warn(`unrecognised message from the guest agent ignored: ${excerpt(stringifyJson(m))}`);
      return;
    }
    if (this.sync && m.id === undefined) {
      // The answer to the synchronisation; anything else without an id before it is stale (or
      // the agent's complaint about the sentinel itself).
      if (m.return === this.sync.id) this.endSync(null);
      return;
    }
    const outcome = this.pending.takeReply(m);
    if ("dropped" in outcome) {
      // Stale replies (an earlier client's) are what a synchronisation skips; our late ones are
      // reported.
      if (!this.sync || outcome.late) this.warn(outcome.dropped);
      return;
    }
    const p = outcome.to;
    if ("error" in m) return p.reject(QmpError.from(m.error, p.command));
    const problem = this.checks.result(p.command, m.return);
    if (problem)
      p.reject(
        new QmpClientError(
          "invalid-result",
          `${p.command}: unexpected reply: ${problem}`,
          p.command,
        ),
      );
    else p.resolve(m.return);
  }

  /** The connection ended: pending commands fail; reconnect if asked to. */
  private lost(reason: QmpClientError): void {
    this.channel = null;
    this.endSync(reason);
    this.pending.failAllLost(reason);
    this.life.lost(reason);
  }

  private warn(message: string): void {
    try {
      this.options.onWarning?.(message);
    } catch {
      // nowhere left to report to
    }
  }
}

function excerpt(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
}
