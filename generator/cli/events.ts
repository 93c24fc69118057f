// `qapi-ts events (--socket PATH | --tcp HOST:PORT) [NAME...]`: prints QEMU's events as JSON
// lines as they come (only the NAMEs given, if any) until QEMU goes away, --count events were
// printed, or SIGINT. Exit 0 then; 2 when QEMU cannot be reached, on usage errors, and when the
// stream broke (a message beyond the client's bounds).
//
// Back-pressure, as qemu.qmp gives: while stdout (or stderr, with --trace) cannot take more, no
// more events are written, the iterator fills, and the client stops reading from QEMU's socket
// until it drains; memory stays bounded however slow the reader (a pipe nobody reads once grew
// the process to 1 GB in 20 s).
import type { CommandModule } from "yargs";
import {
  connectionFrom,
  targetOptions,
  terminalJson,
  terminalText,
  usageExit,
  type TargetArgs,
} from "./qmp.ts";

interface EventsArgs extends TargetArgs {
  name?: string[];
  count?: number;
}

/** Resolves once stdout and stderr can take more (or cannot take anything: closed, broken). */
async function drained(): Promise<void> {
  for (const out of [process.stdout, process.stderr]) {
    if (!out.writableNeedDrain || out.destroyed) continue;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        out.off("drain", done).off("error", done).off("close", done);
        resolve();
      };
      out.on("drain", done).on("error", done).on("close", done);
    });
  }
}

export const eventsCommand: CommandModule<object, EventsArgs> = {
  command: "events [name..]",
  describe: "Stream a running QEMU's QMP events as JSON lines",
  builder: (y) =>
    targetOptions(y)
      .positional("name", {
        type: "string",
        array: true,
        describe: "only these events (e.g. STOP RESUME)",
      })
      .option("count", { type: "number", describe: "exit after this many events" })
      .example("$0 events --socket /tmp/qmp.sock", "")
      .example("$0 events --socket /tmp/qmp.sock --count 1 SHUTDOWN", ""),
  handler: async (argv) => {
    const connection = await connectionFrom(argv);
    if (typeof connection === "string") usageExit("events", connection);
    if (argv.count !== undefined && !(Number.isInteger(argv.count) && argv.count > 0))
      usageExit("events", "--count wants a positive integer");

    const { QmpClient } = await import("../../runtime/qmp/index.ts");
    const json = await terminalJson();
    const client = new QmpClient(connection.target, connection.options);
    const names = argv.name?.length ? argv.name : undefined;
    // Subscribed before connecting, so nothing sent right after negotiation is missed. A reader
    // that cannot keep up loses nothing: reading from QEMU pauses (see the top).
    const stream = client.events(names, { maxBuffered: 1000, overflow: "pause" });
    const stop = (): void => void client.close();
    client.onDisconnect((e) => {
      process.stderr.write(`qapi-ts events: ${terminalText(e.message)}\n`);
      // QEMU going away ends the stream normally; a message beyond the bounds does not.
      if (e.code !== "disconnected") process.exitCode = 2;
    });
    process.once("SIGINT", stop);
    process.stdout.on("error", stop); // e.g. `| head`: the reader went away
    try {
      await client.connect();
      let printed = 0;
      for await (const e of stream) {
        const full = !process.stdout.write(json(e) + "\n");
        if (++printed === argv.count) break;
        if (full || process.stderr.writableNeedDrain) await drained();
      }
    } catch (err) {
      if (!(err instanceof Error)) throw err;
      process.stderr.write(`qapi-ts events: ${terminalText(err.message)}\n`);
      process.exitCode = 2;
    } finally {
      process.off("SIGINT", stop);
      await client.close();
    }
  },
};
