// Starts real QEMUs for the QMP tests: each with its own temporary socket, each killed by the
// test that started it (killAll in afterEach/afterAll), so no process outlives the run.

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, expect } from "vitest";
import { QmpClient, QmpClientError } from "../../runtime/qmp/index.ts";

export const QEMU = "qemu-system-x86_64";

/** True when the QEMU binary runs here; the tests that need it skip (with a note) otherwise. */
export const haveQemu: boolean = (() => {
  const r = spawnSync(QEMU, ["--version"], { encoding: "utf8" });
  if (r.status === 0) return true;
  // In CI (.ci/run installs QEMU and sets QAPI_TS_CI) a QEMU test fails rather than skips.
  if (process.env.QAPI_TS_CI)
    throw new Error(
      `QAPI_TS_CI is set, but ${QEMU} does not run here: ${r.error?.message ?? r.stderr}`,
    );
  console.warn(
    `[qmp tests] ${QEMU} is not runnable here (run .ci/ensure-qemu.sh): QEMU tests skipped`,
  );
  return false;
})();

/** The machine-less QEMU every test uses: no guest, no display, no default devices. */
export const BASE_ARGS = ["-machine", "none", "-display", "none", "-nodefaults"];

export interface Qemu {
  proc: ChildProcess;
  /** The Unix socket path (for unix QEMUs) or "127.0.0.1:PORT" (tcp). */
  socket: string;
  extraSockets: string[];
  dir: string;
  stderr: () => string;
  exited: Promise<void>;
  /** SIGSTOP, resolving once every thread of QEMU has stopped (signals take effect later). */
  freeze(): Promise<void>;
  kill(): Promise<void>;
}

const running = new Set<Qemu>();

export async function startQemu(
  opts: {
    extra?: string[];
    tcp?: boolean;
    socketPath?: string;
    waitForGreeting?: boolean;
    /** More QMP monitors, on sockets listed in Qemu.extraSockets (QEMU serves one client per monitor). */
    extraMonitors?: number;
  } = {},
): Promise<Qemu> {
  const dir = mkdtempSync(path.join(tmpdir(), "qapi-ts-qmp-"));
  let address: string;
  let monitor: string;
  if (opts.tcp) {
    const port = await freePort();
    address = `127.0.0.1:${port}`;
    monitor = `tcp:${address},server=on,wait=off`;
  } else {
    address = opts.socketPath ?? path.join(dir, "qmp.sock");
    monitor = `unix:${address},server=on,wait=off`;
  }
  const extraSockets = Array.from({ length: opts.extraMonitors ?? 0 }, (_, i) =>
    path.join(dir, `qmp-${i + 1}.sock`),
  );
  const extraArgs = extraSockets.flatMap((s) => ["-qmp", `unix:${s},server=on,wait=off`]);
  const proc = spawn(QEMU, [...BASE_ARGS, ...(opts.extra ?? []), ...extraArgs, "-qmp", monitor], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let err = "";
  proc.stderr.setEncoding("utf8").on("data", (s: string) => (err += s));
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  const q: Qemu = {
    proc,
    socket: address,
    extraSockets,
    dir,
    stderr: () => err,
    exited,
    async freeze() {
      proc.kill("SIGSTOP");
      const tasks = `/proc/${proc.pid}/task`;
      await waitFor(
        () =>
          readdirSync(tasks).every(
            (t) => /^\d+ \(.*\) T /.exec(readFileSync(`${tasks}/${t}/stat`, "utf8")) !== null,
          ),
        { what: "QEMU to stop" },
      );
    },
    async kill() {
      running.delete(q);
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill("SIGKILL"); // also ends a SIGSTOP'd QEMU
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  running.add(q);
  // QEMU creates the socket before it listens, and a connection accepted before its monitor is
  // attached never gets a greeting. So wait for a real greeting on a throwaway connection;
  // QEMU then listens again for the test's own client.
  try {
    await waitFor(
      async () => {
        if (proc.exitCode !== null) throw new Error(`QEMU exited at start: ${err}`);
        if (opts.waitForGreeting === false) return existsSync(address);
        return (opts.tcp || existsSync(address)) && (await greets(address, !!opts.tcp));
      },
      { what: "QEMU to open its monitor", timeoutMs: 10_000 },
    );
  } catch (e) {
    await q.kill();
    throw new Error(`${(e as Error).message}: ${err}`);
  }
  return q;
}

export async function killAll(): Promise<void> {
  await Promise.all([...running].map((q) => q.kill()));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Connects, and resolves true once a QMP greeting arrives (false on error or after 500 ms). */
function greets(address: string, tcp: boolean): Promise<boolean> {
  const [host, port] = address.split(":");
  return new Promise((resolve) => {
    const c = tcp
      ? createConnection({ host, port: Number(port) })
      : createConnection({ path: address });
    let got = "";
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      c.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), 500);
    c.setEncoding("utf8");
    c.on("data", (s: string) => {
      got += s;
      if (got.includes("\n")) done(got.startsWith('{"QMP"'));
    });
    c.once("error", () => done(false));
  });
}

/**
 * Resolves once `condition` holds, checking it every few milliseconds; rejects after
 * `timeoutMs` (default 10 s) naming `what` was awaited. For conditions no event announces.
 */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  { what = "a condition", timeoutMs = 10_000 }: { what?: string; timeoutMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Collects a child's output; `until` resolves when the text so far satisfies a predicate. */
export function collect(stream: NodeJS.ReadableStream): {
  text: () => string;
  until: (predicate: (text: string) => boolean, timeoutMs?: number) => Promise<boolean>;
} {
  let text = "";
  const waiters = new Set<() => void>();
  stream.setEncoding("utf8");
  stream.on("data", (s: string) => {
    text += s;
    for (const w of [...waiters]) w();
  });
  return {
    text: () => text,
    /** True once `predicate(text)` holds, false if `timeoutMs` passes first. */
    until: (predicate, timeoutMs = 10_000) =>
      new Promise((resolve) => {
        const done = (ok: boolean): void => {
          clearTimeout(timer);
          waiters.delete(check);
          resolve(ok);
        };
        const check = (): void => {
          if (predicate(text)) done(true);
        };
        const timer = setTimeout(() => done(false), timeoutMs);
        waiters.add(check);
        check();
      }),
  };
}

/** Resolves with how the promise settled, so a test can assert on a rejection's fields. */
export async function settle<T>(
  p: Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await p };
  } catch (error) {
    return { ok: false, error };
  }
}

/** The QmpClientError a settled promise was rejected with (fails the test otherwise). */
export function clientError(r: { ok: boolean; error?: unknown }): QmpClientError {
  expect(r.ok).toBe(false);
  expect(r.error).toBeInstanceOf(QmpClientError);
  return r.error as QmpClientError;
}

/** Clients a test file makes, all closed after each test. */
export interface TestClients {
  /** A new client, connected to a Unix socket. */
  connect(socket: string, options?: ConstructorParameters<typeof QmpClient>[1]): Promise<QmpClient>;
  /** Takes a client made by the test (to be closed after it) and returns it. */
  track(client: QmpClient): QmpClient;
}

/**
 * For a test file's top level. The clients are closed after each test, before the hooks the
 * file registered earlier run (such as killAll).
 */
export function testClients(): TestClients {
  const open: QmpClient[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
  });
  const track = (c: QmpClient) => (open.push(c), c);
  return {
    track,
    connect: async (socket, options = {}) => {
      const c = track(new QmpClient({ socket }, options));
      await c.connect();
      return c;
    },
  };
}
