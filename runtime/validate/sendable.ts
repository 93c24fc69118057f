// Whether a value can be sent to QEMU as JSON, before anything is sent: what JSON cannot say, and
// what QEMU's JSON parser refuses in the text we would write (stringifyJson's compact text).
//
// JSON cannot say NaN, undefined, a function or a symbol in an array, or a circular structure:
// JSON.stringify writes null for the first ones, so a program's bug would reach QEMU as a
// different value. (An infinity it can say: stringifyJson writes 1e400, which QEMU, as JSON
// readers do, takes as infinite; its `number` type accepts it, its integer types do not.) QEMU's parser refuses (json.ts describes its rules) a message nested more
// than 1024 deep, with more than 2^21 tokens or 64 MiB of token text, all counted over the whole
// message (the envelope `{"execute": ..., "arguments": ...}` included), and strings holding a
// lone surrogate (written as a \u escape) or a noncharacter (U+FDD0-FDEF, U+xFFFE, U+xFFFF,
// written raw). A message beyond its limits is not one error: QEMU's lexer goes on through the
// rest of the text, answering each piece with an error that has no id (a value nested 1023 deep
// in a command's arguments drew about a thousand of them from QEMU 7.2).
//
// The first problem in the text's order is reported, as QEMU would, except that QEMU judges
// strings only once the whole message is within its limits, so a string's problem is reported
// only when nothing else is wrong. The walk allocates nothing for a sendable value.

/**
 * The message a value sits in. QEMU counts its limits over the whole message, and parses the
 * message only once it is complete: until the objects around the value close, all of the
 * value's text is lexed first (its lexical errors come before any other).
 */
export interface JsonEnvelope {
  /** Objects around the value. */
  depth: number;
  /** Tokens outside the value. */
  tokens: number;
  /** Bytes of token text outside the value. */
  bytes: number;
}

/** Why a value cannot be sent: a message (QEMU's where it has one) and the path to the part. */
export interface SendableProblem {
  message: string;
  path: (string | number)[];
}

/** QEMU's limits on one message (its json-streamer): nesting, tokens, bytes of token text. */
export const MAX_NESTING = 1024;
export const MAX_TOKEN_COUNT = 2 ** 21;
export const MAX_TOKEN_BYTES = 64 * 1024 * 1024;

const encoder = new TextEncoder();

/** A value outside any message: nothing around it counts. */
export const STANDALONE: JsonEnvelope = { depth: 0, tokens: 0, bytes: 0 };

/**
 * The envelope of a value written between `before` and `after` (compact JSON text, as the client
 * writes a message: `{"execute":"x","arguments":` and `,"id":7}`).
 */
export function messageEnvelope(before: string, after: string): JsonEnvelope {
  let depth = 0;
  for (const token of before.match(TOKENS) ?? []) {
    if (token === "{" || token === "[") depth++;
    else if (token === "}" || token === "]") depth--;
  }
  return {
    depth,
    tokens: (before.match(TOKENS)?.length ?? 0) + (after.match(TOKENS)?.length ?? 0),
    bytes: encoder.encode(before).length + encoder.encode(after).length,
  };
}

/** The tokens of compact JSON text: strings, punctuators, and runs of anything else. */
const TOKENS = /"(?:[^"\\]|\\.)*"|[{}[\]:,]|[^{}[\]:,"\s]+/g;

/**
 * Why `value` cannot be sent as JSON inside `envelope` (QEMU's message where QEMU has one, and
 * the path to the offending part), or null.
 */
export function checkSendable(
  value: unknown,
  envelope: JsonEnvelope = STANDALONE,
): SendableProblem | null {
  if (plainlySendable(value, envelope)) return null;
  // Walked again (rarely) when the first walk cannot tell: to stop at a string QEMU refuses and
  // learn its path, or to count long strings' bytes exactly near the size limit.
  let f = walkValue(value, new Walk(envelope, false, false));
  if (f === "exact") f = walkValue(value, new Walk(envelope, false, true));
  if (f === "string") f = walkValue(value, new Walk(envelope, true, true));
  return typeof f === "object" ? { message: f.message, path: f.path.reverse() } : null;
}

