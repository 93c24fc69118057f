// The positioned syntax tree of one file (model/syntax.ts), recorded as values.ts reads the
// tokens: containers are placed in the tree when opened, so that a parse cut short by a syntax
// error leaves everything read up to it (what an editor's completion at the error needs).

import type { Documentation } from "../../model/documentation.ts";
import type {
  SyntaxArray,
  SyntaxDoc,
  SyntaxFile,
  SyntaxObject,
  SyntaxValue,
} from "../../model/syntax.ts";

export class SyntaxRecorder {
  private readonly exprs: SyntaxValue[] = [];
  private readonly docs: SyntaxDoc[] = [];
  private readonly includes = new Map<number, string>();
  private readonly open: (SyntaxArray | SyntaxObject)[] = [];
  private errorAt: number | null = null;

  constructor(
    private readonly fname: string,
    private readonly text: string,
  ) {}

  private place(v: SyntaxValue): void {
    const top = this.open[this.open.length - 1];
    if (!top) this.exprs.push(v);
    else if (top.kind === "array") top.items.push(v);
    else {
      const entry = top.entries[top.entries.length - 1];
      if (entry && entry.value === null) entry.value = v;
    }
  }

  scalar(value: string | boolean, start: number, end: number): void {
    this.place(
      typeof value === "string"
        ? { kind: "string", value, start, end }
        : { kind: "bool", value, start, end },
    );
  }

  /** An object (`{`) or array (`[`) starts at `start`. */
  begin(isObject: boolean, start: number): void {
    const v: SyntaxArray | SyntaxObject = isObject
      ? { kind: "object", entries: [], start, end: start }
      : { kind: "array", items: [], start, end: start };
    this.place(v);
    this.open.push(v);
  }

  key(value: string, start: number, end: number): void {
    const top = this.open[this.open.length - 1];
    if (top?.kind === "object")
      top.entries.push({ key: { kind: "string", value, start, end }, value: null });
  }

  /** The innermost open object or array ends at `end`. */
  finish(end: number): void {
    const v = this.open.pop();
    if (v) v.end = end;
  }

  doc(start: number, end: number, doc: Documentation | null): void {
    this.docs.push({ start, end, doc });
  }

  /** The last top-level expression is an include directive of `file` (as the front end names it). */
  included(file: string): void {
    const last = this.exprs[this.exprs.length - 1];
    if (last) this.includes.set(last.start, file);
  }

  /** A syntax error at `at` ends the file's parse: what is open ends there. */
  abort(at: number): void {
    this.errorAt = at;
    while (this.open.length) this.finish(at);
  }

  result(): SyntaxFile {
    return {
      fname: this.fname,
      text: this.text,
      exprs: this.exprs,
      docs: this.docs,
      includes: this.includes,
      errorAt: this.errorAt,
    };
  }
}
