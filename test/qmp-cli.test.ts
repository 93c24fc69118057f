// `qapi-ts qmp` and `qapi-ts events` (the bundle in dist/, as users run it) against a real QEMU.
import { execFile, spawn } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { QmpClient } from "../runtime/qmp/index.ts";
import { replyText, startFakeServer, stopFakeServers } from "./helpers/fake-qmp-server.ts";
import { collect, haveQemu, killAll, startQemu } from "./helpers/qemu.ts";
import { bin } from "./helpers/paths.ts";

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const open: QmpClient[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
  await killAll();
  await stopFakeServers();
});

async function connect(socket: string): Promise<QmpClient> {
  const c = new QmpClient({ socket });
  open.push(c);
  await c.connect();
  return c;
}

describe.skipIf(!haveQemu)("qapi-ts qmp / events against a real QEMU", () => {
  it("qmp prints the reply as JSON, over a Unix socket and over TCP", async () => {
    const q = await startQemu();
    const r = await run(["qmp", "--socket", q.socket, "query-status"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: "running", running: true });

    const t = await startQemu({ tcp: true });
    const r2 = await run(["qmp", "--tcp", t.socket, "query-name"]);
    expect([r2.code, JSON.parse(r2.stdout)]).toEqual([0, {}]);
  });

  it("qmp passes arguments and reports QEMU's errors with exit 1", async () => {
    const q = await startQemu();
    const ok = await run([
      "qmp",
      "--socket",
      q.socket,
      "human-monitor-command",
      '{"command-line": "info version"}',
    ]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatch(/^\d+\.\d+\.\d+/);

    const oob = await run(["qmp", "--socket", q.socket, "--oob", "query-yank"]);
    expect([oob.code, JSON.parse(oob.stdout)]).toEqual([0, expect.any(Array)]);

    const unknown = await run(["qmp", "--socket", q.socket, "no-such-command"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe(
      "qapi-ts qmp: no-such-command: CommandNotFound: The command no-such-command has not been found\n",
    );
    const bad = await run(["qmp", "--socket", q.socket, "query-status", '{"bogus": true}']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe(
      "qapi-ts qmp: query-status: GenericError: Parameter 'bogus' is unexpected\n",
    );
  });

  it("probe --socket answers queries about the live QEMU with probe --reply's contract", async () => {
    const q = await startQemu();
    const thread = "blockdev-add/arg-type/+file/$dynamic-auto-read-only";
    const found = await run(["probe", "--socket", q.socket, thread, "query-status"]);
    expect([found.code, found.stdout, found.stderr]).toEqual([
      0,
      `${thread}\t1\nquery-status\t1\n`,
      "",
    ]);
    const missing = await run(["probe", "--socket", q.socket, "query-status", "no-such-command"]);
    expect([missing.code, missing.stdout]).toEqual([1, "query-status\t1\nno-such-command\t0\n"]);
    const down = await run(["probe", "--socket", "/nonexistent/qmp.sock", "query-status"]);
    expect(down.code).toBe(2);
    expect(down.stderr).toContain("/nonexistent/qmp.sock");
  });

  it("qmp: usage and unreachable QEMU are exit 2 with one clear line", async () => {
    const missing = await run(["qmp", "--socket", "/nonexistent/qmp.sock", "query-status"]);
    expect([missing.code, missing.stderr]).toEqual([
      2,
      "qapi-ts qmp: cannot connect to unix socket /nonexistent/qmp.sock: ENOENT\n",
    ]);
    const noTarget = await run(["qmp", "query-status"]);
    expect(noTarget.code).toBe(2);
    expect(noTarget.stderr).toContain("give --socket PATH or --tcp HOST:PORT");
    const badJson = await run(["qmp", "--socket", "/x", "query-status", "{nope"]);
    expect(badJson.code).toBe(2);
    expect(badJson.stderr).toContain("ARGS is not JSON");
    const badTcp = await run(["qmp", "--tcp", "localhost", "query-status"]);
    expect([badTcp.code, badTcp.stderr.split("\n")[0]]).toEqual([
      2,
      "qapi-ts qmp: --tcp wants HOST:PORT, got 'localhost'",
    ]);
  });

  it("events streams STOP and RESUME as JSON lines, and exits by itself when QEMU dies", async () => {
    // Two monitors: the events stream holds one, the commands use the other.
    const q = await startQemu({ extra: ["-S"], extraMonitors: 1 });
    const qmp = await connect(q.socket);
    const child = spawn(
      process.execPath,
      [bin, "events", "--socket", q.extraSockets[0]!, "STOP", "RESUME"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    const out = collect(child.stdout);
    const err = collect(child.stderr);
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    const lastEvent = (text: string): string | undefined =>
      text.endsWith("\n")
        ? (JSON.parse(text.trim().split("\n").at(-1)!) as { event: string }).event
        : undefined;
    try {
      // The stream is live once its connection holds the monitor: cont until a RESUME shows up.
      for (;;) {
        await qmp.execute("cont");
        if (await out.until((t) => t.includes("RESUME"), 200)) break;
        await qmp.execute("stop");
      }
      await qmp.execute("stop");
      expect(await out.until((t) => lastEvent(t) === "STOP")).toBe(true);
      q.proc.kill("SIGKILL");
      // No process.exit on this path: the CLI ends only if the client left no live handle.
      expect(await exited).toBe(0);
    } finally {
      child.kill("SIGKILL");
    }
    const events = out
      .text()
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { event: string; timestamp: object });
    expect(events.at(-1)!.event).toBe("STOP");
    expect(events.at(-2)!.event).toBe("RESUME");
    for (const e of events) expect(e.timestamp).toHaveProperty("seconds");
    expect(err.text()).toMatch(/^qapi-ts events: connection to unix socket .* lost/);
  });

  it("events --count stops after that many events", async () => {
    const q = await startQemu({ extra: ["-S"], extraMonitors: 1 });
    const qmp = await connect(q.socket);
    const child = spawn(
      process.execPath,
      [bin, "events", "--socket", q.extraSockets[0]!, "--count", "1"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    const out = collect(child.stdout);
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    let done = false;
    void exited.then(() => (done = true));
    try {
      while (!done) {
        await qmp.execute("cont");
        await qmp.execute("stop");
      }
      expect(await exited).toBe(0);
    } finally {
      child.kill("SIGKILL");
    }
    expect(out.text().trim().split("\n")).toHaveLength(1);
    expect(JSON.parse(out.text())).toHaveProperty("event");
  });

  it("probe --tcp asks a QEMU listening on TCP", async () => {
    const q = await startQemu({ tcp: true });
    const r = await run(["probe", "--tcp", q.socket, "query-status", "no-such-command"]);
    expect([r.code, r.stdout, r.stderr]).toEqual([1, "query-status\t1\nno-such-command\t0\n", ""]);
  });

  it("qmp, events and probe name a busy monitor after --timeout, with exit 2", async () => {
    for (const command of ["qmp", "events", "probe"]) {
      const q = await startQemu();
      await connect(q.socket); // QEMU serves one client per monitor: this one holds it
      const args = [command, "--socket", q.socket, "--timeout", "300"];
      const r = await run(command === "events" ? args : [...args, "query-status"]);
      expect(r.code, command).toBe(2);
      expect(r.stderr, command).toMatch(
        new RegExp(
          `^qapi-ts ${command}: unix socket \\S+: no QMP greeting in 300 ms \\(is the monitor busy with another client\\? [^\\n]*\\)\\n$`,
        ),
      );
      await q.kill();
    }
  });

  it("qmp sends and prints integers beyond 2^53 exactly", async () => {
    const q = await startQemu();
    const add = await run([
      "qmp",
      "--socket",
      q.socket,
      "object-add",
      '{"qom-type": "iothread", "id": "io0", "poll-max-ns": 9223372036854775807}',
    ]);
    expect([add.code, add.stderr]).toEqual([0, ""]);
    const get = await run([
      "qmp",
      "--socket",
      q.socket,
      "qom-get",
      '{"path": "/objects/io0", "property": "poll-max-ns"}',
    ]);
    expect([get.code, get.stdout]).toEqual([0, "9223372036854775807\n"]);
  });
});

describe("qapi-ts qmp / events against misbehaving servers", () => {
  it("qmp escapes control characters in QEMU's error text, and exits 1", async () => {
    const desc = "\x1b[2J\x1b]0;owned\x07line one\r\nline two\u009b31m";
    const fake = await startFakeServer({
      onCommand: (cmd, conn) =>
        conn.write(JSON.stringify({ error: { class: "GenericError", desc }, id: cmd.id }) + "\r\n"),
    });
    const r = await run(["qmp", "--socket", fake.socket, "anything"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      "qapi-ts qmp: anything: GenericError: \\x1b[2J\\x1b]0;owned\\x07line one\\r\\nline two\\x9b31m\n",
    );
  });

  it("qmp and events print JSON with every control character escaped, integers exact", async () => {
    // As a hostile server may write it: C0 controls escaped (JSON demands it), DEL and C1 raw.
    const value = '{"s": "\\u001b[31mred\\r\u009b\u007f", "n": 18446744073709551615}';
    const fake = await startFakeServer({
      onCapabilities: (cmd, conn) =>
        conn.write(
          replyText(cmd, {}) +
            `{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "ODD", "data": ${value}}\r\n`,
        ),
      onCommand: (cmd, conn) => conn.write(`{"return": ${value}, "id": ${String(cmd.id)}}\r\n`),
    });
    const escaped = '"\\u001b[31mred\\r\\u009b\\u007f"';
    const reply = await run(["qmp", "--socket", fake.socket, "anything"]);
    expect([reply.code, reply.stdout]).toEqual([
      0,
      `{\n  "s": ${escaped},\n  "n": 18446744073709551615\n}\n`,
    ]);
    const events = await run(["events", "--socket", fake.socket, "--count", "1"]);
    expect([events.code, events.stdout]).toEqual([
      0,
      `{"timestamp":{"seconds":1,"microseconds":2},"event":"ODD","data":{"s":${escaped},"n":18446744073709551615}}\n`,
    ]);
  });

  it("probe exits 2 when QEMU answers query-qmp-schema with an error (no answer, not 'not found')", async () => {
    const fake = await startFakeServer({
      onCommand: (cmd, conn) =>
        conn.write(
          JSON.stringify({ error: { class: "GenericError", desc: "not now\x1b[K" }, id: cmd.id }) +
            "\r\n",
        ),
    });
    const r = await run(["probe", "--socket", fake.socket, "query-status"]);
    expect([r.code, r.stdout, r.stderr]).toEqual([
      2,
      "",
      "qapi-ts probe: query-qmp-schema: GenericError: not now\\x1b[K\n",
    ]);
  });

  it("events exits 2 when the stream breaks on a message beyond the client's bounds", async () => {
    const fake = await startFakeServer({
      onCapabilities: (cmd, conn) =>
        conn.write(
          replyText(cmd, {}) +
            `{"event": "DEEP", "data": {"a": ${"[".repeat(2000)}${"]".repeat(2000)}}}\r\n`,
        ),
    });
    const r = await run(["events", "--socket", fake.socket]);
    expect([r.code, r.stdout]).toEqual([2, ""]);
    expect(r.stderr).toMatch(
      /^qapi-ts events: unix socket \S+: a message nests deeper than 1024 levels \(QEMU's own limit\); the connection was closed\n$/,
    );
  });

  it("qmp fails at once with one line on a server that does not greet with QMP", async () => {
    const fake = await startFakeServer({ greeting: "HTTP/1.1 400 Bad Request\r\n\r\n" });
    const r = await run(["qmp", "--socket", fake.socket, "--timeout", "0", "query-status"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^qapi-ts qmp: unix socket \S+: expected a QMP greeting, got text that is not JSON: HTTP\/1.1 400 Bad Request\n$/,
    );
  });
});
