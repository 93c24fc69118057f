// Event delivery. Listeners are called synchronously as each event is parsed, so they need no
// buffer. Async iterators consume at their own pace, so each has its own bounded queue:
//
// Buffering policy: an iterator holds at most `maxBuffered` undelivered events (default
// 10 000). When one more arrives, `overflow` decides:
//   - "error" (default): the iterator yields what it holds, then throws a QmpClientError with
//     code "event-overflow" and ends. Loss is never silent.
//   - "drop-oldest": the oldest held event is discarded and `dropped` counts it; the iterator
//     goes on. For consumers that only care about recent state.
//   - "pause": back-pressure, as qemu.qmp's bounded event queues give: the client stops reading
//     from the server until the iterator is down to half its buffer (events already read are
//     kept, so it may briefly hold one read's worth more). Nothing is lost, but command replies
//     wait too: for a program that only watches events (`qapi-ts events` into a pipe).

import { QmpClientError } from "./errors.ts";

/** An event as QEMU sends it. `data` is absent for events without data (QEMU omits it). */
export interface QmpEvent<Name extends string = string, Data = unknown> {
  event: Name;
  data: Data;
  timestamp: { seconds: number; microseconds: number };
}

export type OverflowPolicy = "error" | "drop-oldest" | "pause";

export interface EventIteratorOptions {
  /** Most undelivered events held (default 10 000). */
  maxBuffered?: number;
  overflow?: OverflowPolicy;
  /** Ends the iterator when aborted. */
  signal?: AbortSignal;
}

export class EventQueue<T> implements AsyncIterableIterator<T> {
  /** Events discarded under the "drop-oldest" policy. */
  dropped = 0;
  // A ring would avoid shift()'s cost on huge backlogs; head-index slicing keeps it O(1) amortised.
  private items: T[] = [];
  private head = 0;
  private waiter: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | null =
    null;
  private ended = false;
  private failure: QmpClientError | null = null;
  private readonly maxBuffered: number;
  private readonly overflow: OverflowPolicy;
  private readonly onDone: () => void;
  private readonly onAbort = (): void => this.end();
  private readonly signal: AbortSignal | undefined;
  /** Under "pause": whether this iterator is holding the client's reading back. */
  private full = false;
  private readonly backPressure: ((full: boolean) => void) | undefined;

  constructor(
    options: EventIteratorOptions,
    onDone: () => void,
    backPressure?: (full: boolean) => void,
  ) {
    this.maxBuffered = Math.max(1, options.maxBuffered ?? 10_000);
    this.overflow = options.overflow ?? "error";
    this.onDone = onDone;
    this.backPressure = backPressure;
    this.signal = options.signal;
    if (this.signal?.aborted) this.end();
    else this.signal?.addEventListener("abort", this.onAbort, { once: true });
  }

  /** Number of events waiting to be consumed. */
  get buffered(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    if (this.ended || this.failure) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w.resolve({ value: item, done: false });
      return;
    }
    if (this.buffered >= this.maxBuffered - 1 && this.overflow === "pause") {
      if (!this.full) {
        this.full = true;
        this.backPressure?.(true);
      }
    } else if (this.buffered >= this.maxBuffered) {
      if (this.overflow === "drop-oldest") {
        this.head++;
        this.dropped++;
      } else {
        this.failure = new QmpClientError(
          "event-overflow",
          `event iterator fell more than ${this.maxBuffered} events behind; later events were not kept`,
        );
        this.detach();
        return;
      }
    }
    this.items.push(item);
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  /** No more events will come (disconnect, close, abort): consumers get what is held, then done. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.detach();
    if (this.waiter && this.buffered === 0) {
      const w = this.waiter;
      this.waiter = null;
      w.resolve({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.buffered > 0) {
      const value = this.items[this.head];
      this.items[this.head++] = undefined as T; // let it be collected
      if (this.buffered === 0) {
        this.items = [];
        this.head = 0;
      }
      if (this.full && this.buffered <= this.maxBuffered / 2) this.release();
      return Promise.resolve({ value: value as T, done: false });
    }
    if (this.failure) {
      const f = this.failure;
      this.failure = null;
      this.ended = true;
      return Promise.reject(f);
    }
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  /** `break` in a for-await loop lands here: stop listening and drop what is held. */
  return(): Promise<IteratorResult<T>> {
    this.items = [];
    this.head = 0;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private detach(): void {
    this.signal?.removeEventListener("abort", this.onAbort);
    this.release();
    this.onDone();
  }

  /** Stops holding the client's reading back. */
  private release(): void {
    if (!this.full) return;
    this.full = false;
    this.backPressure?.(false);
  }
}

type Listener = (event: QmpEvent) => void;

/**
 * Who gets each event: listeners by name, listeners of every event, and iterators (with their
 * name filters). A listener that throws is reported to `warn` and the others still run.
 */
export class EventHub {
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly anyListeners = new Set<Listener>();
  private readonly iterators = new Set<{
    names: Set<string> | null;
    queue: EventQueue<QmpEvent>;
  }>();
  private ended = false;
  /** Iterators under "pause" that are full: while any is, the client does not read. */
  private full = 0;

  /**
   * @param pause called with true when the client should stop reading (an iterator under the
   *   "pause" policy is full), with false when it may read again.
   */
  constructor(
    private readonly warn: (message: string) => void,
    private readonly pause: (paused: boolean) => void = () => {},
  ) {}

  on(name: string, listener: Listener): () => void {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  onAny(listener: Listener): () => void {
    this.anyListeners.add(listener);
    return () => this.anyListeners.delete(listener);
  }

  /** A new iterator over the named events (all when `names` is null); ended if end() was called. */
  iterate(names: Set<string> | null, options: EventIteratorOptions): EventQueue<QmpEvent> {
    const sub = { names, queue: null as unknown as EventQueue<QmpEvent> };
    sub.queue = new EventQueue<QmpEvent>(
      options,
      () => this.iterators.delete(sub),
      (full) => {
        const before = this.full;
        this.full += full ? 1 : -1;
        if ((before === 0) !== (this.full === 0)) this.pause(this.full > 0);
      },
    );
    if (this.ended) sub.queue.end();
    else this.iterators.add(sub);
    return sub.queue;
  }

  dispatch(event: QmpEvent): void {
    for (const l of this.listeners.get(event.event) ?? []) this.call(l, event);
    for (const l of this.anyListeners) this.call(l, event);
    for (const sub of this.iterators)
      if (!sub.names || sub.names.has(event.event)) sub.queue.push(event);
  }

  /** No more events will come: iterators end after what they hold, and later ones at once. */
  end(): void {
    this.ended = true;
    for (const sub of [...this.iterators]) sub.queue.end();
    this.iterators.clear();
  }

  private call(l: Listener, event: QmpEvent): void {
    try {
      l(event);
    } catch (err) {
      // A throwing listener must not stop the others nor the reading of replies.
      this.warn(`listener for ${event.event} threw: ${(err as Error)?.message ?? String(err)}`);
    }
  }
}
