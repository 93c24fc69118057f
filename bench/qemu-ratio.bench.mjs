// Cold whole-process runs of `lint`, `introspect` and `generate` (into a fresh output directory)
// on QEMU 10.2's schema, on Node 20 and Node 24, against QEMU's own Python front end and
// generator run in the same rounds: the ratio qapi-ts / QEMU of the medians.
//
//   QEMU_SCRIPTS=DIR node bench/qemu-ratio.bench.mjs [ROUNDS]     (default 7 rounds)
//
// DIR is QEMU's `scripts` folder (with qapi/ and qapi-gen.py), e.g. from Debian's source package,
// unpacked in a temporary directory, never into this repository:
//   apt-get source --download-only qemu      (needs a deb-src line; or the .orig.tar.xz from a
//   tar -xJf qemu_*.orig.tar.xz --wildcards '*/scripts/qapi/*' '*/scripts/qapi-gen.py'   mirror)
// A release's generator reads that release's schema (QEMU 10.0's rejects 10.2's doc comments):
// QEMU_SCHEMA=FILE runs both sides on FILE (e.g. DIR/../qapi/qapi-schema.json from the same
// tarball), qapi-ts with --compat (it applies the newest release's rules otherwise).
// Without QEMU_SCRIPTS (or without python3) QEMU's side is skipped, with a note. Node 24 is the binary named
// by NODE24, else `npx -y node@24`'s; skipped with a note when neither runs.
//
// Cold means inputs the tool has not seen: the schema folder is copied afresh for the run, and
// each generate writes into a new directory (a result cache, were there one, would not apply).
// The CLI's code cache (bin/qapi-ts, made on first use) is made by each command's warm-up run,
// in a fresh XDG_CACHE_HOME: what a user's second run of a command meets.
// QEMU's counterparts: lint = its front end (QAPISchema: parse, check); introspect = the front
// end and its introspection generator only; generate = qapi-gen.py (every back end). Rounds run
// every command once in a random order, so that the machine's load falls on all alike; a figure
// is the median of its runs.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { bin, hasShared, median, qemu, report, shared } from "./lib.mjs";

if (!hasShared) {
  console.log("qemu-ratio.bench: ../shared is absent; skipped");
  process.exit(0);
}
const rounds = Number(process.argv[2] ?? 7);
const work = mkdtempSync(path.join(tmpdir(), "qapi-ts-bench-ratio-"));
process.env.XDG_CACHE_HOME = path.join(work, "cache");
const schemaDir = path.join(work, "qapi");
const source = process.env.QEMU_SCHEMA ?? qemu.schema;
cpSync(path.dirname(source), schemaDir, { recursive: true });
const schema = path.join(schemaDir, path.basename(source));
const compat = process.env.QEMU_SCHEMA ? ["--compat"] : [];
const defines = path.join(work, "linux-x86_64.defines");
cpSync(path.join(shared, "qemu-10.2/expected/linux-x86_64.defines"), defines);

const notes = [];
const nodes = [["Node 20", process.execPath]];
const node24 = process.env.NODE24 ?? resolveNode24();
if (node24) nodes.push(["Node 24", node24]);
else notes.push("Node 24: not found (set NODE24 or allow `npx -y node@24`); skipped");

function resolveNode24() {
  const r = spawnSync("npx", ["-y", "node@24", "-p", "process.execPath"], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : null;
}

const scripts = process.env.QEMU_SCRIPTS;
const python = spawnSync("python3", ["--version"]).status === 0;
const haveQemu =
  scripts !== undefined && python && existsSync(path.join(scripts, "qapi/schema.py"));
if (!haveQemu)
  notes.push(
    scripts === undefined
      ? "QEMU's generator: QEMU_SCRIPTS is not set; its side skipped (see the header)"
      : `QEMU's generator: no python3 or no ${scripts}/qapi/schema.py; its side skipped`,
  );

let outputs = 0;
const made = [];
/** A new output path (a directory, or introspect's file), removed after its round. */
function freshDir() {
  const d = path.join(work, `out-${outputs++}`);
  made.push(d);
  return d;
}

/** [label, command, args for a fresh run] for every contender of one task. */
function contenders(task) {
  const list = [];
  for (const [label, node] of nodes) {
    const args = {
      lint: () => [bin, "lint", ...compat, schema],
      introspect: () => [
        bin,
        "introspect",
        ...compat,
        schema,
        "--defines",
        defines,
        "-o",
        freshDir(),
      ],
      generate: () => [bin, "generate", ...compat, schema, "-o", freshDir(), "-q"],
    }[task];
    list.push([`qapi-ts ${label}`, node, args]);
  }
  if (haveQemu) {
    const py = {
      lint: () => [
        "-c",
        "import sys; sys.path.insert(0, sys.argv[1]); from qapi.schema import QAPISchema; QAPISchema(sys.argv[2])",
        scripts,
        schema,
      ],
      introspect: () => [
        "-c",
        "import sys; sys.path.insert(0, sys.argv[1]); from qapi.schema import QAPISchema; from qapi.introspect import gen_introspect; gen_introspect(QAPISchema(sys.argv[2]), sys.argv[3], 'qapi-', False)",
        scripts,
        schema,
        freshDir(),
      ],
      generate: () => [path.join(scripts, "qapi-gen.py"), "-o", freshDir(), schema],
    }[task];
    list.push(["QEMU (python3)", "python3", py]);
  }
  return list;
}

/** Wall ms and peak RSS (MiB) of one run. */
function once(cmd, args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync("/usr/bin/time", ["-f", "%M", cmd, ...args], {
    cwd: work,
    encoding: "utf8",
    maxBuffer: 1 << 30,
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}: ${r.stderr.slice(-800)}`);
  return { ms, rssMiB: Number(r.stderr.trim().split("\n").pop()) / 1024 };
}

const tasks = ["lint", "introspect", "generate"];
const runs = [];
for (const task of tasks)
  for (const [label, cmd, args] of contenders(task)) {
    once(cmd, args()); // warm-up: file cache, and the CLI's code cache for this command
    runs.push({ task, label, cmd, args, ms: [], rss: [] });
  }
for (let r = 0; r < rounds; r++) {
  const order = runs.map((x) => [Math.random(), x]).sort((a, b) => a[0] - b[0]);
  for (const [, x] of order) {
    const t = once(x.cmd, x.args());
    x.ms.push(t.ms);
    x.rss.push(t.rssMiB);
  }
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

const rows = [];
for (const task of tasks) {
  const ofTask = runs.filter((x) => x.task === task);
  const theirs = ofTask.find((x) => x.label.startsWith("QEMU"));
  for (const x of ofTask) {
    const ratio =
      theirs && x !== theirs ? `, ${(median(x.ms) / median(theirs.ms)).toFixed(2)}x QEMU` : "";
    rows.push([
      `${task}: ${x.label}: median wall ms, peak RSS MiB`,
      `${median(x.ms).toFixed(0)}, ${median(x.rss).toFixed(0)}${ratio}`,
    ]);
  }
}
rmSync(work, { recursive: true, force: true });
report(
  `Cold runs on ${source.startsWith(shared) ? path.relative(shared, source) : source}, ${rounds} interleaved rounds (medians; the machine may be loaded by other work)`,
  rows,
);
for (const n of notes) console.log(`note: ${n}`);
