// Baselines of every back end: the output for a few schemas, one folder per option set. A change
// to generated code shows as a diff of these files in review. After an intended change, update
// them with `npm run baselines`.
//
// Each schema's default output is kept whole: generated/ for the demo (which is the demo's
// default output; generated-fresh.test.ts checks it against git), test/baselines/<schema>/default/
// for the others. Every other option set's folder, test/baselines/<schema>/<option set>/, holds
// `files.txt` (every path the set writes, and whether its text is the default output's) and
// `changes.diff`, the unified diff of the default output to the set's: what the option changes,
// and nothing it leaves alone. The whole output of every option set is type-checked here.
import { describe, expect, test } from "vitest";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { loadSchema } from "../generator/frontend/index.ts";
import * as prettier from "prettier";
import type { GeneratedFile } from "../generator/backends/backend.ts";
import { generateFiles, type GenerateOptions } from "../generator/backends/generate-files.ts";
import { linkPackage, SOURCE_CHECK_OPTIONS, typeCheck } from "./helpers/generated.ts";
import { unifiedDiff } from "./helpers/line-diff.ts";
import { projectRoot } from "./helpers/paths.ts";
import { scratchFolders } from "./helpers/scratch.ts";

const UPDATE = process.env.UPDATE_BASELINES === "1";
const baselines = path.join(projectRoot, "test/baselines");
/** The writer's own record in an output directory (not a back end's file). */
const MANIFEST = ".qapi-ts-manifest";

interface Case {
  schema: string;
  /** Where the default output is kept, relative to the project. */
  defaultDir: string;
  /** The other option sets. */
  optionSets: Record<string, GenerateOptions>;
}

const CASES: Record<string, Case> = {
  demo: {
    schema: "qapi/qapi-schema.json",
    defaultDir: "generated",
    optionSets: {
      "defines-posix": { defines: new Set(["CONFIG_POSIX"]) },
      "defines-none": { defines: new Set() },
      unmasked: { backendOptions: { introspection: { unmask: true } } },
      // The output options (test/output-options.test.ts runs each under its runtime).
      "target-js": { backendOptions: { output: { target: "js+dts" } } },
      "import-ts": { backendOptions: { output: { importExtension: "ts" } } },
      "import-none": { backendOptions: { output: { importExtension: "none" } } },
      "int64-bigint": { backendOptions: { output: { int64: "bigint" } } },
      "int64-number": { backendOptions: { output: { int64: "number" } } },
    },
  },
  small: {
    schema: "test/fixtures/small/schema.json",
    defaultDir: "test/baselines/small/default",
    optionSets: {
      "defines-a": { defines: new Set(["CONFIG_A"]) },
      "runtime-package": { runtimePackage: "@example/qapi-runtime", only: ["validators"] },
    },
  },
  names: {
    schema: "test/fixtures/names/schema.json",
    defaultDir: "test/baselines/names/default",
    optionSets: {},
  },
  agent: {
    schema: "test/fixtures/agent/schema.json",
    defaultDir: "test/baselines/agent/default",
    optionSets: { "protocol-qmp": { backendOptions: { client: { protocol: "qmp" } } } },
  },
};

