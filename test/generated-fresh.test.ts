// generated/ is checked in: it must be exactly what `qapi-ts generate` makes today from the
// project's own qapi/. The comparison is with the files git has (the index: what is committed,
// or staged for the next commit), not with the working tree, which CI's first command has just
// regenerated.
import { afterAll, expect, test } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { projectRoot } from "./helpers/paths.ts";

const out = mkdtempSync(path.join(tmpdir(), "qapi-ts-fresh-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const git = (...args: string[]) =>
  spawnSync("git", args, { cwd: projectRoot, encoding: "utf8", maxBuffer: 1 << 26 });
const inGit = git("rev-parse", "--is-inside-work-tree").stdout.trim() === "true";
if (!inGit) console.log("generated-fresh: not a git checkout; the staleness check is skipped");

function readTree(dir: string, rel = ""): Map<string, string> {
  const files = new Map<string, string>();
  for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) for (const [k, v] of readTree(dir, r)) files.set(k, v);
    else files.set(r, readFileSync(path.join(dir, r), "utf8"));
  }
  return files;
}

test.skipIf(!inGit)("generated/ in git is what `qapi-ts generate` makes from qapi/ today", () => {
  const r = spawnSync(
    process.execPath,
    ["bin/qapi-ts", "generate", "qapi/qapi-schema.json", "-o", out],
    { cwd: projectRoot, encoding: "utf8" },
  );
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  const fresh = readTree(out);
  const tracked = git("ls-files", "--", "generated").stdout.split("\n").filter(Boolean);
  const committed = new Map(
    tracked.map((f) => [f.slice("generated/".length), git("show", `:${f}`).stdout] as const),
  );
  const stale = [...new Set([...fresh.keys(), ...committed.keys()])]
    .filter((f) => fresh.get(f) !== committed.get(f))
    .sort();
  expect(stale, "generated/ is stale: run ./bin/qapi-ts generate, then git add generated").toEqual(
    [],
  );
});
