// Starts real guest agents (qemu-ga) on the host for the agent tests, each on its own temporary
// socket, state directory and pid file, each killed after the test (killAgents). The agent runs
// on the host, not in a guest, so every command that could change the host (shut it down,
// suspend it, set its clock or passwords, run programs, write files, freeze file systems) is
// blocked with -b: only commands that read are left, and the blocked ones answer
// "CommandNotFound: Command ... has been disabled", which is what the tests of commands without
// a success response use.

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { waitFor } from "./qemu.ts";

/** qemu-ga: on PATH, or where Debian puts it (/usr/sbin, which a user's PATH may lack). */
export const QGA =
  spawnSync("qemu-ga", ["--version"]).error && existsSync("/usr/sbin/qemu-ga")
    ? "/usr/sbin/qemu-ga"
    : "qemu-ga";

/** What the host agent may run: commands that only read. */
const SAFE = new Set([
  "guest-sync-delimited",
  "guest-sync",
  "guest-ping",
  "guest-info",
  "guest-get-time",
  "guest-get-host-name",
  "guest-get-timezone",
  "guest-get-osinfo",
  "guest-get-vcpus",
  "guest-get-load",
  "guest-network-get-interfaces",
  "guest-fsfreeze-status",
]);

/** Every command this qemu-ga knows (`-b help` lists them), or null when it does not run. */
const known: string[] | null = (() => {
  const r = spawnSync(QGA, ["-b", "help"], { encoding: "utf8" });
  if (r.status !== 0 || !r.stdout.includes("guest-shutdown")) {
    console.warn(
      `[qga tests] ${QGA} is not runnable here (run .ci/ensure-qemu.sh): agent tests skipped`,
    );
    return null;
  }
  return r.stdout.split(/\s+/).filter((c) => c.startsWith("guest-"));
})();

export const haveQga = known !== null;

export interface Agent {
  proc: ChildProcess;
  socket: string;
  dir: string;
  exited: Promise<void>;
  stderr: () => string;
  /** SIGSTOP / SIGCONT: an agent that does not answer for a while. */
  freeze(): void;
  thaw(): void;
  kill(): Promise<void>;
}

const running = new Set<Agent>();

/** A qemu-ga listening on a Unix socket (a new temporary one, or `socketPath`). */
export async function startAgent(opts: { socketPath?: string } = {}): Promise<Agent> {
  const dir = mkdtempSync(path.join(tmpdir(), "qapi-ts-qga-"));
  const socket = opts.socketPath ?? path.join(dir, "qga.sock");
  const blocked = known!.filter((c) => !SAFE.has(c));
  const proc = spawn(
    QGA,
    [
      "-m",
      "unix-listen",
      "-p",
      socket,
      "-t",
      dir,
      "-f",
      path.join(dir, "qga.pid"),
      "-b",
      blocked.join(","),
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let err = "";
  proc.stderr.setEncoding("utf8").on("data", (s: string) => (err += s));
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  const agent: Agent = {
    proc,
    socket,
    dir,
    exited,
    stderr: () => err,
    freeze: () => proc.kill("SIGSTOP"),
    thaw: () => proc.kill("SIGCONT"),
    async kill() {
      running.delete(agent);
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill("SIGKILL");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  running.add(agent);
  try {
    await waitFor(
      async () => {
        if (proc.exitCode !== null) throw new Error(`qemu-ga exited at start: ${err}`);
        return existsSync(socket) && (await accepts(socket));
      },
      { what: "qemu-ga to listen", timeoutMs: 10_000 },
    );
  } catch (e) {
    await agent.kill();
    throw e;
  }
  return agent;
}

export async function killAgents(): Promise<void> {
  await Promise.all([...running].map((a) => a.kill()));
}

function accepts(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = createConnection({ path: socket });
    c.once("connect", () => {
      c.destroy();
      resolve(true);
    });
    c.once("error", () => resolve(false));
  });
}
