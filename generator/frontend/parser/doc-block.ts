// Documentation blocks (QEMU's get_doc): the `##` ... `##` comment lines read into a QAPIDoc.
// Lines come from the scanner one `#` token at a time; their text is sliced out here.
//
// The legacy dialect (--compat): where QEMU 10.2 rejects what an older release's generator
// accepted, the lines are read as that generator read them, with a warning per kind of use;
// whatever QEMU 10.2 accepts is read as QEMU 10.2 reads it, so --compat changes nothing in a
// current schema. The generators up to 8.2 read a doc comment line by line: "@name:" and section
// tags began a section wherever they stood, and other lines went on with the current section,
// up to a blank line followed by an unindented one. Hence the forms accepted here:
//   - text that begins on the line after "@name:" or "Returns:" without indentation, and a
//     description that goes on less indented before the next description (QEMU 10.2 reads such
//     lines as paragraphs of their own: the description then lacks text, or the next one follows
//     a section);
//   - a line de-indented without a blank line before it: it ends the indented text, as in QEMU
//     9.2 ... 10.1 after the second line (older ones started the section a tag there names);
//   - "@name :" and "@two words:" (up to 7.2, a description's first word had to end with ':'):
//     text, not the description of a member whose name has a space.

import type { SectionKind } from "../../model/documentation.ts";
import { DocError, QAPIDoc } from "../doc-comments.ts";
import { legacyUse, type CheckContext } from "../diagnostics.ts";
import { excerpt, type Span } from "../../model/source.ts";
import { T, type Scanner } from "./scanner.ts";

/** QEMU's limit on documentation line length. */
const DOC_LINE_MAX = 70;

