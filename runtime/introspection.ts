// Feature-flag introspection over a `query-qmp-schema` reply: path queries in the language
// management applications use (see ../shared/introspection/QUERY-LANGUAGE.md), typed questions
// that need no query string, and an explanation of any answer.
//
// This module is what users import at run time: it depends on nothing in generator/. The reply
// comes from a process we do not control, so every field read is checked; a malformed reply
// gives the result "error", never an exception from deep inside a walk.
//
// # The query language, and its one extension
//
// `first/component/...`, split at every `/`. `first` names an entry literally. A later component
// whose first character is not an ASCII letter loses that character as its modifier:
//   (none) name   object member, or a command/event key (`arg-type`, `ret-type`)
//   *name         object member that is optional
//   +case         union variant
//   ^value        enum value (terminal, except for one following `$feature`)
//   !json-type    builtin with that JSON type (terminal)
//   $feature      the current object/command/event (or, after ^value, that enum value) has the
//                 feature (terminal)
//   other         the character is dropped and the rest is a plain name
// Arrays are transparent; an alternate tries each branch in order and the first answer that is
// not "not found" decides.
//
// Extension, member-level features: a plain or `*` component of the form `member$feature` means
// "the current object has member `member` (optional, with `*`) and that member lists `feature`";
// it is terminal. QAPI names never contain `$`, so in the original language such a component can
// only ever be "not found": every query that does not put `$` after the first character of a
// component is evaluated exactly as before. Example, the member-level counterpart of the thread's
// question: `blockdev-add/arg-type/+file/x-check-cache-dropped$unstable`.

import type {
  SchemaInfo,
  SchemaInfoAlternate,
  SchemaInfoCommand,
  SchemaInfoEnum,
  SchemaInfoEnumMember,
  SchemaInfoEvent,
  SchemaInfoObject,
  SchemaInfoObjectMember,
} from "./schema-info.ts";
// The reply's own schema (qapi/introspect.json), compiled by qapi-ts into generated/.
import { SchemaMetaTypeValues } from "../generated/introspect.ts";
import { validators as introspectValidators } from "../generated/validators.ts";

export type * from "./schema-info.ts";
export {
  conditionalPayload,
  type ConditionalItem,
  type ConditionalPayload,
  type PayloadPath,
} from "./schema-payload.ts";
export { conditionHolds, conditionSymbols, conditionText, type Condition } from "./conditions.ts";

/**
 * A walk that visits more entries than this (all alternate branches counted) is taken as a loop
 * in the reply; counting the whole walk also bounds alternates nested within alternates.
 */
export const MAX_STEPS = 1000;

export type ProbeResult = "found" | "not-found" | "error";

/** One component of a query after its modifier is read. `text` is the component as written. */
export type QueryStep =
  | { kind: "name"; name: string; text: string }
  | { kind: "optional"; name: string; text: string }
  | { kind: "variant"; case: string; text: string }
  | { kind: "enum-value"; value: string; text: string }
  | { kind: "json-type"; jsonType: string; text: string }
  | { kind: "feature"; feature: string; text: string }
  | { kind: "member-feature"; member: string; optional: boolean; feature: string; text: string };

export interface ParsedQuery {
  /** The query as written (or as a SchemaPath renders itself). */
  text: string;
  first: string;
  steps: QueryStep[];
}

/** Splits a query string into its first name and steps; an empty query is a usage error. */
export function parseQuery(text: string): ParsedQuery {
  if (text === "") throw new QueryError("empty query");
  const [first, ...rest] = text.split("/");
  return { text, first: first!, steps: rest.map(parseComponent) };
}

