// The qapi-ts command line. Each subcommand lives in generator/cli/<name>.ts and exports a
// yargs CommandModule whose handler imports the heavy stages lazily, so that `--help` or a
// subcommand loads only what it uses (start-up time is part of every command's cost).
//
// Exit codes shared by all subcommands: 0 success, 1 the input has errors (or a query is not
// found), 2 usage errors and failures of the tool's own environment.

import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { commands } from "./commands.ts";
import { VERSION } from "../codegen/version.ts";

// Output piped into `head` and the like: the reader is gone, the command has nothing more to do.
process.stdout.on("error", (e: NodeJS.ErrnoException) => process.exit(e.code === "EPIPE" ? 0 : 2));

async function main(): Promise<void> {
  let cli = yargs(hideBin(process.argv))
    .scriptName("qapi-ts")
    .strict()
    .demandCommand(1, "Name a command (qapi-ts --help lists them).")
    .recommendCommands()
    .help()
    .version(VERSION)
    .wrap(Math.min(100, process.stdout.columns || 100))
    .fail((msg, err) => {
      // yargs' own validation (check(), requiresArg, ...) raises YError: a usage error.
      // Anything else thrown from a handler is a bug, reported below.
      if (err && err.name !== "YError") throw err;
      process.stderr.write(`qapi-ts: ${msg ?? err?.message}\nRun 'qapi-ts --help' for usage.\n`);
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
  process.stdout.write("", () => process.stderr.write("", () => process.exit()));
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
