// The parser on its own (generator/frontend/parser/, lexer.ts, doc-comments.ts): QEMU's regression cases as far
// as parsing decides them, values and their positions, includes and pragmas, documentation
// blocks, the legacy dialect under compat, and the real QEMU schemas.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseSchema, type ParseOptions } from "../generator/frontend/parser/index.ts";
import { memoryHost } from "../generator/frontend/host.ts";
import { Stray, TokenStream } from "../generator/frontend/lexer.ts";
import { DiagnosticSink } from "../generator/frontend/diagnostics.ts";
import { QAPIError, formatQemu, type Diagnostic } from "../generator/model/source.ts";
import type { DefinitionExpr, Expr, ParsedSchema } from "../generator/frontend/ast.ts";
import type { QAPIDoc } from "../generator/frontend/doc-comments.ts";
import { qemuCases, qemuCasesDir, shared } from "./helpers/paths.ts";

const casesDir = qemuCasesDir;
const haveShared = qemuCases.length > 0;
if (!haveShared) console.log(`parser: QEMU cases skipped, ${shared} is absent`);

const strict: ParseOptions = { compat: false };

/** Parses schema text held in memory (as file `fname`). */
function parseText(fname: string, text: string, options: ParseOptions = strict): ParsedSchema {
  return parseSchema(fname, { ...options, host: memoryHost({ [fname]: text }) });
}

/** Parses with compat, collecting the warnings. */
function parseCompat(
  fname: string,
  text: string,
): { parsed: ParsedSchema; warnings: Diagnostic[] } {
  const sink = new DiagnosticSink();
  const parsed = parseText(fname, text, { compat: true, sink });
  return { parsed, warnings: sink.diagnostics() };
}

/** Parse text; the error as QEMU prints it, or null. */
function errorOf(text: string, fname = "t.json", options: ParseOptions = strict): string | null {
  try {
    parseText(fname, text, options);
    return null;
  } catch (e) {
    if (e instanceof QAPIError) return formatQemu(e.diagnostic);
    throw e;
  }
}

function defs(text: string): DefinitionExpr[] {
  return parseText("t.json", text).exprs.filter(
    (e): e is DefinitionExpr => e.kind === "definition",
  );
}

/** Docs in the order of the stream, printed as QEMU's test-qapi.py prints them. */
function printDocs(exprs: Expr[]): string {
  let out = "";
  for (const e of exprs) {
    const doc: QAPIDoc | null = e.kind === "include" ? null : e.doc;
    if (!doc) continue;
    out += doc.symbol ? `doc symbol=${doc.symbol}\n` : "doc freeform\n";
    out += `    body=\n${doc.body.text}\n`;
    for (const [n, s] of doc.args) out += `    arg=${n}\n${s.text}\n`;
    for (const [n, s] of doc.features) out += `    feature=${n}\n${s.text}\n`;
    for (const s of doc.sections) out += `    section=${s.kind}\n${s.text}\n`;
  }
  return out;
}

