// Start-up of the CLI, for a command that does nothing (--version), a lint of the project's demo
// schema, and a no-op `generate` (its output up to date), three ways:
//   - installed: `npm pack`, installed offline into a scratch project, run as
//     node_modules/.bin/qapi-ts (the bundle in dist/cli, with the V8 code cache that bin/qapi-ts
//     makes on first use: here in a fresh XDG_CACHE_HOME, made by each command's warm-up run);
//   - the same bundle loaded with plain `node`, without the code cache;
//   - the compiled modules: the sources compiled by tsc one file per module, unbundled, loaded
//     by node from the project (what the bundle and the cache are measured against).
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { reportProcesses, root, timeProcess } from "./lib.mjs";

const work = mkdtempSync(path.join(tmpdir(), "qapi-ts-bench-startup-"));
process.env.XDG_CACHE_HOME = path.join(work, "cache");
try {
  // The installed package.
  const packed = JSON.parse(
    execFileSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", work], {
      cwd: root,
      encoding: "utf8",
    }),
  )[0];
  const project = path.join(work, "project");
  mkdirSync(project);
  writeFileSync(path.join(project, "package.json"), '{ "name": "user", "private": true }\n');
  execFileSync(
    "npm",
    ["install", "--offline", "--no-audit", "--no-fund", path.join(work, packed.filename)],
    { cwd: project, stdio: "ignore" },
  );
  execFileSync("chmod", ["-R", "a-w", path.join(project, "node_modules")]);
  const installed = path.join(project, "node_modules/.bin/qapi-ts");
  const bundle = path.join(project, "node_modules/qapi-ts/dist/cli/qapi-ts.cjs");
  // The user's schema and its configuration: the demo, generated once before timing.
  cpSync(path.join(root, "qapi"), path.join(project, "qapi"), { recursive: true });
  writeFileSync(
    path.join(project, "qapi-ts.config.json"),
    '{ "schema": "qapi/qapi-schema.json", "output": "gen" }\n',
  );
  execFileSync(installed, ["generate", "-q"], { cwd: project });

  // The compiled modules.
  const modules = path.join(root, "node_modules/.cache/qapi-ts-bench/modules");
  rmSync(modules, { recursive: true, force: true });
  mkdirSync(modules, { recursive: true });
  const tsconfig = path.join(modules, "tsconfig.json");
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: path.join(root, "tsconfig.json"),
      compilerOptions: {
        noEmit: false,
        outDir: modules,
        rootDir: root,
        rewriteRelativeImportExtensions: true,
      },
      files: [
        path.join(root, "generator/cli/index.ts"),
        path.join(root, "generator/backends/templates/hbs.d.ts"),
      ],
      include: [],
    }),
  );
  execFileSync(process.execPath, [
    path.join(root, "node_modules/typescript/bin/tsc"),
    "-p",
    tsconfig,
  ]);
  // ES modules, and the package.json that version.ts reads.
  const { version } = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
  writeFileSync(path.join(modules, "package.json"), JSON.stringify({ type: "module", version }));
  const compiledCli = path.join(modules, "generator/cli.js");

  const rows = [];
  const ways = [
    ["installed bin (bundle + first-use code cache)", installed, []],
    ["installed bundle, plain node", process.execPath, [bundle]],
    ["compiled modules (tsc, unbundled)", process.execPath, [compiledCli]],
  ];
  for (const [label, args] of [
    ["--version", ["--version"]],
    ["lint qapi/", ["lint", "qapi/qapi-schema.json"]],
    ["no-op generate", ["generate", "-q"]],
  ]) {
    const cpu = [];
    for (const [way, cmd, pre] of ways) {
      // The compiled modules cannot run generate (its templates are bundled as text).
      if (label === "no-op generate" && way.startsWith("compiled")) continue;
      const t = timeProcess(cmd, [...pre, ...args], { runs: 15, cwd: project });
      rows.push([`${label}: ${way}, median ms`, t.wallMs.toFixed(1)]);
      cpu.push(t.cpuMs.toFixed(0));
    }
    rows.push([`${label}: CPU ms, in that order`, cpu.join(" / ")]);
  }
  reportProcesses("start-up (whole process)", [], rows);
} finally {
  execFileSync("chmod", ["-R", "u+w", work]);
  rmSync(work, { recursive: true, force: true });
}
