// `qapi-ts events (--socket PATH | --tcp HOST:PORT) [NAME...]`: prints QEMU's events as JSON
// lines as they come (only the NAMEs given, if any) until QEMU goes away, --count events were
// printed, or SIGINT. Exit 0 then; 2 when QEMU cannot be reached or on usage errors.
import type { Argv, CommandModule } from "yargs";
import { targetFrom, targetOptions, usageExit, type TargetArgs } from "./qmp.ts";

interface EventsArgs extends TargetArgs {
  name?: string[];
  count?: number;
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
      .example("$0 events --socket /tmp/qmp.sock --count 1 SHUTDOWN", "") as Argv<EventsArgs>,
  handler: async (argv) => {
    const target = await targetFrom(argv);
    if (typeof target === "string") usageExit("events", target);
    if (argv.count !== undefined && !(Number.isInteger(argv.count) && argv.count > 0))
      usageExit("events", "--count wants a positive integer");

    const { QmpClient } = await import("../../runtime/qmp/index.ts");
    // Unbounded command timeout is irrelevant here; the stream's own end is the disconnect.
    const client = new QmpClient(target);
    const names = argv.name?.length ? argv.name : undefined;
    // Subscribed before connecting, so nothing sent right after negotiation is missed. A
    // terminal that cannot keep up loses nothing up to the buffer's bound, then gets an error.
    const stream = client.events(names, { maxBuffered: 100_000 });
    const stop = (): void => void client.close();
    client.onDisconnect((e) => process.stderr.write(`qapi-ts events: ${e.message}\n`));
    process.once("SIGINT", stop);
    process.stdout.on("error", stop); // e.g. `| head`: the reader went away
    try {
      await client.connect();
      let printed = 0;
      for await (const e of stream) {
        process.stdout.write(JSON.stringify(e) + "\n");
        if (++printed === argv.count) break;
      }
    } catch (err) {
      if (!(err instanceof Error)) throw err;
      process.stderr.write(`qapi-ts events: ${err.message}\n`);
      process.exitCode = 2;
    } finally {
      process.off("SIGINT", stop);
      await client.close();
    }
  },
};
