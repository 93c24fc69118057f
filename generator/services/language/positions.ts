// Offsets in a schema file's text to the protocol's positions and back, and QEMU's columns (tabs
// to the next multiple of 8, code points) to positions. A file's text (SyntaxFile.text) has "\n"
// line ends whatever the file has, and the same lines and characters within them.

import type { TextSpan } from "../../model/syntax.ts";
import type { Position, Range } from "./protocol.ts";

export class LineMap {
  private readonly starts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) this.starts.push(i + 1);
  }

  get lineCount(): number {
    return this.starts.length;
  }

  /** Where (0-based) line `line` starts. */
  lineStart(line: number): number {
    return this.starts[Math.max(0, Math.min(line, this.starts.length - 1))]!;
  }

  /** The text of 0-based line `line`, without its newline. */
  lineText(line: number): string {
    const start = this.lineStart(line);
    const nl = this.text.indexOf("\n", start);
    return this.text.slice(start, nl < 0 ? this.text.length : nl);
  }

  position(offset: number): Position {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: offset - this.starts[lo]! };
  }

  offset(p: Position): number {
    const start = this.lineStart(p.line);
    const nl = this.text.indexOf("\n", start);
    const end = nl < 0 ? this.text.length : nl;
    return Math.min(start + Math.max(0, p.character), end);
  }

  range(span: TextSpan): Range {
    return { start: this.position(span.start), end: this.position(span.end) };
  }

  /** The range of 1-based `line` from its first non-blank character to its end. */
  lineRange(line: number): Range {
    const text = this.lineText(line - 1);
    const first = text.length - text.trimStart().length;
    return {
      start: { line: line - 1, character: first },
      end: { line: line - 1, character: text.trimEnd().length },
    };
  }

  /** The character of 1-based `line` at QEMU's column `col` (1-based; tabs to multiples of 8). */
  characterAtColumn(line: number, col: number): number {
    const text = this.lineText(line - 1);
    let c = 1;
    for (let i = 0; i < text.length; i++) {
      if (c >= col) return i;
      const code = text.charCodeAt(i);
      if (code === 9) c = (((c - 1) >> 3) + 1) * 8 + 1;
      else if (!(code >= 0xdc00 && code < 0xe000 && i > 0 && isHighSurrogate(text, i - 1))) c++;
    }
    return text.length;
  }
}

function isHighSurrogate(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  return c >= 0xd800 && c < 0xdc00;
}

/** Whether `offset` lies in `span` (its end included: a cursor just after a word is in it). */
export function within(span: TextSpan, offset: number): boolean {
  return offset >= span.start && offset <= span.end;
}
