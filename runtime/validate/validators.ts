// Validators from a validator table (table.ts): QEMU's QMP input rules and its messages for every
// type, command and event of a schema. The table is compiled into straight-line checks once
// (compile.ts); a check returns undefined for a valid value and allocates nothing then, and a
// failure collects its path on the way out.
//
// Values are JSON as a lossless parse yields it (json.ts): objects, arrays, strings, booleans,
// null, numbers, and bigints for integers beyond 2^53. Only own properties count, so a polluted
// Object.prototype in the host process changes nothing, and a member may be named `constructor`.

import { conditionHolds, type Condition } from "../conditions.ts";
import { compileChecks, type Check, type Failure, type Settings, type Support } from "./compile.ts";
import { int64Decoder, type Int64Decoder } from "./int64.ts";
import { isObject, jsonType } from "./json.ts";
import { checkScalar, formatPath, type Int64Representation, type ScalarType } from "./scalars.ts";
import { DEPRECATED, UNSTABLE, type ValidatorTable } from "./table.ts";

/** How strictly to validate; the defaults are QEMU's. */
export interface ValidateOptions {
  /** QEMU's compat policy for input (arguments) marked `deprecated` (default: accept). */
  deprecatedInput?: "accept" | "reject";
  /** QEMU's compat policy for input (arguments) marked `unstable` (default: accept). */
  unstableInput?: "accept" | "reject";
  /** "ignore" tolerates members the schema lacks, e.g. in replies from a newer QEMU. */
  unknownMembers?: "reject" | "ignore";
  /**
   * The condition symbols of the QEMU build: parts of the schema whose 'if' fails are then
   * absent. Default: every conditional part is accepted.
   */
  defines?: ReadonlySet<string> | Iterable<string>;
}

/** Why a value is invalid: QEMU's message, and where, from the top of the value. */
export interface ValidationError {
  message: string;
  path: (string | number)[];
}

/** A command map: each command's argument and result types (what `qapi-ts generate` writes). */
export type CommandMap<C> = { [K in keyof C]: { args: unknown; returns: unknown } };
/** An event map: each event's data type. */
export type EventMap<E> = { [K in keyof E]: unknown };

/** How a validator set is made. */
export interface ValidatorSetOptions {
  /**
   * How values of the 64-bit integer types are held (default "exact": a number when a double
   * holds the integer exactly, else a bigint); the checks require it, and the decode methods
   * put replies in it. Generated validators pass what their types were generated for.
   */
  int64?: Int64Representation;
}

/** Validators for a schema; `C` and `E` are its generated command and event maps. */
export interface Validators<
  C extends CommandMap<C> = AnyCommands,
  E extends EventMap<E> = AnyEvents,
> {
  /** How this set holds values of the 64-bit integer types (ValidatorSetOptions.int64). */
  readonly int64: Int64Representation;
  readonly commandNames: readonly string[];
  readonly eventNames: readonly string[];
  readonly typeNames: readonly string[];
  /** A command's `arguments` (undefined when absent). Null when valid. */
  validateCommandArguments(
    name: string,
    args: unknown,
    options?: ValidateOptions,
  ): ValidationError | null;
  /** A command's `return` value. Null when valid. */
  validateCommandReturns(
    name: string,
    value: unknown,
    options?: ValidateOptions,
  ): ValidationError | null;
  /** An event's `data` (undefined when absent). Null when valid. */
  validateEvent(name: string, data: unknown, options?: ValidateOptions): ValidationError | null;
  /** A value of a named type. Null when valid. */
  validateType(name: string, value: unknown, options?: ValidateOptions): ValidationError | null;
  /**
   * A command's `return` value as parsed from QMP (parseJsonLossless, as the QMP client reads
   * replies), put in this set's int64 representation, in place: "bigint" makes the integers of
   * 64-bit members bigints, "number" throws Int64RangeError on an integer a number cannot hold
   * exactly, "exact" changes nothing. Decode before validating or narrowing a reply.
   */
  decodeCommandReturns(name: string, value: unknown): unknown;
  /** An event's `data` as parsed from QMP, put in this set's int64 representation (in place). */
  decodeEvent(name: string, data: unknown): unknown;
  /** Type guards over the validators, for code that only needs a yes or no. */
  isCommandArguments<K extends keyof C & string>(
    name: K,
    args: unknown,
    options?: ValidateOptions,
  ): args is C[K]["args"];
  isCommandReturns<K extends keyof C & string>(
    name: K,
    value: unknown,
    options?: ValidateOptions,
  ): value is C[K]["returns"];
  isEventData<K extends keyof E & string>(
    name: K,
    data: unknown,
    options?: ValidateOptions,
  ): data is E[K];
}

