// File descriptors sent with a command over a Unix socket (SCM_RIGHTS), as `getfd` and `add-fd`
// expect them. Node's sockets cannot attach descriptors to what they write, so one native call
// does it: sendmsg(2), from the optional package @qapi-ts/fd-passing (an N-API addon of ours,
// runtime/native/fd-passing/). The socket stays Node's own: a message with descriptors is written by
// that call only when Node has nothing queued on the socket, and whatever the client writes
// meanwhile waits behind it, so the byte stream keeps its order.
//
// Without the package, a command with descriptors fails (code "fd-passing") with a message
// that says what to install; nothing else in the client needs it.

import { createRequire } from "node:module";
import type { Socket } from "node:net";
import { QmpClientError } from "./errors.ts";

/** The optional package that provides the native call. */
export const FD_PASSING_PACKAGE = "@qapi-ts/fd-passing";

/** The most descriptors one message carries (QEMU's character devices take 16). */
export const MAX_FDS_PER_MESSAGE = 16;

interface Addon {
  sendWithFds(socketFd: number, data: Uint8Array, fds: readonly number[]): number;
}

let addon: Addon | QmpClientError | undefined;

/** The native call, loaded once; throws (code "fd-passing") with the install hint when absent. */
export function fdPassingAddon(): Addon {
  if (addon === undefined) {
    try {
      const load = createRequire(import.meta.url);
      const loaded = load(FD_PASSING_PACKAGE) as Partial<Addon>;
      if (typeof loaded.sendWithFds !== "function") throw new Error("it exports no sendWithFds");
      addon = loaded as Addon;
    } catch (err) {
      const why =
        (err as NodeJS.ErrnoException)?.code === "MODULE_NOT_FOUND"
          ? "is not installed"
          : `could not be loaded (${(err as Error)?.message ?? String(err)})`;
      addon = new QmpClientError(
        "fd-passing",
        `passing file descriptors needs the optional package ${FD_PASSING_PACKAGE}, which ${why}: ` +
          `run 'npm install ${FD_PASSING_PACKAGE}' (it compiles a small native addon: python3, make and a C compiler)`,
        undefined,
        { cause: err },
      );
    }
  }
  if (addon instanceof QmpClientError) throw addon;
  return addon;
}

/** Why `fds` cannot be sent as given, or null. */
export function fdListProblem(fds: readonly unknown[]): string | null {
  if (fds.length > MAX_FDS_PER_MESSAGE)
    return `at most ${MAX_FDS_PER_MESSAGE} descriptors travel with one command, got ${fds.length}`;
  const bad = fds.findIndex((fd) => !(Number.isSafeInteger(fd) && (fd as number) >= 0));
  return bad < 0 ? null : `fds[${bad}] is not a file descriptor: ${String(fds[bad])}`;
}

interface Held {
  bytes: Buffer;
  fds: readonly number[] | null;
  /** For plain writes: the caller's callback, as Socket.write's. */
  written?: (error?: Error | null) => void;
}

/**
 * Writes to a connected Unix socket, some messages with descriptors attached. Plain writes go
 * straight to the socket unless a message with descriptors is waiting for Node's queue to empty;
 * then they queue behind it.
 */
export class DescriptorWriter {
  private held: Held[] | null = null;

  constructor(private readonly socket: Socket) {}

  /** Whether plain writes must go through write() here, to stay behind a waiting message. */
  get holding(): boolean {
    return this.held !== null;
  }

  write(data: string | Uint8Array, written?: (error?: Error | null) => void): void {
    if (this.held) this.held.push({ bytes: Buffer.from(data), fds: null, written });
    else this.socket.write(data, written);
  }

  /**
   * Sends `text` with `fds` attached. Throws at once what makes it impossible (no native
   * package, no descriptor behind the socket, a refused sendmsg); a failure after waiting
   * destroys the socket, which ends the connection with that reason.
   */
  writeWithFds(text: string, fds: readonly number[]): void {
    const native = fdPassingAddon();
    const bytes = Buffer.from(text);
    if (!this.held && this.socket.writableLength === 0) {
      const sent = native.sendWithFds(this.socketFd(), bytes, fds);
      // The descriptors went with the first bytes; the rest is plain data, in order.
      if (sent > 0) {
        if (sent < bytes.length) this.socket.write(bytes.subarray(sent));
        return;
      }
      this.held = [{ bytes, fds }]; // the kernel's buffer is full: retry soon
      this.flushSoon();
      return;
    }
    const first = !this.held;
    (this.held ??= []).push({ bytes, fds });
    if (first) this.flushSoon();
  }

  /** The socket's descriptor, from Node's handle (on Unix, pipes expose it as `fd`). */
  private socketFd(): number {
    const fd = (this.socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
    if (typeof fd !== "number" || fd < 0)
      throw new QmpClientError(
        "fd-passing",
        "cannot pass file descriptors: the socket has no descriptor (closed, or not a Unix socket)",
      );
    return fd;
  }

  /** Milliseconds before retrying a full socket: doubled while it stays full, up to 64. */
  private retryMs = 1;

  /**
   * Waits for Node's queue to empty (a zero-length write completes after what came before), or
   * with nothing queued (the kernel's buffer was full), a little while.
   */
  private flushSoon(): void {
    if (this.socket.writableLength > 0) {
      this.socket.write(Buffer.alloc(0), () => this.flush());
      return;
    }
    setTimeout(() => this.flush(), this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, 64);
  }

  private flush(): void {
    const held = this.held;
    if (!held || this.socket.destroyed) return;
    try {
      while (held.length) {
        const item = held[0]!;
        if (!item.fds) {
          held.shift();
          this.socket.write(item.bytes, item.written);
          continue;
        }
        if (this.socket.writableLength > 0) return this.flushSoon();
        const sent = fdPassingAddon().sendWithFds(this.socketFd(), item.bytes, item.fds);
        if (sent < 0) return this.flushSoon(); // the kernel's buffer is full
        held.shift();
        this.retryMs = 1;
        if (sent < item.bytes.length) this.socket.write(item.bytes.subarray(sent));
      }
      this.held = null;
    } catch (err) {
      this.held = null;
      const error = err instanceof Error ? err : new Error(String(err));
      for (const item of held) item.written?.(error);
      this.socket.destroy(error);
    }
  }
}
