// `qapi-ts validate` against the real QEMU (issue 9, item 6): the table of qemu-json-cases.ts
// (command arguments as raw bytes, generated from the rules) is sent to QEMU over QMP and
// checked in-process (parseJsonForValidation, then the validators generated from QEMU 10.2's
// schema) and, for a sample, through bin/qapi-ts; each must give QEMU's verdict, and QEMU's
// message when it refuses. A standalone text (the file as a whole: premature end, text after
// the value) is compared with QEMU's own reading of one, `-object JSON` on its command line.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import fc from "fast-check";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { loadSchema } from "../generator/frontend/index.ts";
import { loadValidators } from "../generator/cli/validate.ts";
import {
  commandEnvelope,
  JsonSyntaxError,
  parseJsonForValidation,
  type Validators,
} from "../runtime/validate/index.ts";
import { BASE_ARGS, haveQemu, killAll, QEMU, startQemu, type Qemu } from "./helpers/qemu.ts";
import {
  commandMessage,
  generateCases,
  qemuReplies,
  qemuVerdict,
  VEHICLES,
  type Case,
  type Verdict,
} from "./qemu-json-cases.ts";
import { bin, projectRoot } from "./helpers/paths.ts";

const qemuSchema = path.resolve(projectRoot, "../shared/qemu-10.2/qapi/qapi-schema.json");
const haveSchema = existsSync(qemuSchema);
if (!haveSchema) console.log(`qemu-json: skipped, ${qemuSchema} is absent`);

function ourVerdict(validators: Validators, c: Case): Verdict {
  let value: unknown;
  try {
    value = parseJsonForValidation(c.args, commandEnvelope(c.command));
  } catch (err) {
    if (!(err instanceof JsonSyntaxError)) throw err;
    return { accepted: false, message: err.reason };
  }
  const error = validators.validateCommandArguments(c.command, value);
  return error ? { accepted: false, message: error.message } : { accepted: true };
}

/** The CLI's verdict: exit status, and the message without place and path. */
function cliVerdict(c: Case): Verdict {
  const r = spawnSync(process.execPath, [bin, "validate", qemuSchema, "-c", c.command, "-"], {
    input: c.args,
    encoding: "utf8",
  });
  if (r.status === 0 && r.stderr === "") return { accepted: true };
  expect(r.status, `${c.name}: ${r.stderr}`).toBe(1);
  const line = /^<stdin>(?::\d+:\d+)?: (.*?)(?: \(at \/.*\))?\n$/s.exec(r.stderr);
  expect(line, `${c.name}: ${r.stderr}`).not.toBeNull();
  return { accepted: false, message: line![1] };
}

/** The CLI prints control characters of a message as \u escapes (one line per diagnostic). */
const printable = (v: Verdict): Verdict =>
  v.message === undefined
    ? v
    : {
        ...v,
        message: v.message.replace(
          /[\x00-\x1f\x7f]/g,
          (ch) => "\\u" + ch.charCodeAt(0).toString(16).padStart(4, "0"),
        ),
      };

