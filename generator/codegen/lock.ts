// One writer at a time per output: a lock file that names the run holding it. A lock is honoured
// only while its holder is provably a live qapi-ts run and not older than a bound, so that no lock
// can be held by a dead run: the lock records the holder's PID, its start time (Linux's
// /proc/PID/stat, which a reused PID does not share) and the boot it ran in. A PID that is alive
// but is another process (in a container, node is often PID 1 in every run) does not hold it.
// A live holder is waited for, up to a bound, since its run is short (a write, not a parse).

import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync } from "node:fs";
import { strerror } from "../frontend/bounded-input.ts";

/** Longer than any write of the output takes: a lock this old is stale whoever holds it. */
export const LOCK_MAX_AGE_MS = 120_000;

/** What a lock file says about its holder. */
export interface LockHolder {
  pid: number;
  /** The holder's start time (clock ticks since boot), "" where the system does not tell. */
  start: string;
  /** The boot the holder ran in, "" where the system does not tell. */
  boot: string;
  /** When the lock was taken (ms since the epoch). */
  since: number;
}

export class LockError extends Error {}

export interface LockOptions {
  /** How long to wait for a live holder (default 10 s). */
  waitMs?: number;
}

/** Takes the lock `file` (waiting for a live holder, taking over a stale lock); returns its release. */
export function acquireLock(file: string, options: LockOptions = {}): () => void {
  const deadline = Date.now() + (options.waitMs ?? 10_000);
  for (;;) {
    let fd: number;
    try {
      fd = openSync(file, "wx", 0o644);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST")
        throw new LockError(`cannot lock ${file}: ${strerror(err)}`);
      const holder = readHolder(file);
      if (holder && holdsLock(holder)) {
        if (Date.now() >= deadline) {
          throw new LockError(
            `another qapi-ts run (pid ${holder.pid}) is writing this output (lock ${file}, ` +
              `taken ${new Date(holder.since).toISOString()})`,
          );
        }
        sleep(50);
      } else {
        // The holder is gone, is not a qapi-ts run, or has held it too long: stale.
        rmSync(file, { force: true });
      }
      continue;
    }
    try {
      writeSync(fd, JSON.stringify(currentHolder()) + "\n");
    } catch (err) {
      rmSync(file, { force: true });
      throw new LockError(`cannot lock ${file}: ${strerror(err)}`);
    } finally {
      closeSync(fd);
    }
    return () => rmSync(file, { force: true });
  }
}

/** This process as a lock holder. */
export function currentHolder(): LockHolder {
  return { pid: process.pid, start: startTime(process.pid), boot: bootId(), since: Date.now() };
}

/** Whether the run a lock names is alive, is the process that took it, and is not too old. */
export function holdsLock(holder: LockHolder, now = Date.now()): boolean {
  if (!(now - holder.since < LOCK_MAX_AGE_MS && holder.since <= now + 1000)) return false;
  if (!isAlive(holder.pid)) return false;
  // Where the system tells a process's start time, it must be the one the lock recorded: a
  // PID reused by another process (or an unrelated PID 1 in a container) does not hold it.
  const start = startTime(holder.pid);
  const boot = bootId();
  if (start !== "" || holder.start !== "") return start === holder.start && boot === holder.boot;
  return true;
}

/** The holder a lock file names; null when it is unreadable or not a lock of this format. */
function readHolder(file: string): LockHolder | null {
  let text: string;
  let mtime: number;
  try {
    text = readFileSync(file, "utf8");
    mtime = statSync(file).mtimeMs;
  } catch {
    return null;
  }
  try {
    const v = JSON.parse(text) as Partial<LockHolder>;
    if (
      Number.isSafeInteger(v.pid) &&
      v.pid! > 0 &&
      typeof v.start === "string" &&
      typeof v.boot === "string" &&
      typeof v.since === "number"
    )
      return v as LockHolder;
  } catch {
    // An older release's lock: a bare PID. Its holder cannot be told from another process
    // with that PID, so it counts only while that process is a node running qapi-ts.
    const pid = Number(text.trim());
    if (Number.isSafeInteger(pid) && pid > 0 && commandLine(pid).includes("qapi-ts"))
      return { pid, start: startTime(pid), boot: bootId(), since: mtime };
  }
  return null;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Field 22 of /proc/PID/stat: the process's start time in clock ticks since boot. */
function startTime(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? "";
  } catch {
    return "";
  }
}

let boot: string | undefined;
function bootId(): string {
  if (boot === undefined) {
    try {
      boot = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
    } catch {
      boot = "";
    }
  }
  return boot;
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
  } catch {
    return "";
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleep(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}
