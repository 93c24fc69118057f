// The one printer of generated code. Back ends describe their output as a document of text,
// groups, indentation and line breaks, and this module lays it out the way prettier does (it is
// prettier's own algorithm, after Wadler's "A prettier printer"): a group goes on one line when
// it fits the width, else each of its `line`s breaks. So generated files pass `prettier --check`
// with prettier's default options, and no back end re-implements a layout rule.

export type Doc = string | readonly Doc[] | Group | Indent | Line | IfBreak;

interface Group {
  readonly kind: "group";
  readonly contents: Doc;
}
interface Indent {
  readonly kind: "indent";
  readonly contents: Doc;
}
interface Line {
  readonly kind: "line";
  /** Always a newline (and it breaks every group around it). */
  readonly hard: boolean;
  /** Nothing, rather than a space, when its group fits on one line. */
  readonly soft: boolean;
}
interface IfBreak {
  readonly kind: "if-break";
  readonly broken: Doc;
  readonly flat: Doc;
}

/** prettier's default width. */
export const PRINT_WIDTH = 80;

export const group = (...contents: Doc[]): Doc => ({ kind: "group", contents });
export const indent = (...contents: Doc[]): Doc => ({ kind: "indent", contents });
/** A space, or a newline when its group breaks. */
export const line: Doc = { kind: "line", hard: false, soft: false };
/** Nothing, or a newline when its group breaks. */
export const softline: Doc = { kind: "line", hard: false, soft: true };
export const hardline: Doc = { kind: "line", hard: true, soft: false };
/** `broken` when the enclosing group breaks, else `flat`. */
export const ifBreak = (broken: Doc, flat: Doc = ""): Doc => ({ kind: "if-break", broken, flat });

/** The docs with `separator` between them. */
export function join(separator: Doc, docs: readonly Doc[]): Doc[] {
  const out: Doc[] = [];
  docs.forEach((d, i) => {
    if (i > 0) out.push(separator);
    out.push(d);
  });
  return out;
}

/**
 * A bracketed, comma-separated list as prettier prints array literals, arguments and braces:
 * `[a, b]` on one line, or one item per line with a trailing comma (`trailingComma: "all"`;
 * JSON has none).
 */
export function list(
  open: string,
  items: readonly Doc[],
  close: string,
  trailingComma = true,
): Doc {
  if (items.length === 0) return open + close;
  const spaced = open === "{";
  return group(
    open,
    indent(spaced ? line : softline, join([",", line], items), trailingComma ? ifBreak(",") : ""),
    spaced ? line : softline,
    close,
  );
}

/** Lays the document out in `width` columns; lines end with "\n", without trailing spaces. */
export function print(doc: Doc, width = PRINT_WIDTH): string {
  const broken = new Set<Doc>();
  findHardBreaks(doc, broken);
  // Finished lines, and the current one (trailing spaces are trimmed when it ends).
  const lines: string[] = [];
  let current = "";
  let column = 0;
  type Command = [indentation: number, flat: boolean, doc: Doc];
  const stack: Command[] = [[0, false, doc]];
  while (stack.length) {
    const [ind, flat, d] = stack.pop()!;
    if (typeof d === "string") {
      current += d;
      column += d.length;
    } else if (isArray(d)) {
      for (let i = d.length - 1; i >= 0; i--) stack.push([ind, flat, d[i]!]);
    } else if (d.kind === "indent") {
      stack.push([ind + 2, flat, d.contents]);
    } else if (d.kind === "group") {
      const fitsFlat = !broken.has(d) && (flat || fits(d.contents, stack, width - column, broken));
      stack.push([ind, fitsFlat, d.contents]);
    } else if (d.kind === "if-break") {
      stack.push([ind, flat, flat ? d.flat : d.broken]);
    } else if (flat && !d.hard) {
      if (!d.soft) {
        current += " ";
        column++;
      }
    } else {
      lines.push(current.trimEnd());
      current = " ".repeat(ind);
      column = ind;
    }
  }
  lines.push(current.trimEnd());
  return lines.join("\n");
}

function isArray(d: Doc): d is readonly Doc[] {
  return Array.isArray(d);
}

/**
 * Whether `doc` fits on one line in `room` columns, with what follows it up to the next line
 * break of an enclosing (broken) group, as prettier measures it.
 */
