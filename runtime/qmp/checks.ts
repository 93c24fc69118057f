// What the client checks on its side of the wire: before sending, a command against the live
// schema (does this QEMU have it, may it run out-of-band, does the compat policy accept it)
// and its arguments against the validators; after, results and event data against the
// validators. Validators are the caller's code: one that throws counts as a failed check.

import type { SchemaIndex } from "../introspection.ts";
import type { QmpGreeting } from "./connection.ts";
import { QmpClientError } from "./errors.ts";
import type { CompatPolicy, QmpClientOptions, ValidatorOptions, Validators } from "./types.ts";

export class Checks {
  /** The live query-qmp-schema, once fetched (null after a reconnection, until refetched). */
  liveSchema: SchemaIndex | null = null;
  private readonly compat: CompatPolicy;
  private readonly validators: Validators | null;
  private readonly commands: Set<string>;
  private readonly events: Set<string>;
  private readonly replies: ValidatorOptions;

  constructor(options: QmpClientOptions) {
    this.compat = options.compat ?? {};
    this.validators = options.validate ?? null;
    // Only what the validators know is checked: a live QEMU may be newer or older.
    this.commands = new Set(this.validators?.commandNames);
    this.events = new Set(this.validators?.eventNames);
    this.replies = { unknownMembers: options.strictReplies ? "reject" : "ignore" };
  }

  /** Why `command` must not be sent, or null. */
  beforeSending(
    command: string,
    args: unknown,
    oob: boolean,
    greeting: QmpGreeting | null,
    enabled: readonly string[],
  ): QmpClientError | null {
    const refuse = (code: "not-in-schema" | "compat" | "invalid-arguments", why: string) =>
      new QmpClientError(code, `${command}: ${why}`, command);
    if (oob && !enabled.includes("oob"))
      return refuse(
        "not-in-schema",
        `out-of-band execution is not enabled on this connection (server offered: ${greeting?.capabilities.join(", ") || "nothing"})`,
      );
    if (this.liveSchema) {
      const found = this.liveSchema.get(command);
      const entry = found?.["meta-type"] === "command" ? found : null;
      if (!entry)
        return refuse("not-in-schema", `this QEMU (${versionText(greeting)}) has no such command`);
      if (oob && entry["allow-oob"] !== true)
        return refuse("not-in-schema", "this QEMU does not allow it out-of-band");
      const features = entry.features ?? [];
      for (const [feature, policy] of [
        ["deprecated", this.compat.deprecatedInput],
        ["unstable", this.compat.unstableInput],
      ] as const) {
        if (policy === "reject" && features.includes(feature))
          return refuse(
            "compat",
            `the command is ${feature} and the compat policy rejects ${feature} input`,
          );
      }
    }
    if (this.commands.has(command)) {
      const problem = run(() =>
        this.validators!.validateCommandArguments(command, args, this.compat),
      );
      if (problem) return refuse("invalid-arguments", problem);
    }
    return null;
  }

  /** A command's result in the validators' int64 representation, or why it has none. */
  decodeResult(command: string, value: unknown): { value: unknown } | { problem: string } {
    return decode(() => this.validators?.decodeCommandReturns?.(command, value) ?? value);
  }

  /** An event's data in the validators' int64 representation, or why it has none. */
  decodeEvent(name: string, data: unknown): { value: unknown } | { problem: string } {
    return decode(() => this.validators?.decodeEvent?.(name, data) ?? data);
  }

  /** What is wrong with a command's result, or null. */
  result(command: string, value: unknown): string | null {
    if (!this.commands.has(command)) return null;
    return run(() => this.validators!.validateCommandReturns(command, value, this.replies));
  }

  /** What is wrong with an event's data, or null. */
  event(name: string, data: unknown): string | null {
    if (!this.events.has(name)) return null;
    return run(() => this.validators!.validateEvent(name, data, this.replies));
  }
}

function run(check: () => { message: string } | null): string | null {
  try {
    return check()?.message ?? null;
  } catch (err) {
    return `the validator threw: ${(err as Error)?.message ?? String(err)}`;
  }
}

function decode(put: () => unknown): { value: unknown } | { problem: string } {
  try {
    return { value: put() };
  } catch (err) {
    return { problem: (err as Error)?.message ?? String(err) };
  }
}

function versionText(g: QmpGreeting | null): string {
  const v = g?.version.qemu;
  return v ? `QEMU ${v.major}.${v.minor}.${v.micro}` : "QEMU";
}
