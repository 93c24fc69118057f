// The compatibility verdicts: one rule per kind of change, per direction, with the part of the
// "Compatibility considerations" section of docs/qapi-code-gen.rst (QEMU) each one applies, in
// our own words. A change reached both ways (a type used in arguments and in returns) breaks
// when it breaks either way. The verdict is about the wire (syntactic compatibility), which the
// section says is necessary, not sufficient.

import type { ChangeKind, Direction, WireChange } from "./diff.ts";

type OneWay = "send" | "receive";

export interface Rule {
  /** Breaking when the client sends the thing (arguments, commands). null: cannot happen. */
  send: boolean | null;
  /** Breaking when the client receives it (returns, events). null: cannot happen. */
  receive: boolean | null;
  /** Why, after qapi-code-gen.rst. */
  reason: string;
}

export const RULES: Record<Exclude<ChangeKind, "condition changed">, Rule> = {
  "command added": {
    send: false,
    receive: null,
    reason: "New commands are opt-in: clients that don't know them don't send them.",
  },
  "command removed": {
    send: true,
    receive: null,
    reason: "Removing a command breaks the clients that send it.",
  },
  "event added": {
    send: null,
    receive: false,
    reason: "Clients are expected to ignore events they don't know.",
  },
  "event removed": {
    send: null,
    receive: false,
    reason:
      "An event that can no longer be triggered makes no difference on the wire; only introspection shows it, which calls for care.",
  },
  "optional member added": {
    send: false,
    receive: false,
    reason:
      "Optional arguments are opt-in; clients are expected to ignore return and event members they don't know.",
  },
  "mandatory member added": {
    send: true,
    receive: false,
    reason:
      "A new mandatory argument breaks every client that doesn't send it; clients ignore return and event members they don't know.",
  },
  "optional member removed": {
    send: true,
    receive: false,
    reason:
      "Removing an argument breaks the clients that send it; an optional return or event member may be absent anyway, so clients cope without it.",
  },
  "mandatory member removed": {
    send: true,
    receive: true,
    reason:
      "Removing an argument breaks the clients that send it; removing a return or event member that was always there breaks the clients that read it.",
  },
  "member made optional": {
    send: false,
    receive: true,
    reason:
      "Making a mandatory argument optional is compatible; a return or event member that may now be absent breaks the clients that rely on it.",
  },
  "member made mandatory": {
    send: true,
    receive: false,
    reason:
      "Making an optional argument mandatory breaks the clients that omit it; a return or event member now always present is what clients already handled.",
  },
  "enum value added": {
    send: false,
    receive: false,
    reason:
      "New values are opt-in for arguments; in returns and events, clients must tolerate values they don't know, as they ignore unknown members (an inference: the section names only members and events for the receive direction).",
  },
  "enum value removed": {
    send: true,
    receive: false,
    reason:
      "Removing a value breaks the clients that send it; a returned value that can no longer be sent makes no difference to clients.",
  },
  "branch added": {
    send: false,
    receive: false,
    reason:
      "New union branches are opt-in for arguments; in returns they come with a new tag value, which clients must tolerate.",
  },
  "branch removed": {
    send: true,
    receive: false,
    reason:
      "Removing a union branch breaks the clients that send it; a returned branch that can no longer be sent makes no difference.",
  },
  "alternative added": {
    send: false,
    receive: true,
    reason:
      "Adding an alternative (e.g. turning an argument type into an alternate of that type) is opt-in for arguments; a returned value of a new JSON type breaks clients that expect the old one.",
  },
  "alternative removed": {
    send: true,
    receive: false,
    reason:
      "Removing an alternative breaks the clients that send values of that JSON type; one that can no longer be returned makes no difference.",
  },
  "type changed": {
    send: true,
    receive: true,
    reason: "A value of another JSON type is neither accepted from nor understood by old clients.",
  },
  "type widened": {
    send: false,
    receive: true,
    reason:
      "Accepting more values (an enum becomes a string, an int a number, anything 'any') keeps old arguments valid; returning them breaks clients that expect the old range.",
  },
  "type narrowed": {
    send: true,
    receive: false,
    reason:
      "Accepting fewer values breaks clients that send the others; returning fewer is what clients already handled.",
  },
  "tag changed": {
    send: true,
    receive: true,
    reason: "A union's discriminator member is a different member: values change shape.",
  },
  "feature added": {
    send: false,
    receive: false,
    reason: "Features are not on the wire: they show in introspection only.",
  },
  "feature removed": {
    send: false,
    receive: false,
    reason:
      "Features are not on the wire: they show in introspection only (a client probing for one may change its behaviour).",
  },
  "flag set": {
    send: false,
    receive: null,
    reason: "Allowing out-of-band execution or use before configuration is opt-in.",
  },
  "flag cleared": {
    send: true,
    receive: null,
    reason: "Clients that execute the command out of band, or before configuration, no longer can.",
  },
};

export const CONDITION_RULE =
  "A changed condition removes the thing from the builds where only the old condition holds and adds it where only the new one does: it breaks when that removal or that addition would.";

function breaksOneWay(kind: Exclude<ChangeKind, "condition changed">, way: OneWay): boolean {
  return RULES[kind][way] === true;
}

/**
 * Whether a change breaks clients in the direction(s) it is reached. A change the build's
 * configuration explains never does.
 */
export function isBreaking(
  c: Pick<WireChange, "kind" | "direction" | "lost" | "gained"> & { explained?: string | null },
): boolean {
  if (c.explained) return false;
  const ways: OneWay[] = c.direction === "both" ? ["send", "receive"] : [c.direction];
  const kinds =
    c.kind === "condition changed"
      ? [c.lost, c.gained].filter((k): k is Exclude<ChangeKind, "condition changed"> => !!k)
      : [c.kind];
  return kinds.some((k) => ways.some((w) => breaksOneWay(k, w)));
}

/** The rule a change is judged by, as text. */
export function ruleFor(kind: ChangeKind): string {
  return kind === "condition changed" ? CONDITION_RULE : RULES[kind].reason;
}

export interface JudgedChange {
  /** The first path, in the query language. */
  path: string;
  change: ChangeKind;
  direction: Direction;
  breaking: boolean;
  /** The thing (or every path to it) was deprecated / unstable / x- named before the change. */
  policy: WireChange["policy"];
  detail: string;
  /**
   * The condition, false in the build of the side that lacks the thing, that explains the change
   * (a schema read whole against one build); null for changes of the protocol.
   */
  explainedBy: string | null;
  /** How many other paths reach the same change (a type shared by several places)... */
  otherPaths: number;
  /** ...and which, shortest first (a lower bound and a partial list when capped). */
  alsoAt: string[];
  otherPathsCapped: boolean;
}

export function judge(changes: readonly WireChange[]): JudgedChange[] {
  return changes.map((c) => ({
    path: c.path.join("/"),
    change: c.kind,
    direction: c.direction,
    breaking: isBreaking(c),
    policy: c.policy,
    detail: c.detail,
    explainedBy: c.explained,
    otherPaths: c.otherPaths.length,
    alsoAt: c.otherPaths.map((p) => p.join("/")),
    otherPathsCapped: c.otherPathsCapped,
  }));
}

/** A breaking change that --allow-deprecated lets pass: the thing was withdrawable already. */
export function isExcused(c: JudgedChange, allowDeprecated: boolean): boolean {
  return allowDeprecated && c.breaking && c.policy !== null;
}
