// `qapi-ts generate`: the types it writes (checked by tsc against uses that must and must not
// compile), prettier-clean output, determinism, the writer's only-changed / stale-removal /
// all-or-nothing behaviour, errors, and QEMU 10.2's whole schema under tsc --strict.
import { afterAll, describe, expect, test } from "vitest";
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as prettier from "prettier";
import { writeGenerated, WriteError } from "../generator/writer.ts";

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const bin = path.join(projectRoot, "bin/qapi-ts");
const tscBin = path.join(projectRoot, "node_modules/typescript/bin/tsc");
const qemuSchema = path.resolve(projectRoot, "../shared/qemu-10.2/qapi/qapi-schema.json");
const qemuDefines = path.resolve(projectRoot, "../shared/qemu-10.2/expected/linux-x86_64.defines");
const hasShared = existsSync(qemuSchema);
if (!hasShared)
  console.log(`generate.test: ${qemuSchema} is absent; skipping the QEMU schema tests`);

function run(args: string[], cwd = projectRoot) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tmp(name: string): string {
  return mkdtempSync(path.join(tmpdir(), `qapi-ts-${name}-`));
}

/** Every file under dir (relative paths, sorted) with its content. */
function readTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(path.relative(dir, p), readFileSync(p, "utf8"));
    }
  };
  walk(dir);
  return new Map([...out].sort(([a], [b]) => a.localeCompare(b)));
}

/** tsc --strict --noEmit over the given files; returns its output (empty when clean). */
function tsc(files: string[], cwd: string): { status: number | null; output: string } {
  const r = spawnSync(
    process.execPath,
    // No skipLibCheck: generated .d.ts files are checked too. No @types: the output needs none.
    [
      tscBin,
      "--strict",
      "--noEmit",
      "--target",
      "es2022",
      "--module",
      "nodenext",
      "--moduleResolution",
      "nodenext",
      ...files,
    ],
    { cwd, encoding: "utf8" },
  );
  return { status: r.status, output: r.stdout + r.stderr };
}

async function prettierUnformatted(dir: string): Promise<string[]> {
  const bad: string[] = [];
  for (const [rel, text] of readTree(dir)) {
    if (!/\.(ts|js|json)$/.test(rel)) continue;
    if (!(await prettier.check(text, { filepath: path.join(dir, rel) }))) bad.push(rel);
  }
  return bad;
}

