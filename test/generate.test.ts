// `qapi-ts generate`, the codegen step: the types it writes (checked by tsc against uses that
// must and must not compile), the configuration file, --check, --only, --option, --watch, output
// independent of how paths are typed, the no-op run, errors; and QEMU 10.2's whole schema under
// tsc --strict. The output's exact text is in the baselines (baselines.test.ts); the writer has
// tests of its own (writer.test.ts).
import { describe, expect, test } from "vitest";
import { spawn, spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import * as prettier from "prettier";
import { typesBackend } from "../generator/backends/types/index.ts";
import { loadSchema } from "../generator/frontend/index.ts";
import { backendOptions, linkPackage, typeCheck } from "./helpers/generated.ts";
import { bin, hasShared, projectRoot, sharedPath } from "./helpers/paths.ts";
import { scratchFolders } from "./helpers/scratch.ts";

const qemuSchema = sharedPath("qemu-10.2/qapi/qapi-schema.json");
const qemuDefines = sharedPath("qemu-10.2/expected/linux-x86_64.defines");
if (!hasShared) console.log(`generate.test: ../shared is absent; skipping the QEMU schema tests`);
const smallSchema = path.join(projectRoot, "test/fixtures/small/schema.json");

function run(args: string[], cwd = projectRoot) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const tmp = scratchFolders();

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

async function prettierUnformatted(dir: string): Promise<string[]> {
  const bad: string[] = [];
  for (const [rel, text] of readTree(dir)) {
    if (!/\.(ts|js|json)$/.test(rel)) continue;
    if (!(await prettier.check(text, { filepath: path.join(dir, rel) }))) bad.push(rel);
  }
  return bad;
}

/** A project directory with the small schema, its uses and qapi-ts linked in. */
function smallProject(name: string): string {
  const dir = tmp(name);
  copyFileSync(smallSchema, path.join(dir, "schema.json"));
  writeFileSync(path.join(dir, "uses.ts"), USES);
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ type: "module" }));
  linkPackage(dir);
  return dir;
}

// Uses of the generated types that must compile, and (marked @ts-expect-error) must not.
const USES = `
import type { Commands, Events, CommandArgs, CommandReturns, EventData } from "./out/index.js";
import type { Color, Paint, Thing, Outer, Either, PaintArguments } from "./out/index.js";
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
// 64-bit integers may be bigints (beyond 2^53), narrower ones may not
const big: Paint = { kind: "red", id: 2n ** 60n, "node-name": "n" };
// @ts-expect-error a uint8 is a number
const notBig: Paint = { kind: "red", id: 1, "node-name": "n", gloss: 3n };

const t: Thing = { kind: "red", id: 1, shade: 5 };
// @ts-expect-error a red Thing has a shade, not a node-name
const t2: Thing = { kind: "red", id: 1, "node-name": "x" };
const t3: Thing = { kind: "blue", id: 2 };
function shadeOf(x: Thing): number | bigint | undefined {
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
const named: PaintArguments = args;
const ret: CommandReturns<"paint"> = p;
const noArgs: Commands["ping"]["args"] = {};
// @ts-expect-error ping takes no arguments
const badArgs: Commands["ping"]["args"] = { x: 1 };
const boxed: CommandArgs<"x-secret"> = t;
const ev: EventData<"PAINTED"> = { color: "blue" };
const dry: Events["DRY"] = undefined;
// @ts-expect-error no such command
type Nope = Commands["nope"];

export { c, values, notColor, p, p2, p3, big, notBig, t, t2, shadeOf, o, e1, e2, e3, e4, args, named, ret, noArgs, badArgs, boxed, ev, dry };
`;

