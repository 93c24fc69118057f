// The inputs of `diff` and `history` as the command line names them: a file (schema or reply)
// and the build symbols for it. Problems are printed as the other commands print them and end
// the process with exit 2 (exit 1 means "something breaks" to `diff`).

import { readConfiguration } from "../commands/options.ts";
import { formatQemu } from "../source.ts";
import { readWireInput } from "./input.ts";
import type { WireSchema } from "./wire.ts";

export interface SideConfiguration {
  /** -D symbols. */
  define: string[];
  /** Files of symbols (--defines). */
  definesFiles: string[];
  compat: boolean;
}

/** The wire model of `file`; on any error, the diagnostics on stderr and exit 2. */
export async function readInputOrExit(
  file: string,
  config: SideConfiguration,
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
  return result.wire;
}
