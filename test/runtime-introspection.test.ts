// The query language rule by rule, on a small hand-made reply (unmasked names, so each case
// reads as what it tests), plus the typed questions, explain and malformed replies.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  MAX_STEPS,
  QueryError,
  SchemaIndex,
  SchemaPath,
  SchemaReplyError,
  parseQuery,
} from "../runtime/introspection.ts";

const reply = [
  {
    name: "do-it",
    "meta-type": "command",
    "arg-type": "Args",
    "ret-type": "Empty",
    features: ["deprecated"],
  },
  { name: "HAPPENED", "meta-type": "event", "arg-type": "Args" },
  {
    name: "Args",
    "meta-type": "object",
    members: [
      { name: "kind", type: "Kind" },
      { name: "opt", type: "int", default: null, features: ["unstable"] },
      { name: "list", type: "[Deep]" },
      { name: "alt", type: "Alt" },
      { name: "old", type: "OldEnum" },
      { name: "__org.example_x", type: "str" },
    ],
    tag: "kind",
    variants: [{ case: "one", type: "One" }],
    features: ["args-feature"],
  },
  {
    name: "One",
    "meta-type": "object",
    members: [{ name: "only-in-one", type: "str", default: null }],
  },
  { name: "Empty", "meta-type": "object", members: [] },
  {
    name: "Kind",
    "meta-type": "enum",
    members: [{ name: "one" }, { name: "two", features: ["deprecated"] }],
    values: ["one", "two"],
  },
  { name: "OldEnum", "meta-type": "enum", values: ["x", "y"] },
  { name: "[Deep]", "meta-type": "array", "element-type": "Deep" },
  { name: "Deep", "meta-type": "object", members: [{ name: "deep", type: "int" }] },
  { name: "Alt", "meta-type": "alternate", members: [{ type: "One" }, { type: "int" }] },
  { name: "int", "meta-type": "builtin", "json-type": "int" },
  { name: "str", "meta-type": "builtin", "json-type": "string" },
  { name: "loop", "meta-type": "command", "arg-type": "[Loop]", "ret-type": "Empty" },
  { name: "[Loop]", "meta-type": "array", "element-type": "[Loop]" },
  { name: "dangling", "meta-type": "command", "arg-type": "Nowhere", "ret-type": "Empty" },
  { name: "to-no-meta", "meta-type": "command", "arg-type": "NoMeta", "ret-type": "Empty" },
  { name: "NoMeta" },
];

const index = new SchemaIndex(reply);
const r = (q: string) => index.probe(q).result;

