// The QMP client: one connection to QEMU, typed by a command map and an event map.
//
//   const qmp = new QmpClient<Commands, Events>({ socket: "/run/qemu.sock" });
//   qmp.on("STOP", (e) => ...);        // subscribe before connecting: no event is missed
//   await qmp.connect();               // greeting, then qmp_capabilities
//   const status = await qmp.execute("query-status");
//
// A façade over four parts: the connection (connection.ts: transport, framing, greeting and
// negotiation), the pending commands (pending.ts: ids, timeouts, abort) and the event hub
// (events.ts), and the checks made on either side of the wire (checks.ts). What is left here
// ties them together: the client's state, the live schema, and reconnection.
//
// Every command carries an id and replies are matched by it, so any number may be in flight;
// anything with an "event" key is an event whenever it comes, so events never pass for replies.
// Integers are exact both ways: replies are parsed with parseJsonLossless (an integer beyond
// 2^53 arrives as a bigint), then put in the validators' representation of 64-bit integers
// (their `int64`), and commands are written with stringifyJson (a bigint is sent as the
// integer it is).

import { SchemaIndex } from "../introspection.ts";
import { checkSendable, messageEnvelope } from "../validate/sendable.ts";
import { stringifyJson } from "../validate/index.ts";
import { Checks } from "./checks.ts";
import { QmpConnection, type QmpGreeting } from "./connection.ts";
import { QmpClientError, QmpError, unsendable } from "./errors.ts";
import { fdListProblem } from "./fd-passing.ts";
import { EventHub, type EventIteratorOptions, type EventQueue, type QmpEvent } from "./events.ts";
import { PendingCommands, aborted } from "./pending.ts";
import { wireLoggerOf } from "./wire-log.ts";
import { ConnectionLifecycle } from "./lifecycle.ts";
import { describeTarget, type QmpTarget } from "./transport.ts";
import type {
  AnyCommands,
  AnyEvents,
  CommandSpec,
  EventMapOf,
  ExecuteOptions,
  ExecuteParams,
  QmpClientOptions,
  ReturnsOf,
} from "./types.ts";

export class QmpClient<
  C extends { [K in keyof C]: CommandSpec } = AnyCommands,
  E extends EventMapOf<E> = AnyEvents,