// The common case first, with none of the walk's bookkeeping: objects and arrays, short strings
// without a character from U+D800 up (no surrogate, no noncharacter), finite numbers, booleans,
// null; no toJSON, no boxed number. It answers only "sendable" (the walk would find nothing) or
// "ask the walk": tokens are counted exactly (or over), bytes from above.
// Counters are module state (nothing allocated); a getter that checks a value again while one is
// read (reentry) sends the inner check to the walk.

let plainTokens = 0;
let plainBytes = 0;
let plainBusy = false;
// (V8 compiles `hasOwn.call(v, k)` inside `for (k in v)` to a check of v's shape.)
// eslint-disable-next-line @typescript-eslint/unbound-method -- called with .call
const hasOwn = Object.prototype.hasOwnProperty;
/** The longest number stringifyJson writes: "-2.2250738585072014e-308", or 2^53..1e21 in full. */
const MAX_NUMBER_BYTES = 25;
/** Bigints below 2^64 in magnitude (what int64 and uint64 members hold) take at most 21 bytes. */
const TWO_64 = 2n ** 64n;
/** The most bytes JSON.stringify writes for a character: a \u00XX escape. */
const MAX_CHAR_BYTES = 6;
/** A character QEMU may refuse in a string (U+D800 and above), in a one-byte string never. */
const HIGH = /[\ud800-\uffff]/;
/**
 * Short strings known to be plain: member names and enum values recur in every message, and a
 * search costs more than a look-up. Bounded: emptied when full.
 */
const plainStrings = new Set<string>();
const PLAIN_STRINGS_MAX = 4096;
const PLAIN_STRING_LENGTH = 64;

/** Whether `value` is surely sendable inside `envelope` (false: the walk must decide). */
function plainlySendable(value: unknown, envelope: JsonEnvelope): boolean {
  if (plainBusy) return false;
  plainBusy = true;
  plainTokens = envelope.tokens;
  plainBytes = envelope.bytes;
  try {
    return (
      plainValue(value, MAX_NESTING - envelope.depth) &&
      plainTokens <= MAX_TOKEN_COUNT &&
      plainBytes <= MAX_TOKEN_BYTES
    );
  } catch {
    return false; // a getter threw, or the stack ran out: the walk says what
  } finally {
    plainBusy = false;
  }
}

/** One value with `room` levels of nesting left; false when the walk must decide. */
function plainValue(v: unknown, room: number): boolean {
  switch (typeof v) {
    case "string":
      if (!plainString(v)) return false;
      plainTokens++;
      plainBytes += MAX_CHAR_BYTES * v.length + 2;
      return true;
    case "number":
      if (Number.isNaN(v)) return false;
      plainTokens++;
      plainBytes += MAX_NUMBER_BYTES;
      return true;
    case "boolean":
      plainTokens++;
      plainBytes += 5;
      return true;
    case "bigint":
      if (v <= -TWO_64 || v >= TWO_64) return false;
      plainTokens++;
      plainBytes += 21;
      return true;
    case "object":
      if (v === null) {
        plainTokens++;
        plainBytes += 4;
        return true;
      }
      if (room <= 0 || (v as { toJSON?: unknown }).toJSON !== undefined) return false;
      return Array.isArray(v) ? plainArray(v, room - 1) : plainObject(v, room - 1);
  }
  return false;
}

function plainArray(v: readonly unknown[], room: number): boolean {
  const n = v.length;
  for (let i = 0; i < n; i++) {
    const e = v[i];
    // (undefined, a function or a symbol: the walk's "not JSON" with its path.)
    if (e === undefined || !plainValue(e, room)) return false;
  }
  // Brackets and commas, a byte each.
  const punctuators = n === 0 ? 2 : n + 1;
  plainTokens += punctuators;
  plainBytes += punctuators;
  return true;
}

