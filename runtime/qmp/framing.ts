// Splits the byte stream from QEMU (or its guest agent) into JSON texts. QEMU ends every message
// with CRLF and, in its default mode, prints each on one line; with `pretty=on` a message spans
// many lines. So the splitter tracks JSON nesting (outside strings) instead of looking for
// newlines: it finds the end of a top-level value whatever the whitespace. Scanning bytes is safe
// for UTF-8: the structural characters are ASCII, and no byte of a multi-byte sequence is below
// 0x80.
//
// It is also where the bounds on a message belong, since it sees every byte before anything is
// kept: a message longer than maxMessageBytes, or nested deeper than QEMU allows, stops the framer
// with a failure instead of being buffered (an endless message would otherwise grow until the
// process dies, and JSON.parse of deep nesting costs about 100 bytes of memory per level). A
// message in progress is held in one buffer that grows by doubling, so it costs at most about
// twice its size however it is chunked (a message arriving a byte at a time once cost some 100
// bytes of memory per byte, a Buffer object each).
//
// Text that is not JSON never swallows what follows it. QEMU starts every message on a line of
// its own, and no line of a message starts with a bracket but its first (strings hold no raw
// newline; pretty=on indents what it nests). So a value that a newline followed by `{` or `[`
// interrupts, or whose string a raw newline interrupts, is given up as broken (returned as text,
// which the caller reports as not JSON) and framing goes on with the next line. A 0xFF byte (the
// guest agent's sentinel, which no UTF-8 text holds) gives up whatever is in progress too.

import { constants } from "node:buffer";

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;
const CR = 0x0d;
/** The guest agent's sentinel (guest-sync-delimited): never part of UTF-8 text. */
export const SENTINEL = 0xff;

/** QEMU's own JSON parser refuses input nested deeper than this (its MAX_NESTING). */
export const MAX_JSON_DEPTH = 1024;

/**
 * Default bound on one message: 64 MiB. QEMU's largest replies are far smaller (QEMU 10.2's
 * query-qmp-schema, the usual giant, is under 1 MB), and 64 MiB is also the most QEMU's own JSON
 * parser accepts in one message, so a QMP peer has no reason to send more.
 */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/** How much of a broken value is returned (for the caller's warning). */
const BROKEN_EXCERPT = 200;
/** A held buffer at most this large is kept for the next message; a larger one is let go. */
const KEEP_BUFFER = 1 << 20;

/** Why the framer stopped: the message in progress broke a bound. */
export interface FramingFailure {
  code: "message-too-large" | "message-too-deep";
  message: string;
}

export interface FramerLimits {
  /** Most bytes in one message (default 64 MiB; at most the longest string the engine holds). */
  maxMessageBytes?: number;
}

