// `qapi-ts validate SCHEMA (--command NAME [--returns] | --event NAME | --type NAME) [FILE|-]`:
// checks a JSON value with the validators `generate` writes for SCHEMA (the same module, built
// in memory, compiled by the run-time code generated modules use). Exit 0 valid; 1 invalid
// (QEMU's message and the path on stderr), unknown name, bad or unreadable JSON, schema errors;
// 2 usage errors.
import type { CommandModule } from "yargs";
import {
  schemaArgument,
  configurationOptions,
  readConfiguration,
  type ConfigurationArgs,
} from "./options.ts";
import type { SchemaModel } from "../model/index.ts";
import type { Validators } from "../../runtime/validate/index.ts";

/**
 * The validators of a model: the table the validators back end writes into `validators.ts`,
 * built in memory and compiled by the same run-time code that generated modules use.
 */
export async function loadValidators(
  model: SchemaModel,
  defines: ReadonlySet<string> | null = null,
): Promise<Validators> {
  const [{ validatorTable }, { createValidators }] = await Promise.all([
    import("../backends/validators/index.ts"),
    import("../../runtime/validate/validators.ts"),
  ]);
  return createValidators(validatorTable(model, defines));
}

interface ValidateArgs extends ConfigurationArgs {
  schema: string;
  file: string;
  command: string | undefined;
  returns: boolean;
  event: string | undefined;
  type: string | undefined;
  compat: boolean;
  "reject-deprecated": boolean;
  "reject-unstable": boolean;
  "allow-unknown": boolean;
}

export const validateCommand: CommandModule<object, ValidateArgs> = {
  command: "validate <schema> [file]",
  describe: "Check a JSON value (command arguments or result, event data, a type) against a schema",
  builder: (y) =>
    schemaArgument(configurationOptions(y))
      .positional("file", {
        type: "string",
        default: "-",
        describe: "the JSON value to check (- for stdin)",
      })
      .option("command", {
        alias: "c",
        type: "string",
        describe: "the value is this command's arguments",
      })
      .option("returns", {
        type: "boolean",
        default: false,
        describe: "with --command: its result instead",
      })
      .option("event", { alias: "e", type: "string", describe: "the value is this event's data" })
      .option("type", { alias: "t", type: "string", describe: "the value is of this type" })
      .option("reject-deprecated", {
        type: "boolean",
        default: false,
        describe: "compat policy: reject deprecated input",
      })
      .option("reject-unstable", {
        type: "boolean",
        default: false,
        describe: "compat policy: reject unstable input",
      })
      .option("allow-unknown", {
        type: "boolean",
        default: false,
        describe: "tolerate members the schema lacks (replies from a newer QEMU)",
      }),
  handler: async (argv) => {
    const usage = usageError(argv);
    if (usage) {
      process.stderr.write(`qapi-ts: ${usage}\nRun 'qapi-ts validate --help' for usage.\n`);
      process.exitCode = 2;
      return;
    }
    // The build's symbols: conditional parts need theirs (default: every part accepted).
    const defines = await readConfiguration(argv);
    const { readInput, InputError } = await import("../frontend/bounded-input.ts");
    const { loadSchemaArgument } = await import("./options.ts");
    const { formatQemu } = await import("../model/source.ts");
    const { parseJsonForValidation, commandEnvelope, JsonSyntaxError, jsonPointer } = await import(
      "../../runtime/validate/index.ts"
    );

    const source = argv.file === "-" ? "<stdin>" : argv.file;
    let bytes: Uint8Array;
    try {
      bytes = await readInput(argv.file, { maxBytes: MAX_INPUT_BYTES, purpose: "JSON file" });
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      process.stderr.write(`qapi-ts: ${err.message}\n`);
      process.exitCode = 1; // as for every input file that cannot be read
      return;
    }
    let value: unknown;
    try {
      // Read as QEMU reads it: a command's arguments sit inside the command's message.
      const args = argv.command !== undefined && !argv.returns;
      value = parseJsonForValidation(bytes, args ? commandEnvelope(argv.command!) : undefined);
    } catch (err) {
      if (!(err instanceof JsonSyntaxError)) throw err;
      process.stderr.write(`${source}:${err.line}:${err.column}: ${printable(err.reason)}\n`);
      process.exitCode = 1;
      return;
    }

    const loaded = await loadSchemaArgument(argv.schema, { compat: argv.compat });
    // Only errors: warnings about the schema are `lint`'s business, not the value's.
    const messages = loaded.diagnostics
      .filter((d) => d.severity === "error")
      .map((d) => formatQemu(d) + "\n")
      .join("");
    if (messages) process.stderr.write(messages);
    if (!loaded.model) {
      process.exitCode = 1;
      return;
    }

    const validators = await loadValidators(loaded.model);
    const options = {
      deprecatedInput: argv["reject-deprecated"] ? ("reject" as const) : ("accept" as const),
      unstableInput: argv["reject-unstable"] ? ("reject" as const) : ("accept" as const),
      unknownMembers: argv["allow-unknown"] ? ("ignore" as const) : ("reject" as const),
      defines: defines ?? undefined,
    };
    const error =
      argv.command !== undefined
        ? argv.returns
          ? validators.validateCommandReturns(argv.command, value, options)
          : validators.validateCommandArguments(argv.command, value, options)
        : argv.event !== undefined
          ? validators.validateEvent(argv.event, value, options)
          : validators.validateType(argv.type!, value, options);
    if (error) {
      const where = error.path.length ? ` (at ${jsonPointer(error.path)})` : "";
      process.stderr.write(`${source}: ${error.message}${where}\n`);
      process.exitCode = 1;
      return;
    }
    process.exitCode = 0;
  },
};

/**
 * The bound on the input: QEMU refuses a message with more than 64 MiB of token text, so no
 * larger value (but for whitespace) is one it accepts; and the whole input is held in memory.
 */
const MAX_INPUT_BYTES = 64 * 1024 * 1024;

/** A message on one line: control characters (QEMU quotes them raw) as JSON escapes. */
function printable(message: string): string {
  return message.replace(
    /[\x00-\x1f\x7f]/g,
    (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"),
  );
}

/** Checked here, not with yargs' check(): the CLI's failure handler treats those as crashes. */
function usageError(a: ValidateArgs): string | null {
  const chosen = [a.command, a.event, a.type].filter((x) => x !== undefined).length;
  if (chosen !== 1) return "name exactly one of --command, --event or --type";
  if (a.returns && a.command === undefined) return "--returns goes with --command";
  if (a.schema === "-" && a.file === "-")
    return "standard input (-) can be read once: give the schema or the value as a file";
  return null;
}
