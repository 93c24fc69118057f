// Splits the byte stream from QEMU into JSON texts. QEMU ends every message with CRLF and, in
// its default mode, prints each on one line; with `pretty=on` a message spans many lines. So
// the splitter tracks JSON nesting (outside strings) instead of looking for newlines: it finds
// the end of a top-level value whatever the whitespace. Scanning bytes is safe for UTF-8: the
// structural characters are ASCII, and no byte of a multi-byte sequence is below 0x80.
//
// It is also where the bounds on a message belong, since it sees every byte before anything is
// kept: a message longer than maxMessageBytes, or nested deeper than QEMU allows, stops the framer
// with a failure instead of being buffered (an endless message would otherwise grow until the
// process dies, and JSON.parse of deep nesting costs about 100 bytes of memory per level).

import { constants } from "node:buffer";

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** QEMU's own JSON parser refuses input nested deeper than this (its MAX_NESTING). */
export const MAX_JSON_DEPTH = 1024;

/**
 * Default bound on one message: 64 MiB. QEMU's largest replies are far smaller (QEMU 10.2's
 * query-qmp-schema, the usual giant, is under 1 MB), and 64 MiB is also the most QEMU's own JSON
 * parser accepts in one message, so a QMP peer has no reason to send more.
 */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

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
  readonly maxMessageBytes: number;
  /** Bytes of the message in progress that arrived in earlier chunks. */
  private held: Buffer[] = [];
  private heldBytes = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;

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
   * as text up to the next newline or brace, so that the caller reports them (JSON.parse fails).
   * When the message in progress breaks a bound, returns the texts completed before it and sets
   * `failure`.
   */
  push(chunk: Buffer): string[] {
    const out: string[] = [];
    if (this.failure) return out;
    // The scan state lives in locals while looping (several times faster than fields).
    let depth = this.depth;
    let inString = this.inString;
    let escaped = this.escaped;
    let start = depth > 0 ? 0 : -1; // where the current value began in this chunk
    const n = chunk.length;
    let nextBackslash = -1; // at or after i, or n when there is none: found once per chunk
    for (let i = 0; i < n; i++) {
      if (inString) {
        // Strings are most of a message: jump to their end (or an escape) with a native search.
        if (escaped) {
          escaped = false;
          continue;
        }
        if (nextBackslash < i) {
          nextBackslash = chunk.indexOf(BACKSLASH, i);
          if (nextBackslash < 0) nextBackslash = n;
        }
        let quote = chunk.indexOf(QUOTE, i);
        if (quote < 0) quote = n;
        if (nextBackslash < quote) {
          i = nextBackslash; // the next byte is escaped
          escaped = true;
        } else {
          i = quote; // n: the string goes on in the next chunk
          inString = quote === n;
        }
        continue;
      }
      const b = chunk[i];
      if (depth === 0) {
        if (b === OPEN_BRACE || b === OPEN_BRACKET) {
          start = i;
          depth = 1;
        } else if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) {
          // Not JSON: pass the rest of the line (up to a newline or a brace) as one text.
          let j = i + 1;
          while (j < n && chunk[j] !== 0x0a && chunk[j] !== OPEN_BRACE && chunk[j] !== OPEN_BRACKET)
            j++;
          out.push(chunk.toString("utf8", i, chunk[j - 1] === 0x0d ? j - 1 : j)); // CRLF ends it too
          i = j - 1;
        }
      } else if (b === QUOTE) inString = true;
      else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
        if (++depth > MAX_JSON_DEPTH) {
          this.fail(
            "message-too-deep",
            `nests deeper than ${MAX_JSON_DEPTH} levels (QEMU's own limit)`,
          );
          return out;
        }
      } else if ((b === CLOSE_BRACE || b === CLOSE_BRACKET) && --depth === 0) {
        if (this.heldBytes + (i + 1 - start) > this.maxMessageBytes) {
          this.tooLarge();
          return out;
        }
        out.push(this.take(chunk, start, i + 1));
        start = -1;
      }
    }
    this.depth = depth;
    this.inString = inString;
    this.escaped = escaped;
    if (depth > 0) {
      const rest = start <= 0 ? chunk : chunk.subarray(start);
      // Checked per chunk: an endless message is never held beyond the bound plus one chunk.
      if (this.heldBytes + rest.length > this.maxMessageBytes) this.tooLarge();
      else {
        this.held.push(rest);
        this.heldBytes += rest.length;
      }
    }
    return out;
  }

  /** Bytes of an unfinished message (for a diagnostic when the stream ends mid-message). */
  pendingBytes(): number {
    return this.heldBytes;
  }

  private tooLarge(): void {
    this.fail(
      "message-too-large",
      `is longer than ${this.maxMessageBytes} bytes (maxMessageBytes)`,
    );
  }

  private fail(code: FramingFailure["code"], what: string): void {
    this.failure = { code, message: `a message ${what}` };
    this.held = []; // let the partial message go now
    this.heldBytes = 0;
  }

  private take(chunk: Buffer, start: number, end: number): string {
    if (this.held.length === 0) return chunk.toString("utf8", start, end);
    // One concatenation per message, however many chunks it came in: linear in its size. (Off
    // the JavaScript heap: decoding each chunk and joining the strings takes more memory.)
    this.held.push(chunk.subarray(start, end));
    const whole = Buffer.concat(this.held, this.heldBytes + end - start);
    this.held = [];
    this.heldBytes = 0;
    return whole.toString("utf8");
  }
}