function parseComponent(text: string): QueryStep {
  const c = text.charCodeAt(0);
  const isLetter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
  // An empty component has no modifier: it is the plain name "".
  const modifier = isLetter || text === "" ? "" : text[0]!;
  const rest = modifier ? text.slice(1) : text;
  switch (modifier) {
    case "+":
      return { kind: "variant", case: rest, text };
    case "^":
      return { kind: "enum-value", value: rest, text };
    case "!":
      return { kind: "json-type", jsonType: rest, text };
    case "$":
      return { kind: "feature", feature: rest, text };
  }
  const optional = modifier === "*";
  const dollar = rest.indexOf("$");
  if (dollar >= 0) {
    return {
      kind: "member-feature",
      member: rest.slice(0, dollar),
      optional,
      feature: rest.slice(dollar + 1),
      text,
    };
  }
  return optional ? { kind: "optional", name: rest, text } : { kind: "name", name: rest, text };
}

/** A query that cannot be evaluated at all (distinct from a walk that ends in "error"). */
export class QueryError extends Error {}

/** The reply is not an array of named entries (or `{ "return": [...] }`). */
export class SchemaReplyError extends Error {}

/** One step of a walk, for explanations. */
export interface WalkStep {
  /** Nesting: alternates try their branches one level deeper. */
  depth: number;
  /** The entry the walk stands on (its name as the reply gives it: masked or real). */
  entry: string;
  metaType: string | null;
  /** The query component applied here; null when none is consumed. */
  component: string | null;
  /** What happened: "follow" to another entry, or how the walk ended at this entry. */
  action: "follow" | "found" | "not-found" | "error";
  /** Human-readable detail, e.g. "member 'aio'" or "no variant 'vxhs'". */
  detail: string;
  /** The entry followed to (action "follow"). */
  to?: string;
}

export interface ProbeAnswer {
  query: string;
  result: ProbeResult;
  /** The entry where the walk ended (for "found"): the entry reached, or the one whose feature / value was tested. */
  entry: SchemaInfo | null;
  /** For a terminal member-feature or enum-value step: the member that answered. */
  member: SchemaInfoObjectMember | SchemaInfoEnumMember | null;
  /** For "error": why. */
  error: string | null;
}

export interface Explanation extends ProbeAnswer {
  walk: WalkStep[];
  /** The walk as text, one line per step. */
  text: string;
}

const FOUND = 1;
const NOT_FOUND = 0;
const ERROR = -1;
type Outcome = typeof FOUND | typeof NOT_FOUND | typeof ERROR;

type Named = { name?: unknown; features?: unknown };

function hasFeature(holder: Named, feature: string): boolean {
  const fs = holder.features;
  return Array.isArray(fs) && fs.includes(feature);
}

/**
 * Builds a query without a query string: each method appends one step, exactly as the matching
 * component would. Immutable, so a path to an object can be shared by several questions.
 */
export class SchemaPath {
  private constructor(
    readonly first: string,
    readonly steps: readonly QueryStep[],
  ) {}

  /** Start at an entry: a command or event name (or a type name, in an unmasked reply). */
  static of(first: string): SchemaPath {
    return new SchemaPath(first, []);
  }

  /** The path a query string denotes. */
  static parse(query: string): SchemaPath {
    const q = parseQuery(query);
    return new SchemaPath(q.first, q.steps);
  }

  private add(step: QueryStep): SchemaPath {
    return new SchemaPath(this.first, [...this.steps, step]);
  }

  /** A command's or event's argument type. */
  arg(): SchemaPath {
    return this.member("arg-type");
  }
  /** A command's return type. */
  ret(): SchemaPath {
    return this.member("ret-type");
  }
  /** An object member (any, or only an optional one), or a command/event key. */
  member(name: string, opts: { optional?: boolean } = {}): SchemaPath {
    return this.add(
      opts.optional
        ? { kind: "optional", name, text: `*${name}` }
        : { kind: "name", name, text: name },
    );
  }
  /** A union variant. */
  variant(tagValue: string): SchemaPath {
    return this.add({ kind: "variant", case: tagValue, text: `+${tagValue}` });
  }
  /** An enum value (terminal, except for a following feature()). */
  enumValue(value: string): SchemaPath {
    return this.add({ kind: "enum-value", value, text: `^${value}` });
  }
  /** A builtin's JSON type (terminal). */
  jsonType(jsonType: string): SchemaPath {
    return this.add({ kind: "json-type", jsonType, text: `!${jsonType}` });
  }
  /** A feature of the current definition, or of the enum value just named (terminal). */
  feature(feature: string): SchemaPath {
    return this.add({ kind: "feature", feature, text: `$${feature}` });
  }
  /** A feature of one member of the current object (terminal; the extension). */
  memberFeature(member: string, feature: string, opts: { optional?: boolean } = {}): SchemaPath {
    const optional = opts.optional ?? false;
    const text = `${optional ? "*" : ""}${member}$${feature}`;
    return this.add({ kind: "member-feature", member, optional, feature, text });
  }

