// A schema file's bytes to text: UTF-8, as QEMU reads files, with the first invalid byte located.

import { isAscii, isUtf8 } from "node:buffer";
import { QAPIError, type SourceInfo } from "../../model/source.ts";
import { columnOf } from "./scanner.ts";

/** The text of a file's bytes; a BOM is kept, as QEMU keeps it. `fileInfo` is at line 1. */
export function decodeSchema(bytes: Uint8Array, fileInfo: SourceInfo): string {
  const buf = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  // Most schemas are ASCII, which needs no decoding.
  if (isAscii(buf)) return buf.toString("latin1");
  if (!isUtf8(buf)) throw invalidUtf8(buf, fileInfo);
  return buf.toString("utf8");
}

/** The length of the valid UTF-8 sequence at bytes[i], or 0. */
function sequenceLength(bytes: Buffer, i: number): number {
  const b = bytes[i]!;
  const n =
    b < 0x80
      ? 1
      : b >= 0xc2 && b < 0xe0
        ? 2
        : b >= 0xe0 && b < 0xf0
          ? 3
          : b >= 0xf0 && b < 0xf5
            ? 4
            : 0;
  if (n === 0 || i + n > bytes.length) return 0;
  for (let k = 1; k < n; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) return 0;
  const b1 = bytes[i + 1]!;
  // overlong forms, surrogates, code points above U+10FFFF
  if (n === 3 && ((b === 0xe0 && b1 < 0xa0) || (b === 0xed && b1 >= 0xa0))) return 0;
  if (n === 4 && ((b === 0xf0 && b1 < 0x90) || (b === 0xf4 && b1 >= 0x90))) return 0;
  return n;
}

function invalidUtf8(bytes: Buffer, fileInfo: SourceInfo): QAPIError {
  let i = 0;
  for (let n; i < bytes.length && (n = sequenceLength(bytes, i)) > 0; ) i += n;
  const before = bytes.subarray(0, i);
  const lineStart = before.lastIndexOf(10) + 1;
  let line = 1;
  for (let k = 0; k < lineStart; k++) if (before[k] === 10) line++;
  const prefix = before.subarray(lineStart).toString("utf8");
  // (The range is the byte, after the text before it on its line.)
  const col = prefix.length + 1;
  return new QAPIError(
    fileInfo.at(line),
    `invalid UTF-8 byte 0x${bytes[i]!.toString(16).padStart(2, "0")}`,
    {
      col: columnOf(prefix, prefix.length),
      range: { start: { line, col }, end: { line, col: col + 1 } },
    },
  );
}
