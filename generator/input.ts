// Reading an input the CLI names: a path, or `-` for standard input. Bounded, so that
// /dev/zero or an endless pipe ends in a diagnostic rather than exhausting memory. A named path
// is read only when reading cannot wait: a regular file, or a character device (/dev/null as an
// empty file), opened without blocking; a FIFO (whose open and reads wait for a writer), a
// socket, a directory or a block device is refused unread. Errors are InputErrors worded as
// the schema parser words them ("can't read schema file 'x': No such file or directory").

import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from "node:fs";

/** An input that cannot be read; `message` is ready to print. */
export class InputError extends Error {
  override name = "InputError";
}

export interface InputOptions {
  /** Refuse inputs larger than this. */
  maxBytes: number;
  /** What the input is, for messages: "defines file" gives "can't read defines file 'x': ...". */
  purpose: string;
}

/** The C library's wording of the errors a read meets (Node's messages are libuv's). */
const STRERROR: Record<string, string> = {
  ENOENT: "No such file or directory",
  EISDIR: "Is a directory",
  EACCES: "Permission denied",
  EPERM: "Operation not permitted",
  ENOTDIR: "Not a directory",
  ELOOP: "Too many levels of symbolic links",
  ENAMETOOLONG: "File name too long",
  EMFILE: "Too many open files",
  EIO: "Input/output error",
  ENXIO: "No such device or address",
  EAGAIN: "Resource temporarily unavailable",
};

/** The C library's message for a Node error: by its code, else Node's own text. */
export function strerror(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code ?? "";
  return STRERROR[code] ?? (err as Error).message;
}

/** Why a file of this kind is not read (undefined for a regular file or character device). */
function unreadable(st: Stats): string | undefined {
  if (st.isFile() || st.isCharacterDevice()) return undefined;
  if (st.isDirectory()) return "Is a directory";
  const kind = st.isFIFO() ? "a FIFO" : st.isSocket() ? "a socket" : "a block device";
  return `Not a regular file (${kind})`;
}

function tooLarge(maxBytes: number): string {
  return `File too large (more than ${formatBytes(maxBytes)})`;
}

function formatBytes(n: number): string {
  if (n % 2 ** 20 === 0) return `${n / 2 ** 20} MiB`;
  if (n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

/**
 * The bytes of a named file, at most `maxBytes` of them. The kind is checked before opening
 * (so that a FIFO is never opened), and again on the descriptor, opened without blocking, in
 * case the path changed in between; a device that has nothing to give now (a terminal) fails.
 */
export function readFileInput(path: string, options: InputOptions): Buffer {
  const cantRead = (reason: string): InputError =>
    new InputError(`can't read ${options.purpose} '${path}': ${reason}`);
  let fd: number;
  try {
    const reason = unreadable(statSync(path));
    if (reason) throw cantRead(reason);
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw e instanceof InputError ? e : cantRead(strerror(e));
  }
  try {
    const st = fstatSync(fd);
    const reason = unreadable(st);
    if (reason) throw cantRead(reason);
    if (st.size > options.maxBytes) throw cantRead(tooLarge(options.maxBytes));
    // Read to the end rather than trusting the size: a file may grow (up to the bound).
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      // A device has no size: read it in 64 KiB chunks.
      const want = st.isFile() ? Math.max(st.size - total, 0) + 1 : 1 << 16;
      const chunk = Buffer.allocUnsafe(Math.min(want, 1 << 20));
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      total += n;
      if (total > options.maxBytes) throw cantRead(tooLarge(options.maxBytes));
      chunks.push(n === chunk.length ? chunk : chunk.subarray(0, n));
    }
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
  } catch (e) {
    throw e instanceof InputError ? e : cantRead(strerror(e));
  } finally {
    closeSync(fd);
  }
}

/**
 * The bytes of standard input (a pipe, a file, a device, a terminal), at most `maxBytes`:
 * reading stops there with an InputError, so that endless input ends.
 */
export async function readStdinInput(options: InputOptions): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  const stdin = process.stdin;
  try {
    for await (const chunk of stdin as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > options.maxBytes) {
        throw new InputError(
          `can't read standard input: Input too large (more than ${formatBytes(options.maxBytes)})`,
        );
      }
      chunks.push(chunk);
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`can't read standard input: ${strerror(e)}`);
  } finally {
    // Stop reading (a pipe's writer gets EPIPE, /dev/zero is closed).
    stdin.destroy();
  }
  return Buffer.concat(chunks, total);
}

/** A named input: a path, or `-` for standard input. */
export async function readInput(path: string, options: InputOptions): Promise<Buffer> {
  return path === "-" ? readStdinInput(options) : readFileInput(path, options);
}
