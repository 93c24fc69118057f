// The QAPI lexer: chevrotain token definitions for the schema syntax, run chunk by chunk.
//
// QEMU's parser reads one token at a time, so an error in a token is only reported when the
// parser gets there. To match that, nothing here raises: an unterminated string is a token of
// its own, and so is text no other token matches (QEMU's "stray"); the parser turns them into
// diagnostics when it reaches them. Every character starts some token, so the lexer never falls
// back to chevrotain's error recovery (which tries every pattern at every following offset).
// No pattern backtracks per character or per repetition of a group: tokens of any length (a
// string, a line, a stray run of megabytes) are matched without exhausting the regular
// expression engine's stack.
// The source is lexed in newline-aligned chunks, which keeps memory bounded for huge inputs (only
// one chunk's tokens exist at a time). No token but a comment run continues past a newline, and
// a run cut by a chunk boundary is two runs, which read the same.

import { createToken, Lexer, type IToken, type TokenType } from "chevrotain";

/** Python's str.isspace() set, which QEMU's lexer and its stray-text regex (`\s`) use. */
const PY_SPACE =
  "\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";

export const LCurly = createToken({ name: "LCurly", pattern: /{/, start_chars_hint: ["{"] });
export const RCurly = createToken({ name: "RCurly", pattern: /}/, start_chars_hint: ["}"] });
export const LSquare = createToken({ name: "LSquare", pattern: /\[/, start_chars_hint: ["["] });
export const RSquare = createToken({ name: "RSquare", pattern: /]/, start_chars_hint: ["]"] });
export const Colon = createToken({ name: "Colon", pattern: /:/, start_chars_hint: [":"] });
export const Comma = createToken({ name: "Comma", pattern: /,/, start_chars_hint: [","] });

/**
 * A string closed on its line, without escapes (almost all are); its content may still be invalid
 * (checked on use). No alternation inside a repetition: `(?:[^'\\]|\\.)*` recurses per character
 * in V8's engine and overflows the stack on strings of a few megabytes.
 */
export const Str = createToken({ name: "Str", pattern: /'[^'\\\n]*'/, start_chars_hint: ["'"] });

/** A string with `\` escapes (each takes the next character along), closed on its line. */
function matchEscapedString(text: string, offset: number): [string] | null {
  for (let i = offset + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 39) return [text.slice(offset, i + 1)]; // '
    if (c === 10) return null;
    if (c === 92 && text.charCodeAt(++i) === 10) return null; // \ and what it escapes
  }
  return null;
}
export const EscapedStr = createToken({
  name: "EscapedStr",
  pattern: { exec: matchEscapedString },
  line_breaks: false,
  start_chars_hint: ["'"],
});
/** A quote whose string is not closed on its line: always an error, found when reached. */
export const BadStr = createToken({ name: "BadStr", pattern: /'[^\n]*/, start_chars_hint: ["'"] });
export const True = createToken({ name: "True", pattern: /true/, start_chars_hint: ["t"] });
export const False = createToken({ name: "False", pattern: /false/, start_chars_hint: ["f"] });
/**
 * A run of comment lines (`#` and `##` alike, each possibly indented), with the newline and the
 * next line's indentation after the last one: most of a schema is comment lines, and one token
 * per run is what makes the lexer fast. The parser walks the lines of a run itself.
 */
export const Comment = createToken({
  name: "Comment",
  pattern: /#[^\n]*(?:\n[ ]*#[^\n]*)*(?:\n[ ]*)?/,
  start_chars_hint: ["#"],
});
/** A newline and the next line's indentation (one token instead of two on most lines). */
export const Newline = createToken({
  name: "Newline",
  pattern: /\n[ ]*/,
  start_chars_hint: ["\n"],
});
const SPACE_CHARS = [
  9, 11, 12, 13, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f,
  0x3000,
];
for (let c = 0x2000; c <= 0x200a; c++) SPACE_CHARS.push(c);
const Space = createToken({
  name: "Space",
  pattern: new RegExp(`[${PY_SPACE.replace("\\n", "")}]+`),
  start_chars_hint: SPACE_CHARS,
  group: Lexer.SKIPPED,
});

/**
 * QEMU's "stray" text: from a character no other token starts with, up to a structural
 * character, a space or a quote. Listed last: `true`/`false` come first, as in QEMU ("trueish"
 * is `true` and stray "ish").
 */
export const Stray = createToken({
  name: "Stray",
  pattern: new RegExp(`[^\\[\\]{}:,'${PY_SPACE}]+`),
  start_chars_hint: strayStartChars(),
});

/**
 * The UTF-16 code units a stray run can start with: all but spaces, structural characters, quotes
 * and '#' (which starts a comment). Chevrotain looks tokens up by first character, and puts those
 * above 255 in buckets (of 255 in chevrotain 11, the last of one): one character every 64 and the
 * last cover every bucket, and save building a list of 65,000 at every start.
 */
function strayStartChars(): number[] {
  const excluded = new Set([...SPACE_CHARS, 10, 35, 39, 44, 58, 91, 93, 123, 125]);
  const out: number[] = [];
  for (let c = 0; c < 256; c++) if (!excluded.has(c)) out.push(c);
  for (let c = 256; c < 0x10000; c += 64) {
    let k = c;
    while (excluded.has(k)) k++;
    out.push(k);
  }
  out.push(0xffff); // the last bucket may hold just that one
  return out;
}

const allTokens: TokenType[] = [
  Newline,
  Space,
  LCurly,
  RCurly,
  LSquare,
  RSquare,
  Colon,
  Comma,
  Str,
  EscapedStr,
  BadStr,
  True,
  False,
  Comment,
  Stray,
];

let lexer: Lexer | null = null;
function getLexer(): Lexer {
  // Built once; validations are for grammar development, not for every run.
  lexer ??= new Lexer(allTokens, {
    positionTracking: "onlyOffset",
    skipValidations: true,
    ensureOptimizations: false,
  });
  return lexer;
}

/**
 * Chunk size for lexing (characters); each chunk is extended to the next newline. Small: a chunk's
 * tokens stay alive until the parser has used them, and every young-generation GC copies them.
 */
const CHUNK = 1 << 14;

/**
 * A pull-based token stream over a source text that ends with "\n". Tokens carry offsets into
 * the whole source (chunk base added).
 */
export class TokenStream {
  private tokens: IToken[] = [];
  private index = 0;
  /** Offset of the current chunk in src. */
  base = 0;
  private next: number;

  /** `start`: where tokens start (a line's start). */
  constructor(
    readonly src: string,
    start = 0,
  ) {
    this.next = this.base = start;
  }

  /** The next token, or null at the end of the source; its offset in src is startOffset + base. */
  pull(): IToken | null {
    while (this.index >= this.tokens.length) {
      if (this.next >= this.src.length) return null;
      this.fill();
    }
    return this.tokens[this.index++]!;
  }

  private fill(): void {
    const start = this.next;
    let end = Math.min(start + CHUNK, this.src.length);
    if (end < this.src.length) {
      const nl = this.src.indexOf("\n", end - 1);
      end = nl < 0 ? this.src.length : nl + 1;
    }
    const chunk = start === 0 && end === this.src.length ? this.src : this.src.slice(start, end);
    const result = getLexer().tokenize(chunk);
    // Every character starts a token (Stray takes what nothing else does).
    if (result.errors.length) throw new Error(`lexer: ${result.errors[0]!.message}`);
    this.tokens = result.tokens;
    this.index = 0;
    this.base = start;
    this.next = end;
  }
}
