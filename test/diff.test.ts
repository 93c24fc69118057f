// `qapi-ts diff` on hand-written schema pairs (test/fixtures/diff/): every rule of the
// "Compatibility considerations" section of qapi-code-gen.rst in both directions, refactorings
// that must report nothing, recursion, conditions, deprecated/unstable/x- policy; then the
// command line: input kinds (schemas, replies bare or wrapped, masked or not), formats, exit
// codes and bad input.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { readWireInput, type InputOptions } from "../generator/compat/sides.ts";
import { diffWire } from "../generator/compat/diff.ts";
import { judge, type JudgedChange } from "../generator/compat/verdicts.ts";
import type { WireSchema } from "../generator/compat/wire.ts";
import { bin, projectRoot } from "./helpers/paths.ts";

const fixtures = path.join(projectRoot, "test/fixtures/diff");

function wire(file: string, options: Partial<InputOptions> = {}): WireSchema {
  const r = readWireInput(file, { defines: null, compat: false, ...options });
  if (!r.wire) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
  return r.wire;
}

function diffFixture(name: string, options: Partial<InputOptions> = {}): JudgedChange[] {
  return judge(
    diffWire(
      wire(path.join(fixtures, `${name}.old.json`), options),
      wire(path.join(fixtures, `${name}.new.json`), options),
    ),
  );
}

/** path, change, direction, breaking: one row per change. */
type Row = [string, string, string, boolean];
const rows = (changes: JudgedChange[]): Row[] =>
  changes.map((c) => [c.path, c.change, c.direction, c.breaking]);
const sorted = (r: Row[]): Row[] => [...r].sort((a, b) => (a.join() < b.join() ? -1 : 1));