describe("the path-query language", () => {
  it("starts at an entry name, literally", () => {
    expect(r("do-it")).toBe("found");
    expect(r("Do-it")).toBe("not-found");
    expect(r("nope/arg-type")).toBe("not-found");
    expect(() => index.probe("")).toThrow(QueryError);
  });

  it("follows command and event keys; other modifiers do not apply there", () => {
    expect(r("do-it/arg-type")).toBe("found");
    expect(r("HAPPENED/arg-type/kind")).toBe("found");
    expect(r("do-it/allow-oob")).toBe("not-found");
    expect(r("do-it/*arg-type")).toBe("not-found");
    expect(r("do-it/+arg-type")).toBe("not-found");
    expect(r("do-it/^arg-type")).toBe("not-found");
    expect(r("do-it/!arg-type")).toBe("not-found");
    // A key whose value names no entry is a dangling reference.
    expect(r("do-it/name")).toBe("found"); // "name" names the command itself
    expect(r("do-it/meta-type")).toBe("error");
  });

  it("tests definition features with $, terminally", () => {
    expect(r("do-it/$deprecated")).toBe("found");
    expect(r("do-it/$unstable")).toBe("not-found");
    expect(r("do-it/arg-type/$args-feature")).toBe("found");
    expect(r("do-it/$deprecated/x")).toBe("error");
    expect(r("do-it/arg-type/$nope/x")).toBe("error");
    // `$` after a member tests the member's type (int has no features).
    expect(r("do-it/arg-type/opt/$unstable")).toBe("not-found");
  });

  it("finds members, optional ones with *, and drops other modifiers", () => {
    expect(r("do-it/arg-type/kind")).toBe("found");
    expect(r("do-it/arg-type/*kind")).toBe("not-found");
    expect(r("do-it/arg-type/*opt")).toBe("found");
    expect(r("do-it/arg-type/-opt")).toBe("found");
    expect(r("do-it/arg-type/0kind")).toBe("found");
    expect(r("do-it/arg-type/missing")).toBe("not-found");
    expect(r("do-it/arg-type/^kind")).toBe("not-found");
    expect(r("do-it/arg-type/!kind")).toBe("not-found");
    // A name starting with '_' loses it: the string language cannot reach such a member.
    expect(r("do-it/arg-type/__org.example_x")).toBe("not-found");
  });

  it("follows variants; after +case only that variant's own members are visible", () => {
    expect(r("do-it/arg-type/+one")).toBe("found");
    expect(r("do-it/arg-type/+one/*only-in-one")).toBe("found");
    expect(r("do-it/arg-type/+one/kind")).toBe("not-found");
    expect(r("do-it/arg-type/+two")).toBe("not-found");
  });

  it("checks enum values, and features of a value with one following $", () => {
    expect(r("do-it/arg-type/kind/^two")).toBe("found");
    expect(r("do-it/arg-type/kind/^three")).toBe("not-found");
    expect(r("do-it/arg-type/kind/two")).toBe("not-found");
    expect(r("do-it/arg-type/kind/$deprecated")).toBe("not-found");
    expect(r("do-it/arg-type/kind/^two/$deprecated")).toBe("found");
    expect(r("do-it/arg-type/kind/^one/$deprecated")).toBe("not-found");
    expect(r("do-it/arg-type/kind/^two/$deprecated/x")).toBe("error");
    expect(r("do-it/arg-type/kind/^two/x")).toBe("error");
    expect(r("do-it/arg-type/kind/^two/$a/$b")).toBe("error");
    // Replies before QEMU 6.2: bare values, no features.
    expect(r("do-it/arg-type/old/^x")).toBe("found");
    expect(r("do-it/arg-type/old/^z")).toBe("not-found");
    expect(r("do-it/arg-type/old/^x/$deprecated")).toBe("not-found");
  });

  it("sees through arrays and tries alternate branches in order", () => {
    expect(r("do-it/arg-type/list/deep")).toBe("found");
    expect(r("do-it/arg-type/list/deep/!int")).toBe("found");
    expect(r("do-it/arg-type/alt/only-in-one")).toBe("found");
    expect(r("do-it/arg-type/alt/!int")).toBe("found");
    expect(r("do-it/arg-type/alt/!string")).toBe("not-found");
    expect(r("do-it/arg-type/alt/zzz")).toBe("not-found");
  });

  it("checks builtins' JSON type, terminally", () => {
    expect(r("do-it/arg-type/opt/!int")).toBe("found");
    expect(r("do-it/arg-type/opt/!string")).toBe("not-found");
    expect(r("do-it/arg-type/opt/!int/x")).toBe("error");
    expect(r("do-it/arg-type/opt/x")).toBe("not-found");
  });

  it("reports malformed replies as errors, not exceptions", () => {
    expect(r("dangling")).toBe("found");
    expect(r("dangling/arg-type")).toBe("error");
    expect(index.probe("dangling/arg-type").error).toMatch(/no entry 'Nowhere'/);
    expect(r("to-no-meta/arg-type")).toBe("found");
    expect(r("to-no-meta/arg-type/x")).toBe("error");
    const loop = index.probe("loop/arg-type/x");
    expect(loop.result).toBe("error");
    expect(loop.error).toMatch(new RegExp(`more than ${MAX_STEPS} steps`));
  });
});

