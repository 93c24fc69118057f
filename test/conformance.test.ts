// QEMU's front-end regression suite, run as a user would: `qapi-ts dump NAME.json` inside
// ../shared/qemu-10.2/tests/qapi-schema, stdout and stderr compared byte for byte with NAME.out
// and NAME.err, exit status 1 exactly when an error is expected. Also run in-process (through
// loadSchema + dumpModel) so that the pipeline itself is covered without the CLI.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { loadSchema } from "../generator/frontend/index.ts";
import { dumpModel } from "../generator/services/dump.ts";
import { formatQemu } from "../generator/model/source.ts";
import { bin, qemuCases, qemuCasesDir } from "./helpers/paths.ts";

const casesDir = qemuCasesDir;
const exists = qemuCases.length > 0;
if (!exists) console.log(`conformance: skipped, ${casesDir} is absent`);
const cases = qemuCases;

interface Run {
  stdout: string;
  stderr: string;
  code: number | null;
}

function runCli(name: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, "dump", `${name}.json`], { cwd: casesDir });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s));
    child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
    child.on("error", reject);
    child.on("close", (code) => resolve({ stdout, stderr, code }));
  });
}

const expected = (name: string, ext: string): string =>
  readFileSync(path.join(casesDir, `${name}.${ext}`), "utf8");

describe.skipIf(!exists)("QEMU 10.2 qapi-schema conformance (CLI)", () => {
  const runs = new Map<string, Run>();
  let passed = 0;
  // 161 processes: a few at a time, all before the comparisons.
  beforeAll(async () => {
    const queue = [...cases];
    const worker = async (): Promise<void> => {
      for (let name = queue.shift(); name !== undefined; name = queue.shift())
        runs.set(name, await runCli(name));
    };
    await Promise.all(Array.from({ length: 4 }, worker));
  }, 600_000);
  afterAll(() => console.log(`conformance: ${passed}/${cases.length} passed`));

  test.each(cases)("%s", (name) => {
    const r = runs.get(name)!;
    const err = expected(name, "err");
    expect(r.stderr).toBe(err);
    expect(r.stdout).toBe(expected(name, "out"));
    expect(r.code).toBe(err ? 1 : 0);
    passed++;
  });
});

describe.skipIf(!exists)("QEMU 10.2 qapi-schema conformance (in-process)", () => {
  let passed = 0;
  afterAll(() => console.log(`conformance in-process: ${passed}/${cases.length} passed`));

  test.each(cases)("%s", (name) => {
    const cwd = process.cwd();
    process.chdir(casesDir); // the expected texts name files relative to the cases folder
    try {
      const r = loadSchema(`${name}.json`, { compat: false });
      const stderr = r.diagnostics.map((d) => formatQemu(d) + "\n").join("");
      expect(stderr).toBe(expected(name, "err"));
      expect(r.model ? dumpModel(r.model) : "").toBe(expected(name, "out"));
    } finally {
      process.chdir(cwd);
    }
    passed++;
  });
});
