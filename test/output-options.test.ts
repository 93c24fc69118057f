// The output options (`--option output.NAME=VALUE`), each run under the runtime it is for; their
// generated text is in test/baselines/demo/<set>/ (baselines.test.ts).
//
// - importExtension=ts: Node 24 runs the generated TypeScript as it is (type stripping), and
//   Deno (the `deno` package from npm) without --sloppy-imports, which the default `.js`
//   specifiers need;
// - importExtension=none: a bundler (esbuild) bundles it, which Node alone cannot run;
// - target=js+dts: a plain JavaScript program runs it with node, and the declarations declare
//   exactly the values the JavaScript exports;
// - int64=exact|bigint|number: types, validators and the QMP client's decoding agree, against a
//   real QEMU: what a reply's 64-bit integer becomes, and which arguments the validators take.
//
// Each program's output must be that of the same program over the default output, bundled and
// run in this Node (the reference), so that every runtime is held to one behaviour.
import { describe, expect, test } from "vitest";
import { build } from "esbuild";
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { loadSchema } from "../generator/frontend/index.ts";
import { generateFiles, type GenerateOptions } from "../generator/backends/generate-files.ts";
import type { OutputOptions } from "../generator/backends/backend.ts";
import { runCli } from "./helpers/cli.ts";
import { linkPackage, typeCheck } from "./helpers/generated.ts";
import { hasShared, projectRoot, sharedPath } from "./helpers/paths.ts";
import { BASE_ARGS, haveQemu } from "./helpers/qemu.ts";
import { scratchFolders } from "./helpers/scratch.ts";

const tmp = scratchFolders();
const demoSchema = path.join(projectRoot, "qapi/qapi-schema.json");
/** The runtimes, from the npm registry (pinned: the same runtime on every machine). */
const NODE_24 = ["-y", "node@24"];
const DENO = ["-y", "deno@2.9.6", "run", "--no-prompt"];

function run(cmd: string, args: string[], cwd: string) {
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
    timeout: 300_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, out: r.stdout + r.stderr };
}

/** A scratch project with the package installed (linked) and the schema's output in gen/. */
function project(name: string, output: Partial<OutputOptions>, schema = demoSchema): string {
  const dir = tmp(name);
  linkPackage(dir);
  writeFileSync(path.join(dir, "package.json"), '{ "type": "module" }\n');
  const options: GenerateOptions = { backendOptions: { output } };
  const model = loadSchema(schema, { compat: false }).model!;
  for (const f of generateFiles(model, options)) {
    const p = path.join(dir, "gen", f.path);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, f.content);
  }
  return dir;
}

/**
 * A program over the demo's output, in JavaScript that is also TypeScript (so one text serves
 * every target): validators, enum values, the introspection module, the run-time package.
 */
function program(extension: string): string {
  return `import { validators } from "./gen/validators${extension}";
import { BlockdevDriverValues } from "./gen/index${extension}";
import { conditionSymbols, qmpSchemaInfo } from "./gen/introspection${extension}";
import { parseJsonLossless } from "qapi-ts/validate";

const verdict = (name, text) =>
  JSON.stringify(validators.validateCommandArguments(name, parseJsonLossless(text)));
console.log(verdict("blockdev-add", '{"driver": "file", "node-name": "n", "filename": "/x"}'));
console.log(verdict("blockdev-add", '{"driver": "nope"}'));
console.log(verdict("blockdev-add", '{"driver": "null-co", "node-name": "n", "size": 9223372036854775808}'));
console.log(BlockdevDriverValues.join(" "));
console.log([...conditionSymbols()].sort().join(" "));
console.log(qmpSchemaInfo(["CONFIG_POSIX"]).length, qmpSchemaInfo([]).length);
`;
}

/** A project (see project()) with the program for that extension in it, as `file`. */
function withProgram(
  name: string,
  output: Partial<OutputOptions>,
  extension: string,
  file = "main.ts",
): string {
  const dir = project(name, output);
  writeFileSync(path.join(dir, file), program(extension));
  return dir;
}

/** Bundles `entry` of `dir` with esbuild for Node and runs it with this Node. */
async function bundleAndRun(dir: string, entry: string) {
  await build({
    absWorkingDir: dir,
    entryPoints: [path.join(dir, entry)],
    outfile: path.join(dir, "bundle.mjs"),
    bundle: true,
    format: "esm",
    platform: "node",
    logLevel: "silent",
  });
  return run(process.execPath, [path.join(dir, "bundle.mjs")], dir);
}

let referenceOutput: string | null = null;
/** What the program prints over the default output (bundled, in this Node). */
async function reference(): Promise<string> {
  if (referenceOutput === null) {
    const dir = withProgram("output-default", {}, ".js");
    const r = await bundleAndRun(dir, "main.ts");
    expect(r.status, r.out).toBe(0);
    referenceOutput = r.stdout;
  }
  return referenceOutput;
}