describe("member-level features (the extension)", () => {
  it("reads name$feature as a feature of that member", () => {
    expect(r("do-it/arg-type/opt$unstable")).toBe("found");
    expect(r("do-it/arg-type/*opt$unstable")).toBe("found");
    expect(r("do-it/arg-type/*kind$unstable")).toBe("not-found");
    expect(r("do-it/arg-type/kind$unstable")).toBe("not-found");
    expect(r("do-it/arg-type/opt$deprecated")).toBe("not-found");
    expect(r("do-it/arg-type/missing$unstable")).toBe("not-found");
    expect(r("do-it/arg-type/opt$unstable/x")).toBe("error");
    expect(r("do-it/arg-type/+one/only-in-one$unstable")).toBe("not-found");
    expect(index.probe("do-it/arg-type/opt$unstable").member).toEqual(reply[2]!.members![1]);
  });

  it("parses only plain and * components that way", () => {
    expect(parseQuery("a/b$c").steps[0]).toMatchObject({
      kind: "member-feature",
      member: "b",
      feature: "c",
      optional: false,
    });
    expect(parseQuery("a/*b$c").steps[0]).toMatchObject({
      kind: "member-feature",
      member: "b",
      optional: true,
    });
    expect(parseQuery("a/$b$c").steps[0]).toMatchObject({ kind: "feature", feature: "b$c" });
    expect(parseQuery("a/^b$c").steps[0]).toMatchObject({ kind: "enum-value", value: "b$c" });
    expect(parseQuery("a/+b$c").steps[0]).toMatchObject({ kind: "variant", case: "b$c" });
    expect(parseQuery("a/b").steps[0]).toMatchObject({ kind: "name", name: "b" });
    expect(parseQuery("a//b").steps[0]).toMatchObject({ kind: "name", name: "" });
  });
});

describe("typed questions", () => {
  const args = SchemaPath.of("do-it").arg();

  it("answers without a query string", () => {
    expect(index.hasCommand("do-it")).toBe(true);
    expect(index.hasCommand("HAPPENED")).toBe(false);
    expect(index.hasEvent("HAPPENED")).toBe(true);
    expect(index.hasEvent("nope")).toBe(false);
    expect(index.hasMember(args, "opt")).toBe(true);
    expect(index.hasMember(args, "opt", { optional: true })).toBe(true);
    expect(index.hasMember(args, "kind", { optional: true })).toBe(false);
    expect(index.hasMember(args.variant("one"), "only-in-one")).toBe(true);
    expect(index.hasEnumValue(args.member("kind"), "two")).toBe(true);
    expect(index.hasEnumValue(args.member("old"), "y")).toBe(true);
    expect(index.hasFeature("do-it", "deprecated")).toBe(true);
    expect(index.hasFeature(args, "args-feature")).toBe(true);
    expect(index.hasFeature(args, "unstable", { member: "opt" })).toBe(true);
    expect(index.hasFeature(args, "unstable", { member: "kind" })).toBe(false);
    expect(index.hasFeature(args.member("kind"), "deprecated", { enumValue: "two" })).toBe(true);
    expect(index.hasFeature(args.member("kind"), "deprecated", { enumValue: "one" })).toBe(false);
  });

  it("reaches names the string language cannot", () => {
    expect(index.hasMember(args, "__org.example_x")).toBe(true);
  });

  it("gives the entry behind a path, with its real name in an unmasked reply", () => {
    expect(index.masked).toBe(false);
    // The walk stops where the components end: at the array, not its element.
    expect(index.entryAt(args.member("list"))?.name).toBe("[Deep]");
    expect(index.entryAt(args.member("kind"))).toBe(reply[5]);
    expect(index.entryAt(args.member("nope"))).toBeUndefined();
    expect(() => index.entryAt("dangling/arg-type")).toThrow(QueryError);
    expect(() => index.hasMember("dangling/arg-type", "x")).toThrow(/no entry 'Nowhere'/);
  });

  it("renders a path as the equivalent query", () => {
    const p = args.variant("one").memberFeature("only-in-one", "f", { optional: true });
    expect(p.toString()).toBe("do-it/arg-type/+one/*only-in-one$f");
    for (const q of [
      "do-it/arg-type/kind/^two/$deprecated",
      "do-it/arg-type/alt/!int",
      "do-it/arg-type/*opt$unstable",
    ]) {
      expect(SchemaPath.parse(q).toString()).toBe(q);
      expect(index.probe(SchemaPath.parse(q))).toEqual(index.probe(q));
    }
  });
});

