// Cost of probing a real query-qmp-schema reply: in-process, building the index once and then one
// probe (string query, typed question, explain); and a whole `qapi-ts probe --reply` process.
// Usage: node bench/probe.bench.mjs   (needs ../shared; prints figures, asserts nothing)
import { readFileSync } from "node:fs";
import path from "node:path";
import { importTs, requireShared, shared, timeProcess } from "./lib.mjs";

requireShared("probe.bench");
const introspectionDir = path.join(shared, "introspection");
const { SchemaIndex, SchemaPath } = await importTs("runtime/introspection.ts");

const queries = readFileSync(path.join(introspectionDir, "probe-queries.tsv"), "utf8")
  .trimEnd()
  .split("\n")
  .slice(1)
  .map((l) => l.split("\t")[0]);

/** Median over `rounds` of the mean time of `inner` calls, in microseconds. */
function measure(fn, inner, rounds = 15) {
  for (let i = 0; i < inner; i++) fn(); // warm-up
  const samples = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < inner; i++) fn();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e3 / inner);
  }
  samples.sort((a, b) => a - b);
  return samples[samples.length >> 1];
}

const fmt = (us) => (us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us.toFixed(2)} us`);

for (const label of ["qemu-9.2.0", "qemu-10.0.0"]) {
  const text = readFileSync(
    path.join(introspectionDir, `${label}-x86_64.query-qmp-schema.json`),
    "utf8",
  );
  const reply = JSON.parse(text);
  const parse = measure(() => JSON.parse(text), 20);
  const indexBuild = measure(() => new SchemaIndex(reply), 50);
  const index = new SchemaIndex(reply);
  let q = 0;
  const perQuery = measure(() => index.probe(queries[q++ % queries.length]), 20000);
  const thread = "blockdev-add/arg-type/+file/$dynamic-auto-read-only";
  const threadQuery = measure(() => index.probe(thread), 20000);
  const typedPath = SchemaPath.of("blockdev-add").arg().variant("file");
  const typed = measure(() => index.hasFeature(typedPath, "dynamic-auto-read-only"), 20000);
  const explain = measure(() => index.explain(thread), 5000);
  console.log(
    `probe bench ${label} (${reply.length} entries): JSON.parse ${fmt(parse)}, index build ${fmt(indexBuild)}, ` +
      `probe mean over the ${queries.length} recorded queries ${fmt(perQuery)}, ` +
      `'${thread}' ${fmt(threadQuery)}, typed hasFeature ${fmt(typed)}, explain ${fmt(explain)}`,
  );
}

const replyFile = path.join(introspectionDir, "qemu-10.0.0-x86_64.query-qmp-schema.json");
const proc = timeProcess("bin/qapi-ts", [
  "probe",
  "--reply",
  replyFile,
  "blockdev-add/arg-type/+file/$dynamic-auto-read-only",
]);
console.log(
  `probe bench: whole process 'qapi-ts probe --reply' (1 query): median ${proc.wallMs.toFixed(0)} ms (min ${proc.minMs.toFixed(0)} ms), peak RSS ${proc.peakRssMiB.toFixed(0)} MiB over ${proc.runs} runs`,
);
