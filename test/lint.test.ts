// `qapi-ts lint`'s options: --max-errors, the rules (--rule, --no-rule, each diagnostic naming its
// rule in every format), --strict, --compat; and each lint rule's findings (generator/services/lint-rules.ts).
import { afterAll, describe, expect, test } from "vitest";
import { loadSchema, loadSchemaText } from "../generator/frontend/index.ts";
import { formatGcc } from "../generator/model/source.ts";
import { LINT_RULES } from "../generator/services/lint-rules.ts";
import { runLint, selectRules } from "../generator/services/lint.ts";
import { runCli } from "./helpers/cli.ts";
import { hasShared, sharedPath } from "./helpers/paths.ts";
import { scratchDir } from "./helpers/scratch.ts";

const scratch = scratchDir("lint");
afterAll(() => scratch.remove());

/** Ten structs, each with its own error. */
const tenErrors = Array.from(
  { length: 10 },
  (_, i) => `{ 'struct': 'Struct${i}', 'data': { 'm': 'Missing${i}' } }\n`,
).join("");
const markers =
  "{ 'struct': 'Opts', 'data': { 'a': 'int', '*marker': 'null' } }\n{ 'command': 'cmd', 'data': { '*too': 'null' } }\n";

describe("--max-errors", () => {
  const f = scratch.write("ten.json", tenErrors);

  test("the default (100) lets all ten through", () => {
    const r = runCli(["lint", f]);
    expect(r.status).toBe(1);
    expect(r.stderr.match(/uses unknown type/g)).toHaveLength(10);
  });

  test("N: stops after N errors and says so; 0: no limit", () => {
    const r = runCli(["lint", "--max-errors", "3", f]);
    expect(r.status).toBe(1);
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines.filter((l) => l.includes("uses unknown type"))).toHaveLength(3);
    expect(lines.at(-1)).toBe(`${f}: too many errors; stopped after 3`);
    expect(runCli(["lint", "--max-errors", "0", f]).stderr.match(/uses unknown/g)).toHaveLength(10);
  });

  test("usage errors: not a whole number", () => {
    for (const bad of ["-1", "1.5", "many"]) {
      const r = runCli(["lint", "--max-errors", bad, f]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/max-errors/);
    }
  });
});

