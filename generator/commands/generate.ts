// `qapi-ts generate [SCHEMA] [-o DIR] [-D SYMBOL]... [--defines FILE] [--compat]`: the main job.
// Front end, then every back end (types, introspection payload, ...), then the writer. The
// defaults are the project's own: qapi/qapi-schema.json into generated/.
import type { CommandModule } from "yargs";
import type { BackendOptions, GeneratedFile } from "../backend.ts";
import type { SchemaModel } from "../model.ts";

/** Every back end's files for one model, in a fixed order (loaded lazily: start-up matters). */
export async function generateFiles(model: SchemaModel, options: BackendOptions): Promise<GeneratedFile[]> {
  const [{ typescriptBackend }, { validatorsBackend }, { jsonSchemaBackend }, { introspectionModule }] =
    await Promise.all([
      import("../backends/typescript.ts"),
      import("../backends/validators.ts"),
      import("../backends/json-schema.ts"),
      import("../backends/introspect-module.ts"),
    ]);
  return [typescriptBackend, validatorsBackend, jsonSchemaBackend, introspectionModule].flatMap((backend) =>
    backend(model, options),
  );
}

interface GenerateArgs {
  schema: string;
  output: string;
  define: string[];
  defines: string | undefined;
  compat: boolean;
  quiet: boolean;
}

export const generateCommand: CommandModule<object, GenerateArgs> = {
  command: "generate [schema]",
  describe: "Generate TypeScript (types, introspection payload, ...) from a QAPI schema",
  builder: (y) =>
    y
      .positional("schema", {
        type: "string",
        default: "qapi/qapi-schema.json",
        describe: "the main schema file",
      })
      .option("output", { alias: "o", type: "string", default: "generated", describe: "output directory" })
      .option("define", {
        alias: "D",
        type: "string",
        // One symbol per -D (an array option would swallow the schema that follows it).
        default: [],
        coerce: (v: string | string[]) => ([] as string[]).concat(v),
        describe: "a condition symbol that holds; with -D or --defines, conditions are evaluated now",
      })
      .option("defines", { type: "string", describe: "file of condition symbols that hold, one per line" })
      .option("compat", {
        type: "boolean",
        default: false,
        describe: "accept the legacy dialect of QEMU before 6.2 (warnings on stderr)",
      })
      .option("quiet", { alias: "q", type: "boolean", default: false, describe: "no summary line" }) as never,
  handler: async (argv) => {
    const { readFileSync } = await import("node:fs");
    let defines: Set<string> | null = null;
    if (argv.define.some((s) => s.trim() === "")) {
      process.stderr.write("qapi-ts: -D needs a condition symbol\nRun 'qapi-ts --help' for usage.\n");
      process.exitCode = 2;
      return;
    }
    if (argv.define.length > 0 || argv.defines !== undefined) {
      defines = new Set(argv.define.map((s) => s.trim()));
      if (argv.defines !== undefined) {
        let text: string;
        try {
          text = readFileSync(argv.defines, "utf8");
        } catch (err) {
          process.stderr.write(`qapi-ts: cannot read defines file ${argv.defines}: ${(err as Error).message}\n`);
          process.exitCode = 2;
          return;
        }
        for (const line of text.split("\n")) {
          const sym = line.trim();
          if (sym !== "" && !sym.startsWith("#")) defines.add(sym);
        }
      }
    }

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