describe.skipIf(!haveQemu || !haveSchema)("validate reads QMP input as QEMU does", () => {
  let qemu: Qemu;
  let validators: Validators;
  const cases = generateCases();
  const verdicts = new Map<Case, Verdict>();

  beforeAll(async () => {
    const loaded = loadSchema(qemuSchema, { compat: false });
    if (!loaded.model) throw new Error("QEMU 10.2's schema does not load");
    validators = await loadValidators(loaded.model);
    qemu = await startQemu();
    for (const c of cases)
      verdicts.set(c, qemuVerdict(c, await qemuReplies(qemu.socket, commandMessage(c))));
  });
  afterAll(killAll);

  test("the table is large and QEMU both accepts and refuses in every part of it", () => {
    expect(cases.length).toBeGreaterThan(400);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
    for (const vehicle of new Set(cases.map((c) => c.vehicle))) {
      const of = cases.filter((c) => c.vehicle === vehicle).map((c) => verdicts.get(c)!);
      expect(
        of.some((v) => v.accepted),
        vehicle,
      ).toBe(true);
      if (vehicle !== "any")
        expect(
          of.some((v) => !v.accepted),
          vehicle,
        ).toBe(true);
    }
  });

  test("in-process: every verdict and message is QEMU's", () => {
    const differing = cases
      .map((c) => ({ case: c.name, qemu: verdicts.get(c)!, ours: ourVerdict(validators, c) }))
      .filter((d) => JSON.stringify(d.qemu) !== JSON.stringify(d.ours));
    expect(differing).toEqual([]);
  });

  test("random text in an `any` argument: the verdicts and messages of QEMU", async () => {
    // Byte soup from JSON's pieces, QEMU's extensions, escapes, UTF-8 good and bad, and any
    // other byte but LF and 0x01: those end qemuReplies' message, so that a stray ending in
    // one of them says QEMU was still waiting for more (an unfinished value, left out).
    const piece = fc.oneof(
      fc.constantFrom(..."{}[]:,\"'\\ \t\r0123456789-+.eEtrufalsnx"),
      fc.constantFrom(
        "\\u",
        "\\ud800",
        "\\udc00",
        "\\uDBFF\\uDFFF",
        '"a"',
        "true",
        "null",
        "1e400",
      ),
      fc.constantFrom(
        "\xc0\x80",
        "\x00",
        "\xff",
        "\xed\xa0\x80",
        "\xef\xbf\xbe",
        "\xf0\x9f\x98\x80",
      ),
      fc.uint8Array({ minLength: 1, maxLength: 3 }).map((a) => Buffer.from(a).toString("latin1")),
    );
    const soups = fc
      .sample(fc.array(piece, { minLength: 1, maxLength: 25 }), { numRuns: 1000, seed: 9 })
      .map((parts) => Buffer.from(parts.join(""), "latin1"))
      .filter((soup) => !soup.includes(0x0a) && !soup.includes(0x01));
    const [before, after] = VEHICLES.any.template.split("@") as [string, string];
    let compared = 0;
    const differing = [];
    for (const soup of soups) {
      const c: Case = {
        name: soup.toString("latin1"),
        vehicle: "any",
        command: VEHICLES.any.command,
        args: Buffer.concat([Buffer.from(before), soup, Buffer.from(after)]),
        accepted: VEHICLES.any.accepted,
      };
      const theirs = qemuVerdict(c, await qemuReplies(qemu.socket, commandMessage(c)));
      if (!theirs.accepted && /^JSON parse error, stray '.*[\n\x01]'$/s.test(theirs.message!))
        continue;
      compared++;
      const ours = ourVerdict(validators, c);
      if (JSON.stringify(ours) !== JSON.stringify(theirs))
        differing.push({ soup: c.name, qemu: theirs, ours });
    }
    expect(differing).toEqual([]);
    expect(compared).toBeGreaterThan(soups.length * 0.8);
  });

  test("CLI: a case of every kind of verdict through bin/qapi-ts gives QEMU's", () => {
    // Each run loads QEMU's whole schema: one case per kind of verdict (the message with its
    // quoted parts left out; acceptance per command).
    const kinds = new Map<string, Case>();
    for (const c of cases) {
      const v = verdicts.get(c)!;
      const kind = v.accepted
        ? `accepted by ${c.command}`
        : v.message!.replace(/'.*'/s, "'…'").replace(/^JSON parse error, \\u.*/s, "\\u…");
      if (!kinds.has(kind)) kinds.set(kind, c);
    }
    expect(kinds.size).toBeGreaterThan(20);
    const sample = [...kinds.values()];
    const differing = sample
      .map((c) => ({ case: c.name, qemu: printable(verdicts.get(c)!), cli: cliVerdict(c) }))
      .filter((d) => JSON.stringify(d.qemu) !== JSON.stringify(d.cli));
    expect(differing).toEqual([]);
  });
});

// A standalone text, as QEMU reads one on its command line (`-object JSON`): the end of the
// text and what follows the value. QEMU prints `-object TEXT: MESSAGE` and exits.
const STANDALONE = [
  '{"qom-type": "x"',
  '{"qom-type": "x",',
  '{"qom-type":',
  '{"qom-type"',
  "{",
  '{"qom-type": [1,',
  '{"qom-type": "x',
  '{"qom-type": 1.',
  '{"qom-type": 1e',
  '{"qom-type": tru',
  '{"qom-type": "x\\',
  '{"qom-type": "x"} 1',
  '{"qom-type": "x"}}',
  '{"qom-type": "x"}]',
  '{"qom-type": "x"} @',
  '{"qom-type": "x"}x',
  '{"qom-type": "x"} "a',
  '{"qom-type": "x"} {',
  '{"qom-type": "x"}   ',
  '{"qom-type": "x", "qom-type": "y"}',
];

describe.skipIf(!haveQemu)("a whole text is one value, as QEMU reads one", () => {
  test.each(STANDALONE.map((t) => [t]))("%s", (text) => {
    const r = spawnSync(QEMU, [...BASE_ARGS, "-object", text], {
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(r.status).toBe(1);
    const prefix = `${QEMU}: -object ${text}: `;
    expect(r.stderr.startsWith(prefix), r.stderr).toBe(true);
    const message = r.stderr.slice(prefix.length).trimEnd();
    let ours: string;
    try {
      parseJsonForValidation(text);
      ours = "accepted";
    } catch (err) {
      if (!(err instanceof JsonSyntaxError)) throw err;
      ours = err.reason;
    }
    // A text QEMU parses goes on to fail on its content (no object type "x").
    if (/^(JSON parse error|Expecting at most one JSON value)/.test(message))
      expect(ours).toBe(message);
    else expect(ours).toBe("accepted");
  });
});
