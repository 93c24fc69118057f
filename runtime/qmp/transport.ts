// Byte pipes to a QMP server (or a guest agent): a Unix socket, a TCP socket, or the stdio of a
// QEMU this process starts. The clients see them all through QmpStream, so that framing,
// correlation and events are written once.
//
// The seam for other transports' features (descriptor passing, say): a stream is made by
// openStream() from a target, and everything above this module reaches the bytes only through
// QmpStream's five members. A transport that can do more (send file descriptors with a write)
// adds it here, to the stream class that can, and the connection passes it through.

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { accessSync, constants as fsConstants } from "node:fs";
import { createConnection, type Socket } from "node:net";
import path from "node:path";
import { QmpClientError } from "./errors.ts";
import { startTimer } from "./timers.ts";
import { DescriptorWriter } from "./fd-passing.ts";

/** Where the QMP server is. */
export type QmpTarget =
  | { socket: string }
  | { tcp: string | { host: string; port: number } }
  | {
      /**
       * Start QEMU with its monitor on our pipes (`-qmp stdio` is added to `args`). The process
       * belongs to the client: close() terminates it, and so does this process's exit (on Linux
       * also its crash or SIGKILL, through the kernel's parent-death signal, when util-linux's
       * `setpriv` is installed).
       */
      spawn: {
        binary?: string;
        args: string[];
        /**
         * Descriptors QEMU inherits: `fds[i]` is descriptor `3 + i` in QEMU, for its command
         * line (`-add-fd fd=3,set=1`). No native code is needed for these.
         */
        fds?: readonly number[];
      };
    };

export interface QmpStream {
  /** For messages: "unix socket /tmp/x", "tcp localhost:4444", "qemu-system-x86_64 (pid 123)". */
  readonly description: string;
  /**
   * Queues bytes for the peer (text as UTF-8). `written` is called once they were handed to the
   * operating system, or with the error that stopped them.
   */
  write(data: string | Uint8Array, written?: (error?: Error | null) => void): void;
  /**
   * Writes `text` with descriptors attached (SCM_RIGHTS); only a Unix socket has it. Throws
   * (code "fd-passing") what makes it impossible.
   */
  writeWithFds?(text: string, fds: readonly number[]): void;
  /** Called once: data chunks until the stream closes; `reason` explains an abnormal end. */
  start(onData: (chunk: Buffer) => void, onClose: (reason: string | null) => void): void;
  /** Stops reading (back-pressure: the peer's writes then block) until resume(). */
  pause(): void;
  resume(): void;
  /**
   * Closes the pipe (and stops a spawned QEMU); resolves once it is gone. What the peer still
   * sends meanwhile reaches no handler.
   */
  destroy(): Promise<void>;
}

/** What is wrong with a target, or null: checked before anything is opened. */
export function targetProblem(target: unknown): string | null {
  if (typeof target !== "object" || target === null || Array.isArray(target))
    return `a target is an object ({ socket }, { tcp } or { spawn }), not ${shortJson(target)}`;
  const kinds = ["socket", "tcp", "spawn"].filter((k) => Object.hasOwn(target, k));
  if (kinds.length !== 1)
    return kinds.length === 0
      ? `a target names one of socket, tcp or spawn: ${shortJson(target)}`
      : `a target names only one of socket, tcp or spawn, not ${kinds.join(" and ")}`;
  const t = target as Record<string, unknown>;
  if (kinds[0] === "socket") return pathProblem("socket", t.socket);
  if (kinds[0] === "tcp") {
    const tcp = t.tcp;
    if (typeof tcp === "string")
      return parseHostPort(tcp) ? null : `tcp: not a HOST:PORT address: ${shortJson(tcp)}`;
    if (typeof tcp !== "object" || tcp === null)
      return `tcp: a "HOST:PORT" string or { host, port }, not ${shortJson(tcp)}`;
    const { host, port } = tcp as Record<string, unknown>;
    if (typeof host !== "string" || host === "" || host.includes("\0"))
      return `tcp.host: a host name or address, not ${shortJson(host)}`;
    if (!Number.isInteger(port) || (port as number) < 1 || (port as number) > 65535)
      return `tcp.port: an integer from 1 to 65535, not ${shortJson(port)}`;
    return null;
  }
  const spawnOptions = t.spawn;
  if (typeof spawnOptions !== "object" || spawnOptions === null)
    return `spawn: { binary?, args }, not ${shortJson(spawnOptions)}`;
  const { binary, args } = spawnOptions as Record<string, unknown>;
  if (binary !== undefined) {
    const problem = pathProblem("spawn.binary", binary);
    if (problem) return problem;
  }
  if (!Array.isArray(args)) return `spawn.args: an array of strings, not ${shortJson(args)}`;
  const bad = args.findIndex((a) => typeof a !== "string" || a.includes("\0"));
  if (bad >= 0) return `spawn.args[${bad}]: a string without NUL, not ${shortJson(args[bad])}`;
  return null;
}

function pathProblem(what: string, value: unknown): string | null {
  return typeof value === "string" && value !== "" && !value.includes("\0")
    ? null
    : `${what}: a non-empty path without NUL, not ${shortJson(value)}`;
}