export class JsonFramer {
  /** Set when a bound was broken; the framer then ignores further input. */
  failure: FramingFailure | null = null;
  /** How many values have begun (so a caller can tell one message in progress from the next). */
  begun = 0;
  readonly maxMessageBytes: number;
  /** The message in progress: its bytes from earlier chunks, in one growing buffer. */
  private held: Buffer | null = null;
  private heldBytes = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** The last byte outside strings was a newline (a value's line may end there). */
  private afterNewline = false;
  /** Skipping to the start of a line that opens a value (after discard()). */
  private skipping = false;
  /** Texts of the push() in progress. */
  private out: string[] = [];

  constructor(limits: FramerLimits = {}) {
    // A message becomes one string: a longer one could not be decoded at all.
    this.maxMessageBytes = Math.min(
      limits.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
      constants.MAX_STRING_LENGTH,
    );
  }

  /**
   * Feeds one chunk; returns the complete JSON texts it finishes, in order. Bytes between
   * top-level values (CR, LF, spaces) are dropped. Other bytes outside any value are returned
   * as text up to the next newline or bracket, and a broken value as the start of its text, so
   * that the caller reports them (JSON.parse fails). When the message in progress breaks a
   * bound, returns the texts completed before it and sets `failure`.
   */
  push(chunk: Buffer): string[] {
    this.out = [];
    if (this.failure) return this.out;
    // The sentinel cuts the chunk: what precedes it is scanned, then the state is reset.
    let from = 0;
    for (let s = chunk.indexOf(SENTINEL); s >= 0; s = chunk.indexOf(SENTINEL, from)) {
      this.scan(chunk, from, s);
      if (this.failure) return this.out;
      this.reset(true);
      from = s + 1;
    }
    this.scan(chunk, from, chunk.length);
    return this.out;
  }

  /** Bytes of an unfinished message (for a diagnostic when the stream ends mid-message). */
  pendingBytes(): number {
    return this.depth > 0 ? this.heldBytes : 0;
  }

  /**
   * Gives up the message in progress (it took too long to arrive, say) and skips what is left of
   * it: framing starts again at the next line that opens a value. Returns the bytes let go.
   */
  discard(): number {
    const bytes = this.pendingBytes();
    this.reset(false);
    this.skipping = true;
    return bytes;
  }

  private reset(brokenValue: boolean): void {
    if (brokenValue && this.depth > 0) this.broken();
    this.release();
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
    this.afterNewline = false;
    this.skipping = false;
  }

  /** Scans chunk[from, to). */
  private scan(chunk: Buffer, from: number, to: number): void {
    const out = this.out;
    // The scan state lives in locals while looping (several times faster than fields).
    let depth = this.depth;
    let inString = this.inString;
    let escaped = this.escaped;
    let afterNewline = this.afterNewline;
    let start = depth > 0 ? from : -1; // where the current value began in this chunk
    // At or after i, or `to` when there is none: each found once per chunk, not per string.
    let nextBackslash = -1;
    let nextNewline = -1;
    let i = from;
    if (this.skipping) {
      i = this.skip(chunk, from, to);
      if (i < 0) return;
    }
    for (; i < to; i++) {
      if (inString) {
        // Strings are most of a message: jump to their end (or an escape) with a native search.
        if (escaped) {
          escaped = false;
          // An escaped raw newline is no JSON escape: broken, as a raw newline is.
          if (chunk[i] !== NEWLINE) continue;
          nextNewline = i;
        }
        if (nextBackslash < i) nextBackslash = find(chunk, BACKSLASH, i, to);
        if (nextNewline < i) nextNewline = find(chunk, NEWLINE, i, to);
        // (At an escaped newline, nextNewline is i: the break below.)
        const quote = find(chunk, QUOTE, i, to);
        if (nextNewline < quote && nextNewline < nextBackslash) {
          // A raw newline: no JSON string holds one. The value is broken; the next line is new.
          i = nextNewline;
          this.keep(chunk, start, i, depth);
          if (this.failure) return;
          this.broken();
          depth = 0;
          inString = false;
          start = -1;
          afterNewline = true;
        } else if (nextBackslash < quote) {
          i = nextBackslash; // the next byte is escaped
          escaped = true;
        } else {
          i = quote; // `to`: the string goes on in the next chunk
          inString = quote === to;
        }
        continue;
      }
      const b = chunk[i];
      if (depth === 0) {
        if (b === OPEN_BRACE || b === OPEN_BRACKET) {
          start = i;
          depth = 1;
          afterNewline = false;
          this.begun++;
        } else if (b === NEWLINE) afterNewline = true;
        else if (b !== 0x20 && b !== CR && b !== 0x09) {
          // Not JSON: pass the rest of the line (up to a newline or a bracket) as one text.
          let j = i + 1;
          while (
            j < to &&
            chunk[j] !== NEWLINE &&
            chunk[j] !== OPEN_BRACE &&
            chunk[j] !== OPEN_BRACKET
          )
            j++;
          out.push(chunk.toString("utf8", i, chunk[j - 1] === CR ? j - 1 : j)); // CRLF ends it too
          i = j - 1;
          afterNewline = false;
        }
        continue;
      }
      // Inside a value: only a bracket right after a newline starts a line that opens one.
      const lineStart = afterNewline;
      afterNewline = b === NEWLINE;
      if (b === QUOTE) inString = true;
      else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
        if (lineStart) {
          // A line that opens a value interrupts this one: it is broken, a new one begins.
          this.keep(chunk, start, i, depth);
          if (this.failure) return;
          this.broken();
          start = i;
          depth = 1;
          this.begun++;
        } else if (++depth > MAX_JSON_DEPTH) {
          this.fail(
            "message-too-deep",
            `nests deeper than ${MAX_JSON_DEPTH} levels (QEMU's own limit)`,
          );
          return;
        }
      } else if ((b === CLOSE_BRACE || b === CLOSE_BRACKET) && --depth === 0) {
        if (this.heldBytes + (i + 1 - start) > this.maxMessageBytes) {
          this.tooLarge();
          return;
        }
        out.push(this.take(chunk, start, i + 1));
        start = -1;
      }
    }
    this.depth = depth;
    this.inString = inString;
    this.escaped = escaped;
    this.afterNewline = afterNewline;
    if (depth > 0) this.keep(chunk, start, to, depth);
  }

