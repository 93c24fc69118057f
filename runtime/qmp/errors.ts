// The two kinds of failure a QMP caller sees: QEMU said no (QmpError, with QEMU's own error
// class and text), or the client could not get an answer at all (QmpClientError, with a code
// a program can switch on). Both carry the command name so a log line says what failed.

import { formatPath } from "../validate/scalars.ts";

/** QEMU answered the command with an error reply. */
export class QmpError extends Error {
  override readonly name = "QmpError";
  /** QEMU's error class: GenericError, CommandNotFound, DeviceNotFound, ... */
  readonly class: string;
  /** QEMU's human-readable text (not meant to be parsed). */
  readonly desc: string;
  /** The command that failed ("" when QEMU could not tell which, e.g. a JSON parse error). */
  readonly command: string;

  constructor(errorClass: string, desc: string, command: string) {
    super(`${command ? `${command}: ` : ""}${errorClass}: ${desc}`);
    this.class = errorClass;
    this.desc = desc;
    this.command = command;
  }

  /** The error for a reply's "error" member (`{ class, desc }`) to `command`. */
  static from(error: unknown, command: string): QmpError {
    const e = (typeof error === "object" && error !== null ? error : {}) as {
      class?: unknown;
      desc?: unknown;
    };
    const text = (v: unknown, otherwise: string): string =>
      typeof v === "string" ? v : v === undefined ? otherwise : JSON.stringify(v);
    return new QmpError(text(e.class, "GenericError"), text(e.desc, ""), command);
  }
}

export type QmpClientErrorCode =
  /** No connection could be made (refused, missing socket, connect timeout). */
  | "connect"
  /** Connected, but no QMP greeting came in time, or what came is not a well-formed greeting. */
  | "greeting"
  /** qmp_capabilities failed, or got no reply in time. */
  | "negotiation"
  /** The connection closed (QEMU exited or was killed) with the command pending, or before it was sent. */
  | "disconnected"
  /** The command's timeout elapsed with no (complete) reply. */
  | "timeout"
  /**
   * The server answered the command with an error that carried no id (it could not read the
   * request), and could not tell which of several commands it was about: see onWarning.
   */
  | "no-reply"
  /**
   * A message from QEMU was longer than the client's maxMessageBytes: the connection was closed
   * and every pending command fails with this code.
   */
  | "message-too-large"
  /** A message from QEMU nested deeper than QEMU itself allows (1024): as message-too-large. */
  | "message-too-deep"
  /** The guest agent did not answer guest-sync-delimited (QgaClient). */
  | "sync"
  /** The caller's AbortSignal fired. */
  | "aborted"
  /** The live schema (client.schema()) has no such command, or it cannot run out-of-band. */
  | "not-in-schema"
  /** Refused by the client's compat policy (e.g. a deprecated command with deprecatedInput: "reject"). */
  | "compat"
  /** The validation hook rejected the arguments (nothing was sent) or the result. */
  | "invalid-arguments"
  | "invalid-result"
  /** An event iterator fell further behind than its buffer allows (policy "error"). */
  | "event-overflow"
  /** The client was closed by its owner. */
  | "closed"
  /**
   * Descriptors given with a command could not be sent: the optional native package is not
   * installed (the message says what to install), the transport is not a Unix socket, or the
   * list is not one of descriptors. Nothing was sent.
   */
  | "fd-passing";

/** The client could not obtain an answer from QEMU. */
export class QmpClientError extends Error {
  override readonly name = "QmpClientError";
  constructor(
    readonly code: QmpClientErrorCode,
    message: string,
    /** The command concerned, when there is one. */
    readonly command?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The error for arguments that cannot be sent: the problem, and where in the arguments. */
export function unsendable(
  command: string,
  problem: { message: string; path: (string | number)[] },
): QmpClientError {
  let where = problem.path.length ? formatPath(problem.path) : "";
  if (where.length > 80) where = `${where.slice(0, 40)}...${where.slice(-37)}`;
  return new QmpClientError(
    "invalid-arguments",
    `${command}: arguments cannot be sent: ${problem.message}${where ? ` (at ${where})` : ""}`,
    command,
  );
}