function shortJson(v: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(v) ?? String(v);
  } catch {
    text = String(v);
  }
  return text.length > 80 ? `${text.slice(0, 80)}...` : text;
}

export function describeTarget(target: QmpTarget): string {
  if (targetProblem(target)) return "an invalid target";
  if ("socket" in target) return `unix socket ${target.socket}`;
  if ("tcp" in target) {
    const t = typeof target.tcp === "string" ? target.tcp : `${target.tcp.host}:${target.tcp.port}`;
    return `tcp ${t}`;
  }
  return target.spawn.binary ?? "qemu-system-x86_64";
}

/** Parses "HOST:PORT" (IPv6 as "[::1]:4444"). Returns null when it is not of that form. */
export function parseHostPort(text: string): { host: string; port: number } | null {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text);
  if (!m) return null;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return null;
  return { host: (m[1] ?? m[2])!, port };
}

export async function openStream(target: QmpTarget, connectTimeoutMs: number): Promise<QmpStream> {
  const problem = targetProblem(target);
  if (problem) throw new QmpClientError("connect", `invalid target: ${problem}`);
  if ("spawn" in target)
    return spawnQemu(
      target.spawn.binary ?? "qemu-system-x86_64",
      target.spawn.args,
      target.spawn.fds ?? [],
    );
  const options =
    "socket" in target
      ? { path: target.socket }
      : typeof target.tcp === "string"
        ? parseHostPort(target.tcp)!
        : { host: target.tcp.host, port: target.tcp.port };
  const description = describeTarget(target);
  const socket = await connectSocket(options, description, connectTimeoutMs);
  return new SocketStream(socket, description, "path" in options);
}

/** A Unix socket refuses a connection with EAGAIN when its queue of unaccepted ones is full. */
const BUSY =
  " (its queue of waiting clients is full: is the monitor busy with another client? QEMU serves one client per monitor)";

function connectSocket(
  options: { path: string } | { host: string; port: number },
  description: string,
  timeoutMs: number,
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const failed = (err: NodeJS.ErrnoException): QmpClientError =>
      new QmpClientError(
        "connect",
        `cannot connect to ${description}: ${err.code ?? err.message}${err.code === "EAGAIN" ? BUSY : ""}`,
        undefined,
        { cause: err },
      );
    let socket: Socket;
    try {
      socket = createConnection(options);
    } catch (err) {
      // (The target was checked; this is what Node refuses beyond that.)
      reject(failed(err as NodeJS.ErrnoException));
      return;
    }
    // 0 (or Infinity) waits as long as the system does.
    const timer = startTimer(timeoutMs, () => {
      socket.destroy();
      reject(
        new QmpClientError(
          "connect",
          `cannot connect to ${description}: no answer in ${timeoutMs} ms`,
        ),
      );
    });
    socket.once("connect", () => {
      timer.cancel();
      socket.removeAllListeners("error");
      resolve(socket);
    });
    socket.once("error", (err: NodeJS.ErrnoException) => {
      timer.cancel();
      socket.destroy();
      reject(failed(err));
    });
  });
}

class SocketStream implements QmpStream {
  /** For a Unix socket: descriptors, and the order of what is written around them. */
  private readonly descriptors: DescriptorWriter | null;
  readonly writeWithFds?: (text: string, fds: readonly number[]) => void;

  constructor(
    private readonly socket: Socket,
    readonly description: string,
    unix: boolean,
  ) {
    socket.setNoDelay(true); // QMP is request/response: latency matters more than packet count
    this.descriptors = unix ? new DescriptorWriter(socket) : null;
    if (this.descriptors) {
      const d = this.descriptors;
      this.writeWithFds = (text, fds) => d.writeWithFds(text, fds);
    }
  }

  write(data: string | Uint8Array, written?: (error?: Error | null) => void): void {
    if (this.descriptors?.holding) this.descriptors.write(data, written);
    else this.socket.write(data, written);
  }

  start(onData: (chunk: Buffer) => void, onClose: (reason: string | null) => void): void {
    let reason: string | null = null;
    this.socket.on("data", onData);
    this.socket.on("error", (err: NodeJS.ErrnoException) => {
      reason = err.code ?? err.message;
    });
    this.socket.on("close", () => onClose(reason));
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  /**
   * Half-closes, then reads (and drops) what the peer still sends until it closes its end:
   * closing a socket with unread data resets the connection, and qemu-ga exits on that error.
   * A peer that does not close within CLOSE_LINGER_MS is cut off.
   */
  destroy(): Promise<void> {
    const socket = this.socket;
    if (socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const cutOff = startTimer(CLOSE_LINGER_MS, () => socket.destroy(), true);
      socket.once("close", () => {
        cutOff.cancel();
        resolve();
      });
      socket.on("error", () => socket.destroy()); // a reset while draining ends it too
      socket.resume(); // paused for back-pressure: the rest must be read now
      socket.end();
    });
  }
}

/** How long a closing socket waits for the peer to close its end. */
const CLOSE_LINGER_MS = 2000;

