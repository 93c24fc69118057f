// Reading one side of a comparison: a QAPI schema or a recorded `query-qmp-schema` reply (a bare
// array or `{"return": [...]}`, masked or unmasked type names), told apart by content. Either
// becomes a wire model (wire.ts). A schema is read for one build configuration when symbols are
// given, else whole, every element keeping its condition. Problems come back as diagnostics,
// located (file:line:col) where the file says where.

import { readFileSync } from "node:fs";
import { loadSchema } from "../frontend/index.ts";
import { newPragma, SourceInfo, type Diagnostic } from "../model/source.ts";
import { wireFromEntries, wireFromModel, WireInputError, type WireSchema } from "./wire.ts";

export interface InputOptions {
  /** Build symbols for a schema (a reply is one build already); null reads a schema whole. */
  defines: ReadonlySet<string> | null;
  /** Accept the legacy dialect of QEMU before 6.2 (schemas only). */
  compat: boolean;
}

export type InputKind = "schema" | "reply";

export type InputResult =
  | { wire: WireSchema; kind: InputKind; diagnostics: Diagnostic[] }
  | { wire: null; kind: InputKind | null; diagnostics: Diagnostic[] };

/** Reads `file` as whichever kind of input its content is. */
export function readWireInput(file: string, options: InputOptions): InputResult {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    return { wire: null, kind: null, diagnostics: [error(`can't read ${file}: ${message(e)}`)] };
  }
  return isReply(text) ? readReply(file, text) : readSchema(file, options);
}

/**
 * A reply is a JSON array, or a JSON object whose first key is "return". A QAPI schema is a
 * sequence of definitions (objects) and comments, so it never starts with '[', and its first
 * object is a directive or definition, never "return".
 */
function isReply(text: string): boolean {
  return /^\uFEFF?\s*(\[|\{\s*"return"\s*:)/.test(text);
}

function readSchema(file: string, options: InputOptions): InputResult {
  const loaded = loadSchema(file, { compat: options.compat });
  if (!loaded.model) return { wire: null, kind: "schema", diagnostics: loaded.diagnostics };
  const wire = wireFromModel(loaded.model, options.defines);
  return { wire, kind: "schema", diagnostics: loaded.diagnostics };
}

function readReply(file: string, text: string): InputResult {
  const fail = (d: Diagnostic): InputResult => ({ wire: null, kind: "reply", diagnostics: [d] });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    const m = message(e);
    const at = /line (\d+) column (\d+)/.exec(m);
    const pos = /position (\d+)/.exec(m);
    const where = at
      ? { line: Number(at[1]), col: Number(at[2]) }
      : pos
        ? lineCol(text, Number(pos[1]))
        : null;
    return fail(located(file, where, `not a JSON document: ${m}`));
  }
  const wrapped = !Array.isArray(json);
  const list = wrapped ? (json as { return: unknown }).return : json;
  if (!Array.isArray(list))
    return fail(located(file, { line: 1, col: 1 }, `"return" is not an array of entries`));
  try {
    return { wire: wireFromEntries(list, false), kind: "reply", diagnostics: [] };
  } catch (e) {
    if (!(e instanceof WireInputError)) throw e;
    const offset = locateJsonPath(text, wrapped ? ["return", ...e.jsonPath] : e.jsonPath);
    return fail(located(file, lineCol(text, offset), `${e.message} (at ${pointer(e.jsonPath)})`));
  }
}

function error(message: string): Diagnostic {
  return { severity: "error", message, info: null };
}

function located(file: string, at: { line: number; col: number } | null, msg: string): Diagnostic {
  if (!at) return error(`${file}: ${msg}`);
  return {
    severity: "error",
    message: msg,
    info: new SourceInfo(file, at.line, null, newPragma()),
    col: at.col,
  };
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** A JSON path as a JSON Pointer (RFC 6901), e.g. `/12/members/3`. */
function pointer(path: (string | number)[]): string {
  return path.map((p) => "/" + String(p).replace(/~/g, "~0").replace(/\//g, "~1")).join("") || "/";
}

function lineCol(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++)
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  return { line, col: offset - start + 1 };
}

/**
 * The offset in `text` (valid JSON) of the value at `path`; as far as the path leads (a path
 * into a missing key gives its object's offset).
 */
function locateJsonPath(text: string, path: (string | number)[]): number {
  let i = skipSpace(text, text.charCodeAt(0) === 0xfeff ? 1 : 0);
  for (const step of path) {
    const open = text[i];
    if (open !== "[" && open !== "{") return i;
    let j = skipSpace(text, i + 1);
    let index = 0;
    let found = -1;
    while (text[j] !== "]" && text[j] !== "}") {
      let key: string | number = index++;
      if (open === "{") {
        const end = skipValue(text, j);
        key = JSON.parse(text.slice(j, end)) as string;
        j = skipSpace(text, skipSpace(text, end) + 1); // past ':'
      }
      if (key === step) {
        found = j;
        break;
      }
      j = skipSpace(text, skipValue(text, j));
      if (text[j] === ",") j = skipSpace(text, j + 1);
    }
    if (found < 0) return i;
    i = found;
  }
  return i;
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && /\s/.test(text[i]!)) i++;
  return i;
}

/** The offset just past the JSON value starting at `i`. */
function skipValue(text: string, i: number): number {
  const c = text[i];
  if (c === '"') {
    for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === "\\") i++;
    return i + 1;
  }
  if (c === "[" || c === "{") {
    let depth = 0;
    for (; i < text.length; i++) {
      const d = text[i];
      if (d === '"') i = skipValue(text, i) - 1;
      else if (d === "[" || d === "{") depth++;
      else if ((d === "]" || d === "}") && --depth === 0) return i + 1;
    }
    return i;
  }
  while (i < text.length && !/[\s,\]}]/.test(text[i]!)) i++;
  return i;
}