describe("explain", () => {
  it("records the walk entry by entry, alternates one level deeper", () => {
    const e = index.explain("do-it/arg-type/alt/!int");
    expect(e.result).toBe("found");
    expect(e.walk.map((w) => [w.depth, w.entry, w.action])).toEqual([
      [0, "do-it", "follow"],
      [0, "Args", "follow"],
      [0, "Alt", "follow"],
      [1, "One", "not-found"],
      [0, "Alt", "follow"],
      [1, "int", "found"],
    ]);
    expect(e.text).toBe(
      [
        "query: do-it/arg-type/alt/!int",
        "  do-it (command) 'arg-type': key 'arg-type' -> Args",
        "  Args (object) 'alt': member 'alt' -> Alt",
        "  Alt (alternate): alternate: try branch -> One",
        "    One (object) '!int': '!int' does not apply to an object => not-found",
        "  Alt (alternate): alternate: try branch -> int",
        "    int (builtin) '!int': json-type int => found",
        "result: found",
      ].join("\n"),
    );
  });

  it("explains typed questions and errors too", () => {
    const e = index.explain(SchemaPath.of("do-it").arg().memberFeature("opt", "unstable"));
    expect(e.query).toBe("do-it/arg-type/opt$unstable");
    expect(e.walk.at(-1)).toMatchObject({
      entry: "Args",
      action: "found",
      detail: "member 'opt' features: unstable",
    });
    const err = index.explain("dangling/arg-type");
    expect(err.result).toBe("error");
    expect(err.walk.at(-1)).toMatchObject({ entry: "Nowhere", action: "error" });
    expect(err.text).toMatch(/result: error \(dangling reference: no entry 'Nowhere'\)$/);
  });
});

describe("loading a reply", () => {
  it("accepts the QMP response object as well as the bare array", () => {
    expect(new SchemaIndex({ return: reply }).probe("do-it/arg-type/kind/^one").result).toBe(
      "found",
    );
  });

  it("rejects what is not a reply", () => {
    expect(() => new SchemaIndex({})).toThrow(SchemaReplyError);
    expect(() => new SchemaIndex([{ "meta-type": "enum" }])).toThrow(
      /entry 0 has no string 'name'/,
    );
    expect(() => new SchemaIndex([{ name: "a" }, { name: "a" }])).toThrow(/duplicate name 'a'/);
  });
});

describe("robustness", () => {
  // Replies with garbage where the language expects names, arrays, strings; loops included.
  const names = ["a", "b", "c", "0", "int"];
  const scalar = fc.oneof(fc.constantFrom(...names), fc.integer(), fc.constant(null), fc.boolean());
  const features = fc.option(fc.oneof(fc.array(fc.constantFrom("f", "g")), scalar), {
    nil: undefined,
  });
  const member = fc.oneof(
    scalar,
    fc.record(
      { name: scalar, type: scalar, default: fc.constant(null), features, case: scalar },
      { requiredKeys: [] },
    ),
  );
  const entry = fc.record(
    {
      name: fc.constantFrom(...names),
      "meta-type": fc.oneof(
        fc.constantFrom("builtin", "enum", "array", "object", "alternate", "command", "event"),
        scalar,
      ),
      members: fc.option(fc.oneof(fc.array(member, { maxLength: 4 }), scalar), { nil: undefined }),
      variants: fc.option(fc.array(member, { maxLength: 3 }), { nil: undefined }),
      values: fc.option(fc.array(scalar, { maxLength: 3 }), { nil: undefined }),
      "arg-type": scalar,
      "element-type": scalar,
      "json-type": scalar,
      features,
    },
    { requiredKeys: ["name", "meta-type"] },
  );
  const reply = fc.uniqueArray(entry, { selector: (e) => e.name, maxLength: 5 });
  const component = fc.constantFrom(
    "a",
    "b",
    "*a",
    "+a",
    "^a",
    "!int",
    "$f",
    "a$f",
    "*b$g",
    "",
    "arg-type",
    "element-type",
    "-a",
  );
  const query = fc
    .tuple(fc.constantFrom(...names), fc.array(component, { maxLength: 6 }))
    .map(([f, cs]) => [f, ...cs].join("/"));

  it("answers every query on any reply with found / not-found / error, and explain agrees", () => {
    fc.assert(
      fc.property(reply, fc.array(query, { minLength: 1, maxLength: 5 }), (entries, queries) => {
        const idx = new SchemaIndex(entries);
        for (const q of queries) {
          const a = idx.probe(q);
          expect(["found", "not-found", "error"]).toContain(a.result);
          expect(a.error !== null).toBe(a.result === "error");
          const e = idx.explain(q);
          expect(e.result).toBe(a.result);
          expect(e.text.endsWith(`result: ${a.result}${a.error ? ` (${a.error})` : ""}`)).toBe(
            true,
          );
        }
      }),
      { numRuns: 400 },
    );
  });
});
