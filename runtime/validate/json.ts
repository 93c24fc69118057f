// JSON text to values, in two ways.
//
// parseJsonLossless: for JSON from QEMU (the QMP client). Integers exact (QMP's int64/uint64 go
// up to 2^64, beyond what a double holds exactly), otherwise JSON.parse's values; lenient.
//
// parseJsonForValidation: JSON text read exactly as QEMU's QMP server reads it, so that
// `qapi-ts validate` accepts what QEMU accepts and refuses the rest with QEMU's message. What
// follows was measured on QEMU 7.2's QMP socket (test/qemu-json.test.ts compares every rule
// with the installed binary) and on its command line (`-object JSON`) for a standalone text.
//
// QEMU reads in two stages, and the first error of either ends the message:
// 1. A lexer and a "streamer" that gathers tokens until brackets balance (or a closer goes
//    below zero). The lexer's errors, "stray 'TEXT'", quote the token from its start through
//    the byte that broke it (up to a NUL byte: C strings). Its tokens: the six punctuators,
//    strings in double or single quotes (any byte 0x20-0xFD, and after a backslash any such
//    byte, is taken; escapes are judged later), numbers (`-`? then `0` or a digit run, then
//    optional fraction and exponent, but no exponent right after a lone 0; a byte that cannot
//    continue a number ends it, except a digit after a leading 0), keywords (runs of a-z:
//    `true1` is `true` then `1`), and the whitespace bytes space, tab, CR and LF only. The
//    streamer refuses a message nested more than 1024 deep or with more than 2^21 tokens
//    (both measured), or with more than 64 MiB of token text (the bound QEMU's sources set;
//    not measured: its monitor takes some 10 s per MiB).
// 2. A parser over the gathered tokens, with its own messages ("expecting value", "duplicate
//    key", ...), and string contents checked: escapes (\" \' \\ \/ \b \f \n \r \t \uXXXX);
//    \u escapes that are lone surrogates or noncharacters (U+FDD0-FDEF, U+xFFFE, U+xFFFF) are
//    refused, quoting the escape as written; raw bytes must be UTF-8 of a character that is
//    not a surrogate nor a noncharacter, shortest form, except that C0 80 (modified UTF-8's
//    NUL) is accepted. Integers that fit int64 or uint64 are integers; other integers and
//    every number with a fraction or exponent (even `1.0`, `1e3`) are doubles.
// A standalone text (QEMU's command line) is one message: at its end what was gathered is
// parsed ("premature EOI" where it stops short), and anything after the value is "Expecting
// at most one JSON value".

import {
  MAX_NESTING,
  MAX_TOKEN_BYTES,
  MAX_TOKEN_COUNT,
  messageEnvelope,
  STANDALONE,
  type JsonEnvelope,
} from "./sendable.ts";

export type { JsonEnvelope };