const PY_SPACE_RE =
  /[\t\n\v\f\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/;
const TAGGED_SECTION = /^(Returns|Errors|Since|Notes?|Examples?|TODO)(?!::): */;

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

/**
 * Reads the documentation block at the scanner's `##` token. Errors in it are DocErrors (syntax
 * errors of what follows it are not); after one, skipBlock() finds the block's end.
 */
export class DocBlockReader {
  /** The closing `##` has been read: nothing of the block is left to skip. */
  private closed = false;
  /** The doc line before the current one ("" when blank, null before the first). */
  private prevLine: string | null = null;
  private curLine: string | null = null;
  /** Doc lines read so far. */
  private lineCount = 0;
  /** Where the block's last line read so far ends (its closing `##` once read). */
  end = 0;

  constructor(
    private readonly s: Scanner,
    private readonly ctx: CheckContext,
  ) {}

  /** An error at the current doc line (QEMU's place); the culprit is `span` (default: the line). */
  private error(message: string, span: Span = this.lineSpan()): DocError {
    return new DocError(this.s.info(), message, { col: this.s.col(this.s.pos), span });
  }

  /** A legacy convention: accepted under compat, else an error in the block. */
  private legacy(kind: string, message: string, span: Span = this.lineSpan()): void {
    const place = { col: this.s.col(this.s.pos), span };
    legacyUse(this.ctx, this.s.info(), kind, message, place, DocError);
  }

  /** The current `#` line (or token), from its `from`th character of text (after "# "). */
  private lineSpan(from = -2): Span {
    const s = this.s;
    return { start: Math.min(s.pos + 2 + from, s.end), end: s.end };
  }

  /** The first `length` characters of the current line's text: a tag, an `@name:`. */
  private wordSpan(length: number): Span {
    const start = this.s.pos + 2;
    return { start, end: start + length };
  }

  /** The text of the current doc line; null at the closing `##`. */
  private getDocLine(): string | null {
    const s = this.s;
    if (s.t() !== T.HASH) throw this.error("documentation comment must end with '##'");
    const src = s.src;
    const start = s.pos;
    let end = s.hashEnd;
    if (src.charCodeAt(start + 1) === 35) {
      if (end - start !== 2) throw this.error("junk after '##' at end of documentation comment");
      return null;
    }
    if (end - start === 1) return "";
    if (src.charCodeAt(start + 1) !== 32) throw this.error("missing space after #");
    while (end > start + 2 && isSpace(src.charCodeAt(end - 1))) end--; // Python's rstrip()
    const line = src.slice(start + 2, end);
    // Indented lines (examples, continuations) may run long: they often hold URLs or QMP text
    if (line.length + 2 > DOC_LINE_MAX && leadingSpace(line) === 0)
      this.legacy("doc-long-line", `documentation line longer than ${DOC_LINE_MAX} characters`, {
        start: start + DOC_LINE_MAX,
        end: start + 2 + line.length,
      });
    return line;
  }

  private nextDocLine(): string | null {
    this.s.accept(false);
    if (this.s.t() === T.HASH) this.end = this.s.hashEnd;
    this.prevLine = this.curLine;
    this.curLine = this.getDocLine();
    this.lineCount++;
    return this.curLine;
  }

  /**
   * The member or feature name of a description line ("@name: text", QEMU: `^@([^:]*): *`), or
   * null. Under compat, a name with a space is no name: older QEMU read "@id : text" as text.
   */
  private descriptionName(line: string): string | null {
    const name = atName(line);
    if (name === null || !this.ctx.compat || !/\s/.test(name)) return name;
    this.legacy(
      "doc-spaced-name",
      `'@${excerpt(name)}:' is read as text, not as a description (a name has no spaces)`,
      this.wordSpan(name.length + 2),
    );
    return null;
  }

  /**
   * The text of a description or tagged section: `text` from its tag's line, then the lines
   * after it. Returns the first line after it.
   */
  private readSection(
    doc: QAPIDoc,
    tag: string,
    text: string,
    description: boolean,
  ): string | null {
    const tagLine = this.lineCount;
    if (text) doc.appendLine(text);
    const line = this.getDocIndented(doc);
    if (!this.ctx.compat) return line;
    // No text on the tag's line, and the line after it is the one returned
    const textless = !text && this.lineCount === tagLine + 1;
    return this.legacyContinuation(doc, line, tag, textless, description);
  }

  /**
   * Under compat, after a description or tagged section: the lines that older QEMU read as more
   * of its text, where QEMU 10.2's reading of them (paragraphs of their own) fails: the section
   * has no text otherwise, or the next description follows them, or one is an "@two words:" line.
   * Older QEMU went on with a section up to a line starting a description or a section, or an
   * unindented line after a blank one. Returns the line to go on with.
   */
  private legacyContinuation(
    doc: QAPIDoc,
    line: string | null,
    tag: string,
    textless: boolean,
    description: boolean,
  ): string | null {
    if (line === null || !this.isTextLine(line)) return line;
    if (this.prevLine === "" && leadingSpace(line) === 0) return line; // a paragraph for both
    const info = this.s.info();
    const place = { col: this.s.col(this.s.pos), span: this.lineSpan(0) };
    const paragraphs: string[][] = [[]];
    let spacedName = false;
    let afterBlank = false;
    for (;;) {
      paragraphs[paragraphs.length - 1]!.push(line);
      spacedName ||= atName(line) !== null;
      line = this.nextDocLine();
      afterBlank = line === "";
      while (line === "") line = this.nextDocLine();
      if (line === null || !this.isTextLine(line) || (afterBlank && leadingSpace(line) === 0))
        break;
      if (afterBlank) paragraphs.push([]);
    }
    if (
      textless ||
      spacedName ||
      (description && line !== null && this.descriptionName(line) !== null)
    ) {
      legacyUse(
        this.ctx,
        info,
        textless ? "doc-text-next-line" : "doc-text-less-indented",
        textless
          ? `text of '${tag}:' begins on the next line without indentation`
          : `text of '${tag}:' goes on less indented`,
        place,
        DocError,
      );
      paragraphs.forEach((lines, i) => {
        if (i) doc.appendLine("");
        for (const l of lines) doc.appendLine(l);
      });
      return line;
    }
    // As QEMU 10.2 reads them: paragraphs, which a line starting a section doesn't end
    for (const lines of paragraphs) {
      doc.ensureUntaggedSection(info);
      for (const l of lines) doc.appendLine(l);
    }
    if (afterBlank || line === null) return line;
    doc.appendLine(line);
    return this.getDocParagraph(doc);
  }

  /** A line older QEMU read as text: it starts no description, section or feature list. */
  private isTextLine(line: string): boolean {
    return (
      this.descriptionName(line) === null && taggedSection(line) === null && line !== "Features:"
    );
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
        // A blank line ends the indented text, a de-indent without one is a mistake (legacy:
        // it ends the indented text all the same)
        if (!prevLineBlank)
          this.legacy(
            "doc-de-indent",
            `unexpected de-indent (expected at least ${indent} spaces)`,
            this.lineSpan(curIndent),
          );
        return line;
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

  read(): QAPIDoc {
    const s = this.s;
    this.end = s.hashEnd;
    if (s.hashEnd - s.pos !== 2)
      throw this.error("junk after '##' at start of documentation comment");
    const info = s.info();
    const openSpan = this.lineSpan();
    let line = this.nextDocLine();
    let doc: QAPIDoc;
    if (line !== null && line.startsWith("@")) {
      // Definition documentation
      if (!line.endsWith(":")) throw this.error("line should end with ':'", this.lineSpan(0));
      const symbol = line.slice(1, -1);
      const symbolSpan = this.wordSpan(line.length);
      if (!symbol) throw this.error("name required after '@'", symbolSpan);
      doc = new QAPIDoc(info, symbol, symbolSpan);
      line = this.nextDocLine();
      let noMoreArgs = false;
      while (line !== null) {
        while (line === "") line = this.nextDocLine();
        if (line === null) break;
        let m: RegExpExecArray | null;
        let name: string | null;
        if (line === "Features:") {
          if (doc.features.size) throw this.error("duplicated 'Features:' line", this.wordSpan(9));
          line = this.nextDocLine();
          while (line === "") line = this.nextDocLine();
          while (line !== null && (name = this.descriptionName(line)) !== null) {
            doc.newFeature(s.info(), name, this.wordSpan(name.length + 2));
            line = this.readSection(doc, `@${name}`, atNameText(line, name), true);
          }
          if (!doc.features.size) throw this.error("feature descriptions expected");
          noMoreArgs = true;
        } else if ((name = this.descriptionName(line)) !== null) {
          if (noMoreArgs)
            throw this.error(
              `description of '@${excerpt(name)}:' follows a section`,
              this.wordSpan(name.length + 2),
            );
          while (line !== null && (name = this.descriptionName(line)) !== null) {
            doc.newArgument(s.info(), name, this.wordSpan(name.length + 2));
            line = this.readSection(doc, `@${name}`, atNameText(line, name), true);
          }
          noMoreArgs = true;
        } else if ((m = taggedSection(line))) {
          const tag = m[1]!;
          const tagSpan = this.wordSpan(tag.length + 1);
          if (tag.startsWith("Note") || tag.startsWith("Example")) {
            const advice = tag.startsWith("Note")
              ? "Please use rST's '.. note::' or '.. admonition:: notes' directives, or another suitable admonition instead."
              : "Please use the '.. qmp-example::' directive, or other suitable markup instead.";
            this.legacy(
              tag.startsWith("Note") ? "doc-note-section" : "doc-example-section",
              `The '${tag}' section is no longer supported. ${advice}`,
              tagSpan,
            );
            // Legacy: the section's text as an ordinary paragraph, tag included, which ends
            // where older QEMU's section did at the latest: at a line starting another one
            doc.ensureUntaggedSection(s.info());
            do {
              doc.appendLine(line);
              line = this.nextDocLine();
            } while (line !== null && line !== "" && this.isTextLine(line));
            noMoreArgs = true;
            continue;
          }
          doc.newTaggedSection(s.info(), (tag === "TODO" ? "Todo" : tag) as SectionKind, tagSpan);
          line = this.readSection(doc, tag, line.slice(m[0].length), false);
          noMoreArgs = true;
        } else {
          doc.ensureUntaggedSection(s.info());
          doc.appendLine(line);
          line = this.getDocParagraph(doc);
        }
      }
    } else {
      // Free-form documentation
      doc = new QAPIDoc(info, null, openSpan);
      doc.ensureUntaggedSection(s.info());
      while (line !== null) {
        const name = this.descriptionName(line);
        if (name !== null)
          throw this.error(
            `'@${excerpt(name)}:' not allowed in free-form documentation`,
            this.wordSpan(name.length + 2),
          );
        doc.appendLine(line);
        line = this.nextDocLine();
      }
    }
    this.closed = true;
    s.accept();
    doc.end();
    return doc;
  }

  /** After a DocError: moves past the rest of the block (its closing `##`, if it has one). */
  skipBlock(): void {
    const s = this.s;
    if (this.closed) return;
    while (s.t() === T.HASH) {
      const closing = s.src.charCodeAt(s.pos + 1) === 35 && s.hashEnd - s.pos === 2;
      this.end = s.hashEnd;
      s.accept(!closing);
      if (closing) return;
    }
  }
}