describe("generate on a small schema", () => {
  const dir = smallProject("small");

  test("writes the types, which tsc accepts exactly where they should", async () => {
    const r = run(["generate", "schema.json", "-o", "out"], dir);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^out: \d+ files, \d+ written, 0 unchanged, 0 removed\n$/);
    const files = [...readTree(path.join(dir, "out")).keys()].filter((f) => f.endsWith(".ts"));
    const diagnostics = await typeCheck([
      path.join(dir, "uses.ts"),
      ...files.map((f) => path.join(dir, "out", f)),
    ]);
    expect(diagnostics).toEqual([]);
  }, 120_000);

  test("-D and --defines evaluate the conditions", () => {
    const r = run(["generate", "-D", "CONFIG_A", "schema.json", "-o", "out-d"], dir);
    expect(r.status).toBe(0);
    const evaluated = readFileSync(path.join(dir, "out-d/schema.ts"), "utf8");
    expect(evaluated).toContain('export type Color = "red" | "blue";');
    expect(evaluated).toContain("gloss?: uint8;");
    expect(evaluated).not.toContain("Only if");
    writeFileSync(path.join(dir, "defs"), "# comment\nCONFIG_B\n\nCONFIG_A\n");
    const r2 = run(["generate", "schema.json", "-o", "out-f", "--defines", "defs"], dir);
    expect(r2.status).toBe(0);
    expect(readFileSync(path.join(dir, "out-f/schema.ts"), "utf8")).not.toContain("gloss");
  });

  test("the back end is a pure function of the model", () => {
    const model = loadSchema(path.join(dir, "schema.json"), { compat: false }).model!;
    const once = typesBackend.generate(model, backendOptions());
    expect(typesBackend.generate(model, backendOptions())).toEqual(once);
    expect(once.map((f) => f.path)).toEqual(["builtin.ts", "schema.ts", "index.ts"]);
    expect(once.find((f) => f.path === "schema.ts")!.content).toBe(
      readFileSync(path.join(dir, "out/schema.ts"), "utf8"),
    );
  });

  test("output passes prettier --check", async () => {
    expect(await prettierUnformatted(path.join(dir, "out"))).toEqual([]);
    expect(await prettierUnformatted(path.join(dir, "out-d"))).toEqual([]);
  });

  test("output does not depend on the current directory or on how the path was typed", () => {
    const other = tmp("elsewhere");
    expect(
      run(["generate", path.join(dir, "schema.json"), "-o", path.join(other, "abs")]).status,
    ).toBe(0);
    expect(
      run(
        ["generate", `./${path.relative(other, path.join(dir, "schema.json"))}`, "-o", "rel"],
        other,
      ).status,
    ).toBe(0);
    expect(readTree(path.join(other, "abs"))).toEqual(readTree(path.join(dir, "out")));
    expect(readTree(path.join(other, "rel"))).toEqual(readTree(path.join(dir, "out")));
  });

  test("a rerun with unchanged inputs writes nothing and does not parse; a change is noticed", () => {
    const out = path.join(dir, "out");
    const mtime = statSync(path.join(out, "index.ts")).mtimeMs;
    const again = run(["generate", "schema.json", "-o", "out"], dir);
    expect(again.stdout).toMatch(/^out: (\d+) files, 0 written, \1 unchanged, 0 removed\n$/);
    expect(statSync(path.join(out, "index.ts")).mtimeMs).toBe(mtime);
    // An edited output file, or an edited schema, makes it a real run.
    writeFileSync(path.join(out, "builtin.ts"), "// edited\n");
    expect(run(["generate", "schema.json", "-o", "out"], dir).stdout).toMatch(/ 1 written, /);
    const schema = readFileSync(path.join(dir, "schema.json"), "utf8");
    writeFileSync(path.join(dir, "schema.json"), schema.replace("A color.", "A colour."));
    expect(run(["generate", "schema.json", "-o", "out"], dir).stdout).toMatch(
      / [1-9]\d* written, /,
    );
    writeFileSync(path.join(dir, "schema.json"), schema);
    expect(run(["generate", "schema.json", "-o", "out"], dir).status).toBe(0);
  });

  test("an edit of an included file is noticed by the rerun: every schema file is digested", () => {
    const project = smallProject("include-edit");
    writeFileSync(
      path.join(project, "more.json"),
      "{ 'struct': 'Moar', 'data': { 'x': 'int' } }\n",
    );
    const schema = readFileSync(path.join(project, "schema.json"), "utf8");
    writeFileSync(path.join(project, "schema.json"), `{ 'include': 'more.json' }\n${schema}`);
    expect(run(["generate", "schema.json", "-o", "out"], project).status).toBe(0);
    const more = path.join(project, "more.json");
    const { atime, mtime } = statSync(more);
    // Same size, same modification time: only the content tells.
    writeFileSync(more, "{ 'struct': 'Mole', 'data': { 'x': 'int' } }\n");
    utimesSync(more, atime, mtime);
    const again = run(["generate", "schema.json", "-o", "out"], project);
    expect(again.stdout).toMatch(/ [1-9]\d* written, /);
    expect(readFileSync(path.join(project, "out/more.ts"), "utf8")).toContain("interface Mole");
  });

  test("--check lists stale, missing and extra files and writes nothing", () => {
    const project = smallProject("check");
    const out = path.join(project, "out");
    writeFileSync(
      path.join(project, "more.json"),
      "{ 'struct': 'More', 'data': { 'x': 'int' } }\n",
    );
    const schema = readFileSync(path.join(project, "schema.json"), "utf8");
    writeFileSync(path.join(project, "schema.json"), `{ 'include': 'more.json' }\n${schema}`);
    expect(run(["generate", "schema.json", "-o", "out"], project).status).toBe(0);
    const fresh = run(["generate", "schema.json", "-o", "out", "--check"], project);
    expect([fresh.status, fresh.stdout]).toEqual([0, "out: up to date\n"]);
    // Without the include, more.ts is no longer generated.
    writeFileSync(path.join(project, "schema.json"), schema);
    writeFileSync(path.join(out, "schema.ts"), "// stale\n");
    rmSync(path.join(out, "builtin.ts"));
    const stale = run(["generate", "schema.json", "-o", "out", "--check"], project);
    expect(stale.status).toBe(1);
    // (Without More, the index, validators and JSON Schema change too.)
    expect(stale.stderr).toBe(
      [
        "out: stale: index.ts",
        "out: stale: json-schema/schema.json",
        "out: stale: schema.ts",
        "out: stale: validators.ts",
        "out: missing: builtin.ts",
        "out: extra: more.ts",
        "qapi-ts generate: out is not up to date; run qapi-ts generate",
        "",
      ].join("\n"),
    );
    expect(readFileSync(path.join(out, "schema.ts"), "utf8")).toBe("// stale\n");
    expect(existsSync(path.join(out, "more.ts"))).toBe(true);
  });

  test("--only and --option; files of back ends that did not run are kept", () => {
    const out = path.join(dir, "only");
    expect(run(["generate", "schema.json", "-o", "only"], dir).status).toBe(0);
    const before = readTree(out);
    const r = run(
      [
        "generate",
        "schema.json",
        "-o",
        "only",
        "--only",
        "introspection",
        "--option",
        "introspection.unmask=true",
      ],
      dir,
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("only: 1 files, 1 written, 0 unchanged, 0 removed\n");
    const after = readTree(out);
    expect(after.get("introspection.ts")).toContain('"name":"Color"');
    for (const [f, text] of before)
      if (f !== "introspection.ts" && f !== ".qapi-ts-manifest") expect(after.get(f)).toBe(text);
    const bad = run(["generate", "schema.json", "-o", "only", "--only", "nope"], dir);
    expect([bad.status, bad.stderr]).toEqual([
      2,
      expect.stringMatching(
        /^qapi-ts generate: unknown back end 'nope' \(back ends: types, validators, client, json-schema, introspection\)\n$/,
      ),
    ]);
    const badOption = run(
      ["generate", "schema.json", "-o", "only", "--option", "types.nope=1"],
      dir,
    );
    expect([badOption.status, badOption.stderr]).toEqual([
      2,
      "qapi-ts generate: back end 'types' has no option 'nope'\n",
    ]);
  });

  test('a configuration file (or package.json\'s "qapi-ts") makes `generate` alone regenerate', () => {
    const project = smallProject("config");
    writeFileSync(
      path.join(project, "qapi-ts.config.json"),
      JSON.stringify({
        schema: "schema.json",
        output: "src/gen",
        defines: ["CONFIG_A"],
        only: ["types"],
      }),
    );
    const r = run(["generate"], project);
    expect([r.status, r.stderr]).toEqual([0, ""]);
    expect([...readTree(path.join(project, "src/gen")).keys()]).toEqual([
      ".qapi-ts-manifest",
      "builtin.ts",
      "index.ts",
      "schema.ts",
    ]);
    expect(readFileSync(path.join(project, "src/gen/schema.ts"), "utf8")).not.toContain("Only if");
    // The command line wins over the file.
    expect(run(["generate", "-o", "other"], project).status).toBe(0);
    expect(existsSync(path.join(project, "other/index.ts"))).toBe(true);

    rmSync(path.join(project, "qapi-ts.config.json"));
    const pkg = { type: "module", "qapi-ts": { schema: "schema.json", output: "from-pkg" } };
    writeFileSync(path.join(project, "package.json"), JSON.stringify(pkg));
    expect(run(["generate"], project).status).toBe(0);
    expect(existsSync(path.join(project, "from-pkg/validators.ts"))).toBe(true);

    writeFileSync(path.join(project, "bad.json"), JSON.stringify({ schema: 1 }));
    const bad = run(["generate", "--config", "bad.json"], project);
    expect([bad.status, bad.stderr]).toEqual([
      1,
      'qapi-ts generate: bad.json: "schema" must be a path\n',
    ]);
  });

  test("--watch regenerates on a change, keeps running on errors, and reports them", async () => {
    const project = smallProject("watch");
    const child = spawn(
      process.execPath,
      [bin, "generate", "schema.json", "-o", "out", "--watch"],
      {
        cwd: project,
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const until = async (ok: () => boolean) => {
      while (!ok()) await new Promise((r) => setTimeout(r, 20));
    };
    try {
      await until(() => stdout.includes("written"));
      const schema = readFileSync(path.join(project, "schema.json"), "utf8");
      writeFileSync(
        path.join(project, "schema.json"),
        schema + "\n{ 'struct': 'Broken', 'data': { 'x': 'Nope' } }\n",
      );
      await until(() => stderr.includes("uses unknown type 'Nope'"));
      writeFileSync(
        path.join(project, "schema.json"),
        schema + "\n{ 'struct': 'Added', 'data': { 'x': 'int' } }\n",
      );
      await until(() =>
        readFileSync(path.join(project, "out/schema.ts"), "utf8").includes(
          "export interface Added",
        ),
      );
      expect(child.exitCode).toBe(null);
    } finally {
      child.kill("SIGINT");
    }
  }, 60_000);

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
    expect(notDir.stderr).toBe("qapi-ts: a-file exists and is not a directory\n");
  });

  test("into a user's folder: their files untouched, a same-named file refused (--force takes it), --check says not ours", () => {
    const project = smallProject("theirs");
    writeFileSync(path.join(project, "index.ts"), "export const mine = 1;\n");
    const refused = run(["generate", "schema.json", "-o", "."], project);
    expect([refused.status, refused.stdout]).toEqual([2, ""]);
    expect(refused.stderr).toBe(
      `qapi-ts: index.ts exists and was not written by qapi-ts (its manifest, .qapi-ts-manifest, does not list it)\n` +
        "move it away, or give --force to overwrite\n",
    );
    expect(readFileSync(path.join(project, "index.ts"), "utf8")).toBe("export const mine = 1;\n");
    expect(existsSync(path.join(project, "schema.ts"))).toBe(false);
    const check = run(["generate", "schema.json", "-o", ".", "--check"], project);
    expect(check.status).toBe(1);
    expect(check.stderr).toContain(".: not ours: index.ts (a file qapi-ts did not write)\n");
    // Into the current folder, beside the user's own files: with --force, index.ts is taken
    // over; nothing else of theirs is touched.
    const forced = run(["generate", "schema.json", "-o", ".", "--force"], project);
    expect([forced.status, forced.stderr]).toEqual([0, ""]);
    expect(readFileSync(path.join(project, "index.ts"), "utf8")).toContain("export interface");
    expect(readFileSync(path.join(project, "uses.ts"), "utf8")).toBe(USES);
    expect(readFileSync(path.join(project, "schema.json"))).toEqual(readFileSync(smallSchema));
  });
});

