// JSON text to values without losing integers: QMP's int64/uint64 go up to 2^64, beyond what a
// double holds exactly (2^53), and QEMU decides their range on the text. An integer token that
// no double equals becomes a bigint; everything else is what JSON.parse returns.

/** Invalid JSON, with the place (1-based line and column) where the parse stopped. */
export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${message} at line ${line}, column ${column}`);
    this.name = "JsonSyntaxError";
  }
}

/** Deeper nesting is refused rather than overflowing the stack (QEMU's parser's limit too). */
const MAX_DEPTH = 1024;

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
  return new Parser(text, false).document();
}

/** A digit followed by a fraction or an exponent: the text may hold a float token. */
const FLOAT_TOKEN = /\d[.eE]/;

/**
 * The value as QEMU's JSON parser types it, for validation only: integers exact, as
 * parseJsonLossless, and a float token that happens to be integral (`1.0`, `1e3`), which
 * QEMU keeps a double and refuses where an integer is expected, replaced by 0.5 (a double
 * that every integer check refuses, with the same message, and a number accepts).
 */
export function parseJsonForValidation(text: string): unknown {
  if (!FLOAT_TOKEN.test(text)) return parseJsonLossless(text);
  return new Parser(text, true).document();
}

/**
 * JSON.stringify, writing bigints as the integers they are, and integral doubles beyond 2^53
 * with their exact digits where JSON.stringify writes rounded ones (below 1e21, beyond which it
 * uses an exponent): it writes -2^63 as -9223372036854776000, outside int64, which QEMU refuses.
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

const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
const WHITESPACE = /[ \t\n\r]*/y;

class Parser {
  private pos = 0;
  private depth = 0;

  constructor(
    private readonly text: string,
    /** Replace integral float tokens by 0.5 (see parseJsonForValidation). */
    private readonly floatStandIn: boolean,
  ) {}

  document(): unknown {
    this.skip();
    const v = this.value();
    this.skip();
    if (this.pos < this.text.length) this.fail("Unexpected text after the JSON value");
    return v;
  }

  private fail(message: string): never {
    const before = this.text.slice(0, this.pos);
    const line = before.split("\n").length;
    const column = this.pos - before.lastIndexOf("\n");
    throw new JsonSyntaxError(message, this.pos, line, column);
  }

  private skip(): void {
    WHITESPACE.lastIndex = this.pos;
    WHITESPACE.test(this.text);
    this.pos = WHITESPACE.lastIndex;
  }

  private value(): unknown {
    const c = this.text[this.pos];
    switch (c) {
      case "{":
        return this.object();
      case "[":
        return this.array();
      case '"':
        return this.string();
      case "t":
        return this.literal("true", true);
      case "f":
        return this.literal("false", false);
      case "n":
        return this.literal("null", null);
      default:
        if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) return this.number();
        return this.fail(
          c === undefined ? "Unexpected end of JSON" : `Unexpected character '${c}'`,
        );
    }
  }

  private literal(word: string, v: unknown): unknown {
    if (!this.text.startsWith(word, this.pos)) this.fail(`Expected '${word}'`);
    this.pos += word.length;
    return v;
  }

  private number(): number | bigint {
    NUMBER.lastIndex = this.pos;
    const m = NUMBER.exec(this.text);
    if (!m) this.fail("Invalid number");
    this.pos = NUMBER.lastIndex;
    const token = m[0];
    if (m[1] === undefined && m[2] === undefined) {
      const n = Number(token);
      if (Number.isSafeInteger(n)) return n;
      // A number when the double is exactly this integer (2^53, 2^63, ...), else a bigint.
      const exact = BigInt(token);
      return BigInt(n) === exact ? n : exact;
    }
    const n = Number(token);
    return this.floatStandIn && Number.isInteger(n) ? 0.5 : n;
  }

  private string(): string {
    const start = this.pos;
    let i = start + 1;
    let escaped = false;
    for (;;) {
      const c = this.text.charCodeAt(i);
      if (Number.isNaN(c)) {
        this.pos = i;
        this.fail("Unterminated string");
      }
      if (c === 0x22) break;
      if (c < 0x20) {
        this.pos = i;
        this.fail("Control character in string");
      }
      if (c === 0x5c) {
        escaped = true;
        i++;
      }
      i++;
    }
    this.pos = i + 1;
    if (!escaped) return this.text.slice(start + 1, i);
    try {
      return JSON.parse(this.text.slice(start, i + 1)) as string;
    } catch {
      this.pos = start;
      return this.fail("Invalid escape in string");
    }
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) this.fail("JSON nested too deeply");
    this.pos++;
    this.skip();
  }

  private array(): unknown[] {
    this.enter();
    const out: unknown[] = [];
    if (this.text[this.pos] === "]") {
      this.pos++;
      this.depth--;
      return out;
    }
    for (;;) {
      out.push(this.value());
      this.skip();
      const c = this.text[this.pos];
      this.pos++;
      if (c === "]") break;
      if (c !== ",") {
        this.pos--;
        this.fail("Expected ',' or ']'");
      }
      this.skip();
    }
    this.depth--;
    return out;
  }

  private object(): Record<string, unknown> {
    this.enter();
    const out: Record<string, unknown> = {};
    if (this.text[this.pos] === "}") {
      this.pos++;
      this.depth--;
      return out;
    }
    for (;;) {
      if (this.text[this.pos] !== '"') this.fail("Expected a string key");
      const key = this.string();
      this.skip();
      if (this.text[this.pos] !== ":") this.fail("Expected ':'");
      this.pos++;
      this.skip();
      const v = this.value();
      // An own property even for "__proto__", as JSON.parse makes it.
      if (key === "__proto__")
        Object.defineProperty(out, key, {
          value: v,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      else out[key] = v;
      this.skip();
      const c = this.text[this.pos];
      this.pos++;
      if (c === "}") break;
      if (c !== ",") {
        this.pos--;
        this.fail("Expected ',' or '}'");
      }
      this.skip();
    }
    this.depth--;
    return out;
  }
}
