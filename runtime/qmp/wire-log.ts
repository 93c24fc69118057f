// The wire log: every message a client sends and receives, as it was on the wire, with the time
// and the connection. A client takes a logger (its `logger` option); without one it logs through
// Node's util.debuglog when NODE_DEBUG names qapi-ts (`NODE_DEBUG=qapi-ts node app.js`), as
// qemu.qmp logs every message at debug level. The CLI's --trace prints the same lines.
//
// The text is the message's own JSON text (so every value is exact, 64-bit integers included);
// a long one is shortened where it is printed (formatWireLogEntry), never in the client.

import { debuglog } from "node:util";

/** One message (or stray text) on a connection. */
export interface WireLogEntry {
  /** When it was written or read: milliseconds since the epoch (Date.now()). */
  time: number;
  /**
   * The connection: what it reaches and the client's count of its connections, which goes up
   * when it reconnects ("unix socket /run/qemu/qmp.sock #2").
   */
  connection: string;
  /** "send": written to the server; "receive": read from it. */
  direction: "send" | "receive";
  /** The message's JSON text as on the wire (without the line end), or the text that came. */
  text: string;
  /**
   * false when `text` is not a message: stray text, the start of a broken message, the guest
   * agent's 0xFF sentinel (text "\xff"), or a note on what the client let go.
   */
  json: boolean;
  /** Descriptors sent with the message (SCM_RIGHTS), when there were any. */
  fds?: number;
}

/** Receives the wire log; it is called synchronously, so it should not block. */
export type WireLogger = (entry: WireLogEntry) => void;

/** Where printing shortens a message by default (characters of its text). */
export const DEFAULT_LOG_LENGTH = 1000;

/** C0 and C1 controls and DEL: what a terminal may act on, written as escapes. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * One line for an entry: `TIME CONNECTION -> TEXT` (`<-` for what was received), the time in
 * ISO 8601 (UTC, milliseconds), control characters escaped, a text longer than `maxLength`
 * characters shortened to its start and its length in bytes (0 keeps it whole).
 */
export function formatWireLogEntry(
  entry: WireLogEntry,
  { maxLength = DEFAULT_LOG_LENGTH }: { maxLength?: number } = {},
): string {
  let text = entry.text;
  if (maxLength > 0 && text.length > maxLength)
    text = `${text.slice(0, maxLength)}... (${Buffer.byteLength(entry.text)} bytes)`;
  text = text.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
  const arrow = entry.direction === "send" ? "->" : "<-";
  const kind = entry.json ? "" : "(not a message) ";
  const fds = entry.fds ? ` (with ${entry.fds} descriptor${entry.fds === 1 ? "" : "s"})` : "";
  return `${new Date(entry.time).toISOString()} ${entry.connection} ${arrow} ${kind}${text}${fds}`;
}

let debugLogger: WireLogger | null | undefined;

/** The logger NODE_DEBUG=qapi-ts asks for (util.debuglog's "QAPI-TS PID:" lines), or null. */
export function debugWireLogger(): WireLogger | null {
  if (debugLogger === undefined) {
    const debug = debuglog("qapi-ts");
    debugLogger = debug.enabled ? (entry) => debug("%s", formatWireLogEntry(entry)) : null;
  }
  return debugLogger;
}

/** A client's logger: its option, else NODE_DEBUG's; null logs nothing. */
export function wireLoggerOf(option: WireLogger | null | undefined): WireLogger | null {
  return option === undefined ? debugWireLogger() : option;
}
