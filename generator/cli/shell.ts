// `qapi-ts shell (--socket PATH | --tcp HOST:PORT | --spawn [-- QEMU ARGS...])`: an interactive
// QMP shell with completion and checks from the live schema, or with -H an HMP one; commands
// from a file (--file) or from standard input when it is not a terminal run as a script. The
// session itself (generator/cli/repl/) is loaded only when the command runs. --agent talks to a
// guest agent (qemu-ga) on --socket/--tcp; --trace prints the wire log.
import type { CommandModule } from "yargs";
import { connectionFrom, targetOptions, usageExit, type TargetArgs } from "./qmp.ts";

interface ShellArgs extends TargetArgs {
  spawn?: boolean;
  qemu?: string[];
  hmp: boolean;
  file?: string;
  schema?: string;
  history?: string | false;
  agent: boolean;
}

export const shellCommand: CommandModule<object, ShellArgs> = {
  command: "shell [qemu..]",
  describe: "An interactive QMP shell (or HMP with -H), or a script of commands",
  builder: (y) =>
    targetOptions(y)
      .option("spawn", {
        type: "boolean",
        describe: "start QEMU (the command line after --; default qemu-system-x86_64) on stdio",
      })
      .positional("qemu", { type: "string", array: true, hidden: true })
      .option("hmp", { alias: "H", type: "boolean", default: false, describe: "HMP commands" })
      .option("agent", {
        type: "boolean",
        default: false,
        describe: "talk to a guest agent (qemu-ga) on --socket or --tcp",
      })
      .option("file", {
        alias: "f",
        type: "string",
        describe: "run the commands in FILE (- for standard input) and exit",
      })
      .option("schema", {
        type: "string",
        describe: "a QAPI schema whose documentation `help COMMAND` shows",
      })
      .option("history", {
        type: "string",
        describe:
          "history file (default: $XDG_STATE_HOME/qapi-ts/shell-history); --no-history keeps none",
      })
      .conflicts("spawn", ["socket", "tcp"])
      .example("$0 shell --socket /tmp/qmp.sock", "")
      .example("$0 shell -H --socket /tmp/qmp.sock", "")
      .example("$0 shell --spawn -- -machine none -nodefaults", "")
      .example("$0 shell --agent --socket /tmp/qga.sock", "")
      .example("$0 shell --socket /tmp/qmp.sock < commands.txt", ""),
  handler: async (argv) => {
    // (Checked here: yargs counts a boolean's default as given.)
    if (argv.agent && (argv.spawn || argv.hmp))
      usageExit(
        "shell",
        `--agent goes with --socket or --tcp, not ${argv.spawn ? "--spawn" : "-H"}`,
      );
    let target;
    let options;
    if (argv.spawn) {
      const words = argv.qemu ?? [];
      const binary = words[0] !== undefined && !words[0].startsWith("-") ? words[0] : undefined;
      const args = binary === undefined ? words : words.slice(1);
      const t = argv.timeout;
      if (!(typeof t === "number" && t >= 0)) usageExit("shell", "--timeout wants milliseconds");
      target = { spawn: { ...(binary ? { binary } : {}), args } };
      options = { connectTimeoutMs: t, greetingTimeoutMs: t, commandTimeoutMs: t };
    } else {
      if (argv.qemu?.length)
        usageExit("shell", `unexpected '${argv.qemu[0]}' (a QEMU command line goes with --spawn)`);
      const connection = await connectionFrom(argv);
      if (typeof connection === "string")
        usageExit("shell", `${connection}, or --spawn [-- QEMU ARGS]`);
      ({ target, options } = connection);
    }
    const { defaultHistoryFile } = await import("./repl/history-file.ts");
    const history =
      argv.history === false
        ? null
        : (argv.history ?? defaultHistoryFile(argv.hmp ? "hmp" : "qmp"));
    const { runShell } = await import("./repl/session.ts");
    process.exitCode = await runShell({
      target,
      client: options,
      hmp: argv.hmp,
      script: argv.file ?? null,
      history,
      schemaFile: argv.schema ?? null,
      agent: argv.agent,
      trace: argv.trace,
    });
  },
};
