// Commands sent and not yet answered: their ids, timeouts and abort signals. Each settles
// exactly once, by its reply, its timer, its signal or the end of the connection; whichever comes
// first removes it, so that what comes later (a late reply, say) finds nothing to settle.
//
// A command is settled only with its own reply. Replies carry the id the command was sent with;
// the one exception is an error about a request the server could not read (a JSON parse error,
// a request beyond its limits), which has no id, and one bad request may draw several of them.
// Such an error goes to a command only when exactly one can be its cause: one command pending
// and none that the server may still be answering (a timed-out one, or one an earlier error
// without an id went to). Otherwise it is reported as a warning, and the commands it may belong
// to learn their fate by elimination: the server answers in-band commands in the order they were
// sent (errors without an id included), so once an in-band command's reply arrives, every
// in-band command sent before it that is still pending was answered by such an error.

import { QmpClientError, QmpError } from "./errors.ts";
import { startTimer, type Timer } from "./timers.ts";

export interface PendingCommand {
  readonly command: string;
  readonly oob: boolean;
  resolve(value: unknown): void;
  reject(err: Error): void;
}

interface Entry extends PendingCommand {
  id: number;
  timer: Timer | null;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

/**
 * What became of a reply: the command it settles, or why it was dropped (`late`: it answers a
 * command of this client that was settled otherwise, a timed-out one say).
 */
export type ReplyOutcome = { to: PendingCommand } | { dropped: string; late?: boolean };

/** Commands settled without a reply of their own that the server may still answer. */
const UNSETTLED_KEPT = 10_000;

export class PendingCommands {
  private nextId: number;
  /** In sending order (a Map keeps it), by id. */
  private readonly entries = new Map<number, Entry>();
  /**
   * Commands no longer pending that the server may still answer (timed out, aborted, or given an
   * error without an id), by id, with what became of them: candidates for errors without an id,
   * and named when a late reply comes.
   */
  private readonly unsettled = new Map<number, string>();
  /** Errors without an id that could not be attributed since the last in-band reply. */
  private ambiguous: unknown[] = [];

  /**
   * @param timedOut builds the error for a command whose timer fired (it has been removed by
   *   then, so whatever the builder does to the others leaves it alone).
   * @param firstId the first id given (the guest agent's client starts at a random one, so that
   *   its ids are not those of an earlier client whose replies may still be in the channel).
   */
  constructor(
    private readonly timedOut: (command: string, timeoutMs: number) => QmpClientError,
    firstId = 1,
  ) {
    this.nextId = firstId;
  }

  /** How many commands are pending. */
  get size(): number {
    return this.entries.size;
  }

