// `qapi-ts diff OLD NEW`: the changes of the wire protocol between two schemas or recorded
// query-qmp-schema replies, each judged by QEMU's compatibility rules. Exit 0 when nothing
// breaks, 1 when something does or an input cannot be read or has errors (as for every
// command), 2 on usage errors: a CI gate on schema changes.
import type { Argv, CommandModule } from "yargs";
import { compatOption, configurationOptions, type ConfigurationArgs } from "./options.ts";

interface DiffArgs extends ConfigurationArgs {
  old: string;
  new: string;
  oldDefine?: string[];
  oldDefines?: string;
  newDefine?: string[];
  newDefines?: string;
  compat: boolean;
  format: "text" | "json" | "markdown";
  allowDeprecated: boolean;
}

/** Per-side -D/--defines: `--old-define`, `--old-defines`, `--new-define`, `--new-defines`. */
function sideOptions<T>(y: Argv<T>, side: "old" | "new"): Argv<T> {
  return y
    .option(`${side}-define`, {
      type: "string",
      array: true,
      nargs: 1,
      requiresArg: true,
      describe: `Condition symbol defined in the ${side.toUpperCase()} build only (repeatable)`,
    })
    .option(`${side}-defines`, {
      type: "string",
      requiresArg: true,
      describe: `File of symbols defined in the ${side.toUpperCase()} build only`,
    });
}

export const diffCommand: CommandModule<object, DiffArgs> = {
  command: "diff <old> <new>",
  describe: "Compare the wire protocol of two schemas or query-qmp-schema replies",
  builder: (y) =>
    sideOptions(
      sideOptions(
        compatOption(configurationOptions(y), "accept the legacy dialect of QEMU before 6.2"),
        "old",
      ),
      "new",
    )
      .positional("old", {
        type: "string",
        demandOption: true,
        describe: "schema or query-qmp-schema reply (JSON) before the change",
      })
      .positional("new", {
        type: "string",
        demandOption: true,
        describe: "schema or query-qmp-schema reply after the change",
      })
      .option("format", {
        choices: ["text", "json", "markdown"] as const,
        default: "text" as const,
        describe: "text (release notes), json (one object per change), markdown",
      })
      .option("allow-deprecated", {
        type: "boolean",
        default: false,
        describe: "pass breaking changes to things deprecated, unstable or x- named before",
      })
      .epilogue(
        "A schema without build symbols (-D, --defines, --old-*, --new-*) is compared whole, " +
          "conditions included (compared when both sides carry them); -D and --defines apply " +
          "to whichever sides are schemas. Exit 0: nothing breaks; 1: something breaks, or an " +
          "input cannot be read or has errors; 2: usage error. - reads standard input.",
      )
      .example("$0 diff old/qapi-schema.json qapi/qapi-schema.json", "")
      .example(
        "$0 diff qemu-9.2.json qapi/qapi-schema.json --new-defines linux-x86_64.defines --format json",
        "",
      ) as never,
  handler: async (argv) => {
    if (argv.old === "-" && argv.new === "-") {
      const { usageExit } = await import("./qmp.ts");
      usageExit("diff", "standard input (-) can be read once");
    }
    const [{ readInputOrExit }, { diffWire }, { judge, isExcused }, { formatChanges }] =
      await Promise.all([
        import("./release-inputs.ts"),
        import("../compat/diff.ts"),
        import("../compat/verdicts.ts"),
        import("../compat/format.ts"),
      ]);
    const side = (define: string[] | undefined, defines: string | undefined) => ({
      define: [...(argv.define ?? []), ...(define ?? [])],
      definesFiles: [argv.defines, defines].filter((f): f is string => f !== undefined),
      compat: argv.compat,
    });
    const own = (define: string[] | undefined, defines: string | undefined): boolean =>
      !!define?.length || defines !== undefined;
    const old = await readInputOrExit(
      argv.old,
      side(argv.oldDefine, argv.oldDefines),
      own(argv.oldDefine, argv.oldDefines),
    );
    const neu = await readInputOrExit(
      argv.new,
      side(argv.newDefine, argv.newDefines),
      own(argv.newDefine, argv.newDefines),
    );
    const changes = judge(diffWire(old, neu));
    process.stdout.write(formatChanges(changes, argv.format));
    const breaks = changes.some((c) => c.breaking && !isExcused(c, argv.allowDeprecated));
    process.exitCode = breaks ? 1 : 0;
  },
};
