// Validators from a validator table (table.ts): QEMU's QMP input rules and its messages for every
// type, command and event of a schema. The table is compiled into straight-line checks once
// (compile.ts); a check returns undefined for a valid value and allocates nothing then, and a
// failure collects its path on the way out.
//
// Values are JSON as a lossless parse yields it (json.ts): objects, arrays, strings, booleans,
// null, numbers, and bigints for integers beyond 2^53. Only own properties count, so a polluted
// Object.prototype in the host process changes nothing, and a member may be named `constructor`.

import { conditionHolds, type Condition } from "../conditions.ts";
import {
  compileChecks,
  makeSettings,
  type Check,
  type Settings,
  type Support,
  type Validate,
} from "./compile.ts";
import { Failure, Reason, type ValidationError } from "./failure.ts";
import { int64Decoder, type Int64Decoder } from "./int64.ts";
import { commandEnvelope, isObject, jsonType } from "./json.ts";
import {
  checkScalar,
  INT64_TYPES,
  scalarCheck,
  type Int64Representation,
  type IntegerType,
  type ScalarType,
} from "./scalars.ts";
import { checkSendable, type JsonEnvelope } from "./sendable.ts";
import { DEPRECATED, UNSTABLE, type ValidatorTable } from "./table.ts";

export type { ValidationError } from "./failure.ts";

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

/**
 * The check of one command's arguments or result, one event's data or one type's values, with
 * the name and the options resolved once: a caller that validates many messages holds it.
 */
export interface Validator<T = unknown> {
  /** Null when valid, else QEMU's message and the path. */
  readonly validate: (value: unknown) => ValidationError | null;
  /** The same check as a type guard. */
  readonly is: (value: unknown) => value is T;
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
   * Held validators: the same checks as the functions above, for one name and one set of
   * options (each call of the functions above looks its validator up by name, then runs it).
   */
  commandArguments<K extends keyof C & string>(
    name: K,
    options?: ValidateOptions,
  ): Validator<C[K]["args"]>;
  commandReturns<K extends keyof C & string>(
    name: K,
    options?: ValidateOptions,
  ): Validator<C[K]["returns"]>;
  event<K extends keyof E & string>(name: K, options?: ValidateOptions): Validator<E[K]>;
  type(name: string, options?: ValidateOptions): Validator;
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

// What the compiled checks call to fail, for one int64 representation (nothing is allocated
// for a valid value).
const support = (int64: Int64Representation): Support => ({
  typeError,
  missing: (member) => new Failure(Reason.Missing, member, "", member),
  unexpected,
  badValue: (value) => new Failure(Reason.BadValue, value, "", null),
  refusedMember: (adjective, member) =>
    new Failure(Reason.RefusedMember, member, adjective, member),
  refusedValue: (adjective, value) => new Failure(Reason.RefusedValue, value, adjective, null),
  at: (f, segment) => f.at(segment),
  scalar(type: ScalarType): Check {
    // The representation matters only for the 64-bit integer types.
    const check =
      int64 === "exact" || !INT64_TYPES.has(type as IntegerType)
        ? scalarCheck(type)
        : (v: unknown) => checkScalar(type, v, int64);
    return (v) => {
      const f = check(v);
      if (f === undefined) return undefined;
      return new Failure(
        f.kind === "type" ? Reason.TypeError : Reason.Expects,
        f.expected,
        "",
        null,
      );
    };
  },
  jsonType,
  isObject,
  tooDeep,
  notArguments,
});

function tooDeep(err: unknown): ValidationError {
  if (err instanceof RangeError) return topLevel("Value nested too deeply");
  throw err;
}

function notArguments(): ValidationError {
  return topLevel("QMP input member 'arguments' must be an object");
}

function typeError(expected: string): Failure {
  return new Failure(Reason.TypeError, expected, "", null);
}

function unexpected(member: string): Failure {
  return new Failure(Reason.Unexpected, member, "", member);
}

/** A command without arguments or result, an event without data: an empty object. */
const emptyObject: Check = (v, o) => {
  if (!isObject(v)) return typeError("object");
  if (o.lax) return undefined;
  for (const k in v) if (Object.hasOwn(v, k) && v[k] !== undefined) return unexpected(k);
  return undefined;
};
const noData: Check = (v, o) => (v === undefined ? undefined : emptyObject(v, o));

/** A validating function under settings (the settings resolved when a validator is held). */
type ValidateUnder = (o: Settings) => Validate;

const NO_CONDITION = -1;

function isAbsent(o: Settings, cond: number): boolean {
  return cond !== NO_CONDITION && o.absent !== null && o.absent[cond]!;
}

/** What a held validator checks: a command's arguments or result, an event's data, a type. */
const enum Kind {
  Arguments,
  Returns,
  Event,
  Type,
}

/** The held validators of one set of options, by kind, then by name (known names only). */
type HeldValidators = readonly [
  Map<string, Validator>,
  Map<string, Validator>,
  Map<string, Validator>,
  Map<string, Validator>,
];

const heldValidators = (): HeldValidators => [new Map(), new Map(), new Map(), new Map()];

class TableValidators<C extends CommandMap<C>, E extends EventMap<E>> implements Validators<C, E> {
  readonly commandNames: readonly string[];
  readonly eventNames: readonly string[];
  readonly typeNames: readonly string[];
  private readonly commands = new Map<
    string,
    {
      args: ValidateUnder;
      returns: ValidateUnder;
      returnsType: number;
      flags: number;
      cond: number;
    }
  >();
  private readonly events = new Map<
    string,
    { check: ValidateUnder; dataType: number; cond: number }
  >();
  private readonly decode: Int64Decoder;
  private readonly named = new Map<string, { check: ValidateUnder; cond: number }>();
  private readonly inputSettings = new WeakMap<ValidateOptions, Settings>();
  private readonly outputSettings = new WeakMap<ValidateOptions, Settings>();
  private readonly defaults = makeSettings({
    lax: false,
    deprecated: false,
    unstable: false,
    absent: null,
  });
  /** Held validators made so far: those of the default options, and per options object. */
  private readonly held = heldValidators();
  private readonly heldByOptions = new WeakMap<ValidateOptions, HeldValidators>();

