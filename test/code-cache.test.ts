// The CLI's V8 code cache (bin/qapi-ts): made on a command's first successful run in the user's
// cache directory, per command and V8 version, used by the next run, never made after a failed
// run or when turned off, and never a reason for a command to fail.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { bin, projectRoot } from "./helpers/paths.ts";

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(tmpdir(), "qapi-ts-code-cache-"));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const schema = path.join(projectRoot, "qapi/qapi-schema.json");

function run(args: string[], env: Record<string, string>) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: projectRoot,
    env: { ...process.env, QAPI_TS_CODE_CACHE: "", ...env },
    encoding: "utf8",
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const files = (dir: string): string[] => {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
};

describe("the code cache", () => {
  test("made on the first successful run, per command; the next run gives the same output", () => {
    const home = path.join(tmp, "xdg");
    const first = run(["dump", schema], { XDG_CACHE_HOME: home });
    expect(first.status).toBe(0);
    const made = files(path.join(home, "qapi-ts"));
    expect(made).toHaveLength(1);
    expect(made[0]).toMatch(/^code-[0-9a-f]{16}-.+-dump\.cache$/);
    const second = run(["dump", schema], { XDG_CACHE_HOME: home });
    expect(second).toEqual(first);
    expect(files(path.join(home, "qapi-ts"))).toEqual(made);
    // Another command has its own file; files of another build are removed, others kept.
    writeFileSync(path.join(home, "qapi-ts", "code-0123456789abcdef-x-dump.cache"), "stale");
    writeFileSync(path.join(home, "qapi-ts", "notes.txt"), "not ours to remove");
    expect(run(["lint", schema], { XDG_CACHE_HOME: home }).status).toBe(0);
    const after = files(path.join(home, "qapi-ts"));
    expect(after).toContain("notes.txt");
    expect(after).not.toContain("code-0123456789abcdef-x-dump.cache");
    expect(after.filter((f) => f.endsWith("-lint.cache"))).toHaveLength(1);
  }, 120_000);

  test("without XDG_CACHE_HOME, under ~/.cache; none after a failure or when turned off", () => {
    const home = path.join(tmp, "home");
    mkdirSync(home);
    const failed = run(["lint", path.join(tmp, "missing.json")], {
      HOME: home,
      XDG_CACHE_HOME: "",
    });
    expect(failed.status).not.toBe(0);
    expect(files(path.join(home, ".cache/qapi-ts"))).toEqual([]);
    const off = run(["dump", schema], { HOME: home, XDG_CACHE_HOME: "", QAPI_TS_CODE_CACHE: "0" });
    expect(off.status).toBe(0);
    expect(files(path.join(home, ".cache/qapi-ts"))).toEqual([]);
    expect(run(["dump", schema], { HOME: home, XDG_CACHE_HOME: "" }).status).toBe(0);
    expect(files(path.join(home, ".cache/qapi-ts"))).toHaveLength(1);
  }, 120_000);

  test("an unwritable or bogus cache directory changes nothing for the command", () => {
    const ro = path.join(tmp, "read-only");
    mkdirSync(ro);
    chmodSync(ro, 0o500);
    const plain = run(["dump", schema], { QAPI_TS_CODE_CACHE: "0" });
    try {
      expect(run(["dump", schema], { XDG_CACHE_HOME: ro })).toEqual(plain);
      // A file where the directory should be; a corrupt cache file.
      const blocked = path.join(tmp, "blocked");
      writeFileSync(blocked, "");
      expect(run(["dump", schema], { XDG_CACHE_HOME: blocked })).toEqual(plain);
      const corrupt = path.join(tmp, "corrupt");
      expect(run(["dump", schema], { XDG_CACHE_HOME: corrupt }).status).toBe(0);
      const [made] = files(path.join(corrupt, "qapi-ts"));
      writeFileSync(path.join(corrupt, "qapi-ts", made!), "not a code cache");
      expect(run(["dump", schema], { XDG_CACHE_HOME: corrupt })).toEqual(plain);
    } finally {
      chmodSync(ro, 0o700);
    }
  }, 120_000);
});
