// The QMP client: one connection to QEMU, typed by a command map and an event map.
//
//   const qmp = new QmpClient<Commands, Events>({ socket: "/run/qemu.sock" });
//   qmp.on("STOP", (e) => ...);        // subscribe before connecting: no event is missed
//   await qmp.connect();               // greeting, then qmp_capabilities
//   const status = await qmp.execute("query-status");
//
// Every command carries an id and replies are matched by it, so any number may be in flight;
// anything with an "event" key is an event whenever it comes, so events never pass for replies.

import { QmpClientError, QmpError } from "./errors.ts";
import { EventQueue, type EventIteratorOptions, type QmpEvent } from "./events.ts";
import { JsonFramer } from "./framing.ts";
import { SchemaIndex } from "../introspection.ts";
import type { SchemaInfoCommand } from "../schema-info.ts";
import { describeTarget, openStream, type QmpStream, type QmpTarget } from "./transport.ts";

// ---------------------------------------------------------------------------------------------
// Types a generated command/event map plugs into

/**
 * A command map has one entry per command name: `{ args: ArgumentsType; returns: ResultType }`.
 * Commands without arguments may use `args: undefined` (or leave `args` out); so that the
 * generated `interface Commands { ... }` fits, the map is any type whose values have this shape.
 */
export interface CommandSpec {
  args?: unknown;
  returns?: unknown;
}
/** An event map: event name to the type of its `data` (undefined for events without data). */
export type EventMapOf<E> = { [K in keyof E]: unknown };

/** What any QEMU accepts when no map is given: any name, object arguments, unknown results. */
export type AnyCommands = Record<
  string,
  { args: Record<string, unknown> | undefined; returns: unknown }
>;
export type AnyEvents = Record<string, unknown>;

export type ArgsOf<S> = S extends { args: infer A } ? A : undefined;
export type ReturnsOf<S> = S extends { returns: infer R } ? R : unknown;

/** execute()'s parameters after the name: arguments are optional exactly when none are required. */
export type ExecuteParams<S> = [ArgsOf<S>] extends [undefined | void | never]
  ? [args?: Record<string, never> | undefined, options?: ExecuteOptions]
  : {} extends ArgsOf<S>
    ? [args?: ArgsOf<S>, options?: ExecuteOptions]
    : [args: ArgsOf<S>, options?: ExecuteOptions];

