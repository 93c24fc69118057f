// Bad input gets one diagnostic with its location and exit 1: never a stack trace, a hang or
// unbounded memory. Each case runs through parseSchema and through `qapi-ts lint`. Inputs that are
// not regular files are refused before they are opened; tokens of any length get located
// diagnostics; messages quote at most a short, escaped excerpt of the input.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { spawnSync } from "node:child_process";
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  writeSync,
  chmodSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseSchema, MAX_SCHEMA_BYTES } from "../generator/frontend/parser/index.ts";
import { memoryHost } from "../generator/frontend/host.ts";
import {
  EXCERPT_LENGTH,
  QAPIError,
  formatQemu,
  type Diagnostic,
} from "../generator/model/source.ts";
import { bin } from "./helpers/paths.ts";

const strict = { compat: false };
const parseSchemaText = (fname: string, text: string) =>
  parseSchema(fname, { compat: false, host: memoryHost({ [fname]: text }) });

/** A small valid schema (written for these tests) to truncate and corrupt. */
const sample = `# A schema for bad-input tests
{ 'pragma': { 'doc-required': true } }

##
# = Things
##

##
# @Colour:
#
# Colours.
#
# @red: warm
#
# @blue: cold
#
# Since: 1.0
##
{ 'enum': 'Colour', 'data': [ 'red', { 'name': 'blue', 'if': 'HAVE_BLUE' } ] }

##
# @paint:
#
# @colour: which
#
# @coats: how many
#
# Returns: nothing much
##
{ 'command': 'paint', 'data': { 'colour': 'Colour', '*coats': 'int' },
  'returns': 'str', 'allow-oob': true }
`;

