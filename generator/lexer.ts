// The QAPI lexer: chevrotain token definitions for the schema syntax, run chunk by chunk.
//
// QEMU's parser reads one token at a time, so an error in a token is only reported when the
// parser gets there. To match that, nothing here raises: an unterminated string is a token of
// its own, and text no pattern matches (QEMU's "stray") comes out as a pseudo-token at its
// offset; the parser turns them into diagnostics when it reaches them.
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
/** A string that is closed on its line; its content may still be invalid (checked on use). */
export const Str = createToken({
  name: "Str",
  pattern: /'(?:[^'\\\n]|\\[^\n])*'/,
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
  BadStr,
  True,
  False,
  Comment,
];

/** QEMU's "stray" text: from an unrecognized character up to a structural, space or quote. */
const STRAY = new RegExp(`[^\\[\\]{}:,'${PY_SPACE}]+`, "y");

export function strayAt(src: string, offset: number): string {
  STRAY.lastIndex = offset;
  return STRAY.exec(src)?.[0] ?? src[offset]!;
}

/** The type of the pseudo-token pull() returns for unmatched text. */
export const STRAY_TYPE = createToken({ name: "Stray", pattern: Lexer.NA });

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
  private next = 0;
  private errorOffset = Infinity;

  /** `start`: where to begin (a token's offset, e.g. to parse one definition's text again). */
  constructor(
    readonly src: string,
    start = 0,
  ) {
    this.next = start;
  }

  /**
   * The next token, or null at the end of the source; its offset in src is startOffset + base.
   * Text that no token matches comes back as a token of type null (see strayAt()).
   */
  pull(): IToken | null {
    while (this.index >= this.tokens.length) {
      if (this.next >= this.src.length) return null;
      this.fill();
    }
    const t = this.tokens[this.index]!;
    if (t.startOffset >= this.errorOffset) {
      // Everything after unmatched text is moot: QEMU stops there
      return {
        image: "",
        startOffset: this.errorOffset,
        tokenType: STRAY_TYPE,
        tokenTypeIdx: STRAY_TYPE.tokenTypeIdx,
      } as IToken;
    }
    this.index++;
    return t;
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
    this.tokens = result.tokens;
    // Chevrotain skips unmatched text and reports it separately; the first such offset ends
    // the stream (with an end marker token so the parser reaches it in order).
    this.errorOffset = result.errors.length ? result.errors[0]!.offset : Infinity;
    if (result.errors.length) this.tokens.push({ startOffset: this.errorOffset } as IToken);
    this.index = 0;
    this.base = start;
    this.next = end;
  }
}
