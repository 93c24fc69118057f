// Where the front end's schema text comes from. Like TypeScript's CompilerHost: the front end asks
// a host for a file by the name the command line or an include gave, and the host answers with its
// bytes or text, or why it can't. `diskHost` reads the file system (all reading happens in one
// bounded function, readRegularFile); `memoryHost` serves a map of names to texts, for programs
// that hold a schema in memory.

import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from "node:fs";
import * as path from "node:path";

export type HostRead =
  /** The file's bytes (UTF-8 is checked by the front end, which locates invalid bytes). */
  | { bytes: Uint8Array }
  /** The file's text, already decoded. */
  | { text: string }
  /** Bigger than the limit it was read with. */
  | { tooLarge: true }
  /** Why it can't be read, in the words of strerror(3) ("No such file or directory"). */
  | { error: string };

export interface SchemaHost {
  /** The absolute name of a file: each file is parsed once, and include loops compare these. */
  absolute(fname: string): string;
  /** A file's content, if it has at most `limit` bytes. Never throws. */
  read(fname: string, limit: number): HostRead;
}

const STRERROR = new Map([
  ["ENOENT", "No such file or directory"],
  ["EISDIR", "Is a directory"],
  ["EACCES", "Permission denied"],
  ["EPERM", "Operation not permitted"],
  ["ENOTDIR", "Not a directory"],
  ["ELOOP", "Too many levels of symbolic links"],
  ["ENAMETOOLONG", "File name too long"],
  ["EMFILE", "Too many open files"],
  ["ENFILE", "Too many open files in system"],
  ["EIO", "Input/output error"],
  ["ENXIO", "No such device or address"],
]);

/** What the front end says about inputs that are not regular files (devices, FIFOs, sockets). */
export const NOT_REGULAR = "Not a regular file";

/** Most one read(2) asks for: a file is read in pieces, never past the limit it is read with. */
const READ_CHUNK = 1 << 20;

function whyNot(st: Stats): string | null {
  if (st.isFile()) return null;
  return st.isDirectory() ? STRERROR.get("EISDIR")! : NOT_REGULAR;
}

/**
 * Reads a regular file of at most `limit` bytes. Anything else is refused before it is opened
 * (opening a FIFO blocks, reading a device may never end); the file is opened non-blocking and
 * checked again (it may have been replaced in between), and read in bounded pieces: files whose
 * size stat() does not tell (/proc) stop at the limit too.
 */
export function readRegularFile(fname: string, limit: number): HostRead {
  let fd = -1;
  try {
    const before = statSync(fname);
    const refused = whyNot(before);
    if (refused) return { error: refused };
    if (before.size > limit) return { tooLarge: true };
    fd = openSync(fname, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
    const opened = fstatSync(fd);
    const replaced = whyNot(opened);
    if (replaced) return { error: replaced };
    // One read for a file whose size stat() tells, then one that finds its end.
    let buf = Buffer.allocUnsafe(
      Math.min(limit + 1, opened.size > 0 ? opened.size + 1 : READ_CHUNK),
    );
    let total = 0;
    for (;;) {
      if (total === buf.length) {
        if (total > limit) return { tooLarge: true };
        const bigger = Buffer.allocUnsafe(Math.min(limit + 1, total * 2));
        buf.copy(bigger, 0, 0, total);
        buf = bigger;
      }
      const n = readSync(fd, buf, total, Math.min(READ_CHUNK, buf.length - total), null);
      if (n === 0) break;
      total += n;
    }
    if (total > limit) return { tooLarge: true };
    return { bytes: buf.subarray(0, total) };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return { error: STRERROR.get(err.code ?? "") ?? err.message };
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

/** The file system, names relative to the current directory. */
export const diskHost: SchemaHost = {
  absolute: (fname) => path.resolve(fname),
  read: readRegularFile,
};

/**
 * Files held in memory: names (relative ones from `cwd`, default "/") to texts. A name that is
 * the folder of some file reads as a directory; any other unknown name as a missing file.
 */
export function memoryHost(
  files: ReadonlyMap<string, string> | Readonly<Record<string, string>>,
  cwd = "/",
): SchemaHost {
  const absolute = (fname: string): string => path.posix.resolve(cwd, fname);
  const texts = new Map<string, string>();
  const entries = files instanceof Map ? files.entries() : Object.entries(files);
  for (const [name, text] of entries) texts.set(absolute(name), text);
  return {
    absolute,
    read(fname, limit) {
      const abs = absolute(fname);
      const text = texts.get(abs);
      if (text === undefined) {
        for (const name of texts.keys())
          if (name.startsWith(abs + "/")) return { error: STRERROR.get("EISDIR")! };
        return { error: STRERROR.get("ENOENT")! };
      }
      if (text.length > limit || Buffer.byteLength(text) > limit) return { tooLarge: true };
      return { text };
    },
  };
}
