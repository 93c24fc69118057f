// The shell's pieces without a QEMU: qmp-shell's syntax (dotted keys, JSON values, quotes, a raw
// JSON line) read as the live schema types each member, completion, `help`, and validators
// built from a query-qmp-schema reply, over QEMU 10.0's recorded reply.
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { SchemaIndex } from "../runtime/introspection.ts";
import { createValidators, validatorTableFromSchema } from "../runtime/validate/index.ts";
import { parseCommandLine } from "../generator/cli/repl/command-line.ts";
import { complete } from "../generator/cli/repl/completion.ts";
import { LiveSchema } from "../generator/cli/repl/live-schema.ts";
import { hasShared, sharedPath } from "./helpers/paths.ts";

const live = hasShared
  ? new LiveSchema(
      new SchemaIndex(
        JSON.parse(
          readFileSync(
            sharedPath("introspection/qemu-10.0.0-x86_64.query-qmp-schema.json"),
            "utf8",
          ),
        ),
      ),
    )
  : null;

describe("the command line, without a schema", () => {
  test.each([
    ["query-status", { command: "query-status", args: undefined, oob: false }],
    [
      "  x a=1 b=true c=null d=text  ",
      { command: "x", args: { a: 1, b: true, c: null, d: "text" } },
    ],
    ["x a.b.c=1 a.b.d=2 a.e=3", { command: "x", args: { a: { b: { c: 1, d: 2 }, e: 3 } } }],
    [
      'x a=[1,"two"] b={"c":{"d":false}}',
      { command: "x", args: { a: [1, "two"], b: { c: { d: false } } } },
    ],
    [
      `x a="b c" d='e "f"' g="\\u0041\\n" h=x=y`,
      { command: "x", args: { a: "b c", d: 'e "f"', g: "A\n", h: "x=y" } },
    ],
    [
      "x n=18446744073709551615 m=-1.5e3",
      { command: "x", args: { n: 18446744073709551615n, m: -1500 } },
    ],
    ['{"execute": "x", "arguments": {"a": 1}}', { command: "x", args: { a: 1 }, oob: false }],
    ['{"exec-oob": "x", "id": 7}', { command: "x", args: undefined, oob: true }],
  ])("%s", (line, expected) => {
    expect(parseCommandLine(line, null)).toMatchObject(expected);
  });

  test.each([
    ["x novalue", "expected key=value, got 'novalue'"],
    ["a=1", "expected a command name first, then key=value arguments"],
    ["x a=1 a.b=2", "'a' has a value, and cannot also have members"],
    ["x a.b=2 a=1", "'a.b' has members, and cannot also have a value".replace("a.b", "a")],
    ["x a=1 a=2", "'a' is given twice"],
    ["x a..b=1", "'a..b' is not a key (empty part between dots)"],
    [`x a="b`, `unterminated quote in 'a="b'`],
    [`x a="\\q"`, `'a="\\q"': the quoted value is not one JSON string`],
    ['{"execute": "x", "arguments": []}', '"arguments" must be an object'],
    ['{"execute": "x", "extra": 1}', 'unexpected member "extra" in a JSON line'],
    ['{"arguments": {}}', 'a JSON line needs "execute" (or "exec-oob") with a command name'],
    ["{nope", /^not JSON: /],
  ])("%s: %s", (line, message) => {
    expect(() => parseCommandLine(line, null)).toThrow(message);
  });
});