function plainObject(v: object, room: number): boolean {
  // A boxed Number is written as its value, which may be NaN. (Other objects are written as
  // their own enumerable members, which this reads as the walk does: class instances too, a
  // boxed String as its characters, each judged as a string, a boxed Boolean as {}: the same
  // verdict as the walk's, at a count of tokens and bytes no smaller.)
  if (v instanceof Number) return false;
  // Members are counted here, scalars too (one call fewer per member); containers recurse.
  let members = 0;
  let tokens = 0;
  let bytes = 0;
  for (const k in v) {
    if (!hasOwn.call(v, k)) continue; // an inherited member: JSON.stringify leaves it out
    const member = (v as Record<string, unknown>)[k];
    switch (typeof member) {
      // JSON.stringify leaves these members out, as the walk does.
      case "undefined":
      case "function":
      case "symbol":
        continue;
      case "number":
        if (Number.isNaN(member)) return false;
        bytes += MAX_NUMBER_BYTES;
        tokens++;
        break;
      case "boolean":
        bytes += 5;
        tokens++;
        break;
      default:
        if (member === null) {
          bytes += 4;
          tokens++;
        } else if (!plainValue(member, room)) return false;
    }
    if (!plainString(k)) return false;
    tokens++;
    bytes += MAX_CHAR_BYTES * k.length + 2;
    members++;
  }
  // Braces, colons and commas, a byte each.
  const punctuators = members === 0 ? 2 : 2 * members + 1;
  plainTokens += tokens + punctuators;
  plainBytes += bytes + punctuators;
  return true;
}

/** Whether a string is short and has no character QEMU may refuse. */
function plainString(s: string): boolean {
  if (plainStrings.has(s)) return true;
  if (s.length > LONG || HIGH.test(s)) return false;
  if (s.length <= PLAIN_STRING_LENGTH) {
    if (plainStrings.size >= PLAIN_STRINGS_MAX) plainStrings.clear();
    plainStrings.add(s);
  }
  return true;
}

/** Thrown by an inexact walk that comes within reach of the size limit. */
const NEEDS_EXACT = new Error("the walk must count exactly");

function walkValue(value: unknown, walk: Walk): Failure | "string" | "exact" | undefined {
  try {
    return walk.value(value, "", 0) ?? (walk.badString ? "string" : undefined);
  } catch (err) {
    if (err === NEEDS_EXACT) return "exact";
    // A toJSON or a getter that throws, or a structure deeper than the stack.
    if (err instanceof RangeError) return failure("JSON nesting depth limit exceeded");
    return failure(`not JSON: reading it threw: ${(err as Error)?.message ?? String(err)}`);
  }
}

interface Failure {
  message: string;
  /** Innermost first (reversed at the end). */
  path: (string | number)[];
}

function failure(message: string): Failure {
  return { message, path: [] };
}

class Walk {
  private tokens: number;
  /** Bytes of token text so far (a lower bound when `slack` is not 0). */
  private bytes: number;
  /** Most bytes `bytes` may miss: the escapes of control characters not counted in long strings. */
  private slack = 0;
  private readonly maxDepth: number;
  /** A string that QEMU's parser refuses was seen (reported last: see the top). */
  badString = false;
  /** Objects and arrays being walked, for telling a cycle from deep nesting. */
  private readonly open: object[] = [];

  /**
   * @param stopAtString fail at the first string QEMU refuses (to learn where it is).
   * @param exact count every byte of long strings (else control characters in them are counted
   *   only when the total comes near the limit).
   */
  constructor(
    envelope: JsonEnvelope,
    private readonly stopAtString: boolean,
    private readonly exact: boolean,
  ) {
    this.tokens = envelope.tokens;
    this.bytes = envelope.bytes;
    this.maxDepth = MAX_NESTING - envelope.depth;
  }

