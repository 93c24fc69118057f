// Whole-process timings of this checkout against another revision, to tell whether a change made
// start-up or the front end slower: `node bench/compare.mjs REV [RUNS]` (default 30 runs).
// REV is built in a temporary git worktree (sharing this checkout's node_modules), then the two
// CLIs are run in turn, in a random order each round, so that the machine's drift over the run
// (other load, CPU frequency) falls on both alike; a figure is the median of its runs. Commands:
// --help (start-up), lint and dump of QEMU 10.2's schema (of the demo schema without ../shared),
// and generate from it into an up-to-date output directory (a build step with nothing to do).
// Not part of bench/run.mjs: it builds a revision and takes minutes.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { bin, hasShared, median, qemu, report, root } from "./lib.mjs";

const [rev, runsArg] = process.argv.slice(2);
if (!rev) {
  console.error("usage: node bench/compare.mjs REV [RUNS]");
  process.exit(2);
}
const runs = Number(runsArg ?? 30);

function run(cmd, args, cwd) {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: exited ${r.status}\n${r.stderr}`);
  return r.stdout;
}

const dir = mkdtempSync(path.join(os.tmpdir(), "qapi-ts-compare-"));
const other = path.join(dir, "tree");
try {
  run("git", ["worktree", "add", "--detach", other, rev], root);
  symlinkSync(path.join(root, "node_modules"), path.join(other, "node_modules"));
  run(process.execPath, ["build.mjs"], other);
  const schema = hasShared ? qemu.schema : path.join(root, "qapi/qapi-schema.json");
  const name = path.basename(path.dirname(path.dirname(schema)));
  const commands = [
    ["--help", () => ["--help"]],
    [`lint ${name}`, () => ["lint", schema]],
    [`dump ${name}`, () => ["dump", schema]],
    [`no-op generate ${name}`, (who) => ["generate", schema, "-o", path.join(dir, `out-${who}`)]],
  ];
  const bins = { [rev]: path.join(other, "bin/qapi-ts"), "this checkout": bin };
  const rows = [];
  for (const [label, argsOf] of commands) {
    const times = Object.fromEntries(Object.keys(bins).map((k) => [k, { wall: [], cpu: [] }]));
    for (let i = 0; i <= runs; i++) {
      const order = Object.keys(bins).sort(() => Math.random() - 0.5);
      for (const who of order) {
        const t0 = process.hrtime.bigint();
        const args = argsOf(Object.keys(bins).indexOf(who));
        const r = spawnSync("/usr/bin/time", ["-f", "%U %S", bins[who], ...args], {
          cwd: root,
          encoding: "utf8",
          maxBuffer: 1 << 30,
        });
        const wall = Number(process.hrtime.bigint() - t0) / 1e6;
        if (r.status !== 0) throw new Error(`${who} ${label}: exited ${r.status}`);
        if (i === 0) continue; // warm-up: file cache, and generate's first output
        const [user, sys] = r.stderr.trim().split("\n").pop().split(" ").map(Number);
        times[who].wall.push(wall);
        times[who].cpu.push((user + sys) * 1000);
      }
    }
    const [a, b] = Object.keys(bins).map((k) => times[k]);
    const change = (x, y) => `${(((median(y) - median(x)) / median(x)) * 100).toFixed(1)}%`;
    rows.push(
      [
        `${label}: median wall (ms), ${rev} → this`,
        `${median(a.wall).toFixed(1)} → ${median(b.wall).toFixed(1)} (${change(a.wall, b.wall)})`,
      ],
      [
        `${label}: median CPU (ms), ${rev} → this`,
        `${median(a.cpu).toFixed(0)} → ${median(b.cpu).toFixed(0)} (${change(a.cpu, b.cpu)})`,
      ],
    );
  }
  report(`this checkout against ${rev}, ${runs} interleaved runs each`, rows);
} finally {
  if (existsSync(other)) spawnSync("git", ["worktree", "remove", "--force", other], { cwd: root });
  rmSync(dir, { recursive: true, force: true });
}
