// `qapi-ts qmp (--socket PATH | --tcp HOST:PORT) [--agent] COMMAND [JSON-ARGS]`: runs one command
// on a running QEMU (or, with --agent, its guest agent) and prints its `return` value as JSON.
// Exit 0 on success, 1 when QEMU answers with an error (printed as CLASS: desc), 2 on usage
// errors and when QEMU cannot be reached. An agent's command that sends no reply on success
// (guest-shutdown, guest-suspend-*) prints nothing, once the agent has shown it did not refuse it.
//
// Also the options and output helpers the commands that talk to a live QEMU share (`events`,
// `probe --socket/--tcp`): one definition of the target and its timeout, and of how text that
// came from QEMU is made safe for a terminal.
import type { Argv, CommandModule } from "yargs";
import type { QmpClientOptions, QmpTarget } from "../../runtime/qmp/index.ts";

export interface TargetArgs {
  socket?: string;
  tcp?: string;
  timeout: number;
  trace: boolean;
}

interface QmpArgs extends TargetArgs {
  command: string;
  args?: string;
  oob: boolean;
  agent: boolean;
}

/**
 * --socket / --tcp / --timeout / --trace: where QEMU's monitor is, how long to wait for it, and
 * whether to print the wire log (every message both ways) on stderr.
 */
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
    .option("timeout", {
      type: "number",
      default: 60_000,
      describe:
        "milliseconds to wait for each step: the connection, QEMU's greeting, a reply (0: forever)",
    })
    .option("trace", {
      type: "boolean",
      default: false,
      describe:
        "print every message sent and received on stderr, with the time and the connection (long ones shortened)",
    })
    .conflicts("socket", "tcp");
}

/** Whether the options name a live QEMU at all. */
export function hasTarget(argv: TargetArgs): boolean {
  return argv.socket !== undefined || argv.tcp !== undefined;
}

/** The target and client options the options name, or a usage message. */
export async function connectionFrom(
  argv: TargetArgs,
): Promise<{ target: QmpTarget; options: QmpClientOptions } | string> {
  const t = argv.timeout;
  if (!(typeof t === "number" && t >= 0)) return "--timeout wants milliseconds (0: no limit)";
  const options: QmpClientOptions = {
    connectTimeoutMs: t,
    greetingTimeoutMs: t,
    commandTimeoutMs: t,
  };
  if (argv.trace) {
    const { formatWireLogEntry } = await import("../../runtime/qmp/wire-log.ts");
    options.logger = (entry) => process.stderr.write(`${formatWireLogEntry(entry)}\n`);
  }
  if (argv.socket !== undefined) return { target: { socket: argv.socket }, options };
  if (argv.tcp !== undefined) {
    const { parseHostPort } = await import("../../runtime/qmp/transport.ts");
    return parseHostPort(argv.tcp)
      ? { target: { tcp: argv.tcp }, options }
      : `--tcp wants HOST:PORT, got '${argv.tcp}'`;
  }
  return "give --socket PATH or --tcp HOST:PORT";
}

export function usageExit(command: string, message: string): never {
  process.stderr.write(
    `qapi-ts ${command}: ${message}\nRun 'qapi-ts ${command} --help' for usage.\n`,
  );
  process.exit(2);
}

/** C0 controls (newline included), DEL and C1 controls: what a terminal may act on. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * Text from QEMU (an error's desc, a greeting) made safe for one terminal line: control
 * characters written as JavaScript escapes (`\x1b`, `\r`), so that none reaches the terminal.
 */
