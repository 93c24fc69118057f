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
  inferDefines: boolean;
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
      .option("infer-defines", {
        type: "boolean",
        default: true,
        describe:
          "a schema read whole against one build (a reply): infer the build's symbols from it " +
          "and list apart what its configuration explains (--no-infer-defines: do not)",
      })
      .option("allow-deprecated", {
        type: "boolean",
        default: false,
        describe: "pass breaking changes to things deprecated, unstable or x- named before",
      })
      .epilogue(
        "A schema without build symbols (-D, --defines, --old-*, --new-*) is compared whole, " +
          "conditions included (compared when both sides carry them); -D and --defines apply " +
          "to whichever sides are schemas. Against one build (a reply), the build's symbols are " +
          "inferred from it (qapi-ts defines shows them): what a false condition explains is " +
          "listed apart, never breaking. Exit 0: nothing breaks; 1: something breaks, or an " +
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
    const [
      { readInputOrExit },
      { diffWire },
      { judge, isExcused },
      { formatChanges },
      { inferSymbols },
      { WalkLimitError },
    ] = await Promise.all([
      import("./release-inputs.ts"),
      import("../compat/diff.ts"),
      import("../compat/verdicts.ts"),
      import("../compat/format.ts"),
      import("../compat/infer.ts"),
      import("../compat/walk.ts"),
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
    // One side read whole (conditions kept), the other one build: infer that build's symbols.
    const whole = old.conditional === neu.conditional ? null : old.conditional ? 0 : 1;
    let changes;
    let inferred = "";
    try {
      let oracle = null;
      if (whole !== null && argv.inferDefines) {
        const inference = inferSymbols(whole === 0 ? old : neu, whole === 0 ? neu : old);
        oracle = { side: whole, holds: inference.holds } as const;
        const count = (v: string): number => inference.symbols.filter((x) => x.value === v).length;
        inferred =
          `Conditions of ${whole === 0 ? argv.old : argv.new} evaluated for the build of ` +
          `${whole === 0 ? argv.new : argv.old}, with symbols inferred from it: ` +
          `${count("defined")} defined, ${count("undefined")} undefined, ${count("unknown")} unknown.`;
      }
      changes = judge(diffWire(old, neu, oracle));
    } catch (e) {
      if (!(e instanceof WalkLimitError)) throw e;
      process.stderr.write(`qapi-ts diff: ${argv.old}, ${argv.new}: ${e.message}\n`);
      process.exit(2);
    }
    let out = formatChanges(changes, argv.format);
    if (inferred && argv.format !== "json")
      out += argv.format === "markdown" ? `\n${inferred}\n` : `${inferred}\n`;
    process.stdout.write(out);
    const breaks = changes.some((c) => c.breaking && !isExcused(c, argv.allowDeprecated));
    process.exitCode = breaks ? 1 : 0;
  },
};
