// `qapi-ts qmp (--socket PATH | --tcp HOST:PORT) COMMAND [JSON-ARGS]`: runs one command on a
// running QEMU and prints its `return` value as JSON. Exit 0 on success, 1 when QEMU answers
// with an error (printed as CLASS: desc), 2 on usage errors and when QEMU cannot be reached.
import type { Argv, CommandModule } from "yargs";
import type { QmpTarget } from "../../runtime/qmp/transport.ts";

export interface TargetArgs {
  socket?: string;
  tcp?: string;
}

interface QmpArgs extends TargetArgs {
  command: string;
  args?: string;
  timeout: number;
  oob: boolean;
}

/** --socket / --tcp, shared with `events`. */
export function targetOptions<T>(y: Argv<T>): Argv<T & TargetArgs> {
  return y
    .option("socket", {
      type: "string",
      describe: "QEMU's QMP Unix socket (-qmp unix:PATH,server=on)",
    })
    .option("tcp", {
      type: "string",
      describe: "QEMU's QMP TCP address HOST:PORT (-qmp tcp:HOST:PORT,server=on)",
    })
    .conflicts("socket", "tcp") as Argv<T & TargetArgs>;
}

/** The target the options name, or a usage message. */
export async function targetFrom(argv: TargetArgs): Promise<QmpTarget | string> {
  if (argv.socket !== undefined) return { socket: argv.socket };
  if (argv.tcp !== undefined) {
    const { parseHostPort } = await import("../../runtime/qmp/transport.ts");
    return parseHostPort(argv.tcp) ? { tcp: argv.tcp } : `--tcp wants HOST:PORT, got '${argv.tcp}'`;
  }
  return "give --socket PATH or --tcp HOST:PORT";
}

export function usageExit(command: string, message: string): never {
  process.stderr.write(
    `qapi-ts ${command}: ${message}\nRun 'qapi-ts ${command} --help' for usage.\n`,
  );
  process.exit(2);
}

export const qmpCommand: CommandModule<object, QmpArgs> = {
  command: "qmp <command> [args]",
  describe: "Run one QMP command on a running QEMU and print its reply as JSON",
  builder: (y) =>
    targetOptions(y)
      .positional("command", {
        type: "string",
        demandOption: true,
        describe: "the command, e.g. query-status",
      })
      .positional("args", { type: "string", describe: "its arguments as a JSON object" })
      .option("timeout", {
        type: "number",
        default: 60_000,
        describe: "milliseconds to wait for the reply (0: forever)",
      })
      .option("oob", {
        type: "boolean",
        default: false,
        describe: "execute out-of-band (exec-oob)",
      })
      .example("$0 qmp --socket /tmp/qmp.sock query-status", "")
      .example(`$0 qmp --tcp localhost:4444 query-cpus-fast`, "")
      .example(
        `$0 qmp --socket /tmp/qmp.sock human-monitor-command '{"command-line": "info mtree"}'`,
        "",
      ) as Argv<QmpArgs>,
  handler: async (argv) => {
    const target = await targetFrom(argv);
    if (typeof target === "string") usageExit("qmp", target);
    let args: Record<string, unknown> | undefined;
    if (argv.args !== undefined) {
      try {
        args = JSON.parse(argv.args) as Record<string, unknown>;
      } catch (err) {
        usageExit("qmp", `ARGS is not JSON: ${(err as Error).message}`);
      }
      if (typeof args !== "object" || args === null || Array.isArray(args))
        usageExit("qmp", "ARGS must be a JSON object");
    }

    const { QmpClient, QmpError } = await import("../../runtime/qmp/index.ts");
    const client = new QmpClient(target, { commandTimeoutMs: argv.timeout });
    let code = 0;
    try {
      await client.connect();
      const result = argv.oob
        ? await client.executeOob(argv.command, args)
        : await client.execute(argv.command, args);
      process.stdout.write(JSON.stringify(result, null, 2) + "\n");
    } catch (err) {
      if (!(err instanceof Error)) throw err;
      // QEMU's own refusal is the input's fault (1); not reaching QEMU is the environment's (2).
      code = err instanceof QmpError ? 1 : 2;
      process.stderr.write(`qapi-ts qmp: ${err.message}\n`);
    } finally {
      await client.close();
    }
    process.exitCode = code;
  },
};