describe("importExtension=ts", { timeout: 600_000 }, () => {
  test("Node 24 runs the generated TypeScript as it is (type stripping)", async () => {
    const dir = withProgram("output-import-ts", { importExtension: "ts" }, ".ts");
    const r = run("npx", [...NODE_24, "main.ts"], dir);
    expect(r.status, r.out).toBe(0);
    expect(r.stdout).toBe(await reference());
    console.log(`node@24 (type stripping), importExtension=ts: ${r.stdout.split("\n")[0]} ...`);
  });

  test("Deno from npm runs it without --sloppy-imports, which the default .js needs", async () => {
    const dir = withProgram("output-import-ts-deno", { importExtension: "ts" }, ".ts");
    const r = run("npx", [...DENO, "main.ts"], dir);
    expect(r.status, r.out).toBe(0);
    expect(r.stdout).toBe(await reference());
    const version = run("npx", ["-y", "deno@2.9.6", "--version"], dir).stdout.split("\n")[0];
    console.log(`${version}, importExtension=ts: same output as the reference`);

    const js = withProgram("output-import-js-deno", {}, ".js");
    const refused = run("npx", [...DENO, "main.ts"], js);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain("--sloppy-imports");
  });
});

describe("importExtension=none", { timeout: 300_000 }, () => {
  test("a bundler (esbuild) bundles it; Node alone cannot resolve it", async () => {
    const dir = withProgram("output-import-none", { importExtension: "none" }, "");
    const r = await bundleAndRun(dir, "main.ts");
    expect(r.status, r.out).toBe(0);
    expect(r.stdout).toBe(await reference());
    const unbundled = run("npx", [...NODE_24, "main.ts"], dir);
    expect(unbundled.status).not.toBe(0);
    expect(unbundled.stderr).toContain("ERR_MODULE_NOT_FOUND");
  });
});

describe("target=js+dts", { timeout: 300_000 }, () => {
  test("a plain JavaScript program runs it with node, no build step", async () => {
    const dir = project("output-target-js", { target: "js+dts" });
    expect(
      readdirSync(path.join(dir, "gen")).filter((f) => /\.ts$/.test(f) && !/\.d\.ts$/.test(f)),
    ).toEqual([]);
    writeFileSync(path.join(dir, "main.js"), program(".js"));
    const r = run(process.execPath, ["main.js"], dir);
    expect(r.status, r.out).toBe(0);
    expect(r.stdout).toBe(await reference());
  });

  test("its declarations declare exactly the values its JavaScript exports, and type-check", async () => {
    const dir = project("output-target-js-types", { target: "js+dts" });
    const gen = path.join(dir, "gen");
    const ts = (await import("typescript")).default;
    const declarations = readdirSync(gen)
      .filter((f) => f.endsWith(".d.ts"))
      .map((f) => path.join(gen, f));
    const checkerProgram = ts.createProgram(declarations, {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      strict: true,
      noEmit: true,
    });
    const checker = checkerProgram.getTypeChecker();
    for (const file of declarations) {
      const source = checkerProgram.getSourceFile(file)!;
      const symbol = checker.getSymbolAtLocation(source)!;
      const declared = checker
        .getExportsOfModule(symbol)
        .filter((s) => {
          const target = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
          return (target.flags & ts.SymbolFlags.Value) !== 0;
        })
        .map((s) => s.name)
        .sort();
      const module = (await import(pathToFileURL(file.replace(/\.d\.ts$/, ".js")).href)) as Record<
        string,
        unknown
      >;
      expect(Object.keys(module).sort(), path.basename(file)).toEqual(declared);
    }
    // A plain JavaScript program, checked against them (checkJs), as an editor does.
    const main = path.join(dir, "main.js");
    writeFileSync(
      main,
      `// @ts-check
import { validators } from "./gen/validators.js";
/** @type {import("./gen/index.js").BlockdevOptions} */
const options = { driver: "null-co", "node-name": "n", size: 1024 };
/** @type {import("./gen/index.js").BlockdevDriver} */
// @ts-expect-error: not a driver
const driver = "nope";
console.log(validators.isCommandArguments("blockdev-add", options), driver);
`,
    );
    expect(
      await typeCheck([main], {
        strict: true,
        noEmit: true,
        allowJs: true,
        checkJs: true,
        target: "es2022",
        module: "nodenext",
        moduleResolution: "nodenext",
        types: [],
      }),
    ).toEqual([]);
  });
});