  /** The equivalent query string (exact as long as no name contains `/`). */
  toString(): string {
    return [this.first, ...this.steps.map((s) => s.text)].join("/");
  }

  toQuery(): ParsedQuery {
    return { text: this.toString(), first: this.first, steps: [...this.steps] };
  }
}

export type Query = string | SchemaPath;

/** Anything that names an object for the typed questions: a SchemaPath or a query string. */
export type Target = SchemaPath | string;

function toPath(t: Target): SchemaPath {
  return t instanceof SchemaPath ? t : SchemaPath.parse(t);
}

/**
 * A reply indexed once by entry name; every probe is then a short walk of map lookups.
 * Construct with the array `query-qmp-schema` returns (or the whole `{ "return": [...] }`).
 */
export class SchemaIndex {
  readonly entries: readonly SchemaInfo[];
  private readonly byName = new Map<string, SchemaInfo>();
  private readonly checkedEntries = new Map<string, SchemaInfo | { problem: string }>();
  /** True when type names are masked (numbers), as a QEMU binary reports them. */
  readonly masked: boolean;

  constructor(reply: unknown) {
    const list =
      reply && typeof reply === "object" && !Array.isArray(reply) && "return" in reply
        ? reply.return
        : reply;
    if (!Array.isArray(list))
      throw new SchemaReplyError("a query-qmp-schema reply is a JSON array of entries");
    let masked = false;
    list.forEach((e: unknown, i) => {
      if (!e || typeof e !== "object" || typeof (e as Named).name !== "string") {
        throw new SchemaReplyError(`entry ${i} has no string 'name'`);
      }
      const entry = e as SchemaInfo;
      if (this.byName.has(entry.name))
        throw new SchemaReplyError(`entry ${i}: duplicate name '${entry.name}'`);
      this.byName.set(entry.name, entry);
      // Masked names are numbers; real QAPI names start with a letter or '_'.
      const c = entry.name.charCodeAt(0);
      if (c >= 48 && c <= 57) masked = true;
    });
    this.entries = list as SchemaInfo[];
    this.masked = masked;
  }

  /** The entry of that exact name, checked (undefined when there is none, or it is malformed). */
  get(name: string): SchemaInfo | undefined {
    const c = this.checked(name);
    return c === undefined || "problem" in c ? undefined : c;
  }

  /** Evaluates a query: found / not-found / error, with the entry where it ended. */
  probe(query: Query): ProbeAnswer {
    return this.run(query, null);
  }

  /** Evaluates a query and records the walk, entry by entry. */
  explain(query: Query): Explanation {
    const walk: WalkStep[] = [];
    const answer = this.run(query, walk);
    return { ...answer, walk, text: formatExplanation(answer, walk) };
  }

  /** True when found, false when not found; a malformed reply or query throws QueryError. */
  has(query: Query): boolean {
    const a = this.probe(query);
    if (a.result === "error") throw new QueryError(`${a.query}: ${a.error}`);
    return a.result === "found";
  }

  // Typed questions: each is one query built with SchemaPath, so explain() takes the same path.

  hasCommand(name: string): boolean {
    return this.byName.get(name)?.["meta-type"] === "command";
  }

  hasEvent(name: string): boolean {
    return this.byName.get(name)?.["meta-type"] === "event";
  }

  /** The object at `at` has member `name` (an optional one, with `{ optional: true }`). */
  hasMember(at: Target, name: string, opts: { optional?: boolean } = {}): boolean {
    return this.has(toPath(at).member(name, opts));
  }

