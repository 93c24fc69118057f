// `qapi-ts introspect SCHEMA`: the query-qmp-schema payload a QEMU built with the given symbols
// returns, as JSON indented by one space (the layout of QEMU's expected payload files).
import type { CommandModule } from "yargs";
import {
  compatOption,
  configurationOptions,
  fail,
  loadModelOrExit,
  readConfiguration,
  type ConfigurationArgs,
} from "./options.ts";

interface IntrospectArgs extends ConfigurationArgs {
  schema: string;
  unmask: boolean;
  compat: boolean;
  output?: string;
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

export const introspectCommand: CommandModule<object, IntrospectArgs> = {
  command: "introspect <schema>",
  describe: "Print the query-qmp-schema payload for a build configuration",
  builder: (y) =>
    compatOption(configurationOptions(y))
      .positional("schema", {
        type: "string",
        demandOption: true,
        describe: "The main schema file",
      })
      .option("unmask", {
        type: "boolean",
        default: false,
        describe: "Real type names instead of numbers",
      })
      .option("output", {
        alias: "o",
        type: "string",
        requiresArg: true,
        describe: "Write to FILE, not stdout",
      })
      .example("$0 introspect qapi-schema.json --defines linux.defines", ""),
  handler: async (args) => {
    const defines = (await readConfiguration(args)) ?? new Set<string>();
    const model = await loadModelOrExit(args.schema, { compat: args.compat });
    const { buildIntrospection, formatIntrospection } = await import("../introspect.ts");
    const payload = buildIntrospection(model, { defines, unmask: args.unmask });
    await writeOutput(formatIntrospection(payload), args.output);
  },
};
