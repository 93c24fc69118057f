// The QAPI parser: schema files to a stream of top-level expressions (ast.ts), with includes
// expanded, pragmas applied and `##` documentation blocks parsed (doc.ts).
//
// It follows QEMU's parser token by token: a token is lexed (and, if malformed, reported) when
// the previous one is accepted, and every check happens at the same point as in QEMU, so the
// first error and its line:column are QEMU's. Tokens come from the chevrotain lexer (lexer.ts);
// the grammar (four productions) is a small recursive descent over them.

import { readFileSync, statSync } from "node:fs";
import { isAscii, isUtf8 } from "node:buffer";
import * as path from "node:path";
import type { IToken, TokenType } from "chevrotain";
import {
  TokenStream,
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
  Newline,
  strayAt,
} from "./lexer.ts";
import { QAPIError, SourceInfo, newPragma, type Diagnostic, type Pragma } from "./source.ts";
import type {
  DictEntry,
  DictValue,
  Expr,
  ParsedSchema,
  Plain,
  PlainDict,
  Position,
  TopLevelExpr,
  Value,
} from "./ast.ts";
import { QAPIDoc, type SectionKind } from "./doc.ts";

export interface ParseOptions {
  /** Accept the legacy dialect of older QEMU releases (each kind of use warned about once). */
  compat: boolean;
  warn(d: Diagnostic): void;
}

/** Parse a schema file and everything it includes. Throws QAPIError for the first error. */
export function parseSchema(fname: string, options: ParseOptions): ParsedSchema {
  const ctx = newContext(options);
  new FileParser(fname, null, ctx).parse();
  return { exprs: ctx.exprs, warnings: ctx.warnings };
}

/** Parse schema text held in memory (tests, fuzzing); includes resolve relative to fname. */
export function parseSchemaText(fname: string, src: string, options: ParseOptions): ParsedSchema {
  const ctx = newContext(options);
  new FileParser(fname, null, ctx, src).parse();
  return { exprs: ctx.exprs, warnings: ctx.warnings };
}

interface ParseContext {
  options: ParseOptions;
  /** Absolute paths of every file parsed so far: each is parsed once. */
  included: Set<string>;
  /** Absolute paths by file name (QEMU's os.path.abspath), computed once per name. */
  absolute: Map<string, string>;
  /** Bytes of schema text read so far (see MAX_SCHEMA_BYTES). */
  bytes: number;
  /** Legacy kinds already reported. */
  warned: Set<string>;
  warnings: Diagnostic[];
  exprs: Expr[];
}

function newContext(options: ParseOptions): ParseContext {
  return {
    options,
    included: new Set(),
    absolute: new Map(),
    bytes: 0,
    warned: new Set(),
    warnings: [],
    exprs: [],
  };
}

/** Where a value's text starts: offset in the (normalized) source, its line and line start. */
interface SourceOffset {
  offset: number;
  line: number;
  linePos: number;
}

/**
 * A definition. Checks only read the plain form; the positioned one (`expr`) is rebuilt from
 * the source text when asked for, so that parsing allocates one tree, not two.
 */
class Definition implements TopLevelExpr {
  readonly kind = "definition";
  #expr: DictValue | null = null;
  constructor(
    public plain: PlainDict,
    public info: SourceInfo,
    public doc: QAPIDoc | null,
    private readonly src: string,
    private readonly start: SourceOffset,
  ) {}

