// Options and helpers shared by the subcommands: one definition of the build configuration
// (-D / --defines), of --compat, and of loading a schema for a command.
import type { Argv } from "yargs";
import type { ConfigurationArgs } from "../codegen/defines.ts";
import type { FrontEndOptions, SchemaModel } from "../model/index.ts";
import type { Diagnostic } from "../model/source.ts";

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

/**
 * Writes `text` to `output` (replaced whole: a failed write leaves the old content), or to
 * stdout when absent or `-`; a failed write is an environment error (exit 2). `inputs`, the
 * files the command read, are never written over.
 */
export async function writeOutput(
  text: string,
  output: string | undefined,
  inputs: readonly string[] = [],
): Promise<void> {
  if (output === undefined || output === "-") {
    // (A failed write, or a reader that stops early, is handled once for every command in
    // index.ts.)
    process.stdout.write(text);
    return;
  }
  const { writeOutputFile, WriteError } = await import("../codegen/writer.ts");
  try {
    writeOutputFile(output, text, inputs);
  } catch (e) {
    if (!(e instanceof WriteError)) throw e;
    fail(2, e.message);
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

/** How a command reads a schema named on its command line. */
export interface SchemaArgumentOptions extends FrontEndOptions {
  diagnostics?: "first-error" | "all";
  maxErrors?: number;
}

/**
 * Loads and checks the schema named on the command line: a file, or `-` for standard input
 * (named `<stdin>` in messages; its includes are read relative to the current folder). Input
 * errors are diagnostics; a file that is a recorded reply, not a schema, gets a note that says
 * which commands read replies. Standard input that cannot be read ends the process (exit 1).
 */
export async function loadSchemaArgument(
  schema: string,
  options: SchemaArgumentOptions,
): Promise<{ model: SchemaModel | null; diagnostics: Diagnostic[]; files: string[] }> {
  const [{ loadSchema, MAX_SCHEMA_BYTES }, input, { overlayHost }, json] = await Promise.all([
    import("../frontend/index.ts"),
    import("../frontend/bounded-input.ts"),
    import("../frontend/host.ts"),
    import("../frontend/json-input.ts"),
  ]);
  let fname = schema;
  let bytes: Buffer | null = null;
  if (schema === "-") {
    try {
      bytes = await input.readStdinInput({ maxBytes: MAX_SCHEMA_BYTES, purpose: "schema" });
    } catch (e) {
      if (!(e instanceof input.InputError)) throw e;
      fail(1, e.message);
    }
    fname = input.STDIN_NAME;
  }
  const host = bytes ? overlayHost(new Map([[fname, bytes]])) : undefined;
  const result = loadSchema(fname, { ...options, host });
  if (!result.model) {
    const head = bytes ?? input.readBounded(schema, MAX_SCHEMA_BYTES);
    const text = head instanceof Buffer ? head : "bytes" in head ? head.bytes : null;
    if (text && json.looksLikeReply(text.toString("utf8")))
      result.diagnostics.push({ severity: "error", message: json.replyNote(fname), info: null });
  }
  const files = result.model ? schemaFiles(result.model).filter((f) => f !== fname) : [];
  return { ...result, files: schema === "-" ? files : [schema, ...files] };
}

/** The files a checked schema was read from (the main one as named, includes by their path). */
function schemaFiles(model: SchemaModel): string[] {
  const dir = model.fname.replace(/[^/]*$/, "");
  return model.modules
    .map((m) => m.name)
    .filter((n) => !n.startsWith("./"))
    .map((n) => dir + n);
}

/**
 * Loads and checks a schema (see loadSchemaArgument); on errors prints the diagnostics as QEMU
 * does and exits with `errorCode` (1, as for any input with errors, unless the command gives 1
 * another meaning). Warnings (legacy uses under --compat) go to stderr too.
 */
export async function loadModelOrExit(
  schema: string,
  options: FrontEndOptions,
  errorCode: 1 | 2 = 1,
): Promise<{ model: SchemaModel; files: string[] }> {
  const { formatQemu } = await import("../model/source.ts");
  const result = await loadSchemaArgument(schema, options);
  for (const d of result.diagnostics) process.stderr.write(formatQemu(d) + "\n");
  if (!result.model) process.exit(errorCode);
  return { model: result.model, files: result.files };
}
