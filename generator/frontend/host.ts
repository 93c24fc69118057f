// Where the front end's schema text comes from. Like TypeScript's CompilerHost: the front end asks
// a host for a file by the name the command line or an include gave, and the host answers with its
// bytes or text, or why it can't. `diskHost` reads the file system (through bounded-input.ts's bounded
// read, as every file qapi-ts reads); `memoryHost` serves a map of names to texts, for programs
// that hold a schema in memory; `overlayHost` serves some files from memory and the rest from
// another host (a schema read from standard input, its includes from disk).

import { errorText, readBounded } from "./bounded-input.ts";
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

/** The file system, names relative to the current directory. */
export const diskHost: SchemaHost = {
  absolute: (fname) => path.resolve(fname),
  // Schema files are regular files: a device is refused as a FIFO is.
  read: (fname, limit) => readBounded(fname, limit),
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
  const entries: Iterable<[string, string]> =
    files instanceof Map ? files.entries() : Object.entries(files);
  for (const [name, text] of entries) texts.set(absolute(name), text);
  return {
    absolute,
    read(fname, limit) {
      const abs = absolute(fname);
      const text = texts.get(abs);
      if (text === undefined) {
        for (const name of texts.keys())
          if (name.startsWith(abs + "/")) return { error: errorText("EISDIR") };
        return { error: errorText("ENOENT") };
      }
      if (text.length > limit || Buffer.byteLength(text) > limit) return { tooLarge: true };
      return { text };
    },
  };
}

/**
 * The file system, except for the files given (names as the front end asks for them, e.g. the
 * `<stdin>` of a schema read from standard input): their bytes come from memory.
 */
export function overlayHost(
  files: ReadonlyMap<string, Uint8Array>,
  base: SchemaHost = diskHost,
): SchemaHost {
  const held = new Map<string, Uint8Array>();
  for (const [name, bytes] of files) held.set(base.absolute(name), bytes);
  return {
    absolute: (fname) => base.absolute(fname),
    read(fname, limit) {
      const bytes = held.get(base.absolute(fname));
      if (bytes === undefined) return base.read(fname, limit);
      return bytes.length > limit ? { tooLarge: true } : { bytes };
    },
  };
}
