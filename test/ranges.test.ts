// Every diagnostic's range is the text at fault (model/source.ts, Diagnostic.range): a table over
// every kind of error and warning (syntax, directives, keys, values, names, members, conditions,
// features, semantic checks, doc comments, lint rules), each written with its culprit between
// « and », asserting the exact range in both of the front end's modes; the ranges of every
// diagnostic of QEMU's cases and ours (a property over all of them); and the gcc and JSON formats.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { loadSchema, loadSchemaText } from "../generator/frontend/index.ts";
import { runLint } from "../generator/services/lint.ts";
import { LINT_RULES } from "../generator/services/lint-rules.ts";
import {
  formatGcc,
  toJson,
  type Diagnostic,
  type Position,
  type SourceRange,
} from "../generator/model/source.ts";
import { projectRoot, qemuCases, qemuCasesDir } from "./helpers/paths.ts";

/** The text without its markers, and the range between « and » (and between ‹ and ›, if any). */
function marked(src: string): { text: string; range: SourceRange; related?: SourceRange } {
  let text = "";
  const at: Record<string, Position> = {};
  let line = 1;
  let col = 1;
  for (const ch of src) {
    if ("«»‹›".includes(ch)) {
      at[ch] = { line, col };
      continue;
    }
    text += ch;
    if (ch === "\n") {
      line++;
      col = 1;
    } else col += ch.length;
  }
  if (!at["«"] || !at["»"]) throw new Error(`no «range» in ${src}`);
  const range = { start: at["«"], end: at["»"] };
  return at["‹"] ? { text, range, related: { start: at["‹"], end: at["›"]! } } : { text, range };
}

/** Files a row's schema may include. */
const FILES = {
  "sub.json": "{ 'struct': 'Sub', 'data': {} }\n",
  "loop.json": "{ 'include': «'schema.json'» }\n",
};

/** The diagnostics of a schema text, front end and (on a model) lint rules, in a mode. */
function diagnose(text: string, mode: "all" | "first-error", compat = false): Diagnostic[] {
  const files = { ...FILES, "loop.json": marked(FILES["loop.json"]).text };
  const r = loadSchemaText(text, { diagnostics: mode, files, compat });
  return r.model ? [...r.diagnostics, ...runLint(r.model, LINT_RULES)] : r.diagnostics;
}

// [what, schema with «culprit», a fragment of the message]
type Row = [string, string, string];

const SYNTAX: Row[] = [
  ["stray text", "{ 'enum': 'Enu', 'data': [ «nope» ] }", "stray 'nope'"],
  ["an unterminated string", "{ 'enum': «'Enu»\n", "missing terminating"],
  ["an unknown escape", "{ 'enum': «'E\\n'», 'data': [] }", "unknown escape"],
  ["a non-ASCII string", "{ 'enum': «'É'», 'data': [] }", "funny character in string"],
  ["a missing colon", "{ 'enum' «'E'» }", "expected ':'"],
  ["a missing comma", "{ 'enum': 'Enu' «'data'»: [] }", "expected ',' or '}'"],
  ["a duplicate key", "{ 'enum': 'Enu', «'enum'»: 'F' }", "duplicate key 'enum'"],
  ["a non-string key", "{ «true»: 'E' }", "expected string or '}'"],
  ["a missing value", "{ 'enum': «}» ", "expected '{', '[', string, or boolean"],
  ["the end of the file", "{ 'enum': 'Enu', 'data': [ 'a'«»\n", "expected ',' or ']'"],
  ["a top-level array", "«[ 'a' ]»\n", "top-level expression must be an object"],
];