/** Invalid JSON, with QEMU's message (`reason`) and where: byte offset, 1-based line and column. */
export class JsonSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly offset: number,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${reason} at line ${line}, column ${column}`);
    this.name = "JsonSyntaxError";
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The registered symbol's key (compiled checks look the symbol up by it). */
export const FLOAT_TOKEN_KEY = "qapi-ts.float-token";
const FLOAT_TOKEN: unique symbol = Symbol.for(FLOAT_TOKEN_KEY) as typeof FLOAT_TOKEN;

/**
 * A number written with a fraction or an exponent whose value is an integer (`1.0`, `1e3`,
 * `-0.0`): QEMU keeps it a double, which no integer type accepts, while a JavaScript number
 * could not tell it from `1`. Other float tokens (`1.5`) are plain numbers; this one is
 * marked with a registered symbol, so that generated code recognises it without an import.
 */
export class JsonFloat {
  readonly [FLOAT_TOKEN] = true;
  constructor(readonly value: number) {}
  valueOf(): number {
    return this.value;
  }
  toJSON(): number {
    return this.value;
  }
}

/** Whether a value is a JsonFloat (also one made by another copy of this module). */
export function isJsonFloat(v: unknown): v is JsonFloat {
  return typeof v === "object" && v !== null && (v as JsonFloat)[FLOAT_TOKEN] === true;
}

/** A JSON object (a float token, which the QEMU-exact parse wraps, is a number). */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !isJsonFloat(v);
}

/** The JSON types, as QEMU's QType tells values apart (an alternate dispatches on them). */
export type JsonType = "string" | "number" | "boolean" | "null" | "array" | "object";

/** The JSON type of a value as the parses yield them ("other" for what JSON has not). */
export function jsonType(v: unknown): JsonType | "other" {
  switch (typeof v) {
    case "string":
      return "string";
    case "number":
    case "bigint":
      return "number";
    case "boolean":
      return "boolean";
    case "object":
      if (v === null) return "null";
      return Array.isArray(v) ? "array" : isJsonFloat(v) ? "number" : "object";
  }
  return "other";
}

/** A command's arguments as QEMU reads them: inside `{"execute": NAME, "arguments": ...}`. */
export function commandEnvelope(name: string): JsonEnvelope {
  return messageEnvelope(`{"execute":${JSON.stringify(name)},"arguments":`, "}");
}

/** A run of 16 or more digits is the only way to write an integer beyond 2^53. */
const LONG_DIGITS = /\d{16}/;

/** Like JSON.parse, but integers that no double equals come back as exact bigints. */
export function parseJsonLossless(text: string): unknown {
  // The common case costs one scan: no long digit run, so JSON.parse loses nothing.
  if (!LONG_DIGITS.test(text)) {
    try {
      return JSON.parse(text);
    } catch {
      // Fall through: the parser below says where the text is wrong.
    }
  }
  return new Parser(encoder.encode(text), false, STANDALONE).document();
}

/**
 * The value of a JSON text as QEMU's QMP server reads it (see the top of this file), or a
 * JsonSyntaxError with QEMU's message. Give the bytes, not a decoded string, so that invalid
 * UTF-8 is seen. Integers are numbers where a double holds them exactly, else bigints; a float
 * token with an integral value is a JsonFloat. `envelope`: the message the text sits in (commandEnvelope for a
 * command's arguments), whose nesting and size count toward QEMU's limits.
 */
export function parseJsonForValidation(
  input: Uint8Array | string,
  envelope: JsonEnvelope = STANDALONE,
): unknown {
  const bytes = typeof input === "string" ? encoder.encode(input) : input;
  return new Parser(bytes, true, envelope).document();
}

/**
 * JSON.stringify, writing bigints as the integers they are, and integral doubles beyond 2^53
 * with their exact digits where JSON.stringify writes rounded ones (below 1e21, beyond which it
 * uses an exponent): it writes -2^63 as -9223372036854776000, outside int64, which QEMU refuses.
 * An infinity is written as 1e400 (JSON.stringify writes null), a number token JSON readers take
 * as infinite. NaN is still null: JSON cannot say it (checkSendable refuses it before sending).
 */
export function stringifyJson(value: unknown, indent?: number): string {
  const digits: string[] = [];
  // A per-call nonce: no string of the value can be mistaken for a placeholder.
  const nonce = Math.random().toString(36).slice(2);
  const text = JSON.stringify(
    value,
    (_key, v: unknown) => {
      if (typeof v === "bigint") digits.push(v.toString());
      else if (
        typeof v === "number" &&
        Number.isInteger(v) &&
        !Number.isSafeInteger(v) &&
        Math.abs(v) < 1e21
      ) {
        digits.push(BigInt(v).toString());
      } else if (v === Infinity || v === -Infinity) {
        // A number token beyond the doubles, which JSON readers (QEMU's too) take as infinite.
        digits.push(v > 0 ? "1e400" : "-1e400");
      } else return v;
      return `bigint:${nonce}:${digits.length - 1}`;
    },
    indent,
  );
  if (digits.length === 0) return text;
  return text.replace(
    new RegExp(`"bigint:${nonce}:(\\d+)"`, "g"),
    (_m, i: string) => digits[Number(i)]!,
  );
}

// Token kinds.
const END = -1;
const L_BRACE = 0;
const R_BRACE = 1;
const L_BRACKET = 2;
const R_BRACKET = 3;
const COLON = 4;
const COMMA = 5;
const STRING = 6;
const INTEGER = 7;
const FLOAT = 8;
const KEYWORD = 9;

/** Each byte's punctuator token kind, -1 for the others. */
const PUNCTUATOR = new Int8Array(256).fill(-1);
PUNCTUATOR[0x7b] = L_BRACE;
PUNCTUATOR[0x7d] = R_BRACE;
PUNCTUATOR[0x5b] = L_BRACKET;
PUNCTUATOR[0x5d] = R_BRACKET;
PUNCTUATOR[0x3a] = COLON;
PUNCTUATOR[0x2c] = COMMA;

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
/** What a string may hold between its quotes (and after a backslash): no control, no FE/FF. */
const isStringByte = (c: number): boolean => c >= 0x20 && c <= 0xfd;
const isNoncharacter = (cp: number): boolean =>
  (cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) === 0xfffe;

class Parser {
  private pos = 0;
  /** Where the first message ends (after its last token), once stage 1 found it. */
  private messageEnd = 0;
  // Stage 2's current token (lexed again; stage 1 kept none, to keep memory flat): its kind
  // (END when the message has no more), start and end.
  private kind = END;
  private start = 0;
  private end = 0;
  /** The length of the sequence utf8() last read. */
  private seqLength = 1;

  constructor(
    private readonly b: Uint8Array,
    /** QEMU's checks (validation); else lenient (JSON from QEMU). */
    private readonly qemu: boolean,
    private readonly envelope: JsonEnvelope,
  ) {}

  document(): unknown {
    this.gather();
    this.pos = 0;
    this.advance();
    const value = this.value();
    if (this.kind !== END) this.fail("Expecting at most one JSON value", this.start);
    this.pos = this.messageEnd;
    this.skipSpace();
    if (this.pos < this.b.length) this.fail("Expecting at most one JSON value", this.pos);
    return value;
  }

  private fail(reason: string, offset: number): never {
    const b = this.b;
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < offset; i++) {
      if (b[i] === 0x0a) {
        line++;
        lineStart = i + 1;
      }
    }
    // Columns count characters: every byte but UTF-8 continuation bytes.
    let column = 1;
    for (let i = lineStart; i < offset; i++) if ((b[i]! & 0xc0) !== 0x80) column++;
    throw new JsonSyntaxError(reason, offset, line, column);
  }

  /**
   * Bytes as QEMU quotes them in a message: cut at a NUL byte (C strings), and decoded as QEMU
   * decodes strings, each invalid sequence (as far as its lead byte announces continuation
   * bytes and they follow) one U+FFFD.
   */
  private quote(start: number, end: number): string {
    const nul = this.b.subarray(start, end).indexOf(0);
    if (nul >= 0) end = start + nul;
    let out = "";
    for (let i = start; i < end; i += this.seqLength) {
      const c = this.b[i]!;
      if (c < 0x80) {
        out += String.fromCharCode(c);
        this.seqLength = 1;
      } else {
        const cp = this.utf8(i, end);
        out += cp < 0 ? "\uFFFD" : String.fromCodePoint(cp);
      }
    }
    return out;
  }

  private stray(start: number, end: number): never {
    return this.fail(`JSON parse error, stray '${this.quote(start, end)}'`, start);
  }

  private skipSpace(): void {
    const b = this.b;
    let pos = this.pos;
    while (pos < b.length && isSpace(b[pos]!)) pos++;
    this.pos = pos;
  }

  /**
   * Stage 1: the tokens of the first message, with the lexer's and the streamer's errors. At the
   * end of the text, what was gathered is parsed, as QEMU does with a standalone text.
   */
  private gather(): void {
    let tokens = 0;
    let braces = 0;
    let brackets = 0;
    let textBytes = this.envelope.bytes;
    const maxNesting = MAX_NESTING - this.envelope.depth;
    const maxTokens = MAX_TOKEN_COUNT - this.envelope.tokens;
    for (;;) {
      this.skipSpace();
      if (this.pos >= this.b.length) return;
      const start = this.pos;
      const kind = this.token();
      this.messageEnd = this.pos;
      tokens++;
      if (kind === L_BRACE) braces++;
      else if (kind === R_BRACE) braces--;
      else if (kind === L_BRACKET) brackets++;
      else if (kind === R_BRACKET) brackets--;
      textBytes += this.pos - start;
      // Size limits are QEMU's on its input; nesting is limited for any text (the stack).
      if (this.qemu && textBytes > MAX_TOKEN_BYTES)
        this.fail("JSON token size limit exceeded", start);
      if (this.qemu && tokens > maxTokens) this.fail("JSON token count limit exceeded", start);
      if (braces + brackets > maxNesting) this.fail("JSON nesting depth limit exceeded", start);
      // Complete when nothing is open, or when a closer has nothing to close.
      const open = braces + this.envelope.depth;
      if ((open <= 0 && brackets <= 0) || open < 0 || brackets < 0) return;
    }
  }

  /** One token from this.pos (not whitespace); advances past it. */
  private token(): number {
    const b = this.b;
    const n = b.length;
    const start = this.pos;
    const c = b[start]!;
    const punctuator = PUNCTUATOR[c]!;
    if (punctuator >= 0) {
      this.pos++;
      return punctuator;
    }
    if (c === 0x22 || c === 0x27) {
      let i = start + 1;
      for (;;) {
        if (i >= n) this.stray(start, n);
        const d = b[i]!;
        if (d === c) break;
        if (!isStringByte(d)) this.stray(start, i + 1);
        if (d === 0x5c) {
          i++;
          if (i >= n) this.stray(start, n);
          if (!isStringByte(b[i]!)) this.stray(start, i + 1);
        }
        i++;
      }
      this.pos = i + 1;
      return STRING;
    }
    if (c === 0x2d || isDigit(c)) {
      let i = c === 0x2d ? start + 1 : start;
      const zero = i < n && b[i] === 0x30;
      if (zero) {
        i++;
        if (i < n && isDigit(b[i]!)) this.stray(start, i + 1);
      } else i = this.digits(start, i);
      let kind = INTEGER;
      if (i < n && b[i] === 0x2e) {
        i = this.digits(start, i + 1);
        kind = FLOAT;
      }
      // QEMU takes no exponent right after a lone 0: `0e3` is 0, then the keyword `e`, then 3.
      if ((kind === FLOAT || !zero) && i < n && (b[i] === 0x65 || b[i] === 0x45)) {
        i++;
        if (i < n && (b[i] === 0x2b || b[i] === 0x2d)) i++;
        i = this.digits(start, i);
        kind = FLOAT;
      }
      this.pos = i;
      return kind;
    }
    if (c >= 0x61 && c <= 0x7a) {
      let i = start + 1;
      while (i < n && b[i]! >= 0x61 && b[i]! <= 0x7a) i++;
      this.pos = i;
      return KEYWORD;
    }
    return this.stray(start, start + 1);
  }

  /** The end of the digits a number (from `start`) must have at i. */
  private digits(start: number, i: number): number {
    const b = this.b;
    if (i >= b.length) this.stray(start, b.length);
    if (!isDigit(b[i]!)) this.stray(start, i + 1);
    while (i < b.length && isDigit(b[i]!)) i++;
    return i;
  }

  // Stage 2: the parser over the message's tokens.

  /** The next token of the message into kind, start and end. */
  private advance(): void {
    this.skipSpace();
    this.start = this.pos;
    this.kind = this.pos < this.messageEnd ? this.token() : END;
    this.end = this.pos;
  }

  private ascii(): string {
    return this.text(this.start, this.end, true);
  }

  /** Bytes as text: ASCII without a decoder's call for short runs, else UTF-8 decoded. */
  private text(start: number, end: number, ascii: boolean): string {
    if (!ascii || end - start > 32) return decoder.decode(this.b.subarray(start, end));
    let s = "";
    for (let i = start; i < end; i++) s += String.fromCharCode(this.b[i]!);
    return s;
  }

  private value(): unknown {
    const { kind, start } = this;
    switch (kind) {
      case L_BRACE:
        this.advance();
        return this.object();
      case L_BRACKET:
        this.advance();
        return this.array();
      case END:
        // Only where the text ends: a complete message has its closers.
        return this.fail("JSON parse error, premature EOI", this.b.length);
    }
    let v: unknown;
    if (kind === STRING) v = this.string();
    else if (kind === INTEGER) v = integer(this.ascii());
    else if (kind === FLOAT) {
      const n = Number(this.ascii());
      v = this.qemu && Number.isInteger(n) ? new JsonFloat(n) : n;
    } else if (kind === KEYWORD) {
      const word = this.ascii();
      if (word === "true") v = true;
      else if (word === "false") v = false;
      else if (word === "null") v = null;
      else this.fail(`JSON parse error, invalid keyword '${word}'`, start);
    } else this.fail("JSON parse error, expecting value", start);
    this.advance();
    return v;
  }

  /** After a member or element: the closer (consumed: true), or a comma (consumed: false). */
  private separator(closer: number, what: string): boolean {
    if (this.kind === END) this.fail("JSON parse error, premature EOI", this.b.length);
    if (this.kind !== closer && this.kind !== COMMA)
      this.fail(`JSON parse error, expected separator in ${what}`, this.start);
    const closed = this.kind === closer;
    this.advance();
    return closed;
  }

  private array(): unknown[] {
    const out: unknown[] = [];
    if (this.kind === R_BRACKET) {
      this.advance();
      return out;
    }
    do out.push(this.value());
    while (!this.separator(R_BRACKET, "list"));
    return out;
  }

  private object(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (this.kind === R_BRACE) {
      this.advance();
      return out;
    }
    do {
      const keyAt = this.start;
      const key = this.value();
      if (typeof key !== "string")
        this.fail("JSON parse error, key is not a string in object", keyAt);
      if (this.kind === END) this.fail("JSON parse error, premature EOI", this.b.length);
      if (this.kind !== COLON) this.fail("JSON parse error, missing : in object pair", this.start);
      this.advance();
      const v = this.value();
      // The value is parsed before the key is looked up: its errors come first.
      if (this.qemu && Object.hasOwn(out, key)) this.fail("JSON parse error, duplicate key", keyAt);
      // An own property even for "__proto__", as JSON.parse makes it.
      if (key === "__proto__")
        Object.defineProperty(out, key, {
          value: v,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      else out[key] = v;
    } while (!this.separator(R_BRACE, "dict"));
    return out;
  }

  /** A string token's value: escapes decoded, UTF-8 checked (QEMU) or replaced (lenient). */
  private string(): string {
    const b = this.b;
    const end = this.end; // after the closing quote
    const close = end - 1;
    // Runs of plain bytes are decoded whole; escapes (and modified UTF-8's NUL) between them.
    let out = "";
    let run = this.start + 1;
    let i = run;
    let ascii = true; // so far in this run
    while (i < close) {
      const c = b[i]!;
      if (c < 0x80 && c !== 0x5c) {
        i++;
        continue;
      }
      let nul = false;
      if (c !== 0x5c) {
        ascii = false;
        if (!this.qemu) {
          i++; // the decoder replaces what is invalid
          continue;
        }
        const cp = this.utf8(i, close);
        if (cp < 0) this.fail("JSON parse error, invalid UTF-8 sequence in string", i);
        // Valid UTF-8 to the decoder but for modified UTF-8's NUL.
        nul = cp === 0;
        if (!nul) {
          i += this.seqLength;
          continue;
        }
      }
      out += this.text(run, i, ascii);
      if (nul) {
        out += "\0";
        i += 2;
      } else {
        const [text, next] = this.escape(i, end);
        out += text;
        i = next;
      }
      run = i;
      ascii = true;
    }
    return out + this.text(run, close, ascii);
  }

  /** The escape at b[i] (a backslash): its text and the offset after it. */
  private escape(i: number, end: number): [string, number] {
    const c = this.b[i + 1]!;
    const simple = ESCAPES[c];
    if (simple !== undefined) return [simple, i + 2];
    if (c !== 0x75) this.fail("JSON parse error, invalid escape sequence in string", i);
    const first = this.hex4(i + 2, end);
    if (first === undefined) this.badUnicode(i, Math.min(i + 6, end));
    if (!this.qemu) return [String.fromCharCode(first), i + 6];
    if (first >= 0xdc00 && first <= 0xdfff) this.badUnicode(i, i + 6);
    if (first >= 0xd800 && first <= 0xdbff) {
      // Only a following \u escape of a low surrogate completes it.
      const second =
        this.b[i + 6] === 0x5c && this.b[i + 7] === 0x75 ? this.hex4(i + 8, end) : undefined;
      if (second === undefined || second < 0xdc00 || second > 0xdfff) this.badUnicode(i, i + 6);
      const cp = 0x10000 + ((first - 0xd800) << 10) + (second - 0xdc00);
      if (isNoncharacter(cp)) this.badUnicode(i, i + 12);
      return [String.fromCharCode(first, second), i + 12];
    }
    if (isNoncharacter(first)) this.badUnicode(i, i + 6);
    return [String.fromCharCode(first), i + 6];
  }

  private badUnicode(start: number, end: number): never {
    return this.fail(
      `JSON parse error, ${this.quote(start, end)} is not a valid Unicode character`,
      start,
    );
  }

  /** Four hex digits at b[i] (before `end`) as a number, or undefined. */
  private hex4(i: number, end: number): number | undefined {
    if (i + 4 > end) return undefined;
    let v = 0;
    for (let j = i; j < i + 4; j++) {
      const c = this.b[j]! | 0x20; // lower case for letters
      const d = isDigit(c) ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : -1;
      if (d < 0) return undefined;
      v = v * 16 + d;
    }
    return v;
  }

  /**
   * The code point of the UTF-8 sequence at b[i] (a byte >= 0x80, before `end`) by QEMU's
   * rules, or -1 when invalid; its length (what was taken) in seqLength. The lead byte
   * announces the length (up to 6, as the old forms did) and takes the continuation bytes that
   * follow, up to that; the sequence is valid when complete, in shortest form (but C0 80, NUL
   * in modified UTF-8), not a surrogate, at most U+10FFFF and not a noncharacter.
   */
  private utf8(i: number, end: number): number {
    const b = this.b;
    const c = b[i]!;
    const length =
      c >= 0xfc ? 6 : c >= 0xf8 ? 5 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    let cp = c & (0x7f >> length);
    let n = 1;
    while (n < length && i + n < end && (b[i + n]! & 0xc0) === 0x80) {
      cp = cp * 64 + (b[i + n]! & 0x3f);
      n++;
    }
    this.seqLength = n;
    // Cut short, a continuation byte, or a form beyond 4 bytes (all beyond U+10FFFF or overlong).
    if (n < length || length === 1 || length > 4) return -1;
    const shortest = cp >= (length === 2 ? 0x80 : length === 3 ? 0x800 : 0x10000);
    if (!shortest && !(length === 2 && cp === 0)) return -1;
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || isNoncharacter(cp)) return -1;
    return cp;
  }
}

/** What each one-character escape (by the byte after the backslash) stands for. */
const ESCAPES: Record<number, string> = {
  0x22: '"',
  0x27: "'",
  0x5c: "\\",
  0x2f: "/",
  0x62: "\b",
  0x66: "\f",
  0x6e: "\n",
  0x72: "\r",
  0x74: "\t",
};

/**
 * An integer token, exactly: a number when a double holds it exactly (every safe integer, and
 * larger ones such as 2^53 or 2^63), else a bigint; the one representation of integers
 * throughout qapi-ts. So a QAPI `number`, which QEMU prints from a double, always arrives as a
 * number. (QEMU makes integers beyond int64 and uint64 doubles; as a bigint they stay exact, and
 * every integer type refuses them as it refuses the double.)
 */
function integer(token: string): number | bigint {
  const n = Number(token);
  if (Number.isSafeInteger(n)) return n || 0; // -0 is the integer 0
  const exact = BigInt(token);
  return BigInt(n) === exact ? n : exact;
}