  /** One token of `bytes` bytes; a failure when it crosses a limit. */
  private token(bytes: number): Failure | undefined {
    this.bytes += bytes;
    if (this.bytes > MAX_TOKEN_BYTES) return failure("JSON token size limit exceeded");
    if (this.bytes + this.slack > MAX_TOKEN_BYTES) throw NEEDS_EXACT;
    if (++this.tokens > MAX_TOKEN_COUNT) return failure("JSON token count limit exceeded");
    return undefined;
  }

  /** The value `v` (the member or element `key`) at nesting `depth`. */
  value(v: unknown, key: string | number, depth: number): Failure | undefined {
    v = resolve(v, key);
    switch (typeof v) {
      case "string":
        return this.string(v);
      case "number":
        // (stringifyJson writes an infinity as 1e400, which QEMU reads as one.)
        if (Number.isNaN(v)) return failure("not JSON: NaN");
        return this.token(Number.isFinite(v) ? numberLength(v) : v > 0 ? 5 : 6);
      case "bigint":
        return this.token(v.toString().length);
      case "boolean":
        return this.token(v ? 4 : 5);
      case "object":
        if (v === null) return this.token(4);
        return this.container(v, depth + 1);
    }
    return failure(`not JSON: ${v === undefined ? "undefined" : `a ${typeof v}`}`);
  }

  private container(v: object, depth: number): Failure | undefined {
    if (depth > this.maxDepth)
      return failure(
        this.open.includes(v)
          ? "not JSON: a circular structure"
          : "JSON nesting depth limit exceeded",
      );
    let f = this.token(1); // the opening bracket
    if (f) return f;
    this.open.push(v);
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        if (i > 0 && (f = this.token(1))) return f; // the comma
        if ((f = this.value(v[i], i, depth))) return at(f, i);
      }
    } else {
      let first = true;
      for (const k of Object.keys(v)) {
        const member = resolve((v as Record<string, unknown>)[k], k);
        // JSON.stringify leaves these members out, as a program means by them.
        if (member === undefined || typeof member === "function" || typeof member === "symbol")
          continue;
        if (!first && (f = this.token(1))) return f; // the comma
        first = false;
        if ((f = this.string(k)) || (f = this.token(1))) return at(f, k); // the key, the colon
        if ((f = this.value(member, k, depth))) return at(f, k);
      }
    }
    this.open.pop();
    return this.token(1); // the closing bracket
  }

  /** A string token: its bytes as JSON.stringify writes it, and QEMU's verdict on its content. */
  private string(s: string): Failure | undefined {
    if (s.length > LONG) return this.longString(s);
    if (PLAIN.test(s)) return this.token(s.length + 2);
    let bytes = 2;
    let problem: string | undefined;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x80) bytes += c < 0x20 ? controlLength(c) : c === 0x22 || c === 0x5c ? 2 : 1;
      else if (c < 0x800) bytes += 2;
      else if (c >= 0xd800 && c <= 0xdfff) {
        const next = s.charCodeAt(i + 1);
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          const cp = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
          if ((cp & 0xfffe) === 0xfffe) problem ??= INVALID_UTF8;
          bytes += 4;
          i++;
        } else {
          problem ??= loneSurrogate(c);
          bytes += 6;
        }
      } else {
        if ((c >= 0xfdd0 && c <= 0xfdef) || c >= 0xfffe) problem ??= INVALID_UTF8;
        bytes += 3;
      }
    }
    return this.problem(problem) ?? this.token(bytes);
  }

  /**
   * A long string (base64 data, say), with native searches: the engine answers most of them
   * without a look at each character (a string of Latin-1 characters holds no surrogate nor
   * noncharacter). Control characters, rare in such text, are counted only when it matters.
   */
  private longString(s: string): Failure | undefined {
    let problem: string | undefined;
    if (!isWellFormed(s)) problem = loneSurrogate(firstLoneSurrogate(s));
    else if (NONCHARACTER.test(s)) problem = INVALID_UTF8;
    // A lone surrogate is written as a 6-byte escape, not as the 3 bytes UTF-8 would give it.
    let bytes = utf8Length(s) + 2 + count(s, '"') + count(s, "\\");
    if (problem && !isWellFormed(s)) for (const _ of s.matchAll(LONE_SURROGATES)) bytes += 3;
    if (this.exact)
      for (const m of s.matchAll(CONTROLS)) bytes += controlLength(m[0].charCodeAt(0)) - 1;
    else this.slack += 5 * s.length;
    return this.problem(problem) ?? this.token(bytes);
  }

  /** A string QEMU refuses: the failure now, or noted for the end (see the top). */
  private problem(problem: string | undefined): Failure | undefined {
    if (!problem) return undefined;
    if (this.stopAtString) return failure(problem);
    this.badString = true;
    return undefined;
  }
}

