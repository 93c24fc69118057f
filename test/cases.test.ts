// The project's own front-end cases (test/cases/), run as QEMU's are (conformance.test.ts): for
// each NAME.json, `qapi-ts dump` gives NAME.out and NAME.err (the first error, as QEMU's
// generator stops there), and `qapi-ts lint` gives NAME.lint (every independent error, then
// lint's rules). In process for each case, and through the CLI for all cases at once.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { loadSchema } from "../generator/frontend/index.ts";
import { dumpModel } from "../generator/services/dump.ts";
import { compareLocations } from "../generator/frontend/diagnostics.ts";
import { runLint } from "../generator/services/lint.ts";
import { formatQemu, type Diagnostic } from "../generator/model/source.ts";
import { runCli } from "./helpers/cli.ts";
import { projectRoot } from "./helpers/paths.ts";

const casesDir = path.join(projectRoot, "test/cases");
/** Cases are the files with expected output (the others are included by them). */
const cases = readdirSync(casesDir)
  .filter((f) => f.endsWith(".lint"))
  .map((f) => f.slice(0, -".lint".length))
  .sort();
const expected = (name: string, ext: string): string =>
  readFileSync(path.join(casesDir, `${name}.${ext}`), "utf8");
const text = (ds: Diagnostic[]): string => ds.map((d) => formatQemu(d) + "\n").join("");

describe("front-end cases (in process)", () => {
  const cwd = process.cwd();
  beforeAll(() => process.chdir(casesDir)); // the expected texts name files relative to it
  afterAll(() => process.chdir(cwd));

  test.each(cases)("%s: dump", (name) => {
    const r = loadSchema(`${name}.json`, { compat: false });
    expect(text(r.diagnostics)).toBe(expected(name, "err"));
    expect(r.model ? dumpModel(r.model) : "").toBe(expected(name, "out"));
  });

  test.each(cases)("%s: lint", (name) => {
    const r = loadSchema(`${name}.json`, { compat: false, diagnostics: "all" });
    const all = r.model
      ? [...r.diagnostics, ...runLint(r.model)].sort(compareLocations)
      : r.diagnostics;
    expect(text(all)).toBe(expected(name, "lint"));
  });
});

test("front-end cases through the CLI: lint of them all, dump of each", () => {
  const lint = runCli(["lint", ...cases.map((c) => `${c}.json`)], { cwd: casesDir });
  expect(lint.stdout).toBe("");
  expect(lint.stderr).toBe(cases.map((c) => expected(c, "lint")).join(""));
  expect(lint.status).toBe(1);
  for (const name of cases) {
    const dump = runCli(["dump", `${name}.json`], { cwd: casesDir });
    expect([dump.stderr, dump.stdout]).toEqual([expected(name, "err"), expected(name, "out")]);
    expect(dump.status).toBe(expected(name, "err") ? 1 : 0);
  }
});
