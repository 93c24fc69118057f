// `qapi-ts dump SCHEMA`: the checked model in the format of QEMU's front-end tests (*.out).
// Errors are QEMU's text on stderr, exit 1.
import type { CommandModule } from "yargs";
import { schemaArgument } from "./options.ts";

interface DumpArgs {
  schema: string;
  compat: boolean;
}

export const dumpCommand: CommandModule<object, DumpArgs> = {
  command: "dump <schema>",
  describe: "Print the checked schema model (QEMU's test dump format)",
  builder: (y) => schemaArgument(y),
  handler: async (argv) => {
    const { loadSchemaArgument } = await import("./options.ts");
    const { dumpModel } = await import("../services/dump.ts");
    const { formatQemu } = await import("../model/source.ts");
    const result = await loadSchemaArgument(argv.schema, { compat: argv.compat });
    const messages = result.diagnostics.map((d) => formatQemu(d) + "\n").join("");
    if (messages) process.stderr.write(messages);
    if (result.model) process.stdout.write(dumpModel(result.model));
    process.exitCode = result.model ? 0 : 1;
  },
};
