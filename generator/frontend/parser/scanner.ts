// QEMU's lexer state over one file's text: the current token, its value and where it is (line,
// column as QEMU counts them). Tokens come from the chevrotain lexer (lexer.ts); a run of comment
// lines is one chevrotain token, walked here line by line, since QEMU's parser sees each `##` line
// of a documentation block as a token of its own.

import type { IToken, TokenType } from "chevrotain";
import * as lex from "../lexer.ts";
import type { SyntaxRecorder } from "./syntax-recorder.ts";
import { QAPIError, excerpt, type SourceInfo, type Span } from "../../model/source.ts";

/** Token codes (QEMU's `tok`): the structural characters, a string, a boolean, a `#` line. */
export const enum T {
  EOF,
  LCURLY,
  RCURLY,
  LSQUARE,
  RSQUARE,
  COLON,
  COMMA,
  STR,
  BOOL,
  HASH,
  // lexer-level only: a `#` comment run, a newline, malformed text
  COMMENT,
  NEWLINE,
  ERROR,
}

let codes: T[] | null = null;
/** Token codes indexed by chevrotain's tokenTypeIdx (BadStr and Stray are errors). */
function tokenCodes(): T[] {
  if (codes) return codes;
  codes = [];
  const pairs: [TokenType, T][] = [
    [lex.LCurly, T.LCURLY],
    [lex.RCurly, T.RCURLY],
    [lex.LSquare, T.LSQUARE],
    [lex.RSquare, T.RSQUARE],
    [lex.Colon, T.COLON],
    [lex.Comma, T.COMMA],
    [lex.Str, T.STR],
    [lex.EscapedStr, T.STR],
    [lex.True, T.BOOL],
    [lex.False, T.BOOL],
    [lex.Comment, T.COMMENT],
    [lex.Newline, T.NEWLINE],
  ];
  for (const [type, code] of pairs) codes[type.tokenTypeIdx!] = code;
  return codes;
}

const TAB_OR_ASTRAL = /[\t\ud800-\udbff]/g;

export class Scanner {
  private readonly stream: lex.TokenStream;
  private readonly tokenCode: T[];

  // QEMU's lexer state: current token, its value, where it starts, the current line.
  tok: T = T.EOF;
  val: string | boolean = "";
  pos = 0;
  /** Where the current token ends (offset after its last character). */
  end = 0;
  /** Where the token before the current one ended: the end of a value just read. */
  prevEnd = 0;
  line = 1;
  private linePos = 0;
  private nextSpecial = -1;
  /** Offset of the newline after the last comment line, until accept() counts it. */
  private pendingNewline = -1;
  /** In a comment run (lexer.ts): where its next line starts (-1: not in a run), and its end. */
  private runNext = -1;
  private runEnd = 0;
  /** For a `#` token (at pos): where its line ends. */
  hashEnd = 0;
  /** Records the values read with their places, when the caller wants the syntax tree. */
  syntax: SyntaxRecorder | null = null;

  /**
   * `src` ends with "\n" (see Scanner.text). Reading starts at `start`, the start of line `line`
   * (a parse of part of a file: reparseFile).
   */
  constructor(
    readonly src: string,
    private readonly fileInfo: SourceInfo,
    start = 0,
    line = 1,
  ) {
    this.stream = new lex.TokenStream(src, start);
    this.tokenCode = tokenCodes();
    this.pos = this.end = this.linePos = start;
    this.line = line;
  }

  /** A file's text as the scanner reads it: QEMU's universal newlines, and a final newline. */
  static text(raw: string): string {
    let src = raw;
    if (src.indexOf("\r") >= 0) src = src.replace(/\r\n?/g, "\n");
    if (src === "" || src[src.length - 1] !== "\n") src += "\n";
    return src;
  }

  /** The current token (a method, so that type narrowing does not survive accept()). */
  t(): T {
    return this.tok;
  }

  info(): SourceInfo {
    return this.fileInfo.at(this.line);
  }

  /** QEMU's column: 1-based, tabs to the next multiple of 8, code points not UTF-16 units. */
  col(offset: number): number {
    if (this.nextSpecial < this.linePos && this.nextSpecial !== Infinity) {
      TAB_OR_ASTRAL.lastIndex = this.linePos;
      const m = TAB_OR_ASTRAL.exec(this.src);
      this.nextSpecial = m ? m.index : Infinity;
    }
    if (this.nextSpecial >= offset) return offset - this.linePos + 1;
    const prefix = this.src.slice(this.linePos, offset);
    return columnOf(prefix, prefix.length);
  }

  /** An error at the current token: QEMU's place; the culprit is `span` (default: the token). */
  error(message: string, span: Span = { start: this.pos, end: this.end }): QAPIError {
    return new QAPIError(this.info(), message, { col: this.col(this.pos), span });
  }

