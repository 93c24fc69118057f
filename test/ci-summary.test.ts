// CI's closing line ("N passed, N failed", .ci/reporter.mjs and .ci/summary.mjs) counts what
// fails a run without failing a test: a test file that throws at import, a beforeAll that fails
// (its tests count as skipped), an unhandled error; and, in CI, a skipped test. Checked on a
// scratch suite holding one of each, run by the project's own vitest.
import { describe, expect, test } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { projectRoot } from "./helpers/paths.ts";
import { scratchFolders } from "./helpers/scratch.ts";

const dir = scratchFolders()("ci-summary");
const files: Record<string, string> = {
  "passes.test.ts": `import { test, expect } from "vitest";\ntest("ok", () => expect(1).toBe(1));\n`,
  "fails.test.ts": `import { test, expect } from "vitest";\ntest("no", () => expect(1).toBe(2));\n`,
  "throws-at-import.test.ts": `import { test } from "vitest";\nthrow new Error("boom at import");\ntest("never", () => {});\n`,
  "hook-fails.test.ts": `import { beforeAll, describe, test } from "vitest";\ndescribe("d", () => {\n  beforeAll(() => { throw new Error("hook fails"); });\n  test("x", () => {});\n});\n`,
  "unhandled.test.ts": `import { test } from "vitest";\ntest("leaves a timer", () => { setTimeout(() => { throw new Error("late"); }, 1); });\ntest("waits", () => new Promise((r) => setTimeout(r, 100)));\n`,
  "skips.test.ts": `import { test } from "vitest";\ntest.skipIf(true)("needs what is absent", () => {});\n`,
};
mkdirSync(path.join(dir, "test"));
for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, "test", name), text);
writeFileSync(path.join(dir, "package.json"), '{ "type": "module" }\n');

function outcome(): string {
  const file = path.join(dir, "outcome.json");
  spawnSync(
    process.execPath,
    [
      path.join(projectRoot, "node_modules/vitest/vitest.mjs"),
      "run",
      "--root",
      dir,
      "--reporter",
      path.join(projectRoot, ".ci/reporter.mjs"),
    ],
    { cwd: dir, env: { ...process.env, QAPI_TS_OUTCOME: file, QAPI_TS_CI: "" }, encoding: "utf8" },
  );
  return file;
}

function summary(files: string[], ci: boolean) {
  const r = spawnSync(process.execPath, [path.join(projectRoot, ".ci/summary.mjs"), ...files], {
    env: { ...process.env, QAPI_TS_CI: ci ? "1" : "" },
    encoding: "utf8",
  });
  return { status: r.status, lines: r.stdout.trimEnd().split("\n") };
}

describe("CI's closing line", () => {
  const file = outcome();

  test("counts failed tests, errors outside tests and unhandled errors", () => {
    const r = summary([file], false);
    expect(r.status).toBe(1);
    expect(r.lines.at(-1)).toBe("3 passed, 4 failed");
    expect(r.lines).toContain(
      "  error outside a test: test/throws-at-import.test.ts: boom at import",
    );
    expect(r.lines).toContain("  error outside a test: test/hook-fails.test.ts > d: hook fails");
    expect(r.lines).toContain("  unhandled error: late");
    expect(r.lines).toContain("  failed: test/fails.test.ts > no");
  });

  test("in CI, a skipped test is a failure too; a missing outcome is one", () => {
    const r = summary([file, path.join(dir, "absent.json")], true);
    expect(r.status).toBe(1);
    // (the hook's test and the skipIf: two skipped; one missing outcome)
    expect(r.lines.at(-1)).toBe("3 passed, 7 failed");
    expect(r.lines).toContain("  skipped: test/skips.test.ts > needs what is absent");
  });
});
