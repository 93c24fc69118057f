// `qapi-ts history NAME=INPUT...`: for every wire path over a series of releases (oldest first),
// the release it appears in, the one it disappears in, and those in which it is deprecated or
// unstable. Inputs as for `diff` (schemas or query-qmp-schema replies; NAME=- reads standard
// input). Exit 0; 1 when --path names something no release has, or an input cannot be read or
// has errors (as for every command); 2 on usage errors and an unwritable output.
import type { CommandModule } from "yargs";
import {
  compatOption,
  configurationOptions,
  writeOutput,
  type ConfigurationArgs,
} from "./options.ts";

interface HistoryArgs extends ConfigurationArgs {
  release: string[];
  compat: boolean;
  path?: string;
  format: "text" | "json";
  output?: string;
}

export const historyCommand: CommandModule<object, HistoryArgs> = {
  command: "history <release..>",
  describe: "When each part of the wire protocol appeared, went, or was deprecated",
  builder: (y) =>
    compatOption(configurationOptions(y), "accept the legacy dialect of QEMU before 6.2")
      .positional("release", {
        type: "string",
        array: true,
        demandOption: true,
        describe:
          "NAME=FILE, oldest first: a release name and its schema or query-qmp-schema reply",
      })
      .option("path", {
        type: "string",
        requiresArg: true,
        describe: "the history of one path only, e.g. blockdev-add/arg-type/+file/aio",
      })
      .option("format", {
        choices: ["text", "json"] as const,
        default: "text" as const,
        describe: "text, or the JSON that lint --history reads",
      })
      .option("output", {
        alias: "o",
        type: "string",
        requiresArg: true,
        describe: "Write to FILE (replaced whole), not stdout",
      })
      .epilogue("-D and --defines apply to every schema given; replies take none.")
      .example(
        "$0 history 9.2=qemu-9.2.json 10.0=qemu-10.0.json 10.2=qapi/qapi-schema.json --format json -o history.json",
        "",
      ),
  handler: async (argv) => {
    const releases = argv.release.map((r) => {
      const eq = r.indexOf("=");
      if (eq <= 0 || eq === r.length - 1) {
        process.stderr.write(
          `qapi-ts history: '${r}': expected NAME=FILE\nRun 'qapi-ts history --help' for usage.\n`,
        );
        process.exit(2);
      }
      return { name: r.slice(0, eq), file: r.slice(eq + 1) };
    });
    const names = new Set(releases.map((r) => r.name));
    if (names.size !== releases.length) {
      process.stderr.write(`qapi-ts history: release names must differ\n`);
      process.exit(2);
    }
    if (releases.filter((r) => r.file === "-").length > 1) {
      process.stderr.write(`qapi-ts history: standard input (-) can be read once\n`);
      process.exit(2);
    }
    const [{ readInputOrExit }, { buildHistory, canonicalPath, historyOfPath }, { formatHistory }] =
      await Promise.all([
        import("./release-inputs.ts"),
        import("../compat/history.ts"),
        import("../compat/format.ts"),
      ]);
    const config = {
      define: argv.define ?? [],
      definesFiles: argv.defines !== undefined ? [argv.defines] : [],
      compat: argv.compat,
    };
    const wires = [];
    // (Every file read, includes too, is an input that -o must not write over.)
    const filesRead: string[] = [];
    for (const r of releases)
      wires.push({ name: r.name, wire: await readInputOrExit(r.file, config, false, filesRead) });
    const { WalkLimitError } = await import("../compat/walk.ts");
    const { QueryError } = await import("../../runtime/introspection.ts");
    let history;
    try {
      history = buildHistory(wires);
      if (argv.path !== undefined) {
        const path = canonicalPath(argv.path);
        const entry = historyOfPath(wires, history, path);
        // (A record without a prototype: the path may be called `__proto__`.)
        const paths = Object.create(null) as typeof history.paths;
        if (entry) paths[path] = entry;
        history = { releases: history.releases, paths };
        if (!entry) {
          process.stderr.write(`qapi-ts history: ${path}: in none of the releases\n`);
          process.exitCode = 1;
        }
      }
    } catch (e) {
      if (e instanceof QueryError) {
        process.stderr.write(`qapi-ts history: --path: ${e.message}\n`);
        process.exit(2);
      }
      if (!(e instanceof WalkLimitError)) throw e;
      const files = releases.map((r) => r.file).join(", ");
      process.stderr.write(`qapi-ts history: ${files}: ${e.message}\n`);
      process.exit(2);
    }
    const inputs = [...releases.map((r) => r.file), ...filesRead, ...config.definesFiles].filter(
      (f) => f !== "-",
    );
    await writeOutput(formatHistory(history, argv.format), argv.output, inputs);
  },
};