export interface ExecuteOptions {
  /** Give up after this long (default: the client's commandTimeoutMs). 0 waits forever. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

// ---------------------------------------------------------------------------------------------
// Options

/** QEMU's compat policy for input (its -compat option), applied by the client before sending. */
export interface CompatPolicy {
  deprecatedInput?: "accept" | "reject";
  unstableInput?: "accept" | "reject";
}

/** Options the validators take (the generated validators.js accepts exactly these). */
export interface ValidatorOptions extends CompatPolicy {
  unknownMembers?: "reject" | "ignore";
}

/**
 * A validator set: what `qapi-ts generate` writes to validators.js, so that
 * `import * as validators from "./generated/validators.js"` plugs in as it is. Messages are
 * QEMU's, with the path. Only the commands and events the set knows are checked: a live QEMU
 * may be newer or older than the schema the validators were generated from.
 */
export interface Validators {
  readonly commandNames: readonly string[];
  readonly eventNames: readonly string[];
  validateCommandArguments(
    name: string,
    args: unknown,
    options?: ValidatorOptions,
  ): { message: string } | null;
  validateCommandReturns(
    name: string,
    value: unknown,
    options?: ValidatorOptions,
  ): { message: string } | null;
  validateEvent(
    name: string,
    data: unknown,
    options?: ValidatorOptions,
  ): { message: string } | null;
}

export interface ReconnectOptions {
  /** Attempts after a lost connection before giving up (default 10). */
  retries?: number;
  /** Delay before the first attempt, doubled after each failure up to maxDelayMs (default 100). */
  delayMs?: number;
  maxDelayMs?: number;
}

export interface QmpClientOptions {
  /** Time allowed to open the socket (default 5000 ms). */
  connectTimeoutMs?: number;
  /** Time allowed between connecting and the end of negotiation (default 5000 ms). */
  greetingTimeoutMs?: number;
  /** Default per-command timeout (default 60 000 ms; 0 waits forever). */
  commandTimeoutMs?: number;
  /** Enable out-of-band execution when the server offers it (default true). */
  oob?: boolean;
  /**
   * Checks arguments before sending (a failure rejects the call with "invalid-arguments" and
   * nothing is sent), results after (a failure rejects with "invalid-result") and event data
   * (a failure goes to onWarning; the event is still delivered).
   */
  validate?: Validators;
  /** Applied by the validators to arguments, and to commands the live schema marks. */
  compat?: CompatPolicy;
  /**
   * Reject results and events with members the validators' schema lacks (default false: a
   * newer QEMU may add members, and QMP clients must ignore them).
   */
  strictReplies?: boolean;
  /** Fetch query-qmp-schema during connect(), so that unknown commands fail fast from the start. */
  loadSchema?: boolean;
  /** Reconnect after the connection is lost (sockets only; a spawned QEMU that exits is gone). */
  reconnect?: boolean | ReconnectOptions;
  /** Non-fatal oddities: unmatched replies, events that fail validation, ... */
  onWarning?: (message: string) => void;
}

export interface QmpGreeting {
  version: { qemu: { major: number; minor: number; micro: number }; package: string };
  capabilities: string[];
}

type State = "idle" | "connecting" | "ready" | "reconnecting" | "closed";

interface Pending {
  command: string;
  oob: boolean;
  resolve(value: unknown): void;
  reject(err: Error): void;
  cleanup(): void;
}

const NEGOTIATION_ID = "qapi-ts:qmp_capabilities";

// ---------------------------------------------------------------------------------------------

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
  private readonly compat: CompatPolicy;
  private readonly validated: {
    commands: Set<string>;
    events: Set<string>;
    replies: ValidatorOptions;
  } | null;
  private state: State = "idle";
  private stream: QmpStream | null = null;
  private nextId = 1;
  private readonly pending = new Map<number | string, Pending>();
  private readonly listeners = new Map<string, Set<(e: QmpEvent) => void>>();
  private readonly anyListeners = new Set<(e: QmpEvent) => void>();
  private readonly iterators = new Set<{
    names: Set<string> | null;
    queue: EventQueue<QmpEvent>;
  }>();
  private readonly disconnectListeners = new Set<(err: QmpClientError) => void>();
  private readonly reconnectListeners = new Set<() => void>();
  private schemaPromise: Promise<SchemaIndex> | null = null;
  private liveSchema: SchemaIndex | null = null;
  private onGreeting: ((msg: Record<string, unknown>) => void) | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  /** Why the client is closed: set when the connection was lost for good (not by close()). */
  private lostReason: string | null = null;

  constructor(target: QmpTarget, options: QmpClientOptions = {}) {
    this.target = target;
    this.options = options;
    this.compat = options.compat ?? {};
    const v = options.validate;
    this.validated = v
      ? {
          commands: new Set(v.commandNames),
          events: new Set(v.eventNames),
          replies: { unknownMembers: options.strictReplies ? "reject" : "ignore" },
        }
      : null;
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
    return this.state === "ready";
  }

  /** Opens the transport, waits for the greeting, negotiates capabilities. */
  async connect(): Promise<void> {
    if (this.state !== "idle")
      throw new QmpClientError(
        "connect",
        `connect() called twice on ${describeTarget(this.target)}`,
      );
    this.state = "connecting";
    try {
      await this.open();
      this.state = "ready";
    } catch (err) {
      this.state = "closed";
      this.endIterators();
      throw err;
    }
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
    const early = this.refuse(command, args, oob);
    if (early) return Promise.reject(early);
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(aborted(command, signal));

    const id = this.nextId++;
    const msg: Record<string, unknown> = { [oob ? "exec-oob" : "execute"]: command };
    if (args !== undefined) msg.arguments = args;
    msg.id = id;
    let text: string;
    try {
      text = JSON.stringify(msg) + "\n";
    } catch (err) {
      return Promise.reject(
        new QmpClientError(
          "invalid-arguments",
          `${command}: arguments are not JSON: ${(err as Error).message}`,
          command,
        ),
      );
    }

    return new Promise((resolve, reject) => {
      const timeoutMs = options?.timeoutMs ?? this.options.commandTimeoutMs ?? 60_000;
      let timer: NodeJS.Timeout | null = null;
      const onAbort = (): void => {
        this.settle(id)?.reject(aborted(command, signal!));
      };
      const entry: Pending = {
        command,
        oob,
        resolve,
        reject,
        cleanup: () => {
          if (timer) clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
        },
      };
      if (timeoutMs > 0 && Number.isFinite(timeoutMs)) {
        timer = setTimeout(() => {
          this.settle(id)?.reject(
            new QmpClientError(
              "timeout",
              `${command}: no reply from QEMU in ${timeoutMs} ms`,
              command,
            ),
          );
        }, timeoutMs);
      }
      signal?.addEventListener("abort", onAbort, { once: true });
      this.pending.set(id, entry);
      this.stream!.write(text);
    });
  }

