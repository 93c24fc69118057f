// Validator throughput on real messages: the generated validators (what `qapi-ts generate`
// writes for QEMU 10.2's schema) against ajv compiled from our own JSON Schema of the same
// schema, on the same values. Messages: the three real query-qmp-schema replies (as that
// command's result) and typical command arguments, replies and events, each valid and with a
// typical mistake. Both sides are held per message, as a client holds them per command.
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
ajv.getSchema(`${jsonSchema.$id}#/$defs/query-qmp-schema:returns`);
const ajvCompileMs = performance.now() - t0;

const replyFiles = [
  "introspection/qemu-9.2.0-x86_64.query-qmp-schema.json",
  "introspection/qemu-10.0.0-x86_64.query-qmp-schema.json",
  "qemu-10.2/expected/linux-x86_64.introspect.json",
];

const replies = replyFiles.map((f) => JSON.parse(readFileSync(path.join(shared, f), "utf8")));
/** The reply with one unknown member in its last entry (QEMU's reply of a newer release). */
function withUnknownLastEntry(reply) {
  const broken = structuredClone(reply);
  broken[broken.length - 1]["x-unknown"] = 1;
  return broken;
}

/**
 * [label, kind, name, valid value, invalid value (what a client gets wrong most: a wrong type,
 * a value outside an enum, a missing or an unknown member)]; kind is "args", "returns" or "event".
 */
const messages = [
  ...replyFiles.map((f, i) => [
    `query-qmp-schema reply (${path.basename(f).split(".query")[0].replace(".introspect.json", "")})`,
    "returns",
    "query-qmp-schema",
    replies[i],
    withUnknownLastEntry(replies[i]),
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
    {
      driver: "qcow2",
      "node-name": "disk0",
      discard: "unmap",
      cache: { direct: true, "no-flush": false },
      file: {
        driver: "file",
        filename: "/var/lib/images/disk0.qcow2",
        aio: "fast", // not a BlockdevAioOptions
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
    {
      "qom-type": "memory-backend-file",
      id: "mem0",
      size: "4G", // a size is an integer
      "mem-path": "/dev/hugepages",
      share: true,
    },
  ],
  [
    "migrate-set-parameters",
    "args",
    "migrate-set-parameters",
    { "max-bandwidth": 134217728, "downtime-limit": 300, "multifd-channels": 4, "tls-creds": null },
    { "max-bandwidth": 134217728, "downtime-limit": 300, "multifd-channel": 4, "tls-creds": null },
  ],
  [
    "query-status reply",
    "returns",
    "query-status",
    { running: true, status: "running" },
    { running: true }, // status missing
  ],
  [
    "SHUTDOWN event",
    "event",
    "SHUTDOWN",
    { guest: true, reason: "guest-shutdown" },
    { guest: "yes", reason: "guest-shutdown" },
  ],
];

/** Ours, held: the name and the options resolved once (what a client does per command). */
const oursFor = (kind, name) =>
  (kind === "args"
    ? ours.validators.commandArguments(name)
    : kind === "returns"
      ? ours.validators.commandReturns(name)
      : ours.validators.event(name)
  ).validate;
const ajvFor = (kind, name) =>
  ajv.getSchema(
    `${jsonSchema.$id}#/$defs/${name}:${kind === "args" ? "arguments" : kind === "returns" ? "returns" : "data"}`,
  );

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

const median = (xs) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
/** Rounds per comparison: enough for the median of the ratios to hold still on a loaded machine. */
const ROUNDS = 21;

/**
 * Interleaved rounds, a then b, each round's two rates taken under the same load (the machine
 * may be shared): the median rate of each, and the median of the rounds' ratios a/b.
 */
function compare(a, b, value, rounds = ROUNDS, ms = 40) {
  const ra = [];
  const rb = [];
  for (let r = 0; r < rounds; r++) {
    ra.push(rate(a, value, ms));
    rb.push(rate(b, value, ms));
  }
  return [median(ra), median(rb), median(ra.map((x, i) => x / rb[i]))];
}

const fmt = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const ratio = (r) => `${r.toFixed(2)}x`;
console.log(
  `Node ${process.versions.node}; QEMU 10.2 schema: generate (whole process) ${generateMs.toFixed(0)} ms, validators.ts ${(validatorsBytes / 1024).toFixed(0)} KiB, import ${importMs.toFixed(0)} ms; ajv addSchema+compile ${ajvCompileMs.toFixed(0)} ms`,
);
console.log(
  "calls per second of a held validator (ours: validators.commandArguments(name) and the like;\n" +
    `ajv: ajv.getSchema(...)), medians of ${ROUNDS} interleaved rounds; ratio: the median of the rounds'\n` +
    "ratios; ours gives QEMU's message, ajv its first error; ours checks a command's arguments as\n" +
    "QEMU's JSON parser would read them first (checkSendable), ajv does not; by name: ours through\n" +
    "validateCommandArguments(name, value) and the like",
);
const header = [
  "message".padEnd(44),
  "size".padStart(8),
  "valid: ours/s".padStart(14),
  "ajv/s".padStart(10),
  "ratio".padStart(7),
  "by name".padStart(8),
  "invalid: ours/s".padStart(16),
  "ajv/s".padStart(10),
  "ratio".padStart(7),
];
console.log(header.join(" "));
let failures = 0;
// `node bench/validate.bench.mjs WORD...`: only the messages whose label contains a WORD.
const only = process.argv.slice(2);
for (const [label, kind, name, value, invalid] of messages) {
  if (only.length && !only.some((w) => label.includes(w))) continue;
  const mine = oursFor(kind, name);
  const byName =
    kind === "args"
      ? (v) => ours.validateCommandArguments(name, v)
      : kind === "returns"
        ? (v) => ours.validateCommandReturns(name, v)
        : (v) => ours.validateEvent(name, v);
  const theirs = ajvFor(kind, name);
  const e = mine(value);
  const bad = mine(invalid);
  if (e !== null || theirs(value) !== true || bad === null || theirs(invalid) !== false) {
    console.log(
      `${label}: unexpected verdict (ours: ${e?.message ?? "ok"} / ${bad?.message ?? "ok"}; ajv: ${JSON.stringify(theirs.errors?.[0])})`,
    );
    failures++;
    continue;
  }
  const size = JSON.stringify(value).length;
  const [a, b, validRatio] = compare(mine, theirs, value);
  const [, , byNameRatio] = compare(byName, theirs, value, 5);
  const [c, d, invalidRatio] = compare(mine, theirs, invalid);
  const sizeText = size >= 10240 ? `${(size / 1024).toFixed(0)} KiB` : `${size} B`;
  console.log(
    [
      label.padEnd(44),
      sizeText.padStart(8),
      fmt(a).padStart(14),
      fmt(b).padStart(10),
      ratio(validRatio).padStart(7),
      ratio(byNameRatio).padStart(8),
      fmt(c).padStart(16),
      fmt(d).padStart(10),
      ratio(invalidRatio).padStart(7),
    ].join(" "),
  );
  theirs(invalid);
  console.log(
    `  invalid: ours "${bad.message}"; ajv "${theirs.errors[0].instancePath} ${theirs.errors[0].message}"`,
  );
}
process.exitCode = failures ? 1 : 0;
