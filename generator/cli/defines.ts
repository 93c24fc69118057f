// `qapi-ts defines SCHEMA REPLY`: the build symbols of the QEMU build that returned REPLY (a
// recorded query-qmp-schema reply), inferred from what it has and lacks of SCHEMA (compat/infer.ts).
// The text output is a defines file (`--defines`): the defined symbols one per line, the others
// as comments, each with its evidence. Exit 0; 2 on usage and input errors (as diff).
import type { CommandModule } from "yargs";
import { compatOption, writeOutput } from "./options.ts";

interface DefinesArgs {
  schema: string;
  reply: string;
  compat: boolean;
  json: boolean;
  output?: string;
}

export const definesCommand: CommandModule<object, DefinesArgs> = {
  command: "defines <schema> <reply>",
  describe: "Infer a QEMU build's condition symbols from its query-qmp-schema reply",
  builder: (y) =>
    compatOption(y, "accept the legacy dialect of QEMU before 6.2 in SCHEMA")
      .positional("schema", {
        type: "string",
        demandOption: true,
        describe: "the QAPI schema the build was made from (read whole, conditions kept)",
      })
      .positional("reply", {
        type: "string",
        demandOption: true,
        describe: "the build's query-qmp-schema reply (JSON)",
      })
      .option("json", {
        type: "boolean",
        default: false,
        describe: "one object per symbol: value and evidence",
      })
      .option("output", {
        alias: "o",
        type: "string",
        requiresArg: true,
        describe: "Write to FILE, not stdout",
      })
      .epilogue(
        "A symbol is defined (or undefined) when every assignment that best explains what the " +
          "reply has and lacks agrees; unknown when the reply cannot tell. The text output is " +
          "usable as --defines: undefined and unknown symbols are comments.",
      )
      .example("$0 defines qapi/qapi-schema.json reply.json -o build.defines", "")
      .example("$0 diff qapi/qapi-schema.json reply.json --old-defines build.defines", ""),
  handler: async (argv) => {
    const [{ readInputOrExit }, { inferSymbols, describeEvidence }, { WalkLimitError }] =
      await Promise.all([
        import("./release-inputs.ts"),
        import("../compat/infer.ts"),
        import("../compat/walk.ts"),
      ]);
    const config = { define: [], definesFiles: [], compat: argv.compat };
    const schema = await readInputOrExit(argv.schema, config);
    const reply = await readInputOrExit(argv.reply, config);
    // A schema read without symbols keeps its conditions; a reply is one build.
    const misplaced = !schema.conditional
      ? `${argv.schema} is a query-qmp-schema reply: give the schema first`
      : reply.conditional
        ? `${argv.reply} is a schema: give the build's query-qmp-schema reply second`
        : null;
    if (misplaced) {
      process.stderr.write(`qapi-ts defines: ${misplaced}\n`);
      process.exit(2);
    }
    let inference;
    try {
      inference = inferSymbols(schema, reply);
    } catch (e) {
      if (!(e instanceof WalkLimitError)) throw e;
      process.stderr.write(`qapi-ts defines: ${argv.schema}, ${argv.reply}: ${e.message}\n`);
      process.exit(2);
    }
    const { symbols, contradicted } = inference;
    if (argv.json) {
      await writeOutput(JSON.stringify({ symbols, contradicted }, null, 2) + "\n", argv.output);
      return;
    }
    const count = (v: string): number => symbols.filter((s) => s.value === v).length;
    const lines = [
      `# Build symbols of ${argv.reply}, inferred from what it has and lacks of ${argv.schema}`,
      `# (qapi-ts defines): ${count("defined")} defined, ${count("undefined")} undefined, ` +
        `${count("unknown")} unknown (the reply cannot tell).`,
    ];
    if (contradicted.length)
      lines.push(
        `# ${contradicted.length} thing${contradicted.length === 1 ? "" : "s"} the reply lacks ` +
          `though ${contradicted.length === 1 ? "its condition holds" : "their conditions hold"} ` +
          `(another release?), e.g. ${contradicted[0]!.path}`,
      );
    for (const value of ["defined", "undefined", "unknown"] as const)
      for (const s of symbols.filter((x) => x.value === value)) {
        const why = s.evidence[0] ? `  # ${describeEvidence(s.evidence[0])}` : "";
        lines.push(value === "defined" ? `${s.symbol}${why}` : `# ${value}: ${s.symbol}${why}`);
      }
    await writeOutput(lines.join("\n") + "\n", argv.output);
  },
};
