// execute() with a file descriptor attached (SCM_RIGHTS, through @qapi-ts/fd-passing) against
// the same command without one, on one real QEMU: round-trip latency (sequential) and pipelined
// throughput (all in flight at once). The command is query-status in both, so the descriptor is
// the only difference (QEMU keeps it until the next one replaces it); `getfd`, which takes the
// descriptor, is measured too. Commands with descriptors go one at a time by design (QEMU keeps
// only the last descriptors it received), so their "pipelined" figure is a round trip's.
// Rounds alternate the order of the two; figures are medians; wall time depends on QEMU and on
// the machine's load, Node's CPU per command is the client's own cost.
import { spawnSync } from "node:child_process";
import { mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { importTs, median, pipelined, QEMU, roundTrips, startBenchQemu } from "./lib.mjs";

const LATENCY_N = 1000;
const PIPELINE_N = 2000;
const rounds = 5;

if (spawnSync(QEMU, ["--version"]).status !== 0) {
  console.log(`fd-passing: ${QEMU} is not runnable here; skipped`);
  process.exit(0);
}
const { QmpClient } = await importTs("runtime/qmp/index.ts");
const work = mkdtempSync(path.join(tmpdir(), "qapi-ts-fd-bench-"));
const socket = path.join(work, "qmp.sock");
const qemu = await startBenchQemu([socket]);
const latency = (send, n = LATENCY_N) => roundTrips(send, n);
const throughput = (send) => pipelined(send, PIPELINE_N);

try {
  const file = path.join(work, "img");
  writeFileSync(file, Buffer.alloc(4096));
  const fd = openSync(file, "r");
  const client = new QmpClient({ socket }, { commandTimeoutMs: 0 });
  await client.connect();
  const plain = () => client.execute("query-status");
  const withFd = () => client.execute("query-status", undefined, { fds: [fd] });
  const getfd = () => client.execute("getfd", { fdname: "bench" }, { fds: [fd] });
  const r = { plainLat: [], fdLat: [], getfdLat: [], plainTput: [], fdTput: [] };
  for (let i = 0; i < rounds; i++) {
    const order =
      i % 2
        ? [
            [withFd, "fd"],
            [plain, "plain"],
          ]
        : [
            [plain, "plain"],
            [withFd, "fd"],
          ];
    for (const [send, who] of order) r[`${who}Lat`].push(await latency(send));
    r.getfdLat.push(await latency(getfd));
    for (const [send, who] of order) r[`${who}Tput`].push(await throughput(send));
  }
  await client.close();
  const m = (xs, k) => median(xs.map((x) => x[k]));
  const version = spawnSync(QEMU, ["--version"], { encoding: "utf8" }).stdout.split("\n")[0];
  console.log(`\n## execute with a descriptor (SCM_RIGHTS) vs without, against ${version}`);
  console.log(`  Node ${process.version}; median of ${rounds} rounds`);
  console.log(
    `  round-trip latency (${LATENCY_N} sequential): query-status ${m(r.plainLat, "wall").toFixed(1)} µs, with a descriptor ${m(r.fdLat, "wall").toFixed(1)} µs, getfd ${m(r.getfdLat, "wall").toFixed(1)} µs; Node CPU per command ${m(r.plainLat, "cpu").toFixed(1)} / ${m(r.fdLat, "cpu").toFixed(1)} / ${m(r.getfdLat, "cpu").toFixed(1)} µs`,
  );
  console.log(
    `  pipelined throughput (${PIPELINE_N} in flight): query-status ${Math.round(m(r.plainTput, "wall"))} cmd/s, with a descriptor ${Math.round(m(r.fdTput, "wall"))} cmd/s (one at a time by design); Node CPU per command ${m(r.plainTput, "cpu").toFixed(1)} / ${m(r.fdTput, "cpu").toFixed(1)} µs`,
  );
} finally {
  qemu.kill("SIGKILL");
  rmSync(work, { recursive: true, force: true });
}
