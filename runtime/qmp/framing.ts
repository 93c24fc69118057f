// Splits the byte stream from QEMU into JSON texts. QEMU ends every message with CRLF and, in
// its default mode, prints each on one line; with `pretty=on` a message spans many lines. So
// the splitter tracks JSON nesting (outside strings) instead of looking for newlines: it finds
// the end of a top-level value whatever the whitespace, and never limits a message's length
// (the query-qmp-schema reply is hundreds of kilobytes). Scanning bytes is safe for UTF-8:
// the structural characters are ASCII, and no byte of a multi-byte sequence is below 0x80.

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

export class JsonFramer {
  /** Bytes of the message in progress that arrived in earlier chunks. */
  private held: Buffer[] = [];
  private depth = 0;
  private inString = false;
  private escaped = false;

  /**
   * Feeds one chunk; returns the complete JSON texts it finishes, in order. Bytes between
   * top-level values (CR, LF, spaces) are dropped. Other bytes outside any value are returned
   * as text up to the next newline or brace, so that the caller reports them (JSON.parse fails).
   */
  push(chunk: Buffer): string[] {
    const out: string[] = [];
    // The scan state lives in locals while looping (several times faster than fields).
    let depth = this.depth;
    let inString = this.inString;
    let escaped = this.escaped;
    let start = depth > 0 ? 0 : -1; // where the current value began in this chunk
    const n = chunk.length;
    for (let i = 0; i < n; i++) {
      const b = chunk[i];
      if (inString) {
        if (escaped) escaped = false;
        else if (b === BACKSLASH) escaped = true;
        else if (b === QUOTE) inString = false;
      } else if (depth === 0) {
        if (b === OPEN_BRACE || b === OPEN_BRACKET) {
          start = i;
          depth = 1;
        } else if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) {
          // Not JSON: pass the rest of the line (up to a newline or a brace) as one text.
          let j = i + 1;
          while (j < n && chunk[j] !== 0x0a && chunk[j] !== OPEN_BRACE && chunk[j] !== OPEN_BRACKET)
            j++;
          out.push(chunk.toString("utf8", i, j));
          i = j - 1;
        }
      } else if (b === QUOTE) inString = true;
      else if (b === OPEN_BRACE || b === OPEN_BRACKET) depth++;
      else if ((b === CLOSE_BRACE || b === CLOSE_BRACKET) && --depth === 0) {
        out.push(this.take(chunk, start, i + 1));
        start = -1;
      }
    }
    this.depth = depth;
    this.inString = inString;
    this.escaped = escaped;
    if (depth > 0) this.held.push(start <= 0 ? chunk : chunk.subarray(start));
    return out;
  }

  /** Bytes of an unfinished message (for a diagnostic when the stream ends mid-message). */
  pendingBytes(): number {
    return this.held.reduce((n, b) => n + b.length, 0);
  }

  private take(chunk: Buffer, start: number, end: number): string {
    if (this.held.length === 0) return chunk.toString("utf8", start, end);
    // One concatenation per message, however many chunks it came in: linear in its size.
    this.held.push(chunk.subarray(start, end));
    const whole = Buffer.concat(this.held);
    this.held = [];
    return whole.toString("utf8");
  }
}
