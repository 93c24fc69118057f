// `qapi-ts generate [SCHEMA] [-o DIR] [-D SYMBOL]... [--defines FILE] [--compat]`: the main job.
// Front end, then every back end (types, introspection payload, ...), then the writer. The
// defaults are the project's own: qapi/qapi-schema.json into generated/.
import type { CommandModule } from "yargs";
import {
  compatOption,
  configurationOptions,
  readConfiguration,
  type ConfigurationArgs,
} from "./options.ts";
import type { BackendOptions, GeneratedFile } from "../backend.ts";
import type { SchemaModel } from "../model.ts";

/** Every back end's files for one model, in a fixed order (loaded lazily: start-up matters). */
export async function generateFiles(
  model: SchemaModel,
  options: BackendOptions,
): Promise<GeneratedFile[]> {
  const [
    { typescriptBackend },
    { validatorsBackend },
    { jsonSchemaBackend },
    { introspectionModule },
  ] = await Promise.all([
    import("../backends/typescript.ts"),
    import("../backends/validators.ts"),
    import("../backends/json-schema.ts"),
    import("../backends/introspect-module.ts"),
  ]);
  return [typescriptBackend, validatorsBackend, jsonSchemaBackend, introspectionModule].flatMap(
    (backend) => backend(model, options),
  );
}

interface GenerateArgs extends ConfigurationArgs {
  schema: string;
  output: string;
  compat: boolean;
  quiet: boolean;
}

export const generateCommand: CommandModule<object, GenerateArgs> = {
  command: "generate [schema]",
  describe: "Generate TypeScript (types, introspection payload, ...) from a QAPI schema",
  builder: (y) =>
    compatOption(configurationOptions(y))
      .positional("schema", {
        type: "string",
        default: "qapi/qapi-schema.json",
        describe: "the main schema file",
      })
      .option("output", {
        alias: "o",
        type: "string",
        default: "generated",
        describe: "output directory",
      })
      .option("quiet", {
        alias: "q",
        type: "boolean",
        default: false,
        describe: "no summary line",
      }) as never,
  handler: async (argv) => {
    // With -D or --defines, conditions are evaluated now; without, kept in the output.
    const defines = await readConfiguration(argv);

    const { loadSchema } = await import("../frontend.ts");
    const { formatQemu } = await import("../source.ts");
    const result = loadSchema(argv.schema, { compat: argv.compat });
    const messages = result.diagnostics.map((d) => formatQemu(d) + "\n").join("");
    if (messages) process.stderr.write(messages);
    if (!result.model) {
      process.exitCode = 1;
      return;
    }

    const { writeGenerated, WriteError } = await import("../writer.ts");
    const { QAPIError } = await import("../source.ts");
    let files: GeneratedFile[];
    try {
      files = await generateFiles(result.model, { defines, schemaFile: argv.schema });
    } catch (err) {
      // What a back end cannot express (e.g. two definitions with one TypeScript name).
      if (!(err instanceof QAPIError)) throw err;
      process.stderr.write(formatQemu(err.diagnostic) + "\n");
      process.exitCode = 1;
      return;
    }
    try {
      const r = writeGenerated(argv.output, files);
      if (!argv.quiet)
        process.stdout.write(
          `${argv.output}: ${files.length} files, ${r.written.length} written, ` +
            `${r.unchanged.length} unchanged, ${r.removed.length} removed\n`,
        );
    } catch (err) {
      if (!(err instanceof WriteError)) throw err;
      process.stderr.write(`qapi-ts: ${err.message}\n`);
      process.exitCode = 2;
    }
  },
};
