// Replies from a process we do not control (issue 16): every command that reads a reply answers
// or refuses it cleanly (an exit code and a message naming the file), never hangs, overflows the
// stack or crashes. Generated replies (fast-check): types that contain themselves (arrays,
// objects, alternates, unions whose branches are the union), references to missing types and to
// entries of the wrong meta-type, malformed entries; each pair is diffed, walked by history,
// followed path by path, inferred from, and probed, in a worker thread the test stops if it
// does not answer. Then pathological replies through the command line.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { build } from "esbuild";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Worker } from "node:worker_threads";
import type { FuzzOutcome } from "./helpers/reply-fuzz-worker.ts";
import { runCli } from "./helpers/cli.ts";
import { projectRoot } from "./helpers/paths.ts";

const dir = mkdtempSync(path.join(tmpdir(), "qapi-ts-reply-fuzz-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A case that takes longer than this is a hang. */
const CASE_TIMEOUT_MS = 20_000;
const RUNS = 400;

// ---------------------------------------------------------------------------------------------
// Generated replies. Type entries are named by numbers (as QEMU masks them); references pick any
// type name, a command's name, or one that no entry has.

const TYPES = ["0", "1", "2", "3", "4", "5"];
const MEMBER_NAMES = ["m", "n", "kind", "constructor", "__proto__"];
const ref = fc.oneof(
  { arbitrary: fc.constantFrom(...TYPES), weight: 30 },
  { arbitrary: fc.constantFrom("q", "E", "missing"), weight: 1 },
);
const features = fc.option(
  fc.array(fc.constantFrom("deprecated", "unstable", "f"), { maxLength: 2 }),
  {
    nil: undefined,
  },
);
const member = fc.record(
  { name: fc.constantFrom(...MEMBER_NAMES), type: ref, default: fc.constant(null), features },
  { requiredKeys: ["name", "type"] },
);
const union = fc.record({
  tag: fc.constantFrom("kind", "m"),
  variants: fc.array(fc.record({ case: fc.constantFrom("x", "y", "constructor"), type: ref }), {
    maxLength: 3,
  }),
});
const wellFormed = fc.oneof(
  fc.record({
    "meta-type": fc.constant("builtin"),
    "json-type": fc.constantFrom("string", "int", "number", "boolean", "null", "value", "odd"),
  }),
  fc.record({
    "meta-type": fc.constant("enum"),
    members: fc.array(fc.record({ name: fc.constantFrom(...MEMBER_NAMES), features }), {
      maxLength: 3,
    }),
  }),
  fc.record({ "meta-type": fc.constant("enum"), values: fc.array(fc.constantFrom("x", "y")) }),
  fc.record({ "meta-type": fc.constant("array"), "element-type": ref }),
  fc
    .tuple(
      fc.record({ members: fc.array(member, { maxLength: 4 }), features }),
      fc.option(union, { nil: null }),
    )
    .map(([o, u]) => ({ "meta-type": "object", ...o, ...u })),
  fc.record({
    "meta-type": fc.constant("alternate"),
    members: fc.array(fc.record({ type: ref }), { minLength: 1, maxLength: 3 }),
  }),
);
// Malformed (rarer): an unknown meta-type, parts of the wrong shape.
const malformed = fc.oneof(
  fc.record({ "meta-type": fc.constantFrom("bogus", "command") }),
  fc.record({ "meta-type": fc.constant("object"), members: fc.constantFrom(null, "m", [1]) }),
  fc.record({
    "meta-type": fc.constant("object"),
    members: fc.constant([]),
    tag: fc.constant("m"),
  }),
);
const typeBody = fc.oneof(
  { arbitrary: wellFormed, weight: 40 },
  { arbitrary: malformed, weight: 1 },
);
const reply = fc
  .tuple(
    fc.array(typeBody, { minLength: TYPES.length, maxLength: TYPES.length }),
    fc.record({ arg: ref, ret: ref, features }),
    fc.record({ arg: ref }),
  )
  .map(([bodies, q, e]) => [
    {
      name: "q",
      "meta-type": "command",
      "arg-type": q.arg,
      "ret-type": q.ret,
      features: q.features,
    },
    { name: "E", "meta-type": "event", "arg-type": e.arg },
    ...bodies.map((b, i) => ({ name: TYPES[i], ...b })),
  ])
  .map((entries) => JSON.parse(JSON.stringify(entries)) as unknown[]);

// ---------------------------------------------------------------------------------------------

let worker: Worker;
let workerFile: string;
const start = (): Worker => new Worker(workerFile);

beforeAll(async () => {
  workerFile = path.join(dir, "worker.mjs");
  await build({
    entryPoints: [path.join(projectRoot, "test/helpers/reply-fuzz-worker.ts")],
    outfile: workerFile,
    bundle: true,
    format: "esm",
    platform: "node",
    conditions: ["qapi-ts-source"],
    logLevel: "warning",
  });
  worker = start();
});
afterAll(() => worker.terminate());

let nextId = 0;
/** The worker's outcome for one pair; a case that does not end is stopped and called a hang. */
function runCase(a: unknown[], b: unknown[]): Promise<FuzzOutcome | "hang"> {
  const id = nextId++;
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      worker.removeListener("message", onMessage);
      void worker.terminate();
      worker = start();
      resolve("hang");
    }, CASE_TIMEOUT_MS);
    const onMessage = (m: FuzzOutcome): void => {
      if (m.id !== id) return;
      clearTimeout(timer);
      worker.removeListener("message", onMessage);
      resolve(m);
    };
    worker.on("message", onMessage);
    worker.postMessage({ id, a, b });
  });
}