  /** Reasons to fail before sending anything, or null. */
  private refuse(command: string, args: unknown, oob: boolean): QmpClientError | null {
    if (this.state !== "ready") {
      if (this.state === "closed" && !this.lostReason)
        return new QmpClientError("closed", `${command}: not sent: the client is closed`, command);
      const why =
        this.state === "closed"
          ? this.lostReason
          : this.state === "reconnecting"
            ? "the connection is lost (reconnecting)"
            : "connect() has not completed";
      return new QmpClientError("disconnected", `${command}: not sent: ${why}`, command);
    }
    if (oob && !this.enabled.includes("oob")) {
      return new QmpClientError(
        "not-in-schema",
        `${command}: out-of-band execution is not enabled on this connection (server offered: ${this.greeting?.capabilities.join(", ") || "nothing"})`,
        command,
      );
    }
    if (this.liveSchema) {
      const found = this.liveSchema.get(command);
      const entry = found?.["meta-type"] === "command" ? (found as SchemaInfoCommand) : null;
      if (!entry)
        return new QmpClientError(
          "not-in-schema",
          `${command}: this QEMU (${versionText(this.greeting)}) has no such command`,
          command,
        );
      if (oob && entry["allow-oob"] !== true)
        return new QmpClientError(
          "not-in-schema",
          `${command}: this QEMU does not allow it out-of-band`,
          command,
        );
      const features = entry.features ?? [];
      for (const [feature, policy] of [
        ["deprecated", this.compat.deprecatedInput],
        ["unstable", this.compat.unstableInput],
      ] as const) {
        if (policy === "reject" && features.includes(feature)) {
          return new QmpClientError(
            "compat",
            `${command}: the command is ${feature} and the compat policy rejects ${feature} input`,
            command,
          );
        }
      }
    }
    if (this.validated?.commands.has(command)) {
      const problem = this.options.validate!.validateCommandArguments(command, args, this.compat);
      if (problem)
        return new QmpClientError("invalid-arguments", `${command}: ${problem.message}`, command);
    }
    return null;
  }

  /** Removes a pending command and stops its timer; null when it was already settled. */
  private settle(id: number | string): Pending | null {
    const p = this.pending.get(id);
    if (!p) return null;
    this.pending.delete(id);
    p.cleanup();
    return p;
  }

  // -------------------------------------------------------------------------------------------
  // Events

  /** Calls `listener` for each `name` event; returns the function that unsubscribes it. */
  on<K extends keyof E & string>(
    name: K,
    listener: (event: QmpEvent<K, E[K]>) => void,
  ): () => void {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    const l = listener as (e: QmpEvent) => void;
    set.add(l);
    return () => set.delete(l);
  }

  /** Calls `listener` for every event. */
  onAny(listener: (event: QmpEvent<keyof E & string, E[keyof E & string]>) => void): () => void {
    const l = listener as (e: QmpEvent) => void;
    this.anyListeners.add(l);
    return () => this.anyListeners.delete(l);
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
    const sub = { names: filter, queue: null as unknown as EventQueue<QmpEvent> };
    sub.queue = new EventQueue<QmpEvent>(options, () => this.iterators.delete(sub));
    if (this.state === "closed") sub.queue.end();
    else this.iterators.add(sub);
    return sub.queue as unknown as EventQueue<QmpEvent<K, E[K]>>;
  }

  /** Called when the connection is lost (QEMU exited, was killed, the socket broke). */
  onDisconnect(listener: (reason: QmpClientError) => void): () => void {
    this.disconnectListeners.add(listener);
    return () => this.disconnectListeners.delete(listener);
  }

  /** Called after a successful reconnection (the greeting and negotiation were redone). */
  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  private dispatchEvent(msg: Record<string, unknown>): void {
    // QEMU omits `data` for events without any; typed maps say `Record<string, never>`, so
    // consumers always get an object.
    if (msg.data === undefined) msg.data = {};
    const event = msg as unknown as QmpEvent;
    if (this.validated?.events.has(event.event)) {
      const problem = this.options.validate!.validateEvent(
        event.event,
        event.data,
        this.validated.replies,
      );
      if (problem) this.warn(`event ${event.event}: ${problem.message}`);
    }
    for (const l of this.listeners.get(event.event) ?? []) this.callListener(l, event);
    for (const l of this.anyListeners) this.callListener(l, event);
    for (const sub of this.iterators)
      if (!sub.names || sub.names.has(event.event)) sub.queue.push(event);
  }