describe.skipIf(!haveShared)("QEMU's regression cases, as far as the parser decides them", () => {
  const cases = qemuCases;
  const cwd = process.cwd();
  beforeAll(() => process.chdir(casesDir));
  afterAll(() => process.chdir(cwd));

  test("every error the parser raises is QEMU's, byte for byte; valid cases parse", () => {
    let parseErrors = 0;
    const wrong: string[] = [];
    for (const name of cases) {
      const expected = readFileSync(`${name}.err`, "utf8");
      let got = "";
      try {
        parseSchema(`${name}.json`, strict);
      } catch (e) {
        if (!(e instanceof QAPIError)) throw e;
        got = formatQemu(e.diagnostic) + "\n";
      }
      if (got) {
        parseErrors++;
        if (got !== expected)
          wrong.push(`${name}: got ${JSON.stringify(got)}, expected ${JSON.stringify(expected)}`);
      } else if (/^[^\s:]+:\d+:\d+: /m.test(expected)) {
        // Only the parser reports columns: such an error must have come from here.
        wrong.push(`${name}: parsed, but QEMU reports ${JSON.stringify(expected)}`);
      }
    }
    console.log(
      `parser: ${parseErrors} of ${cases.length} cases end in a parse error, ${parseErrors - wrong.length} exactly QEMU's`,
    );
    expect(wrong).toEqual([]);
    expect(parseErrors).toBeGreaterThan(0);
  });

  test("documentation blocks print as in the expected dumps", () => {
    let compared = 0;
    for (const name of cases) {
      const out = readFileSync(`${name}.out`, "utf8");
      if (!out) continue;
      const at = out.search(/^doc (symbol=|freeform)/m);
      let expected = at < 0 ? "" : out.slice(at);
      const parsed = parseSchema(`${name}.json`, strict);
      // Undocumented members of documentation-exceptions get an empty description when the
      // model connects them (schema.ts); the parser alone cannot know them.
      const exempt = new Set<string>();
      for (const e of parsed.exprs)
        if (e.kind !== "include")
          for (const x of e.info.pragma.documentationExceptions) exempt.add(x);
      const got = printDocs(parsed.exprs);
      const blocks = (text: string): string[] => text.split(/(?=^doc (?:symbol=|freeform))/m);
      const gotBlocks = blocks(got);
      expected = blocks(expected)
        .map((block, i) => {
          const symbol = /^doc symbol=(\S+)/.exec(block)?.[1];
          if (!symbol || !exempt.has(symbol)) return block;
          return block.replace(/^ {4}arg=\S+\n\n/gm, (arg) =>
            gotBlocks[i]?.includes(arg) ? arg : "",
          );
        })
        .join("");
      expect(got, name).toBe(expected);
      compared++;
    }
    expect(compared).toBeGreaterThan(0);
  });
});

