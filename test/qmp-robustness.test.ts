// The client settles a command only with its own reply, and neither hangs, grows nor leaks
// (issue 16): bad targets, timers beyond Node's range, spawned QEMUs that must die with their
// host. Each test failed on the client before these fixes.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { QmpClient, QmpClientError } from "../runtime/qmp/index.ts";
import { MAX_TIMER_MS, startTimer } from "../runtime/qmp/timers.ts";
import { replyText, startFakeServer, stopFakeServers } from "./helpers/fake-qmp-server.ts";
import {
  BASE_ARGS,
  QEMU,
  clientError,
  collect,
  haveQemu,
  settle,
  waitFor,
} from "./helpers/qemu.ts";
import { projectRoot } from "./helpers/paths.ts";

const open: QmpClient[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
  await stopFakeServers();
});

function track(c: QmpClient): QmpClient {
  open.push(c);
  return c;
}

describe("targets", () => {
  it("refuses a malformed target with the client's connect error, naming what is wrong", async () => {
    // Each of these threw a raw TypeError or RangeError from Node (or crashed on `in`).
    const cases: [unknown, RegExp][] = [
      [null, /a target is an object .* not null/],
      [undefined, /a target is an object .* not undefined/],
      ["qmp.sock", /a target is an object .* not "qmp.sock"/],
      [{}, /names one of socket, tcp or spawn/],
      [{ socket: "/tmp/x", tcp: "a:1" }, /only one of socket, tcp or spawn, not socket and tcp/],
      [{ socket: 1 }, /socket: a non-empty path without NUL, not 1/],
      [{ socket: "" }, /socket: a non-empty path without NUL, not ""/],
      [{ socket: "a\0b" }, /socket: a non-empty path without NUL/],
      [{ tcp: "host" }, /tcp: not a HOST:PORT address: "host"/],
      [{ tcp: "h:0" }, /tcp: not a HOST:PORT address: "h:0"/],
      [{ tcp: 4444 }, /tcp: a "HOST:PORT" string or \{ host, port \}, not 4444/],
      [{ tcp: { host: "h", port: 70000 } }, /tcp.port: an integer from 1 to 65535, not 70000/],
      [{ tcp: { host: "h", port: -1 } }, /tcp.port: .* not -1/],
      [{ tcp: { host: "h", port: 1.5 } }, /tcp.port: .* not 1.5/],
      [{ tcp: { host: "h", port: "4444" } }, /tcp.port: .* not "4444"/],
      [{ tcp: { host: 1, port: 1 } }, /tcp.host: a host name or address, not 1/],
      [{ tcp: { port: 5 } }, /tcp.host: .* not undefined/],
      [{ spawn: {} }, /spawn.args: an array of strings, not undefined/],
      [{ spawn: { args: "-S" } }, /spawn.args: an array of strings, not "-S"/],
      [{ spawn: { args: ["a\0"] } }, /spawn.args\[0\]: a string without NUL/],
      [{ spawn: { binary: "", args: [] } }, /spawn.binary: a non-empty path without NUL/],
      [{ spawn: null }, /spawn: \{ binary\?, args \}, not null/],
    ];
    for (const [target, message] of cases) {
      const e = clientError(await settle(track(new QmpClient(target as never)).connect()));
      expect(e.code, JSON.stringify(target)).toBe("connect");
      expect(e.message, JSON.stringify(target)).toMatch(/^invalid target: /);
      expect(e.message, JSON.stringify(target)).toMatch(message);
    }
  });

  it("says a spawn binary that is not there is missing (ENOENT), as before", async () => {
    const e = clientError(
      await settle(track(new QmpClient({ spawn: { binary: "no-such-qemu", args: [] } })).connect()),
    );
    expect([e.code, e.message]).toEqual(["connect", "cannot start no-such-qemu: ENOENT"]);
  });
});