  get expr(): DictValue {
    return (this.#expr ??= FileParser.valueAt(this.info.fname, this.src, this.start) as DictValue);
  }
}

// Token codes (QEMU's `tok`): the structural character, or one of these.
const enum T {
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
  // lexer-level only: a `#` comment that is not `##`, a newline, malformed text
  COMMENT,
  NEWLINE,
  ERROR,
}

let codes: T[] | null = null;
/** Token codes indexed by chevrotain's tokenTypeIdx. */
function tokenCodes(): T[] {
  if (codes) return codes;
  codes = [];
  const pairs: [TokenType, T][] = [
    [LCurly, T.LCURLY],
    [RCurly, T.RCURLY],
    [LSquare, T.LSQUARE],
    [RSquare, T.RSQUARE],
    [Colon, T.COLON],
    [Comma, T.COMMA],
    [Str, T.STR],
    [True, T.BOOL],
    [False, T.BOOL],
    [Comment, T.COMMENT],
    [Newline, T.NEWLINE],
  ];
  for (const [type, code] of pairs) codes[type.tokenTypeIdx!] = code;
  return codes;
}

/** Deeper nesting than any schema needs; beyond it we report instead of exhausting the stack. */
const MAX_DEPTH = 1000;
/**
 * Bound on the schema text read in one parse (all files together): twenty times QEMU's own
 * schema, so that absurd inputs get a diagnostic instead of exhausting memory.
 */
export const MAX_SCHEMA_BYTES = 16 * 1024 * 1024;
/** QEMU's limit on documentation line length. */
const DOC_LINE_MAX = 70;

const strerror: Record<string, string> = {
  ENOENT: "No such file or directory",
  EISDIR: "Is a directory",
  EACCES: "Permission denied",
  ENOTDIR: "Not a directory",
  ELOOP: "Too many levels of symbolic links",
  ENAMETOOLONG: "File name too long",
  EMFILE: "Too many open files",
  EIO: "Input/output error",
};

function absolute(ctx: ParseContext, fname: string): string {
  let abs = ctx.absolute.get(fname);
  if (abs === undefined) ctx.absolute.set(fname, (abs = path.resolve(fname)));
  return abs;
}

/** Python's os.path.join(os.path.dirname(a), b), as QEMU names included files. */
function joinDirname(fname: string, include: string): string {
  if (include.startsWith("/")) return include;
  const slash = fname.lastIndexOf("/");
  if (slash < 0) return include;
  let dir = fname.slice(0, slash + 1);
  // dirname() strips trailing slashes unless the directory is all slashes
  if (/[^/]/.test(dir)) dir = dir.replace(/\/+$/, "") + "/";
  return dir + include;
}

const PY_SPACE_RE =
  /[\t\n\v\f\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/;
const TAGGED_SECTION = /^(Returns|Errors|Since|Notes?|Examples?|TODO)(?!::): */;
const TAB_OR_ASTRAL = /[\t\ud800-\udbff]/g;

// Doc lines are matched against these for every paragraph, so without allocating a regex match
// where a look at the first character or an indexOf tells.

/** The name of an "@name: text" line (QEMU: `^@([^:]*): *`), or null. */
function atName(line: string): string | null {
  if (line.charCodeAt(0) !== 64) return null;
  const colon = line.indexOf(":");
  return colon < 0 ? null : line.slice(1, colon);
}

/** The text of an "@name: text" line. */
function atNameText(line: string, name: string): string {
  let i = name.length + 2;
  while (line.charCodeAt(i) === 32) i++;
  return line.slice(i);
}

function taggedSection(line: string): RegExpExecArray | null {
  const c = line.charCodeAt(0); // R, E, S, N or T
  return c === 82 || c === 69 || c === 83 || c === 78 || c === 84
    ? TAGGED_SECTION.exec(line)
    : null;
}

class FileParser {
  private readonly src: string;
  private readonly stream: TokenStream;
  private readonly tokenCode: T[];
  private readonly fileInfo: SourceInfo;
  private readonly pragma: Pragma;

  // QEMU's lexer state: current token, its value, where it starts, the current line.
  private tok: T = T.EOF;
  private val: string | boolean = "";
  private pos = 0;
  private line = 1;
  private linePos = 0;
  private nextSpecial = -1;
  private depth = 0;
  /** Offset of the newline after the last comment line, until accept() counts it. */
  private pendingNewline = -1;
  /** In a comment run (lexer.ts): where its next line starts (-1: not in a run), and its end. */
  private runNext = -1;
  private runEnd = 0;
  /** For a `#` token (at pos): where its line ends. */
  private hashEnd = 0;

  constructor(
    private readonly fname: string,
    private readonly parentInfo: SourceInfo | null,
    private readonly ctx: ParseContext,
    text?: string,
    start = 0,
  ) {
    this.pragma = parentInfo ? parentInfo.pragma : newPragma();
    this.fileInfo = new SourceInfo(fname, 1, parentInfo, this.pragma);
    ctx.included.add(absolute(ctx, fname));
    if (text !== undefined) {
      ctx.bytes += text.length;
      if (ctx.bytes > MAX_SCHEMA_BYTES) {
        throw new QAPIError(
          parentInfo,
          `can't read schema file '${fname}': File too large (schemas are limited to ${MAX_SCHEMA_BYTES >> 20} MiB in total)`,
        );
      }
    }
    let src = text ?? this.read();
    // QEMU reads files in Python's universal-newlines mode: \r\n and \r end lines too
    if (src.indexOf("\r") >= 0) src = src.replace(/\r\n?/g, "\n");
    if (src === "" || src[src.length - 1] !== "\n") src += "\n";
    this.src = src;
    this.stream = new TokenStream(src, start);
    this.tokenCode = tokenCodes();
  }

  private read(): string {
    let bytes: Buffer;
    const cantRead = (reason: string): QAPIError =>
      new QAPIError(
        this.parentInfo,
        `can't read ${this.parentInfo ? "include" : "schema"} file '${this.fname}': ${reason}`,
      );
    try {
      // Check the size first: a huge file is refused without being read
      const { size } = statSync(this.fname);
      if (this.ctx.bytes + size > MAX_SCHEMA_BYTES) {
        throw cantRead(
          `File too large (schemas are limited to ${MAX_SCHEMA_BYTES >> 20} MiB in total)`,
        );
      }
      bytes = readFileSync(this.fname);
      this.ctx.bytes += bytes.length;
    } catch (e) {
      if (e instanceof QAPIError) throw e;
      const code = (e as NodeJS.ErrnoException).code ?? "";
      throw cantRead(strerror[code] ?? (e as Error).message);
    }
    // Most schemas are ASCII, which needs no decoding; a BOM is kept, as QEMU keeps it.
    if (isAscii(bytes)) return bytes.toString("latin1");
    if (!isUtf8(bytes)) throw this.invalidUtf8(bytes);
    return bytes.toString("utf8");
  }

  /** Locate the first byte that is not valid UTF-8 (QEMU reads files as UTF-8 too). */
  private invalidUtf8(bytes: Buffer): QAPIError {
    let i = 0;
    while (i < bytes.length) {
      const b = bytes[i]!;
      const n =
        b < 0x80
          ? 1
          : b >= 0xc2 && b < 0xe0
            ? 2
            : b >= 0xe0 && b < 0xf0
              ? 3
              : b >= 0xf0 && b < 0xf5
                ? 4
                : 0;
      if (n === 0 || i + n > bytes.length) break;
      let ok = true;
      for (let k = 1; k < n; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) ok = false;
      if (
        ok &&
        n === 3 &&
        ((b === 0xe0 && bytes[i + 1]! < 0xa0) || (b === 0xed && bytes[i + 1]! >= 0xa0))
      )
        ok = false;
      if (
        ok &&
        n === 4 &&
        ((b === 0xf0 && bytes[i + 1]! < 0x90) || (b === 0xf4 && bytes[i + 1]! >= 0x90))
      )
        ok = false;
      if (!ok) break;
      i += n;
    }
    const before = bytes.subarray(0, i);
    const lineStart = before.lastIndexOf(10) + 1;
    let line = 1;
    for (let k = 0; k < lineStart; k++) if (before[k] === 10) line++;
    const prefix = before.subarray(lineStart).toString("utf8");
    this.line = line;
    return new QAPIError(
      this.fileInfo.at(line),
      `invalid UTF-8 byte 0x${bytes[i]!.toString(16).padStart(2, "0")}`,
      columnOf(prefix, prefix.length),
    );
  }

  // -------------------------------------------------------------------------------------------
  // Lexing (QEMU's accept())

  /** The current token (a method, so that type narrowing does not survive accept()). */
  private t(): T {
    return this.tok;
  }

  private info(): SourceInfo {
    return this.fileInfo.at(this.line);
  }

  /** QEMU's column: 1-based, tabs to the next multiple of 8, code points not UTF-16 units. */
  private col(offset: number): number {
    if (this.nextSpecial < this.linePos && this.nextSpecial !== Infinity) {
      TAB_OR_ASTRAL.lastIndex = this.linePos;
      const m = TAB_OR_ASTRAL.exec(this.src);
      this.nextSpecial = m ? m.index : Infinity;
    }
    if (this.nextSpecial >= offset) return offset - this.linePos + 1;
    const prefix = this.src.slice(this.linePos, offset);
    return columnOf(prefix, prefix.length);
  }

  private position(): Position {
    return { line: this.line, col: this.col(this.pos) };
  }

  private error(message: string): QAPIError {
    return new QAPIError(this.info(), message, this.col(this.pos));
  }

  private accept(skipComment = true): void {
    for (;;) {
      if (this.pendingNewline >= 0) {
        // the newline a comment token took along
        const nl = this.pendingNewline;
        this.pendingNewline = -1;
        if (nl + 1 === this.src.length) {
          this.pos = nl;
          this.tok = T.EOF;
          return;
        }
        this.line++;
        this.linePos = nl + 1;
      }
      if (this.runNext >= 0) {
        if (this.commentLine(this.runNext, skipComment)) return;
        continue;
      }
      const t: IToken | null = this.stream.pull();
      if (!t) {
        this.tok = T.EOF;
        return;
      }
      const offset = t.startOffset + this.stream.base;
      const code = this.tokenCode[t.tokenTypeIdx] ?? T.ERROR;
      if (code === T.NEWLINE) {
        if (offset + 1 === this.src.length) {
          // QEMU ends at the final newline, so errors at the end point there
          this.pos = offset;
          this.tok = T.EOF;
          return;
        }
        this.line++;
        this.linePos = offset + 1;
        continue;
      }
      this.pos = offset;
      if (code === T.COMMENT) {
        this.runEnd = offset + t.image.length;
        if (this.commentLine(offset, skipComment)) return;
        continue;
      }
      if (code === T.ERROR) {
        if (t.tokenType === BadStr) throw this.error(stringError(t.image));
        throw this.error(`stray '${strayAt(this.src, offset)}'`);
      }
      this.tok = code;
      if (code === T.STR) {
        const image = t.image;
        this.val = isPlainString(image) ? image.slice(1, -1) : this.decodeString(image);
      } else if (code === T.BOOL) {
        this.val = t.tokenType === True;
      }
      return;
    }
  }

  /** (A method of its own: a closure in accept() would cost accept() a context per call.) */
  private decodeString(image: string): string {
    return decodeString(image, (msg) => this.error(msg));
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
    return true;
  }

  // -------------------------------------------------------------------------------------------
  // Values: parsed straight to the plain form every check reads. The positioned form (ast.ts
  // Value) is only built on request, by parsing the definition's text again (see valueAt()).

  private getMembers(): PlainDict {
    const dict: PlainDict = new Map();
    if (this.t() === T.RCURLY) {
      this.accept();
      return dict;
    }
    if (this.t() !== T.STR) throw this.error("expected string or '}'");
    for (;;) {
      const key = this.val as string;
      this.accept();
      if (this.t() !== T.COLON) throw this.error("expected ':'");
      this.accept();
      if (dict.has(key)) throw this.error(`duplicate key '${key}'`);
      dict.set(key, this.getExpr());
      if (this.t() === T.RCURLY) {
        this.accept();
        return dict;
      }
      if (this.t() !== T.COMMA) throw this.error("expected ',' or '}'");
      this.accept();
      if (this.t() !== T.STR) throw this.error("expected string");
    }
  }

  private getValues(): Plain[] {
    const items: Plain[] = [];
    if (this.t() === T.RSQUARE) {
      this.accept();
      return items;
    }
    const t = this.t();
    if (t !== T.LCURLY && t !== T.LSQUARE && t !== T.STR && t !== T.BOOL)
      throw this.error("expected value or ']'");
    for (;;) {
      items.push(this.getExpr());
      if (this.t() === T.RSQUARE) {
        this.accept();
        return items;
      }
      if (this.t() !== T.COMMA) throw this.error("expected ',' or ']'");
      this.accept();
    }
  }

  private getExpr(): Plain {
    switch (this.t()) {
      case T.LCURLY:
      case T.LSQUARE: {
        if (++this.depth > MAX_DEPTH) throw this.error(`nesting deeper than ${MAX_DEPTH} levels`);
        const isDict = this.t() === T.LCURLY;
        this.accept();
        const v = isDict ? this.getMembers() : this.getValues();
        this.depth--;
        return v;
      }
      case T.STR:
      case T.BOOL: {
        const v = this.val;
        this.accept();
        return v;
      }
      default:
        throw this.error("expected '{', '[', string, or boolean");
    }
  }

  /** The positioned form of the value at the current token, whose text is known to parse. */
  private getValue(): Value {
    const pos = this.position();
    switch (this.t()) {
      case T.LCURLY: {
        this.accept();
        const entries = new Map<string, DictEntry>();
        while (this.t() === T.STR) {
          const key = this.val as string;
          const keyPos = this.position();
          this.accept(); // the key
          this.accept(); // ':'
          entries.set(key, { key, keyPos, value: this.getValue() });
          if (this.t() === T.COMMA) this.accept();
        }
        this.accept(); // '}'
        return { kind: "dict", entries, pos };
      }
      case T.LSQUARE: {
        this.accept();
        const items: Value[] = [];
        while (this.t() !== T.RSQUARE) {
          items.push(this.getValue());
          if (this.t() === T.COMMA) this.accept();
        }
        this.accept();
        return { kind: "list", items, pos };
      }
      default: {
        const v: Value =
          this.t() === T.STR
            ? { kind: "string", value: this.val as string, pos }
            : { kind: "bool", value: this.val as boolean, pos };
        this.accept();
        return v;
      }
    }
  }

  /** Parses the value starting at `at` again, with positions (for TopLevelExpr.expr). */
  static valueAt(fname: string, src: string, at: SourceOffset): Value {
    const ctx = newContext({ compat: true, warn() {} });
    const p = new FileParser(fname, null, ctx, src, at.offset);
    p.line = at.line;
    p.linePos = at.linePos;
    p.accept();
    return p.getValue();
  }

  // -------------------------------------------------------------------------------------------
  // Top level

  parse(): void {
    const { exprs } = this.ctx;
    this.accept();
    let curDoc: QAPIDoc | null = null;
    while (this.t() !== T.EOF) {
      const info = this.info();
      if (this.t() === T.HASH) {
        this.rejectExprDoc(curDoc);
        curDoc = this.getDoc();
        if (!curDoc.symbol) exprs.push({ kind: "freeform", doc: curDoc, info: curDoc.info });
        continue;
      }
      const start: SourceOffset = { offset: this.pos, line: this.line, linePos: this.linePos };
      const e = this.getExpr();
      if (!(e instanceof Map)) throw new QAPIError(info, "top-level expression must be an object");
      if (e.has("include")) {
        this.rejectExprDoc(curDoc);
        if (e.size !== 1) throw new QAPIError(info, "invalid 'include' directive");
        const include = e.get("include")!;
        if (typeof include !== "string")
          throw new QAPIError(info, "value of 'include' must be a string");
        const resolved = joinDirname(this.fname, include);
        exprs.push({ kind: "include", file: include, resolved, info });
        this.include(include, info, resolved);
      } else if (e.has("pragma")) {
        this.rejectExprDoc(curDoc);
        if (e.size !== 1) throw new QAPIError(info, "invalid 'pragma' directive");
        const pragma = e.get("pragma")!;
        if (!(pragma instanceof Map))
          throw new QAPIError(info, "value of 'pragma' must be an object");
        for (const [name, value] of pragma) this.applyPragma(name, value, info);
      } else {
        if (curDoc && !curDoc.symbol)
          throw new QAPIError(curDoc.info, "definition documentation required");
        exprs.push(new Definition(e, info, curDoc, this.src, start));
      }
      curDoc = null;
    }
    this.rejectExprDoc(curDoc);
  }

  private rejectExprDoc(doc: QAPIDoc | null): void {
    if (doc && doc.symbol) {
      throw new QAPIError(
        doc.info,
        `documentation for '${doc.symbol}' is not followed by the definition`,
      );
    }
  }

  private include(include: string, info: SourceInfo, resolved: string): void {
    const abs = absolute(this.ctx, resolved);
    for (let inf: SourceInfo | null = info; inf; inf = inf.parent) {
      if (abs === absolute(this.ctx, inf.fname))
        throw new QAPIError(info, `inclusion loop for ${include}`);
    }
    if (this.ctx.included.has(abs)) return;
    new FileParser(resolved, info, this.ctx).parse();
  }

  private applyPragma(name: string, value: Plain, info: SourceInfo): void {
    const listOfStr = (what: string): string[] => {
      if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
        throw new QAPIError(info, `pragma ${what} must be a list of strings`);
      }
      return value as string[];
    };
    const p = this.pragma;
    switch (name) {
      case "doc-required":
        if (typeof value !== "boolean")
          throw new QAPIError(info, "pragma 'doc-required' must be boolean");
        p.docRequired = value;
        return;
      case "command-name-exceptions":
        p.commandNameExceptions = listOfStr(name);
        return;
      case "command-returns-exceptions":
        p.commandReturnsExceptions = listOfStr(name);
        return;
      case "documentation-exceptions":
        p.documentationExceptions = listOfStr(name);
        return;
      case "member-name-exceptions":
        p.memberNameExceptions = listOfStr(name);
        return;
    }
    // Names older releases used for the same lists.
    const legacy: Record<string, "commandReturnsExceptions" | "memberNameExceptions"> = {
      "returns-whitelist": "commandReturnsExceptions",
      "name-case-whitelist": "memberNameExceptions",
    };
    const field = legacy[name];
    if (field && this.ctx.options.compat) {
      this.legacyUse(`pragma-${name}`, info, undefined, `legacy pragma '${name}'`);
      p[field] = listOfStr(name);
      return;
    }
    throw new QAPIError(info, `unknown pragma '${name}'`);
  }

  /**
   * A legacy-dialect construct: an error (QEMU 10.2's message) unless compat, where each kind
   * is reported once as a warning.
   */
  private legacyUse(
    kind: string,
    info: SourceInfo,
    col: number | undefined,
    message: string,
  ): void {
    if (!this.ctx.options.compat) throw new QAPIError(info, message, col);
    if (this.ctx.warned.has(kind)) return;
    this.ctx.warned.add(kind);
    const d: Diagnostic = {
      severity: "warning",
      message: `${message} (accepted by --compat)`,
      info,
      col,
    };
    this.ctx.warnings.push(d);
    this.ctx.options.warn(d);
  }

  // -------------------------------------------------------------------------------------------
  // Documentation blocks

  /** The text of the current doc line; null at the closing `##`. */
  private getDocLine(): string | null {
    if (this.t() !== T.HASH) throw this.error("documentation comment must end with '##'");
    const src = this.src;
    const start = this.pos;
    let end = this.hashEnd;
    if (src.charCodeAt(start + 1) === 35) {
      if (end - start !== 2) throw this.error("junk after '##' at end of documentation comment");
      return null;
    }
    if (end - start === 1) return "";
    if (src.charCodeAt(start + 1) !== 32) throw this.error("missing space after #");
    while (end > start + 2 && isSpace(src.charCodeAt(end - 1))) end--; // Python's rstrip()
    const line = src.slice(start + 2, end);
    // Indented lines (examples, continuations) may run long: they often hold URLs or QMP text
    if (line.length + 2 > DOC_LINE_MAX && leadingSpace(line) === 0) {
      this.legacyUse(
        "doc-long-line",
        this.info(),
        this.col(this.pos),
        `documentation line longer than ${DOC_LINE_MAX} characters`,
      );
    }
    return line;
  }

  private nextDocLine(): string | null {
    this.accept(false);
    return this.getDocLine();
  }

  /** Lines of an indented description or section; returns the first line after it. */
  private getDocIndented(doc: QAPIDoc): string | null {
    let line = this.nextDocLine();
    while (line === "") {
      doc.appendLine(line);
      line = this.nextDocLine();
    }
    if (line === null) return line;
    const indent = leadingSpace(line);
    if (!indent) return line;
    doc.appendLine(line);
    let prevLineBlank = false;
    for (;;) {
      line = this.nextDocLine();
      if (line === null) return line;
      if (line.charCodeAt(0) === 64 && line.indexOf(":") >= 0) return line; // "@name:"
      const curIndent = leadingSpace(line);
      if (line !== "" && curIndent < indent) {
        // A blank line ends the indented text, a de-indent without one is a mistake
        if (prevLineBlank) return line;
        this.legacyUse(
          "doc-de-indent",
          this.info(),
          this.col(this.pos),
          `unexpected de-indent (expected at least ${indent} spaces)`,
        );
      }
      doc.appendLine(line);
      prevLineBlank = line === "";
    }
  }

  /** Lines of a plain paragraph; returns the line that ends it (blank, or null at `##`). */
  private getDocParagraph(doc: QAPIDoc): string | null {
    for (;;) {
      const line = this.nextDocLine();
      if (line === null || line === "") return line;
      doc.appendLine(line);
    }
  }

  private getDoc(): QAPIDoc {
    if (this.hashEnd - this.pos !== 2)
      throw this.error("junk after '##' at start of documentation comment");
    const info = this.info();
    let line = this.nextDocLine();
    let doc: QAPIDoc;
    if (line !== null && line.startsWith("@")) {
      // Definition documentation
      if (!line.endsWith(":")) throw this.error("line should end with ':'");
      const symbol = line.slice(1, -1);
      if (!symbol) throw this.error("name required after '@'");
      doc = new QAPIDoc(info, symbol);
      line = this.nextDocLine();
      let noMoreArgs = false;
      while (line !== null) {
        while (line === "") line = this.nextDocLine();
        if (line === null) break;
        let m: RegExpExecArray | null;
        let name: string | null;
        if (line === "Features:") {
          if (doc.features.size) throw this.error("duplicated 'Features:' line");
          line = this.nextDocLine();
          while (line === "") line = this.nextDocLine();
          while (line !== null && (name = atName(line)) !== null) {
            doc.newFeature(this.info(), name);
            const text = atNameText(line, name);
            if (text) doc.appendLine(text);
            line = this.getDocIndented(doc);
          }
          if (!doc.features.size) throw this.error("feature descriptions expected");
          noMoreArgs = true;
        } else if ((name = atName(line)) !== null) {
          if (noMoreArgs) {
            this.legacyUse(
              "doc-late-description",
              this.info(),
              this.col(this.pos),
              `description of '@${name}:' follows a section`,
            );
          }
          while (line !== null && (name = atName(line)) !== null) {
            doc.newArgument(this.info(), name);
            const text = atNameText(line, name);
            if (text) doc.appendLine(text);
            line = this.getDocIndented(doc);
          }
          noMoreArgs = true;
        } else if ((m = taggedSection(line))) {
          const tag = m[1]!;
          if (tag.startsWith("Note") || tag.startsWith("Example")) {
            const advice = tag.startsWith("Note")
              ? "Please use rST's '.. note::' or '.. admonition:: notes' directives, or another suitable admonition instead."
              : "Please use the '.. qmp-example::' directive, or other suitable markup instead.";
            this.legacyUse(
              tag.startsWith("Note") ? "doc-note-section" : "doc-example-section",
              this.info(),
              this.col(this.pos),
              `The '${tag}' section is no longer supported. ${advice}`,
            );
            // Legacy: the section's text as an ordinary paragraph, tag included
            doc.ensureUntaggedSection(this.info());
            doc.appendLine(line);
            line = this.getDocParagraph(doc);
            noMoreArgs = true;
            continue;
          }
          doc.newTaggedSection(this.info(), (tag === "TODO" ? "Todo" : tag) as SectionKind);
          const text = line.slice(m[0].length);
          if (text) doc.appendLine(text);
          line = this.getDocIndented(doc);
          noMoreArgs = true;
        } else {
          doc.ensureUntaggedSection(this.info());
          doc.appendLine(line);
          line = this.getDocParagraph(doc);
        }
      }
    } else {
      // Free-form documentation
      doc = new QAPIDoc(info);
      doc.ensureUntaggedSection(this.info());
      while (line !== null) {
        const name = atName(line);
        if (name !== null) throw this.error(`'@${name}:' not allowed in free-form documentation`);
        doc.appendLine(line);
        line = this.nextDocLine();
      }
    }
    this.accept();
    doc.end();
    return doc;
  }
}

function isSpace(c: number): boolean {
  return (
    c === 32 ||
    (c >= 9 && c <= 13) ||
    (c >= 0x1c && c <= 0x1f) ||
    (c >= 0x80 && PY_SPACE_RE.test(String.fromCharCode(c)))
  );
}

/** Length of the leading whitespace (QEMU: re.match(r'\s*', line).end()). */
function leadingSpace(line: string): number {
  let i = 0;
  while (i < line.length && isSpace(line.charCodeAt(i))) i++;
  return i;
}

/** Column after `prefix` (the line's text before the token), QEMU's way. */
function columnOf(prefix: string, end: number): number {
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

/** Decode a string token QEMU's way: only `\\` escapes, only printable ASCII. */
function decodeString(image: string, fail: (msg: string) => QAPIError): string {
  let out = "";
  let esc = false;
  for (let i = 1; ; i++) {
    if (i >= image.length) throw fail(`missing terminating "'"`);
    const ch = image[i]!;
    if (esc) {
      if (ch !== "\\")
        throw fail(`unknown escape \\${String.fromCodePoint(image.codePointAt(i)!)}`);
      esc = false;
    } else if (ch === "\\") {
      esc = true;
      continue;
    } else if (ch === "'") {
      return out;
    }
    const c = ch.charCodeAt(0);
    if (c < 32 || c >= 127) throw fail("funny character in string");
    out += ch;
  }
}

/** The message for an unterminated string (or an earlier problem in it). */
function stringError(image: string): string {
  try {
    decodeString(image, (msg) => new QAPIError(null, msg));
  } catch (e) {
    return (e as QAPIError).message;
  }
  return `missing terminating "'"`;
}
