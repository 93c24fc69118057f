// Front end: whole-process `qapi-ts lint` of QEMU 10.2's schema (wall time, peak RSS),
// in-process parse+check (stopping at the first error, as dump does, and reporting all, as lint
// does: the second must cost the first nothing), and growth on synthetic schemas 1x and 10x
// (should be linear).
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  bin,
  hasShared,
  importTs,
  qemu,
  report,
  reportProcesses,
  timeInProcess,
  timeProcess,
} from "./lib.mjs";

const { loadSchema } = await importTs("generator/frontend/index.ts");

/** A schema with `n` modules of documented enums, structs, unions, commands and events. */
function synthetic(dir, n) {
  const incs = [];
  for (let m = 0; m < n; m++) {
    const defs = [];
    for (let i = 0; i < 20; i++) {
      const p = `Mod${m}Type${i}`;
      defs.push(
        `##\n# @${p}Kind:\n#\n# @alpha: first\n#\n# @beta: second\n#\n# Since: 1.0\n##\n{ 'enum': '${p}Kind', 'data': [ 'alpha', 'beta' ] }\n`,
        `##\n# @${p}Base:\n#\n# @kind: which one\n#\n# @name: a name\n#\n# Since: 1.0\n##\n{ 'struct': '${p}Base', 'data': { 'kind': '${p}Kind', 'name': 'str' } }\n`,
        `##\n# @${p}Alpha:\n#\n# @size: bytes\n#\n# Since: 1.0\n##\n{ 'struct': '${p}Alpha', 'data': { '*size': 'size' }, 'if': 'CONFIG_A' }\n`,
        `##\n# @${p}:\n#\n# Since: 1.0\n##\n{ 'union': '${p}', 'base': '${p}Base', 'discriminator': 'kind',\n  'data': { 'alpha': '${p}Alpha' } }\n`,
        `##\n# @m${m}-cmd-${i}:\n#\n# @arg: the argument\n#\n# Features:\n#\n# @deprecated: use something else\n#\n# Returns: the thing\n#\n# Since: 1.0\n##\n{ 'command': 'm${m}-cmd-${i}', 'data': { 'arg': ['${p}'] }, 'returns': '${p}Base',\n  'features': [ 'deprecated' ] }\n`,
        `##\n# @M${m}_EVENT_${i}:\n#\n# @data: what happened\n#\n# Since: 1.0\n##\n{ 'event': 'M${m}_EVENT_${i}', 'data': { 'data': '${p}' } }\n`,
      );
    }
    writeFileSync(
      path.join(dir, `m${m}.json`),
      `# -*- Mode: Python -*-\n\n##\n# = Module ${m}\n##\n\n${defs.join("\n")}`,
    );
    incs.push(`{ 'include': 'm${m}.json' }\n`);
  }
  writeFileSync(
    path.join(dir, "schema.json"),
    `{ 'pragma': { 'doc-required': true } }\n${incs.join("")}`,
  );
  return path.join(dir, "schema.json");
}

function lintInProcess(file, diagnostics = "first-error") {
  return () => {
    const r = loadSchema(file, { compat: false, diagnostics });
    if (!r.model) throw new Error(`lint failed on ${file}`);
  };
}

if (hasShared) {
  const whole = timeProcess(bin, ["lint", qemu.schema]);
  reportProcesses(
    "lint: QEMU 10.2 qapi-schema.json (whole process)",
    [["", whole]],
    [["QEMU's Python front end, for reference", "~430 ms, 24 MiB"]],
  );
  report("lint: QEMU 10.2 qapi-schema.json (in process, warm)", [
    ["parse + check, median (ms)", timeInProcess(lintInProcess(qemu.schema)).toFixed(2)],
    [
      "the same, every error reported (ms)",
      timeInProcess(lintInProcess(qemu.schema, "all")).toFixed(2),
    ],
  ]);
}

const dir = mkdtempSync(path.join(tmpdir(), "qapi-ts-bench-"));
try {
  const d1 = path.join(dir, "x1");
  const d10 = path.join(dir, "x10");
  for (const d of [d1, d10]) mkdirSync(d);
  const s1 = synthetic(d1, 4);
  const s10 = synthetic(d10, 40);
  const t1 = timeInProcess(lintInProcess(s1), { runs: 9 });
  const t10 = timeInProcess(lintInProcess(s10), { runs: 5 });
  const p1 = timeProcess(bin, ["lint", s1], { runs: 5 });
  const p10 = timeProcess(bin, ["lint", s10], { runs: 5 });
  report("lint: synthetic schemas, 480 vs 4800 definitions", [
    [
      "in process 1x / 10x (ms)",
      `${t1.toFixed(2)} / ${t10.toFixed(2)}  (ratio ${(t10 / t1).toFixed(2)})`,
    ],
    [
      "whole process 1x / 10x (ms)",
      `${p1.wallMs.toFixed(1)} / ${p10.wallMs.toFixed(1)}  (ratio ${(p10.wallMs / p1.wallMs).toFixed(2)})`,
    ],
    ["whole process CPU 1x / 10x (ms)", `${p1.cpuMs.toFixed(0)} / ${p10.cpuMs.toFixed(0)}`],
    ["peak RSS 1x / 10x (MiB)", `${p1.peakRssMiB.toFixed(1)} / ${p10.peakRssMiB.toFixed(1)}`],
  ]);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
