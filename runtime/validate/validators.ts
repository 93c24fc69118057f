// Validators from a validator table (table.ts): QEMU's QMP input rules and its messages for every
// type, command and event of a schema. Each type's check is compiled to a closure the first time
// it is needed, so that loading the validators of a large schema costs little and a check runs as
// straight-line code. A check returns undefined for a valid value and allocates nothing then; a
// failure collects its path on the way out.
//
// Values are JSON as a lossless parse yields it (json.ts): objects, arrays, strings, booleans,
// null, numbers, and bigints for integers beyond 2^53. Only own properties count, so a polluted
// Object.prototype in the host process changes nothing, and a member may be named `constructor`.

import { conditionHolds, type Condition } from "../conditions.ts";
import { SCALAR_CHECKS, scalarMessage, type ScalarFailure } from "./scalars.ts";
import {
  DEPRECATED,
  OPTIONAL,
  UNSTABLE,
  type AlternateJsonType,
  type TypeEntry,
  type TypeRef,
  type ValidatorTable,
} from "./table.ts";

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

/** Validators for a schema; `C` and `E` are its generated command and event maps. */
export interface Validators<
  C extends CommandMap<C> = AnyCommands,
  E extends EventMap<E> = AnyEvents,
> {
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

/** QEMU's name for a place in a value: members joined by '.', array indexes in brackets. */
export function formatPath(path: readonly (string | number)[]): string {
  let s = "";
  for (const p of path) s += typeof p === "number" ? `[${p}]` : s ? `.${p}` : p;
  return s || "<anonymous>";
}

/**
 * The validators of a table (or of its JSON text, as generated code embeds it). Checks are
 * compiled on first use.
 */
export function createValidators<
  C extends CommandMap<C> = AnyCommands,
  E extends EventMap<E> = AnyEvents,
>(table: ValidatorTable | string): Validators<C, E> {
  return new TableValidators<C, E>(
    typeof table === "string" ? (JSON.parse(table) as ValidatorTable) : table,
  );
}

// ---------------------------------------------------------------------------------------------
// Failures: a message template and the path, filled in innermost first.

interface Failure {
  path: (string | number)[];
  text(path: string): string;
}

type Check = (v: unknown, o: Settings) => Failure | undefined;

function fail(path: (string | number)[], text: (path: string) => string): Failure {
  return { path, text };
}

function scalarFailure(f: ScalarFailure): Failure {
  return fail([], (n) => scalarMessage(f, n));
}

const typeError = (expected: string): Failure =>
  fail([], (n) => `Invalid parameter type for '${n}', expected: ${expected}`);
const missing = (member: string): Failure => fail([member], (n) => `Parameter '${n}' is missing`);
const unexpected = (member: string): Failure =>
  fail([member], (n) => `Parameter '${n}' is unexpected`);
const badValue = (value: string): Failure =>
  fail([], (n) => `Parameter '${n}' does not accept value '${value}'`);
/** QEMU's compat policy: a member is named by its path, a value by itself. */
const refusedMember = (adjective: string, member: string): Failure =>
  fail([member], (n) => `${adjective} parameter ${n} disabled by policy`);
const refusedValue = (adjective: string, value: string): Failure =>
  fail([], () => `${adjective} value ${value} disabled by policy`);

function at(f: Failure, segment: string | number): Failure {
  f.path.unshift(segment);
  return f;
}

const hasOwn = Object.prototype.hasOwnProperty;

/** A member's value: own properties only (inherited ones are not part of the JSON). */
function own(v: Record<string, unknown>, key: string): unknown {
  return hasOwn.call(v, key) ? v[key] : undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The JSON type an alternate dispatches on, as QEMU's QType does. */
function jsonType(v: unknown): AlternateJsonType | "other" {
  switch (typeof v) {
    case "string":
      return "string";
    case "number":
    case "bigint":
      return "number";
    case "boolean":
      return "boolean";
    case "object":
      return v === null ? "null" : Array.isArray(v) ? "array" : "object";
  }
  return "other";
}

// ---------------------------------------------------------------------------------------------
// Options, as the checks read them: computed once per options object.

interface Settings {
  lax: boolean;
  deprecated: boolean;
  unstable: boolean;
  /** Per condition of the table: true when absent from this build (only with `defines`). */
  absent: boolean[] | null;
}

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
    { args: Check; returns: Check; flags: number; cond: number }
  >();
  private readonly events = new Map<string, { check: Check; cond: number }>();
  private readonly named = new Map<string, { check: Check; cond: number }>();
  private readonly compiled: (Check | undefined)[] = [];
  private readonly inputSettings = new WeakMap<ValidateOptions, Settings>();
  private readonly outputSettings = new WeakMap<ValidateOptions, Settings>();
  private readonly defaults: Settings = {
    lax: false,
    deprecated: false,
    unstable: false,
    absent: null,
  };
  private readonly emptyObject: Check;
  private readonly noData: Check;

  constructor(private readonly table: ValidatorTable) {
    this.emptyObject = this.objectCheck([], null);
    this.noData = (v, o) => (v === undefined ? undefined : this.emptyObject(v, o));
    for (const [name, args, returns, flags, cond] of table.commands) {
      this.commands.set(name, {
        args: args < 0 ? this.emptyObject : this.check(args),
        returns: returns < 0 ? this.emptyObject : this.check(returns),
        flags,
        cond,
      });
    }
    for (const [name, data, cond] of table.events) {
      this.events.set(name, { check: data < 0 ? this.noData : this.check(data), cond });
    }
    for (const [name, type, cond] of table.named)
      this.named.set(name, { check: this.check(type), cond });
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

  // -------------------------------------------------------------------------------------------
  // Compiling checks

  /** The check of a type; compiled on its first call, so that recursive types need no care. */
  private check(ref: TypeRef): Check {
    const ready = this.compiled[ref];
    if (ready) return ready;
    return (v, o) => (this.compiled[ref] ??= this.compile(this.table.types[ref]!))(v, o);
  }

  private compile(t: TypeEntry): Check {
    if ("builtin" in t) {
      const check = SCALAR_CHECKS[t.builtin];
      return (v) => {
        const f = check(v);
        return f === undefined ? undefined : scalarFailure(f);
      };
    }
    if ("enum" in t) return this.enumCheck(t.values);
    if ("array" in t) return this.arrayCheck(this.check(t.array));
    if ("object" in t) return this.objectCheck(t.members, t);
    return this.alternateCheck(t.alternate, t.branches);
  }

  private enumCheck(values: readonly (readonly [string, number, number])[]): Check {
    const byName = new Map(values.map(([name, cond, flags]) => [name, { cond, flags }]));
    return (v, o) => {
      if (typeof v !== "string") return typeError("string");
      const value = byName.get(v);
      if (value === undefined || isAbsent(o, value.cond)) return badValue(v);
      if (value.flags & DEPRECATED && o.deprecated) return refusedValue("Deprecated", v);
      if (value.flags & UNSTABLE && o.unstable) return refusedValue("Unstable", v);
      return undefined;
    };
  }

  private arrayCheck(element: Check): Check {
    return (v, o) => {
      if (!Array.isArray(v)) return typeError("array");
      for (let i = 0; i < v.length; i++) {
        const f = element(v[i], o);
        if (f !== undefined) return at(f, i);
      }
      return undefined;
    };
  }

  /**
   * An object: its members in order, then the chosen variant's (QEMU's visiting order), then any
   * member it does not know is unexpected (unless `unknownMembers: "ignore"`).
   */
  private objectCheck(
    entries: readonly (readonly [string, number, number, number])[],
    union: { tag?: string; variants?: readonly (readonly [string, number, number])[] } | null,
  ): Check {
    const members = this.memberChecks(entries, union);
    const known = this.knownMembers(entries, union);
    return (v, o) => {
      if (!isObject(v)) return typeError("object");
      const f = members(v, o);
      if (f !== undefined || o.lax) return f;
      for (const k of Object.keys(v)) {
        if (v[k] !== undefined && !known(v, k)) return unexpected(k);
      }
      return undefined;
    };
  }

  /** Checks the members of an object value known to be an object (a variant's, too). */
  private memberChecks(
    entries: readonly (readonly [string, number, number, number])[],
    union: { tag?: string; variants?: readonly (readonly [string, number, number])[] } | null,
  ): (v: Record<string, unknown>, o: Settings) => Failure | undefined {
    const names = entries.map((m) => m[0]);
    const checks = entries.map((m) => this.check(m[1]));
    const flags = entries.map((m) => m[2]);
    const conds = entries.map((m) => m[3]);
    const tag = union?.tag;
    const variants = new Map<
      string,
      { members: (v: Record<string, unknown>, o: Settings) => Failure | undefined; cond: number }
    >();
    for (const [value, type, cond] of union?.variants ?? []) {
      variants.set(value, { members: this.variantMembers(type), cond });
    }
    return (v, o) => {
      for (let i = 0; i < names.length; i++) {
        const name = names[i]!;
        const value = own(v, name);
        const absent = isAbsent(o, conds[i]!);
        if (value === undefined) {
          if (flags[i]! & OPTIONAL || absent) continue;
          return missing(name);
        }
        if (absent) return unexpected(name);
        if (flags[i]! & DEPRECATED && o.deprecated) return refusedMember("Deprecated", name);
        if (flags[i]! & UNSTABLE && o.unstable) return refusedMember("Unstable", name);
        const f = checks[i]!(value, o);
        if (f !== undefined) return at(f, name);
      }
      if (tag === undefined) return undefined;
      const variant = variants.get(own(v, tag) as string);
      if (variant === undefined || isAbsent(o, variant.cond)) return undefined;
      return variant.members(v, o);
    };
  }

  /** The member checks of a variant's type (an object type), compiled on first use. */
  private variantMembers(
    ref: TypeRef,
  ): (v: Record<string, unknown>, o: Settings) => Failure | undefined {
    let members: ((v: Record<string, unknown>, o: Settings) => Failure | undefined) | undefined;
    return (v, o) => {
      if (members === undefined) {
        const t = this.table.types[ref]!;
        if (!("object" in t))
          throw new Error(`validator table: variant type ${ref} is not an object`);
        members = this.memberChecks(t.members, t);
      }
      return members(v, o);
    };
  }

  /** Whether `key` is a member of the object value `v` (its variant's members included). */
  private knownMembers(
    entries: readonly (readonly [string, number, number, number])[],
    union: { tag?: string; variants?: readonly (readonly [string, number, number])[] } | null,
  ): (v: Record<string, unknown>, key: string) => boolean {
    const names = new Set(entries.map((m) => m[0]));
    const tag = union?.tag;
    const variants = new Map<string, (v: Record<string, unknown>, key: string) => boolean>();
    for (const [value, type] of union?.variants ?? []) {
      let known: ((v: Record<string, unknown>, key: string) => boolean) | undefined;
      variants.set(value, (v, key) => {
        if (known === undefined) {
          const t = this.table.types[type]!;
          if (!("object" in t))
            throw new Error(`validator table: variant type ${type} is not an object`);
          known = this.knownMembers(t.members, t);
        }
        return known(v, key);
      });
    }
    return (v, key) => {
      if (names.has(key)) return true;
      if (tag === undefined) return false;
      const variant = variants.get(own(v, tag) as string);
      return variant !== undefined && variant(v, key);
    };
  }

  private alternateCheck(
    name: string,
    branches: readonly (readonly [AlternateJsonType, number, number])[],
  ): Check {
    const byJson = new Map<string, { check: Check; cond: number }[]>();
    for (const [json, type, cond] of branches) {
      const list = byJson.get(json) ?? [];
      list.push({ check: this.check(type), cond });
      byJson.set(json, list);
    }
    return (v, o) => {
      for (const b of byJson.get(jsonType(v)) ?? []) if (!isAbsent(o, b.cond)) return b.check(v, o);
      return typeError(name);
    };
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
