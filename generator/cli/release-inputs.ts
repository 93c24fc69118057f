// The inputs of `diff` and `history` as the command line names them: a file (schema or reply)
// and the build symbols for it. Problems are printed as the other commands print them and end
// the process with exit 2 (exit 1 means "something breaks" to `diff`).

import { readConfiguration } from "./options.ts";
import { formatQemu, type Diagnostic } from "../model/source.ts";
import type { SchemaModel } from "../model/index.ts";
import type { History } from "../compat/history.ts";
import { readWireInput } from "../compat/sides.ts";
import type { WireSchema } from "../compat/wire.ts";

export interface SideConfiguration {
  /** -D symbols. */
  define: string[];
  /** Files of symbols (--defines). */
  definesFiles: string[];
  compat: boolean;
}

/**
 * The wire model of `file`; on any error, the diagnostics on stderr and exit 2. Symbols apply to
 * schemas; `symbolsForThisFile` says they were given for this file alone, which is a usage
 * error for a reply (it is one build already).
 */
export async function readInputOrExit(
  file: string,
  config: SideConfiguration,
  symbolsForThisFile = false,
): Promise<WireSchema> {
  let defines: Set<string> | null = null;
  for (const args of [
    { define: config.define },
    ...config.definesFiles.map((defines) => ({ defines })),
  ]) {
    const symbols = await readConfiguration(args, 2);
    if (symbols) defines = new Set([...(defines ?? []), ...symbols]);
  }
  const result = readWireInput(file, { defines, compat: config.compat });
  for (const d of result.diagnostics) process.stderr.write(formatQemu(d) + "\n");
  if (!result.wire) process.exit(2);
  if (symbolsForThisFile && result.kind === "reply") {
    process.stderr.write(
      `qapi-ts: ${file} is a query-qmp-schema reply: build symbols apply to schemas\n`,
    );
    process.exit(2);
  }
  return result.wire;
}

/**
 * `lint --history FILE`: the Since check against the history FILE (`qapi-ts history --format
 * json`), as a function of a checked model; an unreadable or malformed FILE ends the process
 * with exit 2 (a resource the command cannot use).
 */
export async function sinceCheckOrExit(
  file: string,
): Promise<(model: SchemaModel) => Diagnostic[]> {
  const [{ readFileSync }, { checkHistory }, { sinceDiagnostics }] = await Promise.all([
    import("node:fs"),
    import("../compat/history.ts"),
    import("../compat/since.ts"),
  ]);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    process.stderr.write(`qapi-ts: can't read history ${file}: ${(e as Error).message}\n`);
    process.exit(2);
  }
  const problem = checkHistory(json);
  if (problem) {
    process.stderr.write(
      `qapi-ts: ${file}: not a history (qapi-ts history --format json): ${problem}\n`,
    );
    process.exit(2);
  }
  return (model) => sinceDiagnostics(model, json as History);
}