describe.skipIf(!live)("the command line and completion over QEMU 10.0's schema", () => {
  const schema = live!;

  test("values are read as the member's type says", () => {
    const r = parseCommandLine(
      "blockdev-add driver=null-co node-name=123 size=4096 read-zeroes=true",
      schema,
    );
    expect(r.args).toEqual({
      driver: "null-co",
      "node-name": "123", // a string member: not the number 123
      size: 4096,
      "read-zeroes": true,
    });
    // A string member takes text that only looks like JSON; a number member refuses it.
    expect(parseCommandLine("blockdev-del node-name=[x", schema).args).toEqual({
      "node-name": "[x",
    });
    expect(() => parseCommandLine("blockdev-add driver=null-co size=[x", schema)).toThrow(
      /'\[x' is not JSON/,
    );
    // Nested: the variant's members follow the tag given.
    expect(
      parseCommandLine(
        "blockdev-add driver=qcow2 node-name=q file.driver=file file.filename=1",
        schema,
      ).args,
    ).toEqual({ driver: "qcow2", "node-name": "q", file: { driver: "file", filename: "1" } });
  });

  test.each([
    ["blockdev-d", ["blockdev-del"]],
    ["", expect.arrayContaining(["help", "quit", "query-status", "blockdev-add"])],
    ["help query-sta", ["query-stats", "query-stats-schemas", "query-status"]],
    ["blockdev-del ", ["node-name="]],
    ["blockdev-add driver=file file", ["filename="]],
    ["blockdev-add driver=file aio=", ["aio=threads", "aio=native", "aio=io_uring"]],
    ["blockdev-add driver=file aio=n", ["aio=native"]],
    ["blockdev-add driver=file read-only=", ["read-only=true", "read-only=false"]],
    [
      "blockdev-add driver=qcow2 file.driver=f",
      ["file.driver=file", "file.driver=ftp", "file.driver=ftps"],
    ],
    ["blockdev-add driver=qcow2 file.driver=file file.f", ["file.force-share=", "file.filename="]],
    ["blockdev-add driver=qcow2 file.driver=file file.filename=a file.f", ["file.force-share="]],
    ["nosuch ", []],
  ])("completes %j", (line, words) => {
    expect(complete(line, schema)[0]).toEqual(words);
  });

  test("help: arguments nested, variants under their tag value, features marked", () => {
    const text = schema.describe("blockdev-add", { driver: "file" });
    expect(text).toMatch(
      /^blockdev-add\n {2}arguments:\n {4}driver: one of .*\n {4}node-name \(optional\): str\n/,
    );
    expect(text).toMatch(/\n {4}when driver=file:\n {6}filename: str\n/);
    expect(text).toMatch(/gluster \[deprecated\]/);
    expect(text).toMatch(/x-check-cache-dropped \(optional\): bool \[unstable\]/);
    expect(text).not.toMatch(/when driver=qcow2/);
    expect(schema.describe("query-status", undefined)).toMatch(
      /^query-status\n {2}no arguments\n {2}returns: object\n {4}running: bool\n {4}status: one of .*running.*$/,
    );
    const all = schema.describe("blockdev-add", undefined);
    expect(all).toMatch(
      /more members for each of \d+ values of driver: help blockdev-add driver=VALUE/,
    );
  });

  test("validators from the reply: QEMU's messages, and never stricter than QEMU", () => {
    const v = createValidators(validatorTableFromSchema(schema.index));
    const check = (c: string, a: unknown) => v.validateCommandArguments(c, a)?.message ?? null;
    expect(
      check("blockdev-add", { driver: "file", "node-name": "a", filename: "/x", aio: "x" }),
    ).toBe("Parameter 'aio' does not accept value 'x'");
    expect(check("blockdev-add", { driver: "file", "node-name": "a" })).toBe(
      "Parameter 'filename' is missing",
    );
    expect(check("blockdev-del", { "node-name": 1 })).toBe(
      "Invalid parameter type for 'node-name', expected: string",
    );
    expect(check("blockdev-del", { "node-name": "a", extra: 1 })).toBe(
      "Parameter 'extra' is unexpected",
    );
    expect(check("no-such-command", {})).toBe("The command no-such-command has not been found");
    // Every integer type is `int` in a reply: the widest range is accepted, QEMU checks the rest.
    expect(check("balloon", { value: 18446744073709551615n })).toBeNull();
    expect(check("balloon", { value: 18446744073709551616n })).not.toBeNull();
    // An alternate (a node name or an inline definition) names what it takes.
    expect(check("blockdev-add", { driver: "raw", "node-name": "r", file: 1 })).toBe(
      "Invalid parameter type for 'file', expected: object or string",
    );
    expect(check("query-status", undefined)).toBeNull();
    // Built for one command, the table holds only what it reaches, and judges alike.
    const whole = validatorTableFromSchema(schema.index);
    const one = validatorTableFromSchema(schema.index, { commands: ["blockdev-del"] });
    expect(one.types.length).toBeLessThan(whole.types.length / 10);
    const v1 = createValidators(one);
    for (const args of [{ "node-name": "a" }, { "node-name": 1 }, {}, { x: 1 }])
      expect(v1.validateCommandArguments("blockdev-del", args)).toEqual(
        v.validateCommandArguments("blockdev-del", args),
      );
  });
});
