// `qapi-ts introspect SCHEMA`: the query-qmp-schema payload a QEMU built with the given symbols
// returns, as JSON indented by one space (the layout of QEMU's expected payload files).
import type { CommandModule } from "yargs";
import {
  configurationOptions,
  loadModelOrExit,
  readConfiguration,
  schemaArgument,
  writeOutput,
  type ConfigurationArgs,
} from "./options.ts";

interface IntrospectArgs extends ConfigurationArgs {
  schema: string;
  unmask: boolean;
  compat: boolean;
  output?: string;
}

export const introspectCommand: CommandModule<object, IntrospectArgs> = {
  command: "introspect <schema>",
  describe: "Print the query-qmp-schema payload for a build configuration",
  builder: (y) =>
    schemaArgument(configurationOptions(y))
      .option("unmask", {
        type: "boolean",
        default: false,
        describe: "Real type names instead of numbers",
      })
      .option("output", {
        alias: "o",
        type: "string",
        requiresArg: true,
        describe: "Write to FILE (replaced whole), not stdout",
      })
      .example("$0 introspect qapi-schema.json --defines linux.defines", ""),
  handler: async (args) => {
    const defines = (await readConfiguration(args)) ?? new Set<string>();
    const { model, files } = await loadModelOrExit(args.schema, { compat: args.compat });
    const { buildIntrospection, formatIntrospection } = await import(
      "../model/introspection-tree.ts"
    );
    const payload = buildIntrospection(model, { defines, unmask: args.unmask });
    const inputs = [...files, ...(args.defines !== undefined ? [args.defines] : [])];
    await writeOutput(formatIntrospection(payload), args.output, inputs);
  },
};
