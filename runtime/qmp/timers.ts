// Timers for the client's timeouts. Node's setTimeout holds at most 2^31-1 ms (about 24.8 days):
// a longer delay fires after 1 ms, with a warning on stderr. So every timeout of the client goes
// through startTimer, which takes any delay: 0, a negative number, NaN or Infinity never fires
// (the client's "0 waits forever"), and a delay beyond Node's range is waited out in steps.

/** The longest delay one Node timer holds. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A running timer; cancel() is idempotent. */
export interface Timer {
  cancel(): void;
}

const NEVER: Timer = { cancel() {} };

/** Whether `ms` asks for a timer at all (a positive, finite number). */
export function isTimeout(ms: number): boolean {
  return ms > 0 && Number.isFinite(ms);
}

/**
 * Calls `fire` once, `ms` milliseconds from now; never when `ms` is not a positive finite number.
 * `unref`: the timer does not keep Node alive by itself.
 */
export function startTimer(ms: number, fire: () => void, unref = false): Timer {
  if (!isTimeout(ms)) return NEVER;
  const deadline = performance.now() + ms;
  let handle: NodeJS.Timeout;
  const arm = (delay: number): void => {
    handle = setTimeout(
      () => {
        const left = deadline - performance.now();
        // A step of a long wait ended early: arm the next one (at least 1 ms: a timer may fire a
        // fraction of a millisecond early, and the clocks differ in resolution).
        if (left >= 1) arm(left);
        else fire();
      },
      Math.min(Math.ceil(delay), MAX_TIMER_MS),
    );
    if (unref) handle.unref();
  };
  arm(ms);
  return { cancel: () => clearTimeout(handle) };
}