test("names of TypeScript's globals, of the index's own exports and of Object.prototype's members compile under --strict", async () => {
  const project = tmp("names");
  linkPackage(project);
  const r = run([
    "generate",
    path.join(projectRoot, "test/fixtures/names/schema.json"),
    "-o",
    path.join(project, "out"),
  ]);
  expect([r.status, r.stderr]).toEqual([0, ""]);
  const files = [...readTree(path.join(project, "out")).keys()].filter((f) => f.endsWith(".ts"));
  expect(await typeCheck(files.map((f) => path.join(project, "out", f)))).toEqual([]);
  // Every schema type keeps its name; the index's own names give way.
  const index = readFileSync(path.join(project, "out/index.ts"), "utf8");
  expect(index).toMatch(/^export interface Commands_ \{$/m);
  const schema = readFileSync(path.join(project, "out/schema.ts"), "utf8");
  for (const name of [
    "Record",
    "Promise",
    "Array",
    "Commands",
    "Events",
    "NoArguments",
    "QmpClient",
  ])
    expect(schema, name).toMatch(new RegExp(`^export (interface|type) ${name}\\b`, "m"));
}, 120_000);

describe.skipIf(!hasShared)("generate on QEMU 10.2's whole schema", () => {
  const project = tmp("qemu");
  linkPackage(project);
  const a = path.join(project, "a");
  const b = path.join(project, "b");
  const d = path.join(project, "d");

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

  test("compiles with tsc --strict --noEmit, annotated and with linux-x86_64's defines", async () => {
    const tsFiles = (dir: string) =>
      [...readTree(dir).keys()].filter((f) => /\.ts$/.test(f)).map((f) => path.join(dir, f));
    expect(await typeCheck(tsFiles(a))).toEqual([]);
    const r = run(["generate", qemuSchema, "-o", d, "--defines", qemuDefines]);
    expect(r.status).toBe(0);
    expect(await typeCheck(tsFiles(d))).toEqual([]);
  }, 300_000);

  test("QEMU 4.1's legacy schema (--compat: simple unions, old conditions): the output compiles", async () => {
    const legacy = sharedPath("qemu-4.1/qapi/qapi-schema.json");
    const out = path.join(project, "qemu41");
    const r = run(["generate", legacy, "-o", out, "--compat", "-q"]);
    expect(r.status).toBe(0);
    const files = [...readTree(out).keys()].filter((f) => f.endsWith(".ts"));
    expect(files).toContain("block-core.ts");
    // Bare `->`/`<-` example lines of old doc comments become code blocks.
    expect(readFileSync(path.join(out, "index.ts"), "utf8")).toContain(
      '   * ```\n   * -> { "execute": "query-block" }\n',
    );
    expect(await typeCheck(files.map((f) => path.join(out, f)))).toEqual([]);
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
    // Implicit types have public names; QEMU's internal ones never show.
    expect(index).toContain("args: BlockdevDelArguments;");
    expect(index).toContain("BLOCK_JOB_COMPLETED: BlockJobCompletedData;");
    expect([...readTree(a).values()].some((text) => text.includes("q_obj_"))).toBe(false);
  });

  test("deprecated commands are shown as deprecated where a program calls them", async () => {
    const use = path.join(project, "use.ts");
    writeFileSync(
      use,
      [
        'import type { Qmp } from "./a/client.js";',
        "export async function f(qmp: Qmp) {",
        '  await qmp.execute("query-status");',
        '  await qmp.execute("drive-backup", { device: "d", target: "t", sync: "full" });',
        "}",
        "",
      ].join("\n"),
    );
    const ts = (await import("typescript")).default;
    const options = ts.convertCompilerOptionsFromJson(
      {
        strict: true,
        noEmit: true,
        module: "nodenext",
        moduleResolution: "nodenext",
        target: "es2022",
        customConditions: ["qapi-ts-source"],
        allowImportingTsExtensions: true,
        types: ["node"],
      },
      projectRoot,
    ).options;
    const files = [use];
    const service = ts.createLanguageService({
      getScriptFileNames: () => files,
      getScriptVersion: () => "1",
      getScriptSnapshot: (f) => {
        const text = ts.sys.readFile(f);
        return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
      },
      getCurrentDirectory: () => project,
      getCompilationSettings: () => options,
      getDefaultLibFileName: ts.getDefaultLibFilePath,
      fileExists: ts.sys.fileExists,
      readFile: ts.sys.readFile,
      directoryExists: ts.sys.directoryExists,
      getDirectories: ts.sys.getDirectories,
      realpath: ts.sys.realpath,
    });
    expect(
      service
        .getSemanticDiagnostics(use)
        .map((x) => ts.flattenDiagnosticMessageText(x.messageText, "\n")),
    ).toEqual([]);
    const deprecated = service
      .getSuggestionDiagnostics(use)
      .filter((x) => x.code === 6387 || x.code === 6385)
      .map((x) => ts.flattenDiagnosticMessageText(x.messageText, "\n"));
    expect(deprecated).toHaveLength(1);
    expect(deprecated[0]).toMatch(/drive-backup/);
  }, 120_000);
});
