// generated/ is checked in: it must be exactly what `qapi-ts generate` writes today for the
// project's own qapi/ (the command CI runs), or the tree is stale.
import { afterAll, expect, test } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const out = mkdtempSync(path.join(tmpdir(), "qapi-ts-fresh-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function readTree(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else files[path.relative(dir, p)] = readFileSync(p, "utf8");
    }
  };
  walk(dir);
  return files;
}

test("generated/ matches a fresh `qapi-ts generate qapi/qapi-schema.json -o generated`", () => {
  // Same schema path as CI, so that the headers naming it match; only the output dir differs.
  const r = spawnSync(
    process.execPath,
    ["bin/qapi-ts", "generate", "qapi/qapi-schema.json", "-o", out],
    {
      cwd: projectRoot,
      encoding: "utf8",
    },
  );
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  const fresh = readTree(out);
  const checkedIn = readTree(path.join(projectRoot, "generated"));
  const stale = Object.keys({ ...fresh, ...checkedIn }).filter((f) => fresh[f] !== checkedIn[f]);
  expect(
    stale,
    "generated/ is stale: run ./bin/qapi-ts generate qapi/qapi-schema.json -o generated",
  ).toEqual([]);
});
