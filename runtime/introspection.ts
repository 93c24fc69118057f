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
  SchemaInfoEnumMember,
  SchemaInfoObjectMember,
  SchemaInfoObjectVariant,
} from "./schema-info.ts";

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

interface WalkState {
  steps: QueryStep[];
  visits: number;
  depth: number;
  trace: WalkStep[] | null;
  error: string | null;
  entry: SchemaInfo | null;
  member: SchemaInfoObjectMember | SchemaInfoEnumMember | null;
}

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
  /** True when type names are masked (numbers), as a QEMU binary reports them. */
  readonly masked: boolean;

  constructor(reply: unknown) {
    const list =
      reply && typeof reply === "object" && !Array.isArray(reply) && "return" in reply
        ? (reply as { return: unknown }).return
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

  /** The entry of that exact name. */
  get(name: string): SchemaInfo | undefined {
    return this.byName.get(name);
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
    const state: WalkState = {
      steps: q.steps,
      visits: 0,
      depth: 0,
      trace,
      error: null,
      entry: null,
      member: null,
    };
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
      outcome = this.visit(q.first, 0, state);
    }
    const result: ProbeResult =
      outcome === FOUND ? "found" : outcome === NOT_FOUND ? "not-found" : "error";
    return {
      query: q.text,
      result,
      entry: outcome === FOUND ? state.entry : null,
      member: outcome === FOUND ? state.member : null,
      error: outcome === ERROR ? state.error : null,
    };
  }

  private visit(name: string, i: number, st: WalkState): Outcome {
    const e = this.byName.get(name);
    const note = (
      action: WalkStep["action"],
      component: string | null,
      detail: string,
      to?: string,
    ): void => {
      st.trace?.push({
        depth: st.depth,
        entry: name,
        metaType: e && typeof e["meta-type"] === "string" ? e["meta-type"] : null,
        component,
        action,
        detail,
        ...(to !== undefined ? { to } : {}),
      });
    };
    const fail = (component: string | null, message: string): Outcome => {
      st.error = message;
      note("error", component, message);
      return ERROR;
    };
    if (++st.visits > MAX_STEPS)
      return fail(null, `more than ${MAX_STEPS} steps (a loop in the reply?)`);
    if (!e) return fail(null, `dangling reference: no entry '${name}'`);
    if (i === st.steps.length) {
      st.entry = e;
      note("found", null, "no components left");
      return FOUND;
    }
    const step = st.steps[i]!;
    const more = i + 1 < st.steps.length;
    const terminal = (): Outcome =>
      fail(step.text, `'${step.text}' is terminal but is followed by '${st.steps[i + 1]!.text}'`);
    const answer = (
      ok: boolean,
      detail: string,
      member: SchemaInfoObjectMember | SchemaInfoEnumMember | null = null,
    ): Outcome => {
      if (ok) {
        st.entry = e;
        st.member = member;
      }
      note(ok ? "found" : "not-found", step.text, detail);
      return ok ? FOUND : NOT_FOUND;
    };
    const follow = (to: unknown, detail: string): Outcome => {
      if (typeof to !== "string") return fail(step.text, `${detail} names no type`);
      note("follow", step.text, detail, to);
      return this.visit(to, i + 1, st);
    };
    const meta = e["meta-type"] as unknown;
    if (typeof meta !== "string") return fail(step.text, `entry '${name}' has no meta-type`);

    switch (meta) {
      case "array": {
        const element = (e as { "element-type"?: unknown })["element-type"];
        if (typeof element !== "string") return fail(null, `array '${name}' has no element-type`);
        // Arrays are transparent: the component is applied to the element type.
        note("follow", null, "array: element type", element);
        return this.visit(element, i, st);
      }
      case "alternate": {
        const members = (e as { members?: unknown }).members;
        if (!Array.isArray(members)) return fail(null, `alternate '${name}' has no members`);
        for (const m of members as { type?: unknown }[]) {
          if (!m || typeof m.type !== "string") continue;
          note("follow", null, "alternate: try branch", m.type);
          st.depth++;
          const r = this.visit(m.type, i, st);
          st.depth--;
          if (r !== NOT_FOUND) return r;
        }
        note("not-found", step.text, "no branch of the alternate matches");
        return NOT_FOUND;
      }
      case "command":
      case "event": {
        if (step.kind === "feature") {
          if (more) return terminal();
          return answer(hasFeature(e, step.feature), `${meta} features: ${featureList(e)}`);
        }
        if (step.kind !== "name")
          return answer(false, `'${step.text}' does not apply to a ${meta}`);
        const key = (e as unknown as Record<string, unknown>)[step.name];
        if (typeof key !== "string") return answer(false, `${meta} has no key '${step.name}'`);
        return follow(key, `key '${step.name}'`);
      }
      case "object": {
        switch (step.kind) {
          case "feature":
            if (more) return terminal();
            return answer(hasFeature(e, step.feature), `object features: ${featureList(e)}`);
          case "variant": {
            const variants = (e as { variants?: unknown }).variants;
            const v = Array.isArray(variants)
              ? (variants as Partial<SchemaInfoObjectVariant>[]).find(
                  (v) => v && v.case === step.case,
                )
              : undefined;
            if (!v) return answer(false, `no variant '${step.case}'`);
            return follow(v.type, `variant '${step.case}'`);
          }
          case "name":
          case "optional":
          case "member-feature": {
            const memberName = step.kind === "member-feature" ? step.member : step.name;
            const optional =
              step.kind === "optional" || (step.kind === "member-feature" && step.optional);
            if (step.kind === "member-feature" && more) return terminal();
            const members = (e as { members?: unknown }).members;
            const m = Array.isArray(members)
              ? (members as Partial<SchemaInfoObjectMember>[]).find(
                  (m) => m && m.name === memberName,
                )
              : undefined;
            if (!m) return answer(false, `no member '${memberName}'`);
            if (optional && !("default" in m))
              return answer(false, `member '${memberName}' is not optional`);
            if (step.kind === "member-feature") {
              return answer(
                hasFeature(m, step.feature),
                `member '${memberName}' features: ${featureList(m)}`,
                m as SchemaInfoObjectMember,
              );
            }
            return follow(m.type, `${optional ? "optional " : ""}member '${memberName}'`);
          }
          default:
            return answer(false, `'${step.text}' does not apply to an object`);
        }
      }
      case "enum": {
        if (step.kind !== "enum-value") return answer(false, `an enum takes only '^value'`);
        let feature: string | null = null;
        if (more) {
          const next = st.steps[i + 1]!;
          if (next.kind !== "feature" || i + 2 < st.steps.length) {
            return fail(step.text, `'${step.text}' may be followed only by one '$feature'`);
          }
          feature = next.feature;
        }
        const members = (e as { members?: unknown }).members;
        if (Array.isArray(members)) {
          for (const m of members as Partial<SchemaInfoEnumMember>[]) {
            if (!m || typeof m.name !== "string")
              return fail(step.text, `enum '${name}' has a member without a name`);
            if (m.name !== step.value) continue;
            if (feature === null)
              return answer(true, `value '${step.value}'`, m as SchemaInfoEnumMember);
            return answer(
              hasFeature(m, feature),
              `value '${step.value}' features: ${featureList(m)}`,
              m as SchemaInfoEnumMember,
            );
          }
          return answer(false, `no value '${step.value}'`);
        }
        // Replies before QEMU 6.2 list bare `values`, which carry no features.
        if (feature !== null) return answer(false, "enum lists only 'values' (no features)");
        const values = (e as { values?: unknown }).values;
        if (!Array.isArray(values))
          return fail(step.text, `enum '${name}' has neither members nor values`);
        return answer(values.includes(step.value), `values: ${values.join(", ")}`);
      }
      case "builtin": {
        if (step.kind !== "json-type") return answer(false, `a builtin takes only '!json-type'`);
        if (more) return terminal();
        const jt = (e as { "json-type"?: unknown })["json-type"];
        if (typeof jt !== "string") return fail(step.text, `builtin '${name}' has no json-type`);
        return answer(jt === step.jsonType, `json-type ${jt}`);
      }
      default:
        return answer(false, `unknown meta-type '${meta}'`);
    }
  }
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