/** Deterministic pseudo-random bytes (xorshift), so failures reproduce. */
function pseudoRandomBytes(n: number, seed: number): Buffer {
  const out = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** The diagnostic parseSchema raises for a file (fails the test if it raises nothing else). */
function diagnosticOf(fname: string): Diagnostic {
  try {
    parseSchema(fname, strict);
  } catch (e) {
    if (e instanceof QAPIError) return e.diagnostic;
    throw e;
  }
  throw new Error(`${fname} parsed without error`);
}

/** Lint through the CLI: exit 1 and exactly the in-process diagnostic on stderr. */
function expectLintReports(fname: string, d: Diagnostic): void {
  const r = spawnSync(process.execPath, [bin, "lint", fname], {
    encoding: "utf8",
    timeout: 120_000,
  });
  expect(r.status).toBe(1);
  expect(r.stdout).toBe("");
  expect(r.stderr).toBe(formatQemu(d) + "\n");
  expect(r.stderr).not.toMatch(/\n\s+at |internal error/);
}

let dir = "";
const file = (name: string, content: string | Buffer): string => {
  const p = path.join(dir, name);
  writeFileSync(p, content);
  return p;
};

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "qapi-bad-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("bad input", () => {
  test("the sample itself is valid", () => {
    expect(parseSchemaText("sample.json", sample).exprs.map((e) => e.kind)).toEqual([
      "freeform",
      "definition",
      "definition",
    ]);
  });

  test("every truncation of a schema parses or gets a located diagnostic", () => {
    let errors = 0;
    for (let n = 0; n < sample.length; n++) {
      try {
        parseSchemaText("cut.json", sample.slice(0, n));
      } catch (e) {
        if (!(e instanceof QAPIError)) throw e;
        expect(e.diagnostic.info?.fname).toBe("cut.json");
        expect(e.diagnostic.info!.line).toBeGreaterThan(0);
        errors++;
      }
    }
    expect(errors).toBeGreaterThan(sample.length / 2);
    const cut = file("truncated.json", sample.slice(0, sample.indexOf("'returns'") + 4));
    const d = diagnosticOf(cut);
    expect(formatQemu(d)).toBe(`${cut}:31:3: missing terminating "'"`);
    expectLintReports(cut, d);
  });

  test("binary garbage", () => {
    const f = file("garbage.json", pseudoRandomBytes(8192, 42));
    const d = diagnosticOf(f);
    expect(d.info?.line).toBeGreaterThan(0);
    expect(d.col).toBeGreaterThan(0);
    expectLintReports(f, d);
    // garbage that happens to be valid UTF-8 (control characters, NULs) is stray text, quoted
    // with its control characters escaped
    const ascii = file(
      "ascii-garbage.json",
      Buffer.from(pseudoRandomBytes(4096, 7).map((b) => b & 0x7f)),
    );
    const d2 = diagnosticOf(ascii);
    expect(d2.col).toBeGreaterThan(0);
    expect(d2.message).not.toMatch(/[\x00-\x1f\x7f]/);
    expectLintReports(ascii, d2);
    expect(formatQemu(diagnosticOf(file("nul.json", "{ 'a': \0\x1b[2J }\n")))).toMatch(
      /nul\.json:1:8: stray '\\x00\\x1b'$/,
    );
  });

  test("invalid UTF-8, located at the first bad byte", () => {
    const f = file(
      "latin1.json",
      Buffer.concat([
        Buffer.from("{ 'enum': 'E',\n  'data': [ 'caf"),
        Buffer.from([0xe9]),
        Buffer.from("' ] }\n"),
      ]),
    );
    const d = diagnosticOf(f);
    expect(formatQemu(d)).toBe(`${f}:2:17: invalid UTF-8 byte 0xe9`);
    expectLintReports(f, d);
  });

  test("100 000 nested brackets and braces", () => {
    const brackets = file("nested.json", "{ 'a': " + "[".repeat(100_000));
    const d = diagnosticOf(brackets);
    expect(formatQemu(d)).toBe(`${brackets}:1:1007: nesting deeper than 1000 levels`);
    expectLintReports(brackets, d);
    const braces = file(
      "nested-obj.json",
      "{ 'a': ".repeat(100_000) + "'x'" + " }".repeat(100_000) + "\n",
    );
    expect(diagnosticOf(braces).message).toBe("nesting deeper than 1000 levels");
  });

  test("a 50 MB schema is refused before it is read", () => {
    const f = path.join(dir, "huge.json");
    const fd = openSync(f, "w");
    const unit = Buffer.from("{ 'struct': 'S', 'data': { 'member': 'int' } }\n".repeat(1000));
    for (let written = 0; written < 50 * 1024 * 1024; written += unit.length) writeSync(fd, unit);
    closeSync(fd);
    const d = diagnosticOf(f);
    expect(d.info).toBeNull();
    expect(formatQemu(d)).toBe(
      `can't read schema file '${f}': File too large (schemas are limited to ${MAX_SCHEMA_BYTES >> 20} MiB in total)`,
    );
    expectLintReports(f, d);
  });

  test("includes across the size limit are refused too, at the include", () => {
    const big = Buffer.from("# filler\n".repeat(Math.ceil(MAX_SCHEMA_BYTES / 2 / 9)));
    file("half1.json", big);
    file("half2.json", big);
    const main = file("halves.json", "{ 'include': 'half1.json' }\n{ 'include': 'half2.json' }\n");
    const d = diagnosticOf(main);
    expect(formatQemu(d)).toMatch(
      /halves\.json:2: can't read include file '.*half2\.json': File too large/,
    );
  });

  test("include of a directory, of a missing file, of itself", () => {
    mkdirSync(path.join(dir, "subdir"));
    const cases: [string, string, string][] = [
      [
        "inc-dir.json",
        "{ 'include': 'subdir' }\n",
        `inc-dir.json:1: can't read include file '${dir}/subdir': Is a directory`,
      ],
      [
        "inc-missing.json",
        "\n{ 'include': 'nowhere.json' }\n",
        `inc-missing.json:2: can't read include file '${dir}/nowhere.json': No such file or directory`,
      ],
      [
        "inc-self.json",
        "{ 'include': 'inc-self.json' }\n",
        "inc-self.json:1: inclusion loop for inc-self.json",
      ],
    ];
    for (const [name, text, message] of cases) {
      const f = file(name, text);
      const d = diagnosticOf(f);
      expect(formatQemu(d)).toBe(`${dir}/${message}`);
      expectLintReports(f, d);
    }
  });

  test("a missing, a directory and an unreadable schema file", () => {
    const missing = path.join(dir, "missing.json");
    expect(formatQemu(diagnosticOf(missing))).toBe(
      `can't read schema file '${missing}': No such file or directory`,
    );
    expectLintReports(missing, diagnosticOf(missing));
    expect(formatQemu(diagnosticOf(dir))).toBe(`can't read schema file '${dir}': Is a directory`);
    // A symlink loop cannot be read by anyone, root included.
    const loop = path.join(dir, "loop.json");
    symlinkSync(loop, loop);
    expect(formatQemu(diagnosticOf(loop))).toBe(
      `can't read schema file '${loop}': Too many levels of symbolic links`,
    );
    expectLintReports(loop, diagnosticOf(loop));
  });

  test("a file without read permission", () => {
    const f = file("secret.json", sample);
    chmodSync(f, 0o000);
    if (process.getuid?.() !== 0) {
      expect(formatQemu(diagnosticOf(f))).toBe(`can't read schema file '${f}': Permission denied`);
      expectLintReports(f, diagnosticOf(f));
      return;
    }
    // Root reads anything: run the CLI as an unprivileged user instead (util-linux's setpriv).
    chmodSync(dir, 0o755);
    const r = spawnSync(
      "setpriv",
      ["--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, bin, "lint", f],
      { encoding: "utf8" },
    );
    expect(r.error).toBeUndefined();
    expect([r.status, r.stdout, r.stderr]).toEqual([
      1,
      "",
      `can't read schema file '${f}': Permission denied\n`,
    ]);
  });

  test("empty and comment-only files are valid and empty", () => {
    for (const text of ["", "\n", "# just a comment", "   \n\t\n# c\n"]) {
      expect(parseSchemaText("e.json", text).exprs).toEqual([]);
    }
    expect(formatQemu(diagnosticOf(file("open-doc.json", "##\n")))).toMatch(
      /open-doc\.json:1:3: documentation comment must end with '##'$/,
    );
  });

  test("devices, FIFOs, sockets and directories are refused before they are opened", async () => {
    const notRegular = (target: string): string =>
      `Not a regular file (${target.startsWith("/dev/") ? "a character device" : target.endsWith("fifo") ? "a FIFO" : "a socket"})`;
    const fifo = path.join(dir, "fifo");
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
    const socket = path.join(dir, "socket");
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    try {
      for (const target of ["/dev/zero", "/dev/null", fifo, socket]) {
        // An include of it (a FIFO would block the open, /dev/zero would be read forever)...
        const main = file("special.json", `\n{ 'include': '${target}' }\n`);
        const d = diagnosticOf(main);
        expect(formatQemu(d)).toBe(
          `${main}:2: can't read include file '${target}': ${notRegular(target)}`,
        );
        expectLintReports(main, d);
        // ...and it as the schema file.
        expect(formatQemu(diagnosticOf(target))).toBe(
          `can't read schema file '${target}': ${notRegular(target)}`,
        );
      }
    } finally {
      server.close();
    }
  });

  test("a file stat() says is empty (/proc) is read up to the limit, and quoted in short", () => {
    // /proc/self/environ is NUL-separated NAME=value text: the stray text it starts with is
    // quoted escaped and cut, never whole.
    const main = file("environ.json", "{ 'include': '/proc/self/environ' }\n");
    const d = diagnosticOf(main);
    expect(d.info?.fname).toBe("/proc/self/environ");
    const quoted = /^stray '(.*)'$/.exec(d.message)?.[1] ?? "";
    expect(quoted.length).toBeLessThanOrEqual(EXCERPT_LENGTH + 3);
    expect(quoted).toMatch(/\.\.\.$/);
    expect(d.message).not.toMatch(/[\x00-\x1f]/);
  });

  test("tokens of any length up to the input limit: accepted or located", () => {
    const big = 12 * 1024 * 1024;
    // a 12 MB string is just a string (here a valid enum value)
    const long = "a".repeat(big);
    const ok = file("long-string.json", `{ 'enum': 'Long', 'data': [ '${long}' ] }\n`);
    const parsed = parseSchema(ok, strict);
    expect(parsed.exprs).toHaveLength(1);
    // unterminated, and as a name in a message (cut short)
    const open = file("long-open.json", `{ 'enum': 'Long', 'data': [ '${long}\n`);
    expect(formatQemu(diagnosticOf(open))).toBe(`${open}:1:29: missing terminating "'"`);
    const named = file("long-name.json", `{ 'enum': '${long}', 'data': [] }\n`);
    const lint = spawnSync(process.execPath, [bin, "lint", named], { encoding: "utf8" });
    expect(lint.status).toBe(1);
    expect(lint.stderr).toBe(
      `${named}: In enum '${"a".repeat(EXCERPT_LENGTH)}...':\n${named}:1: name of enum must use CamelCase\n`,
    );
    // strings of escapes, stray runs, space runs, comment runs, all of megabytes
    const escapes = file("escapes.json", `{ 'a': '${"\\\\".repeat(big / 4)}', 'b' }\n`);
    expect(diagnosticOf(escapes).message).toBe("expected ':'");
    const stray = file("stray.json", "x".repeat(big));
    expect(formatQemu(diagnosticOf(stray))).toBe(
      `${stray}:1:1: stray '${"x".repeat(EXCERPT_LENGTH)}...'`,
    );
    const spaces = file("spaces.json", " ".repeat(big) + "@");
    expect(formatQemu(diagnosticOf(spaces))).toBe(`${spaces}:1:${big + 1}: stray '@'`);
    const comments = file("comments.json", "# a comment line\n".repeat(big / 17) + "@");
    expect(formatQemu(diagnosticOf(comments))).toBe(
      `${comments}:${Math.floor(big / 17) + 1}:1: stray '@'`,
    );
    const docLine = file("doc-line.json", `##\n# @${long}:\n##\n`);
    expect(formatQemu(diagnosticOf(docLine))).toBe(
      `${docLine}:2:1: documentation line longer than 70 characters`,
    );
  });
});
