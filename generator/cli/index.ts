// The qapi-ts command line. Each subcommand lives in generator/cli/<name>.ts and exports a
// yargs CommandModule whose handler imports the heavy stages lazily, so that `--help` or a
// subcommand loads only what it uses (start-up time is part of every command's cost).
//
// Exit codes shared by all subcommands (the README's table): 0 success, 1 the input has errors
// or cannot be read (or the command's own negative answer: a query not found, a breaking
// change), 2 usage errors and failures of the tool's own environment (an unwritable output,
// standard output included; an unreachable QEMU).

import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { commands } from "./commands.ts";
import { VERSION } from "../codegen/version.ts";
import { strerror } from "../frontend/bounded-input.ts";

// Output piped into `head` and the like: the reader is gone, the command has nothing more to do.
// Any other failure to write (a full disk) is the environment's: exit 2, never a silent success.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(0);
  process.stderr.write(`qapi-ts: can't write standard output: ${strerror(e)}\n`);
  process.exit(2);
});

/**
 * yargs loses a lone `-` (it reads it as an option without a name), and keeps the words after
 * `--` out of the command's positional arguments. Both are passed to yargs marked (a NUL, which
 * no argument can hold, in front), so that yargs takes them as positional words, and unmarked
 * once parsed: `-` means standard input, and `generate -- x.json` reads x.json.
 */
const MARK = "\0";

function markArguments(args: string[]): string[] {
  const end = args.indexOf("--");
  return args.flatMap((a, i) =>
    i === end ? [] : (end >= 0 && i > end) || a === "-" ? [MARK + a] : [a],
  );
}

function unmark<T>(value: T): T {
  if (typeof value === "string" && value.startsWith(MARK)) return value.slice(1) as T;
  if (Array.isArray(value)) return value.map(unmark) as T;
  return value;
}

/** The subcommand a command line runs (for the pointer to its help), or "". */
function subcommand(args: string[]): string {
  const names = new Set(commands.map((c) => String(c.command).split(" ")[0]));
  return args.find((a) => names.has(a)) ?? "";
}

async function main(): Promise<void> {
  const args = hideBin(process.argv);
  let cli = yargs(markArguments(args))
    .scriptName("qapi-ts")
    .strict()
    .demandCommand(1, "Name a command (qapi-ts --help lists them).")
    .recommendCommands()
    .help()
    .version(VERSION)
    .wrap(Math.min(100, process.stdout.columns || 100))
    .middleware((argv) => {
      for (const key of Object.keys(argv)) argv[key] = unmark(argv[key]);
    }, true)
    .fail((msg, err: unknown) => {
      // yargs' own validation (requiresArg, ...) raises YError, and a check() hands over its
      // message: a usage error. Anything else thrown from a handler is a bug, reported below.
      if (err instanceof Error && err.name !== "YError") throw err;
      const text = (msg ?? (err instanceof Error ? err.message : String(err))).replaceAll(MARK, "");
      const help = ["qapi-ts", subcommand(args), "--help"].filter(Boolean).join(" ");
      process.stderr.write(`qapi-ts: ${text}\nRun '${help}' for usage.\n`);
      process.exit(2);
    });
  // (Each command module is typed by its own arguments; the list holds them all.)
  // eslint-disable-next-line @typescript-eslint/no-unsafe-argument
  for (const c of commands) cli = cli.command(c);
  skipHelpPrerender(cli);
  await cli.parseAsync();
  exitOnceWritten();
}

/**
 * Every command has finished its work when its handler's promise settles. Node would still run
 * the tasks V8 has queued before exiting (a garbage collection of a heap about to be freed, most
 * often): exit once the output is written instead.
 */
function exitOnceWritten(): void {
  // (After the write's callback, a failed write's error event is still to come: it decides.)
  process.stdout.write("", () =>
    setImmediate(() => process.stderr.write("", () => process.exit())),
  );
}

/**
 * yargs renders a subcommand's whole help after starting its handler, in case the handler asks
 * for it; ours never do (failures are diagnostics, and `fail` above prints no help), and the
 * rendering (text wrapping of every option) costs milliseconds on every run. The hook is yargs'
 * internal one (the version is pinned); should it go, yargs renders as before.
 */
function skipHelpPrerender(cli: object): void {
  type Usage = { cacheHelpMessage?: () => void };
  type Internal = { getInternalMethods?: () => { getUsageInstance?: () => Usage } };
  const usage = (cli as Internal).getInternalMethods?.().getUsageInstance?.();
  if (usage?.cacheHelpMessage) usage.cacheHelpMessage = () => {};
}

main().catch((err: unknown) => {
  // A bug in qapi-ts itself; inputs never get here (every stage reports them as diagnostics).
  process.stderr.write(
    `qapi-ts: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(2);
});