describe("generated replies", () => {
  it(
    "are answered or refused cleanly by diff, history, the inference and probe",
    async () => {
      const counts = { answered: 0, refused: 0 };
      const refusals = new Map<string, number>();
      await fc.assert(
        fc.asyncProperty(reply, reply, async (a, b) => {
          const r = await runCase(a, b);
          if (r === "hang") throw new Error("no answer: a walk that does not end");
          if (r.outcome === "crashed") throw new Error(r.message);
          counts[r.outcome]++;
          if (r.outcome === "refused") {
            const kind = r.message.replace(/'[^']*'/g, "''").replace(/\d+/g, "N");
            refusals.set(kind, (refusals.get(kind) ?? 0) + 1);
          }
        }),
        // (A hang costs a timeout per attempt: report the first, unshrunk.)
        { numRuns: RUNS, seed: 17, endOnFailure: true },
      );
      console.log(
        `reply fuzz: ${RUNS} pairs, ${counts.answered} answered, ${counts.refused} refused ` +
          `cleanly (${[...refusals].map(([k, n]) => `${n}× ${k}`).join("; ")}), 0 hangs, 0 crashes`,
      );
      // The generator reaches both outcomes, and the refusals that self-reference makes.
      expect(counts.answered).toBeGreaterThan(RUNS / 10);
      expect(counts.refused).toBeGreaterThan(RUNS / 10);
    },
    RUNS * CASE_TIMEOUT_MS,
  );
});

// ---------------------------------------------------------------------------------------------
// Through the command line: pathological replies, each command that reads replies.

