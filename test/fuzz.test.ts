// Property-based robustness: the front end returns a model or diagnostics for any schema, never
// throws. Random and mutated texts; QEMU's cases mutated; and every key of every meta-type and of
// every kind of member given every shape of value, alone and in random combinations. Errors are
// located and worded as QEMU words them (the forms below come from QEMU's *.err files, plus the
// few rules QEMU's generator enforces by failing with a Python exception), and the error QEMU's
// first-error mode reports is one of those lint reports.
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { loadSchemaText, type LoadResult } from "../generator/frontend/index.ts";
import { formatQemu } from "../generator/model/source.ts";
import { DEFINITION_KEYS, MEMBER_KEYS } from "../generator/frontend/keywords.ts";
import { qemuCases, qemuCasesDir } from "./helpers/paths.ts";

if (!qemuCases.length) console.log(`fuzz: mutations of QEMU's cases skipped (no ${qemuCasesDir})`);

/**
 * The forms of every error message, quoted parts (names, keys) as ''. A message of another form
 * means a missing check (an exception's text surfacing) or words that are not QEMU's.
 */
const WHO = "(enum|struct|union|alternate|command|event|'' member ''|'' member)";
const KEYS = "''(, '')*";
const MESSAGE_FORMS = [
  // syntax
  /^(expected (''|'' or ''|'', '', string, or boolean|string|string or ''|value or '')|stray ''|missing terminating "'"|unknown escape \\.+|funny character in string|duplicate key ''|nesting deeper than 1000 levels|invalid UTF-8 byte 0x[0-9a-f]{2})$/,
  /^(top-level expression must be an object|invalid '' directive|value of '' must be (a string|an object))$/,
  /^(unknown pragma ''|pragma '' must be boolean|pragma [a-z-]+ must be a list of strings)$/,
  /^(inclusion loop for .*|can't read include file '': .*)$/,
  // documentation
  /^(documentation comment (is for '.*'|required|must end with '')|definition documentation required)$/,
  // (names from documentation text may hold quotes themselves)
  /^(documentation for '.*' is not followed by the definition|junk after '' at (start|end) of documentation comment)$/,
  /^(line should end with ''|name required after ''|missing space after #|text required after ''|duplicated '' (section|line))$/,
  /^(feature descriptions expected|invalid parameter name|'.*' parameter name duplicated|'.*' not allowed in free-form documentation)$/,
  /^(documentation line longer than 70 characters|unexpected de-indent \(expected at least \d+ spaces\)|description of '.*' follows a section)$/,
  /^The '' section is no longer supported\. .*$/,
  /^(member|value|branch|feature|parameter) '' lacks documentation$/,
  /^documented (member|feature)s? '.*' do(es)? not exist$/,
  /^'' section(, but command doesn't return anything| is only valid for commands)$/,
  // definitions
  /^expression must have exactly one key '', '', '', '', '', ''$/,
  new RegExp(
    String.raw`^${WHO} (has an invalid name|uses reserved name|requires a string name|name should not end in '')$`,
  ),
  /^'' requires a string name$/,
  new RegExp(String.raw`^name of ${WHO} must (use CamelCase|not use (uppercase|lowercase) or '')$`),
  new RegExp(
    String.raw`^${WHO} (misses keys? ${KEYS}|has unknown keys? ${KEYS}\nValid keys are ${KEYS}\.)$`,
  ),
  new RegExp(
    String.raw`^${WHO}:? (should be (a type name|a type name or array|an object or type name|an object)|must be (an array|an object|a string)|must not be empty|array type must contain single type name)$`,
  ),
  /^'' (should be (a type name|a type name or array|an object or type name|an object)|must be (an array|an object|a string)|must not be empty)$/,
  /^'': array type must contain single type name$/,
  /^'': true requires ''$/,
  new RegExp(
    String.raw`^'' condition ('' |\[\] )?of ${WHO} (is not a valid identifier|must be a string or an object|has conflicting keys|is useless|must be an array|has unknown keys? ${KEYS}\nValid keys are '', '', ''\.)$`,
  ),
  /^'' must be an array$/,
  /^flags? '' (may only use (true|false) value|and '' are incompatible)$/,
  // the model
  /^(''|(built-in|enum|struct|union|alternate) type ''|array type \[''\]) is already defined$/,
  /^.* uses unknown type ''$/,
  /^'' requires a struct type, (built-in|enum|struct|union|alternate|array) type (''|\[''\]) isn't$/,
  /^(command|event)'s '' (cannot take|can take) (built-in|enum|struct|union|alternate|array) type (''|\[''\])( only with '': true)?$/,
  /^command's '' cannot take .*$/,
  /^conditional (command|event) arguments require '': true$/,
  /^discriminator ('' is not a member of ''|member '' of (''|base type '') must (be of enum type|not be optional|not be conditional))$/,
  /^(base )?(branch|value|member|feature|parameter) '' (of (type|command) '' )?(collides with .*|cannot use .*|can't be distinguished from ''|is not a value of enum type '')$/,
  /^union has no branches$/,
  /^object \S+ contains itself$/,
  /^feature '' is not supported for types$/,
  /^Maximum of 64 schema features is permitted$/,
];

/** A message with its quoted parts (names, keys) as '' (not the apostrophes of "can't"). */
const normalized = (m: string): string => m.replace(/(^|[\s([])'[^'\n]*'(?=$|[\s,.:)\]])/g, "$1''");

function checkResult(r: LoadResult, seen: Set<string>): void {
  for (const d of r.diagnostics) {
    expect(d.message).not.toBe("");
    expect(d.info, d.message).not.toBeNull();
    expect(d.info!.line).toBeGreaterThan(0);
    if (d.severity === "error") {
      const form = normalized(d.message);
      seen.add(form);
      if (!MESSAGE_FORMS.some((re) => re.test(form))) expect.fail(`unexpected message: ${form}`);
    }
  }
  expect(r.model === null).toBe(r.diagnostics.some((d) => d.severity === "error"));
}

/**
 * The front end's contract on one text: never throws; a model or errors, located, in QEMU's
 * words; QEMU's first error is also among lint's ("all") errors.
 */
function loadBoth(text: string, compat: boolean, seen: Set<string>): "ok" | "error" {
  const files = { "other.json": "{ 'enum': 'Other', 'data': [] }\n" };
  const first = loadSchemaText(text, { compat, files });
  const all = loadSchemaText(text, { compat, files, diagnostics: "all" });
  checkResult(first, seen);
  checkResult(all, seen);
  const firstError = first.diagnostics.find((d) => d.severity === "error");
  expect(all.model === null).toBe(first.model === null);
  if (firstError) expect(all.diagnostics.map(formatQemu)).toContain(formatQemu(firstError));
  return first.model ? "ok" : "error";
}

// ---------------------------------------------------------------------------------------------
// Values of every shape, written as schema text

type V = string | boolean | V[] | { [k: string]: V };

function text(v: V): string {
  if (typeof v === "string") return `'${v}'`;
  if (typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `[ ${v.map(text).join(", ")} ]`;
  return `{ ${Object.entries(v)
    .map(([k, x]) => `'${k}': ${text(x)}`)
    .join(", ")} }`;
}

/** Strings, booleans, empty and nested forms, lists of objects, objects of lists... */
const SHAPES: V[] = [
  "Base",
  "int",
  "a",
  "",
  "X",
  "*a",
  "q_obj_x",
  "BaseList",
  "__proto__",
  "constructor",
  "toString",
  "not a name",
  true,
  false,
  [],
  ["int"],
  ["Base"],
  ["a", "b"],
  [[]],
  [["int"]],
  [{}],
  [true],
  [{ name: "a" }],
  [{ type: "int" }],
  [{ name: "a", if: "X" }],
  [{ a: [] }],
  {},
  { a: "int" },
  { type: "int" },
  { name: "x" },
  { all: [] },
  { all: ["X", { not: "Y" }] },
  { any: "X" },
  { not: "X" },
  { not: [] },
  { a: [] },
  { a: {} },
  { a: ["int"] },
  { a: { type: ["int"] } },
  { a: { type: {} } },
  { if: "X" },
  { "*a": "Base", b: { type: "int", if: "X", features: ["f"] } },
  { a: { b: { c: "d" } } },
  { a: [[]] },
];

/** Valid definitions of every meta-type, using every key (the base of the substitutions). */
const SUPPORT: Record<string, V>[] = [
  { enum: "Enm", data: ["a", { name: "b", if: "X", features: ["f"] }], prefix: "P" },
  { struct: "Base", data: { kind: "Enm", n: "int" } },
];
const DEFINITIONS: Record<string, V>[] = [
  {
    enum: "Colour",
    data: ["red", { name: "blue", if: "X", features: ["f"] }],
    prefix: "COL",
    if: "X",
    features: ["f", { name: "g", if: { not: "Y" } }],
  },
  {
    struct: "Str",
    base: "Base",
    data: { a: "int", "*b": { type: ["str"], if: "X", features: ["f"] } },
    if: { all: ["X", "Y"] },
    features: ["f"],
  },
  {
    union: "Uni",
    base: { kind: "Enm", "*c": "str" },
    discriminator: "kind",
    data: { a: "Base", b: { type: "Base", if: "X" } },
    if: "X",
    features: ["f"],
  },
  {
    alternate: "Alt",
    data: { i: "int", s: { type: "str", if: "X" }, l: ["int"] },
    if: "X",
    features: ["f"],
  },
  {
    command: "cmd",
    data: { a: "int", "*b": { type: "Base", features: ["deprecated"] } },
    returns: "Base",
    gen: false,
    "success-response": false,
    "allow-oob": true,
    "allow-preconfig": true,
    if: "X",
    features: ["deprecated"],
  },
  { command: "cmd-boxed", data: "Uni", boxed: true, coroutine: true },
  // the legacy dialect's simple union (an error without compat)
  { union: "Simple", data: { a: "Base", l: ["int"], c: { type: "str", if: "X" } } },
  { event: "EVT", data: { a: "int" }, if: "X", features: ["f"] },
  { event: "EVT_BOXED", data: "Base", boxed: true },
];

/** The member-level objects inside a definition: where they are, and their kind's keys. */
const MEMBER_PLACES: { meta: string; path: (d: Record<string, V>) => V | undefined }[] = [
  { meta: "enum", path: (d) => (Array.isArray(d.data) ? d.data[1] : undefined) },
  { meta: "struct", path: (d) => member(d.data, "*b") },
  { meta: "union", path: (d) => member(d.data, "b") ?? member(d.data, "c") },
  { meta: "alternate", path: (d) => member(d.data, "s") },
];
const isObject = (v: V | undefined): v is Record<string, V> =>
  typeof v === "object" && !Array.isArray(v);
const member = (data: V | undefined, name: string): V | undefined =>
  isObject(data) ? data[name] : undefined;

const clone = <T>(v: T): T => structuredClone(v);

function schema(defs: Record<string, V>[], directives = ""): string {
  return directives + [...SUPPORT, ...defs].map((d) => text(d) + "\n").join("");
}

/** Every key (present or not) of every meta-type and member kind, given every shape. */
function substitutions(): string[] {
  const out: string[] = [];
  for (const def of DEFINITIONS) {
    const meta = Object.keys(def)[0]!;
    const keys = (DEFINITION_KEYS as Record<string, readonly { key: string }[]>)[meta]!;
    for (const { key } of keys)
      for (const shape of SHAPES) {
        const d = clone(def);
        d[key] = shape;
        out.push(schema([d]));
      }
    for (const place of MEMBER_PLACES.filter((p) => p.meta === meta)) {
      const memberKeys = new Set(
        Object.values(MEMBER_KEYS).flatMap((ks) => ks.map((k: { key: string }) => k.key)),
      );
      for (const key of memberKeys)
        for (const shape of SHAPES) {
          const d = clone(def);
          (place.path(d) as Record<string, V>)[key] = shape;
          out.push(schema([d]));
        }
    }
    // a feature's keys, and the members' values themselves
    for (const shape of SHAPES) {
      const d = clone(def);
      d.features = [{ name: "f", if: shape }];
      out.push(schema([d]));
      const e = clone(def);
      if (e.data && typeof e.data === "object" && !Array.isArray(e.data)) {
        (e.data as Record<string, V>).a = shape;
        out.push(schema([e]));
      }
    }
  }
  // directives: include and pragma keys, with every shape
  const pragmas = [
    "doc-required",
    "command-name-exceptions",
    "command-returns-exceptions",
    "documentation-exceptions",
    "member-name-exceptions",
    "returns-whitelist",
    "constructor",
    "__proto__",
  ];
  for (const shape of SHAPES) {
    out.push(schema(DEFINITIONS, `{ 'include': ${text(shape)} }\n`));
    for (const p of pragmas)
      out.push(schema(DEFINITIONS, `{ 'pragma': { '${p}': ${text(shape)} } }\n`));
  }
  return out;
}

describe("every key given every shape of value", () => {
  test("only models and located diagnostics in QEMU's words", () => {
    const seen = new Set<string>();
    const outcomes = new Set<string>();
    const cases = substitutions();
    // (every other one under compat: the two dialects share most of the checks)
    cases.forEach((t, i) => outcomes.add(loadBoth(t, i % 2 === 1, seen)));
    expect(outcomes).toEqual(new Set(["ok", "error"]));
    console.log(
      `fuzz: ${cases.length} substitutions run (each in both modes), ${seen.size} forms of error message, internal errors: 0`,
    );
  });

  test("random combinations of substitutions (several keys at once)", () => {
    const seen = new Set<string>();
    const def = fc.constantFrom(...DEFINITIONS);
    const anyKey = fc.constantFrom(
      ...new Set([
        ...Object.values(DEFINITION_KEYS).flatMap((ks) => ks.map((k: { key: string }) => k.key)),
        ...Object.values(MEMBER_KEYS).flatMap((ks) => ks.map((k: { key: string }) => k.key)),
      ]),
    );
    const edit = fc.tuple(anyKey, fc.constantFrom(...SHAPES), fc.boolean());
    fc.assert(
      fc.property(
        fc.array(fc.tuple(def, fc.array(edit, { maxLength: 4 })), { maxLength: 4 }),
        fc.boolean(),
        (defs, compat) => {
          const edited = defs.map(([d, edits]) => {
            const e = clone(d);
            // (copies: a later edit may go inside a value put in by an earlier one)
            for (const [key, shape, deep] of edits) {
              const target = MEMBER_PLACES.find((p) => p.meta === Object.keys(d)[0])?.path(e);
              if (deep && isObject(target)) target[key] = clone(shape);
              else e[key] = clone(shape);
            }
            return e;
          });
          loadBoth(schema(edited), compat, seen);
        },
      ),
      { numRuns: 300 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Random and mutated texts

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

/** Well-formed definitions, so that mutations reach the later stages. */
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
  test("random text and definitions, through the whole front end", () => {
    const seen = new Set<string>();
    const outcomes = new Set<string>();
    fc.assert(
      fc.property(
        fc.oneof(schemaish, defsSchema),
        fc.boolean(),
        (t, compat) => void outcomes.add(loadBoth(t, compat, seen)),
      ),
      { numRuns: 1500 },
    );
    // the generator reaches both outcomes (otherwise the property proves little)
    expect(outcomes).toEqual(new Set(["ok", "error"]));
  });

  test("mutated definitions", () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(
        defsSchema,
        fc.array(edit, { maxLength: 3 }),
        (t, edits) => void loadBoth(mutate(t, edits), false, seen),
      ),
      { numRuns: 300 },
    );
  });
});

describe.skipIf(!qemuCases.length)("mutated QEMU regression cases", () => {
  const texts = qemuCases
    .filter((c) => existsSync(path.join(qemuCasesDir, `${c}.json`)))
    .map((c) => readFileSync(path.join(qemuCasesDir, `${c}.json`), "utf8"));
  const mutated = fc
    .tuple(
      fc.nat({ max: Math.max(0, texts.length - 1) }),
      fc.array(edit, { minLength: 1, maxLength: 4 }),
    )
    .map(([i, edits]) => mutate(texts[i] ?? "", edits));

  test("the whole front end returns a model or diagnostics", () => {
    const seen = new Set<string>();
    const outcomes = new Set<string>();
    fc.assert(
      fc.property(
        mutated,
        fc.boolean(),
        (t, compat) => void outcomes.add(loadBoth(t, compat, seen)),
      ),
      { numRuns: 500 },
    );
    expect(outcomes).toEqual(new Set(["ok", "error"]));
  });
});