  /** Registers a command; `send(id)` then puts it on the wire. Resolves with its result. */
  add(
    command: string,
    oob: boolean,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    send: (id: number) => void,
  ): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const entry: Entry = {
        id,
        command,
        oob,
        resolve,
        reject,
        timer: null,
        signal,
        onAbort: () => this.abandon(id, "aborted")?.reject(aborted(command, signal!)),
      };
      entry.timer = startTimer(timeoutMs, () => {
        const p = this.abandon(id, "timed out");
        if (p) p.reject(this.timedOut(command, timeoutMs));
      });
      signal?.addEventListener("abort", entry.onAbort, { once: true });
      this.entries.set(id, entry);
      try {
        send(id);
      } catch (err) {
        this.settle(id);
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  /** The command a reply answers (removed), or why the reply is dropped. */
  takeReply(message: Record<string, unknown>): ReplyOutcome {
    const id = message.id;
    if (id === undefined) return this.withoutId(message);
    const p = typeof id === "number" ? this.settle(id) : null;
    if (p) {
      if (!p.oob) this.answeredInBand(p.id);
      return { to: p };
    }
    const fate = typeof id === "number" ? this.unsettled.get(id) : undefined;
    if (fate === undefined) return { dropped: `reply with unknown id ${shortId(id)} dropped` };
    this.unsettled.delete(id as number);
    return { dropped: `late reply to ${fate} dropped`, late: true };
  }

  /** Rejects every pending command with the error `make` builds for it; forgets the rest. */
  failAll(make: (p: PendingCommand) => Error): void {
    const all = [...this.entries.values()];
    for (const p of all) release(p);
    this.entries.clear();
    this.unsettled.clear();
    this.ambiguous = [];
    for (const p of all) p.reject(make(p));
  }

  /** The connection ended: every pending command fails with the reason's code (and it as cause). */
  failAllLost(reason: QmpClientError): void {
    this.failAll(
      (p) =>
        new QmpClientError(reason.code, `${p.command}: no reply: ${reason.message}`, p.command, {
          cause: reason,
        }),
    );
  }

  /** An error without an id: to its one possible cause, else a warning. */
  private withoutId(message: Record<string, unknown>): ReplyOutcome {
    const what = "error" in message ? errorText(message.error) : "a reply without an id";
    const causes = this.entries.size + this.unsettled.size;
    if (causes === 1 && this.entries.size === 1) {
      const p = this.entries.values().next().value!;
      this.settle(p.id);
      // It may draw more such errors (one bad request can): it stays a possible cause.
      this.remember(p.id, `${p.command} (answered by an error without an id)`);
      return { to: p };
    }
    if (causes === 1) {
      const [fate] = this.unsettled.values();
      return { dropped: `error without an id, about ${fate}, dropped: ${what}` };
    }
    this.ambiguous.push(message.error);
    const names = [...this.entries.values()].map((p) => p.command);
    const others = this.unsettled.size
      ? `${names.length ? " and " : ""}${this.unsettled.size} already settled`
      : "";
    return {
      dropped:
        causes === 0
          ? `error without an id dropped (no command is pending): ${what}`
          : `error without an id (the server could not read a request) could be about any of ${names.join(", ")}${others}: given to none: ${what}`,
    };
  }

  /**
   * The in-band command `id` was answered: every in-band command sent before it has been
   * answered too, so the pending ones were answered by errors without an id, and none of the
   * settled ones can draw another.
   */
  private answeredInBand(id: number): void {
    for (const key of this.unsettled.keys()) if (key < id) this.unsettled.delete(key);
    const eliminated: Entry[] = [];
    for (const p of this.entries.values()) {
      if (p.id > id) break; // (in sending order)
      if (!p.oob) eliminated.push(p);
    }
    const errors = this.ambiguous;
    this.ambiguous = [];
    for (const p of eliminated) {
      this.settle(p.id);
      p.reject(
        eliminated.length === 1 && errors.length > 0
          ? QmpError.from(errors[0], p.command)
          : new QmpClientError(
              "no-reply",
              `${p.command}: the server answered a later command first, so this one was answered by an error without an id${errors.length ? ` (${errors.length} such errors came for ${eliminated.length} commands: see the warnings)` : ""}`,
              p.command,
            ),
      );
    }
  }

  /** Removes a pending command that will not get its reply here (its timer, its signal). */
  private abandon(id: number, why: string): Entry | null {
    const p = this.settle(id);
    if (p) this.remember(id, `${p.command} (${why})`);
    return p;
  }

  private remember(id: number, fate: string): void {
    this.unsettled.set(id, fate);
    if (this.unsettled.size > UNSETTLED_KEPT) {
      const [oldest] = this.unsettled.keys();
      this.unsettled.delete(oldest!);
    }
  }

  private settle(id: number): Entry | null {
    const p = this.entries.get(id);
    if (!p) return null;
    this.entries.delete(id);
    release(p);
    return p;
  }
}

function release(p: Entry): void {
  p.timer?.cancel();
  p.signal?.removeEventListener("abort", p.onAbort);
}

function shortId(id: unknown): string {
  const text = typeof id === "bigint" ? id.toString() : (JSON.stringify(id) ?? String(id));
  return text.length > 60 ? `${text.slice(0, 60)}...` : text;
}

function errorText(error: unknown): string {
  const e = QmpError.from(error, "");
  return `${e.class}: ${e.desc}`;
}

export function aborted(command: string, signal: AbortSignal): QmpClientError {
  return new QmpClientError("aborted", `${command}: aborted before QEMU replied`, command, {
    cause: signal.reason,
  });
}