  /**
   * After discard(): skips to a line that opens a value. Returns where framing resumes, or -1
   * when the chunk ends first.
   */
  private skip(chunk: Buffer, from: number, to: number): number {
    let i = from;
    for (;;) {
      if (this.afterNewline && i < to) {
        const b = chunk[i];
        if (b === OPEN_BRACE || b === OPEN_BRACKET) {
          this.skipping = false;
          return i;
        }
      }
      const nl = find(chunk, NEWLINE, i, to);
      if (nl >= to) {
        this.afterNewline = false;
        return -1;
      }
      this.afterNewline = true;
      i = nl + 1;
      if (i >= to) return -1;
    }
  }

  /** Holds chunk[start, end) of the value in progress, within the bound. */
  private keep(chunk: Buffer, start: number, end: number, depth: number): void {
    if (depth <= 0 || start < 0 || end <= start) return;
    const length = end - start;
    // Checked per chunk: an endless message is never held beyond the bound plus one chunk.
    if (this.heldBytes + length > this.maxMessageBytes) {
      this.tooLarge();
      return;
    }
    const needed = this.heldBytes + length;
    if (!this.held || this.held.length < needed) {
      const grown = Buffer.allocUnsafe(
        Math.min(Math.max(needed, 2 * (this.held?.length ?? 0), 4096), this.maxMessageBytes),
      );
      this.held?.copy(grown, 0, 0, this.heldBytes);
      this.held = grown;
    }
    chunk.copy(this.held, this.heldBytes, start, end);
    this.heldBytes = needed;
  }

  /** The value in progress is broken: its start goes out as text, the rest is let go. */
  private broken(): void {
    const held = this.held;
    if (held && this.heldBytes > 0) {
      let end = Math.min(this.heldBytes, BROKEN_EXCERPT);
      while (end > 0 && (held[end - 1] === NEWLINE || held[end - 1] === CR)) end--;
      const more = this.heldBytes > BROKEN_EXCERPT ? `... (${this.heldBytes} bytes)` : "";
      this.out.push(held.toString("utf8", 0, end) + more);
    }
    this.release();
  }

  private release(): void {
    if (this.held && this.held.length > KEEP_BUFFER) this.held = null;
    this.heldBytes = 0;
  }

  private tooLarge(): void {
    this.fail(
      "message-too-large",
      `is longer than ${this.maxMessageBytes} bytes (maxMessageBytes)`,
    );
  }

  private fail(code: FramingFailure["code"], what: string): void {
    this.failure = { code, message: `a message ${what}` };
    this.held = null; // let the partial message go now
    this.heldBytes = 0;
    this.depth = 0;
  }

  private take(chunk: Buffer, start: number, end: number): string {
    if (this.heldBytes === 0) return chunk.toString("utf8", start, end);
    // One decoding per message, however many chunks it came in: linear in its size.
    this.keep(chunk, start, end, 1);
    const text = this.held!.toString("utf8", 0, this.heldBytes);
    this.release();
    return text;
  }
}

/** Where `byte` next occurs in chunk[from, to), or `to`. */
function find(chunk: Buffer, byte: number, from: number, to: number): number {
  const at = chunk.indexOf(byte, from);
  return at < 0 || at > to ? to : at;
}
