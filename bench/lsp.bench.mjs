// The language server's latency: `qapi-ts lsp --stdio` driven by a scripted client (the protocol
// library VS Code's client is built on) over QEMU 10.2's whole schema. Figures: start-up (spawn to
// the initialize answer, its CPU time against `qapi-ts --version`), the first check (opening block-core.json: its schema found and checked
// from scratch), then, after one-line edits of block-core.json (the largest file), the time from
// sending didChange to receiving the diagnostics of that version: p50, p95, max, and the server's
// CPU time per edit (from /proc, the figure that holds on a loaded machine). Edits of a line
// within a doc comment, of a member's type, of a type name to a wrong one and back, of a doc
// section's name, all together and each kind on its own, and edits that insert and remove a line. For comparison, a full check in-process (loadSchema,
// every error, warm) and a from-scratch run of the incremental front end.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
} from "vscode-languageserver-protocol/node.js";
import {
  bin,
  importTs,
  median,
  qemu,
  report,
  requireShared,
  timeInProcess,
  timeProcess,
} from "./lib.mjs";

requireShared("lsp");
const EDITS = Number(process.env.LSP_BENCH_EDITS ?? 400);
const dir = path.dirname(qemu.schema);
const file = path.join(dir, "block-core.json");
const uri = pathToFileURL(file).href;

/** CPU ms (user + system) of a process so far. */
function cpuOf(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / 100; // USER_HZ
}

const nodeArgs = (process.env.LSP_BENCH_NODE_ARGS ?? "").split(" ").filter(Boolean);

/** Starts a server and initializes it: the connection, the child, the ms and CPU ms it took. */
async function startServer() {
  const t0 = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, bin, "lsp", "--stdio"], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const conn = createProtocolConnection(
    new StreamMessageReader(child.stdout),
    new StreamMessageWriter(child.stdin),
  );
  conn.listen();
  await conn.sendRequest("initialize", {
    processId: process.pid,
    rootUri: pathToFileURL(dir).href,
    capabilities: {},
  });
  return { conn, child, ms: performance.now() - t0, cpu: cpuOf(child.pid) };
}

async function stopServer({ conn, child }) {
  const exited = new Promise((resolve) => child.on("exit", resolve));
  await conn.sendRequest("shutdown");
  conn.sendNotification("exit");
  await exited;
  conn.dispose();
}

// Start-up: spawn to the initialize answer (what loading the server's modules costs shows against
// `qapi-ts --version`, which loads none of them).
const startups = [];
for (let i = 0; i < 6; i++) {
  const s = await startServer();
  if (i > 0) startups.push(s); // the first warms the file cache
  await stopServer(s);
}
const startup = median(startups.map((s) => s.ms));
const startupCpu = median(startups.map((s) => s.cpu));
const versionRun = timeProcess(process.execPath, [bin, "--version"], { runs: 5 });

const server = await startServer();
const { conn, child } = server;
const waiting = new Map();
conn.onNotification("textDocument/publishDiagnostics", (p) => {
  if (p.uri !== uri) return;
  const w = waiting.get(p.version);
  if (w) {
    waiting.delete(p.version);
    w(p);
  }
});
conn.sendNotification("initialized", {});

let text = readFileSync(file, "utf8");
let version = 1;
const diagnosticsOf = (v) => new Promise((resolve) => waiting.set(v, resolve));
const t1 = performance.now();
const opened = diagnosticsOf(1);
conn.sendNotification("textDocument/didOpen", {
  textDocument: { uri, languageId: "qapi", version, text },
});
await opened;
const firstCheck = performance.now() - t1;

function position(offset) {
  const before = text.slice(0, offset);
  const line = before.split("\n").length - 1;
  return { line, character: offset - before.lastIndexOf("\n") - 1 };
}

