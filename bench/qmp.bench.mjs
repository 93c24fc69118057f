// QMP client overhead: round-trip latency and pipelined throughput of `query-status` against a
// real QEMU, for the qapi-ts client and for a raw socket client that writes the same JSON lines
// and parses the replies (no correlation, no timers, no events). Both negotiate the same
// capabilities, each on its own monitor of the same QEMU; rounds alternate which goes first.
//
// Then the client's memory for one 100 MB reply, from a scripted server (no QEMU sends that
// much): a child process connects, and reports its peak RSS and heap growth over what it used
// once connected. Two shapes: one long string (the floor: bytes, then one string) and an array
// of small objects like query-qmp-schema's entries (what parsing adds).
//
//   node bench/qmp.bench.mjs [--rounds N]
//
// Needs qemu-system-x86_64 (.ci/ensure-qemu.sh). Prints the figures; asserts nothing.

import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { importTs, median, pipelined, QEMU, root, roundTrips, startBenchQemu } from "./lib.mjs";

const rounds = Number(process.argv[process.argv.indexOf("--rounds") + 1]) || 5;
const LATENCY_N = 2000;
const PIPELINE_N = 20000;

if (spawnSync(QEMU, ["--version"]).status !== 0) {
  console.error(`qmp bench: ${QEMU} is not available (run .ci/ensure-qemu.sh)`);
  process.exit(2);
}

// The client is TypeScript: bundled once, as an application's build would.
const { QmpClient } = await importTs("runtime/qmp/index.ts");
const work = mkdtempSync(path.join(tmpdir(), "qapi-ts-qmp-bench-"));

/** One QEMU, one monitor per client. */
async function startQemu(names) {
  const sockets = names.map((n) => path.join(work, `${n}.sock`));
  return { proc: await startBenchQemu(sockets), sockets };
}