function run(
  args: string[],
  input?: string,
): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(bin, args, { encoding: "utf8", input, cwd: projectRoot });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("compatibility rules on hand-written pairs", () => {
  it("members: added, removed, made optional or mandatory, sent and received", () => {
    expect(sorted(rows(diffFixture("members")))).toEqual(
      sorted([
        ["put/arg-type/opt-added", "optional member added", "send", false],
        ["put/arg-type/mand-added", "mandatory member added", "send", true],
        ["put/arg-type/opt-removed", "optional member removed", "send", true],
        ["put/arg-type/mand-removed", "mandatory member removed", "send", true],
        ["put/arg-type/made-opt", "member made optional", "send", false],
        ["put/arg-type/made-mand", "member made mandatory", "send", true],
        // 'Received' is the return of 'get' and the data of EV: one comparison, first path EV.
        ["EV/arg-type/opt-added", "optional member added", "receive", false],
        ["EV/arg-type/mand-added", "mandatory member added", "receive", false],
        ["EV/arg-type/opt-removed", "optional member removed", "receive", false],
        ["EV/arg-type/mand-removed", "mandatory member removed", "receive", true],
        ["EV/arg-type/made-opt", "member made optional", "receive", true],
        ["EV/arg-type/made-mand", "member made mandatory", "receive", false],
      ]),
    );
  });

  it("reports a change of a shared type once, with the other paths that reach it", () => {
    const c = diffFixture("members").find((c) => c.path === "EV/arg-type/mand-removed")!;
    expect(c.otherPaths).toBe(1);
    expect(c.alsoAt).toEqual(["get/ret-type/mand-removed"]);
  });

  it("enum values, union branches and alternatives, sent and received", () => {
    expect(sorted(rows(diffFixture("values")))).toEqual(
      sorted([
        ["put/arg-type/kind/^b", "enum value removed", "send", true],
        ["put/arg-type/kind/^d", "enum value added", "send", false],
        ["get/ret-type/kind/^b", "enum value removed", "receive", false],
        ["get/ret-type/kind/^d", "enum value added", "receive", false],
        ["put/arg-type/choice/+b", "branch removed", "send", true],
        ["put/arg-type/choice/+d", "branch added", "send", false],
        ["get/ret-type/choice/+b", "branch removed", "receive", false],
        ["get/ret-type/choice/+d", "branch added", "receive", false],
        ["put/arg-type/alt/!number", "alternative removed", "send", true],
        ["put/arg-type/alt/!boolean", "alternative added", "send", false],
        ["get/ret-type/alt/!number", "alternative removed", "receive", false],
        ["get/ret-type/alt/!boolean", "alternative added", "receive", true],
        // str -> alternate of str and null, in Box (sent) and RBox (received): the pair of types
        // is compared once and reached both ways.
        ["get/ret-type/plain/!null", "alternative added", "both", true],
      ]),
    );
  });

  it("types: changed, widened, narrowed; integer widths are not on the wire", () => {
    const r = rows(diffFixture("types"));
    const expected: Row[] = [];
    for (const [cmd, dir] of [
      ["put/arg-type", "send"],
      ["get/ret-type", "receive"],
    ] as const) {
      const send = dir === "send";
      expected.push(
        [`${cmd}/changed`, "type changed", dir, true],
        [`${cmd}/to-list`, "type changed", dir, true],
        [`${cmd}/list-element`, "type changed", dir, true],
        [`${cmd}/widened`, "type widened", dir, !send],
        [`${cmd}/to-any`, "type widened", dir, !send],
        [`${cmd}/to-str`, "type widened", dir, !send],
        [`${cmd}/narrowed`, "type narrowed", dir, send],
        [`${cmd}/from-any`, "type narrowed", dir, send],
        [`${cmd}/to-enum`, "type narrowed", dir, send],
      );
    }
    expect(sorted(r)).toEqual(sorted(expected));
  });

  it("commands and events: added, removed, flags, features", () => {
    expect(sorted(rows(diffFixture("definitions")))).toEqual(
      sorted([
        ["arrives", "command added", "send", false],
        ["goes", "command removed", "send", true],
        ["old-way", "command removed", "send", true],
        ["trial", "command removed", "send", true],
        ["x-experiment", "command removed", "send", true],
        ["stays/allow-oob", "flag cleared", "send", true],
        ["stays/allow-preconfig", "flag cleared", "send", true],
        ["gains-flags/allow-oob", "flag set", "send", false],
        ["gains-flags/allow-preconfig", "flag set", "send", false],
        ["probe-me/$fancy", "feature removed", "send", false],
        ["probe-me/$fancier", "feature added", "send", false],
        ["NEW", "event added", "receive", false],
        ["GONE", "event removed", "receive", false],
        ["KEPT/$deprecated", "feature added", "receive", false],
      ]),
    );
  });

  it("renamed types, base refactorings, reordering and inline-to-named arguments: nothing", () => {
    expect(diffFixture("refactor")).toEqual([]);
    // The other way round too.
    const back = judge(
      diffWire(
        wire(path.join(fixtures, "refactor.new.json")),
        wire(path.join(fixtures, "refactor.old.json")),
      ),
    );
    expect(back).toEqual([]);
  });

  it("a legacy simple union and its flat replacement with wrappers: nothing", () => {
    expect(diffFixture("simple-union", { compat: true })).toEqual([]);
  });

  it("recursive types terminate, and a change is reported once at its first path", () => {
    const changes = diffFixture("recursive");
    expect(rows(changes)).toEqual([
      ["get-tree/ret-type/weight", "mandatory member added", "both", true],
      ["set-tree/arg-type/ping/pong/count", "optional member added", "send", false],
    ]);
    expect(changes[0]!.alsoAt).toEqual(["set-tree/arg-type/tree/weight"]);
  });

  it("a member moved into a union's common part changes nothing where it was (4.2 → 5.2)", () => {
    // SchemaInfo's 'features': on two branches before, common to all after. Only the branches
    // that lacked it gain it, at the union's path; the others have it still.
    const forward = diffFixture("moved");
    expect(rows(forward)).toEqual([
      ["query-schema/ret-type/features", "optional member added", "both", false],
    ]);
    expect(forward[0]!.alsoAt).toEqual(["set-schema/arg-type/features"]);
    // Back: the branches that lacked it lose it again; a client sending it with them breaks.
    const back = judge(
      diffWire(
        wire(path.join(fixtures, "moved.new.json")),
        wire(path.join(fixtures, "moved.old.json")),
      ),
    );
    expect(rows(back)).toEqual([
      ["query-schema/ret-type/features", "optional member removed", "both", true],
    ]);
  });

  it("compares a recursive type's element where it changes (ImageInfo's extents)", () => {
    const at = "query-nodes/ret-type/format-specific/+vmdk/extents";
    expect(rows(diffFixture("recursive-element"))).toEqual([
      [`${at}/cluster-size`, "optional member added", "receive", false],
      [`${at}/format-specific`, "optional member removed", "receive", false],
      [`${at}/size`, "mandatory member removed", "receive", true],
    ]);
  });

  it("conditions: compared when both sides carry them; a change of condition is a change", () => {
    expect(sorted(rows(diffFixture("conditions")))).toEqual(
      sorted([
        // Same condition on both sides: the command is compared.
        ["cond-same/arg-type/b", "mandatory member added", "send", true],
        // Builds with CONFIG_A but not CONFIG_B lose the command.
        ["cond-narrowed", "condition changed", "send", true],
        // Only gains: compatible.
        ["cond-widened", "condition changed", "send", false],
        ["cond-member/arg-type/m", "condition changed", "send", true],
        ["cond-value/arg-type/e/^w", "condition changed", "send", false],
        // {'all': [A, B]} and {'all': [B, A]} are the same condition: nothing.
      ]),
    );
    // With symbols, each side is one build: what is compiled out is absent.
    const built = diffFixture("conditions", { defines: new Set(["CONFIG_A"]) });
    expect(sorted(rows(built))).toEqual(
      sorted([
        ["cond-same/arg-type/b", "mandatory member added", "send", true],
        ["cond-narrowed", "command removed", "send", true],
        ["cond-member/arg-type/m", "optional member removed", "send", true],
      ]),
    );
  });

  it("marks breaking changes to deprecated, unstable and x- things, also when inherited", () => {
    const changes = diffFixture("policy");
    expect(changes.map((c) => [c.path, c.change, c.breaking, c.policy])).toEqual([
      ["cmd/arg-type/trial", "optional member removed", true, "unstable"],
      ["cmd/arg-type/x-debug", "optional member removed", true, "x-name"],
      // Inner is reached only through the deprecated member 'legacy'.
      ["cmd/arg-type/legacy/gone", "mandatory member removed", true, "deprecated"],
      // Shared is reached through a deprecated member and through a stable one.
      ["cmd/arg-type/shared/gone2", "mandatory member removed", true, null],
    ]);
  });

  it("a schema and the reply its build returns have the same wire", () => {
    for (const name of ["members", "values", "types", "refactor", "recursive"]) {
      const schema = path.join(fixtures, `${name}.new.json`);
      const dir = mkdtempSync(path.join(tmpdir(), "qapi-ts-diff-"));
      try {
        for (const unmask of [false, true]) {
          const r = run(["introspect", schema, ...(unmask ? ["--unmask"] : [])]);
          expect(r.status).toBe(0);
          const reply = path.join(dir, "reply.json");
          // The reply as a QMP success response, for a change.
          writeFileSync(reply, unmask ? r.stdout : `{"return": ${r.stdout}}`);
          expect(diffWire(wire(schema, { defines: new Set() }), wire(reply))).toEqual([]);
          expect(diffWire(wire(reply), wire(schema, { defines: new Set() }))).toEqual([]);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });
});

describe("qapi-ts diff on the command line", () => {
  const pair = (name: string): string[] => [
    path.join(fixtures, `${name}.old.json`),
    path.join(fixtures, `${name}.new.json`),
  ];

  it("exits 0 when nothing breaks, 1 when something does", () => {
    expect(run(["diff", ...pair("refactor")]).status).toBe(0);
    const r = run(["diff", ...pair("members")]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("Breaking changes (6):");
    expect(r.stdout).toContain("put/arg-type/mand-added  (int; send)");
    expect(r.stdout.trimEnd().split("\n").pop()).toBe("12 changes, 6 breaking.");
  });

  it("--allow-deprecated passes breaking changes to deprecated, unstable and x- things only", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "qapi-ts-diff-"));
    try {
      const old = path.join(dir, "old.json");
      const neu = path.join(dir, "new.json");
      writeFileSync(
        old,
        "{ 'command': 'x-try' }\n{ 'command': 'legacy', 'features': [ 'deprecated' ] }\n" +
          "{ 'command': 'keep', 'data': { '*old': { 'type': 'int', 'features': [ 'unstable' ] } } }\n",
      );
      writeFileSync(neu, "{ 'command': 'keep' }\n");
      expect(run(["diff", old, neu]).status).toBe(1);
      expect(run(["diff", old, neu, "--allow-deprecated"]).status).toBe(0);
      // A breaking change to something stable still fails.
      expect(run(["diff", ...pair("policy"), "--allow-deprecated"]).status).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("prints JSON objects with path, change, direction and breaking", () => {
    const r = run(["diff", ...pair("recursive"), "--format", "json"]);
    expect(r.status).toBe(1);
    const changes = JSON.parse(r.stdout) as JudgedChange[];
    expect(changes[0]).toMatchObject({
      path: "get-tree/ret-type/weight",
      change: "mandatory member added",
      direction: "both",
      breaking: true,
      otherPaths: 1,
    });
  });

  it("prints Markdown", () => {
    const r = run(["diff", ...pair("definitions"), "--format", "markdown"]);
    expect(r.stdout).toContain("## Breaking changes (3)");
    expect(r.stdout).toContain("- `goes` (send)");
    expect(r.stdout).toContain("- `x-experiment` (send; x- named)");
  });

  it("applies per-side symbols", () => {
    const [old, neu] = pair("conditions");
    const r = run(["diff", old!, neu!, "--old-define", "CONFIG_A", "--new-define", "CONFIG_B"]);
    // Old has CONFIG_A's commands; new has CONFIG_B's: 'cond-narrowed' needs both.
    expect(r.stdout).toContain("cond-same  (send)");
    expect(r.stdout).toContain("cond-narrowed  (send)");
    expect(r.status).toBe(1);
  });

  it("reports bad input with a location and exit 1", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "qapi-ts-diff-"));
    try {
      const good = path.join(fixtures, "refactor.old.json");
      const missingType = path.join(dir, "reply.json");
      writeFileSync(
        missingType,
        '[\n  {"name": "q", "meta-type": "command", "arg-type": "0", "ret-type": "0"},\n' +
          '  {"name": "0", "meta-type": "object", "members": [{"name": "m"}]}\n]\n',
      );
      let r = run(["diff", missingType, good]);
      expect(r.status).toBe(1);
      expect(r.stderr).toBe(`${missingType}:3:52: 'type' is not a string (at /1/members/0/type)\n`);

      const dangling = path.join(dir, "dangling.json");
      writeFileSync(dangling, '{"return": [{"name": "q", "meta-type": "event", "arg-type": "7"}]}');
      r = run(["diff", good, dangling]);
      expect(r.status).toBe(1);
      expect(r.stderr).toBe(`${dangling}:1:61: no entry '7' (at /0/arg-type)\n`);

      const notJson = path.join(dir, "broken.json");
      writeFileSync(notJson, '[\n  {"name": "q",,}\n]\n');
      r = run(["diff", notJson, good]);
      expect(r.status).toBe(1);
      expect(r.stderr).toBe(`${notJson}:2:16: not JSON: Expected double-quoted property name\n`);

      const badSchema = path.join(dir, "bad.json");
      writeFileSync(badSchema, "{ 'command': 'q', 'data': 'Nope' }\n");
      r = run(["diff", good, badSchema]);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`${badSchema}:1: command's 'data' uses unknown type 'Nope'`);

      r = run(["diff", good, path.join(dir, "absent.json")]);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain("can't read");

      // Symbols for a reply alone make no sense: it is one build already.
      writeFileSync(path.join(dir, "ok.json"), "[]");
      r = run(["diff", path.join(dir, "ok.json"), good, "--old-define", "X"]);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain("is a query-qmp-schema reply");

      r = run(["diff", good, good, "--defines", path.join(dir, "absent.defines")]);
      expect(r.status).toBe(1);
      r = run(["diff", good]);
      expect(r.status).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reads a reply's enum values from 'values' when it has no 'members' (QEMU before 6.2)", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "qapi-ts-diff-"));
    try {
      const entries = (values: string) =>
        JSON.stringify([
          { name: "q", "meta-type": "command", "arg-type": "0", "ret-type": "1" },
          { name: "0", "meta-type": "object", members: [] },
          { name: "1", "meta-type": "enum", values: JSON.parse(values) },
        ]);
      writeFileSync(path.join(dir, "a.json"), entries('["x", "y"]'));
      writeFileSync(path.join(dir, "b.json"), entries('["x"]'));
      const r = run([
        "diff",
        path.join(dir, "a.json"),
        path.join(dir, "b.json"),
        "--format",
        "json",
      ]);
      expect(JSON.parse(r.stdout)).toMatchObject([
        { path: "q/ret-type/^y", change: "enum value removed", breaking: false },
      ]);
      expect(r.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("lists its flags in --help", () => {
    const r = run(["diff", "--help"]);
    for (const flag of ["--old-defines", "--new-define", "--allow-deprecated", "--format"])
      expect(r.stdout).toContain(flag);
  });
});
