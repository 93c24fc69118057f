// generate: whole-process `qapi-ts generate` of QEMU 10.2's whole schema (median wall time, peak
// RSS; QEMU's Python qapi-gen.py takes ~840 ms for its C output: the aim is <= 420 ms), the size
// of what it writes per back end, and in process where the time goes.
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  bin,
  importTs,
  qemu,
  report,
  reportProcesses,
  requireShared,
  timeInProcess,
  timeProcess,
} from "./lib.mjs";

requireShared("generate.bench");
const { schema, definesFile } = qemu;
const out = mkdtempSync(path.join(tmpdir(), "qapi-ts-bench-gen-"));
const outDefines = mkdtempSync(path.join(tmpdir(), "qapi-ts-bench-gen-d-"));

try {
  // Each run rewrites nothing after the first (only changed files are written): time a fresh
  // directory too, where every file is written.
  const fresh = timeProcess("/bin/sh", [
    "-c",
    `rm -rf "${out}" && "${process.execPath}" "${bin}" generate "${schema}" -o "${out}" -q`,
  ]);
  const rerun = timeProcess(bin, ["generate", schema, "-o", out, "-q"]);
  const withDefines = timeProcess(bin, [
    "generate",
    schema,
    "-o",
    outDefines,
    "-q",
    "--defines",
    definesFile,
  ]);
  reportProcesses(
    "generate: QEMU 10.2 qapi-schema.json, all back ends (whole process)",
    [["fresh output dir", fresh]],
    [
      ["up-to-date dir (nothing written): median (ms)", rerun.wallMs.toFixed(1)],
      ["--defines linux-x86_64: median (ms)", withDefines.wallMs.toFixed(1)],
      ["QEMU's qapi-gen.py (C output), for reference", "~840 ms (aim: <= 420 ms)"],
    ],
  );

  const sizes = new Map();
  let total = 0;
  let count = 0;
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const rel = path.relative(out, p);
        const group =
          /^(validators\.ts|json-schema\/|introspection\.ts|index\.ts|\.qapi-ts-manifest)/.exec(
            rel,
          )?.[1] ?? "module files (types)";
        const size = statSync(p).size;
        sizes.set(group, (sizes.get(group) ?? 0) + size);
        total += size;
        count++;
      }
    }
  };
  walk(out);
  report("generate: output size (annotated, all conditions kept)", [
    ["files", String(count)],
    ["total (KiB)", (total / 1024).toFixed(0)],
    ...[...sizes]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => [`  ${k} (KiB)`, (v / 1024).toFixed(0)]),
  ]);

  const { loadSchema } = await importTs("generator/frontend/index.ts");
  const { generateFiles } = await importTs("generator/backends/generate-files.ts");
  const model = loadSchema(schema, { compat: false }).model;
  if (!model) throw new Error("the front end rejected QEMU's schema");
  const all = generateFiles(model);
  const t0 = performance.now();
  for (let i = 0; i < 5; i++) generateFiles(model);
  const allMs = (performance.now() - t0) / 5;
  report("generate: in process, warm (median ms)", [
    [
      "loadSchema (front end)",
      timeInProcess(() => loadSchema(schema, { compat: false }), { runs: 9 }).toFixed(2),
    ],
    ...["types", "validators", "json-schema", "introspection"].map((name) => [
      `${name} back end`,
      timeInProcess(() => generateFiles(model, { only: [name] }), { runs: 9 }).toFixed(2),
    ]),
    ["every back end (mean of 5)", allMs.toFixed(2)],
    ["files from every back end", String(all.length)],
  ]);
} finally {
  rmSync(out, { recursive: true, force: true });
  rmSync(outDefines, { recursive: true, force: true });
}