/** Strings longer than this are judged by native searches. */
const LONG = 256;
const CONTROLS = /[\u0000-\u001f]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, "g");
const NONCHARACTER =
  /[\ufdd0-\ufdef\ufffe\uffff]|[\ud83f\ud87f\ud8bf\ud8ff\ud93f\ud97f\ud9bf\ud9ff\uda3f\uda7f\udabf\udaff\udb3f\udb7f\udbbf\udbff][\udffe\udfff]/;

/** JSON.stringify's length for a control character: \b \t \n \f \r, else \u00XX. */
function controlLength(c: number): number {
  return c === 0x08 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d ? 2 : 6;
}

/** JSON.stringify writes a lone surrogate as a \u escape, which QEMU quotes. */
function loneSurrogate(c: number): string {
  return `JSON parse error, \\u${c.toString(16)} is not a valid Unicode character`;
}

function firstLoneSurrogate(s: string): number {
  return LONE_SURROGATE.exec(s)![0].charCodeAt(0);
}

function isWellFormed(s: string): boolean {
  const native = (s as { isWellFormed?: () => boolean }).isWellFormed;
  return native ? native.call(s) : !LONE_SURROGATE.test(s);
}

function count(s: string, c: string): number {
  let n = 0;
  for (let i = s.indexOf(c); i >= 0; i = s.indexOf(c, i + 1)) n++;
  return n;
}

const nodeBuffer = (globalThis as { Buffer?: { byteLength(s: string): number } }).Buffer;

/** The UTF-8 length of a string (lone surrogates as the 3 bytes of U+FFFD). */
function utf8Length(s: string): number {
  return nodeBuffer ? nodeBuffer.byteLength(s) : encoder.encode(s).length;
}

const INVALID_UTF8 = "JSON parse error, invalid UTF-8 sequence in string";
/** Printable ASCII but `"` and `\`: written as it is, one byte a character. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** What JSON.stringify writes for the value: toJSON's result, a boxed primitive's value. */
function resolve(v: unknown, key: string | number): unknown {
  if (typeof v === "object" && v !== null) {
    const toJSON = (v as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === "function") v = (toJSON as (k: string) => unknown).call(v, String(key));
    if (v instanceof Number || v instanceof String || v instanceof Boolean) v = v.valueOf();
  }
  return v;
}

/** The length of a number as stringifyJson writes it (integral doubles beyond 2^53 in full). */
function numberLength(n: number): number {
  if (Number.isSafeInteger(n)) {
    let length = n < 0 ? 2 : 1;
    for (let a = Math.abs(n); a >= 10; a = Math.floor(a / 10)) length++;
    return length;
  }
  return (Number.isInteger(n) && Math.abs(n) < 1e21 ? BigInt(n).toString() : String(n)).length;
}

function at(f: Failure, key: string | number): Failure {
  f.path.push(key);
  return f;
}
