// `qapi-ts lint SCHEMA...`: the front end's checks, reported as QEMU prints them (default), as
// compiler-style one-liners (gcc) or as JSON for CI. Exit 0 clean, 1 errors (or, with --strict,
// warnings).
import type { CommandModule } from "yargs";
import { compatOption } from "./options.ts";

interface LintArgs {
  schema: string[];
  compat: boolean;
  strict: boolean;
  format: "qemu" | "gcc" | "json";
  history?: string;
}

export const lintCommand: CommandModule<object, LintArgs> = {
  command: "lint <schema..>",
  describe: "Check QAPI schemas as QEMU's generator does",
  builder: (y) =>
    compatOption(y)
      .positional("schema", {
        type: "string",
        array: true,
        demandOption: true,
        describe: "main schema files",
      })
      .option("strict", {
        type: "boolean",
        default: false,
        describe: "fail (exit 1) on warnings too",
      })
      .option("format", {
        choices: ["qemu", "gcc", "json"] as const,
        default: "qemu" as const,
        describe: "how to print diagnostics",
      })
      .option("history", {
        type: "string",
        requiresArg: true,
        describe:
          "warn on Since claims that contradict this history (qapi-ts history --format json)",
      }) as never,
  handler: async (argv) => {
    const { loadSchema } = await import("../frontend.ts");
    const { formatQemu, formatGcc, toJson } = await import("../source.ts");
    const { markerWarnings } = await import("../features.ts");
    const since =
      argv.history === undefined
        ? () => []
        : await (await import("../compat/cli-input.ts")).sinceCheckOrExit(argv.history);
    const all = argv.schema.flatMap((s) => {
      const r = loadSchema(s, { compat: argv.compat });
      return r.model
        ? [...r.diagnostics, ...markerWarnings(r.model), ...since(r.model)]
        : r.diagnostics;
    });
    if (argv.format === "json")
      process.stdout.write(JSON.stringify(all.map(toJson), null, 2) + "\n");
    else {
      const fmt = argv.format === "gcc" ? formatGcc : formatQemu;
      const text = all.map((d) => fmt(d) + "\n").join("");
      if (text) process.stderr.write(text);
    }
    const failed = all.some((d) => d.severity === "error" || argv.strict);
    process.exitCode = failed ? 1 : 0;
  },
};