/** Every file under dir, relative, sorted. */
function listTree(dir: string, rel = ""): string[] {
  let out: string[] = [];
  let entries;
  try {
    entries = readdirSync(path.join(dir, rel), { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    out = e.isDirectory() ? [...out, ...listTree(dir, r)] : [...out, r];
  }
  return out.sort();
}

/** Rewrites dir with exactly these files. */
function rewrite(dir: string, files: Map<string, string>): void {
  rmSync(dir, { recursive: true, force: true });
  for (const [p, content] of files) {
    mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    writeFileSync(path.join(dir, p), content);
  }
}

/** Checks that dir holds exactly these files, with this text. */
function expectTree(dir: string, files: Map<string, string>, label: string): void {
  expect(listTree(dir).filter((p) => p !== MANIFEST)).toEqual([...files.keys()].sort());
  for (const [p, content] of files)
    expect(content, `${label}/${p}`).toBe(readFileSync(path.join(dir, p), "utf8"));
}

for (const [name, c] of Object.entries(CASES)) {
  describe(`baselines: ${name}`, () => {
    const loaded = loadSchema(path.join(projectRoot, c.schema), { compat: false });
    const output = (options: GenerateOptions) => {
      expect(loaded.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
      return new Map(generateFiles(loaded.model!, options).map((f) => [f.path, f.content]));
    };
    const defaultDir = path.join(projectRoot, c.defaultDir);

    test(`default (${c.defaultDir})`, () => {
      const files = output({});
      // generated/ is written by `generate` (README command 1), never by this test.
      if (UPDATE && defaultDir.startsWith(baselines)) rewrite(defaultDir, files);
      expectTree(defaultDir, files, c.defaultDir);
    });

    for (const [set, options] of Object.entries(c.optionSets)) {
      test(set, () => {
        const defaults = output({});
        const files = output(options);
        const paths = [...files.keys()].sort();
        const differs = (p: string) => defaults.get(p) !== files.get(p);
        const index = paths
          .map((p) => `${p}  ${differs(p) ? "differs: see changes.diff" : "as default"}\n`)
          .join("");
        // A module written as JavaScript and declarations is compared with its TypeScript.
        const counterpart = (p: string) =>
          defaults.has(p) ? p : p.replace(/\.(d\.ts|js)$/, ".ts");
        const changes = paths
          .filter(differs)
          .map((p) =>
            unifiedDiff(
              defaults.has(counterpart(p)) ? `default/${counterpart(p)}` : "/dev/null",
              `${set}/${p}`,
              defaults.get(counterpart(p)) ?? "",
              files.get(p)!,
            ),
          )
          .join("");
        const expected = new Map([
          ["files.txt", index],
          ["changes.diff", changes],
        ]);
        const dir = path.join(baselines, name, set);
        if (UPDATE) rewrite(dir, expected);
        expectTree(dir, expected, `${name}/${set}`);
      });
    }
  });
}

const tmp = scratchFolders();

/** Every option set of every case, with its whole output. */
function allOutputs(): { label: string; options: GenerateOptions; files: GeneratedFile[] }[] {
  return Object.entries(CASES).flatMap(([name, c]) => {
    const loaded = loadSchema(path.join(projectRoot, c.schema), { compat: false });
    const sets: Record<string, GenerateOptions> = { default: {}, ...c.optionSets };
    return Object.entries(sets).map(([set, options]) => ({
      label: `${name}/${set}`,
      options,
      files: generateFiles(loaded.model!, options),
    }));
  });
}

test("every option set's whole output compiles (strict, noUncheckedIndexedAccess)", async () => {
  const project = tmp("baselines-tsc");
  linkPackage(project);
  // Specifiers without an extension resolve only as bundlers resolve them.
  const sources = { nodenext: [] as string[], bundler: [] as string[] };
  for (const { label, options, files } of allOutputs()) {
    // Its run-time support is a package this project does not have.
    if (options.runtimePackage) continue;
    const bare = options.backendOptions?.output?.importExtension === "none";
    for (const f of files) {
      const p = path.join(project, label, f.path);
      mkdirSync(path.dirname(p), { recursive: true });
      writeFileSync(p, f.content);
      if (p.endsWith(".ts")) sources[bare ? "bundler" : "nodenext"].push(p);
    }
  }
  const options = {
    ...SOURCE_CHECK_OPTIONS,
    noUncheckedIndexedAccess: true,
    noImplicitOverride: true,
  };
  expect(await typeCheck(sources.nodenext, options)).toEqual([]);
  expect(
    await typeCheck(sources.bundler, { ...options, module: "esnext", moduleResolution: "bundler" }),
  ).toEqual([]);
}, 300_000);

test("every option set's whole output is prettier-clean", async () => {
  const unformatted: string[] = [];
  for (const { label, files } of allOutputs()) {
    for (const f of files) {
      if (!(await prettier.check(f.content, { filepath: f.path })))
        unformatted.push(`${label}/${f.path}`);
    }
  }
  expect(unformatted).toEqual([]);
});