export type AnyCommands = Record<string, { args: unknown; returns: unknown }>;
export type AnyEvents = Record<string, unknown>;

/**
 * The validators of a table (or of its JSON text, as generated code embeds it). Checks are
 * compiled on first use.
 */
export function createValidators<
  C extends CommandMap<C> = AnyCommands,
  E extends EventMap<E> = AnyEvents,
>(table: ValidatorTable | string, options: ValidatorSetOptions = {}): Validators<C, E> {
  return new TableValidators<C, E>(
    typeof table === "string" ? (JSON.parse(table) as ValidatorTable) : table,
    options.int64 ?? "exact",
  );
}

// ---------------------------------------------------------------------------------------------
// Failures: a message template and the path, filled in innermost first (compile.ts's checks
// create them; nothing is allocated for a valid value).

function fail(path: (string | number)[], text: (path: string) => string): Failure {
  return { path, text };
}

/** What the compiled checks call, for one int64 representation. */
const support = (int64: Int64Representation): Support => ({
  typeError,
  missing: (member) => fail([member], (n) => `Parameter '${n}' is missing`),
  unexpected,
  badValue: (value) => fail([], (n) => `Parameter '${n}' does not accept value '${value}'`),
  // QEMU's compat policy: a member is named by its path, a value by itself.
  refusedMember: (adjective, member) =>
    fail([member], (n) => `${adjective} parameter ${n} disabled by policy`),
  refusedValue: (adjective, value) =>
    fail([], () => `${adjective} value ${value} disabled by policy`),
  at(f, segment) {
    f.path.unshift(segment);
    return f;
  },
  scalar(type: ScalarType): Check {
    return (v) => {
      const f = checkScalar(type, v, int64);
      return f === undefined ? undefined : fail([], (n) => f.message(n));
    };
  },
  jsonType,
  isObject,
});

function typeError(expected: string): Failure {
  return fail([], (n) => `Invalid parameter type for '${n}', expected: ${expected}`);
}

function unexpected(member: string): Failure {
  return fail([member], (n) => `Parameter '${n}' is unexpected`);
}

/** A command without arguments or result, an event without data: an empty object. */
const emptyObject: Check = (v, o) => {
  if (!isObject(v)) return typeError("object");
  if (o.lax) return undefined;
  for (const k in v) if (Object.hasOwn(v, k) && v[k] !== undefined) return unexpected(k);
  return undefined;
};
const noData: Check = (v, o) => (v === undefined ? undefined : emptyObject(v, o));

const NO_CONDITION = -1;

function isAbsent(o: Settings, cond: number): boolean {
  return cond !== NO_CONDITION && o.absent !== null && o.absent[cond]!;
}

class TableValidators<C extends CommandMap<C>, E extends EventMap<E>> implements Validators<C, E> {
  readonly commandNames: readonly string[];
  readonly eventNames: readonly string[];
  readonly typeNames: readonly string[];
  private readonly commands = new Map<
    string,
    { args: Check; returns: Check; returnsType: number; flags: number; cond: number }
  >();
  private readonly events = new Map<string, { check: Check; dataType: number; cond: number }>();
  private readonly decode: Int64Decoder;
  private readonly named = new Map<string, { check: Check; cond: number }>();
  private readonly inputSettings = new WeakMap<ValidateOptions, Settings>();
  private readonly outputSettings = new WeakMap<ValidateOptions, Settings>();
  private readonly defaults: Settings = {
    lax: false,
    deprecated: false,
    unstable: false,
    absent: null,
  };

  constructor(
    private readonly table: ValidatorTable,
    readonly int64: Int64Representation,
  ) {
    const checks = compileChecks(table, support(int64));
    this.decode = int64Decoder(table, int64);
    const check = (ref: number): Check => checks[ref]!;
    for (const [name, args, returns, flags, cond] of table.commands) {
      this.commands.set(name, {
        args: args < 0 ? emptyObject : check(args),
        returns: returns < 0 ? emptyObject : check(returns),
        returnsType: returns,
        flags,
        cond,
      });
    }
    for (const [name, data, cond] of table.events) {
      this.events.set(name, { check: data < 0 ? noData : check(data), dataType: data, cond });
    }
    for (const [name, type, cond] of table.named)
      this.named.set(name, { check: check(type), cond });
    this.commandNames = Object.freeze([...this.commands.keys()]);
    this.eventNames = Object.freeze([...this.events.keys()]);
    this.typeNames = Object.freeze([...this.named.keys()]);
  }