const DIRECTIVES: Row[] = [
  ["a number", "{ 'include': 'sub.json', 'x': «1» }", "stray '1'"],
  ["an include with a second key", "«{ 'include': 'sub.json', 'x': 'y' }»", "invalid 'include'"],
  ["a non-string include", "{ 'include': «[ 'sub.json' ]» }", "value of 'include' must be"],
  ["an unreadable include", "{ 'include': «'none.json'» }", "can't read include file"],
  ["a pragma with a second key", "«{ 'pragma': {}, 'x': 'y' }»", "invalid 'pragma' directive"],
  ["a non-object pragma", "{ 'pragma': «'doc-required'» }", "value of 'pragma' must be"],
  ["an unknown pragma", "{ 'pragma': { «'doc-needed'»: true } }", "unknown pragma"],
  ["a non-boolean doc-required", "{ 'pragma': { 'doc-required': «'yes'» } }", "must be boolean"],
  [
    "a pragma list of non-strings",
    "{ 'pragma': { 'member-name-exceptions': «[ true ]» } }",
    "must be a list of strings",
  ],
];

const KEYS_AND_VALUES: Row[] = [
  ["no meta-type key", "«{ 'data': [] }»", "expression must have exactly one key"],
  ["two meta-type keys", "{ 'enum': 'Enu', «'struct'»: 'S', 'data': [] }", "exactly one key"],
  ["a non-string name", "{ 'enum': «[ 'E' ]», 'data': [] }", "'enum' requires a string name"],
  ["a missing key", "«{ 'struct': 'Stru' }»", "struct misses key 'data'"],
  ["an unknown key's name", "{ 'struct': 'Stru', 'data': {}, «'date'»: {} }", "unknown key 'date'"],
  ["a flag's value", "{ 'command': 'c', 'boxed': «false» }", "flag 'boxed' may only use true"],
  [
    "incompatible flags",
    "{ 'command': 'c', 'allow-oob': true, «'coroutine'»: true }",
    "are incompatible",
  ],
  ["'data' of the wrong kind", "{ 'struct': 'Stru', 'data': «'T'» }", "'data' should be an object"],
  [
    "'prefix' of the wrong kind",
    "{ 'enum': 'Enu', 'prefix': «[]», 'data': [] }",
    "must be a string",
  ],
  [
    "a member's type of the wrong kind",
    "{ 'struct': 'Stru', 'data': { 'm': «true» } }",
    "type name",
  ],
  [
    "a long member's type",
    "{ 'struct': 'Stru', 'data': { 'm': { 'type': «{}» } } }",
    "should be a type name or array",
  ],
  [
    "an array of two types",
    "{ 'struct': 'Stru', 'data': { 'm': «[ 'int', 'str' ]» } }",
    "array type must contain",
  ],
  [
    "a long member's unknown key",
    "{ 'struct': 'Stru', 'data': { 'm': { 'type': 'int', «'tipe'»: 'x' } } }",
    "has unknown key 'tipe'",
  ],
  [
    "a long member missing 'type'",
    "{ 'struct': 'Stru', 'data': { 'm': «{ 'if': 'X' }» } }",
    "misses key 'type'",
  ],
  [
    "a branch's type",
    "{ 'union': 'Uni', 'base': { 'k': 'Enu' }, 'discriminator': 'k', 'data': { 'a': «[ 'Bra' ]» } }",
    "should be a type name",
  ],
  ["an empty alternate", "{ 'alternate': 'Alt', 'data': «{}» }", "must not be empty"],
  ["enum data not an array", "{ 'enum': 'Enu', 'data': «{}» }", "'data' must be an array"],
  ["'boxed' without 'data'", "{ 'command': 'c', «'boxed'»: true }", "requires 'data'"],
  ["a union's base", "{ 'union': 'Uni', 'base': «[]», 'discriminator': 'k', 'data': {} }", "base'"],
];