  constructor(
    private readonly table: ValidatorTable,
    readonly int64: Int64Representation,
  ) {
    const { checks, entries } = compileChecks(table, support(int64), int64);
    this.decode = int64Decoder(table, int64);
    // A type's own entry where it has one (not a built-in type), else the shared wrapper.
    const under = (ref: number, none: Check, args: boolean): ValidateUnder => {
      if (ref < 0) return (o) => validating(none, o, args);
      const entry = entries[ref];
      return entry ? (o) => entry(o, args) : (o) => validating(checks[ref]!, o, args);
    };
    for (const [name, args, returns, flags, cond] of table.commands) {
      this.commands.set(name, {
        args: under(args, emptyObject, true),
        returns: under(returns, emptyObject, false),
        returnsType: returns,
        flags,
        cond,
      });
    }
    for (const [name, data, cond] of table.events) {
      this.events.set(name, { check: under(data, noData, false), dataType: data, cond });
    }
    for (const [name, type, cond] of table.named)
      this.named.set(name, { check: under(type, noData, false), cond });
    this.commandNames = Object.freeze([...this.commands.keys()]);
    this.eventNames = Object.freeze([...this.events.keys()]);
    this.typeNames = Object.freeze([...this.named.keys()]);
  }

  readonly commandArguments = <K extends keyof C & string>(
    name: K,
    options?: ValidateOptions,
  ): Validator<C[K]["args"]> => this.validator(Kind.Arguments, name, options);

  readonly commandReturns = <K extends keyof C & string>(
    name: K,
    options?: ValidateOptions,
  ): Validator<C[K]["returns"]> => this.validator(Kind.Returns, name, options);

  readonly event = <K extends keyof E & string>(
    name: K,
    options?: ValidateOptions,
  ): Validator<E[K]> => this.validator(Kind.Event, name, options);

  readonly type = (name: string, options?: ValidateOptions): Validator =>
    this.validator(Kind.Type, name, options);

  readonly validateCommandArguments = (
    name: string,
    args: unknown,
    options?: ValidateOptions,
  ): ValidationError | null => this.validator(Kind.Arguments, name, options).validate(args);

  readonly validateCommandReturns = (
    name: string,
    value: unknown,
    options?: ValidateOptions,
  ): ValidationError | null => this.validator(Kind.Returns, name, options).validate(value);

  readonly validateEvent = (
    name: string,
    data: unknown,
    options?: ValidateOptions,
  ): ValidationError | null => this.validator(Kind.Event, name, options).validate(data);

  readonly validateType = (
    name: string,
    value: unknown,
    options?: ValidateOptions,
  ): ValidationError | null => this.validator(Kind.Type, name, options).validate(value);

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

