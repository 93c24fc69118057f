// Reading one side of a comparison: a QAPI schema or a recorded `query-qmp-schema` reply (a bare
// array or `{"return": [...]}`, masked or unmasked type names), told apart by content. Either
// becomes a wire model (wire.ts). A schema is read for one build configuration when symbols are
// given, else whole, every element keeping its condition. Problems come back as diagnostics,
// located (file:line:col) where the file says where.

import { loadSchema } from "../frontend/index.ts";
import { readBounded, cantRead } from "../frontend/bounded-input.ts";
import { overlayHost } from "../frontend/host.ts";
import { JsonInputError, lineCol, looksLikeReply, parseJsonText } from "../frontend/json-input.ts";
import { newPragma, SourceInfo, type Diagnostic } from "../model/source.ts";
import { wireFromEntries, wireFromModel, WireInputError, type WireSchema } from "./wire.ts";

export interface InputOptions {
  /** Build symbols for a schema (a reply is one build already); null reads a schema whole. */
  defines: ReadonlySet<string> | null;
  /** Accept the legacy dialect of QEMU before 6.2 (schemas only). */
  compat: boolean;
  /**
   * The input's bytes, already read (standard input): `file` is then only its name in messages,
   * and a schema's includes are read from disk relative to the current folder.
   */
  bytes?: Uint8Array;
  /** Collects the name of every file read (a schema's includes too), when given. */
  filesRead?: string[];
}

export type InputKind = "schema" | "reply";

export type InputResult =
  | { wire: WireSchema; kind: InputKind; diagnostics: Diagnostic[] }
  | { wire: null; kind: InputKind | null; diagnostics: Diagnostic[] };

/**
 * A reply of QEMU's is under 1 MiB; QEMU's own bound on a message is 64 MiB. (A schema is
 * read again by the front end, within its own bound.)
 */
export const MAX_REPLY_BYTES = 64 << 20;

/**
 * Reads `file` as whichever kind of input its content is. Every read is bounded: a FIFO, a
 * device or a directory is refused unopened, a file is read up to MAX_REPLY_BYTES.
 */
export function readWireInput(file: string, options: InputOptions): InputResult {
  let bytes = options.bytes;
  if (bytes === undefined) {
    const r = readBounded(file, MAX_REPLY_BYTES);
    if (!("bytes" in r)) {
      const d = error(cantRead("input file", file, r, MAX_REPLY_BYTES));
      return { wire: null, kind: null, diagnostics: [d] };
    }
    bytes = r.bytes;
  }
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
  return looksLikeReply(text) ? readReply(file, text) : readSchema(file, bytes, options);
}

function readSchema(file: string, bytes: Uint8Array, options: InputOptions): InputResult {
  // The bytes read are the ones parsed (the file is not read a second time).
  const overlay = overlayHost(new Map([[file, bytes]]));
  const host = options.filesRead
    ? {
        absolute: (fname: string) => overlay.absolute(fname),
        read: (fname: string, limit: number) => {
          options.filesRead!.push(fname);
          return overlay.read(fname, limit);
        },
      }
    : overlay;
  const loaded = loadSchema(file, { compat: options.compat, host });
  if (!loaded.model) return { wire: null, kind: "schema", diagnostics: loaded.diagnostics };
  const wire = wireFromModel(loaded.model, options.defines);
  return { wire, kind: "schema", diagnostics: loaded.diagnostics };
}

function readReply(file: string, text: string): InputResult {
  const fail = (d: Diagnostic): InputResult => ({ wire: null, kind: "reply", diagnostics: [d] });
  let json: unknown;
  try {
    json = parseJsonText(text);
  } catch (e) {
    if (!(e instanceof JsonInputError)) throw e;
    const where = e.line === null ? null : { line: e.line, col: e.col ?? 1 };
    return fail(located(file, where, e.message));
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

/** A JSON path as a JSON Pointer (RFC 6901), e.g. `/12/members/3`. */
function pointer(path: (string | number)[]): string {
  return path.map((p) => "/" + String(p).replace(/~/g, "~0").replace(/\//g, "~1")).join("") || "/";
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
