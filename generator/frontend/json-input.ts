// JSON files qapi-ts reads besides schemas: recorded query-qmp-schema replies (probe, diff,
// history), histories (lint --history), configuration files. One reading for all: a byte-order
// mark is accepted (RFC 8259 lets a parser ignore one), nesting is bounded before the text is
// parsed (JSON.parse of text nested millions deep costs a gigabyte), and a syntax error is
// located by line and column. Also how to tell a reply from a schema, for the commands that
// take either and for those that take only a schema and should say what they were given.

/** QEMU's own JSON parser refuses nesting deeper than this; no reply or history comes close. */
export const MAX_JSON_DEPTH = 1024;

/** Why a JSON text could not be read: where (1-based, null when unknown) and what. */
export class JsonInputError extends Error {
  constructor(
    message: string,
    readonly line: number | null,
    readonly col: number | null,
  ) {
    super(message);
  }
}

/** The text without a leading byte-order mark. */
export function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * The value of a JSON text (a leading BOM ignored), or a JsonInputError: a syntax error, or
 * nesting deeper than `maxDepth`, located.
 */
export function parseJsonText(text: string, maxDepth = MAX_JSON_DEPTH): unknown {
  const offset = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const body = offset ? text.slice(1) : text;
  const deep = deeperThan(body, maxDepth);
  if (deep >= 0) {
    const at = lineCol(text, deep + offset);
    throw new JsonInputError(`nesting deeper than ${maxDepth} levels`, at.line, at.col);
  }
  try {
    return JSON.parse(body);
  } catch (e) {
    const m = (e as Error).message;
    const lc = /line (\d+) column (\d+)/.exec(m);
    const pos = /position (\d+)/.exec(m);
    const at = lc
      ? { line: Number(lc[1]), col: Number(lc[2]) }
      : pos
        ? lineCol(text, Number(pos[1]) + offset)
        : /end of JSON input/.test(m) || body.trim() === ""
          ? lineCol(text, text.length)
          : null;
    // (V8's message names the token and its position; the location is printed apart.)
    const what = m
      .replace(/ in JSON at position \d+.*$/s, "")
      .replace(/ \(line \d+ column \d+\)$/, "");
    throw new JsonInputError(`not JSON: ${what}`, at?.line ?? null, at?.col ?? null);
  }
}

/** The offset of the bracket that opens nesting level maxDepth + 1, or -1. Strings skipped. */
function deeperThan(text: string, maxDepth: number): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) return i;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return -1;
}

/** 1-based line and column of an offset. */
export function lineCol(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf("\n"); i >= 0 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, col: offset - start + 1 };
}

/**
 * Whether a text is a recorded query-qmp-schema reply rather than a QAPI schema: a JSON array,
 * or an object whose first key is "return". A schema is a sequence of definitions (objects) and
 * comments, so it never starts with '[', and its first object is a directive or a definition.
 */
export function looksLikeReply(text: string): boolean {
  return /^\uFEFF?\s*(\[|\{\s*"return"\s*:)/.test(text);
}

/** What to tell someone who gave a reply where a schema was wanted. */
export function replyNote(file: string): string {
  return (
    `${file} is a recorded query-qmp-schema reply, not a QAPI schema: ` +
    "'qapi-ts probe --reply', 'qapi-ts diff' and 'qapi-ts history' read replies"
  );
}
