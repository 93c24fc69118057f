// The inputs of `diff` and `history` as the command line names them: a file (schema or reply),
// or `-` for standard input (once per command), and the build symbols for it; and the history
// file of `lint --history`. Every one is read through the bounded reader (bounded-input.ts), a
// reply's nesting is bounded before it is parsed (json-input.ts). A file that cannot be read or
// has errors is printed as the other commands print them and ends the process with exit 1, as
// for every command that reads files; a usage error (symbols for a reply) with exit 2.

import { readConfiguration } from "./options.ts";
import { formatQemu, type Diagnostic } from "../model/source.ts";
import type { SchemaModel } from "../model/index.ts";
import type { History } from "../compat/history.ts";
import { MAX_REPLY_BYTES, readWireInput } from "../compat/sides.ts";
import type { WireSchema } from "../compat/wire.ts";
import { InputError, readInput, STDIN_NAME } from "../frontend/bounded-input.ts";
import { JsonInputError, parseJsonText } from "../frontend/json-input.ts";

export interface SideConfiguration {
  /** -D symbols. */
  define: string[];
  /** Files of symbols (--defines). */
  definesFiles: string[];
  compat: boolean;
}

/**
 * The wire model of `file` (`-`: standard input); on any error, the diagnostics on stderr and
 * exit 1. Symbols apply to schemas; `symbolsForThisFile` says they were given for this file
 * alone, which is a usage error for a reply (it is one build already). `filesRead` collects
 * every file read (a schema's includes too).
 */
export async function readInputOrExit(
  file: string,
  config: SideConfiguration,
  symbolsForThisFile = false,
  filesRead?: string[],
): Promise<WireSchema> {
  let defines: Set<string> | null = null;
  for (const args of [
    { define: config.define },
    ...config.definesFiles.map((defines) => ({ defines })),
  ]) {
    const symbols = await readConfiguration(args);
    if (symbols) defines = new Set([...(defines ?? []), ...symbols]);
  }
  let bytes: Uint8Array | undefined;
  if (file === "-") {
    try {
      bytes = await readInput("-", { maxBytes: MAX_REPLY_BYTES, purpose: "input" });
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      process.stderr.write(`qapi-ts: ${e.message}\n`);
      process.exit(1);
    }
  }
  const name = file === "-" ? STDIN_NAME : file;
  const result = readWireInput(name, { defines, compat: config.compat, bytes, filesRead });
  for (const d of result.diagnostics) process.stderr.write(formatQemu(d) + "\n");
  if (!result.wire) process.exit(1);
  if (symbolsForThisFile && result.kind === "reply") {
    process.stderr.write(
      `qapi-ts: ${name} is a query-qmp-schema reply: build symbols apply to schemas\n`,
    );
    process.exit(2);
  }
  return result.wire;
}

/** A history is far smaller than the replies it was made of. */
const MAX_HISTORY_BYTES = 256 << 20;

/**
 * `lint --history FILE`: the Since check against the history FILE (`qapi-ts history --format
 * json`; `-`: standard input), as a function of a checked model; an unreadable or malformed FILE
 * ends the process with exit 1, as any input of lint's with errors.
 */
export async function sinceCheckOrExit(
  file: string,
): Promise<(model: SchemaModel) => Diagnostic[]> {
  const [{ checkHistory }, { sinceDiagnostics }] = await Promise.all([
    import("../compat/history.ts"),
    import("../compat/since.ts"),
  ]);
  const name = file === "-" ? STDIN_NAME : file;
  let json: unknown;
  try {
    const bytes = await readInput(file, { maxBytes: MAX_HISTORY_BYTES, purpose: "history" });
    json = parseJsonText(bytes.toString("utf8"));
  } catch (e) {
    if (e instanceof InputError) {
      process.stderr.write(`qapi-ts: ${e.message}\n`);
      process.exit(1);
    }
    if (!(e instanceof JsonInputError)) throw e;
    const at = e.line === null ? "" : `${e.line}:${e.col ?? 1}:`;
    process.stderr.write(`${name}:${at} ${e.message}\n`);
    process.exit(1);
  }
  const problem = checkHistory(json);
  if (problem) {
    process.stderr.write(
      `qapi-ts: ${name}: not a history (qapi-ts history --format json): ${problem}\n`,
    );
    process.exit(1);
  }
  return (model) => sinceDiagnostics(model, json as History);
}