const NAMES: Row[] = [
  ["a type name", "{ 'struct': «'my-struct'», 'data': {} }", "must use CamelCase"],
  ["a type name ending in List", "{ 'struct': «'ThingList'», 'data': {} }", "not end in 'List'"],
  ["a command name", "{ 'command': «'Do_It'» }", "must not use uppercase"],
  ["an event name", "{ 'event': «'went-up'» }", "must not use lowercase"],
  ["an invalid name", "{ 'command': «'q_x'» }", "has an invalid name"],
  ["a member name", "{ 'struct': 'Stru', 'data': { «'*Big'»: 'int' } }", "must not use uppercase"],
  ["a reserved member name", "{ 'struct': 'Stru', 'data': { «'has-x'»: 'int' } }", "reserved name"],
  ["an enum value", "{ 'enum': 'Enu', 'data': [ 'a', «'B'» ] }", "must not use uppercase"],
  ["a long enum value", "{ 'enum': 'Enu', 'data': [ { 'name': «'B'» } ] }", "must not use upper"],
  [
    "an alternative's name",
    "{ 'alternate': 'Alt', 'data': { «'Int'»: 'int', 's': 'str' } }",
    "must not use uppercase",
  ],
  ["a feature name", "{ 'struct': 'Stru', 'data': {}, 'features': [ «'F'» ] }", "must not use up"],
  [
    "a long feature name",
    "{ 'struct': 'Stru', 'data': {}, 'features': [ { 'name': «'F'» } ] }",
    "must not use uppercase",
  ],
];

const CONDITIONS_AND_FEATURES: Row[] = [
  ["a condition", "{ 'struct': 'Stru', 'data': {}, 'if': «'lower'» }", "not a valid identifier"],
  [
    "a nested condition",
    "{ 'struct': 'Stru', 'data': {}, 'if': { 'all': [ 'A', { 'not': «'b'» } ] } }",
    "not a valid identifier",
  ],
  ["an empty 'all'", "{ 'struct': 'Stru', 'data': {}, 'if': { 'all': «[]» } }", "is useless"],
  [
    "two operators",
    "{ 'struct': 'Stru', 'data': {}, 'if': «{ 'all': [ 'A' ], 'any': [ 'B' ] }» }",
    "conflicting keys",
  ],
  ["an unknown operator", "{ 'struct': 'Stru', 'data': {}, 'if': { «'one'»: [] } }", "unknown key"],
  ["a non-array 'any'", "{ 'struct': 'Stru', 'data': {}, 'if': { 'any': «'A'» } }", "be an array"],
  [
    "a member's condition",
    "{ 'struct': 'Stru', 'data': { 'm': { 'type': 'int', 'if': «[]» } } }",
    "must be a string or an object",
  ],
  ["features not an array", "{ 'struct': 'Stru', 'data': {}, 'features': «'f'» }", "be an array"],
  [
    "a feature's unknown key",
    "{ 'struct': 'Stru', 'data': {}, 'features': [ { 'name': 'f', «'when'»: 'X' } ] }",
    "unknown key",
  ],
];

