// Every compatibility rule of diff (generator/compat/verdicts.ts), in both directions of the wire
// (reached from a command's arguments: sent; from its return: received) and both directions of
// time (each pair is also diffed backwards, which turns an addition into a removal). The
// expected verdicts are written here, after qapi-code-gen.rst's "Compatibility considerations",
// not read from the rules: a rule turned the other way fails this test.
import { describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll } from "vitest";
import { diffWire } from "../generator/compat/diff.ts";
import { readWireInput } from "../generator/compat/sides.ts";
import { judge, RULES } from "../generator/compat/verdicts.ts";
import type { WireSchema } from "../generator/compat/wire.ts";
import { runCli } from "./helpers/cli.ts";

const dir = mkdtempSync(path.join(tmpdir(), "qapi-ts-rules-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
function wire(text: string): WireSchema {
  const file = path.join(dir, `s${files++}.json`);
  writeFileSync(file, text);
  const r = readWireInput(file, { defines: null, compat: false });
  if (!r.wire) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
  return r.wire;
}

/**
 * A case: the definitions of type 'Subject' before and after, and the changes expected at `v` (the
 * member of type T), forwards and backwards: [path below v, kind, breaking when sent, breaking
 * when received].
 */
interface Case {
  name: string;
  before: string;
  after: string;
  forward: [string, string, boolean, boolean][];
  backward: [string, string, boolean, boolean][];
}

const MEMBERS = (data: string): string => `{ 'struct': 'Subject', 'data': { ${data} } }`;
const CASES: Case[] = [
  {
    name: "an optional member",
    before: MEMBERS("'a': 'int'"),
    after: MEMBERS("'a': 'int', '*b': 'int'"),
    forward: [["b", "optional member added", false, false]],
    backward: [["b", "optional member removed", true, false]],
  },
  {
    name: "a mandatory member",
    before: MEMBERS("'a': 'int'"),
    after: MEMBERS("'a': 'int', 'b': 'int'"),
    forward: [["b", "mandatory member added", true, false]],
    backward: [["b", "mandatory member removed", true, true]],
  },
  {
    name: "a member made optional",
    before: MEMBERS("'a': 'int'"),
    after: MEMBERS("'*a': 'int'"),
    forward: [["a", "member made optional", false, true]],
    backward: [["a", "member made mandatory", true, false]],
  },
  {
    name: "an enum value",
    before: "{ 'enum': 'Subject', 'data': [ 'x' ] }",
    after: "{ 'enum': 'Subject', 'data': [ 'x', 'y' ] }",
    forward: [["^y", "enum value added", false, false]],
    backward: [["^y", "enum value removed", true, false]],
  },
  {
    name: "a union branch (and its tag value)",
    before:
      "{ 'enum': 'Kind', 'data': [ 'x' ] }\n{ 'struct': 'Branch', 'data': { 'n': 'int' } }\n" +
      "{ 'union': 'Subject', 'base': { 'kind': 'Kind' }, 'discriminator': 'kind', 'data': { 'x': 'Branch' } }",
    after:
      "{ 'enum': 'Kind', 'data': [ 'x', 'y' ] }\n{ 'struct': 'Branch', 'data': { 'n': 'int' } }\n" +
      "{ 'union': 'Subject', 'base': { 'kind': 'Kind' }, 'discriminator': 'kind',\n" +
      "  'data': { 'x': 'Branch', 'y': 'Branch' } }",
    forward: [
      ["+y", "branch added", false, false],
      ["kind/^y", "enum value added", false, false],
    ],
    backward: [
      ["+y", "branch removed", true, false],
      ["kind/^y", "enum value removed", true, false],
    ],
  },
  {
    name: "an alternative",
    before: "{ 'alternate': 'Subject', 'data': { 'i': 'int', 'b': 'bool' } }",
    after: "{ 'alternate': 'Subject', 'data': { 'i': 'int', 'b': 'bool', 'n': 'null' } }",
    forward: [["!null", "alternative added", false, true]],
    backward: [["!null", "alternative removed", true, false]],
  },
  {
    name: "a type of another JSON type",
    before: "{ 'struct': 'Subject', 'data': { 'n': 'int' } }",
    after: "{ 'struct': 'Subject', 'data': { 'n': 'str' } }",
    forward: [["n", "type changed", true, true]],
    backward: [["n", "type changed", true, true]],
  },
  {
    name: "a list where there was one value (of an alternate)",
    before:
      "{ 'alternate': 'Alt', 'data': { 'i': 'int', 'b': 'bool' } }\n" +
      "{ 'struct': 'Subject', 'data': { 'n': 'Alt' } }",
    after:
      "{ 'alternate': 'Alt', 'data': { 'i': 'int', 'b': 'bool' } }\n" +
      "{ 'struct': 'Subject', 'data': { 'n': [ 'Alt' ] } }",
    forward: [["n", "type changed", true, true]],
    backward: [["n", "type changed", true, true]],
  },
  {
    name: "a type accepting more values",
    before: "{ 'struct': 'Subject', 'data': { 'n': 'int' } }",
    after: "{ 'struct': 'Subject', 'data': { 'n': 'number' } }",
    forward: [["n", "type widened", false, true]],
    backward: [["n", "type narrowed", true, false]],
  },
  {
    name: "a union's discriminator",
    before:
      "{ 'enum': 'Kind', 'data': [ 'x' ] }\n{ 'struct': 'Branch', 'data': { 'n': 'int' } }\n" +
      "{ 'union': 'Subject', 'base': { 'kind': 'Kind', 'type': 'Kind' }, 'discriminator': 'kind',\n" +
      "  'data': { 'x': 'Branch' } }",
    after:
      "{ 'enum': 'Kind', 'data': [ 'x' ] }\n{ 'struct': 'Branch', 'data': { 'n': 'int' } }\n" +
      "{ 'union': 'Subject', 'base': { 'kind': 'Kind', 'type': 'Kind' }, 'discriminator': 'type',\n" +
      "  'data': { 'x': 'Branch' } }",
    forward: [["", "tag changed", true, true]],
    backward: [["", "tag changed", true, true]],
  },
  {
    name: "a feature",
    before: "{ 'struct': 'Subject', 'data': { 'n': 'int' } }",
    after: "{ 'struct': 'Subject', 'data': { 'n': 'int' }, 'features': [ 'fancy' ] }",
    forward: [["$fancy", "feature added", false, false]],
    backward: [["$fancy", "feature removed", false, false]],
  },
  {
    name: "a condition that fewer builds meet",
    before: "{ 'struct': 'Subject', 'data': { '*n': { 'type': 'int', 'if': 'CONFIG_A' } } }",
    after:
      "{ 'struct': 'Subject', 'data': { '*n': { 'type': 'int',\n" +
      "  'if': { 'all': [ 'CONFIG_A', 'CONFIG_B' ] } } } }",
    // Builds with CONFIG_A alone lose the member (a removal); none gain it.
    forward: [["n", "condition changed", true, false]],
    backward: [["n", "condition changed", false, false]],
  },
];

/** Where Subject is used: sent (a command's argument) or received (a command's return). */
const USES = {
  send: "{ 'command': 'put', 'data': { 'v': 'Subject' } }",
  receive:
    "{ 'struct': 'Out', 'data': { 'v': 'Subject' } }\n{ 'command': 'get', 'returns': 'Out' }",
};
const AT = { send: "put/arg-type/v", receive: "get/ret-type/v" };

type Row = [string, string, string, boolean];
const rows = (a: WireSchema, b: WireSchema): Row[] =>
  judge(diffWire(a, b))
    .map((c): Row => [c.path, c.change, c.direction, c.breaking])
    .sort((x, y) => (x.join() < y.join() ? -1 : 1));

describe("every compatibility rule, sent and received, forwards and backwards", () => {
  for (const c of CASES)
    for (const way of ["send", "receive"] as const)
      it(`${c.name}, ${way === "send" ? "sent" : "received"}`, () => {
        const before = wire(`${c.before}\n${USES[way]}\n`);
        const after = wire(`${c.after}\n${USES[way]}\n`);
        const expected = (list: Case["forward"]): Row[] =>
          list
            .map(
              ([at, kind, send, receive]): Row => [
                at ? `${AT[way]}/${at}` : AT[way],
                kind,
                way,
                way === "send" ? send : receive,
              ],
            )
            .sort((x, y) => (x.join() < y.join() ? -1 : 1));
        expect(rows(before, after)).toEqual(expected(c.forward));
        expect(rows(after, before)).toEqual(expected(c.backward));
      });

  it("commands, events and flags, where each can happen", () => {
    const a = wire(
      "{ 'command': 'stays', 'allow-oob': true, 'allow-preconfig': true }\n" +
        "{ 'command': 'goes' }\n{ 'event': 'GONE' }\n",
    );
    const b = wire("{ 'command': 'stays' }\n{ 'command': 'comes' }\n{ 'event': 'NEW' }\n");
    const forward: Row[] = [
      ["GONE", "event removed", "receive", false],
      ["NEW", "event added", "receive", false],
      ["comes", "command added", "send", false],
      ["goes", "command removed", "send", true],
      ["stays/allow-oob", "flag cleared", "send", true],
      ["stays/allow-preconfig", "flag cleared", "send", true],
    ];
    expect(rows(a, b)).toEqual(forward);
    expect(rows(b, a)).toEqual([
      ["GONE", "event added", "receive", false],
      ["NEW", "event removed", "receive", false],
      ["comes", "command removed", "send", true],
      ["goes", "command added", "send", false],
      ["stays/allow-oob", "flag set", "send", false],
      ["stays/allow-preconfig", "flag set", "send", false],
    ]);
  });

  it("covers every rule in every direction it can happen", () => {
    const seen = new Set<string>();
    for (const c of CASES)
      for (const [, kind] of [...c.forward, ...c.backward])
        for (const way of ["send", "receive"]) seen.add(`${kind} ${way}`);
    for (const kind of ["command added", "command removed", "flag set", "flag cleared"])
      seen.add(`${kind} send`);
    for (const kind of ["event added", "event removed"]) seen.add(`${kind} receive`);
    const rules = Object.entries(RULES).flatMap(([kind, r]) => [
      ...(r.send === null ? [] : [`${kind} send`]),
      ...(r.receive === null ? [] : [`${kind} receive`]),
    ]);
    expect(rules.filter((r) => !seen.has(r))).toEqual([]);
  });

  it("fails the CI gate (exit 1) on a breaking change, passes it (exit 0) otherwise", () => {
    const c = CASES.find((x) => x.name === "a union's discriminator")!;
    const old = path.join(dir, "tag-old.json");
    const neu = path.join(dir, "tag-new.json");
    writeFileSync(old, `${c.before}\n${USES.receive}\n`);
    writeFileSync(neu, `${c.after}\n${USES.receive}\n`);
    const r = runCli(["diff", old, neu]);
    expect(r.stdout).toContain("tag changed (1):\n    get/ret-type/v  (kind → type; receive)");
    expect(r.status).toBe(1);
    const feature = CASES.find((x) => x.name === "a feature")!;
    writeFileSync(old, `${feature.before}\n${USES.receive}\n`);
    writeFileSync(neu, `${feature.after}\n${USES.receive}\n`);
    expect(runCli(["diff", old, neu]).status).toBe(0);
  });
});
