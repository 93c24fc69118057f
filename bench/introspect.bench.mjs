// Introspection: whole-process `qapi-ts introspect` of QEMU 10.2's schema (wall time, peak RSS;
// QEMU's Python generator takes ~520 ms), and in process: the front end, buildIntrospection, the
// JSON text, the generated module's generation and its run-time payload for one configuration.
import { readFileSync, mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
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

requireShared("introspect.bench");
const { schema, definesFile } = qemu;
const defines = new Set(readFileSync(definesFile, "utf8").split("\n").filter(Boolean));

const whole = timeProcess(bin, ["introspect", schema, "--defines", definesFile]);
const unmasked = timeProcess(bin, ["introspect", schema, "--defines", definesFile, "--unmask"]);
reportProcesses(
  "introspect: QEMU 10.2 qapi-schema.json, linux-x86_64 defines (whole process)",
  [["", whole]],
  [
    ["--unmask: median wall time (ms)", unmasked.wallMs.toFixed(1)],
    ["QEMU's Python generator, for reference", "~520 ms"],
  ],
);

const { loadSchema } = await importTs("generator/frontend/index.ts");
const { buildIntrospection, formatIntrospection } = await importTs(
  "generator/model/introspection-tree.ts",
);
const { introspectionBackend } = await importTs("generator/backends/introspection/index.ts");
const { backendOptions, bundleGenerated } = await importTs("test/helpers/generated.ts");
const model = loadSchema(schema, { compat: false }).model;
if (!model) throw new Error("the front end rejected QEMU's schema");

const payload = buildIntrospection(model, { defines, unmask: false });
const moduleOptions = { ...backendOptions({ schemaName: "qapi-schema.json" }), unmask: false };
const [file] = introspectionBackend.generate(model, moduleOptions);
const dir = mkdtempSync(path.join(tmpdir(), "qapi-ts-bench-"));
try {
  const source = await bundleGenerated([file], "introspection.ts");
  // A fresh copy of the module per run: its per-configuration cache would hide the parse.
  let n = 0;
  const runtimeMs = [];
  for (let i = 0; i < 12; i++) {
    const copy = path.join(dir, `copy${n++}.mjs`);
    writeFileSync(copy, source);
    const mod = await import(pathToFileURL(copy).href);
    const t0 = performance.now();
    mod.qmpSchemaInfo(defines);
    if (i >= 2) runtimeMs.push(performance.now() - t0);
  }
  runtimeMs.sort((a, b) => a - b);
  report("introspect: in process, warm (median ms)", [
    [
      "loadSchema (front end)",
      timeInProcess(() => loadSchema(schema, { compat: false }), { runs: 9 }).toFixed(2),
    ],
    [
      "buildIntrospection",
      timeInProcess(() => buildIntrospection(model, { defines, unmask: false })).toFixed(2),
    ],
    [
      "formatIntrospection (JSON text)",
      timeInProcess(() => formatIntrospection(payload)).toFixed(2),
    ],
    [
      "introspectionModule (generate the module)",
      timeInProcess(() => introspectionBackend.generate(model, moduleOptions)).toFixed(2),
    ],
    ["generated module: first qmpSchemaInfo(defines)", runtimeMs[runtimeMs.length >> 1].toFixed(2)],
    ["generated module size (KiB)", (file.content.length / 1024).toFixed(0)],
    ["payload entries", String(payload.length)],
  ]);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