/** Replaces `from` by `to` (one change); resolves with the ms until its diagnostics came. */
async function edit(from, to) {
  const at = text.indexOf(from);
  if (at < 0) throw new Error(`no ${from}`);
  const range = { start: position(at), end: position(at + from.length) };
  text = text.slice(0, at) + to + text.slice(at + from.length);
  version++;
  const done = diagnosticsOf(version);
  const start = performance.now();
  conn.sendNotification("textDocument/didChange", {
    textDocument: { uri, version },
    contentChanges: [{ range, text: to }],
  });
  const p = await done;
  return { ms: performance.now() - start, errors: p.diagnostics.length };
}

/** One-line edits, each undone by the next: [what, from, to]. */
const oneLine = [
  ["a doc comment's line (a space added)", "# @auto-read-only: ", "# @auto-read-only:  "],
  ["a member's type", "'*aio-max-batch': 'int',", "'*aio-max-batch': 'uint32',"],
  [
    "a type name made wrong (an error)",
    "'data': { 'filename': 'str',",
    "'data': { 'filename': 'NoSuchType',",
  ],
  ["a doc section's name (an error)", "# @read-only: ", "# @read-onl: "],
];
const lineInsert = [
  ["a line inserted and removed", "##\n# @BlockdevOptionsFile:", "\n##\n# @BlockdevOptionsFile:"],
];

async function measure(pairs, count) {
  const times = [];
  const cpu0 = cpuOf(child.pid);
  for (let i = 0; i < count; i++) {
    const [, from, to] = pairs[(i >> 1) % pairs.length];
    times.push((i % 2 === 0 ? await edit(from, to) : await edit(to, from)).ms);
  }
  const cpu = (cpuOf(child.pid) - cpu0) / count;
  times.sort((a, b) => a - b);
  return {
    p50: median(times),
    p95: times[Math.floor(times.length * 0.95)],
    max: times[times.length - 1],
    cpu,
  };
}

// Warm-up (the JIT), then the figures: all one-line edits together, then each kind on its own.
await measure(oneLine, 40);
const line = await measure(oneLine, EDITS);
const kinds = [];
for (const pair of [...oneLine, ...lineInsert])
  kinds.push([pair[0], await measure([pair], Math.max(20, EDITS / 4))]);
await stopServer(server);

// A full check, for comparison: in-process, warm.
const { loadSchema } = await importTs("generator/frontend/index.ts");
const { SchemaProgram } = await importTs("generator/frontend/incremental.ts");
const { diskHost } = await importTs("generator/frontend/host.ts");
const full = timeInProcess(() => loadSchema(qemu.schema, { diagnostics: "all" }), { runs: 21 });
const scratch = timeInProcess(() => new SchemaProgram(qemu.schema, { host: diskHost }).update(), {
  runs: 21,
});

const ms = (x) => x.toFixed(1);
report(`lsp: QEMU 10.2's schema, ${EDITS} one-line edits of block-core.json`, [
  ["start-up: spawn to initialize answer, median (ms)", ms(startup)],
  ["start-up: server CPU at the initialize answer, median (ms)", ms(startupCpu)],
  ["qapi-ts --version for comparison: median wall (ms)", ms(versionRun.wallMs)],
  ["qapi-ts --version for comparison: median CPU (ms)", ms(versionRun.cpuMs)],
  ["first check: didOpen to diagnostics (ms)", ms(firstCheck)],
  ["one-line edit to diagnostics: p50 (ms)", ms(line.p50)],
  ["one-line edit to diagnostics: p95 (ms)", ms(line.p95)],
  ["one-line edit to diagnostics: max (ms)", ms(line.max)],
  ["one-line edit: server CPU per edit (ms)", ms(line.cpu)],
  ...kinds.map(([what, k]) => [
    `${what}: p50/p95/max (ms), server CPU per edit (ms)`,
    `${ms(k.p50)} / ${ms(k.p95)} / ${ms(k.max)}, ${ms(k.cpu)}`,
  ]),
  ["full check in-process (loadSchema, all): median (ms)", ms(full)],
  ["incremental front end from scratch: median (ms)", ms(scratch)],
]);
