// The shell's command syntax, qmp-shell's: `COMMAND key=value ...`, dotted keys for nested
// objects (`file.filename=/tmp/a.img`), JSON values (`{...}`, `[...]`, numbers, true, false,
// null), and a whole line of JSON (`{"execute": ..., "arguments": ...}`). Values may be quoted:
// `"..."` is a JSON string (escapes and all), `'...'` is taken literally.
//
// Unlike qmp-shell, a value is read as the live schema says the member is: `node-name=123` is
// the string "123" because node-name is a string, and `size=123` a number. Where the member is
// unknown, or takes several kinds, a JSON literal wins and anything else is a string.
import { parseJsonLossless } from "../../../runtime/validate/index.ts";
import type { JsonKind, LiveSchema } from "./live-schema.ts";

/** One whitespace-separated word of a line, quotes removed (`raw` keeps them). */
export interface Token {
  text: string;
  raw: string;
  start: number;
  /** Where the value (after the first unquoted `=`) begins in `text`, or -1. */
  equals: number;
  /** The value part was written in quotes: `"..."` (a JSON string) or `'...'`. */
  quotedValue: '"' | "'" | null;
  /** An opening quote without its closing one. */
  unterminated: boolean;
}

export function tokenize(line: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i]!)) i++;
    if (i >= line.length) break;
    const start = i;
    let text = "";
    let equals = -1;
    let quotedValue: Token["quotedValue"] = null;
    let unterminated = false;
    while (i < line.length && !/\s/.test(line[i]!)) {
      const c = line[i]!;
      if (c === '"' || c === "'") {
        if (equals >= 0 && text.length === equals) quotedValue = c;
        let j = i + 1;
        let body = "";
        while (j < line.length && line[j] !== c) {
          if (c === '"' && line[j] === "\\" && j + 1 < line.length) body += line[j++];
          body += line[j++];
        }
        if (j >= line.length) unterminated = true;
        // A double-quoted part keeps its JSON escapes until the value is read.
        text += c === '"' ? `"${body}"` : body;
        i = Math.min(j + 1, line.length);
        continue;
      }
      if (c === "=" && equals < 0) equals = text.length + 1;
      text += c;
      i++;
    }
    tokens.push({ text, raw: line.slice(start, i), start, equals, quotedValue, unterminated });
  }
  return tokens;
}

export class CommandLineError extends Error {}

/** A parsed line: a command and its arguments. */
export interface CommandRequest {
  command: string;
  args: Record<string, unknown> | undefined;
  oob: boolean;
}

/** Parses one line (not empty, not a comment) into a command with its arguments. */
export function parseCommandLine(line: string, schema: LiveSchema | null): CommandRequest {
  const trimmed = line.trim();
  if (trimmed.startsWith("{")) return parseJsonLine(trimmed);
  const tokens = tokenize(trimmed);
  const bad = tokens.find((t) => t.unterminated);
  if (bad) throw new CommandLineError(`unterminated quote in '${bad.raw}'`);
  const [head, ...rest] = tokens;
  if (!head || head.equals >= 0)
    throw new CommandLineError("expected a command name first, then key=value arguments");
  const command = head.text;
  const args: Record<string, unknown> = {};
  for (const t of rest) {
    if (t.equals < 0) throw new CommandLineError(`expected key=value, got '${t.raw}'`);
    const key = t.text.slice(0, t.equals - 1);
    const path = key.split(".");
    if (path.some((p) => p === ""))
      throw new CommandLineError(`'${key}' is not a key (empty part between dots)`);
    const kinds = schema?.kinds(schema.typeAt(command, path, args)) ?? null;
    const value = readValue(t, kinds);
    place(args, path, value);
  }
  return { command, args: rest.length ? args : undefined, oob: false };
}

/** Puts `value` at `path` in `args`, refusing a key set twice or used as leaf and object. */
function place(args: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let at = args;
  for (let i = 0; i < path.length - 1; i++) {
    const k = path[i]!;
    const next = Object.hasOwn(at, k) ? at[k] : undefined;
    if (next === undefined) at = at[k] = {} as Record<string, unknown>;
    else if (isPlainObject(next)) at = next;
    else
      throw new CommandLineError(
        `'${path.slice(0, i + 1).join(".")}' has a value, and cannot also have members`,
      );
  }
  const last = path[path.length - 1]!;
  if (Object.hasOwn(at, last))
    throw new CommandLineError(
      isPlainObject(at[last])
        ? `'${path.join(".")}' has members, and cannot also have a value`
        : `'${path.join(".")}' is given twice`,
    );
  at[last] = value;
}

/** A value as the member's kinds say (null: unknown member, any kind). */
function readValue(t: Token, kinds: ReadonlySet<JsonKind> | null): unknown {
  const text = t.text.slice(t.equals);
  if (t.quotedValue === "'") return text;
  if (t.quotedValue === '"') {
    try {
      const s = parseJsonLossless(text);
      if (typeof s === "string") return s;
    } catch {
      // fall through to the message
    }
    throw new CommandLineError(`'${t.raw}': the quoted value is not one JSON string`);
  }
  const literal = jsonLiteral(text);
  if (literal instanceof CommandLineError) {
    if (kinds === null || kinds.has("string")) return text;
    throw literal;
  }
  if (literal === undefined) return text;
  if (kinds === null || kinds.has(kindOf(literal.value))) return literal.value;
  return kinds.has("string") ? text : literal.value;
}

const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** The JSON value `text` spells, undefined when it spells none, an error for broken JSON. */
function jsonLiteral(text: string): { value: unknown } | CommandLineError | undefined {
  if (text === "true" || text === "false" || text === "null" || NUMBER.test(text))
    return { value: parseJsonLossless(text) };
  if (text.startsWith("{") || text.startsWith("[")) {
    try {
      return { value: parseJsonLossless(text) };
    } catch (err) {
      return new CommandLineError(`'${text}' is not JSON: ${(err as Error).message}`);
    }
  }
  return undefined;
}

function kindOf(v: unknown): JsonKind {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  switch (typeof v) {
    case "string":
      return "string";
    case "boolean":
      return "boolean";
    case "number":
    case "bigint":
      return "number";
    default:
      return isPlainObject(v) ? "object" : "number"; // an exact float from the lossless parse
  }
}

/** `{"execute": NAME, "arguments": {...}}` (or "exec-oob"), as QMP takes it. */
function parseJsonLine(text: string): CommandRequest {
  let value: unknown;
  try {
    value = parseJsonLossless(text);
  } catch (err) {
    throw new CommandLineError(`not JSON: ${(err as Error).message}`);
  }
  if (!isPlainObject(value)) throw new CommandLineError("a JSON line must be one object");
  const oob = "exec-oob" in value;
  const command = oob ? value["exec-oob"] : value.execute;
  if (typeof command !== "string")
    throw new CommandLineError(`a JSON line needs "execute" (or "exec-oob") with a command name`);
  for (const k of Object.keys(value))
    if (k !== "execute" && k !== "exec-oob" && k !== "arguments" && k !== "id")
      throw new CommandLineError(`unexpected member "${k}" in a JSON line`);
  if (value.arguments !== undefined && !isPlainObject(value.arguments))
    throw new CommandLineError(`"arguments" must be an object`);
  return { command, args: value.arguments, oob };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return (
    typeof v === "object" &&
    v !== null &&
    !Array.isArray(v) &&
    Object.getPrototypeOf(v) === Object.prototype
  );
}