  /** QEMU's accept(): the next token; `#` lines are skipped unless they are `##` ones or !skip. */
  accept(skipComment = true): void {
    this.prevEnd = this.end;
    for (;;) {
      if (this.pendingNewline >= 0) {
        // the newline a comment token took along
        const nl = this.pendingNewline;
        this.pendingNewline = -1;
        if (this.atFinalNewline(nl)) return;
      }
      if (this.runNext >= 0) {
        if (this.commentLine(this.runNext, skipComment)) return;
        continue;
      }
      const t: IToken | null = this.stream.pull();
      if (!t) {
        this.tok = T.EOF;
        this.end = this.pos;
        return;
      }
      const offset = t.startOffset + this.stream.base;
      const code = this.tokenCode[t.tokenTypeIdx] ?? T.ERROR;
      if (code === T.NEWLINE) {
        if (this.atFinalNewline(offset)) return;
        continue;
      }
      this.pos = offset;
      if (code === T.COMMENT) {
        this.runEnd = offset + t.image.length;
        if (this.commentLine(offset, skipComment)) return;
        continue;
      }
      this.end = offset + t.image.length;
      if (code === T.ERROR) {
        if (t.tokenType === lex.BadStr) throw this.error(stringError(t.image));
        throw this.error(`stray '${excerpt(t.image)}'`);
      }
      this.tok = code;
      if (code === T.STR) {
        const image = t.image;
        this.val = isPlainString(image) ? image.slice(1, -1) : this.decodeString(image);
      } else if (code === T.BOOL) {
        this.val = t.tokenType === lex.True;
      }
      return;
    }
  }

  /**
   * Passes the newline at `nl` and returns false; at the file's final newline, ends the token
   * stream there instead (QEMU does, so errors at the end of a file point at it) and returns true.
   */
  private atFinalNewline(nl: number): boolean {
    if (nl + 1 === this.src.length) {
      this.pos = nl;
      this.end = nl;
      this.tok = T.EOF;
      return true;
    }
    this.line++;
    this.linePos = nl + 1;
    return false;
  }

  /** (A method of its own: a closure in accept() would cost accept() a context per call.) */
  private decodeString(image: string): string {
    const problem = stringProblem(image);
    if (problem !== null) throw this.error(problem);
    return image.slice(1, -1).replaceAll("\\\\", "\\");
  }

  /**
   * The comment line at `offset` in the current run: QEMU's `#` token (a `##` one starts or ends
   * a doc block). Returns false when it is skipped (a plain comment, and skipComment).
   */
  private commentLine(offset: number, skipComment: boolean): boolean {
    const src = this.src;
    const eol = src.indexOf("\n", offset);
    this.pendingNewline = eol;
    let next = eol + 1;
    while (src.charCodeAt(next) === 32) next++;
    this.runNext = next < this.runEnd ? next : -1;
    this.pos = offset;
    if (skipComment && src.charCodeAt(offset + 1) !== 35) return false;
    this.tok = T.HASH;
    this.hashEnd = eol; // the text is only sliced out if it is documentation (getDocLine)
    this.end = eol;
    return true;
  }
}

/** Column after `prefix` (the line's text before the token), QEMU's way. */
export function columnOf(prefix: string, end: number): number {
  let col = 1;
  for (let i = 0; i < end; i++) {
    const c = prefix.charCodeAt(i);
    if (c === 9) col = (((col - 1) >> 3) + 1) * 8 + 1;
    else if (
      c >= 0xdc00 &&
      c < 0xe000 &&
      i > 0 &&
      prefix.charCodeAt(i - 1) >= 0xd800 &&
      prefix.charCodeAt(i - 1) < 0xdc00
    )
      continue;
    else col++;
  }
  return col;
}

/**
 * Whether a string token's text is its value: printable ASCII without escapes (almost all are).
 * A loop, not a regex: a regex test allocates, and this runs for every string token.
 */
function isPlainString(image: string): boolean {
  for (let i = image.length - 2; i > 0; i--) {
    const c = image.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x5c) return false;
  }
  return true;
}

/**
 * What is wrong with a string token, read QEMU's way (only `\\` escapes, only printable ASCII),
 * or null. The token may lack its closing quote (BadStr): then that is the problem, unless an
 * earlier character is.
 */
function stringProblem(image: string): string | null {
  for (let i = 1; i < image.length; i++) {
    const c = image.charCodeAt(i);
    if (c === 0x5c) {
      i++;
      if (i >= image.length) break;
      if (image.charCodeAt(i) !== 0x5c)
        return `unknown escape \\${excerpt(String.fromCodePoint(image.codePointAt(i)!))}`;
    } else if (c === 39) return null;
    if (c < 32 || c >= 127) return "funny character in string";
  }
  return `missing terminating "'"`;
}

/** The message for an unterminated string (or an earlier problem in it). */
function stringError(image: string): string {
  return stringProblem(image) ?? `missing terminating "'"`;
}