const SEMANTIC: Row[] = [
  ["an unknown member type", "{ 'struct': 'Stru', 'data': { 'm': «'Nope'» } }", "unknown type"],
  [
    "an unknown long member type",
    "{ 'struct': 'Stru', 'data': { 'm': { 'type': «'Nope'» } } }",
    "unknown type",
  ],
  [
    "an unknown array element",
    "{ 'struct': 'Stru', 'data': { 'm': «[ 'Nope' ]» } }",
    "unknown type",
  ],
  ["an unknown base", "{ 'struct': 'Stru', 'base': «'Nope'», 'data': {} }", "unknown type"],
  ["an unknown return type", "{ 'command': 'c', 'returns': «'Nope'» }", "unknown type"],
  ["an unknown argument type", "{ 'command': 'c', 'data': «'Nope'» }", "unknown type"],
  [
    "a redefinition",
    "{ 'struct': ‹'Stru'›, 'data': {} }\n{ 'enum': «'Stru'», 'data': [] }",
    "'Stru' is already defined",
  ],
  [
    "a base that is no struct",
    "{ 'enum': 'Enu', 'data': [] }\n{ 'struct': 'Stru', 'base': «'Enu'», 'data': {} }",
    "'base' requires a struct type",
  ],
  [
    "a discriminator not in the base",
    "{ 'union': 'Uni', 'base': {}, 'discriminator': «'k'», 'data': {} }",
    "is not a member of",
  ],
  [
    "a discriminator not an enum",
    "{ 'union': 'Uni', 'base': { 'k': 'int' }, 'discriminator': «'k'», 'data': {} }",
    "must be of enum type",
  ],
  [
    "a branch not a value",
    "{ 'enum': 'Enu', 'data': [ 'a' ] }\n{ 'struct': 'Bra', 'data': {} }\n" +
      "{ 'union': 'Uni', 'base': { 'k': 'Enu' }, 'discriminator': 'k', 'data': { 'a': 'Bra', «'z'»: 'Bra' } }",
    "is not a value of",
  ],
  [
    "a branch of a non-struct type",
    "{ 'enum': 'Enu', 'data': [ 'a' ] }\n" +
      "{ 'union': 'Uni', 'base': { 'k': 'Enu' }, 'discriminator': 'k', 'data': { 'a': «'int'» } }",
    "cannot use built-in type",
  ],
  [
    "a union without branches",
    "{ 'enum': 'Enu', 'data': [] }\n" +
      "{ 'union': 'Uni', 'base': { 'k': 'Enu' }, 'discriminator': 'k', 'data': «{}» }",
    "union has no branches",
  ],
  [
    "members that collide",
    "{ 'pragma': { 'member-name-exceptions': [ 'Stru' ] } }\n" +
      "{ 'struct': 'Stru', 'data': { 'a-b': 'int', «'a_b'»: 'int' } }",
    "collides with",
  ],
  [
    "a member that collides with the base's",
    "{ 'struct': 'Bra', 'data': { 'a': 'int' } }\n{ 'struct': 'Stru', 'base': 'Bra', 'data': { «'*a'»: 'int' } }",
    "collides with",
  ],
  [
    "a branch whose members collide with the base's",
    "{ 'enum': 'Enu', 'data': [ 'a' ] }\n{ 'struct': 'Bra', 'data': { 'k': 'int' } }\n" +
      "{ 'union': 'Uni', 'base': { 'k': 'Enu' }, 'discriminator': 'k', 'data': { 'a': «'Bra'» } }",
    "collides with",
  ],
  [
    "enum values that collide",
    "{ 'pragma': { 'member-name-exceptions': [ 'Enu' ] } }\n" +
      "{ 'enum': 'Enu', 'data': [ 'a-b', «'a_b'» ] }",
    "collides with",
  ],
  [
    "features that collide",
    "{ 'command': 'c', 'features': [ 'f', { 'name': «'f'», 'if': 'X' } ] }",
    "collides with",
  ],
  [
    "indistinguishable alternatives",
    "{ 'alternate': 'Alt', 'data': { 'a': 'int', 'b': «'number'» } }",
    "can't be distinguished",
  ],
  [
    "a special feature on a type",
    "{ 'struct': 'Stru', 'data': {}, 'features': [ «'deprecated'» ] }",
    "is not supported for types",
  ],
  ["arguments of a non-object type", "{ 'command': 'c', 'data': «'int'» }", "cannot take"],
  ["a non-object return type", "{ 'command': 'c', 'returns': «'int'» }", "cannot take"],
  [
    "conditional arguments",
    "{ 'struct': 'Stru', 'data': { 'm': { 'type': 'int', 'if': 'X' } } }\n{ 'command': 'c', 'data': «'Stru'» }",
    "require 'boxed': true",
  ],
  [
    "more than 64 features",
    "{ 'struct': 'Stru', 'data': {}, 'features': [ " +
      Array.from({ length: 62 }, (_, i) => `'f${i}', `).join("") +
      "«'g'», 'h' ] }",
    "Maximum of 64 schema features",
  ],
];

