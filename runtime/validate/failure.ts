// Why a value is invalid, as the compiled checks (compile.ts) report it: made only for an invalid
// value (through the support functions of validators.ts), given its path on the way out, innermost
// segment first, and turned into QEMU's message once, at the top, for the caller.

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

/** A failure as data: one shape for every reason (a check's result is monomorphic). */
export class Failure {
  /** The path so far, innermost segment first (reversed once, by toError). */
  private inward: (string | number)[];

  constructor(
    readonly reason: Reason,
    /** The expected type, the member or the value the message names. */
    readonly detail: string,
    /** "Deprecated" or "Unstable", for a refusal by policy. */
    readonly adjective: string,
    /** The member the failure is about, when it is one (missing, unexpected, refused). */
    member: string | null,
  ) {
    this.inward = member === null ? NO_SEGMENTS : [member];
  }

  /** Puts `segment` around the path so far (checks call it on the way out of a value). */
  at(segment: string | number): this {
    // (A one-segment array for the first: pushing onto [] would allocate room for 17.)
    if (this.inward.length === 0) this.inward = [segment];
    else this.inward.push(segment);
    return this;
  }

  /** QEMU's message, and the path (a failure is turned into an error once). */
  toError(): ValidationError {
    // (The shared empty path is never handed out: a caller may change its error.)
    const path = this.inward === NO_SEGMENTS ? [] : this.inward;
    if (path.length > 1) path.reverse();
    return { message: this.text(formatPath(path)), path };
  }

  private text(n: string): string {
    switch (this.reason) {
      case Reason.TypeError:
        return "Invalid parameter type for '" + n + "', expected: " + this.detail;
      case Reason.Missing:
        return "Parameter '" + n + "' is missing";
      case Reason.Unexpected:
        return "Parameter '" + n + "' is unexpected";
      case Reason.BadValue:
        return "Parameter '" + n + "' does not accept value '" + this.detail + "'";
      // QEMU's compat policy: a member is named by its path, a value by itself.
      case Reason.RefusedMember:
        return this.adjective + " parameter " + n + " disabled by policy";
      case Reason.RefusedValue:
        return this.adjective + " value " + this.detail + " disabled by policy";
      case Reason.Expects:
        return "Parameter '" + n + "' expects " + this.detail;
    }
  }
}
