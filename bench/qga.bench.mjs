// The guest agent's client (QgaClient) against a real qemu-ga run on the host, next to the QMP
// client against a real QEMU: round-trip latency (sequential) and pipelined throughput (all in
// flight at once) of guest-ping and query-status, and what connect() costs (the socket plus the
// guest-sync-delimited exchange). Rounds alternate the order of the two; figures are medians;
// wall time depends on the servers and on the machine's load, Node's CPU per command is the
// client's own cost.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { importTs, median, pipelined, QEMU, roundTrips, startBenchQemu } from "./lib.mjs";

const LATENCY_N = 1000;
const PIPELINE_N = 2000;
const CONNECT_N = 50;
const rounds = 5;
const QGA = existsSync("/usr/sbin/qemu-ga") ? "/usr/sbin/qemu-ga" : "qemu-ga";

if (spawnSync(QGA, ["--version"]).status !== 0 || spawnSync(QEMU, ["--version"]).status !== 0) {
  console.log(`qga: ${QGA} or ${QEMU} is not runnable here; skipped`);
  process.exit(0);
}
const { QgaClient } = await importTs("runtime/qga/index.ts");
const { QmpClient } = await importTs("runtime/qmp/index.ts");
const work = mkdtempSync(path.join(tmpdir(), "qapi-ts-qga-bench-"));
const agentSocket = path.join(work, "qga.sock");
const qmpSocket = path.join(work, "qmp.sock");
// Only the commands measured are enabled (-b blocks the rest: the agent runs on the host).
const allowed = new Set(["guest-ping", "guest-sync-delimited", "guest-info"]);
const all = spawnSync(QGA, ["-b", "help"], { encoding: "utf8" }).stdout.split(/\s+/);
const blocked = all.filter((c) => c.startsWith("guest-") && !allowed.has(c));
const agent = spawn(
  QGA,
  ["-m", "unix-listen", "-p", agentSocket, "-t", work, "-f", path.join(work, "qga.pid")].concat([
    "-b",
    blocked.join(","),
  ]),
  { stdio: "ignore" },
);
const qemu = await startBenchQemu([qmpSocket]);
for (let i = 0; i < 200 && !existsSync(agentSocket); i++)
  await new Promise((r) => setTimeout(r, 25));

try {
  const qga = new QgaClient({ socket: agentSocket }, { commandTimeoutMs: 0 });
  await qga.connect();
  const qmp = new QmpClient({ socket: qmpSocket }, { commandTimeoutMs: 0 });
  await qmp.connect();
  const ping = () => qga.execute("guest-ping");
  const status = () => qmp.execute("query-status");
  const r = { qgaLat: [], qmpLat: [], qgaTput: [], qmpTput: [], connect: [] };
  for (let i = 0; i < rounds; i++) {
    const order = [
      [ping, "qga"],
      [status, "qmp"],
    ];
    if (i % 2) order.reverse();
    for (const [send, who] of order) r[`${who}Lat`].push(await roundTrips(send, LATENCY_N));
    for (const [send, who] of order) r[`${who}Tput`].push(await pipelined(send, PIPELINE_N));
  }
  await qga.close();
  // (qemu-ga serves one client at a time: measured with the other one closed.)
  for (let i = 0; i < rounds; i++) {
    const t0 = process.hrtime.bigint();
    for (let j = 0; j < CONNECT_N; j++) {
      const c = new QgaClient({ socket: agentSocket });
      await c.connect();
      await c.close();
    }
    r.connect.push(Number(process.hrtime.bigint() - t0) / 1e6 / CONNECT_N);
  }
  await qmp.close();
  const m = (xs, k) => median(xs.map((x) => x[k]));
  const version = spawnSync(QGA, ["--version"], { encoding: "utf8" }).stdout.trim().split("\n")[0];
  console.log(`\n## guest agent client (${version}) vs QMP client (${QEMU})`);
  console.log(`  Node ${process.version}; median of ${rounds} rounds`);
  console.log(
    `  round-trip latency (${LATENCY_N} sequential): guest-ping ${m(r.qgaLat, "wall").toFixed(1)} µs, query-status ${m(r.qmpLat, "wall").toFixed(1)} µs; Node CPU per command ${m(r.qgaLat, "cpu").toFixed(1)} / ${m(r.qmpLat, "cpu").toFixed(1)} µs`,
  );
  console.log(
    `  pipelined throughput (${PIPELINE_N} in flight): guest-ping ${Math.round(m(r.qgaTput, "wall"))} cmd/s, query-status ${Math.round(m(r.qmpTput, "wall"))} cmd/s; Node CPU per command ${m(r.qgaTput, "cpu").toFixed(1)} / ${m(r.qmpTput, "cpu").toFixed(1)} µs`,
  );
  console.log(
    `  connect() to the agent (socket + guest-sync-delimited) and close(): ${median(r.connect).toFixed(2)} ms`,
  );
} finally {
  agent.kill("SIGKILL");
  qemu.kill("SIGKILL");
  rmSync(work, { recursive: true, force: true });
}