  /** The enum at `at` has `value`. */
  hasEnumValue(at: Target, value: string): boolean {
    return this.has(toPath(at).enumValue(value));
  }

  /**
   * The definition at `at` lists `feature`; with `{ member }`, that member of the object at `at`
   * does; with `{ enumValue }`, that value of the enum at `at` does.
   */
  hasFeature(
    at: Target,
    feature: string,
    on: { member?: string; enumValue?: string } = {},
  ): boolean {
    const p = toPath(at);
    if (on.member !== undefined) return this.has(p.memberFeature(on.member, feature));
    if (on.enumValue !== undefined) return this.has(p.enumValue(on.enumValue).feature(feature));
    return this.has(p.feature(feature));
  }

  /** The entry a path leads to (its real name when the reply is unmasked), or undefined. */
  entryAt(at: Target): SchemaInfo | undefined {
    const a = this.probe(toPath(at));
    if (a.result === "error") throw new QueryError(`${a.query}: ${a.error}`);
    return a.result === "found" ? (a.entry ?? undefined) : undefined;
  }

  private run(query: Query, trace: WalkStep[] | null): ProbeAnswer {
    const q = typeof query === "string" ? parseQuery(query) : query.toQuery();
    const walk = new Walk(this, q.steps, trace);
    let outcome: Outcome;
    if (!this.byName.has(q.first)) {
      trace?.push({
        depth: 0,
        entry: q.first,
        metaType: null,
        component: null,
        action: "not-found",
        detail: "no entry of that name",
      });
      outcome = NOT_FOUND;
    } else {
      outcome = walk.visit(q.first, 0);
    }
    const result: ProbeResult =
      outcome === FOUND ? "found" : outcome === NOT_FOUND ? "not-found" : "error";
    return {
      query: q.text,
      result,
      entry: outcome === FOUND ? walk.entry : null,
      member: outcome === FOUND ? walk.member : null,
      error: outcome === ERROR ? walk.error : null,
    };
  }

  /** The raw entry of a name (as the reply gave it), for the walk. */
  raw(name: string): unknown {
    return this.byName.get(name);
  }

  /**
   * The entry checked against the schema of the reply (qapi/introspect.json, with the
   * validators qapi-ts generates from it), once per entry: the entry, or why it is malformed.
   * Members a newer QEMU adds are ignored.
   */
  checked(name: string): SchemaInfo | { problem: string } | undefined {
    let c = this.checkedEntries.get(name);
    if (c === undefined) {
      const raw = this.byName.get(name);
      if (raw === undefined) return undefined;
      const problem = introspectValidators.validateType("SchemaInfo", raw, REPLY_OPTIONS);
      c = problem ? { problem: problem.message } : raw;
      this.checkedEntries.set(name, c);
    }
    return c;
  }
}

const REPLY_OPTIONS = { unknownMembers: "ignore" } as const;
const META_TYPES: ReadonlySet<string> = new Set(SchemaMetaTypeValues);

/** One evaluation of a query: the components, the steps taken, and how it ended. */
class Walk {
  visits = 0;
  depth = 0;
  error: string | null = null;
  entry: SchemaInfo | null = null;
  member: SchemaInfoObjectMember | SchemaInfoEnumMember | null = null;

  constructor(
    private readonly index: SchemaIndex,
    private readonly steps: readonly QueryStep[],
    private readonly trace: WalkStep[] | null,
  ) {}