/** The raw client: newline framing, JSON.parse, replies taken in order. */
async function rawClient(socket) {
  const sock = createConnection(socket);
  sock.setNoDelay(true);
  let buf = "";
  const waiters = [];
  sock.setEncoding("utf8");
  sock.on("data", (s) => {
    buf += s;
    let nl;
    while ((nl = buf.indexOf("\n")) !== -1) {
      const msg = JSON.parse(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
      if (msg.QMP || msg.event) {
        if (msg.QMP) waiters.shift()?.(msg);
        continue;
      }
      waiters.shift()(msg);
    }
  });
  const next = () => new Promise((r) => waiters.push(r));
  await next(); // greeting
  let id = 0;
  const send = (command) => {
    sock.write(JSON.stringify({ execute: command, id: id++ }) + "\n");
    return next();
  };
  sock.write(
    JSON.stringify({ execute: "qmp_capabilities", arguments: { enable: ["oob"] }, id: id++ }) +
      "\n",
  );
  await next();
  return { send, close: () => sock.destroy() };
}

// Wall time depends on QEMU and on the machine's load; this process's CPU time per command is
// the client's own cost, so both are reported.
const latency = (send) => roundTrips(send, LATENCY_N); // µs per round trip
const throughput = (send) => pipelined(send, PIPELINE_N); // commands per second

const qemu = await startQemu(["raw", "client"]);
try {
  const [rawSocket, clientSocket] = qemu.sockets;
  const raw = await rawClient(rawSocket);
  const client = new QmpClient({ socket: clientSocket }, { commandTimeoutMs: 0 });
  await client.connect();
  const viaClient = () => client.execute("query-status");
  const viaRaw = () => raw.send("query-status");

  const r = { rawLat: [], cliLat: [], rawTput: [], cliTput: [] };
  for (let i = 0; i < rounds; i++) {
    const order =
      i % 2
        ? [
            [viaClient, "cli"],
            [viaRaw, "raw"],
          ]
        : [
            [viaRaw, "raw"],
            [viaClient, "cli"],
          ];
    for (const [send, who] of order) r[`${who}Lat`].push(await latency(send));
    for (const [send, who] of order) r[`${who}Tput`].push(await throughput(send));
  }
  await client.close();
  raw.close();

  const m = (xs, k) => median(xs.map((x) => x[k]));
  const pct = (a, b) => `${a >= b ? "+" : ""}${(((a - b) / b) * 100).toFixed(1)}%`;
  const [rl, cl, rt, ct] = [
    m(r.rawLat, "wall"),
    m(r.cliLat, "wall"),
    m(r.rawTput, "wall"),
    m(r.cliTput, "wall"),
  ];
  const [rlc, clc, rtc, ctc] = [
    m(r.rawLat, "cpu"),
    m(r.cliLat, "cpu"),
    m(r.rawTput, "cpu"),
    m(r.cliTput, "cpu"),
  ];
  console.log(
    `QMP query-status against ${spawnSync(QEMU, ["--version"], { encoding: "utf8" }).stdout.split("\n")[0]}; median of ${rounds} rounds`,
  );
  console.log(
    `round-trip latency (${LATENCY_N} sequential): raw ${rl.toFixed(1)} µs, qapi-ts ${cl.toFixed(1)} µs (${pct(cl, rl)}); Node CPU per command: raw ${rlc.toFixed(1)} µs, qapi-ts ${clc.toFixed(1)} µs`,
  );
  console.log(
    `pipelined throughput (${PIPELINE_N} in flight): raw ${Math.round(rt)} cmd/s, qapi-ts ${Math.round(ct)} cmd/s (${pct(ct, rt)}); Node CPU per command: raw ${rtc.toFixed(1)} µs, qapi-ts ${ctc.toFixed(1)} µs`,
  );
} finally {
  qemu.proc.kill("SIGKILL");
}

// ---------------------------------------------------------------------------------------------
// Memory for one 100 MB reply

const HUGE = 100 * 1000 * 1000;

/** The `return` values, as JSON text of about HUGE bytes. */
function hugeString() {
  return Buffer.from(JSON.stringify("a".repeat(HUGE)));
}
function hugeObjects() {
  const entries = [];
  let size = 0;
  for (let i = 0; size < HUGE; i++) {
    const e = `{"name": "entry-${i}", "meta-type": "object", "members": [{"name": "member-${i}", "type": "int"}]}`;
    entries.push(e);
    size += e.length + 2;
  }
  return Buffer.from(`[${entries.join(", ")}]`);
}

/** A QMP server that answers each command with the named payload. */
async function scriptedServer(socket, payloads) {
  const greeting =
    '{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 10}, "package": ""}, "capabilities": []}}\r\n';
  const server = createServer((conn) => {
    conn.on("error", () => {});
    conn.write(greeting);
    let buf = "";
    conn.setEncoding("utf8");
    conn.on("data", (s) => {
      buf += s;
      let nl;
      while ((nl = buf.indexOf("\n")) !== -1) {
        const cmd = JSON.parse(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        const payload = cmd.execute === "qmp_capabilities" ? "{}" : payloads[cmd.execute];
        conn.write(`{"id": ${JSON.stringify(cmd.id)}, "return": `);
        conn.write(payload);
        conn.write("}\r\n");
      }
    });
  });
  await new Promise((r) => server.listen(socket, r));
  return server;
}

// The client side runs in a child, so that only its own memory is counted.
const CHILD = `
const [libUrl, socket, command] = process.argv.slice(2);
const { importTs } = await import(libUrl);
const { QmpClient } = await importTs("runtime/qmp/index.ts");
const c = new QmpClient({ socket }, { maxMessageBytes: 256 << 20, commandTimeoutMs: 0 });
await c.connect();
globalThis.gc();
const base = process.memoryUsage();
const t0 = performance.now();
const value = await c.execute(command);
const ms = performance.now() - t0;
const peakRss = process.resourceUsage().maxRSS * 1024;
globalThis.gc();
const held = process.memoryUsage();
const MiB = 2 ** 20;
console.log(JSON.stringify({
  ms,
  rssGrowth: (peakRss - base.rss) / MiB,
  heapGrowth: (held.heapUsed - base.heapUsed) / MiB,
  length: value.length,
}));
await c.close();
`;

try {
  const payloads = { "huge-string": hugeString(), "huge-objects": hugeObjects() };
  const socket = path.join(work, "scripted.sock");
  const server = await scriptedServer(socket, payloads);
  const child = path.join(work, "huge-reply.mjs");
  writeFileSync(child, CHILD);
  console.log(`one reply of ${HUGE / 1e6} MB from a scripted server (client in its own process):`);
  for (const command of Object.keys(payloads)) {
    const out = await new Promise((resolve, reject) =>
      execFile(
        process.execPath,
        [
          "--expose-gc",
          child,
          pathToFileURL(path.join(root, "bench/lib.mjs")).href,
          socket,
          command,
        ],
        { cwd: root },
        (err, stdout, stderr) => (err ? reject(new Error(stderr || err.message)) : resolve(stdout)),
      ),
    );
    const r = JSON.parse(out);
    const mb = (payloads[command].length + 40) / 1e6;
    console.log(
      `  ${command} (${mb.toFixed(1)} MB, ${r.length} ${command === "huge-string" ? "characters" : "entries"}): peak RSS +${r.rssGrowth.toFixed(0)} MiB, heap holding the result +${r.heapGrowth.toFixed(0)} MiB, ${(r.ms / 1000).toFixed(2)} s`,
    );
  }
  server.close();
} finally {
  rmSync(work, { recursive: true, force: true });
}
