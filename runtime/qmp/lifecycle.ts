// A client's connection through its life, the same for the QMP client and the guest agent's:
// idle → connecting → ready, then on a loss either closed or reconnecting (retries with a growing
// delay) → ready again; close() ends it from any phase. It owns the phase, the listeners told of
// each loss and return, the retry schedule, and why a command cannot be sent in a phase. The
// clients own their connections: `open` makes one and negotiates it.

import { QmpClientError } from "./errors.ts";
import { startTimer, type Timer } from "./timers.ts";
import type { ReconnectOptions } from "./types.ts";

export type ConnectionPhase = "idle" | "connecting" | "ready" | "reconnecting" | "closed";

export interface LifecycleHooks {
  /** Opens a new connection and negotiates it; rejects when it cannot. */
  open(): Promise<void>;
  /** The client is closed for good (not by close()): end what waits on it. */
  ended(): void;
  warn(message: string): void;
}

export class ConnectionLifecycle {
  private current: ConnectionPhase = "idle";
  /** Why the client is closed: set when the connection was lost for good (not by close()). */
  private lostReason: string | null = null;
  private retryTimer: Timer | null = null;
  /**
   * A loss while a connection was being opened. If open() fails, it reports the loss itself; if
   * it had already succeeded (the end came in the same read as the last answer of negotiation),
   * the loss applies as soon as it returns.
   */
  private lossWhileOpening: QmpClientError | null = null;
  private readonly disconnectListeners = new Set<(err: QmpClientError) => void>();
  private readonly reconnectListeners = new Set<() => void>();

  /** `reconnect`: the client's option (null where reconnecting cannot apply). */
  constructor(
    private readonly reconnect: boolean | ReconnectOptions | null | undefined,
    private readonly hooks: LifecycleHooks,
  ) {}

  get phase(): ConnectionPhase {
    return this.current;
  }

  /** The first connection; `description` names the target in the error of a second call. */
  async connect(description: string): Promise<void> {
    if (this.current !== "idle")
      throw new QmpClientError("connect", `connect() called twice on ${description}`);
    this.current = "connecting";
    try {
      await this.hooks.open();
    } catch (err) {
      this.lossWhileOpening = null;
      this.current = "closed";
      this.hooks.ended();
      throw err;
    }
    this.opened(false);
  }

  /**
   * The established connection ended (the client has failed its pending commands): the listeners
   * hear why, and a retry starts if the client asked for them. A loss while a connection is being
   * opened waits for that open() to end (lossWhileOpening).
   */
  lost(reason: QmpClientError): void {
    if (this.current === "connecting" || this.current === "reconnecting") {
      this.lossWhileOpening = reason;
      return;
    }
    if (this.current !== "ready") return;
    this.lostReason = reason.message;
    const retry = retryPolicy(this.reconnect);
    this.current = retry ? "reconnecting" : "closed";
    if (!retry) this.hooks.ended();
    for (const l of this.disconnectListeners) this.callListener("onDisconnect", () => l(reason));
    if (retry) this.retry(retry, 0);
  }

  /** close(): no more retries; commands are refused as "closed" from now on. */
  close(): void {
    this.lossWhileOpening = null;
    this.retryTimer?.cancel();
    this.retryTimer = null;
    this.current = "closed";
    this.lostReason = null;
  }

  /** Why `command` cannot be sent in this phase, or null when the connection is ready. */
  notSendable(command: string): QmpClientError | null {
    if (this.current === "ready") return null;
    if (this.current === "closed" && !this.lostReason)
      return new QmpClientError("closed", `${command}: not sent: the client is closed`, command);
    const why =
      this.current === "closed"
        ? this.lostReason
        : this.current === "reconnecting"
          ? "the connection is lost (reconnecting)"
          : "connect() has not completed";
    return new QmpClientError("disconnected", `${command}: not sent: ${why}`, command);
  }

  onDisconnect(listener: (reason: QmpClientError) => void): () => void {
    this.disconnectListeners.add(listener);
    return () => this.disconnectListeners.delete(listener);
  }

  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  /** Runs a caller's listener: one that throws must not break the client (nor escape a handler). */
  callListener(kind: string, call: () => void): void {
    try {
      call();
    } catch (err) {
      this.hooks.warn(`${kind} listener threw: ${(err as Error)?.message ?? String(err)}`);
    }
  }

  /** A connection is open: ready (a reconnection is told), unless it was lost as it opened. */
  private opened(reconnected: boolean): void {
    this.current = "ready";
    this.lostReason = null;
    if (reconnected) for (const l of this.reconnectListeners) this.callListener("onReconnect", l);
    const loss = this.lossWhileOpening;
    this.lossWhileOpening = null;
    if (loss) this.lost(loss);
  }

  private retry(policy: Required<ReconnectOptions>, attempt: number): void {
    if (this.current !== "reconnecting") return;
    if (attempt >= policy.retries) {
      this.current = "closed";
      this.hooks.ended();
      return;
    }
    const delay = Math.min(policy.delayMs * 2 ** attempt, policy.maxDelayMs);
    this.retryTimer = startTimer(Math.max(delay, 1), () => {
      this.retryTimer = null;
      this.hooks.open().then(
        () => {
          if (this.current !== "reconnecting") return; // close() came first
          this.opened(true);
        },
        () => {
          this.lossWhileOpening = null;
          this.retry(policy, attempt + 1);
        },
      );
    });
  }
}

/** The client's `reconnect` option with its defaults, or null for none. */
function retryPolicy(
  option: boolean | ReconnectOptions | null | undefined,
): Required<ReconnectOptions> | null {
  if (!option) return null;
  const o = option === true ? {} : option;
  return {
    retries: o.retries ?? 10,
    delayMs: o.delayMs ?? 100,
    maxDelayMs: o.maxDelayMs ?? 5000,
  };
}