export function terminalText(text: string): string {
  return text.replace(CONTROL, (c) => {
    const named = { "\n": "\\n", "\r": "\\r", "\t": "\\t" }[c];
    return named ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`;
  });
}

/**
 * Writes values as JSON for the terminal: integers exact (bigints as digits), and DEL and C1
 * controls, which JSON leaves raw, escaped as well (they can only occur inside strings).
 */
export async function terminalJson(): Promise<(value: unknown, indent?: number) => string> {
  const { stringifyJson } = await import("../../runtime/validate/index.ts");
  return (value, indent) =>
    stringifyJson(value, indent).replace(
      /[\u007f-\u009f]/g,
      (c) => `\\u00${c.charCodeAt(0).toString(16)}`,
    );
}

/** What an agent's command without a success response gives when it was not refused. */
const NO_REPLY = Symbol("no reply");

type Agent = import("../../runtime/qga/index.ts").QgaClient;

async function agentClient(connection: {
  target: QmpTarget;
  options: QmpClientOptions;
}): Promise<Agent> {
  const { QgaClient } = await import("../../runtime/qga/index.ts");
  const o = connection.options;
  return new QgaClient(connection.target as Extract<QmpTarget, { socket: string }>, {
    connectTimeoutMs: o.connectTimeoutMs,
    syncTimeoutMs: o.greetingTimeoutMs,
    commandTimeoutMs: o.commandTimeoutMs,
    logger: o.logger,
  });
}

/** Runs an agent's command; for one without a success response, waits for a refusal. */
async function agentCommand(
  agent: Agent,
  command: string,
  args: Record<string, unknown> | undefined,
): Promise<unknown> {
  const { DEFAULT_NO_SUCCESS_RESPONSE } = await import("../../runtime/qga/index.ts");
  const result = await agent.execute(command, args);
  if (!(DEFAULT_NO_SUCCESS_RESPONSE as readonly string[]).includes(command)) return result;
  const { refusal } = result as { refusal: Promise<Error | null> };
  // The agent answers in order: a reply to a ping after it says no refusal is coming.
  // Its reply is awaited too: a client that closes with a reply unread resets the connection,
  // and qemu-ga (7.2) exits on that read error.
  const ping = agent.execute("guest-ping").then(
    () => {},
    () => {},
  );
  const refused = await refusal;
  await ping;
  if (refused) throw refused;
  return NO_REPLY;
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
      .positional("args", {
        type: "string",
        describe: "its arguments as a JSON object (integers of any size are sent exactly)",
      })
      .option("oob", {
        type: "boolean",
        default: false,
        describe: "execute out-of-band (exec-oob)",
      })
      .option("agent", {
        type: "boolean",
        default: false,
        describe:
          "talk to a guest agent (qemu-ga, or the socket of its virtio-serial port): synchronise with guest-sync-delimited instead of QMP's greeting",
      })
      .example("$0 qmp --socket /tmp/qmp.sock query-status", "")
      .example(`$0 qmp --tcp localhost:4444 query-cpus-fast`, "")
      .example(
        `$0 qmp --socket /tmp/qmp.sock human-monitor-command '{"command-line": "info mtree"}'`,
        "",
      )
      .example("$0 qmp --agent --socket /tmp/qga.sock guest-info", ""),
  handler: async (argv) => {
    const connection = await connectionFrom(argv);
    if (typeof connection === "string") usageExit("qmp", connection);
    if (argv.agent && argv.oob) usageExit("qmp", "--oob does not apply to a guest agent (--agent)");
    let args: Record<string, unknown> | undefined;
    if (argv.args !== undefined) {
      const { parseJsonLossless } = await import("../../runtime/validate/index.ts");
      try {
        args = parseJsonLossless(argv.args) as Record<string, unknown>;
      } catch (err) {
        usageExit("qmp", `ARGS is not JSON: ${(err as Error).message}`);
      }
      if (typeof args !== "object" || args === null || Array.isArray(args))
        usageExit("qmp", "ARGS must be a JSON object");
    }

    const { QmpClient, QmpError } = await import("../../runtime/qmp/index.ts");
    const client = argv.agent
      ? await agentClient(connection)
      : new QmpClient(connection.target, connection.options);
    let code = 0;
    try {
      await client.connect();
      const result =
        client instanceof QmpClient
          ? argv.oob
            ? await client.executeOob(argv.command, args)
            : await client.execute(argv.command, args)
          : await agentCommand(client, argv.command, args);
      if (result !== NO_REPLY) process.stdout.write((await terminalJson())(result, 2) + "\n");
    } catch (err) {
      if (!(err instanceof Error)) throw err;
      // QEMU's own refusal is the input's fault (1); not reaching QEMU is the environment's (2).
      code = err instanceof QmpError ? 1 : 2;
      process.stderr.write(`qapi-ts qmp: ${terminalText(err.message)}\n`);
    } finally {
      await client.close();
    }
    process.exitCode = code;
  },
};