const DOCS: Row[] = [
  [
    "a doc for another symbol",
    "##\n# «@Tee:»\n##\n{ 'struct': 'Stru', 'data': {} }",
    "is for 'Tee'",
  ],
  [
    "a required doc missing",
    "{ 'pragma': { 'doc-required': true } }\n{ 'struct': «'Stru'», 'data': {} }",
    "documentation comment required",
  ],
  [
    "a free-form doc before a definition",
    "«##»\n# Text.\n##\n{ 'struct': 'Stru', 'data': {} }",
    "definition documentation required",
  ],
  [
    "a doc without its definition",
    "##\n# «@Stru:»\n##\n{ 'include': 'sub.json' }",
    "is not followed by",
  ],
  [
    "an undocumented member",
    "##\n# @Stru:\n##\n{ 'struct': 'Stru', 'data': { «'*m'»: 'int' } }",
    "member 'm' lacks documentation",
  ],
  [
    "an undocumented value",
    "##\n# @Enu:\n#\n# @a: A.\n##\n{ 'enum': 'Enu', 'data': [ 'a', «'b'» ] }",
    "value 'b' lacks documentation",
  ],
  [
    "an undocumented feature",
    "##\n# @c:\n##\n{ 'command': 'c', 'features': [ «'f'» ] }",
    "feature 'f' lacks documentation",
  ],
  [
    "a documented member that isn't",
    "##\n# @Stru:\n#\n# «@m:» M.\n##\n{ 'struct': 'Stru', 'data': {} }",
    "does not exist",
  ],
  [
    "'Returns' on a type",
    "##\n# @Stru:\n#\n# «Returns:» R.\n##\n{ 'struct': 'Stru', 'data': {} }",
    "only valid for commands",
  ],
  [
    "'Errors' on an event",
    "##\n# @EV:\n#\n# «Errors:» E.\n##\n{ 'event': 'EV' }",
    "only valid for commands",
  ],
  [
    "'Returns' without returns",
    "##\n# @c:\n#\n# «Returns:» R.\n##\n{ 'command': 'c' }",
    "doesn't return",
  ],
  [
    "a second 'Since'",
    "##\n# @c:\n#\n# Since: 1.0\n#\n# «Since:» 2.0\n##\n{ 'command': 'c' }",
    "duplicated 'Since'",
  ],
  ["a tag without text", "##\n# @c:\n#\n# «Since:»\n##\n{ 'command': 'c' }", "text required after"],
  [
    "a duplicated description",
    "##\n# @c:\n#\n# @a: A.\n#\n# «@a:» A.\n##\n{ 'command': 'c', 'data': { 'a': 'int' } }",
    "parameter name duplicated",
  ],
  [
    "an empty description name",
    "##\n# @c:\n#\n# «@:» A.\n##\n{ 'command': 'c' }",
    "invalid parameter name",
  ],
  [
    "a description after a section",
    "##\n# @c:\n#\n# Since: 1.0\n#\n# «@a:» A.\n##\n{ 'command': 'c', 'data': { 'a': 'int' } }",
    "follows a section",
  ],
  ["no space after #", "##\n# @c:\n«#Text.»\n##\n{ 'command': 'c' }", "missing space after #"],
  [
    "a long doc line",
    `##\n# @c:\n#\n# ${"x".repeat(68)}«yy»\n##\n{ 'command': 'c' }`,
    "longer than 70 characters",
  ],
  [
    "a de-indent",
    "##\n# @c:\n#\n# @a: One\n#     two\n#   «three»\n##\n{ 'command': 'c', 'data': { 'a': 'int' } }",
    "unexpected de-indent",
  ],
  ["junk after ##", "«## x»\n# @c:\n##\n{ 'command': 'c' }", "junk after '##' at start"],
  ["junk after the closing ##", "##\n# @c:\n«##x»\n{ 'command': 'c' }", "junk after '##' at end"],
  ["an unclosed doc", "##\n# @c:\n«{» 'command': 'c' }", "must end with '##'"],
  ["a description in free-form doc", "##\n# Text.\n# «@a:» A.\n##\n", "not allowed in free-form"],
  ["a symbol line without colon", "##\n# «@c xyz»\n##\n{ 'command': 'c' }", "should end with ':'"],
  ["a symbol line without a name", "##\n# «@:»\n##\n{ 'command': 'c' }", "name required after '@'"],
  [
    "a second 'Features:'",
    "##\n# @c:\n#\n# Features:\n#\n# @f: F.\n#\n# «Features:»\n#\n# @g: G.\n##\n{ 'command': 'c', 'features': [ 'f', 'g' ] }",
    "duplicated 'Features:' line",
  ],
  [
    "'Features:' without features",
    "##\n# @c:\n#\n# Features:\n#\n«# Text.»\n##\n{ 'command': 'c' }",
    "feature descriptions expected",
  ],
  [
    "a 'Note' section",
    "##\n# @c:\n#\n# «Note:» N.\n##\n{ 'command': 'c' }",
    "'Note' section is no longer",
  ],
];