const command = (arg: string): object => ({
  name: "q",
  "meta-type": "command",
  "arg-type": arg,
  "ret-type": "e",
});
const empty = { name: "e", "meta-type": "object", members: [] };
const PATHOLOGICAL: Record<string, unknown[]> = {
  "array-self": [
    command("0"),
    empty,
    { name: "0", "meta-type": "object", members: [{ name: "m", type: "[1]" }] },
    { name: "[1]", "meta-type": "array", "element-type": "[1]" },
  ],
  "array-cycle": [
    command("[1]"),
    empty,
    { name: "[1]", "meta-type": "array", "element-type": "[2]" },
    { name: "[2]", "meta-type": "array", "element-type": "[1]" },
  ],
  "object-self": [
    command("0"),
    empty,
    {
      name: "0",
      "meta-type": "object",
      members: [{ name: "m", type: "0" }],
      tag: "m",
      variants: [{ case: "a", type: "0" }],
    },
  ],
  "alternate-self": [
    command("0"),
    empty,
    { name: "0", "meta-type": "object", members: [{ name: "m", type: "1" }] },
    { name: "1", "meta-type": "alternate", members: [{ type: "1" }, { type: "0" }] },
  ],
  "missing-type": [
    command("0"),
    empty,
    { name: "0", "meta-type": "object", members: [{ name: "m", type: "zz" }] },
  ],
  "wrong-meta-type": [
    command("0"),
    empty,
    { name: "0", "meta-type": "object", members: [{ name: "m", type: "q" }] },
  ],
  // 30,000 object types, each the only member of the one before (deeper than any stack).
  "deep-chain": [
    command("t0"),
    empty,
    ...Array.from({ length: 12_000 }, (_, i) => ({
      name: `t${i}`,
      "meta-type": "object",
      members: i < 11_999 ? [{ name: "m", type: `t${i + 1}` }] : [],
    })),
  ],
  "deep-arrays": [
    command("0"),
    empty,
    { name: "0", "meta-type": "object", members: [{ name: "m", type: "a0" }] },
    ...Array.from({ length: 5_000 }, (_, i) => ({
      name: `a${i}`,
      "meta-type": "array",
      "element-type": i < 4_999 ? `a${i + 1}` : "e",
    })),
  ],
};

describe("pathological replies on the command line", () => {
  it("get an answer or an exit code and a message naming the file, from every command", () => {
    const good = path.join(dir, "good.json");
    writeFileSync(good, JSON.stringify([command("e"), empty]));
    const schema = path.join(dir, "schema.json");
    writeFileSync(schema, "{ 'command': 'q', 'if': 'CONFIG_Q' }\n");
    let runs = 0;
    const outcomes = new Map<number, number>();
    for (const [name, entries] of Object.entries(PATHOLOGICAL)) {
      const file = path.join(dir, `${name}.json`);
      writeFileSync(file, JSON.stringify(entries));
      const history = path.join(dir, `${name}.history.json`);
      const commands = [
        ["diff", file, file],
        ["diff", good, file],
        ["history", `1.0=${file}`, `2.0=${good}`, "--format", "json", "-o", history],
        ["history", `1.0=${file}`, "--path", "q/arg-type/m/m/m/+a/m"],
        ["defines", schema, file],
        ["probe", "--reply", file, "q/arg-type/m/m"],
      ];
      // lint --history reads what history wrote from the reply, when it wrote something.
      const lint = ["lint", schema, "--history", history];
      for (const args of [...commands, lint]) {
        if (args === lint && !existsSync(history)) continue;
        const r = runCli(args);
        runs++;
        const what = `${name}: qapi-ts ${args.join(" ")}`;
        expect(r.signal, what).toBeNull(); // not killed by the timeout
        expect([0, 1, 2], `${what}: ${r.stderr}`).toContain(r.status);
        outcomes.set(r.status!, (outcomes.get(r.status!) ?? 0) + 1);
        expect(r.stderr, what).not.toMatch(/internal error|\n\s+at /);
        // A refusal names the input (the query, for probe).
        if (r.status === 2 && args[0] !== "probe")
          expect(r.stderr, what).toContain(args === lint ? history : file);
      }
    }
    console.log(
      `pathological replies: ${Object.keys(PATHOLOGICAL).length} replies, ${runs} runs of diff, ` +
        `history, defines, probe and lint --history; ` +
        [...outcomes].map(([code, n]) => `exit ${code}: ${n}`).join(", "),
    );
  }, 600_000);
});
