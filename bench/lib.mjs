// Shared benchmark helpers: loading TypeScript modules in-process (bundled once with esbuild,
// as the CLI is), timing whole processes (median wall time, peak RSS), printing figures.
import { build } from "esbuild";
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, existsSync } from "node:fs";
import { createConnection } from "node:net";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const shared = path.resolve(root, "../shared");
export const hasShared = existsSync(shared);
export const bin = path.join(root, "bin/qapi-ts");
/** QEMU 10.2's whole schema, and the configuration symbols of its linux-x86_64 build. */
export const qemu = {
  schema: path.join(shared, "qemu-10.2/qapi/qapi-schema.json"),
  definesFile: path.join(shared, "qemu-10.2/expected/linux-x86_64.defines"),
};

/** Ends a benchmark that measures QEMU's material, saying so, when ../shared is absent. */
export function requireShared(name) {
  if (hasShared) return;
  console.log(`${name}: ../shared is absent; skipped`);
  process.exit(0);
}

/**
 * The figures of a timeProcess result as report rows: median wall, fastest run, median CPU
 * (user + system) and peak RSS, each label starting with `what`.
 */
function processRows(what, t) {
  const prefix = what ? `${what}: ` : "";
  return [
    [`${prefix}median wall time (ms)`, t.wallMs.toFixed(1)],
    [`${prefix}fastest run (ms)`, t.minMs.toFixed(1)],
    [`${prefix}median CPU, user+sys (ms)`, t.cpuMs.toFixed(0)],
    [`${prefix}peak RSS (MiB)`, t.peakRssMiB.toFixed(1)],
  ];
}

/**
 * Prints whole-process figures: the rows of each [label, timeProcess result], then `extra` rows,
 * then what any Node process costs on this machine (`node -e 0`), to compare with.
 */
export function reportProcesses(title, runs, extra = []) {
  const node = timeProcess(process.execPath, ["-e", "0"]);
  report(title, [
    ...runs.flatMap(([what, t]) => processRows(what, t)),
    ...extra,
    ["node -e 0 on this machine: median wall (ms)", node.wallMs.toFixed(1)],
  ]);
}

const externalDependencies = {
  name: "external-dependencies",
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path === "qapi-ts" || args.path.startsWith("qapi-ts/")
        ? undefined
        : { path: args.path, external: true },
    );
  },
};

/** Bundles a TypeScript entry point and imports it (what a user's bundled program would load). */
export async function importTs(entry) {
  const outdir = path.join(root, "node_modules/.cache/qapi-ts-bench");
  mkdirSync(outdir, { recursive: true });
  const outfile = path.join(outdir, entry.replace(/[\\/]/g, "_").replace(/\.ts$/, ".mjs"));
  await build({
    entryPoints: [path.join(root, entry)],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // Dependencies stay external (loaded from node_modules); the package's own name, which
    // generated code imports its run-time support by, resolves to these sources.
    plugins: [externalDependencies],
    conditions: ["qapi-ts-source"],
    loader: { ".hbs": "text" },
    logLevel: "warning",
  });
  return import(pathToFileURL(outfile).href);
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Runs a command `runs` times (after one warm-up) and returns, as medians measured by GNU time
 * around the process: wall ms, CPU ms (user + system, all threads: the figure that matters on a
 * loaded machine) and peak RSS MiB.
 */
export function timeProcess(cmd, args, { runs = 9, cwd = root } = {}) {
  const walls = [];
  const cpus = [];
  const rss = [];
  for (let i = 0; i <= runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync("/usr/bin/time", ["-f", "%U %S %M", cmd, ...args], {
      cwd,
      encoding: "utf8",
      maxBuffer: 1 << 30,
    });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0)
      throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}: ${r.stderr.slice(-500)}`);
    if (i === 0) continue; // warm-up: file cache
    const [user, sys, maxKiB] = r.stderr.trim().split("\n").pop().split(" ").map(Number);
    walls.push(ms);
    cpus.push((user + sys) * 1000);
    rss.push(maxKiB / 1024);
  }
  return {
    wallMs: median(walls),
    minMs: Math.min(...walls),
    cpuMs: median(cpus),
    peakRssMiB: median(rss),
    runs,
  };
}

/** Median ms of an in-process function over `runs` calls after `warmup` calls. */
export function timeInProcess(fn, { runs = 15, warmup = 3 } = {}) {
  for (let i = 0; i < warmup; i++) fn();
  const xs = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    xs.push(performance.now() - t0);
  }
  return median(xs);
}

export function report(title, rows) {
  console.log(`\n## ${title}`);
  for (const [k, v] of rows) console.log(`  ${k.padEnd(44)} ${v}`);
}

// ---------------------------------------------------------------------------------------------
// QMP benchmarks against a real QEMU

export const QEMU = "qemu-system-x86_64";

/** One machine-less QEMU with a QMP monitor on each socket path; resolves once it greets. */
export async function startBenchQemu(sockets) {
  const monitors = sockets.flatMap((s) => ["-qmp", `unix:${s},server=on,wait=off`]);
  const proc = spawn(QEMU, ["-machine", "none", "-display", "none", "-nodefaults", ...monitors], {
    stdio: "ignore",
  });
  // Wait for a greeting on a throwaway connection: QEMU is then ready for the real ones.
  for (;;) {
    if (sockets.every((s) => existsSync(s)) && (await greets(sockets[0]))) return proc;
    await new Promise((r) => setTimeout(r, 20));
  }
}
function greets(socket) {
  return new Promise((resolve) => {
    const c = createConnection(socket);
    c.setEncoding("utf8");
    c.once("data", (s) => (c.destroy(), resolve(s.startsWith('{"QMP"'))));
    c.once("error", () => resolve(false));
  });
}

/** This process's CPU time so far, in µs (the client's own cost, whatever QEMU does). */
export function cpuMicros() {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/** µs per round trip, wall and this process's CPU, over `n` sequential calls of `send`. */
export async function roundTrips(send, n) {
  for (let i = 0; i < Math.min(200, n); i++) await send(); // warm-up
  const c0 = cpuMicros();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await send();
  return { wall: Number(process.hrtime.bigint() - t0) / 1000 / n, cpu: (cpuMicros() - c0) / n };
}

/** Commands per second (wall) and CPU µs per command, with `n` calls of `send` in flight. */
export async function pipelined(send, n) {
  await Promise.all(Array.from({ length: Math.min(500, n) }, send)); // warm-up
  const c0 = cpuMicros();
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: n }, send));
  return {
    wall: n / (Number(process.hrtime.bigint() - t0) / 1e9),
    cpu: (cpuMicros() - c0) / n,
  };
}
