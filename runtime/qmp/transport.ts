// Byte pipes to a QMP server: a Unix socket, a TCP socket, or the stdio of a QEMU this process
// starts. The client sees them all through QmpStream, so that framing, correlation and events
// are written once.

import { spawn, type ChildProcess } from "node:child_process";
import { createConnection, type Socket } from "node:net";
import { QmpClientError } from "./errors.ts";
import { DescriptorWriter } from "./fd-passing.ts";

/** Where the QMP server is. */
export type QmpTarget =
  | { socket: string }
  | { tcp: string | { host: string; port: number } }
  | {
      /**
       * Start QEMU with its monitor on our pipes (`-qmp stdio` is added to `args`). The process
       * belongs to the client: close() terminates it.
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
  write(text: string): void;
  /**
   * Writes `text` with descriptors attached (SCM_RIGHTS); only a Unix socket has it. Throws
   * (code "fd-passing") what makes it impossible.
   */
  writeWithFds?(text: string, fds: readonly number[]): void;
  /** Called once: data chunks until the stream closes; `reason` explains an abnormal end. */
  start(onData: (chunk: Buffer) => void, onClose: (reason: string | null) => void): void;
  /** Tears the pipe down (and stops a spawned QEMU); resolves once it is gone. */
  destroy(): Promise<void>;
}

export function describeTarget(target: QmpTarget): string {
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
  if ("spawn" in target)
    return spawnQemu(
      target.spawn.binary ?? "qemu-system-x86_64",
      target.spawn.args,
      target.spawn.fds ?? [],
    );
  let options: { path: string } | { host: string; port: number };
  if ("socket" in target) options = { path: target.socket };
  else {
    const hp = typeof target.tcp === "string" ? parseHostPort(target.tcp) : target.tcp;
    if (!hp)
      throw new QmpClientError(
        "connect",
        `not a HOST:PORT address: '${JSON.stringify(target.tcp)}'`,
      );
    options = hp;
  }
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
    const socket = createConnection(options);
    // 0 (or Infinity) waits as long as the system does.
    const timer =
      timeoutMs > 0 && Number.isFinite(timeoutMs)
        ? setTimeout(() => {
            socket.destroy();
            reject(
              new QmpClientError(
                "connect",
                `cannot connect to ${description}: no answer in ${timeoutMs} ms`,
              ),
            );
          }, timeoutMs)
        : undefined;
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.removeAllListeners("error");
      resolve(socket);
    });
    socket.once("error", (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      reject(
        new QmpClientError(
          "connect",
          `cannot connect to ${description}: ${err.code ?? err.message}${err.code === "EAGAIN" ? BUSY : ""}`,
          undefined,
          { cause: err },
        ),
      );
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

  write(text: string): void {
    if (this.descriptors?.holding) this.descriptors.write(text);
    else this.socket.write(text);
  }

  start(onData: (chunk: Buffer) => void, onClose: (reason: string | null) => void): void {
    let reason: string | null = null;
    this.socket.on("data", onData);
    this.socket.on("error", (err: NodeJS.ErrnoException) => {
      reason = err.code ?? err.message;
    });
    this.socket.on("close", () => onClose(reason));
  }

  destroy(): Promise<void> {
    if (this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once("close", () => resolve());
      this.socket.destroy();
    });
  }
}

/** The last few lines QEMU wrote to stderr: the reason it refused to start, usually. */
const STDERR_KEEP = 4096;

function spawnQemu(binary: string, args: string[], fds: readonly number[]): Promise<QmpStream> {
  return new Promise((resolve, reject) => {
    const bad = fds.findIndex((fd) => !(Number.isSafeInteger(fd) && fd >= 0));
    if (bad >= 0)
      return reject(
        new QmpClientError("connect", `spawn.fds[${bad}] is not a file descriptor: ${fds[bad]}`),
      );
    const child = spawn(binary, [...args, "-qmp", "stdio"], {
      stdio: ["pipe", "pipe", "pipe", ...fds],
    });
    child.once("error", (err: NodeJS.ErrnoException) => {
      reject(
        new QmpClientError(
          "connect",
          `cannot start ${binary}: ${err.code ?? err.message}`,
          undefined,
          { cause: err },
        ),
      );
    });
    child.once("spawn", () => resolve(new ChildStream(child, `${binary} (pid ${child.pid})`)));
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

  write(text: string): void {
    this.child.stdin!.write(text);
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

  async destroy(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill("SIGTERM");
      const grace = setTimeout(() => this.child.kill("SIGKILL"), 3000);
      grace.unref();
      await this.exited;
      clearTimeout(grace);
    }
    this.child.stdin!.destroy();
    this.child.stdout!.destroy();
    this.child.stderr!.destroy();
  }
}
