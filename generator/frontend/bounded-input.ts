// Reading an input the CLI names: a path, or `-` for standard input. Bounded, so that
// /dev/zero or an endless pipe ends in a diagnostic rather than exhausting memory. A named path
// is read only when reading cannot wait: a regular file, or a character device (/dev/null as an
// empty file), opened without blocking; a FIFO (whose open and reads wait for a writer), a
// socket, a directory or a block device is refused unread. Errors are InputErrors worded as
// the schema parser words them ("can't read schema file 'x': No such file or directory").

import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from "node:fs";

/** How standard input (an input named `-`) is named in messages. */
export const STDIN_NAME = "<stdin>";

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
const STRERROR = {
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
  ENFILE: "Too many open files in system",
  ENOSPC: "No space left on device",
  EDQUOT: "Disk quota exceeded",
  EROFS: "Read-only file system",
  EFBIG: "File too large",
  EBUSY: "Device or resource busy",
  EEXIST: "File exists",
  ENOTEMPTY: "Directory not empty",
  EXDEV: "Invalid cross-device link",
} as const satisfies Record<string, string>;

/** The C library's message for a Node error: by its code, else Node's own text. */
export function strerror(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code ?? "";
  return Object.hasOwn(STRERROR, code)
    ? STRERROR[code as keyof typeof STRERROR]
    : (err as Error).message;
}

function tooLarge(maxBytes: number): string {
  return `File too large (more than ${formatBytes(maxBytes)})`;
}

function formatBytes(n: number): string {
  if (n % 2 ** 20 === 0) return `${n / 2 ** 20} MiB`;
  if (n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

/** The C library's message for an errno code. */
export function errorText(code: keyof typeof STRERROR): string {
  return STRERROR[code];
}

/** What a bounded read of a named file gives. */
export type ReadResult =
  | { bytes: Buffer }
  /** Bigger than the limit it was read with. */
  | { tooLarge: true }
  /** Why it can't be read, in the C library's words ("No such file or directory"). */
  | { error: string };

/** Why a file of this kind is not read (undefined when it is). */
function unreadable(st: Stats, devices: boolean): string | undefined {
  if (st.isFile() || (devices && st.isCharacterDevice())) return undefined;
  if (st.isDirectory()) return "Is a directory";
  const kind = st.isFIFO()
    ? "a FIFO"
    : st.isSocket()
      ? "a socket"
      : st.isCharacterDevice()
        ? "a character device"
        : "a block device";
  return `Not a regular file (${kind})`;
}

/**
 * The bytes of a named file, at most `limit` of them: every file qapi-ts reads goes through
 * here. Anything but a regular file (and, with `devices`, a character device such as
 * /dev/null) is refused before it is opened (opening a FIFO blocks, reading /dev/zero never
 * ends); the file is opened without blocking and checked again, in case the path changed in
 * between; it is read to its end in bounded pieces, not trusting its size (/proc files, growing
 * files), and never past the limit.
 */
export function readBounded(path: string, limit: number, devices = false): ReadResult {
  let fd = -1;
  try {
    const refused = unreadable(statSync(path), devices);
    if (refused) return { error: refused };
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
    const st = fstatSync(fd);
    const replaced = unreadable(st, devices);
    if (replaced) return { error: replaced };
    if (st.size > limit) return { tooLarge: true };
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      // One read for a file whose size stat() tells, then one that finds its end.
      const want = st.isFile() ? Math.max(st.size - total, 0) + 1 : 1 << 16;
      const chunk = Buffer.allocUnsafe(Math.min(want, 1 << 20));
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      total += n;
      if (total > limit) return { tooLarge: true };
      chunks.push(n === chunk.length ? chunk : chunk.subarray(0, n));
    }
    return { bytes: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total) };
  } catch (e) {
    return { error: strerror(e) };
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

/** readBounded's failure as a message: "can't read PURPOSE 'PATH': REASON". */
export function cantRead(
  purpose: string,
  path: string,
  r: Exclude<ReadResult, { bytes: Buffer }>,
  limit: number,
): string {
  return `can't read ${purpose} '${path}': ${"tooLarge" in r ? tooLarge(limit) : r.error}`;
}

/** The bytes of a named file the CLI reads (devices such as /dev/null included), or an InputError. */
export function readFileInput(path: string, options: InputOptions): Buffer {
  const r = readBounded(path, options.maxBytes, true);
  if ("bytes" in r) return r.bytes;
  throw new InputError(cantRead(options.purpose, path, r, options.maxBytes));
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
