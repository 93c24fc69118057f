// The wire log (issue 18, item 4): every message a client sends and receives, with its direction,
// time and connection, through a logger, NODE_DEBUG=qapi-ts, or the CLI's --trace; values exact
// (int64 included), long messages shortened in the log only.
import { execFile, spawn } from "node:child_process";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { QmpClient, formatWireLogEntry, type WireLogEntry } from "../runtime/qmp/index.ts";
import { collect, haveQemu, killAll, startQemu, testClients } from "./helpers/qemu.ts";
import { bin, projectRoot } from "./helpers/paths.ts";

afterEach(killAll);
const clients = testClients();

function run(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { env, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** `TIME CONNECTION ARROW TEXT`, as formatWireLogEntry prints an entry. */
const LINE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (.+? #\d+) (->|<-) (.*)$/;

describe("formatWireLogEntry", () => {
  const entry: WireLogEntry = {
    time: Date.UTC(2026, 0, 2, 3, 4, 5, 6),
    connection: "unix socket /run/q.sock #1",
    direction: "receive",
    text: '{"return": 18446744073709551615, "id": 1}',
    json: true,
  };

  it("prints time, connection, direction and the text as it was", () => {
    expect(formatWireLogEntry(entry)).toBe(
      '2026-01-02T03:04:05.006Z unix socket /run/q.sock #1 <- {"return": 18446744073709551615, "id": 1}',
    );
    expect(
      formatWireLogEntry({ ...entry, direction: "send", text: '{"execute":"x","id":1}' }),
    ).toBe('2026-01-02T03:04:05.006Z unix socket /run/q.sock #1 -> {"execute":"x","id":1}');
  });

  it("shortens a long text to its start and its size in bytes, and escapes what a terminal acts on", () => {
    const long = { ...entry, text: `{"return": "${"é".repeat(3000)}"}` };
    const line = formatWireLogEntry(long, { maxLength: 100 });
    expect(line).toMatch(/ <- \{"return": "é{88}\.\.\. \(6014 bytes\)$/);
    expect(formatWireLogEntry(long, { maxLength: 0 })).toContain(long.text);
    expect(formatWireLogEntry({ ...entry, text: "warning: \x1b[31mred\r\n", json: false })).toMatch(
      / <- \(not a message\) warning: \\x1b\[31mred\\x0d\\x0a$/,
    );
  });
});

describe.skipIf(!haveQemu)("the wire log of a live session", () => {
  it("logs every message both ways, with time and connection, values exact, long ones whole in the client", async () => {
    const q = await startQemu({ extra: ["-object", "iothread,id=io0"] });
    const log: WireLogEntry[] = [];
    const before = Date.now();
    const c = await clients.connect(q.socket, { logger: (e) => log.push(e) });
    await c.execute("qom-set", {
      path: "/objects/io0",
      property: "poll-max-ns",
      value: 9007199254740993n,
    });
    const value = await c.execute("qom-get", { path: "/objects/io0", property: "poll-max-ns" });
    expect(value).toBe(9007199254740993n);
    const schema = (await c.execute("query-qmp-schema")) as unknown[];

    const connection = `unix socket ${q.socket} #1`;
    expect(new Set(log.map((e) => e.connection))).toEqual(new Set([connection]));
    expect(log.every((e) => e.time >= before && e.time <= Date.now())).toBe(true);
    expect(log.slice(0, 3).map((e) => [e.direction, e.json, e.text])).toEqual([
      ["receive", true, expect.stringMatching(/^\{"QMP": \{"version"/)],
      [
        "send",
        true,
        '{"execute":"qmp_capabilities","arguments":{"enable":["oob"]},"id":"qapi-ts:qmp_capabilities"}',
      ],
      ["receive", true, '{"return": {}, "id": "qapi-ts:qmp_capabilities"}'],
    ]);
    // The int64 beyond 2^53, exact both ways, as it was on the wire.
    expect(log[3]!.text).toBe(
      '{"execute":"qom-set","arguments":{"path":"/objects/io0","property":"poll-max-ns","value":9007199254740993},"id":1}',
    );
    expect(log.find((e) => e.direction === "receive" && e.text.includes('"id": 2'))!.text).toBe(
      '{"return": 9007199254740993, "id": 2}',
    );
    // The schema reply is logged whole (shortening is the printer's), and the client has it all.
    const reply = log.find((e) => e.text.includes('"id": 3'))!;
    expect(reply.text.length).toBeGreaterThan(100_000);
    expect(JSON.parse(reply.text)).toEqual({ return: schema, id: 3 });
    expect(formatWireLogEntry(reply)).toMatch(
      new RegExp(`\\.\\.\\. \\(${Buffer.byteLength(reply.text)} bytes\\)$`),
    );
  });

  it("numbers the connections of a client that reconnects", async () => {
    const q = await startQemu();
    const log: WireLogEntry[] = [];
    const c = clients.track(
      new QmpClient(
        { socket: q.socket },
        {
          logger: (e) => log.push(e),
          reconnect: { delayMs: 50, maxDelayMs: 200, retries: 40 },
          greetingTimeoutMs: 1000,
        },
      ),
    );
    await c.connect();
    const reconnected = new Promise<void>((r) => c.onReconnect(r));
    q.proc.kill("SIGKILL");
    await q.exited;
    await startQemu({ socketPath: q.socket, waitForGreeting: false });
    await reconnected;
    await c.execute("query-status");
    const numbers = [...new Set(log.map((e) => /#(\d+)$/.exec(e.connection)![1]))];
    // (Attempts that found no QEMU count too, with nothing to log.)
    expect(numbers).toHaveLength(2);
    expect(numbers[0]).toBe("1");
    expect(Number(numbers[1])).toBeGreaterThan(1);
  });

  it("NODE_DEBUG=qapi-ts logs through util.debuglog, and nothing without it", async () => {
    const q = await startQemu();
    const program = `
      import { QmpClient } from ${JSON.stringify(path.join(projectRoot, "dist/lib/qmp.js"))};
      const c = new QmpClient({ socket: ${JSON.stringify(q.socket)} });
      await c.connect();
      await c.execute("query-status");
      await c.close();
    `;
    const runProgram = (env: NodeJS.ProcessEnv) =>
      new Promise<string>((resolve) => {
        const child = spawn(process.execPath, ["--input-type=module", "-e", program], {
          env: { ...process.env, ...env },
          stdio: ["ignore", "ignore", "pipe"],
        });
        const err = collect(child.stderr);
        child.once("exit", () => resolve(err.text()));
      });
    const debug = (await runProgram({ NODE_DEBUG: "net,qapi-ts" }))
      .split("\n")
      .filter((l) => l.startsWith("QAPI-TS "));
    expect(debug).toHaveLength(5); // the greeting, negotiation both ways, the command both ways
    for (const line of debug) {
      const m = /^QAPI-TS \d+: (.*)$/.exec(line)!;
      expect(m[1]).toMatch(LINE);
    }
    expect(debug[3]).toMatch(/ -> \{"execute":"query-status","id":1\}$/);
    expect(await runProgram({ NODE_DEBUG: "" })).not.toContain("QAPI-TS");
  });

  it("--trace on qmp, events and probe --socket prints the log on stderr, stdout unchanged", async () => {
    const q = await startQemu();
    const plain = await run(["qmp", "--socket", q.socket, "query-status"]);
    const traced = await run(["qmp", "--trace", "--socket", q.socket, "query-status"]);
    expect([traced.code, traced.stdout]).toEqual([0, plain.stdout]);
    const lines = traced.stderr.trim().split("\n");
    expect(lines).toHaveLength(5);
    for (const l of lines) expect(l).toMatch(LINE);
    expect(lines.map((l) => LINE.exec(l)![3])).toEqual(["<-", "->", "<-", "->", "<-"]);
    expect(lines[3]).toMatch(/-> \{"execute":"query-status","id":1\}$/);

    const probe = await run([
      "probe",
      "--trace",
      "--socket",
      q.socket,
      "blockdev-add/arg-type/+file/$dynamic-auto-read-only",
    ]);
    expect(probe.stdout).toBe("blockdev-add/arg-type/+file/$dynamic-auto-read-only\t1\n");
    const schemaLine = probe.stderr.split("\n").find((l) => l.includes(' <- {"return": ['))!;
    expect(schemaLine).toMatch(/ <- \{"return": \[.*\.\.\. \(\d+ bytes\)$/);
  });

  it("--trace on events logs each event as it comes", async () => {
    const q = await startQemu({ extraMonitors: 1 });
    const events = spawn(process.execPath, [
      bin,
      "events",
      "--trace",
      "--count",
      "1",
      "--socket",
      q.socket,
    ]);
    const err = collect(events.stderr);
    const out = collect(events.stdout);
    const exited = new Promise((r) => events.once("exit", r));
    expect(await err.until((t) => t.split("\n").length > 3)).toBe(true); // negotiated
    const other = await clients.connect(q.extraSockets[0]!);
    await other.execute("stop");
    await exited;
    expect(JSON.parse(out.text())).toMatchObject({ event: "STOP" });
    const lines = err.text().trim().split("\n");
    for (const l of lines) expect(l).toMatch(LINE);
    expect(lines.at(-1)).toMatch(
      / <- \{"timestamp": \{"seconds": \d+, "microseconds": \d+\}, "event": "STOP"\}$/,
    );
  });

  it("probe --trace without --socket or --tcp is a usage error", async () => {
    const r = await run(["probe", "--trace", "--reply", "x.json", "a"]);
    expect([r.code, r.stderr.split("\n")[0]]).toEqual([
      2,
      "qapi-ts probe: --trace applies only to --socket and --tcp",
    ]);
  });
});