  private callListener(l: (e: QmpEvent) => void, event: QmpEvent): void {
    try {
      l(event);
    } catch (err) {
      // A throwing listener must not stop the others nor the reading of replies.
      this.warn(`listener for ${event.event} threw: ${(err as Error)?.message ?? String(err)}`);
    }
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
        (reply) => (this.liveSchema = new SchemaIndex(reply)),
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
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const wasOpen = this.state !== "closed";
    this.state = "closed";
    this.lostReason = null;
    this.failPending(
      (p) =>
        new QmpClientError(
          "closed",
          `${p.command}: the client was closed before QEMU replied`,
          p.command,
        ),
    );
    this.endIterators();
    const stream = this.stream;
    this.stream = null;
    if (wasOpen && stream) await stream.destroy();
  }

  private async open(): Promise<void> {
    const connectTimeoutMs = this.options.connectTimeoutMs ?? 5000;
    const greetingTimeoutMs = this.options.greetingTimeoutMs ?? 5000;
    const stream = await openStream(this.target, connectTimeoutMs);
    this.stream = stream;
    const framer = new JsonFramer();

    let greetingTimer: NodeJS.Timeout | null = null;
    const negotiated = new Promise<void>((resolve, reject) => {
      let failed = false;
      const fail = (err: QmpClientError): void => {
        if (failed) return; // rejecting the pending negotiation below comes back here
        failed = true;
        if (greetingTimer) clearTimeout(greetingTimer);
        if (this.stream === stream) this.stream = null;
        this.onGreeting = null;
        this.failPending(
          (p) =>
            new QmpClientError(
              "disconnected",
              `${p.command}: connection lost during negotiation`,
              p.command,
            ),
        );
        void stream.destroy();
        reject(err);
      };
      greetingTimer = setTimeout(() => {
        fail(
          new QmpClientError(
            "greeting",
            `${stream.description}: no QMP greeting in ${greetingTimeoutMs} ms (is QEMU stopped, or is this not a QMP monitor?)`,
          ),
        );
      }, greetingTimeoutMs);

      this.onGreeting = (msg) => {
        this.onGreeting = null;
        const g = msg.QMP as QmpGreeting;
        if (!g || typeof g !== "object" || !Array.isArray(g.capabilities)) {
          fail(
            new QmpClientError(
              "greeting",
              `${stream.description}: malformed greeting ${JSON.stringify(msg).slice(0, 200)}`,
            ),
          );
          return;
        }
        this.greeting = g;
        const enable = this.options.oob !== false && g.capabilities.includes("oob") ? ["oob"] : [];
        // Negotiation goes through the ordinary reply matching, under the greeting timer.
        this.pending.set(NEGOTIATION_ID, {
          command: "qmp_capabilities",
          oob: false,
          cleanup: () => {},
          resolve: () => {
            clearTimeout(greetingTimer!);
            this.enabled = enable;
            resolve();
          },
          reject: (err) => {
            const detail = err instanceof QmpError ? err.desc : err.message;
            fail(
              new QmpClientError(
                "negotiation",
                `${stream.description}: qmp_capabilities failed: ${detail}`,
                undefined,
                { cause: err },
              ),
            );
          },
        });
        const neg: Record<string, unknown> = { execute: "qmp_capabilities" };
        if (enable.length) neg.arguments = { enable };
        neg.id = NEGOTIATION_ID;
        stream.write(JSON.stringify(neg) + "\n");
      };

      stream.start(
        (chunk) => {
          for (const text of framer.push(chunk)) this.receive(text);
        },
        (reason) => {
          if (this.stream !== stream) return; // a stream we already replaced or closed
          if (this.onGreeting || this.pending.has(NEGOTIATION_ID)) {
            const pendingBytes = framer.pendingBytes();
            fail(
              new QmpClientError(
                "greeting",
                `${stream.description} closed before negotiation completed${reason ? ` (${reason})` : ""}${pendingBytes ? `; ${pendingBytes} bytes of an unfinished message` : ""}`,
              ),
            );
            return;
          }
          this.lost(reason);
        },
      );
    });
    await negotiated;
  }