  /** Applies the components from `i` on at the entry `name`. */
  visit(name: string, i: number): Outcome {
    const at: At = { name, metaType: null, entry: null, i };
    if (++this.visits > MAX_STEPS)
      return this.fail(at, null, `more than ${MAX_STEPS} steps (a loop in the reply?)`);
    const raw = this.index.raw(name);
    if (raw === undefined) return this.fail(at, null, `dangling reference: no entry '${name}'`);
    const meta = (raw as { "meta-type"?: unknown })["meta-type"];
    at.metaType = typeof meta === "string" ? meta : null;
    if (i === this.steps.length) {
      this.entry = raw as SchemaInfo; // the spec: no components left is found, whatever the entry
      this.note(at, "found", null, "no components left");
      return FOUND;
    }
    const step = this.steps[i]!;
    if (typeof meta !== "string")
      return this.fail(at, step.text, `entry '${name}' has no meta-type`);
    if (!META_TYPES.has(meta)) return this.answer(at, step, false, `unknown meta-type '${meta}'`);
    const e = this.index.checked(name)!;
    if ("problem" in e)
      return this.fail(at, step.text, `entry '${name}' is malformed: ${e.problem}`);
    at.entry = e;
    switch (e["meta-type"]) {
      case "array":
        // Arrays are transparent: the component is applied to the element type.
        this.note(at, "follow", null, "array: element type", e["element-type"]);
        return this.visit(e["element-type"], i);
      case "alternate":
        return this.alternate(at, e);
      case "command":
      case "event":
        return this.commandOrEvent(at, e, step);
      case "object":
        return this.object(at, e, step);
      case "enum":
        return this.enumeration(at, e, step);
      case "builtin":
        if (step.kind !== "json-type")
          return this.answer(at, step, false, "a builtin takes only '!json-type'");
        if (this.more(at)) return this.terminal(at, step);
        return this.answer(
          at,
          step,
          e["json-type"] === step.jsonType,
          `json-type ${e["json-type"]}`,
        );
    }
  }

  private alternate(at: At, e: SchemaInfoAlternate): Outcome {
    for (const m of e.members) {
      this.note(at, "follow", null, "alternate: try branch", m.type);
      this.depth++;
      const r = this.visit(m.type, at.i);
      this.depth--;
      if (r !== NOT_FOUND) return r;
    }
    this.note(at, "not-found", this.steps[at.i]!.text, "no branch of the alternate matches");
    return NOT_FOUND;
  }

  private commandOrEvent(at: At, e: SchemaInfoCommand | SchemaInfoEvent, step: QueryStep): Outcome {
    const meta = e["meta-type"];
    if (step.kind === "feature") {
      if (this.more(at)) return this.terminal(at, step);
      return this.answer(
        at,
        step,
        hasFeature(e, step.feature),
        `${meta} features: ${featureList(e)}`,
      );
    }
    if (step.kind !== "name")
      return this.answer(at, step, false, `'${step.text}' does not apply to a ${meta}`);
    // Any string-valued key of the entry, as the language defines it (`arg-type`, `ret-type`,
    // and keys a newer QEMU may add), read from the entry as the reply gave it.
    const key: unknown = Object.hasOwn(e, step.name) ? Reflect.get(e, step.name) : undefined;
    if (typeof key !== "string")
      return this.answer(at, step, false, `${meta} has no key '${step.name}'`);
    return this.follow(at, step, key, `key '${step.name}'`);
  }

  private object(at: At, e: SchemaInfoObject, step: QueryStep): Outcome {
    switch (step.kind) {
      case "feature":
        if (this.more(at)) return this.terminal(at, step);
        return this.answer(
          at,
          step,
          hasFeature(e, step.feature),
          `object features: ${featureList(e)}`,
        );
      case "variant": {
        const v = e.variants?.find((x) => x.case === step.case);
        if (!v) return this.answer(at, step, false, `no variant '${step.case}'`);
        return this.follow(at, step, v.type, `variant '${step.case}'`);
      }
      case "name":
      case "optional":
      case "member-feature": {
        const name = step.kind === "member-feature" ? step.member : step.name;
        const optional =
          step.kind === "optional" || (step.kind === "member-feature" && step.optional);
        if (step.kind === "member-feature" && this.more(at)) return this.terminal(at, step);
        const m = e.members.find((x) => x.name === name);
        if (!m) return this.answer(at, step, false, `no member '${name}'`);
        if (optional && !("default" in m))
          return this.answer(at, step, false, `member '${name}' is not optional`);
        if (step.kind === "member-feature") {
          const detail = `member '${name}' features: ${featureList(m)}`;
          return this.answer(at, step, hasFeature(m, step.feature), detail, m);
        }
        return this.follow(at, step, m.type, `${optional ? "optional " : ""}member '${name}'`);
      }
      default:
        return this.answer(at, step, false, `'${step.text}' does not apply to an object`);
    }
  }