> {
  /** The server's greeting (version and capabilities offered); set by connect(). */
  greeting: QmpGreeting | null = null;
  /** Capabilities enabled by negotiation (["oob"] or []). */
  enabled: string[] = [];

  private readonly target: QmpTarget;
  private readonly options: QmpClientOptions;
  private readonly checks: Checks;
  private readonly life: ConnectionLifecycle;
  private connection: QmpConnection | null = null;
  private readonly pending: PendingCommands;
  private readonly hub: EventHub;
  private schemaPromise: Promise<SchemaIndex> | null = null;
  /** Connections opened so far (the wire log numbers them). */
  private connections = 0;
  /** An event iterator under the "pause" policy is full: do not read from QEMU. */
  private paused = false;
  /** Settles when the last command sent with descriptors has been answered (or failed). */
  private descriptorsTurn: Promise<unknown> = Promise.resolve();

  constructor(target: QmpTarget, options: QmpClientOptions = {}) {
    this.target = target;
    this.options = options;
    this.checks = new Checks(options);
    this.pending = new PendingCommands((command, ms) => this.timedOut(command, ms));
    this.hub = new EventHub(
      (message) => this.warn(message),
      (paused) => {
        this.paused = paused;
        if (paused) this.connection?.pause();
        else this.connection?.resume();
      },
    );
    // A spawned QEMU is gone with its connection: there is nothing to reconnect to.
    // (The target is checked on connecting: it may be anything here.)
    const spawned = typeof target === "object" && target !== null && "spawn" in target;
    this.life = new ConnectionLifecycle(spawned ? null : options.reconnect, {
      open: () => this.open(),
      ended: () => this.hub.end(),
      warn: (message) => this.warn(message),
    });
  }

  /** new QmpClient(target, options) followed by connect(). */
  static async connect<
    C extends { [K in keyof C]: CommandSpec } = AnyCommands,
    E extends EventMapOf<E> = AnyEvents,
  >(target: QmpTarget, options?: QmpClientOptions): Promise<QmpClient<C, E>> {
    const client = new QmpClient<C, E>(target, options);
    await client.connect();
    return client;
  }

  get connected(): boolean {
    return this.life.phase === "ready";
  }

  /** Opens the transport, waits for the greeting, negotiates capabilities. */
  async connect(): Promise<void> {
    await this.life.connect(describeTarget(this.target));
    if (this.options.loadSchema) {
      try {
        await this.schema();
      } catch (err) {
        await this.close(); // connect() either succeeds whole or leaves nothing open
        throw err;
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // Commands

  /** Runs a command; resolves with its `return` value, rejects with QmpError or QmpClientError. */
  execute<K extends keyof C & string>(
    command: K,
    ...params: ExecuteParams<C[K]>
  ): Promise<ReturnsOf<C[K]>> {
    return this.send(command, params[0], params[1], false) as Promise<ReturnsOf<C[K]>>;
  }

  /** Runs a command out-of-band (exec-oob): it may overtake in-band commands still queued. */
  executeOob<K extends keyof C & string>(
    command: K,
    ...params: ExecuteParams<C[K]>
  ): Promise<ReturnsOf<C[K]>> {
    return this.send(command, params[0], params[1], true) as Promise<ReturnsOf<C[K]>>;
  }

  private send(
    command: string,
    args: unknown,
    options: ExecuteOptions | undefined,
    oob: boolean,
  ): Promise<unknown> {
    const fds = options?.fds;
    if (fds?.length) {
      const problem = Array.isArray(fds)
        ? fdListProblem(fds)
        : "fds must be an array of descriptors";
      if (problem)
        return Promise.reject(new QmpClientError("fd-passing", `${command}: ${problem}`, command));
      // QEMU keeps the descriptors it last received until a command takes them, and replaces
      // them with the next ones: so one command with descriptors at a time.
      const sent = this.descriptorsTurn.then(() => this.write(command, args, options, oob, fds));
      this.descriptorsTurn = sent.catch(() => {});
      return sent;
    }
    return this.write(command, args, options, oob, undefined);
  }

  private write(
    command: string,
    args: unknown,
    options: ExecuteOptions | undefined,
    oob: boolean,
    fds: readonly number[] | undefined,
  ): Promise<unknown> {
    const early = this.refuse(command, args, oob);
    if (early) return Promise.reject(early);
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(aborted(command, signal));
    const verb = `{"${oob ? "exec-oob" : "execute"}":${JSON.stringify(command)}`;
    const timeoutMs = options?.timeoutMs ?? this.options.commandTimeoutMs ?? 60_000;
    const connection = this.connection!;
    return this.pending.add(command, oob, timeoutMs, signal, (id) => {
      const end = `,"id":${id}}`;
      let text = verb + end;
      if (args !== undefined) {
        // What QEMU's parser would refuse, or JSON cannot say, fails here alone (nothing is
        // sent); stringifyJson writes bigints (and integral doubles beyond 2^53) digit for digit.
        const before = `${verb},"arguments":`;
        const problem = checkSendable(args, messageEnvelope(before, end));
        if (problem) throw unsendable(command, problem);
        text = before + stringifyJson(args) + end;
      }
      try {
        connection.write(text, fds);
      } catch (err) {
        // Descriptors that cannot be sent: nothing was written.
        if (err instanceof QmpClientError && err.code === "fd-passing")
          throw new QmpClientError(err.code, `${command}: ${err.message}`, command, { cause: err });
        throw err;
      }
    });
  }

  /** Reasons to fail before sending anything, or null. */
  private refuse(command: string, args: unknown, oob: boolean): QmpClientError | null {
    return (
      this.life.notSendable(command) ??
      this.checks.beforeSending(command, args, oob, this.greeting, this.enabled)
    );
  }

  /** A reply from QEMU: settles the command it answers (pending.ts says which). */
  private reply(m: Record<string, unknown>): void {
    const outcome = this.pending.takeReply(m);
    if ("dropped" in outcome) return this.warn(outcome.dropped);
    const p = outcome.to;
    if ("error" in m) {
      p.reject(QmpError.from(m.error, p.command));
      return;
    }
    const decoded = this.checks.decodeResult(p.command, m.return);
    const problem =
      "problem" in decoded ? decoded.problem : this.checks.result(p.command, decoded.value);
    if (problem)
      p.reject(
        new QmpClientError(
          "invalid-result",
          `${p.command}: unexpected reply: ${problem}`,
          p.command,
        ),
      );
    else p.resolve((decoded as { value: unknown }).value);
  }

  /**
   * The error for a command whose timer fired. A message still arriving may be its reply: the
   * connection's message timeout lets it go if it does not end (channel.ts).
   */
  private timedOut(command: string, timeoutMs: number): QmpClientError {
    const arriving = this.connection?.unfinishedBytes() ?? 0;
    return new QmpClientError(
      "timeout",
      arriving === 0
        ? `${command}: no reply from QEMU in ${timeoutMs} ms`
        : `${command}: no complete reply from QEMU in ${timeoutMs} ms (${arriving} bytes of a message had arrived)`,
      command,
    );
  }

  // -------------------------------------------------------------------------------------------
  // Events

  /** Calls `listener` for each `name` event; returns the function that unsubscribes it. */
  on<K extends keyof E & string>(
    name: K,
    listener: (event: QmpEvent<K, E[K]>) => void,
  ): () => void {
    return this.hub.on(name, listener as (e: QmpEvent) => void);
  }

  /** Calls `listener` for every event. */
  onAny(listener: (event: QmpEvent<keyof E & string, E[keyof E & string]>) => void): () => void {
    return this.hub.onAny(listener as (e: QmpEvent) => void);
  }

  /**
   * Events as an async iterator (all of them, or only the given names), buffered per iterator
   * as events.ts describes. It ends when the connection is lost for good or close() is called.
   */
  events<K extends keyof E & string>(
    names?: K | K[],
    options: EventIteratorOptions = {},
  ): EventQueue<QmpEvent<K, E[K]>> {
    const filter =
      names === undefined ? null : new Set<string>(Array.isArray(names) ? names : [names]);
    return this.hub.iterate(filter, options) as unknown as EventQueue<QmpEvent<K, E[K]>>;
  }

  /** Called when the connection is lost (QEMU exited, was killed, the socket broke). */
  onDisconnect(listener: (reason: QmpClientError) => void): () => void {
    return this.life.onDisconnect(listener);
  }

  /** Called after a successful reconnection (the greeting and negotiation were redone). */
  onReconnect(listener: () => void): () => void {
    return this.life.onReconnect(listener);
  }

  private event(msg: Record<string, unknown>): void {
    // QEMU omits `data` for events without any; typed maps say `Record<string, never>`, so
    // consumers always get an object.
    if (msg.data === undefined) msg.data = {};
    const event = msg as unknown as QmpEvent;
    // Data the validators' int64 representation cannot hold is not delivered half right.
    const decoded = this.checks.decodeEvent(event.event, event.data);
    if ("problem" in decoded) return this.warn(`event ${event.event} dropped: ${decoded.problem}`);
    event.data = decoded.value;
    const problem = this.checks.event(event.event, event.data);
    if (problem) this.warn(`event ${event.event}: ${problem}`);
    this.hub.dispatch(event);
  }

  // -------------------------------------------------------------------------------------------
  // Live schema

  /**
   * The live query-qmp-schema, fetched once per connection, as the introspection library's
   * index (probe, has, hasCommand, hasFeature, explain, ...). Once it is loaded, execute()
   * refuses commands this QEMU lacks without a round trip.
   */
  schema(): Promise<SchemaIndex> {
    if (!this.schemaPromise) {
      this.schemaPromise = (
        this.execute as (c: string, a?: undefined, o?: ExecuteOptions) => Promise<unknown>
      )("query-qmp-schema").then(
        (reply) => (this.checks.liveSchema = new SchemaIndex(reply)),
        (err: unknown) => {
          this.schemaPromise = null; // a failed fetch is retried by the next call
          throw err;
        },
      );
    }
    return this.schemaPromise;
  }

  // -------------------------------------------------------------------------------------------
  // Connection

  /** Rejects every pending command, ends iterators, closes the transport (and a spawned QEMU). */
  async close(): Promise<void> {
    this.life.close();
    this.pending.failAll(
      (p) =>
        new QmpClientError(
          "closed",
          `${p.command}: the client was closed before QEMU replied`,
          p.command,
        ),
    );
    this.hub.end();
    const connection = this.connection;
    this.connection = null;
    await connection?.close();
  }

  /** A new connection, negotiated; it becomes the client's only once it is. */
  private async open(): Promise<void> {
    const connection = new QmpConnection(
      this.target,
      {
        connectTimeoutMs: this.options.connectTimeoutMs ?? 5000,
        greetingTimeoutMs: this.options.greetingTimeoutMs ?? 5000,
        messageTimeoutMs: this.options.commandTimeoutMs ?? 60_000,
        maxMessageBytes: this.options.maxMessageBytes,
        oob: this.options.oob !== false,
        logger: wireLoggerOf(this.options.logger),
        label: `#${++this.connections}`,
      },
      {
        reply: (m) => this.reply(m),
        event: (m) => this.event(m),
        warning: (w) => this.warn(w),
        ended: (reason) => {
          if (this.connection === connection) this.lost(reason);
        },
      },
    );
    this.connection = connection;
    if (this.paused) connection.pause();
    try {
      await connection.open();
    } catch (err) {
      if (this.connection === connection) this.connection = null;
      throw err;
    }
    this.greeting = connection.greeting;
    this.enabled = connection.enabled;
  }

  /** The connection ended while established: pending commands fail with the reason's code. */
  private lost(reason: QmpClientError): void {
    this.connection = null;
    this.pending.failAllLost(reason);
    this.schemaPromise = null; // the next QEMU behind the socket may be another build
    this.checks.liveSchema = null;
    this.life.lost(reason);
  }

  private warn(message: string): void {
    try {
      this.options.onWarning?.(message);
    } catch {
      // An onWarning that throws has nowhere left to report to, and must not stop the client.
    }
  }
}
