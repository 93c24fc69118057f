// The client's types: what a generated command/event map plugs into, and the options.

/**
 * A command map has one entry per command name: `{ args: ArgumentsType; returns: ResultType }`.
 * Commands without arguments may use `args: undefined` (or leave `args` out); so that the
 * generated `interface Commands { ... }` fits, the map is any type whose values have this shape.
 */
import type { ValidateOptions, Validators as AnyValidators } from "../validate/validators.ts";
import type { WireLogger } from "./wire-log.ts";
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
export type ExecuteParams<S> = [ArgsOf<S>] extends [undefined | void]
  ? [args?: Record<string, never> | undefined, options?: ExecuteOptions]
  : // (An empty object literal is a valid ArgsOf<S>: every argument is optional.)
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    {} extends ArgsOf<S>
    ? [args?: ArgsOf<S>, options?: ExecuteOptions]
    : [args: ArgsOf<S>, options?: ExecuteOptions];

export interface ExecuteOptions {
  /** Give up after this long (default: the client's commandTimeoutMs). 0 waits forever. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /**
   * File descriptors sent with the command (SCM_RIGHTS), for `getfd` and `add-fd`: over a Unix
   * socket, with the optional package @qapi-ts/fd-passing installed (else the call fails with
   * code "fd-passing" and says so). QEMU receives duplicates: close yours when you like. A
   * command with descriptors is sent once every earlier one has been answered, since QEMU keeps
   * only the last descriptors it received until a command takes them.
   */
  fds?: readonly number[];
}

// ---------------------------------------------------------------------------------------------
// Options

/** QEMU's compat policy for input (its -compat option), applied by the client before sending. */
export interface CompatPolicy {
  deprecatedInput?: "accept" | "reject";
  unstableInput?: "accept" | "reject";
}

/** Options the validators take: qapi-ts/validate's. */
export type ValidatorOptions = ValidateOptions;

/**
 * A validator set, such as the `validators` that `qapi-ts generate` writes to validators.ts.
 * Messages are QEMU's, with the path. Only the commands and events the set knows are checked:
 * a live QEMU may be newer or older than the schema the validators were generated from. A set
 * with the decode methods (generated ones have them) has replies and event data put in its
 * representation of 64-bit integers (`int64`) before they are checked and delivered.
 */
export type Validators = Pick<
  AnyValidators,
  | "commandNames"
  | "eventNames"
  | "validateCommandArguments"
  | "validateCommandReturns"
  | "validateEvent"
> &
  Partial<Pick<AnyValidators, "decodeCommandReturns" | "decodeEvent">>;

export interface ReconnectOptions {
  /** Attempts after a lost connection before giving up (default 10). */
  retries?: number;
  /** Delay before the first attempt, doubled after each failure up to maxDelayMs (default 100). */
  delayMs?: number;
  maxDelayMs?: number;
}

export interface QmpClientOptions {
  /** Time allowed to open the socket (default 5000 ms; 0 waits forever). */
  connectTimeoutMs?: number;
  /**
   * Time allowed between connecting and the end of negotiation: the greeting, then the reply
   * to qmp_capabilities (default 5000 ms; 0 waits forever).
   */
  greetingTimeoutMs?: number;
  /**
   * Default per-command timeout (default 60 000 ms; 0 waits forever; any length, beyond Node's
   * timer range too). It also bounds how long any message, a reply or an event, may take from
   * its first byte to its last: one that does not end in time is let go (onWarning) and reading
   * goes on at the next message.
   */
  commandTimeoutMs?: number;
  /**
   * Longest message accepted from QEMU, in bytes (default 64 MiB, and at most the longest
   * string the JavaScript engine holds, about 512 MiB). A longer one, or one nested deeper
   * than QEMU's limit of 1024, closes the connection: pending commands fail with the code
   * "message-too-large" or "message-too-deep".
   */
  maxMessageBytes?: number;
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
  /**
   * Receives every message sent and received (wire-log.ts). Default: Node's util.debuglog when
   * NODE_DEBUG names qapi-ts, else none; null: none.
   */
  logger?: WireLogger | null;
}
