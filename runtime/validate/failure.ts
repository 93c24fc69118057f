// Why a value is invalid, as the compiled checks (compile.ts) report it: made only for an invalid
// value (through the support functions of validators.ts), given its path on the way out, innermost
// segment first, and given QEMU's message once, at the top, when it becomes the caller's error.

import { formatPath } from "./scalars.ts";

/** Why a value is invalid: QEMU's message, and where, from the top of the value. */
export interface ValidationError {
  message: string;
  path: (string | number)[];
}

export const enum Reason {
  TypeError,
  Missing,
  Unexpected,
  BadValue,
  RefusedMember,
  RefusedValue,
  /** A value outside what an integer type takes. */
  Expects,
}

const NO_SEGMENTS: (string | number)[] = [];

/**
 * A failure as data: one shape for every reason (a check's result is monomorphic). It becomes
 * the caller's error itself (toError), not a copy: its own properties are then the error's,
 * `message` and `path`, and what the message is made of is kept in private fields, which no
 * reflection, JSON.stringify or deep comparison sees.
 */
export class Failure implements ValidationError {
  readonly #reason: Reason;
  /** The expected type, the member or the value the message names. */
  readonly #detail: string;
  /** "Deprecated" or "Unstable", for a refusal by policy. */
  readonly #adjective: string;
  // (Assigned in the constructor, not declared as fields: a field would be defined on every
  // failure before the constructor runs, one more step on the error path.)
  /** QEMU's message: empty until toError. */
  declare message: string;
  /** The path so far, innermost segment first until toError reverses it. */
  declare path: (string | number)[];

  constructor(
    reason: Reason,
    detail: string,
    adjective: string,
    /** The member the failure is about, when it is one (missing, unexpected, refused). */
    member: string | null,
  ) {
    this.message = "";
    this.path = member === null ? NO_SEGMENTS : [member];
    this.#reason = reason;
    this.#detail = detail;
    this.#adjective = adjective;
  }

  /** Puts `segment` around the path so far (checks call it on the way out of a value). */
  at(segment: string | number): this {
    // (A one-segment array for the first: pushing onto [] would allocate room for 17.)
    if (this.path.length === 0) this.path = [segment];
    else this.path.push(segment);
    return this;
  }

  /** This failure as the caller's error: QEMU's message, the path from the top (once). */
  toError(): ValidationError {
    const inward = this.path;
    const first = inward[0];
    // (One segment, a member's name, is the path of most failures: named as it is.)
    if (inward.length === 1 && typeof first === "string" && first !== "") {
      this.message = this.text(first);
    } else {
      // (The shared empty path is never handed out: a caller may change its error.)
      this.path = inward === NO_SEGMENTS ? [] : inward.reverse();
      this.message = this.text(formatPath(this.path));
    }
    return this;
  }

  private text(n: string): string {
    switch (this.#reason) {
      case Reason.TypeError:
        return "Invalid parameter type for '" + n + "', expected: " + this.#detail;
      case Reason.Missing:
        return "Parameter '" + n + "' is missing";
      case Reason.Unexpected:
        return "Parameter '" + n + "' is unexpected";
      case Reason.BadValue:
        return "Parameter '" + n + "' does not accept value '" + this.#detail + "'";
      // QEMU's compat policy: a member is named by its path, a value by itself.
      case Reason.RefusedMember:
        return this.#adjective + " parameter " + n + " disabled by policy";
      case Reason.RefusedValue:
        return this.#adjective + " value " + this.#detail + " disabled by policy";
      case Reason.Expects:
        return "Parameter '" + n + "' expects " + this.#detail;
    }
  }
}