describe("timers beyond Node's range", () => {
  it("startTimer fires at its deadline for any delay, and never for 0, negative, NaN or Infinity", () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    try {
      for (const ms of [1, 1000, MAX_TIMER_MS, MAX_TIMER_MS + 1, 2 ** 32, 30 * 86_400_000]) {
        let fired = 0;
        startTimer(ms, () => fired++);
        vi.advanceTimersByTime(ms - 1);
        expect(fired, `${ms} ms: not before its deadline`).toBe(0);
        vi.advanceTimersByTime(1);
        expect(fired, `${ms} ms: at its deadline`).toBe(1);
        vi.advanceTimersByTime(10 * MAX_TIMER_MS);
        expect(fired, `${ms} ms: once`).toBe(1);
      }
      for (const ms of [0, -5, NaN, Infinity, -Infinity]) {
        let fired = 0;
        startTimer(ms, () => fired++);
        vi.advanceTimersByTime(100 * MAX_TIMER_MS);
        expect(fired, String(ms)).toBe(0);
      }
      let cancelled = 0;
      startTimer(MAX_TIMER_MS * 2, () => cancelled++).cancel();
      vi.advanceTimersByTime(MAX_TIMER_MS * 3);
      expect(cancelled).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it("a commandTimeoutMs, timeoutMs, connect or greeting timeout above 2^31-1 ms waits (it fired after 1 ms)", async () => {
    const fake = await startFakeServer({
      onCommand: (cmd, conn) => setTimeout(() => conn.write(replyText(cmd, cmd.execute)), 100),
    });
    const huge = 2 ** 31;
    const c = track(
      new QmpClient(
        { socket: fake.socket },
        { commandTimeoutMs: huge, connectTimeoutMs: huge, greetingTimeoutMs: 2 ** 40 },
      ),
    );
    await c.connect();
    expect(await c.execute("by-default")).toBe("by-default");
    expect(await c.execute("per-call", undefined, { timeoutMs: 2 ** 53 })).toBe("per-call");
  });
});

/** Whether a process is gone (a zombie nobody reaps counts as gone: it runs nothing). */
function gone(pid: number): boolean {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return true;
  try {
    return /^\d+ \(.*\) [ZX] /.test(readFileSync(stat, "utf8"));
  } catch {
    return true;
  }
}

describe.skipIf(!haveQemu || process.platform !== "linux")(
  "a spawned QEMU dies with its host",
  () => {
    // A host program: starts QEMU through the client (the built library, as users load it), prints
    // QEMU's pid, then ends as the argument says, without closing the client.
    const host = `
    import { readFileSync } from "node:fs";
    import { QmpClient } from ${JSON.stringify(path.join(projectRoot, "dist/lib/qmp.js"))};
    const c = new QmpClient({ spawn: { binary: ${JSON.stringify(QEMU)}, args: ${JSON.stringify(BASE_ARGS)} } });
    await c.connect();
    await c.execute("query-name");
    // QEMU is this process's only child.
    console.log(readFileSync("/proc/self/task/" + process.pid + "/children", "utf8").trim());
    if (process.argv[1] === "exit") process.exit(0);
    if (process.argv[1] === "throw") setTimeout(() => { throw new Error("host crashed"); }, 10);
    setInterval(() => {}, 1000); // "wait": until killed
  `;

    for (const ending of ["exit", "throw", "SIGKILL", "SIGTERM"] as const) {
      it(`when the host ${ending === "exit" || ending === "throw" ? ending + "s" : "gets " + ending}`, async () => {
        const child = spawn(
          process.execPath,
          [
            "--input-type=module",
            "-e",
            host,
            ending === "exit" || ending === "throw" ? ending : "wait",
          ],
          { stdio: ["ignore", "pipe", "pipe"] },
        );
        const out = collect(child.stdout);
        const err = collect(child.stderr);
        const exited = new Promise((r) => child.once("exit", r));
        expect(await out.until((t) => /^\d+\n/.test(t), 20_000), err.text()).toBe(true);
        const qemuPid = Number(out.text().trim());
        if (ending === "SIGKILL" || ending === "SIGTERM") {
          expect(gone(qemuPid)).toBe(false);
          child.kill(ending);
        }
        await exited;
        try {
          await waitFor(() => gone(qemuPid), {
            what: `QEMU (pid ${qemuPid}) to die`,
            timeoutMs: 5000,
          });
        } finally {
          if (!gone(qemuPid)) process.kill(qemuPid, "SIGKILL");
        }
      });
    }
  },
);

// (QmpClientError is imported for the type of clientError's result.)
void QmpClientError;