// A small schema covering every kind of definition, conditions, features and docs.
const SCHEMA = `
##
# @Color:
#
# A color.
#
# @red: the red one
#
# @green: only in green builds
#
# @blue: deprecated
#
# Features:
#
# @deprecated: blue is on its way out
#
# Since: 1.0
##
{ 'enum': 'Color',
  'data': [ 'red', { 'name': 'green', 'if': 'CONFIG_GREEN' },
            { 'name': 'blue', 'features': [ 'deprecated' ] } ] }

##
# @Base:
#
# @kind: which kind
#
# @id: an identifier
##
{ 'struct': 'Base', 'data': { 'kind': 'Color', 'id': 'int' } }

##
# @Paint:
#
# Paint.
#
# @opacity: how opaque
#
# @node-name: the node
#
# @old: deprecated member
#
# @gloss: if glossy
#
# Features:
#
# @deprecated: a member is deprecated
##
{ 'struct': 'Paint', 'base': 'Base',
  'data': { '*opacity': 'number', 'node-name': 'str',
            '*old': { 'type': 'bool', 'features': [ 'deprecated' ] },
            '*gloss': { 'type': 'uint8', 'if': { 'all': [ 'CONFIG_A', { 'not': 'CONFIG_B' } ] } } } }

##
# @RedData:
#
# @shade: a shade
##
{ 'struct': 'RedData', 'data': { 'shade': 'uint64' } }

##
# @GreenData:
#
# @tint: a tint
##
{ 'struct': 'GreenData', 'data': { 'tint': 'int8' } }

##
# @Thing:
#
# A union.
##
{ 'union': 'Thing', 'base': 'Base', 'discriminator': 'kind',
  'data': { 'red': 'RedData', 'green': { 'type': 'GreenData', 'if': 'CONFIG_GREEN' } } }

##
# @Outer:
#
# A union whose branch is a union.
#
# @how: how
##
{ 'union': 'Outer', 'base': { 'how': 'Color' }, 'discriminator': 'how',
  'data': { 'red': 'Thing' } }

##
# @Either:
#
# @s: a string
#
# @t: a thing
#
# @n: nothing
##
{ 'alternate': 'Either', 'data': { 's': 'str', 't': 'RedData', 'n': 'null' } }

##
# @paint:
#
# Paints.
#
# @color: the color
#
# @items: things
#
# @either: an alternate
#
# Features:
#
# @unstable: experimental
#
# Returns: the result
#
# Errors:
#     - If it fails, GenericError
#
# Since: 2.0
##
{ 'command': 'paint', 'data': { 'color': 'Color', '*items': ['Thing'], '*either': 'Either' },
  'returns': 'Paint', 'features': [ 'unstable' ] }

##
# @ping:
#
# Since: 1.0
##
{ 'command': 'ping' }

##
# @x-secret:
#
# Features:
#
# @deprecated: use something else
#
# Since: 1.0
##
{ 'command': 'x-secret', 'boxed': true, 'data': 'Thing', 'features': [ 'deprecated' ],
  'if': 'CONFIG_SECRET' }

##
# @PAINTED:
#
# @color: the color
#
# Since: 1.0
##
{ 'event': 'PAINTED', 'data': { 'color': 'Color' } }

##
# @DRY:
#
# Since: 1.0
##
{ 'event': 'DRY' }
`;

// Uses of the generated types that must compile, and (marked @ts-expect-error) must not.
const USES = `
import type { Commands, Events, CommandArgs, CommandReturns, EventData } from "./out/index.js";
import type { Color, Paint, Thing, Outer, Either } from "./out/index.js";
import { ColorValues } from "./out/index.js";

const c: Color = "green";
const values: readonly Color[] = ColorValues;
// @ts-expect-error not a Color
const notColor: Color = "purple";

const p: Paint = { kind: "red", id: 1, "node-name": "n", gloss: 3 };
// @ts-expect-error node-name is mandatory
const p2: Paint = { kind: "red", id: 1 };
// @ts-expect-error unknown member
const p3: Paint = { kind: "red", id: 1, "node-name": "n", bogus: 1 };

const t: Thing = { kind: "red", id: 1, shade: 5 };
// @ts-expect-error a red Thing has a shade, not a node-name
const t2: Thing = { kind: "red", id: 1, "node-name": "x" };
const t3: Thing = { kind: "blue", id: 2 };
function shadeOf(x: Thing): number | undefined {
  if (x.kind === "red") return x.shade;
  // @ts-expect-error only the red branch has a shade
  return x.shade;
}

const o: Outer = { how: "red", kind: "red", id: 1, shade: 2 };
const e1: Either = "s";
const e2: Either = null;
const e3: Either = { shade: 1 };
// @ts-expect-error not a branch type
const e4: Either = 5;

const args: CommandArgs<"paint"> = { color: "red", items: [t, t3] };
const ret: CommandReturns<"paint"> = p;
const noArgs: Commands["ping"]["args"] = {};
// @ts-expect-error ping takes no arguments
const badArgs: Commands["ping"]["args"] = { x: 1 };
const boxed: CommandArgs<"x-secret"> = t;
const ev: EventData<"PAINTED"> = { color: "blue" };
const dry: Events["DRY"] = {};
// @ts-expect-error no such command
type Nope = Commands["nope"];

export { c, values, notColor, p, p2, p3, t, t2, shadeOf, o, e1, e2, e3, e4, args, ret, noArgs, badArgs, boxed, ev, dry };
`;