  /** The held validator of a name, made on first use (unknown names are not kept). */
  private validator<T>(
    kind: Kind,
    name: string,
    options: ValidateOptions | undefined,
  ): Validator<T> {
    let held = this.held;
    if (options !== undefined) {
      let forOptions = this.heldByOptions.get(options);
      if (forOptions === undefined) {
        forOptions = heldValidators();
        this.heldByOptions.set(options, forOptions);
      }
      held = forOptions;
    }
    let v = held[kind].get(name);
    if (v === undefined) {
      const made = this.make(kind, name, options);
      if (made.known) held[kind].set(name, made.validator);
      v = made.validator;
    }
    return v as Validator<T>;
  }

  /**
   * What a program sends (arguments, a type's value) is first checked as QEMU's parser would read
   * it, before the command is even looked up (QEMU parses the message first): nesting counted with
   * the envelope, size, lone surrogates, non-finite numbers.
   */
  private make(
    kind: Kind,
    name: string,
    options: ValidateOptions | undefined,
  ): { validator: Validator; known: boolean } {
    const made = this.makeChecks(kind, name, options);
    if (kind === Kind.Arguments) {
      const envelope = commandEnvelope(name);
      made.validator = sendableFirst(made.validator, envelope, true);
    } else if (kind === Kind.Type) made.validator = sendableFirst(made.validator);
    return made;
  }

  private makeChecks(
    kind: Kind,
    name: string,
    options: ValidateOptions | undefined,
  ): { validator: Validator; known: boolean } {
    const o = this.settings(options, kind === Kind.Arguments || kind === Kind.Type);
    switch (kind) {
      case Kind.Arguments: {
        const c = this.commands.get(name);
        if (!c || isAbsent(o, c.cond))
          return { validator: refuse(`The command ${name} has not been found`), known: !!c };
        if ((c.flags & DEPRECATED && o.deprecated) || (c.flags & UNSTABLE && o.unstable)) {
          const adjective = c.flags & DEPRECATED && o.deprecated ? "Deprecated" : "Unstable";
          return {
            validator: refuse(`${adjective} command ${name} disabled by policy`),
            known: true,
          };
        }
        return { validator: held(c.args(o)), known: true };
      }
      case Kind.Returns: {
        const c = this.commands.get(name);
        if (!c || isAbsent(o, c.cond))
          return { validator: refuse(`The command ${name} has not been found`), known: !!c };
        return { validator: held(c.returns(o)), known: true };
      }
      case Kind.Event: {
        const e = this.events.get(name);
        if (!e || isAbsent(o, e.cond))
          return { validator: refuse(`Unknown event '${name}'`), known: !!e };
        return { validator: held(e.check(o)), known: true };
      }
      case Kind.Type: {
        const t = this.named.get(name);
        if (!t || isAbsent(o, t.cond))
          return { validator: refuse(`Unknown type '${name}'`), known: !!t };
        return { validator: held(t.check(o)), known: true };
      }
    }
  }

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
      o = makeSettings({
        lax: options.unknownMembers === "ignore",
        deprecated: input && options.deprecatedInput === "reject",
        unstable: input && options.unstableInput === "reject",
        absent,
      });
      cache.set(options, o);
    }
    return o;
  }
}

/** A held validator of a validating function. */
function held<T>(validate: Validate): Validator<T> {
  return { validate, is: (value): value is T => validate(value) === null };
}

/** The validating function of a check under settings, through one shared wrapper. */
function validating(check: Check, o: Settings, args: boolean): Validate {
  if (!args) return (value) => run(check, value, o);
  return (value) =>
    value === undefined
      ? run(check, {}, o)
      : isObject(value)
        ? run(check, value, o)
        : notArguments();
}

/** `v`, after checkSendable (arguments may be absent: nothing to send). */
function sendableFirst<T>(
  v: Validator<T>,
  envelope?: JsonEnvelope,
  mayBeAbsent = false,
): Validator<T> {
  const inner = v.validate;
  return held(
    (value) =>
      (mayBeAbsent && value === undefined ? null : checkSendable(value, envelope)) ?? inner(value),
  );
}

/** A held validator that refuses every value: the name does not exist, or the policy refuses it. */
function refuse<T>(message: string): Validator<T> {
  return held(() => topLevel(message));
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
    return tooDeep(err);
  }
  return f === undefined ? null : f.toError();
}
