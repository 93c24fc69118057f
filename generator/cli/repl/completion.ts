// Tab completion from the live schema: the command name; then `key=` for each argument the
// command takes and that is not yet given (a dotted key walks into nested objects, and a union's
// members follow the tag value already typed); then, after `key=`, the member's enum values
// (or true/false). Completions replace the word being typed, as Node's readline expects.
import { parseCommandLine, tokenize } from "./command-line.ts";
import type { LiveSchema } from "./live-schema.ts";

/** The shell's own words, completed like commands. */
export const SHELL_WORDS = ["help", "quit"];

/** [candidates, the text they replace] for the line up to the cursor. */
export function complete(line: string, schema: LiveSchema): [string[], string] {
  const tokens = tokenize(line);
  const typingNew = line === "" || /\s$/.test(line);
  const current = typingNew ? "" : (tokens[tokens.length - 1]?.raw ?? "");
  const before = typingNew ? tokens : tokens.slice(0, -1);
  if (line.trimStart().startsWith("{")) return [[], current];
  const first = before[0];
  if (!first) return [matching([...SHELL_WORDS, ...schema.commands], current), current];
  if (first.text === "help") {
    if (before.length === 1) return [matching(schema.commands, current), current];
    return argumentWords(before[1]!.text, before.slice(2), current, schema, line);
  }
  return argumentWords(first.text, before.slice(1), current, schema, line);
}

function argumentWords(
  command: string,
  given: ReturnType<typeof tokenize>,
  current: string,
  schema: LiveSchema,
  line: string,
): [string[], string] {
  if (!schema.command(command)) return [[], current];
  // The arguments typed so far pick union variants; a line that does not parse yet picks none.
  let args: unknown;
  try {
    const prefix = line.slice(
      0,
      given.length ? given[given.length - 1]!.start + given[given.length - 1]!.raw.length : 0,
    );
    args = given.length ? parseCommandLine(prefix.trim(), schema).args : undefined;
  } catch {
    args = undefined;
  }
  const eq = current.indexOf("=");
  if (eq >= 0) {
    const key = current.slice(0, eq);
    const type = schema.typeAt(command, key.split("."), args);
    const words = schema.valueWords(type).map((w) => `${key}=${w}`);
    return [matching(words, current), current];
  }
  const dot = current.lastIndexOf(".");
  const parentKey = dot >= 0 ? current.slice(0, dot) : "";
  const parentPath = parentKey ? parentKey.split(".") : [];
  const parentType = parentPath.length
    ? schema.typeAt(command, parentPath, args)
    : schema.command(command)!["arg-type"];
  if (parentType === undefined) return [[], current];
  const parentValue = parentPath.reduce<unknown>(
    (v, k) => (typeof v === "object" && v !== null ? (v as Record<string, unknown>)[k] : undefined),
    args,
  );
  const taken = new Set(
    given
      .filter((t) => t.equals > 0)
      .map((t) => t.text.slice(0, t.equals - 1))
      .filter((k) => k.startsWith(parentKey ? parentKey + "." : ""))
      .map((k) => k.slice(parentKey ? parentKey.length + 1 : 0)),
  );
  const words: string[] = [];
  for (const m of schema.members(parentType, parentValue)) {
    const full = parentKey ? `${parentKey}.${m.name}` : m.name;
    const nested = schema.members(m.type).length > 0;
    if (!taken.has(m.name)) words.push(`${full}=`);
    if (nested) words.push(`${full}.`);
  }
  return [matching(words, current), current];
}

function matching(words: readonly string[], prefix: string): string[] {
  return words.filter((w) => w.startsWith(prefix));
}