/** The last few lines QEMU wrote to stderr: the reason it refused to start, usually. */
const STDERR_KEEP = 4096;

/** QEMUs this process started and that still run: killed when it exits, however it exits. */
const children = new Set<ChildProcess>();
let exitHookInstalled = false;

function killChildrenOnExit(): void {
  // Synchronous, as an exit handler must be; SIGKILL, since nothing will wait for a SIGTERM.
  for (const child of children) child.kill("SIGKILL");
}

/**
 * The command that starts `binary` so that the kernel kills it when this process dies, or null
 * where that cannot be had: Linux's parent-death signal, set by util-linux's `setpriv`, which
 * then runs the binary in its place (same process, same pid). It covers what an exit handler
 * cannot: a crash, SIGKILL, a signal whose default action ends Node.
 */
let deathSignalWrapper: string | null | undefined;
function parentDeathWrapper(): string | null {
  if (deathSignalWrapper === undefined) {
    const setpriv = process.platform === "linux" ? findExecutable("setpriv") : null;
    // --pdeathsig came with util-linux 2.33 (2019): an older one is not used at all.
    const help = setpriv
      ? spawnSync(setpriv, ["--help"], { encoding: "utf8", timeout: 5000 })
      : null;
    deathSignalWrapper = help?.stdout?.includes("--pdeathsig") ? setpriv : null;
  }
  return deathSignalWrapper;
}

/** The path of an executable found on PATH (or `name` itself when it holds a slash), or null. */
function findExecutable(name: string): string | null {
  const candidates = name.includes("/")
    ? [name]
    : (process.env.PATH ?? "").split(path.delimiter).map((dir) => path.join(dir || ".", name));
  for (const file of candidates) {
    try {
      accessSync(file, fsConstants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return null;
}

function spawnQemu(binary: string, args: string[], fds: readonly number[]): Promise<QmpStream> {
  return new Promise((resolve, reject) => {
    const bad = fds.findIndex((fd) => !(Number.isSafeInteger(fd) && fd >= 0));
    if (bad >= 0)
      return reject(
        new QmpClientError("connect", `spawn.fds[${bad}] is not a file descriptor: ${fds[bad]}`),
      );
    const cannot = (why: string, cause?: unknown): void =>
      reject(new QmpClientError("connect", `cannot start ${binary}: ${why}`, undefined, { cause }));
    // Found first, so that a missing binary is ENOENT here, not a wrapper's exit status.
    const file = findExecutable(binary);
    if (!file) return cannot("ENOENT");
    const wrapper = parentDeathWrapper();
    const qemuArgs = [...args, "-qmp", "stdio"];
    // fds[i] becomes QEMU's descriptor 3 + i (setpriv passes its descriptors on).
    const stdio = ["pipe", "pipe", "pipe", ...fds] as const;
    const child = wrapper
      ? spawn(wrapper, ["--pdeathsig", "KILL", "--", file, ...qemuArgs], { stdio: [...stdio] })
      : spawn(file, qemuArgs, { stdio: [...stdio] });
    child.once("error", (err: NodeJS.ErrnoException) => cannot(err.code ?? err.message, err));
    child.once("spawn", () => {
      children.add(child);
      if (!exitHookInstalled) {
        exitHookInstalled = true;
        process.on("exit", killChildrenOnExit);
      }
      child.once("exit", () => children.delete(child));
      resolve(new ChildStream(child, `${binary} (pid ${child.pid})`));
    });
  });
}

class ChildStream implements QmpStream {
  private stderrTail = "";
  private exited: Promise<void>;

  constructor(
    private readonly child: ChildProcess,
    readonly description: string,
  ) {
    child.stderr!.setEncoding("utf8");
    child.stderr!.on("data", (s: string) => {
      this.stderrTail = (this.stderrTail + s).slice(-STDERR_KEEP);
    });
    // Writing to a QEMU that just died raises EPIPE on stdin; the close of stdout reports it.
    child.stdin!.on("error", () => {});
    this.exited = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once("exit", () => resolve());
    });
  }

  write(data: string | Uint8Array, written?: (error?: Error | null) => void): void {
    this.child.stdin!.write(data, written);
  }

  start(onData: (chunk: Buffer) => void, onClose: (reason: string | null) => void): void {
    this.child.stdout!.on("data", onData);
    // stdout closes when QEMU exits; wait for the exit status to say why.
    this.child.stdout!.once("close", () => {
      void this.exited.then(() => {
        const how = this.child.signalCode
          ? `killed by ${this.child.signalCode}`
          : `exited with status ${this.child.exitCode}`;
        const said = this.stderrTail.trim();
        onClose(`QEMU ${how}${said ? `: ${said}` : ""}`);
      });
    });
  }

  pause(): void {
    this.child.stdout!.pause();
  }

  resume(): void {
    this.child.stdout!.resume();
  }

  async destroy(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill("SIGTERM");
      const grace = startTimer(3000, () => this.child.kill("SIGKILL"), true);
      await this.exited;
      grace.cancel();
    }
    this.child.stdin!.destroy();
    this.child.stdout!.destroy();
    this.child.stderr!.destroy();
  }
}