const LINT: Row[] = [
  [
    "a marker member",
    "{ 'struct': 'Stru',\n  'data': { 'a': 'int',\n            «'*m'»: 'null' } }",
    "[marker-member]",
  ],
  ["an x- member", "{ 'struct': 'Stru',\n  'data': { «'x-m'»: 'int' } }", "[x-name]"],
  ["an x- command", "{ 'command': «'x-c'» }", "[x-name]"],
];

const TABLE: [string, Row[]][] = [
  ["syntax", SYNTAX],
  ["directives", DIRECTIVES],
  ["keys and values", KEYS_AND_VALUES],
  ["names", NAMES],
  ["conditions and features", CONDITIONS_AND_FEATURES],
  ["semantic checks", SEMANTIC],
  ["doc comments", DOCS],
  ["lint rules", LINT],
];

const withRule = (d: Diagnostic): string => d.message + (d.rule ? ` [${d.rule}]` : "");

describe.each(TABLE)("ranges: %s", (_, rows) => {
  test.each(rows)("%s", (_what, src, fragment) => {
    const { text, range, related } = marked(src);
    for (const mode of ["all", "first-error"] as const) {
      const found = diagnose(text, mode).filter((d) => withRule(d).includes(fragment));
      expect(found.map(withRule), mode).toHaveLength(1);
      expect(found[0]!.range, mode).toEqual(range);
      if (related) expect(found[0]!.related?.[0]?.range).toEqual(related);
    }
  });
});

test("the inclusion loop's culprit is the include in the included file", () => {
  const d = diagnose("{ 'include': 'loop.json' }", "all").find((x) =>
    x.message.startsWith("inclusion loop"),
  )!;
  expect(d.info?.fname).toBe("loop.json");
  expect(d.range).toEqual(marked(FILES["loop.json"]).range);
});

test("invalid UTF-8: the byte, after the text before it on its line", () => {
  const bytes = Buffer.concat([
    Buffer.from("{ 'enum': 'Enu',\n  'data': [ 'é"),
    Buffer.from([0xff]),
  ]);
  const r = loadSchema("bytes.json", {
    host: { absolute: (f) => `/${f}`, read: () => ({ bytes }) },
  });
  expect(r.diagnostics[0]!.range).toEqual({
    start: { line: 2, col: 15 },
    end: { line: 2, col: 16 },
  });
});

test("--compat's warnings point at what they accept", () => {
  const { text, range } = marked("{ 'struct': 'Stru', 'data': {}, 'if': «'defined(CONFIG_X)'» }");
  const w = diagnose(text, "all", true).find((d) => d.message.includes("C preprocessor"))!;
  expect(w.severity).toBe("warning");
  expect(w.range).toEqual(range);
});

/**
 * Every diagnostic with a place has a range, ordered, inside its file: QEMU's cases and ours,
 * front end and lint rules.
 */
describe("every diagnostic has a range inside its file", () => {
  const ours = path.join(projectRoot, "test/cases");
  const suites: [string, string, string[]][] = [
    ["QEMU's cases", qemuCasesDir, qemuCases],
    [
      "our cases",
      ours,
      readdirSync(ours)
        .filter((f) => f.endsWith(".lint"))
        .map((f) => f.slice(0, -5)),
    ],
  ];
  const cwd = process.cwd();
  beforeAll(() => process.chdir(projectRoot));
  afterAll(() => process.chdir(cwd));

  test.each(suites.filter(([, , names]) => names.length))("%s", (_, dir, names) => {
    let checked = 0;
    for (const name of names) {
      const file = path.join(dir, `${name}.json`);
      const r = loadSchema(file, { diagnostics: "all" });
      const all = r.model ? [...r.diagnostics, ...runLint(r.model, LINT_RULES)] : r.diagnostics;
      for (const d of all) {
        if (!d.info) continue;
        checked++;
        expect(d.range, `${name}: ${d.message}`).toBeDefined();
        const { start, end } = d.range!;
        expect(start.line < end.line || (start.line === end.line && start.col <= end.col)).toBe(
          true,
        );
        const lines = readFileSync(d.info.fname, "utf8").split(/\r\n?|\n/);
        expect(end.line).toBeLessThanOrEqual(lines.length);
        expect(end.col - 1).toBeLessThanOrEqual(lines[end.line - 1]!.length);
      }
    }
    expect(checked).toBeGreaterThan(0);
  });
});