describe("values", () => {
  test("strings, booleans, lists and objects, keys in source order, at their line", () => {
    const [d] = defs(
      "# comment\n{ 'struct': 'S', # trailing\n  'data': [ true, false, {}, [ 'x' ] ], 'z': { 'b': '', 'a': 'y' } }\n",
    );
    expect(d!.info.line).toBe(2);
    expect(d!.plain.get("data")).toEqual([true, false, new Map(), ["x"]]);
    expect([...d!.plain.keys()]).toEqual(["struct", "data", "z"]);
    expect([...(d!.plain.get("z") as Map<string, unknown>).entries()]).toEqual([
      ["b", ""],
      ["a", "y"],
    ]);
    // any key is just a key
    const [p] = defs("{ '__proto__': 'a', 'constructor': { 'toString': [] } }");
    expect([...p!.plain.keys()]).toEqual(["__proto__", "constructor"]);
    expect(p!.plain.get("constructor")).toEqual(new Map([["toString", []]]));
  });

  test("only \\\\ escapes; printable ASCII only", () => {
    expect(defs("{ 'a': 'x\\\\y' }")[0]!.plain.get("a")).toBe("x\\y");
    expect(errorOf("{ 'a': 'x\\'y' }")).toBe("t.json:1:8: unknown escape \\'");
    expect(errorOf("{ 'a': 'x\\ny' }")).toBe("t.json:1:8: unknown escape \\n");
    expect(errorOf("{ 'a': 'caf\u00e9' }")).toBe("t.json:1:8: funny character in string");
    expect(errorOf("{ 'a': 'tab\there' }")).toBe("t.json:1:8: funny character in string");
    expect(errorOf("{ 'a': 'open }\n")).toBe('t.json:1:8: missing terminating "\'"');
    expect(errorOf("{ 'a': 'open")).toBe('t.json:1:8: missing terminating "\'"');
  });

  test("\\r\\n and \\r end lines, as in Python's universal-newlines mode", () => {
    const [d] = defs("# c\r\n{ 'enum': 'E',\r 'data': [] }\r\n");
    expect(d!.info.line).toBe(2);
    expect(errorOf("# c\r\n{ 'enum': 'E',\r 'data' [] }\r\n")).toBe("t.json:3:9: expected ':'");
    expect(errorOf("##\r\n# @x:\r\n##\r\n{ 'enum': 'x', 'data': [] }\r\n")).toBeNull();
  });

  test("columns expand tabs to the next multiple of 8 and count code points", () => {
    expect(errorOf("\t{ 'a' 'b' }")).toBe("t.json:1:15: expected ':'");
    expect(errorOf("  \t x")).toBe("t.json:1:10: stray 'x'");
    expect(errorOf("# \u{1F600}\n\u00e9 x")).toBe("t.json:2:1: stray '\u00e9'");
    expect(errorOf("{ '\u{1F600}' }")).toBe("t.json:1:3: funny character in string");
  });

  test("every character starts a token: what nothing else takes is stray text", () => {
    // (the lexer looks tokens up by first character, those above 255 in buckets)
    const lines: string[] = [];
    for (let c = 0; c < 0x10000; c++) {
      const ch = String.fromCharCode(c);
      // Python's whitespace (QEMU's), structural characters, quotes, comments
      const taken =
        /[\t\n\v\f\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000[\]{}:,'#]/;
      if (!taken.test(ch)) lines.push(`x${ch}`, ch);
    }
    const stream = new TokenStream(lines.join("\n") + "\n");
    let strays = 0;
    for (let t = stream.pull(); t; t = stream.pull()) if (t.tokenType === Stray) strays++;
    expect(strays).toBe(lines.length);
  });

  test("QEMU's syntax errors", () => {
    expect(errorOf("{ 'a': 'b' 'c' }")).toBe("t.json:1:12: expected ',' or '}'");
    expect(errorOf("{ 'a': 'b', }")).toBe("t.json:1:13: expected string");
    expect(errorOf("{ 'a': [ 'b' 'c' ] }")).toBe("t.json:1:14: expected ',' or ']'");
    expect(errorOf("{ 'a': [ : ] }")).toBe("t.json:1:10: expected value or ']'");
    expect(errorOf("{ 'a': : }")).toBe("t.json:1:8: expected '{', '[', string, or boolean");
    expect(errorOf("{ 'a': trueish }")).toBe("t.json:1:12: stray 'ish'");
    expect(errorOf("{ 'a': tru }")).toBe("t.json:1:8: stray 'tru'");
    expect(errorOf("{ 'a': 1, 'a': 2 }")).toBe("t.json:1:8: stray '1'");
    expect(errorOf("{ 'a': 'x', 'a': 'y' }")).toBe("t.json:1:18: duplicate key 'a'");
    expect(errorOf("['a']")).toBe("t.json:1: top-level expression must be an object");
    expect(errorOf("{ 'a': 'b'")).toBe("t.json:1:11: expected ',' or '}'");
    // the lexer's error comes first when it is in the token after the one in error
    expect(errorOf("{ 'a': 'x', 'a': @ }")).toBe("t.json:1:18: stray '@'");
    // a doc comment inside an expression is a token, not a comment
    expect(errorOf("{ 'a': ## x\n 'b' }")).toBe(
      "t.json:1:8: expected '{', '[', string, or boolean",
    );
  });
});

describe("includes and pragmas", () => {
  let dir = "";
  const write = (name: string, text: string): string => {
    const p = path.join(dir, name);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, text);
    return p;
  };
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "qapi-parser-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("resolve relative to the including file, name files as QEMU does, parse each once", () => {
    const main = write(
      "main.json",
      "{ 'include': 'sub/a.json' }\n{ 'include': 'sub/b.json' }\n{ 'enum': 'M', 'data': [] }\n",
    );
    write("sub/a.json", "{ 'include': 'b.json' }\n{ 'enum': 'A', 'data': [] }\n");
    write("sub/b.json", "{ 'enum': 'B', 'data': [] }\n");
    const { exprs } = parseSchema(main, strict);
    const summary = exprs.map((e) =>
      e.kind === "include"
        ? `include ${path.relative(dir, e.resolved)} (${e.file}) at ${path.relative(dir, e.info.fname)}:${e.info.line}`
        : e.kind === "definition"
          ? `${e.plain.get("enum") as string} in ${path.relative(dir, e.info.fname)}`
          : e.kind,
    );
    expect(summary).toEqual([
      "include sub/a.json (sub/a.json) at main.json:1",
      "include sub/b.json (b.json) at sub/a.json:1",
      "B in sub/b.json",
      "A in sub/a.json",
      "include sub/b.json (sub/b.json) at main.json:2",
      "M in main.json",
    ]);
    const b = exprs[2] as DefinitionExpr;
    expect(b.info.parent?.fname).toBe(path.join(dir, "sub/a.json"));
    expect(b.info.parent?.parent?.fname).toBe(main);
  });

  test("inclusion loops, through the chain and of a file itself", () => {
    const a = write("loop-a.json", "{ 'include': 'loop-b.json' }\n");
    write("loop-b.json", "\n{ 'include': 'loop-a.json' }\n");
    const self = write("self.json", "{ 'include': 'self.json' }\n");
    const msg = (f: string): string => {
      try {
        parseSchema(f, strict);
      } catch (e) {
        return formatQemu((e as QAPIError).diagnostic)
          .split(dir + "/")
          .join("");
      }
      return "";
    };
    expect(msg(a)).toBe(
      "In file included from loop-a.json:1:\nloop-b.json:2: inclusion loop for loop-a.json",
    );
    expect(msg(self)).toBe("self.json:1: inclusion loop for self.json");
  });

  test("pragmas are shared by a file and everything it includes, in order of appearance", () => {
    const main = write(
      "p.json",
      "{ 'pragma': { 'doc-required': true } }\n{ 'include': 'p-sub.json' }\n",
    );
    write(
      "p-sub.json",
      "{ 'pragma': { 'member-name-exceptions': [ 'X' ] } }\n{ 'enum': 'E', 'data': [] }\n",
    );
    const e = parseSchema(main, strict).exprs.find((x) => x.kind === "definition")!;
    expect(e.info.pragma.docRequired).toBe(true);
    expect(e.info.pragma.memberNameExceptions).toEqual(["X"]);
  });

  test("pragma errors", () => {
    expect(errorOf("{ 'pragma': { 'doc-required': 'yes' } }")).toBe(
      "t.json:1: pragma 'doc-required' must be boolean",
    );
    expect(errorOf("{ 'pragma': { 'command-name-exceptions': [ true ] } }")).toBe(
      "t.json:1: pragma command-name-exceptions must be a list of strings",
    );
    expect(errorOf("{ 'pragma': { 'returns-whitelist': [ 'a' ] } }")).toBe(
      "t.json:1: unknown pragma 'returns-whitelist'",
    );
    expect(errorOf("{ 'pragma': [] }")).toBe("t.json:1: value of 'pragma' must be an object");
    expect(errorOf("{ 'include': 'x.json', 'if': 'A' }")).toBe(
      "t.json:1: invalid 'include' directive",
    );
  });

  test("legacy pragma names under compat: accepted, one warning per name", () => {
    const {
      parsed: { exprs },
      warnings,
    } = parseCompat(
      "t.json",
      "{ 'pragma': { 'returns-whitelist': [ 'a' ], 'name-case-whitelist': [ 'B' ] } }\n" +
        "{ 'pragma': { 'returns-whitelist': [ 'c' ] } }\n{ 'enum': 'E', 'data': [] }\n",
    );
    expect(warnings.map(formatQemu)).toEqual([
      "t.json:1: warning: legacy pragma 'returns-whitelist' (accepted by --compat)",
      "t.json:1: warning: legacy pragma 'name-case-whitelist' (accepted by --compat)",
    ]);
    expect(exprs[0]!.info.pragma.commandReturnsExceptions).toEqual(["c"]);
    expect(exprs[0]!.info.pragma.memberNameExceptions).toEqual(["B"]);
  });
});

