// Commands sent and not yet answered: their ids, timeouts and abort signals. Each settles
// exactly once, by a reply, its timer, its signal or the end of the connection; whichever comes
// first removes it, so that what comes later (a late reply, say) finds nothing to settle.

import { QmpClientError } from "./errors.ts";
import { startTimer, type Timer } from "./timers.ts";

export interface PendingCommand {
  readonly command: string;
  readonly oob: boolean;
  resolve(value: unknown): void;
  reject(err: Error): void;
}

interface Entry extends PendingCommand {
  timer: Timer | null;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

export class PendingCommands {
  private nextId = 1;
  /** In sending order, which a Map keeps: id-less replies go to the oldest in-band command. */
  private readonly entries = new Map<number, Entry>();

  /**
   * @param timedOut builds the error for a command whose timer fired (it has been removed by
   *   then, so whatever the builder does to the others leaves it alone).
   */
  constructor(private readonly timedOut: (command: string, timeoutMs: number) => QmpClientError) {}

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
        command,
        oob,
        resolve,
        reject,
        timer: null,
        signal,
        onAbort: () => this.settle(id)?.reject(aborted(command, signal!)),
      };
      entry.timer = startTimer(timeoutMs, () => {
        const p = this.settle(id);
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

  /**
   * Removes and returns the command a reply answers, or null: by its id; a reply without one
   * answers the oldest in-band command (QEMU omits the id only when it could not read the
   * request, and in-band replies come in issue order).
   */
  takeForReply(id: unknown): PendingCommand | null {
    if (id === undefined) {
      for (const [key, p] of this.entries) if (!p.oob) return this.settle(key);
      return null;
    }
    return typeof id === "number" ? this.settle(id) : null;
  }

  /** Rejects every pending command with the error `make` builds for it. */
  failAll(make: (p: PendingCommand) => Error): void {
    const all = [...this.entries.values()];
    for (const p of all) release(p);
    this.entries.clear();
    for (const p of all) p.reject(make(p));
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

export function aborted(command: string, signal: AbortSignal): QmpClientError {
  return new QmpClientError("aborted", `${command}: aborted before QEMU replied`, command, {
    cause: signal.reason,
  });
}