describe("formats", () => {
  const text =
    "{ 'struct': 'Stru',\n  'data': { 'a': 'int',\n\t    '*m': 'null' } }\n{ 'enum': 'Stru', 'data': [] }\n";
  const ds = diagnose(text, "all");

  test("gcc: file:line:col at the range, the line, the range underlined; notes alike", () => {
    expect(ds.map(formatGcc)).toEqual([
      "schema.json:4:11: error: 'Stru' is already defined\n" +
        "    4 | { 'enum': 'Stru', 'data': [] }\n" +
        "      |           ^~~~~~\n" +
        "schema.json:1:13: note: previous definition\n" +
        "    1 | { 'struct': 'Stru',\n" +
        "      |             ^~~~~~",
    ]);
    const lint = loadSchemaText(text.split("\n").slice(0, 3).join("\n") + "\n").model!;
    // (A tab is expanded to the next multiple of 8, under the line as above it.)
    expect(runLint(lint).map(formatGcc)).toEqual([
      "schema.json:3:6: warning: member 'm' of type 'null' is a marker (present only to be seen in introspection); declare a feature on 'Stru' instead [marker-member]\n" +
        "    3 |             '*m': 'null' } }\n" +
        "      |             ^~~~",
    ]);
  });

  test("gcc: without a range, QEMU's place, and a column only where QEMU gives one", () => {
    const d = diagnose(text, "all")[0]!;
    const { range: _, ...rangeless } = d;
    expect(formatGcc({ ...rangeless, related: [] })).toBe(
      "schema.json:4: error: 'Stru' is already defined",
    );
    expect(formatGcc({ ...rangeless, col: 3, related: [] })).toBe(
      "schema.json:4:3: error: 'Stru' is already defined",
    );
  });

  test("gcc: a long line is cut around the range, unprintable characters shown as '?'", () => {
    const members = (from: number, to: number): string =>
      Array.from({ length: to - from }, (_, i) => `'m${from + i}': 'int'`).join(", ");
    const long = `{ 'struct': 'Stru', 'data': { ${members(0, 20)}, 'Bad': 'int', ${members(20, 40)} } }\n`;
    const d = loadSchemaText(long).diagnostics[0]!;
    const [, shown, marks] = formatGcc(d).split("\n");
    expect(shown!.length).toBeLessThan(200);
    expect(shown).toMatch(/^ {4}1 \| \.\.\..*'Bad'.*\.\.\.$/);
    expect(marks!.indexOf("^~~~~")).toBe(shown!.indexOf("'Bad'"));
    const ctl = loadSchemaText("{ 'enum': 'Enu', 'data': [] }\x1b[2J 'x'\n").diagnostics[0]!;
    expect(formatGcc(ctl).split("\n")[1]).toBe("    1 | { 'enum': 'Enu', 'data': [] }?[2J 'x'");
  });

  test("json: the range as ESLint gives it (1-based, end exclusive), related places alike", () => {
    expect(ds.map(toJson)).toEqual([
      {
        severity: "error",
        rule: null,
        code: null,
        file: "schema.json",
        line: 4,
        column: 11,
        endLine: 4,
        endColumn: 17,
        definition: { meta: "enum", name: "Stru" },
        includedFrom: [],
        message: "'Stru' is already defined",
        related: [
          {
            file: "schema.json",
            line: 1,
            column: 13,
            endLine: 1,
            endColumn: 19,
            message: "previous definition",
          },
        ],
      },
    ]);
    const none = toJson({ severity: "error", message: "m", info: ds[0]!.info, col: 7 });
    expect([none.line, none.column, none.endLine, none.endColumn]).toEqual([4, 7, null, null]);
  });
});