  private enumeration(at: At, e: SchemaInfoEnum, step: QueryStep): Outcome {
    if (step.kind !== "enum-value")
      return this.answer(at, step, false, "an enum takes only '^value'");
    let feature: string | null = null;
    if (this.more(at)) {
      const next = this.steps[at.i + 1]!;
      if (next.kind !== "feature" || at.i + 2 < this.steps.length) {
        return this.fail(at, step.text, `'${step.text}' may be followed only by one '$feature'`);
      }
      feature = next.feature;
    }
    if (e.members) {
      const m = e.members.find((x) => x.name === step.value);
      if (!m) return this.answer(at, step, false, `no value '${step.value}'`);
      if (feature === null) return this.answer(at, step, true, `value '${step.value}'`, m);
      return this.answer(
        at,
        step,
        hasFeature(m, feature),
        `value '${step.value}' features: ${featureList(m)}`,
        m,
      );
    }
    // Replies before QEMU 6.2 list bare `values`, which carry no features.
    if (feature !== null)
      return this.answer(at, step, false, "enum lists only 'values' (no features)");
    if (!e.values)
      return this.fail(at, step.text, `enum '${at.name}' has neither members nor values`);
    return this.answer(at, step, e.values.includes(step.value), `values: ${e.values.join(", ")}`);
  }

  // -- how a step ends

  private more(at: At): boolean {
    return at.i + 1 < this.steps.length;
  }

  private note(
    at: At,
    action: WalkStep["action"],
    component: string | null,
    detail: string,
    to?: string,
  ): void {
    this.trace?.push({
      depth: this.depth,
      entry: at.name,
      metaType: at.metaType,
      component,
      action,
      detail,
      ...(to !== undefined ? { to } : {}),
    });
  }

  private fail(at: At, component: string | null, message: string): Outcome {
    this.error = message;
    this.note(at, "error", component, message);
    return ERROR;
  }

  private terminal(at: At, step: QueryStep): Outcome {
    return this.fail(
      at,
      step.text,
      `'${step.text}' is terminal but is followed by '${this.steps[at.i + 1]!.text}'`,
    );
  }

  private answer(
    at: At,
    step: QueryStep,
    ok: boolean,
    detail: string,
    member: SchemaInfoObjectMember | SchemaInfoEnumMember | null = null,
  ): Outcome {
    if (ok) {
      this.entry = at.entry;
      this.member = member;
    }
    this.note(at, ok ? "found" : "not-found", step.text, detail);
    return ok ? FOUND : NOT_FOUND;
  }

  private follow(at: At, step: QueryStep, to: string, detail: string): Outcome {
    this.note(at, "follow", step.text, detail, to);
    return this.visit(to, at.i + 1);
  }
}

/** Where a walk stands: the entry, its meta-type as the reply gives it, the component's index. */
interface At {
  name: string;
  metaType: string | null;
  /** The entry, once checked. */
  entry: SchemaInfo | null;
  i: number;
}

function featureList(holder: Named): string {
  return Array.isArray(holder.features) && holder.features.length
    ? holder.features.join(", ")
    : "(none)";
}

/** The walk as text: one line per entry visited, indented by alternate nesting. */
export function formatExplanation(answer: ProbeAnswer, walk: readonly WalkStep[]): string {
  const lines = [`query: ${answer.query}`];
  for (const w of walk) {
    const at = w.metaType ? `${w.entry} (${w.metaType})` : w.entry;
    const comp = w.component !== null ? ` '${w.component}'` : "";
    const arrow = w.action === "follow" ? ` -> ${w.to}` : ` => ${w.action}`;
    lines.push(`${"  ".repeat(w.depth + 1)}${at}${comp}: ${w.detail}${arrow}`);
  }
  lines.push(`result: ${answer.result}${answer.error ? ` (${answer.error})` : ""}`);
  return lines.join("\n");
}
