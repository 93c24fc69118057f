// QEMU 10.2's own schemas (the QMP schema, the guest agent's, the storage daemon's) lint clean:
// exit 0 and no output, as QEMU's generator accepts them. The model of the QMP schema is also
// checked for a few facts any consumer relies on.
import { describe, expect, test } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { loadSchema } from "../generator/frontend/index.ts";
import { bin, shared } from "./helpers/paths.ts";

const exists = existsSync(path.join(shared, "qemu-10.2/qapi/qapi-schema.json"));
if (!exists) console.log(`real-schemas: skipped, ${shared}/qemu-10.2 is absent`);

const schemas = [
  "qemu-10.2/qapi/qapi-schema.json",
  "qemu-10.2/qga/qapi-schema.json",
  "qemu-10.2/storage-daemon/qapi/qapi-schema.json",
];

describe.skipIf(!exists)("QEMU 10.2 schemas lint clean", () => {
  test.each(schemas)("%s", (schema) => {
    // Neither the language's checks nor the rules lint runs by default find anything.
    const r = spawnSync(process.execPath, [bin, "lint", "--format", "json", schema], {
      cwd: shared,
      encoding: "utf8",
    });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([]);
  });

  test("the QMP schema's model", () => {
    const r = loadSchema(path.join(shared, schemas[0]!), { compat: false });
    expect(r.diagnostics).toEqual([]);
    const model = r.model!;
    const add = model.lookup("blockdev-add");
    expect(add?.meta).toBe("command");
    if (add?.meta !== "command") return;
    expect(add.boxed).toBe(true);
    expect(add.argType?.name).toBe("BlockdevOptions");
    const opts = add.argType!;
    // A union: common members come from its implicit base, branches cover the driver enum.
    expect(opts.base?.name).toBe("q_obj_BlockdevOptions-base");
    expect(opts.members.map((m) => m.name)).toContain("driver");
    expect(opts.members.find((m) => m.name === "driver")?.definedIn).toBe(
      "q_obj_BlockdevOptions-base",
    );
    expect(opts.branches?.tagMember.name).toBe("driver");
    const driver = model.lookupType("BlockdevDriver");
    expect(driver?.meta).toBe("enum");
    if (driver?.meta === "enum") expect(opts.branches!.variants.length).toBe(driver.members.length);
    // Every module is named relative to the main file's directory; built-ins come first.
    expect(model.modules[0]!.name).toBe("./builtin");
    expect(model.modules[1]!.name).toBe("qapi-schema.json");
    expect(model.modules.map((m) => m.name)).toContain("block-core.json");
    expect(model.docs.length).toBeGreaterThan(1000);
  });
});

const casesDir = path.join(shared, "qemu-10.2/tests/qapi-schema");
const lintIn = (cwd: string, ...args: string[]) =>
  spawnSync(process.execPath, [bin, "lint", ...args], { cwd, encoding: "utf8" });

describe.skipIf(!exists)("lint output formats and exit codes", () => {
  test("qemu format is the *.err text; several schemas are all reported", () => {
    const r = lintIn(casesDir, "union-clash-member.json", "include-cycle.json", "comments.json");
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      readFileSync(path.join(casesDir, "union-clash-member.err"), "utf8") +
        readFileSync(path.join(casesDir, "include-cycle.err"), "utf8"),
    );
  });

  test("gcc format: file:line:col: error: message at the range, its line underlined", () => {
    const r = lintIn(
      casesDir,
      "--format",
      "gcc",
      "union-clash-member.json",
      "duplicate-key.json",
      "missing-schema.json",
    );
    expect(r.status).toBe(1);
    // (The clash comes in through the branch's type; the duplicate is the key.)
    expect(r.stderr.split("\n")).toEqual([
      "union-clash-member.json:14:23: error: member 'name' of type 'Branch1' collides with member 'name' of type 'Base'",
      "   14 |   'data': { 'value1': 'Branch1',",
      "      |                       ^~~~~~~~~",
      "duplicate-key.json:3:3: error: duplicate key 'key'",
      "    3 |   'key': 'value' }",
      "      |   ^~~~~",
      "qapi-ts: error: can't read schema file 'missing-schema.json': No such file or directory",
      "",
    ]);
  });

  test("json format: an array of diagnostics on stdout", () => {
    const r = lintIn(casesDir, "--format", "json", "include-cycle.json", "comments.json");
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual([
      {
        severity: "error",
        rule: null,
        code: null,
        file: "include-cycle-c.json",
        line: 1,
        column: 14,
        endLine: 1,
        endColumn: 34,
        definition: null,
        includedFrom: [
          { file: "include-cycle-b.json", line: 1 },
          { file: "include-cycle.json", line: 1 },
        ],
        message: "inclusion loop for include-cycle.json",
        related: [],
      },
    ]);
    // A message that refers to another place carries it as data, in every format.
    const redefined = lintIn(casesDir, "--format", "json", "redefined-type.json");
    expect(JSON.parse(redefined.stdout)[0]).toMatchObject({
      line: 3,
      column: 11,
      message: "'Foo' is already defined",
      related: [
        { file: "redefined-type.json", line: 2, column: 13, message: "previous definition" },
      ],
    });
    expect(lintIn(casesDir, "--format", "gcc", "redefined-type.json").stderr).toBe(
      "redefined-type.json:3:11: error: 'Foo' is already defined\n" +
        "    3 | { 'enum': 'Foo', 'data': [ 'two' ] }\n" +
        "      |           ^~~~~\n" +
        "redefined-type.json:2:13: note: previous definition\n" +
        "    2 | { 'struct': 'Foo', 'data': { 'one': 'str' } }\n" +
        "      |             ^~~~~\n",
    );
    const clean = lintIn(casesDir, "--format", "json", "comments.json");
    expect(clean.status).toBe(0);
    expect(JSON.parse(clean.stdout)).toEqual([]);
  });

  test("usage errors exit 2", () => {
    expect(lintIn(casesDir).status).toBe(2);
    expect(lintIn(casesDir, "--format", "xml", "comments.json").status).toBe(2);
  });
});
