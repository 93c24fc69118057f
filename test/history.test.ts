// `qapi-ts history` on three hand-written releases (test/fixtures/diff/history-*.json), and
// `lint --history`: the Since claims of since.json checked against that history.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { History } from "../generator/compat/history.ts";
import { buildHistory, canonicalPath, historyOfPath } from "../generator/compat/history.ts";
import { readWireInput } from "../generator/compat/sides.ts";
import type { WireSchema } from "../generator/compat/wire.ts";
import { agreement } from "./helpers/agreement.ts";
import { bin, projectRoot } from "./helpers/paths.ts";

const fixtures = path.join(projectRoot, "test/fixtures/diff");
const releases = [1, 2, 3].map((n) => `${n}.0=${path.join(fixtures, `history-${n}.json`)}`);

function wire(file: string): WireSchema {
  const r = readWireInput(file, { defines: null, compat: false });
  if (!r.wire) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
  return r.wire;
}

/** Releases 1.0 and 2.0 of a pair of fixtures (NAME.old.json, NAME.new.json). */
const pair = (name: string) => [
  { name: "1.0", wire: wire(path.join(fixtures, `${name}.old.json`)) },
  { name: "2.0", wire: wire(path.join(fixtures, `${name}.new.json`)) },
];

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(bin, args, { encoding: "utf8", cwd: projectRoot });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("qapi-ts history", () => {
  it("gives, per path, the release it appears in, disappears in, and its special features", () => {
    const r = run(["history", ...releases, "--format", "json"]);
    expect(r.status).toBe(0);
    const h = JSON.parse(r.stdout) as History;
    expect(h.releases).toEqual(["1.0", "2.0", "3.0"]);
    const entry = (
      added: string,
      removed: string | null,
      more: Partial<History["paths"][string]> = {},
    ) => ({
      types: undefined,
      added,
      removed,
      absentIn: [],
      deprecated: [],
      unstable: [],
      ...more,
    });
    const untyped = Object.fromEntries(
      Object.entries(h.paths).map(([p, e]) => [p, { ...e, types: undefined }]),
    );
    const every = (name: string) => ({ "1.0": name, "2.0": name, "3.0": name });
    expect(untyped).toEqual({
      a: entry("1.0", null),
      "a/arg-type": entry("1.0", null),
      "a/arg-type/x": entry("1.0", null),
      "a/arg-type/y": entry("2.0", "3.0", { deprecated: ["2.0"] }),
      "a/arg-type/y$deprecated": entry("2.0", "3.0"),
      "a/ret-type": entry("1.0", null),
      b: entry("2.0", "3.0", { unstable: ["2.0"] }),
      "b/$unstable": entry("2.0", "3.0"),
      "b/arg-type": entry("2.0", "3.0"),
      "b/ret-type": entry("2.0", "3.0"),
      c: entry("1.0", null, { absentIn: ["2.0"] }),
      "c/arg-type": entry("1.0", null, { absentIn: ["2.0"] }),
      "c/ret-type": entry("1.0", null, { absentIn: ["2.0"] }),
      d: entry("1.0", null),
      "d/arg-type": entry("1.0", null),
      "d/arg-type/settings": entry("1.0", null),
      "d/arg-type/settings/mode": entry("1.0", null),
      "d/arg-type/settings/mode/^off": entry("2.0", null),
      "d/arg-type/settings/mode/^on": entry("1.0", null),
      "d/ret-type": entry("1.0", null),
    });
    // Where an object or an enum is reached, its name in each release (what lint --history
    // follows a type by).
    expect(h.paths["d/arg-type/settings"]!.types).toEqual(every("Settings"));
    expect(h.paths["d/arg-type/settings/mode"]!.types).toEqual(every("Mode"));
    expect(h.paths["a/arg-type"]!.types).toEqual(every("q_obj_a-arg"));
    expect(h.paths["a/arg-type/x"]!.types).toBeUndefined();
  });

  it("answers for one path, written as a query", () => {
    let r = run(["history", ...releases, "--path", "a/arg-type/*y"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("a/arg-type/y  since 2.0; removed in 3.0; deprecated in 2.0\n");
    r = run(["history", ...releases, "--path", "a/arg-type/nope"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("a/arg-type/nope: in none of the releases");
    expect(canonicalPath("blockdev-add/arg-type/+file/*x$unstable")).toBe(
      "blockdev-add/arg-type/+file/x$unstable",
    );
  });

  it("rejects malformed release arguments (exit 2) and bad inputs (exit 1)", () => {
    expect(run(["history", "just-a-file.json"]).status).toBe(2);
    expect(
      run(["history", ...releases, `1.0=${path.join(fixtures, "history-1.json")}`]).status,
    ).toBe(2);
    expect(run(["history", `1.0=${path.join(fixtures, "absent.json")}`]).status).toBe(1);
    expect(run(["history", ...releases, "--path", ""]).status).toBe(2);
  });
});

describe("history walks what diff walks", () => {
  it("expands a recursive type where its element changes (ImageInfo's extents)", () => {
    const releases = pair("recursive-element");
    const h = buildHistory(releases);
    const at = "query-nodes/ret-type/format-specific/+vmdk/extents";
    const e = (p: string) => h.paths[`${at}/${p}`];
    // On the wire since 1.0 through the recursion (Info contains itself), not new in 2.0.
    expect(e("filename")).toMatchObject({ added: "1.0", removed: null });
    expect(e("size")).toMatchObject({ added: "1.0", removed: "2.0" });
    expect(e("format-specific")).toMatchObject({ added: "1.0", removed: "2.0" });
    expect(e("cluster-size")).toMatchObject({ added: "2.0", removed: null });
    // A path through the recursion that the full history does not list still has a history.
    const deep = `${at}/format-specific/+vmdk/extents/filename`;
    expect(h.paths[deep]).toBeUndefined();
    expect(historyOfPath(releases, h, deep)).toMatchObject({ added: "1.0", removed: "2.0" });
    expect(agreement(releases).disagreements).toEqual([]);
  });

  it("follows a member that moved into a union's common part (SchemaInfo's features)", () => {
    const releases = pair("moved");
    const h = buildHistory(releases);
    for (const at of ["query-schema/ret-type", "set-schema/arg-type"]) {
      // Still there for commands and objects, where a query now finds it before the '+'.
      for (const branch of ["+command", "+object"])
        expect(h.paths[`${at}/${branch}/features`]).toMatchObject({
          added: "1.0",
          removed: null,
          moved: ["2.0"],
        });
      expect(h.paths[`${at}/features`]).toMatchObject({ added: "2.0", removed: null });
    }
    expect(agreement(releases).disagreements).toEqual([]);
    // And the other way round.
    const back = [
      { name: "1.0", wire: releases[1]!.wire },
      { name: "2.0", wire: releases[0]!.wire },
    ];
    expect(buildHistory(back).paths["query-schema/ret-type/+command/features"]).toMatchObject({
      added: "1.0",
      removed: null,
      moved: ["1.0"],
    });
    expect(agreement(back).disagreements).toEqual([]);
  });
});

describe("names that are also JavaScript's own (constructor, __proto__, ...)", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "qapi-ts-proto-"));
  const KEYS = ["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf", "prototype"];
  /** A reply that uses `k` as every kind of name: command, member, value, branch, feature. */
  const reply = (k: string): unknown[] => [
    { name: k, "meta-type": "command", "arg-type": "0", "ret-type": "1", features: [k] },
    { name: "1", "meta-type": "object", members: [] },
    {
      name: "0",
      "meta-type": "object",
      members: [
        { name: k, type: "2", features: [k] },
        { name: "kind", type: "2" },
      ],
      tag: "kind",
      variants: [{ case: k, type: "1" }],
    },
    { name: "2", "meta-type": "enum", members: [{ name: k, features: [k] }] },
  ];
  const other = path.join(dir, "other.json");
  writeFileSync(
    other,
    JSON.stringify([
      { name: "q", "meta-type": "command", "arg-type": "1", "ret-type": "1" },
      reply("x")[1],
    ]),
  );
  const paths = (k: string): string[] => [
    k,
    `${k}/$${k}`,
    `${k}/arg-type/${k}`,
    `${k}/arg-type/${k}$${k}`,
    `${k}/arg-type/${k}/^${k}`,
    `${k}/arg-type/${k}/^${k}/$${k}`,
    `${k}/arg-type/+${k}`,
  ];

  it.each(KEYS)("%s: as every kind of name, and as a release's", (k) => {
    const file = path.join(dir, `reply-${KEYS.indexOf(k)}.json`);
    writeFileSync(file, JSON.stringify(reply(k)));
    const releases = [
      { name: k, wire: wire(file) },
      { name: "2.0", wire: wire(other) },
    ];
    const h = buildHistory(releases);
    for (const p of paths(k)) {
      expect(Object.prototype.hasOwnProperty.call(h.paths, p), p).toBe(true);
      expect(h.paths[p], p).toMatchObject({ added: k, removed: "2.0" });
      expect(historyOfPath(releases, h, p), p).toMatchObject({ added: k, removed: "2.0" });
    }
    // Names that only look like an object's own: nowhere, also in a history read from JSON
    // (whose records have Object's prototype).
    const only = buildHistory(releases.slice(1));
    const read = JSON.parse(JSON.stringify(only)) as History;
    for (const p of paths(k)) {
      expect(historyOfPath(releases.slice(1), only, p), p).toBeNull();
      expect(historyOfPath(releases.slice(1), read, p), p).toBeNull();
    }
    expect(JSON.parse(JSON.stringify(h))).toEqual(h);
  });

  it("history --path answers for them and exits 1 where no release has them", () => {
    for (const k of ["constructor", "__proto__"]) {
      let r = run(["history", `1.0=${other}`, "--path", k]);
      expect([r.status, r.stdout, r.stderr]).toEqual([
        1,
        "",
        `qapi-ts history: ${k}: in none of the releases\n`,
      ]);
      r = run(["history", `1.0=${other}`, "--path", k, "--format", "json"]);
      expect(r.status).toBe(1);
      expect(JSON.parse(r.stdout)).toEqual({ releases: ["1.0"], paths: {} });
    }
    const file = path.join(dir, "reply-proto.json");
    writeFileSync(file, JSON.stringify(reply("__proto__")));
    const r = run([
      "history",
      `__proto__=${file}`,
      "--path",
      "__proto__/arg-type/__proto__",
      "--format",
      "json",
    ]);
    expect(r.status).toBe(0);
    const h = JSON.parse(r.stdout) as History;
    expect(Object.keys(h.paths)).toEqual(["__proto__/arg-type/__proto__"]);
    expect(Object.prototype.hasOwnProperty.call(h.paths, "__proto__/arg-type/__proto__")).toBe(
      true,
    );
  });

  it("diff and lint --history read them as names", () => {
    const file = path.join(dir, "reply-constructor.json");
    writeFileSync(file, JSON.stringify(reply("constructor")));
    const r = run(["diff", file, other, "--format", "json"]);
    expect(r.status).toBe(1);
    expect((JSON.parse(r.stdout) as { path: string }[]).map((c) => c.path)).toEqual([
      "constructor",
      "q",
    ]);
    // A schema that documents 'constructor', against a history that has it and one that has not.
    const schema = path.join(dir, "schema.json");
    writeFileSync(
      schema,
      "##\n# @constructor:\n#\n# Since: 1.0\n##\n{ 'command': 'constructor' }\n",
    );
    const warnings = (...releases: string[]): unknown => {
      const history = path.join(dir, "history.json");
      expect(run(["history", ...releases, "--format", "json", "-o", history]).status).toBe(0);
      const lint = run(["lint", schema, "--history", history, "--format", "json"]);
      expect(lint.status).toBe(0);
      return (JSON.parse(lint.stdout) as { message: string }[]).map((d) => d.message);
    };
    expect(warnings(`1.0=${other}`, `2.0=${file}`)).toEqual([
      "command 'constructor' is documented as since 1.0, but release 1.0 lacks it (first in 2.0: constructor)",
    ]);
    expect(warnings(`1.0=${other}`, `2.0=${other}`)).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe("lint --history", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "qapi-ts-history-"));
  const historyFile = path.join(dir, "history.json");
  const since = path.join(fixtures, "since.json");

  it("warns on Since claims that contradict the history", () => {
    expect(run(["history", ...releases, "--format", "json", "-o", historyFile]).status).toBe(0);
    const r = run(["lint", since, "--history", historyFile, "--format", "json"]);
    expect(r.status).toBe(0);
    const found = (
      JSON.parse(r.stdout) as { severity: string; line: number; message: string }[]
    ).map((d) => [d.severity, d.line, d.message]);
    expect(found).toEqual([
      [
        "warning",
        9,
        "member 'y' of 'a' is documented as since 3.0, but release 2.0 has it (a/arg-type/y)",
      ],
      [
        "warning",
        18,
        "command 'b' is documented as since 1.0, but release 1.0 lacks it (first in 2.0: b)",
      ],
      [
        "warning",
        32,
        "value 'on' of 'Mode' is documented as since 2.0, but release 1.0 has it (d/arg-type/settings/mode/^on)",
      ],
      ["warning", 54, "command 'd' is documented as since 4.0, but release 1.0 has it (d)"],
    ]);
    // Each is placed at the claim as written: `Since:`, or the member's `(since X.Y)`.
    const lines = readFileSync(since, "utf8").split("\n");
    type Placed = { line: number; column: number; endLine: number; endColumn: number };
    const claims = (JSON.parse(r.stdout) as Placed[]).map((d) => {
      expect(d.endLine).toBe(d.line);
      return lines[d.line - 1]!.slice(d.column - 1, d.endColumn - 1);
    });
    expect(claims).toEqual(["(since 3.0)", "Since:", "(since 2.0)", "Since:"]);
    // --strict makes warnings fail, as for every lint warning.
    expect(run(["lint", since, "--history", historyFile, "--strict"]).status).toBe(1);
    // Without --history, none of this.
    expect(run(["lint", since]).stderr).toBe("");
  });

  it("says so where a release defines a member no command reaches, and follows a type by name", () => {
    // 1.0 accepts netdev-like options untyped (as 4.1's netdev_add did) and reaches Info at
    // 'old-info'; 2.0 types them and reaches Info at 'info' only.
    const v1 = path.join(dir, "unreachable-1.json");
    writeFileSync(
      v1,
      "{ 'struct': 'UserOptions', 'data': { 'host': 'str' } }\n" +
        "{ 'struct': 'Info', 'data': { 'name': 'str' } }\n" +
        "{ 'command': 'add', 'data': { 'type': 'str' } }\n" +
        "{ 'command': 'old-info', 'returns': 'Info' }\n",
    );
    const v2 = path.join(dir, "unreachable-2.json");
    const schema2 =
      "##\n# @UserOptions:\n#\n# @host: the host (since 0.5)\n#\n# Since: 0.5\n##\n" +
      "{ 'struct': 'UserOptions', 'data': { 'host': 'str' } }\n" +
      "##\n# @Info:\n#\n# @name: its name (since 0.5)\n#\n# Since: 0.5\n##\n" +
      "{ 'struct': 'Info', 'data': { 'name': 'str' } }\n" +
      "##\n# @add:\n#\n# Since: 0.5\n##\n{ 'command': 'add', 'data': 'UserOptions' }\n" +
      "##\n# @info:\n#\n# Since: 2.0\n##\n{ 'command': 'info', 'returns': 'Info' }\n";
    writeFileSync(v2, schema2);
    const file = path.join(dir, "unreachable-history.json");
    expect(run(["history", `1.0=${v1}`, `2.0=${v2}`, "--format", "json", "-o", file]).status).toBe(
      0,
    );
    const h = JSON.parse(readFileSync(file, "utf8")) as History;
    expect(h.unreachable).toEqual({ "1.0": { UserOptions: ["host"] } });
    const r = run(["lint", v2, "--history", file, "--format", "json"]);
    expect((JSON.parse(r.stdout) as { message: string }[]).map((d) => d.message)).toEqual([
      "member 'host' of 'UserOptions' is documented as since 0.5; release 1.0 defines it, but no command or event reaches it there (on the wire from 2.0: add/arg-type/host)",
    ]);
    // Info's 'name' is on the wire in 1.0 (at old-info), though not at 2.0's path: no warning.
  });

  it("needs release names with versions", () => {
    const h = JSON.parse(readFileSync(historyFile, "utf8")) as History;
    const renamed = JSON.parse(JSON.stringify(h).replace(/"1\.0"/g, '"first"')) as History;
    const file = path.join(dir, "renamed.json");
    writeFileSync(file, JSON.stringify(renamed));
    const r = run(["lint", since, "--history", file]);
    expect(r.stderr).toBe("history release 'first' names no version: Since claims not checked\n");
  });

  it("rejects a file that is not a history (or cannot be read) with exit 1", () => {
    const file = path.join(dir, "not-history.json");
    writeFileSync(file, '{"releases": ["1.0"], "paths": {"a": {"added": "9.9"}}}');
    const r = run(["lint", since, "--history", file]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("not a history");
    expect(run(["lint", since, "--history", path.join(dir, "absent.json")]).status).toBe(1);
    rmSync(dir, { recursive: true, force: true });
  });
});
