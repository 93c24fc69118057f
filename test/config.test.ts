// The codegen step's configuration: read as JSON allows (a byte-order mark too), checked (back
// ends and their options exist, runtimePackage is an import specifier), found from any folder
// of the project, several schemas into several folders, a note when none is found, the same
// loader in the library; and a recorded reply given where a schema is wanted is named as such.
import { describe, expect, test } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { bin, projectRoot } from "./helpers/paths.ts";
import { scratchFolders } from "./helpers/scratch.ts";
import {
  BackendOptionError,
  ConfigError,
  generate,
  loadConfig,
  loadSchema,
  writeGeneratedFiles,
} from "../generator/api.ts";
import { runtimePackageProblem } from "../generator/backends/generate-files.ts";

const tmp = scratchFolders();
const cache = tmp("config-cache");
const smallSchema = readFileSync(path.join(projectRoot, "test/fixtures/small/schema.json"));
const BOM = "\uFEFF";

function run(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, XDG_CACHE_HOME: cache },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A project folder with the small schema as schema.json (and a .git, as a repository's root). */
function project(name: string): string {
  const dir = tmp(name);
  writeFileSync(path.join(dir, "schema.json"), smallSchema);
  mkdirSync(path.join(dir, ".git"));
  return dir;
}

describe("the configuration file", () => {
  test('a package.json with a byte-order mark: its "qapi-ts" key is read', () => {
    const dir = project("config-bom");
    writeFileSync(
      path.join(dir, "package.json"),
      BOM + JSON.stringify({ name: "x", "qapi-ts": { schema: "schema.json", output: "from-pkg" } }),
    );
    const r = run(["generate"], dir);
    expect([r.status, r.stderr]).toEqual([0, ""]);
    expect(existsSync(path.join(dir, "from-pkg/schema.ts"))).toBe(true);
    // And qapi-ts.config.json with one.
    writeFileSync(
      path.join(dir, "qapi-ts.config.json"),
      BOM + JSON.stringify({ schema: "schema.json", output: "from-config" }),
    );
    expect(run(["generate"], dir).status).toBe(0);
    expect(existsSync(path.join(dir, "from-config/schema.ts"))).toBe(true);
  });

  test("options for a back end that does not exist, or an option it does not have, are refused", () => {
    const dir = project("config-options");
    const cli = run(["generate", "schema.json", "-o", "out", "--option", "typez.x=true"], dir);
    expect([cli.status, cli.stderr]).toEqual([
      2,
      "qapi-ts generate: options for 'typez', which is no back end (back ends: types, validators, client, json-schema, introspection; 'output' takes the output options)\n",
    ]);
    const config = path.join(dir, "qapi-ts.config.json");
    const cases: [object, string][] = [
      [
        { introspecton: { unmask: true } },
        `"options": unknown back end 'introspecton' (back ends: types, validators, client, json-schema, introspection; 'output' takes the output options)`,
      ],
      [
        { introspection: { unmsk: true } },
        `"options.introspection": back end 'introspection' has no option 'unmsk' (options: unmask)`,
      ],
      [{ introspection: { unmask: "yes" } }, `"options.introspection.unmask" must be a boolean`],
      [
        { output: { targt: "js+dts" } },
        `"options.output": output has no option 'targt' (options: target, importExtension, int64)`,
      ],
    ];
    for (const [options, message] of cases) {
      writeFileSync(config, JSON.stringify({ schema: "schema.json", output: "out", options }));
      const r = run(["generate"], dir);
      expect([r.status, r.stderr]).toEqual([1, `qapi-ts generate: ${config}: ${message}\n`]);
    }
    expect(existsSync(path.join(dir, "out"))).toBe(false);
    // "output" holds the options every back end follows.
    writeFileSync(
      config,
      JSON.stringify({
        schema: "schema.json",
        output: "out",
        options: { output: { target: "js+dts" } },
      }),
    );
    expect(run(["generate"], dir).status).toBe(0);
    expect(existsSync(path.join(dir, "out/schema.js"))).toBe(true);
    rmSync(path.join(dir, "out"), { recursive: true });
    // The library refuses them too.
    const model = loadSchema(path.join(dir, "schema.json")).model!;
    expect(() => generate(model, { backendOptions: { typez: { x: true } } })).toThrow(
      BackendOptionError,
    );
  });

  test("runtimePackage must be an import specifier: never copied raw into generated code", () => {
    const dir = project("config-runtime");
    const config = path.join(dir, "qapi-ts.config.json");
    const injected = 'qapi-ts";\nconsole.log("injected");//';
    writeFileSync(
      config,
      JSON.stringify({ schema: "schema.json", output: "out", runtimePackage: injected }),
    );
    const r = run(["generate"], dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${config}: runtimePackage ${JSON.stringify(injected)} is not`);
    expect(existsSync(path.join(dir, "out"))).toBe(false);
    rmSync(config);
    const cli = run(["generate", "schema.json", "-o", "out", "--runtime-package", "a\nb"], dir);
    expect([cli.status, existsSync(path.join(dir, "out"))]).toEqual([2, false]);
    const model = loadSchema(path.join(dir, "schema.json")).model!;
    expect(() => generate(model, { runtimePackage: "x'y" })).toThrow(BackendOptionError);
    // What is accepted, and what not.
    for (const ok of [
      "qapi-ts",
      "@scope/qapi",
      "@scope/qapi/sub/path",
      "qapi-ts/x.js",
      "#qapi",
      "#qapi/sub",
      "./lib/qapi-ts",
      "../../runtime",
    ])
      expect(runtimePackageProblem(ok), ok).toBeNull();
    for (const bad of [
      "",
      "a b",
      "a\nb",
      'a"b',
      "a'b",
      "a`b",
      "a\\b",
      "/abs/path",
      "Upper",
      ".hidden",
      "_under",
      "@scope",
      "@Scope/x",
      "x/../y",
      "x//y",
      "./",
      "#",
      "x/",
      "a".repeat(215),
    ])
      expect(runtimePackageProblem(bad), JSON.stringify(bad)).not.toBeNull();
  });

  test("found from a subfolder of the project, up to the repository's root", () => {
    const dir = project("config-walk");
    writeFileSync(
      path.join(dir, "qapi-ts.config.json"),
      JSON.stringify({ schema: "schema.json", output: "gen" }),
    );
    const deep = path.join(dir, "src/lib/deep");
    mkdirSync(deep, { recursive: true });
    const r = run(["generate"], deep);
    expect([r.status, r.stderr]).toEqual([0, ""]);
    // Paths in the file are relative to the file, wherever the command runs.
    expect(existsSync(path.join(dir, "gen/schema.ts"))).toBe(true);
    expect(readdirSync(deep)).toEqual([]);
    // Not beyond the repository's root: a nested repository without one gets the defaults.
    const nested = path.join(dir, "vendor/other");
    mkdirSync(path.join(nested, ".git"), { recursive: true });
    const none = run(["generate"], nested);
    expect(none.status).toBe(1);
    expect(none.stderr).toContain(
      'qapi-ts generate: no qapi-ts.config.json (or "qapi-ts" key in package.json) here or above; generating qapi/qapi-schema.json into generated\n',
    );
  });

  test("no configuration: a note says the defaults apply", () => {
    const dir = project("config-none");
    const r = run(["generate", "schema.json"], dir);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe(
      'qapi-ts generate: no qapi-ts.config.json (or "qapi-ts" key in package.json) here or above; generating schema.json into generated\n',
    );
    // Both given on the command line: nothing to say.
    expect(run(["generate", "schema.json", "-o", "out"], dir).stderr).toBe("");
  });

  test("several schemas, each into its folder (the QMP schema and the guest agent's)", () => {
    const dir = project("config-several");
    mkdirSync(path.join(dir, "qga"));
    writeFileSync(
      path.join(dir, "qga/qapi-schema.json"),
      "{ 'command': 'guest-ping' }\n{ 'struct': 'GuestInfo', 'data': { 'version': 'str' } }\n",
    );
    const config = path.join(dir, "qapi-ts.config.json");
    writeFileSync(
      config,
      JSON.stringify({
        runtimePackage: "qapi-ts",
        defines: ["CONFIG_GREEN"],
        generates: [
          { schema: "schema.json", output: "src/qmp" },
          { schema: "qga/qapi-schema.json", output: "src/qga", only: ["types"], defines: [] },
        ],
      }),
    );
    const r = run(["generate"], dir);
    expect([r.status, r.stderr]).toEqual([0, ""]);
    expect(r.stdout).toMatch(/^src\/qmp: \d+ files, \d+ written.*\nsrc\/qga: 3 files, 3 written/);
    // Defaults beside "generates" apply to each entry, which may override them.
    expect(readFileSync(path.join(dir, "src/qmp/schema.ts"), "utf8")).toContain('"green"');
    expect(readdirSync(path.join(dir, "src/qga")).sort()).toEqual([
      ".qapi-ts-manifest",
      "builtin.ts",
      "index.ts",
      "qapi-schema.ts",
    ]);
    expect(run(["generate", "--check"], dir).stdout).toBe(
      "src/qmp: up to date\nsrc/qga: up to date\n",
    );
    // -o (or SCHEMA) selects an entry; one that names none is a usage error.
    const one = run(["generate", "-o", "src/qga", "--check"], dir);
    expect([one.status, one.stdout]).toEqual([0, "src/qga: up to date\n"]);
    const none = run(["generate", "-o", "src/nothing"], dir);
    expect(none.status).toBe(2);
    expect(none.stderr).toContain("lists several schemas (schema.json -> src/qmp, ");
    // Two entries writing one folder are refused.
    writeFileSync(
      config,
      JSON.stringify({
        generates: [
          { schema: "schema.json", output: "src" },
          { schema: "qga/qapi-schema.json", output: "src/qga" },
        ],
      }),
    );
    const overlap = run(["generate"], dir);
    expect([overlap.status, overlap.stderr]).toEqual([
      1,
      `qapi-ts generate: ${config}: generates[0] and generates[1] write into the same folder (src, src/qga)\n`,
    ]);
  });

  test("the library's loader: the same file, the same targets; defines as an array or a set alike", () => {
    const dir = project("config-api");
    writeFileSync(path.join(dir, "green.defines"), "CONFIG_GREEN\n");
    writeFileSync(
      path.join(dir, "qapi-ts.config.json"),
      JSON.stringify({
        generates: [
          { schema: "schema.json", output: "a", definesFile: "green.defines" },
          { schema: "schema.json", output: "b", only: ["types"] },
        ],
      }),
    );
    const sub = path.join(dir, "sub");
    mkdirSync(sub);
    const config = loadConfig(sub)!;
    expect(config.file).toBe(path.join(dir, "qapi-ts.config.json"));
    expect(config.targets).toEqual([
      {
        schema: path.join(dir, "schema.json"),
        output: path.join(dir, "a"),
        load: { compat: false },
        generate: { defines: new Set(["CONFIG_GREEN"]) },
      },
      {
        schema: path.join(dir, "schema.json"),
        output: path.join(dir, "b"),
        load: { compat: false },
        generate: { defines: null, only: ["types"] },
      },
    ]);
    for (const t of config.targets) {
      const { model } = loadSchema(t.schema, t.load);
      writeGeneratedFiles(t.output, generate(model!, t.generate), t.generate);
    }
    // What the CLI writes from the same file is what the library wrote.
    const cli = run(["generate", "--check"], sub);
    expect([cli.status, cli.stdout]).toEqual([0, "../a: up to date\n../b: up to date\n"]);
    const model = loadSchema(path.join(dir, "schema.json")).model!;
    expect(generate(model, { defines: ["CONFIG_GREEN"] })).toEqual(
      generate(model, { defines: new Set(["CONFIG_GREEN"]) }),
    );
    expect(() => generate(model, { defines: "CONFIG_GREEN" as unknown as string[] })).toThrow(
      TypeError,
    );
    expect(loadConfig(tmp("config-api-none"))).toBeNull();
    writeFileSync(path.join(dir, "qapi-ts.config.json"), "{ nope");
    expect(() => loadConfig(dir)).toThrow(ConfigError);
  });
});

describe("a recorded reply where a schema is wanted", () => {
  test("generate and lint say it is a reply, and which commands read replies", () => {
    const dir = tmp("config-reply");
    const reply = path.join(dir, "reply.json");
    writeFileSync(reply, JSON.stringify({ return: [{ name: "x", "meta-type": "command" }] }));
    const note =
      "reply.json is a recorded query-qmp-schema reply, not a QAPI schema: " +
      "'qapi-ts probe --reply', 'qapi-ts diff' and 'qapi-ts history' read replies\n";
    for (const args of [
      ["generate", "reply.json", "-o", "out"],
      ["lint", "reply.json"],
      ["dump", "reply.json"],
    ]) {
      const r = run(args, dir);
      expect(r.status, args.join(" ")).toBe(1);
      expect(r.stderr.endsWith(note), `${args.join(" ")}: ${r.stderr}`).toBe(true);
    }
  });
});