  /** One JSON text from QEMU: a greeting, a reply, or an event. */
  private receive(text: string): void {
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      this.warn(`not JSON from QEMU, ignored: ${text.slice(0, 200)}`);
      return;
    }
    if (typeof msg !== "object" || msg === null || Array.isArray(msg)) {
      this.warn(`not a QMP message, ignored: ${text.slice(0, 200)}`);
      return;
    }
    const m = msg as Record<string, unknown>;
    if (typeof m.event === "string") return this.dispatchEvent(m);
    if ("QMP" in m) {
      if (this.onGreeting) this.onGreeting(m);
      else this.warn("second greeting ignored");
      return;
    }
    if ("return" in m || "error" in m) return this.reply(m);
    this.warn(`unrecognised message ignored: ${text.slice(0, 200)}`);
  }

  private reply(m: Record<string, unknown>): void {
    let id = m.id as number | string | undefined;
    if (id === undefined) {
      // QEMU omits the id only when it could not read the request (spec: "Commands Responses");
      // in-band replies come in issue order, so it answers the oldest in-band command.
      for (const [k, p] of this.pending)
        if (!p.oob) {
          id = k;
          break;
        }
    }
    const p = id === undefined ? null : this.settle(id);
    if (!p) {
      this.warn(`reply with unknown id ${JSON.stringify(m.id)} dropped`); // e.g. a timed-out or aborted command
      return;
    }
    if ("error" in m) {
      const e = (m.error ?? {}) as { class?: unknown; desc?: unknown };
      p.reject(new QmpError(String(e.class ?? "GenericError"), String(e.desc ?? ""), p.command));
      return;
    }
    const problem =
      this.validated?.commands.has(p.command) && p.command !== "qmp_capabilities"
        ? this.options.validate!.validateCommandReturns(p.command, m.return, this.validated.replies)
        : null;
    if (problem)
      p.reject(
        new QmpClientError(
          "invalid-result",
          `${p.command}: unexpected reply: ${problem.message}`,
          p.command,
        ),
      );
    else p.resolve(m.return);
  }

  /** The connection dropped while established. */
  private lost(reason: string | null): void {
    const where = this.stream?.description ?? describeTarget(this.target);
    void this.stream?.destroy(); // what is left of it: a dead QEMU's pipes, a half-closed socket
    this.stream = null;
    const detail = reason ? ` (${reason})` : "";
    this.failPending(
      (p) =>
        new QmpClientError(
          "disconnected",
          `${p.command}: connection to ${where} lost before QEMU replied${detail}`,
          p.command,
        ),
    );
    this.schemaPromise = null; // the next QEMU behind the socket may be another build
    this.liveSchema = null;
    const err = new QmpClientError("disconnected", `connection to ${where} lost${detail}`);
    this.lostReason = err.message;
    const retry = this.reconnectOptions();
    this.state = retry ? "reconnecting" : "closed";
    if (!retry) this.endIterators();
    for (const l of this.disconnectListeners) l(err);
    if (retry) this.scheduleReconnect(retry, 0);
  }

  private reconnectOptions(): Required<ReconnectOptions> | null {
    const r = this.options.reconnect;
    if (!r || "spawn" in this.target) return null;
    const o = r === true ? {} : r;
    return {
      retries: o.retries ?? 10,
      delayMs: o.delayMs ?? 100,
      maxDelayMs: o.maxDelayMs ?? 5000,
    };
  }

  private scheduleReconnect(r: Required<ReconnectOptions>, attempt: number): void {
    if (this.state !== "reconnecting") return;
    if (attempt >= r.retries) {
      this.state = "closed";
      this.endIterators();
      return;
    }
    const delay = Math.min(r.delayMs * 2 ** attempt, r.maxDelayMs);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.open().then(
        () => {
          if (this.state !== "reconnecting") {
            void this.stream?.destroy(); // close() was called meanwhile
            return;
          }
          this.state = "ready";
          this.lostReason = null;
          for (const l of this.reconnectListeners) l();
        },
        () => this.scheduleReconnect(r, attempt + 1),
      );
    }, delay);
  }

  private failPending(make: (p: Pending) => Error): void {
    const all = [...this.pending.values()];
    for (const p of all) p.cleanup();
    this.pending.clear();
    for (const p of all) p.reject(make(p));
  }

  private endIterators(): void {
    for (const sub of [...this.iterators]) sub.queue.end();
    this.iterators.clear();
  }

  private warn(message: string): void {
    this.options.onWarning?.(message);
  }
}

function aborted(command: string, signal: AbortSignal): QmpClientError {
  return new QmpClientError("aborted", `${command}: aborted before QEMU replied`, command, {
    cause: signal.reason,
  });
}

function versionText(g: QmpGreeting | null): string {
  const v = g?.version?.qemu;
  return v ? `QEMU ${v.major}.${v.minor}.${v.micro}` : "QEMU";
}