describe("lint rules", () => {
  const f = scratch.write("markers.json", markers);

  test("each is named in qemu and gcc output and in JSON", () => {
    const qemu = runCli(["lint", f]);
    expect(qemu.status).toBe(0);
    expect(qemu.stderr).toBe(
      `${f}: In struct 'Opts':\n${f}:1: warning: member 'marker' of type 'null' is a marker (present only to be seen in introspection); declare a feature on 'Opts' instead [marker-member]\n` +
        `${f}: In command 'cmd':\n${f}:2: warning: member 'too' of type 'null' is a marker (present only to be seen in introspection); declare a feature on 'cmd' instead [marker-member]\n`,
    );
    // (gcc and JSON place findings at the member.)
    const gcc = runCli(["lint", "--format", "gcc", f]);
    expect(gcc.stderr.split("\n")[0]).toMatch(/^.*:1:43: warning: .* \[marker-member\]$/);
    const json = JSON.parse(runCli(["lint", "--format", "json", f]).stdout);
    expect(
      json.map((d: { rule: string; line: number; column: number }) => [d.rule, d.line, d.column]),
    ).toEqual([
      ["marker-member", 1, 43],
      ["marker-member", 2, 31],
    ]);
  });

  test("--no-rule turns one off, --rule runs only those named; --strict fails on warnings", () => {
    const off = runCli(["lint", "--no-rule", "marker-member", "--strict", f]);
    expect([off.status, off.stderr]).toEqual([0, ""]);
    const only = runCli(["lint", "--rule", "marker-member", "--strict", f]);
    expect(only.status).toBe(1);
    expect(only.stderr).toMatch(/\[marker-member\]/);
  });

  test("an unknown rule is a usage error", () => {
    for (const option of ["--rule", "--no-rule"]) {
      const r = runCli(["lint", option, "no-such-rule", f]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(
        /unknown lint rule 'no-such-rule' \(rules: marker-member, x-name, sentence-spacing, errors-list, list-spacing\)/,
      );
    }
  });

  test("rules run on models only: a schema with errors gets the front end's errors", () => {
    const r = loadSchemaText(markers + "{ 'struct': 'Bad', 'data': 'x' }\n", {
      diagnostics: "all",
    });
    expect(r.model).toBeNull();
    expect(r.diagnostics.map((d) => d.message)).toEqual(["'data' should be an object"]);
  });

  test("selectRules and runLint, in a program", () => {
    const names = (rules: ReturnType<typeof selectRules>) =>
      typeof rules === "string" ? rules : rules.map((r) => r.name);
    expect(names(selectRules())).toEqual([
      "marker-member",
      "sentence-spacing",
      "errors-list",
      "list-spacing",
    ]);
    expect(names(selectRules(["x-name"]))).toEqual(["x-name"]);
    const all = LINT_RULES.map((r) => r.name);
    expect(selectRules([], all)).toEqual([]);
    expect(selectRules(["nope"])).toMatch(/unknown lint rule 'nope'/);
    const model = loadSchemaText(markers).model!;
    expect(runLint(model).map((d) => [d.rule, d.severity, d.info?.line])).toEqual([
      ["marker-member", "warning", 1],
      ["marker-member", "warning", 2],
    ]);
    expect(runLint(model, [])).toEqual([]);
  });
});

describe("sentence-spacing", () => {
  const rule = LINT_RULES.find((r) => r.name === "sentence-spacing")!;
  const findings = (body: string) => {
    const text = `##\n# @c:\n#\n${body}\n##\n{ 'command': 'c' }\n`;
    const model = loadSchemaText(text).model!;
    return rule.check(model).map((d) => [d.range!.start.line, d.range!.start.col]);
  };

  test.each<[string, string, number[][]]>([
    ["one space after a sentence: the space", "# One.  Two. Three.", [[4, 13]]],
    [
      "after '?' and '!', and before @name",
      "# Why? Because! @c does it.",
      [
        [4, 7],
        [4, 16],
      ],
    ],
    [
      "a sentence ending in a version or a reference",
      "# Since 2.10. Then @c. Done.",
      [
        [4, 14],
        [4, 23],
      ],
    ],
    ["two spaces", "# One.  Two.  Three.", []],
    ["abbreviations and initials", "# See e.g. Foo, i.e. Bar, etc. Baz, J. Smith.", []],
    ["a lower-case word after the period", "# Version 2.10. is not a sentence end.", []],
    ["inline literals", "# Use ``a. B`` here.", []],
    ["numbered list items", "# 1. First item.\n# 2. Second item.", []],
    ["a literal block", "# Example::\n#\n#     Not. Checked.\n#\n# Back.  Here.", []],
    ["a directive's content", "# .. qmp-example::\n#\n#    -> Not. Checked.\n#\n# Done.", []],
    ["a line after a literal block", "# Example::\n#\n#     x\n# Out. Here.", [[7, 7]]],
  ])("%s", (_, body, expected) => {
    expect(findings(body)).toEqual(expected);
  });

  // (QEMU follows it: a finding on its schemas would be the rule's mistake.)
  test.skipIf(!hasShared).each(["qapi", "qga", "storage-daemon/qapi"])(
    "QEMU 10.2's %s schema keeps the convention",
    (dir) => {
      const model = loadSchema(sharedPath("qemu-10.2", dir, "qapi-schema.json")).model!;
      expect(rule.check(model).map(formatGcc)).toEqual([]);
    },
  );
});

describe("list-spacing and errors-list", () => {
  const findings = (name: string, body: string, defn = "{ 'command': 'c' }") => {
    const rule = LINT_RULES.find((r) => r.name === name)!;
    const model = loadSchemaText(`##\n# @c:\n#\n${body}\n##\n${defn}\n`).model!;
    return rule.check(model).map((d) => [d.message, d.range!.start.line, d.range!.start.col]);
  };

  test.each<[string, string, unknown[][]]>([
    ["a list after text", "# Text:\n# - one\n#\n# More.", [["preceded", 5, 3]]],
    ["text after a list", "# Text:\n#\n# 1. one\n#    two\n# More.", [["followed", 8, 3]]],
    ["a spaced list", "# Text:\n#\n# * one\n#   two\n# * three\n#\n# More.", []],
    ["a list opening a section", "# Errors:\n#     - If x, GenericError\n#\n# Since: 1.0", []],
    ["a literal block", "# Example::\n#\n#     text\n#     - not a list", []],
  ])("list-spacing: %s", (_, body, expected) => {
    const found = findings("list-spacing", body);
    expect(found.map(([m, l, c]) => [(m as string).split(" ")[4], l, c])).toEqual(expected);
  });

  test("errors-list: an 'Errors:' section that is not a list, at its tag", () => {
    expect(findings("errors-list", "# Errors: If x, GenericError")).toEqual([
      [expect.stringContaining("not a list"), 4, 3],
    ]);
    expect(findings("errors-list", "# Errors:\n#     - If x, GenericError")).toEqual([]);
  });

  test.skipIf(!hasShared).each(["qapi", "qga", "storage-daemon/qapi"])(
    "QEMU 10.2's %s schema keeps both",
    (dir) => {
      const model = loadSchema(sharedPath("qemu-10.2", dir, "qapi-schema.json")).model!;
      const rules = LINT_RULES.filter((r) => r.name === "list-spacing" || r.name === "errors-list");
      expect(runLint(model, rules).map(formatGcc)).toEqual([]);
    },
  );
});

describe("marker-member", () => {
  const rule = LINT_RULES.find((r) => r.name === "marker-member")!;

  test("members of type 'null', wherever declared; nothing on a schema without them", () => {
    const model = loadSchemaText(
      "{ 'struct': 'Base', 'data': { '*m1': 'null' } }\n" +
        "{ 'enum': 'Kind', 'data': [ 'a' ] }\n" +
        "{ 'union': 'Uni', 'base': { 'kind': 'Kind', '*m2': 'null' }, 'discriminator': 'kind', 'data': { 'a': 'Base' } }\n" +
        "{ 'event': 'EV', 'data': { 'm3': 'null', 'n': 'int' } }\n",
    ).model!;
    expect(rule.check(model).map((d) => d.message.split("'")[1])).toEqual(["m1", "m2", "m3"]);
    expect(
      rule.check(loadSchemaText("{ 'struct': 'Plain', 'data': { 'n': 'int' } }").model!),
    ).toEqual([]);
  });
});

describe("x-name", () => {
  const rule = LINT_RULES.find((r) => r.name === "x-name")!;

  test("x- commands, events, members and values without feature 'unstable'", () => {
    const model = loadSchemaText(
      "{ 'pragma': { 'member-name-exceptions': [ 'Kind' ] } }\n" +
        "{ 'enum': 'Kind', 'data': [ 'a', 'x-b', { 'name': 'x-c', 'features': [ 'unstable' ] } ] }\n" +
        "{ 'struct': 'Opts', 'data': { 'x-m': 'int', '*x-n': { 'type': 'int', 'features': [ 'unstable' ] } } }\n" +
        "{ 'command': 'x-cmd', 'data': { '__com.example_x-arg': 'int' } }\n" +
        "{ 'command': 'x-stable-enough', 'features': [ 'unstable' ] }\n" +
        "{ 'event': 'X_EV' }\n",
    ).model!;
    expect(rule.check(model).map((d) => [d.message.split(" is named")[0], d.info?.line])).toEqual([
      ["value 'x-b'", 2],
      ["member 'x-m'", 3],
      // (The command's implicit argument type comes before it in the model.)
      ["member '__com.example_x-arg'", 4],
      ["command 'x-cmd'", 4],
    ]);
  });
});

test("--compat: pragmas named like Object.prototype members are unknown pragmas", () => {
  for (const name of ["constructor", "__proto__", "toString", "hasOwnProperty"]) {
    const f = scratch.write(`pragma-${name}.json`, `{ 'pragma': { '${name}': [ 'x' ] } }\n`);
    for (const args of [["--compat"], []]) {
      const r = runCli(["lint", ...args, f]);
      expect([r.status, r.stderr]).toEqual([1, `${f}:1: unknown pragma '${name}'\n`]);
    }
  }
});
