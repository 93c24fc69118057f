// Options and helpers shared by the subcommands: one definition of the build configuration
// (-D / --defines), of --compat, and of loading a schema for a command.
import type { Argv } from "yargs";
import type { FrontEndOptions, SchemaModel } from "../model/index.ts";

export interface ConfigurationArgs {
  define?: string[];
  defines?: string;
}

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
    // (A reader that stops early, `| head`, is handled once for every command in cli.ts.)
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

const SYMBOL = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A defines file names a build's symbols, a short line each: 1 MiB is far beyond any. */
const MAX_DEFINES_BYTES = 1024 * 1024;

/**
 * The configuration the options name: -D symbols plus those of --defines. Returns null when
 * neither option is given. Reports bad input and exits (2 for a bad -D, `inputErrorCode` for a
 * defines file that cannot be read or names a bad symbol: 1, as for an unreadable schema file,
 * unless the command gives exit 1 another meaning).
 */
export async function readConfiguration(
  args: ConfigurationArgs,
  inputErrorCode: 1 | 2 = 1,
): Promise<Set<string> | null> {
  if (!args.define?.length && args.defines === undefined) return null;
  const defined = new Set<string>();
  for (const s of args.define ?? []) {
    if (!SYMBOL.test(s)) fail(2, `-D '${s}': expected a condition symbol (letters, digits, '_')`);
    defined.add(s);
  }
  if (args.defines !== undefined) {
    const { readFileInput, InputError } = await import("../frontend/bounded-input.ts");
    let text: string;
    try {
      text = readFileInput(args.defines, {
        maxBytes: MAX_DEFINES_BYTES,
        purpose: "defines file",
      }).toString("utf8");
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      fail(inputErrorCode, e.message);
    }
    text.split("\n").forEach((raw, i) => {
      const line = raw.replace(/#.*/, "").trim();
      if (!line) return;
      if (!SYMBOL.test(line))
        fail(
          inputErrorCode,
          `${args.defines}:${i + 1}: expected a condition symbol, found '${line}'`,
          true,
        );
      defined.add(line);
    });
  }
  return defined;
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