  readonly validateCommandArguments = (
    name: string,
    args: unknown,
    options?: ValidateOptions,
  ): ValidationError | null => {
    const o = this.settings(options, true);
    const c = this.commands.get(name);
    if (!c || isAbsent(o, c.cond)) return topLevel(`The command ${name} has not been found`);
    if ((c.flags & DEPRECATED && o.deprecated) || (c.flags & UNSTABLE && o.unstable)) {
      const adjective = c.flags & DEPRECATED && o.deprecated ? "Deprecated" : "Unstable";
      return topLevel(`${adjective} command ${name} disabled by policy`);
    }
    if (args !== undefined && !isObject(args)) {
      return topLevel("QMP input member 'arguments' must be an object");
    }
    return run(c.args, args ?? {}, o);
  };

  readonly validateCommandReturns = (
    name: string,
    value: unknown,
    options?: ValidateOptions,
  ): ValidationError | null => {
    const o = this.settings(options, false);
    const c = this.commands.get(name);
    if (!c || isAbsent(o, c.cond)) return topLevel(`The command ${name} has not been found`);
    return run(c.returns, value, o);
  };

  readonly validateEvent = (
    name: string,
    data: unknown,
    options?: ValidateOptions,
  ): ValidationError | null => {
    const o = this.settings(options, false);
    const e = this.events.get(name);
    if (!e || isAbsent(o, e.cond)) return topLevel(`Unknown event '${name}'`);
    return run(e.check, data, o);
  };

  readonly validateType = (
    name: string,
    value: unknown,
    options?: ValidateOptions,
  ): ValidationError | null => {
    const o = this.settings(options, true);
    const t = this.named.get(name);
    if (!t || isAbsent(o, t.cond)) return topLevel(`Unknown type '${name}'`);
    return run(t.check, value, o);
  };

  readonly decodeCommandReturns = (name: string, value: unknown): unknown =>
    this.decode(this.commands.get(name)?.returnsType ?? -1, value);

  readonly decodeEvent = (name: string, data: unknown): unknown =>
    this.decode(this.events.get(name)?.dataType ?? -1, data);

  readonly isCommandArguments = <K extends keyof C & string>(
    name: K,
    args: unknown,
    options?: ValidateOptions,
  ): args is C[K]["args"] => this.validateCommandArguments(name, args, options) === null;

  readonly isCommandReturns = <K extends keyof C & string>(
    name: K,
    value: unknown,
    options?: ValidateOptions,
  ): value is C[K]["returns"] => this.validateCommandReturns(name, value, options) === null;

  readonly isEventData = <K extends keyof E & string>(
    name: K,
    data: unknown,
    options?: ValidateOptions,
  ): data is E[K] => this.validateEvent(name, data, options) === null;

  private settings(options: ValidateOptions | undefined, input: boolean): Settings {
    if (options === undefined) return this.defaults;
    const cache = input ? this.inputSettings : this.outputSettings;
    let o = cache.get(options);
    if (o === undefined) {
      let absent: boolean[] | null = null;
      if (options.defines !== undefined) {
        const defined: ReadonlySet<string> =
          options.defines instanceof Set ? options.defines : new Set(options.defines);
        absent = this.table.conditions.map((c: Condition) => !conditionHolds(c, defined));
      }
      o = {
        lax: options.unknownMembers === "ignore",
        deprecated: input && options.deprecatedInput === "reject",
        unstable: input && options.unstableInput === "reject",
        absent,
      };
      cache.set(options, o);
    }
    return o;
  }
}

function topLevel(message: string): ValidationError {
  return { message, path: [] };
}

/** Runs a check; a value nested deeper than the stack allows is invalid input, not a crash. */
function run(check: Check, value: unknown, o: Settings): ValidationError | null {
  let f: Failure | undefined;
  try {
    f = check(value, o);
  } catch (err) {
    if (err instanceof RangeError) return topLevel("Value nested too deeply");
    throw err;
  }
  return f === undefined ? null : { message: f.text(formatPath(f.path)), path: f.path };
}