describe("generate on a small schema", () => {
  const dir = tmp("small");
  writeFileSync(path.join(dir, "schema.json"), SCHEMA);
  writeFileSync(path.join(dir, "uses.ts"), USES);
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ type: "module" }));

  test("writes the types, which tsc accepts exactly where they should", () => {
    const r = run(["generate", "schema.json", "-o", "out"], dir);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^out: \d+ files, \d+ written, 0 unchanged, 0 removed\n$/);
    const files = [...readTree(path.join(dir, "out")).keys()].filter((f) => f.endsWith(".ts"));
    const result = tsc(["uses.ts", ...files.map((f) => `out/${f}`)], dir);
    expect(result.output).toBe("");
    expect(result.status).toBe(0);
  }, 120_000);

  test("states docs, features and conditions; -D evaluates the conditions", () => {
    const text = readFileSync(path.join(dir, "out/schema.ts"), "utf8");
    expect(text.startsWith("// Generated by qapi-ts from schema.json. Do not edit.\n")).toBe(true);
    expect(text).toContain('export type Color = "red" | "green" | "blue";');
    expect(text).toContain("- `green`: only in green builds (only if `CONFIG_GREEN`)");
    expect(text).toContain("Only if `CONFIG_A && !CONFIG_B`.");
    expect(text).toMatch(
      /\* deprecated member\n {3}\*\n {3}\* @deprecated\n {3}\*\/\n {2}old\?: boolean;/,
    );
    expect(text).toContain('"node-name": string;');
    const index = readFileSync(path.join(dir, "out/index.ts"), "utf8");
    expect(index).toContain("@deprecated use something else");
    expect(index).toContain("**Unstable**: experimental");
    expect(index).toContain("@experimental");
    expect(index).toContain("@returns the result");
    expect(index).toContain("@since 2.0");
    expect(index).toContain("Only if `CONFIG_SECRET`.");

    const r = run(["generate", "-D", "CONFIG_A", "schema.json", "-o", "out-d"], dir);
    expect(r.status).toBe(0);
    const evaluated = readFileSync(path.join(dir, "out-d/schema.ts"), "utf8");
    expect(evaluated).toContain('export type Color = "red" | "blue";');
    expect(evaluated).toContain("gloss?: uint8;");
    expect(evaluated).not.toContain("Only if");
    expect(evaluated).not.toContain("Thing_green");
    expect(readFileSync(path.join(dir, "out-d/index.ts"), "utf8")).not.toContain('"x-secret"');
    writeFileSync(path.join(dir, "defs"), "# comment\nCONFIG_B\n\nCONFIG_A\n");
    const r2 = run(["generate", "schema.json", "-o", "out-f", "--defines", "defs"], dir);
    expect(r2.status).toBe(0);
    expect(readFileSync(path.join(dir, "out-f/schema.ts"), "utf8")).not.toContain("gloss");
  });

  test("the back end is a pure function of the model", async () => {
    const { loadSchema } = await import("../generator/frontend.ts");
    const { typescriptBackend } = await import("../generator/backends/typescript.ts");
    const model = loadSchema(path.join(dir, "schema.json"), { compat: false }).model!;
    const options = { defines: null, schemaFile: "schema.json" };
    const once = typescriptBackend(model, options);
    expect(typescriptBackend(model, options)).toEqual(once);
    expect(once.map((f) => f.path)).toEqual(["builtin.ts", "schema.ts", "index.ts"]);
    expect(once.find((f) => f.path === "schema.ts")!.content).toBe(
      readFileSync(path.join(dir, "out/schema.ts"), "utf8"),
    );
  });

  test("output passes prettier --check", async () => {
    expect(await prettierUnformatted(path.join(dir, "out"))).toEqual([]);
    expect(await prettierUnformatted(path.join(dir, "out-d"))).toEqual([]);
  });

  test("input errors: a diagnostic and exit 1; environment errors: exit 2, no stack", () => {
    writeFileSync(
      path.join(dir, "bad.json"),
      "{ 'enum': 'Bad', 'data': [ 'a' ] }\n{ 'struct': 'Thing', 'data': { 'x': 'Nope' } }\n",
    );
    const bad = run(["generate", "bad.json", "-o", "never"], dir);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(
      /^bad\.json: In struct 'Thing':\nbad\.json:2: member 'x' uses unknown type 'Nope'\n$/,
    );
    expect(existsSync(path.join(dir, "never"))).toBe(false);

    const noDefs = run(["generate", "schema.json", "-o", "out", "--defines", "missing.defs"], dir);
    // The same rule as every command that reads a configuration (and as an unreadable schema).
    expect(noDefs.status).toBe(1);
    expect(noDefs.stderr).toMatch(/^qapi-ts: can't read defines file 'missing\.defs': /);

    writeFileSync(path.join(dir, "a-file"), "x");
    const notDir = run(["generate", "schema.json", "-o", "a-file"], dir);
    expect(notDir.status).toBe(2);
    expect(notDir.stderr).toMatch(/^qapi-ts: cannot create a-file: /);
    expect(notDir.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("the writer", () => {
  test("writes only changed files, removes stale ones it wrote, keeps others", () => {
    const dir = tmp("writer");
    const first = writeGenerated(dir, [
      { path: "a.ts", content: "a\n" },
      { path: "sub/b.json", content: "{}\n" },
      { path: "c.ts", content: "c\n" },
    ]);
    expect(first).toEqual({ written: ["a.ts", "c.ts", "sub/b.json"], unchanged: [], removed: [] });
    writeFileSync(path.join(dir, "mine.txt"), "not generated");
    const old = new Date(2000, 0, 1);
    utimesSync(path.join(dir, "a.ts"), old, old);
    const second = writeGenerated(dir, [
      { path: "a.ts", content: "a\n" },
      { path: "c.ts", content: "c changed\n" },
    ]);
    expect(second).toEqual({ written: ["c.ts"], unchanged: ["a.ts"], removed: ["sub/b.json"] });
    expect(statSync(path.join(dir, "a.ts")).mtime.getTime()).toBe(old.getTime());
    expect(readFileSync(path.join(dir, "c.ts"), "utf8")).toBe("c changed\n");
    expect(existsSync(path.join(dir, "sub"))).toBe(false);
    expect(readFileSync(path.join(dir, "mine.txt"), "utf8")).toBe("not generated");
    expect(readdirSync(dir).sort()).toEqual([".qapi-ts-manifest", "a.ts", "c.ts", "mine.txt"]);
  });

  test("a failure leaves the previous output untouched and no temporary files", () => {
    const dir = tmp("writer-fail");
    writeGenerated(dir, [
      { path: "a.ts", content: "old a\n" },
      { path: "z.ts", content: "old z\n" },
    ]);
    mkdirSync(path.join(dir, "blocker"));
    writeFileSync(path.join(dir, "blocker/file"), "x");
    // "z.ts/inner" cannot be created (z.ts is a file): staging fails after a.ts was staged.
    expect(() =>
      writeGenerated(dir, [
        { path: "a.ts", content: "new a\n" },
        { path: "z.ts/inner", content: "boom\n" },
      ]),
    ).toThrow(WriteError);
    expect(readFileSync(path.join(dir, "a.ts"), "utf8")).toBe("old a\n");
    expect(readFileSync(path.join(dir, "z.ts"), "utf8")).toBe("old z\n");
    expect([...readTree(dir).keys()].filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  test("rejects paths that escape the output directory", () => {
    const dir = tmp("writer-paths");
    for (const p of ["../x.ts", "/abs.ts", "a/../../b.ts", "", ".qapi-ts-manifest"])
      expect(() => writeGenerated(dir, [{ path: p, content: "" }])).toThrow(WriteError);
    expect(() =>
      writeGenerated(dir, [
        { path: "a.ts", content: "1" },
        { path: "a.ts", content: "2" },
      ]),
    ).toThrow(/same path a\.ts/);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe.skipIf(!hasShared)("generate on QEMU 10.2's whole schema", () => {
  const a = tmp("qemu-a");
  const b = tmp("qemu-b");
  const d = tmp("qemu-d");

  test("is deterministic, and a rerun writes nothing", () => {
    const r1 = run(["generate", qemuSchema, "-o", a]);
    expect(r1.stderr).toBe("");
    expect(r1.status).toBe(0);
    const r2 = run(["generate", qemuSchema, "-o", b]);
    expect(r2.status).toBe(0);
    const ta = readTree(a);
    expect(ta.size).toBeGreaterThan(40);
    expect(readTree(b)).toEqual(ta);
    const r3 = run(["generate", qemuSchema, "-o", a]);
    expect(r3.stdout).toMatch(/ 0 written, \d+ unchanged, 0 removed\n$/);
  }, 120_000);

  test("compiles with tsc --strict --noEmit, annotated and with linux-x86_64's defines", () => {
    const tsFiles = (dir: string) => [...readTree(dir).keys()].filter((f) => /\.ts$/.test(f));
    const annotated = tsc(tsFiles(a), a);
    expect(annotated.output).toBe("");
    expect(annotated.status).toBe(0);
    const r = run(["generate", qemuSchema, "-o", d, "--defines", qemuDefines]);
    expect(r.status).toBe(0);
    const evaluated = tsc(tsFiles(d), d);
    expect(evaluated.output).toBe("");
    expect(evaluated.status).toBe(0);
  }, 300_000);

  test("QEMU 4.1's legacy schema (--compat: simple unions, old conditions): the types compile", () => {
    const legacy = path.resolve(projectRoot, "../shared/qemu-4.1/qapi/qapi-schema.json");
    const out = tmp("qemu41");
    try {
      const r = run(["generate", legacy, "-o", out, "--compat", "-q"]);
      expect(r.status).toBe(0);
      // The types only (module files and index.ts): the other back ends have tests of their own.
      const types = [...readTree(out).keys()].filter(
        (f) => f.endsWith(".ts") && !/^(validators|introspection)\./.test(f),
      );
      expect(types).toContain("block-core.ts");
      // Bare `->`/`<-` example lines of old doc comments become code blocks.
      expect(readFileSync(path.join(out, "index.ts"), "utf8")).toContain(
        '   * ```\n   * -> { "execute": "query-block" }\n',
      );
      const result = tsc(types, out);
      expect(result.output).toBe("");
      expect(result.status).toBe(0);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 300_000);

  test("passes prettier --check", async () => {
    expect(await prettierUnformatted(a)).toEqual([]);
    expect(await prettierUnformatted(d)).toEqual([]);
  }, 120_000);

  test("every command and event is in the maps, every enum has its values", () => {
    const index = readFileSync(path.join(a, "index.ts"), "utf8");
    const body = (name: string) =>
      index.slice(index.indexOf(`export interface ${name} {`)).split("\n}\n")[0]!;
    const schemaText = readTree(path.dirname(qemuSchema));
    let commands = 0;
    let events = 0;
    for (const [, text] of schemaText) {
      commands += (text.match(/^\{ *'command' *:/gm) ?? []).length;
      events += (text.match(/^\{ *'event' *:/gm) ?? []).length;
    }
    expect((body("Commands").match(/^ {2}("[^"]+"|[\w$]+): \{$/gm) ?? []).length).toBe(commands);
    expect((body("Events").match(/^ {2}[A-Z_0-9]+: /gm) ?? []).length).toBe(events);
    // reST examples (`.. qmp-example::`) and notes become markdown.
    expect(index).toContain(
      '   * Example:\n   *\n   * ```\n   * -> { "execute": "query-block" }\n',
    );
    expect(index).toContain("   * **Note:** ");
    expect(index).not.toContain(".. qmp-example::");
    expect(readFileSync(path.join(a, "block-core.ts"), "utf8")).toMatch(
      /export const BlockdevDriverValues = Object\.freeze\(\[\n {2}"blkdebug",\n/,
    );
  });

  afterAll(() => {
    for (const x of [a, b, d]) rmSync(x, { recursive: true, force: true });
  });
});
