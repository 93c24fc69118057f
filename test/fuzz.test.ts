// Property-based robustness: random and mutated schemas only ever produce a result or
// diagnostics, through the parser alone and through the whole front end (loadSchema).
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import fc from "fast-check";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseSchemaText } from "../generator/parser.ts";
import { loadSchema } from "../generator/frontend.ts";
import { QAPIError } from "../generator/source.ts";

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const casesDir = path.join(path.resolve(projectRoot, "../shared"), "qemu-10.2/tests/qapi-schema");
const haveCases = existsSync(path.join(casesDir, "CASES"));
if (!haveCases) console.log(`fuzz: mutations of QEMU's cases skipped, ${casesDir} is absent`);

/** The parser's contract: a result, or a QAPIError with a location-bearing diagnostic. */
function parseOrDiagnose(text: string): "ok" | "error" {
  try {
    parseSchemaText("fuzz.json", text, { compat: false, warn() {} });
    return "ok";
  } catch (e) {
    if (!(e instanceof QAPIError)) throw e;
    expect(e.diagnostic.message).not.toBe("");
    return "error";
  }
}

let dir = "";
let serial = 0;
/** The front end's contract: never throws; a model, or diagnostics ending in an error. */
function loadOrDiagnose(text: string, compat: boolean): "ok" | "error" {
  const f = path.join(dir, `f${serial++ % 16}.json`);
  writeFileSync(f, text);
  const r = loadSchema(f, { compat });
  if (r.model) return "ok";
  expect(r.diagnostics.at(-1)?.severity).toBe("error");
  return "error";
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "qapi-fuzz-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Pieces schemas are made of, so that random text gets past the first token now and then.
const piece = fc.constantFrom(
  "{",
  "}",
  "[",
  "]",
  ":",
  ",",
  " ",
  "\n",
  "\t",
  "'",
  "\\",
  "#",
  "##",
  "##\n",
  "# @x:\n",
  "# @a: text\n",
  "# Since: 1\n",
  "# Note: x\n",
  "# Features:\n",
  "true",
  "false",
  "'enum'",
  "'struct'",
  "'union'",
  "'alternate'",
  "'command'",
  "'event'",
  "'data'",
  "'base'",
  "'if'",
  "'features'",
  "'include'",
  "'pragma'",
  "'doc-required'",
  "'x'",
  "'int'",
  "'str'",
  "'*opt'",
  "'discriminator'",
  "é",
  "\u0000",
);
const schemaish = fc
  .array(fc.oneof(piece, fc.string({ maxLength: 4 })), { maxLength: 60 })
  .map((a) => a.join(""));

/** A struct of well-formed definitions, so that mutations reach the later stages. */
const definition = fc.record({
  meta: fc.constantFrom("enum", "struct", "command", "event", "union", "alternate"),
  name: fc.constantFrom("Foo", "bar", "BAZ", "Qux", "q-x"),
  member: fc.constantFrom("a", "b", "*c", "type"),
  type: fc.constantFrom("int", "str", "Foo", "['int']", "{}", "Qux"),
  doc: fc.boolean(),
});
const defsSchema = fc.array(definition, { maxLength: 6 }).map((ds) =>
  ds
    .map((d) => {
      const data =
        d.meta === "enum"
          ? `[ '${d.member}' ]`
          : `{ '${d.member}': ${d.type.startsWith("[") || d.type.startsWith("{") ? d.type : `'${d.type}'`} }`;
      const doc = d.doc ? `##\n# @${d.name}:\n#\n# @${d.member.replace("*", "")}: text\n##\n` : "";
      return `${doc}{ '${d.meta}': '${d.name}', 'data': ${data} }\n`;
    })
    .join(""),
);

/** Random edits of a text: deletions, insertions, duplications, truncation. */
const edit = fc.record({
  kind: fc.constantFrom("delete", "insert", "duplicate", "truncate"),
  at: fc.nat(),
  len: fc.integer({ min: 1, max: 12 }),
  text: fc.oneof(piece, fc.string({ maxLength: 3 })),
});
function mutate(
  text: string,
  edits: { kind: string; at: number; len: number; text: string }[],
): string {
  let s = text;
  for (const e of edits) {
    const at = s.length ? e.at % (s.length + 1) : 0;
    if (e.kind === "delete") s = s.slice(0, at) + s.slice(at + e.len);
    else if (e.kind === "insert") s = s.slice(0, at) + e.text + s.slice(at);
    else if (e.kind === "duplicate")
      s = s.slice(0, at + e.len) + s.slice(at, at + e.len) + s.slice(at + e.len);
    else s = s.slice(0, at);
  }
  return s;
}

describe("random schemas", () => {
  test("the parser returns or raises QAPIError, nothing else", () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(schemaish, (text) => void seen.add(parseOrDiagnose(text))),
      { numRuns: 2000 },
    );
    // the generator reaches both outcomes (otherwise the property proves little)
    expect(seen).toEqual(new Set(["ok", "error"]));
  });

  test("the whole front end returns a model or diagnostics, nothing else", () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(
        fc.oneof(schemaish, defsSchema),
        fc.boolean(),
        (text, compat) => void seen.add(loadOrDiagnose(text, compat)),
      ),
      { numRuns: 400 },
    );
    expect(seen).toEqual(new Set(["ok", "error"]));
  });

  test("mutated definitions, through the whole front end", () => {
    fc.assert(
      fc.property(
        defsSchema,
        fc.array(edit, { maxLength: 3 }),
        (text, edits) => void loadOrDiagnose(mutate(text, edits), false),
      ),
      { numRuns: 300 },
    );
  });
});

describe.skipIf(!haveCases)("mutated QEMU regression cases", () => {
  const cases = haveCases
    ? readFileSync(path.join(casesDir, "CASES"), "utf8").split("\n").filter(Boolean)
    : [];
  const texts = cases
    .filter((c) => existsSync(path.join(casesDir, `${c}.json`)))
    .map((c) => readFileSync(path.join(casesDir, `${c}.json`), "utf8"));
  const mutated = fc
    .tuple(
      fc.nat({ max: Math.max(0, texts.length - 1) }),
      fc.array(edit, { minLength: 1, maxLength: 4 }),
    )
    .map(([i, edits]) => mutate(texts[i] ?? "", edits));

  test("the parser returns or raises QAPIError", () => {
    fc.assert(
      fc.property(mutated, (text) => void parseOrDiagnose(text)),
      { numRuns: 2000 },
    );
  });

  test("the whole front end returns a model or diagnostics", () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(
        mutated,
        fc.boolean(),
        (text, compat) => void seen.add(loadOrDiagnose(text, compat)),
      ),
      { numRuns: 500 },
    );
    expect(seen).toEqual(new Set(["ok", "error"]));
  });
});