describe("documentation blocks", () => {
  const doc = (text: string): QAPIDoc => {
    const e = parseText("t.json", text).exprs[0]!;
    if (e.kind === "include") throw new Error("no doc");
    return e.doc!;
  };

  test("symbol, body, descriptions, features and tagged sections", () => {
    const d = doc(
      "##\n# @cmd:\n#\n# Does things.\n# Really.\n#\n# @a: first\n#     continued\n# @b:\n#     own line\n#\n" +
        "# Features:\n#\n# @deprecated: old\n#\n# Returns: stuff\n#\n# Errors:\n#     - bad\n#\n# Since: 1.0\n#\n# TODO: more\n##\n" +
        "{ 'command': 'cmd', 'data': { 'a': 'int', 'b': 'int' }, 'returns': 'int' }\n",
    );
    expect(d.symbol).toBe("cmd");
    expect(d.info.line).toBe(1);
    expect(d.body.text).toBe("Does things.\nReally.");
    expect([...d.args].map(([n, s]) => [n, s.text, s.info.line])).toEqual([
      ["a", "first\n    continued", 7],
      ["b", "    own line", 9],
    ]);
    expect([...d.features].map(([n, s]) => [n, s.text])).toEqual([["deprecated", "old"]]);
    expect(d.sections.map((s) => [s.kind, s.text])).toEqual([
      ["Returns", "stuff"],
      ["Errors", "    - bad"],
      ["Since", "1.0"],
      ["Todo", "more"],
    ]);
  });

  test("a symbol doc attaches to the definition after it; free-form docs stand alone", () => {
    const { exprs } = parseText(
      "t.json",
      "##\n# = Title\n##\n\n##\n# @E:\n##\n{ 'enum': 'E', 'data': [] }\n",
    );
    expect(exprs.map((e) => e.kind)).toEqual(["freeform", "definition"]);
    expect((exprs[1] as DefinitionExpr).doc?.symbol).toBe("E");
    expect((exprs[0] as { doc: QAPIDoc }).doc.body.text).toBe("= Title");
  });

  test.each<[string, string | null]>([
    [
      "##\n# @x:\n# @a: one\n#   two\n# three\n##\n",
      "t.json:5:1: unexpected de-indent (expected at least 2 spaces)",
    ],
    ["##\n# @x\n##\n", "t.json:2:1: line should end with ':'"],
    ["## x\n", "t.json:1:1: junk after '##' at start of documentation comment"],
    ["##\n# text\n## x\n", "t.json:3:1: junk after '##' at end of documentation comment"],
    [
      "##\n# @x:\n#\n# Since:\n##\n{ 'enum': 'x', 'data': [] }",
      "t.json:4: text required after 'Since:'",
    ],
    [
      "##\n# @x:\n#\n# Features:\n# @a: x\n#\n# Features:\n# @b: x\n##\n",
      "t.json:7:1: duplicated 'Features:' line",
    ],
    [
      "##\n# @x:\n##\n##\n# @y:\n##\n",
      "t.json:1: documentation for 'x' is not followed by the definition",
    ],
    [
      "##\n# @x:\n##\n{ 'pragma': { 'doc-required': true } }\n",
      "t.json:1: documentation for 'x' is not followed by the definition",
    ],
    [
      "##\n# @x:\n#\n# Note: this\n##\n",
      "t.json:4:1: The 'Note' section is no longer supported. Please use rST's '.. note::' or '.. admonition:: notes' directives, or another suitable admonition instead.",
    ],
    [
      "##\n# @x:\n#\n# Example:\n##\n",
      "t.json:4:1: The 'Example' section is no longer supported. Please use the '.. qmp-example::' directive, or other suitable markup instead.",
    ],
    [
      "##\n# @x:\n#\n# Since: 1\n#\n# @a: late\n##\n",
      "t.json:6:1: description of '@a:' follows a section",
    ],
    [
      `##\n# @x:\n#\n# ${"y".repeat(69)}\n##\n`,
      "t.json:4:1: documentation line longer than 70 characters",
    ],
    [`##\n# @x:\n#\n#     ${"y".repeat(69)}\n##\n{ 'enum': 'x', 'data': [] }`, null],
  ])("QEMU's doc comment errors: %j", (text, expected) => {
    expect(errorOf(text)).toBe(expected);
  });

  test("legacy conventions under compat: accepted, each kind reported once, at its first use", () => {
    const text =
      "##\n# @x:\n#\n# @a: one\n# more of a\n#\n# @b: two\n#\n# Since: 1\n#\n# Notes: one\n#\n# Note: two\n#\n# Example:\n#\n# -> {}\n" +
      `#\n# ${"long ".repeat(15)}\n# ${"long ".repeat(15)}\n##\n{ 'enum': 'x', 'data': [ 'a', 'b' ] }\n`;
    const {
      parsed: { exprs },
      warnings,
    } = parseCompat("t.json", text);
    expect(
      warnings.map((w) => [w.info?.line, w.col, w.message.replace(/ Please.*\(/, " (")]),
    ).toEqual([
      [5, 1, "text of '@a:' goes on less indented (accepted by --compat)"],
      [11, 1, "The 'Notes' section is no longer supported. (accepted by --compat)"],
      [15, 1, "The 'Example' section is no longer supported. (accepted by --compat)"],
      [19, 1, "documentation line longer than 70 characters (accepted by --compat)"],
    ]);
    const d = (exprs[0] as DefinitionExpr).doc!;
    expect([...d.args.keys()]).toEqual(["a", "b"]);
    expect(d.args.get("a")!.text).toBe("one\nmore of a");
    expect(d.sections.map((s) => s.kind)).toEqual(["Since", "Plain"]);
    expect(d.sections[1]!.text).toContain("Notes: one\n\nNote: two\n\nExample:\n\n-> {}");
  });
});

describe.skipIf(!haveShared)("real QEMU schemas", () => {
  const cwd = process.cwd();
  beforeAll(() => process.chdir(shared));
  afterAll(() => process.chdir(cwd));

  test.each([
    "qemu-10.2/qapi/qapi-schema.json",
    "qemu-10.2/qga/qapi-schema.json",
    "qemu-10.2/storage-daemon/qapi/qapi-schema.json",
  ])("%s parses without compat and without warnings", (f) => {
    const sink = new DiagnosticSink();
    const { exprs } = parseSchema(f, { compat: false, sink });
    expect(sink.diagnostics()).toEqual([]);
    expect(exprs.filter((e) => e.kind === "definition").length).toBeGreaterThan(50);
  });

  test.each(["qemu-4.1/qapi/qapi-schema.json", "qemu-4.1/qga/qapi-schema.json"])(
    "%s parses under compat (each legacy kind warned once) and fails without",
    (f) => {
      const sink = new DiagnosticSink();
      parseSchema(f, { compat: true, sink });
      const warnings = sink.diagnostics();
      expect(warnings.length).toBeGreaterThan(0);
      const kinds = warnings.map((w) => w.message);
      expect(new Set(kinds).size).toBe(kinds.length);
      expect(() => parseSchema(f, strict)).toThrow(QAPIError);
    },
  );

  test("in-process parse time of QEMU 10.2's schema (reported, not asserted)", () => {
    const f = "qemu-10.2/qapi/qapi-schema.json";
    const times: number[] = [];
    let bytes = 0;
    const counts = new Set<number>();
    for (let i = 0; i < 15; i++) {
      const t0 = performance.now();
      const { exprs } = parseSchema(f, strict);
      times.push(performance.now() - t0);
      counts.add(exprs.length);
      if (i === 0) {
        const files = new Set<string>([f]);
        for (const e of exprs) if (e.kind === "include") files.add(e.resolved);
        for (const x of files) bytes += readFileSync(x).length;
      }
    }
    const first = times[0]!;
    times.sort((a, b) => a - b);
    console.log(
      `parser: ${f} (${(bytes / 1024).toFixed(0)} KiB): first parse ${first.toFixed(1)} ms, median of 15 ${times[7]!.toFixed(1)} ms, fastest ${times[0]!.toFixed(1)} ms`,
    );
    // every run reads the same schema the same way
    expect(counts.size).toBe(1);
  });
});
