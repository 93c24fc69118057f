// `qapi-ts qmp` and `qapi-ts events` (the bundle in dist/, as users run it) against a real QEMU.
import { execFile, spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { haveQemu, killAll, startQemu } from "./qmp-harness.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const bin = path.join(root, "bin/qapi-ts");

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

afterEach(killAll);

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
    const eventsSocket = q.extraSockets[0];
    const child = spawn(
      process.execPath,
      [bin, "events", "--socket", eventsSocket, "STOP", "RESUME"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => (out += s));
    child.stderr.setEncoding("utf8").on("data", (s: string) => (err += s));
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    try {
      // The stream is live once its connection holds the monitor: cont until a RESUME shows up.
      while (!out.includes("RESUME")) {
        expect((await run(["qmp", "--socket", q.socket, "cont"])).code).toBe(0);
        await new Promise((r) => setTimeout(r, 50));
        if (!out.includes("RESUME"))
          expect((await run(["qmp", "--socket", q.socket, "stop"])).code).toBe(0);
      }
      expect((await run(["qmp", "--socket", q.socket, "stop"])).code).toBe(0);
      const lastEvent = (): string | undefined =>
        out.endsWith("\n")
          ? (JSON.parse(out.trim().split("\n").at(-1)!) as { event: string }).event
          : undefined;
      while (lastEvent() !== "STOP") await new Promise((r) => setTimeout(r, 20));
      q.proc.kill("SIGKILL");
      // No process.exit on this path: the CLI ends only if the client left no live handle.
      expect(await exited).toBe(0);
    } finally {
      child.kill("SIGKILL");
    }
    const events = out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { event: string; timestamp: object });
    expect(events.at(-1)!.event).toBe("STOP");
    expect(events.at(-2)!.event).toBe("RESUME");
    for (const e of events) expect(e.timestamp).toHaveProperty("seconds");
    expect(err).toMatch(/^qapi-ts events: connection to unix socket .* lost/);
  });

  it("events --count stops after that many events", async () => {
    const q = await startQemu({ extra: ["-S"], extraMonitors: 1 });
    const eventsSocket = q.extraSockets[0];
    const child = spawn(
      process.execPath,
      [bin, "events", "--socket", eventsSocket, "--count", "1"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => (out += s));
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    let done = false;
    void exited.then(() => (done = true));
    try {
      while (!done) {
        await run(["qmp", "--socket", q.socket, "cont"]);
        await run(["qmp", "--socket", q.socket, "stop"]);
      }
      expect(await exited).toBe(0);
    } finally {
      child.kill("SIGKILL");
    }
    expect(out.trim().split("\n")).toHaveLength(1);
    expect(JSON.parse(out)).toHaveProperty("event");
  });
});
