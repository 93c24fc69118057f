// Validator throughput on real messages: the generated validators (what `qapi-ts generate`
// writes for QEMU 10.2's schema) against ajv compiled from our own JSON Schema of the same
// schema, on the same values. Messages: the three real query-qmp-schema replies (as that
// command's result) and typical command arguments, replies and events.
//
//   node bench/validate.bench.mjs          (needs ../shared and a built dist/: npm run build)
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { bin, importTs, qemu, requireShared, shared } from "./lib.mjs";

requireShared("validate.bench");
const schema = qemu.schema;

const out = mkdtempSync(path.join(tmpdir(), "qapi-ts-bench-validate-"));
let t0 = performance.now();
execFileSync(process.execPath, [bin, "generate", schema, "-o", out, "-q"], { stdio: "inherit" });
const generateMs = performance.now() - t0;

t0 = performance.now();
// The generated validators.ts (with the index it imports types from), bundled as a user's build would.
const { importGenerated } = await importTs("test/helpers/generated.ts");
const generated = ["validators.ts", "index.ts"].map((f) => ({
  path: f,
  content: readFileSync(path.join(out, f), "utf8"),
}));
const ours = await importGenerated(generated, "validators.ts");
const importMs = performance.now() - t0;
const jsonSchema = JSON.parse(readFileSync(path.join(out, "json-schema/schema.json"), "utf8"));
const validatorsBytes = readFileSync(path.join(out, "validators.ts")).length;
rmSync(out, { recursive: true, force: true });

t0 = performance.now();
// ajv at its fastest: first error only; ownProperties so that it reads members as we do.
const ajv = new Ajv2020({ strict: false, allErrors: false, ownProperties: true });
ajv.addSchema(jsonSchema);
const ajvFor = (key) => ajv.getSchema(`${jsonSchema.$id}#/$defs/${key}`);
const reply = ajvFor("query-qmp-schema:returns");
const ajvCompileMs = performance.now() - t0;

const replyFiles = [
  "introspection/qemu-9.2.0-x86_64.query-qmp-schema.json",
  "introspection/qemu-10.0.0-x86_64.query-qmp-schema.json",
  "qemu-10.2/expected/linux-x86_64.introspect.json",
];

/** [label, kind, name, value]: kind is "args", "returns" or "event". */
const messages = [
  ...replyFiles.map((f) => [
    `query-qmp-schema reply (${path.basename(f).split(".query")[0].replace(".introspect.json", "")})`,
    "returns",
    "query-qmp-schema",
    JSON.parse(readFileSync(path.join(shared, f), "utf8")),
  ]),
  [
    "blockdev-add qcow2 over file",
    "args",
    "blockdev-add",
    {
      driver: "qcow2",
      "node-name": "disk0",
      discard: "unmap",
      cache: { direct: true, "no-flush": false },
      file: {
        driver: "file",
        filename: "/var/lib/images/disk0.qcow2",
        aio: "native",
        locking: "auto",
      },
      "l2-cache-size": 1048576,
      backing: null,
    },
  ],
  [
    "object-add memory-backend-file",
    "args",
    "object-add",
    {
      "qom-type": "memory-backend-file",
      id: "mem0",
      size: 4294967296,
      "mem-path": "/dev/hugepages",
      share: true,
    },
  ],
  [
    "migrate-set-parameters",
    "args",
    "migrate-set-parameters",
    { "max-bandwidth": 134217728, "downtime-limit": 300, "multifd-channels": 4, "tls-creds": null },
  ],
  ["query-status reply", "returns", "query-status", { running: true, status: "running" }],
  ["SHUTDOWN event", "event", "SHUTDOWN", { guest: true, reason: "guest-shutdown" }],
];

const oursFor = (kind, name) =>
  kind === "args"
    ? (v) => ours.validateCommandArguments(name, v)
    : kind === "returns"
      ? (v) => ours.validateCommandReturns(name, v)
      : (v) => ours.validateEvent(name, v);
const ajvKey = (kind, name) =>
  kind === "args" ? `${name}:arguments` : kind === "returns" ? `${name}:returns` : `${name}:data`;

/** Calls per second of fn(value) over about `ms`, after a warm-up. */
function rate(fn, value, ms) {
  for (let i = 0; i < 50; i++) fn(value);
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 10; i++) fn(value);
    n += 10;
    now = performance.now();
  }
  return (n * 1000) / (now - start);
}

/** Best of several alternating rounds for each contender: the machine may be shared. */
function compare(a, b, value, rounds = 5, ms = 150) {
  let bestA = 0;
  let bestB = 0;
  for (let r = 0; r < rounds; r++) {
    bestA = Math.max(bestA, rate(a, value, ms));
    bestB = Math.max(bestB, rate(b, value, ms));
  }
  return [bestA, bestB];
}

const fmt = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
console.log(
  `QEMU 10.2 schema: generate (whole process) ${generateMs.toFixed(0)} ms, validators.ts ${(validatorsBytes / 1024).toFixed(0)} KiB, import ${importMs.toFixed(0)} ms; ajv addSchema+compile ${ajvCompileMs.toFixed(0)} ms`,
);
console.log(
  "calls per second, best of 5 alternating rounds (ours: QEMU's message; ajv: first error only)",
);
console.log(
  "message                                          size      ours/s       ajv/s   ours/ajv",
);
let failures = 0;
for (const [label, kind, name, value] of messages) {
  const mine = oursFor(kind, name);
  const theirs =
    kind === "returns" && name === "query-qmp-schema" ? reply : ajvFor(ajvKey(kind, name));
  const e = mine(value);
  if (e !== null || theirs(value) !== true) {
    console.log(
      `${label}: not accepted (ours: ${e?.message ?? "ok"}; ajv: ${JSON.stringify(theirs.errors?.[0])})`,
    );
    failures++;
    continue;
  }
  const size = JSON.stringify(value).length;
  const [a, b] = compare(mine, theirs, value);
  const sizeText = size >= 10240 ? `${(size / 1024).toFixed(0)} KiB` : `${size} B`;
  console.log(
    `${label.padEnd(46)} ${sizeText.padStart(8)} ${fmt(a).padStart(11)} ${fmt(b).padStart(11)} ${(a / b).toFixed(2).padStart(9)}x`,
  );
}

// Rejections: QEMU's message (ours) against ajv's first error, on a reply broken near its end.
const broken = structuredClone(messages[2][3]);
broken[broken.length - 1]["x-unknown"] = 1;
const [a, b] = compare((v) => ours.validateCommandReturns("query-qmp-schema", v), reply, broken);
console.log(
  `${"rejecting a reply (unknown member, last entry)".padEnd(46)} ${"".padStart(8)} ${fmt(a).padStart(11)} ${fmt(b).padStart(11)} ${(a / b).toFixed(2).padStart(9)}x`,
);
console.log(`  ours: ${ours.validateCommandReturns("query-qmp-schema", broken).message}`);
reply(broken);
console.log(`  ajv:  ${reply.errors[0].instancePath} ${reply.errors[0].message}`);
process.exitCode = failures ? 1 : 0;
