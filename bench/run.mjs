// Runs every bench/*.bench.mjs in turn and prints their figures.
import { readdirSync } from "node:fs";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { root, hasShared } from "./lib.mjs";

if (!hasShared)
  console.log("note: ../shared is absent; benchmarks that need QEMU's schema are skipped");
const only = process.argv.slice(2);
for (const f of readdirSync(path.join(root, "bench"))
  .filter((f) => f.endsWith(".bench.mjs"))
  .sort()) {
  if (only.length && !only.some((o) => f.includes(o))) continue;
  const r = spawnSync(process.execPath, [path.join(root, "bench", f)], {
    stdio: "inherit",
    cwd: root,
  });
  if (r.status !== 0) console.log(`${f}: exited ${r.status}`);
}