describe("int64", { timeout: 300_000 }, () => {
  test("the types of each representation (exact, bigint, number) are what a program may hold", async () => {
    const files: string[] = [];
    const cases: Record<OutputOptions["int64"], string> = {
      exact: `const n: number | bigint | undefined = o.size;
// @ts-expect-error: a bigint may arrive
const m: number | undefined = o.size;`,
      bigint: `const n: bigint | undefined = o.size;
// @ts-expect-error: never a number
const m: number | undefined = o.size;
// @ts-expect-error: a number is refused
const p: BlockdevOptionsNull = { size: 1 };`,
      number: `const n: number | undefined = o.size;
// @ts-expect-error: never a bigint
const p: BlockdevOptionsNull = { size: 1n };`,
    };
    for (const [int64, body] of Object.entries(cases)) {
      const dir = project(`output-int64-types-${int64}`, {
        int64: int64 as OutputOptions["int64"],
      });
      const main = path.join(dir, "main.ts");
      writeFileSync(
        main,
        `import type { BlockdevOptionsNull } from "./gen/index.js";
declare const o: BlockdevOptionsNull;
${body}
export {};
`,
      );
      files.push(main);
    }
    expect(
      await typeCheck(files, {
        strict: true,
        noEmit: true,
        noUnusedLocals: false,
        target: "es2022",
        module: "nodenext",
        moduleResolution: "nodenext",
        types: [],
      }),
    ).toEqual([]);
  });

  const QEMU_PROGRAM = `import { createQmp } from "./gen/client.js";
import { validators } from "./gen/validators.js";

const show = (v) => (typeof v === "bigint" ? \`bigint \${v}\` : \`\${typeof v} \${v}\`);
const qmp = createQmp(
  { spawn: { args: ${JSON.stringify(BASE_ARGS)} } },
  { commandTimeoutMs: 20_000 },
);
await qmp.connect();
try {
  // What the validators take for a 64-bit argument (object-add's poll-max-ns, an int).
  for (const value of [5, 5n]) {
    const v = validators.validateCommandArguments("object-add", {
      "qom-type": "iothread",
      id: "x",
      "poll-max-ns": value,
    });
    console.log(\`argument \${show(value)}: \${v ? v.message : "valid"}\`);
  }
  // Replies: one small and one large int64 (set through qom-set, whose value is 'any').
  for (const [id, value] of [["small", 32768], ["large", 2n ** 62n + 1n]]) {
    await qmp.execute("object-add", { "qom-type": "iothread", id });
    await qmp.execute("qom-set", { path: "/objects/" + id, property: "poll-max-ns", value });
  }
  try {
    const threads = await qmp.execute("query-iothreads");
    threads.sort((a, b) => (a.id < b.id ? -1 : 1));
    for (const t of threads) console.log(\`reply \${t.id}: \${show(t["poll-max-ns"])}\`);
  } catch (err) {
    console.log(\`reply: \${err.code}: \${/has no exact number/.test(err.message)}\`);
  }
} finally {
  await qmp.close();
}
`;

  const EXPECTED: Record<OutputOptions["int64"], string[]> = {
    exact: [
      "argument number 5: valid",
      "argument bigint 5: valid",
      `reply large: bigint ${2n ** 62n + 1n}`,
      "reply small: number 32768",
    ],
    bigint: [
      "argument number 5: Invalid parameter type for 'poll-max-ns', expected: bigint",
      "argument bigint 5: valid",
      `reply large: bigint ${2n ** 62n + 1n}`,
      "reply small: bigint 32768",
    ],
    number: [
      "argument number 5: valid",
      "argument bigint 5: Parameter 'poll-max-ns' expects an integer that a number holds exactly",
      "reply: invalid-result: true",
    ],
  };

  for (const int64 of ["exact", "bigint", "number"] as const) {
    test.skipIf(!haveQemu || !hasShared)(
      `int64=${int64}: QEMU 10.2's generated client against a real QEMU`,
      async () => {
        const dir = project(
          `output-int64-${int64}`,
          { int64 },
          sharedPath("qemu-10.2/qapi/qapi-schema.json"),
        );
        writeFileSync(path.join(dir, "main.ts"), QEMU_PROGRAM);
        const r = await bundleAndRun(dir, "main.ts");
        expect(r.status, r.out).toBe(0);
        expect(r.stdout.trimEnd().split("\n")).toEqual(EXPECTED[int64]);
      },
    );
  }
});

describe("option errors: exit 2, naming the option and what it takes; nothing written", () => {
  const cases: [string[], RegExp][] = [
    [
      ["--option", "output.int64=bignum"],
      /'output\.int64' takes exact, bigint, number, not 'bignum'/,
    ],
    [["--option", "output.target=js"], /'output\.target' takes ts, js\+dts, not 'js'/],
    [
      ["--option", "output.extension=ts"],
      /no output option 'extension' \(options: target, importExtension, int64\)/,
    ],
    [
      ["--option", "output.target=js+dts", "--option", "output.importExtension=ts"],
      /'output\.importExtension=ts' needs 'output\.target=ts'/,
    ],
    // A misspelt back end was ignored before.
    [["--option", "introspecton.unmask=true"], /options for 'introspecton', which is no back end/],
  ];
  for (const [args, message] of cases) {
    test(args.join(" "), () => {
      const out = path.join(tmp("output-option-error"), "gen");
      const r = runCli(["generate", "qapi/qapi-schema.json", "-o", out, ...args]);
      expect(r.stderr).toMatch(message);
      expect(r.status).toBe(2);
      expect(() => readdirSync(out)).toThrow(/ENOENT/);
    });
  }
});
