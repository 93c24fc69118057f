// `qapi-ts features SCHEMA`: every feature and marker member a client can probe, with where it
// attaches, its condition and its documentation. With -D/--defines, only those present in that
// build (`--defines /dev/null` asks for a build with nothing defined).
import type { CommandModule } from "yargs";
import {
  configurationOptions,
  loadModelOrExit,
  readConfiguration,
  schemaArgument,
  writeOutput,
  type ConfigurationArgs,
} from "./options.ts";

interface FeaturesArgs extends ConfigurationArgs {
  schema: string;
  json: boolean;
  compat: boolean;
}

export const featuresCommand: CommandModule<object, FeaturesArgs> = {
  command: "features <schema>",
  describe: "List the features and marker members of a schema",
  builder: (y) =>
    schemaArgument(configurationOptions(y)).option("json", {
      type: "boolean",
      default: false,
      describe: "One JSON array instead of text",
    }),
  handler: async (args) => {
    const defines = await readConfiguration(args);
    const { model } = await loadModelOrExit(args.schema, { compat: args.compat });
    const { findProbeItems, formatProbeItems, isPresent, probeItemJson } = await import(
      "../services/features.ts"
    );
    let items = findProbeItems(model);
    if (defines) items = items.filter((i) => isPresent(i, defines));
    await writeOutput(
      args.json
        ? JSON.stringify(items.map(probeItemJson), null, 2) + "\n"
        : formatProbeItems(items),
      undefined,
    );
  },
};
