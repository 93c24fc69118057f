// `qapi-ts lint SCHEMA...`: every error the front end finds (not only the first, as QEMU's
// generator stops at), then lint's own rules (services/lint-rules.ts) on schemas without errors; printed
// as QEMU prints diagnostics (default), as compiler-style one-liners (gcc) or as JSON for CI.
// Exit 0 clean, 1 errors (or, with --strict, warnings).
import type { CommandModule } from "yargs";
import { compatOption } from "./options.ts";
import { LINT_RULES } from "../services/lint-rules.ts";

interface LintArgs {
  schema: string[];
  compat: boolean;
  strict: boolean;
  format: "qemu" | "gcc" | "json";
  "max-errors": string;
  rule: string[];
  "no-rule": string[];
  history?: string;
}

const DEFAULT_MAX_ERRORS = 100;

export const lintCommand: CommandModule<object, LintArgs> = {
  command: "lint <schema..>",
  describe: "Check QAPI schemas as QEMU's generator does, reporting every error",
  builder: (y) =>
    compatOption(y)
      // `--no-rule NAME` is an option of its own, not the negation of --rule.
      .parserConfiguration({ "boolean-negation": false })
      .positional("schema", {
        type: "string",
        array: true,
        demandOption: true,
        describe: "main schema files (-: standard input)",
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
      })
      .option("max-errors", {
        type: "string",
        default: String(DEFAULT_MAX_ERRORS),
        requiresArg: true,
        describe: "stop after this many errors in a schema (0: no limit)",
      })
      .option("rule", {
        type: "string",
        array: true,
        nargs: 1,
        requiresArg: true,
        default: [],
        describe: `run only this lint rule (repeatable); rules: ${LINT_RULES.map((r) => `${r.name} (${r.summary}${r.byDefault ? "" : "; off unless named"})`).join("; ")}`,
      })
      .option("no-rule", {
        type: "string",
        array: true,
        nargs: 1,
        requiresArg: true,
        default: [],
        describe: "do not run this lint rule (repeatable)",
      })
      .check((argv) => {
        const max = argv["max-errors"];
        if (!/^\d+$/.test(max))
          return `--max-errors: expected a whole number, 0 or more, not '${max}'`;
        const stdin = [...argv.schema, argv.history].filter((f) => f === "-").length;
        if (stdin > 1) return "standard input (-) can be read once";
        return true;
      }),
  handler: async (argv) => {
    const { loadSchemaArgument } = await import("./options.ts");
    const { compareLocations } = await import("../frontend/diagnostics.ts");
    const { formatQemu, formatGcc, toJson } = await import("../model/source.ts");
    const { runLint, selectRules } = await import("../services/lint.ts");
    const rules = selectRules(argv.rule, argv["no-rule"]);
    if (typeof rules === "string") {
      process.stderr.write(`qapi-ts: ${rules}\nRun 'qapi-ts lint --help' for usage.\n`);
      process.exitCode = 2;
      return;
    }
    const since =
      argv.history === undefined
        ? () => []
        : await (await import("./release-inputs.ts")).sinceCheckOrExit(argv.history);
    const max = Number(argv["max-errors"]);
    const all = [];
    for (const s of argv.schema) {
      const r = await loadSchemaArgument(s, {
        compat: argv.compat,
        diagnostics: "all",
        maxErrors: max === 0 ? Infinity : max,
      });
      if (!r.model) all.push(...r.diagnostics);
      // lint's findings among the front end's warnings, in file order
      else
        all.push(
          ...[...r.diagnostics, ...runLint(r.model, rules), ...since(r.model)].sort(
            compareLocations,
          ),
        );
    }
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