function fits(
  doc: Doc,
  rest: readonly [number, boolean, Doc][],
  room: number,
  broken: ReadonlySet<Doc>,
): boolean {
  const todo: [boolean, Doc][] = [[true, doc]];
  let restIndex = rest.length;
  while (room >= 0) {
    if (todo.length === 0) {
      if (restIndex === 0) return true;
      const [, flat, d] = rest[--restIndex]!;
      todo.push([flat, d]);
      continue;
    }
    const [flat, d] = todo.pop()!;
    if (typeof d === "string") room -= d.length;
    else if (isArray(d)) for (let i = d.length - 1; i >= 0; i--) todo.push([flat, d[i]!]);
    else if (d.kind === "indent") todo.push([flat, d.contents]);
    else if (d.kind === "group") todo.push([flat && !broken.has(d), d.contents]);
    else if (d.kind === "if-break") todo.push([flat, flat ? d.flat : d.broken]);
    else if (!flat || d.hard) return true;
    else if (!d.soft) room--;
  }
  return false;
}

/** Marks every group that contains a hard line (directly or nested): it can never be flat. */
function findHardBreaks(d: Doc, broken: Set<Doc>): boolean {
  if (typeof d === "string") return false;
  if (isArray(d)) {
    let any = false;
    for (const x of d) if (findHardBreaks(x, broken)) any = true;
    return any;
  }
  switch (d.kind) {
    case "line":
      return d.hard;
    case "if-break":
      return findHardBreaks(d.broken, broken);
    case "indent":
      return findHardBreaks(d.contents, broken);
    case "group": {
      const hard = findHardBreaks(d.contents, broken);
      if (hard) broken.add(d);
      return hard;
    }
  }
}

/**
 * An import declaration: `import { a, type B } from "m";` (names as given; `type` marks a
 * type-only import of them all).
 */
export function importDeclaration(names: readonly string[], from: string, typeOnly = false): Doc {
  return [
    typeOnly ? "import type " : "import ",
    list("{", names, "}"),
    ` from ${JSON.stringify(from)};`,
  ];
}

/**
 * A JSON value as prettier prints a JSON file (what print() makes of the document of its groups:
 * objects expanded, an array on one line when it fits with what follows it on the line, else one
 * item per line), laid out directly: JSON needs no search for a layout, and the JSON Schema back
 * end's megabyte of it is most of that back end's cost as a document. Ends without a newline.
 */
export function printJson(value: unknown, width = PRINT_WIDTH): string {
  const parts: string[] = [];
  /** `v` starting at `column`, in an item at `indentation`; `after` characters follow it. */
  const emit = (v: unknown, indentation: number, column: number, after: number): void => {
    if (typeof v !== "object" || v === null) {
      parts.push(scalarJson(v));
      return;
    }
    const inner = indentation + 2;
    const pad = "\n" + " ".repeat(inner);
    if (Array.isArray(v)) {
      const flat = v.length === 0 ? "[]" : flatJson(v);
      if (flat !== null && column + flat.length + after <= width) {
        parts.push(flat);
        return;
      }
      parts.push("[");
      v.forEach((item, i) => {
        const last = i === v.length - 1;
        parts.push(pad);
        emit(item, inner, inner, last ? 0 : 1);
        if (!last) parts.push(",");
      });
      parts.push("\n" + " ".repeat(indentation) + "]");
      return;
    }
    const keys = Object.keys(v);
    if (keys.length === 0) {
      parts.push("{}");
      return;
    }
    parts.push("{");
    keys.forEach((k, i) => {
      const last = i === keys.length - 1;
      const key = JSON.stringify(k) + ": ";
      parts.push(pad, key);
      emit((v as Record<string, unknown>)[k], inner, inner + key.length, last ? 0 : 1);
      if (!last) parts.push(",");
    });
    parts.push("\n" + " ".repeat(indentation) + "}");
  };
  emit(value, 0, 0, 0);
  return parts.join("");
}

/** A number, string, boolean or null as JSON; a bigint exactly. */
function scalarJson(v: unknown): string {
  return typeof v === "bigint" ? v.toString() : JSON.stringify(v);
}

/** An array on one line, or null when it holds an object with keys (which always breaks). */
function flatJson(v: unknown): string | null {
  if (typeof v !== "object" || v === null) return scalarJson(v);
  if (!Array.isArray(v)) return Object.keys(v).length === 0 ? "{}" : null;
  const items: string[] = [];
  for (const item of v) {
    const flat = flatJson(item);
    if (flat === null) return null;
    items.push(flat);
  }
  return "[" + items.join(", ") + "]";
}
