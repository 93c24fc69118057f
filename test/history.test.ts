// `qapi-ts history` on three hand-written releases (test/fixtures/diff/history-*.json), and
// `lint --history`: the Since claims of since.json checked against that history.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { History } from "../generator/compat/history.ts";
import { canonicalPath } from "../generator/compat/history.ts";
import { bin, projectRoot } from "./helpers/paths.ts";

const fixtures = path.join(projectRoot, "test/fixtures/diff");
const releases = [1, 2, 3].map((n) => `${n}.0=${path.join(fixtures, `history-${n}.json`)}`);

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(bin, args, { encoding: "utf8", cwd: projectRoot });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("qapi-ts history", () => {
  it("gives, per path, the release it appears in, disappears in, and its special features", () => {
    const r = run(["history", ...releases, "--format", "json"]);
    expect(r.status).toBe(0);
    const h = JSON.parse(r.stdout) as History;
    expect(h.releases).toEqual(["1.0", "2.0", "3.0"]);
    const entry = (
      added: string,
      removed: string | null,
      more: Partial<History["paths"][string]> = {},
    ) => ({
      added,
      removed,
      absentIn: [],
      deprecated: [],
      unstable: [],
      ...more,
    });
    expect(h.paths).toEqual({
      a: entry("1.0", null),
      "a/arg-type/x": entry("1.0", null),
      "a/arg-type/y": entry("2.0", "3.0", { deprecated: ["2.0"] }),
      "a/arg-type/y$deprecated": entry("2.0", "3.0"),
      b: entry("2.0", "3.0", { unstable: ["2.0"] }),
      "b/$unstable": entry("2.0", "3.0"),
      c: entry("1.0", null, { absentIn: ["2.0"] }),
      d: entry("1.0", null),
      "d/arg-type/settings": entry("1.0", null),
      "d/arg-type/settings/mode": entry("1.0", null),
      "d/arg-type/settings/mode/^off": entry("2.0", null),
      "d/arg-type/settings/mode/^on": entry("1.0", null),
    });
  });

  it("answers for one path, written as a query", () => {
    let r = run(["history", ...releases, "--path", "a/arg-type/*y"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("a/arg-type/y  since 2.0; removed in 3.0; deprecated in 2.0\n");
    r = run(["history", ...releases, "--path", "a/arg-type/nope"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("a/arg-type/nope: in none of the releases");
    expect(canonicalPath("blockdev-add/arg-type/+file/*x$unstable")).toBe(
      "blockdev-add/arg-type/+file/x$unstable",
    );
  });

  it("rejects malformed release arguments and bad inputs with exit 2", () => {
    expect(run(["history", "just-a-file.json"]).status).toBe(2);
    expect(
      run(["history", ...releases, `1.0=${path.join(fixtures, "history-1.json")}`]).status,
    ).toBe(2);
    expect(run(["history", `1.0=${path.join(fixtures, "absent.json")}`]).status).toBe(2);
    expect(run(["history", ...releases, "--path", ""]).status).toBe(2);
  });
});

describe("lint --history", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "qapi-ts-history-"));
  const historyFile = path.join(dir, "history.json");
  const since = path.join(fixtures, "since.json");

  it("warns on Since claims that contradict the history", () => {
    expect(run(["history", ...releases, "--format", "json", "-o", historyFile]).status).toBe(0);
    const r = run(["lint", since, "--history", historyFile, "--format", "json"]);
    expect(r.status).toBe(0);
    const found = (
      JSON.parse(r.stdout) as { severity: string; line: number; message: string }[]
    ).map((d) => [d.severity, d.line, d.message]);
    expect(found).toEqual([
      [
        "warning",
        9,
        "member 'y' of 'a' is documented as since 3.0, but release 2.0 has it (a/arg-type/y)",
      ],
      [
        "warning",
        18,
        "command 'b' is documented as since 1.0, but release 1.0 lacks it (first in 2.0: b)",
      ],
      [
        "warning",
        32,
        "value 'on' of 'Mode' is documented as since 2.0, but release 1.0 has it (d/arg-type/settings/mode/^on)",
      ],
      ["warning", 54, "command 'd' is documented as since 4.0, but release 1.0 has it (d)"],
    ]);
    // Each is placed at the claim as written: `Since:`, or the member's `(since X.Y)`.
    const lines = readFileSync(since, "utf8").split("\n");
    type Placed = { line: number; column: number; endLine: number; endColumn: number };
    const claims = (JSON.parse(r.stdout) as Placed[]).map((d) => {
      expect(d.endLine).toBe(d.line);
      return lines[d.line - 1]!.slice(d.column - 1, d.endColumn - 1);
    });
    expect(claims).toEqual(["(since 3.0)", "Since:", "(since 2.0)", "Since:"]);
    // --strict makes warnings fail, as for every lint warning.
    expect(run(["lint", since, "--history", historyFile, "--strict"]).status).toBe(1);
    // Without --history, none of this.
    expect(run(["lint", since]).stderr).toBe("");
  });

  it("needs release names with versions", () => {
    const h = JSON.parse(readFileSync(historyFile, "utf8")) as History;
    const renamed = JSON.parse(JSON.stringify(h).replace(/"1\.0"/g, '"first"')) as History;
    const file = path.join(dir, "renamed.json");
    writeFileSync(file, JSON.stringify(renamed));
    const r = run(["lint", since, "--history", file]);
    expect(r.stderr).toBe("history release 'first' names no version: Since claims not checked\n");
  });

  it("rejects a file that is not a history with exit 2", () => {
    const file = path.join(dir, "not-history.json");
    writeFileSync(file, '{"releases": ["1.0"], "paths": {"a": {"added": "9.9"}}}');
    const r = run(["lint", since, "--history", file]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("not a history");
    expect(run(["lint", since, "--history", path.join(dir, "absent.json")]).status).toBe(2);
    rmSync(dir, { recursive: true, force: true });
  });
});
