// Options and helpers shared by the subcommands: one definition of the build configuration
// (-D / --defines), of --compat, and of loading a schema for a command.
import type { Argv } from "yargs";
import type { ConfigurationArgs } from "../codegen/defines.ts";
import type { FrontEndOptions, SchemaModel } from "../model/index.ts";

export type { ConfigurationArgs };

export interface CompatArgs {
  compat: boolean;
}

/** --compat: the legacy dialect of QEMU releases before 6.2. */
export function compatOption<T>(
  y: Argv<T>,
  describe = "accept the legacy dialect of QEMU before 6.2, reporting each kind of use once",
): Argv<T & CompatArgs> {
  return y.option("compat", { type: "boolean", default: false, describe });
}

/** The main schema file, the positional argument of most commands, and --compat (how to read it). */
export function schemaArgument<T>(y: Argv<T>): Argv<T & CompatArgs & { schema: string }> {
  return compatOption(y).positional("schema", {
    type: "string",
    demandOption: true,
    describe: "the main schema file",
  });
}

/** Writes `text` to `output`, or to stdout when absent; a failed write is an environment error. */
export async function writeOutput(text: string, output: string | undefined): Promise<void> {
  if (output === undefined) {
    // (A reader that stops early, `| head`, is handled once for every command in index.ts.)
    process.stdout.write(text);
    return;
  }
  const { writeFileSync } = await import("node:fs");
  try {
    writeFileSync(output, text);
  } catch (e) {
    fail(2, `can't write ${output}: ${(e as Error).message}`);
  }
}

/** The -D / --defines options, shared with the commands that evaluate conditions. */
export function configurationOptions<T>(y: Argv<T>): Argv<T & ConfigurationArgs> {
  return y
    .option("define", {
      alias: "D",
      type: "string",
      array: true,
      // One symbol per -D, so that a positional argument after it is not taken as a symbol.
      nargs: 1,
      requiresArg: true,
      describe: "Condition symbol defined in the build (repeatable); undefined symbols are false",
    })
    .option("defines", {
      type: "string",
      requiresArg: true,
      describe: "File with one defined symbol per line (blank lines and # comments ignored)",
    });
}

/**
 * The configuration the options name: -D symbols plus those of --defines; null when neither is
 * given. Reports bad input and exits (2 for a bad -D, `inputErrorCode` for a defines file that
 * cannot be read or names a bad symbol: 1, as for an unreadable schema file, unless the command
 * gives exit 1 another meaning).
 */
export async function readConfiguration(
  args: ConfigurationArgs,
  inputErrorCode: 1 | 2 = 1,
): Promise<Set<string> | null> {
  const { readDefines, DefinesError } = await import("../codegen/defines.ts");
  try {
    return readDefines(args);
  } catch (e) {
    if (!(e instanceof DefinesError)) throw e;
    fail(e.kind === "usage" ? 2 : inputErrorCode, e.message, e.located);
  }
}

/** Prints `qapi-ts: message` (or a located message as it is) and exits with `code`. */
export function fail(code: number, message: string, located = false): never {
  process.stderr.write(located ? `${message}\n` : `qapi-ts: ${message}\n`);
  process.exit(code);
}

/**
 * Loads and checks a schema; on errors prints the diagnostics as QEMU does and exits 1. Warnings
 * (legacy uses under --compat) go to stderr too.
 */
export async function loadModelOrExit(
  schema: string,
  options: FrontEndOptions,
): Promise<SchemaModel> {
  const [{ loadSchema }, { formatQemu }] = await Promise.all([
    import("../frontend/index.ts"),
    import("../model/source.ts"),
  ]);
  const result = loadSchema(schema, options);
  for (const d of result.diagnostics) process.stderr.write(formatQemu(d) + "\n");
  if (!result.model) process.exit(1);
  return result.model;
}
