// The incremental front end (frontend/incremental.ts) gives what a run from scratch gives: after
// every edit, the same diagnostics (QEMU's text, in the same order) and the same model (QEMU's
// test dump), whatever was reused. Checked over edits of QEMU 10.2's whole schema, of QEMU 4.1's
// under --compat (the first warning of each kind must be the same one), and random edit sequences
// of every one of QEMU's front-end cases; and that an edit redoes little.
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { loadSchema, memoryHost, type SchemaHost } from "../generator/frontend/index.ts";
import { SchemaProgram, type ProgramRun } from "../generator/frontend/incremental.ts";
import { dumpModel } from "../generator/services/dump.ts";
import { formatQemu } from "../generator/model/source.ts";
import { errorText } from "../generator/frontend/bounded-input.ts";
import { qemuCases, qemuCasesDir, sharedPath } from "./helpers/paths.ts";

/** Files in memory that a test edits; the host reads the current texts. */
class EditableFiles {
  readonly texts = new Map<string, string>();
  readonly host: SchemaHost = {
    absolute: (f) => path.resolve(f),
    read: (f) => {
      const text = this.texts.get(path.resolve(f));
      return text === undefined ? { error: errorText("ENOENT") } : { text };
    },
  };

  static fromDir(dir: string, filter: (name: string) => boolean = () => true): EditableFiles {
    const files = new EditableFiles();
    for (const name of readdirSync(dir))
      if (name.endsWith(".json") && filter(name))
        files.texts.set(path.join(dir, name), readFileSync(path.join(dir, name), "utf8"));
    return files;
  }
}

/** The program's run, and loadSchema's from scratch over the same texts, compared. */
function expectSameAsFromScratch(
  program: SchemaProgram,
  files: EditableFiles,
  root: string,
  compat = false,
): ProgramRun {
  const run = program.update();
  const scratch = loadSchema(root, {
    compat,
    diagnostics: "all",
    host: memoryHost(files.texts),
  });
  expect(run.diagnostics.map(formatQemu).join("\n")).toBe(
    scratch.diagnostics.map(formatQemu).join("\n"),
  );
  expect(run.model ? dumpModel(run.model) : null).toBe(
    scratch.model ? dumpModel(scratch.model) : null,
  );
  return run;
}

const qemuDir = sharedPath("qemu-10.2/qapi");
const hasQemu = existsSync(path.join(qemuDir, "qapi-schema.json"));

describe.skipIf(!hasQemu)("QEMU 10.2's schema, edited", () => {
  const files = EditableFiles.fromDir(qemuDir);
  const root = path.join(qemuDir, "qapi-schema.json");
  const blockCore = path.join(qemuDir, "block-core.json");
  const original = new Map(files.texts);
  const program = new SchemaProgram(root, { host: files.host });

  /** Replaces `from` (which must be there) in `file`. */
  const edit = (file: string, from: string, to: string): void => {
    const text = files.texts.get(file)!;
    expect(text).toContain(from);
    files.texts.set(file, text.replace(from, to));
  };
  const undo = (): void => {
    for (const [f, t] of original) files.texts.set(f, t);
  };

  test("from scratch, then unchanged: nothing redone", () => {
    const first = expectSameAsFromScratch(program, files, root);
    expect(first.diagnostics).toEqual([]);
    expect(first.stats.filesParsed).toBe(first.files.length);
    const again = expectSameAsFromScratch(program, files, root);
    expect(again.stats).toMatchObject({ filesParsed: 0, definitionsRedone: 0 });
  });

  const blockJson = path.join(qemuDir, "block.json");
  /** Edits, each with whether it makes the schema wrong. */
  const edits: [string, boolean, () => void][] = [
    [
      "a bad type name",
      true,
      () => edit(blockCore, "'data': { 'filename': 'str',", "'data': { 'filename': 'NoSuchType',"),
    ],
    ["a missing doc section", true, () => edit(blockCore, "# @auto-read-only: ", "# @auto-ro: ")],
    [
      "a clash across two files",
      true,
      () => edit(blockJson, "{ 'struct': 'PRManagerInfo',", "{ 'struct': 'BlockdevOptionsFile',"),
    ],
    [
      "an include of a missing file",
      true,
      () => edit(blockJson, "{ 'include': 'block-core.json' }", "{ 'include': 'nosuch.json' }"),
    ],
    [
      "a syntax error",
      true,
      () =>
        edit(blockCore, "{ 'struct': 'BlockdevOptionsFile',", "{ 'struct' 'BlockdevOptionsFile',"),
    ],
    [
      "a line inserted",
      false,
      () => edit(blockCore, "##\n# @BlockdevOptionsFile:", "\n##\n# @BlockdevOptionsFile:"),
    ],
    [
      "a definition renamed",
      true,
      () =>
        edit(blockCore, "{ 'struct': 'BlockdevOptionsNull',", "{ 'struct': 'BlockdevOptionsNul',"),
    ],
    [
      "a pragma changed",
      false,
      () =>
        edit(path.join(qemuDir, "pragma.json"), "'doc-required': true", "'doc-required': false"),
    ],
    [
      "an enum value removed from a common type",
      true,
      () =>
        edit(
          path.join(qemuDir, "common.json"),
          "{ 'enum': 'OnOffAuto',\n  'data': [ 'auto', 'on', 'off' ] }",
          "{ 'enum': 'OnOffAuto',\n  'data': [ 'auto', 'on' ] }",
        ),
    ],
  ];

  test.each(edits)("%s, then undone", (_name, wrong, apply) => {
    apply();
    const run = expectSameAsFromScratch(program, files, root);
    expect(run.diagnostics.some((d) => d.severity === "error")).toBe(wrong);
    undo();
    const back = expectSameAsFromScratch(program, files, root);
    expect(back.diagnostics).toEqual([]);
  });

  test("a one-line edit in a documentation comment redoes what depends on it, not the rest", () => {
    expectSameAsFromScratch(program, files, root);
    edit(blockCore, "# @auto-read-only: ", "# @auto-read-only:  ");
    const run = expectSameAsFromScratch(program, files, root);
    expect(run.stats.filesParsed).toBe(1);
    expect(run.stats.definitionsRedone).toBeGreaterThan(0);
    expect(run.stats.definitionsRedone).toBeLessThan(run.stats.definitions / 10);
    undo();
  });

  test("edits in sequence, without undoing each", () => {
    for (const [, , apply] of edits) {
      apply();
      expectSameAsFromScratch(program, files, root);
    }
    undo();
    expectSameAsFromScratch(program, files, root);
  });
});

const legacyDir = sharedPath("qemu-4.1/qapi");
const hasLegacy = existsSync(path.join(legacyDir, "qapi-schema.json"));

describe.skipIf(!hasLegacy)("QEMU 4.1's schema under --compat, edited", () => {
  test("the first warning of each kind is the one a run from scratch keeps", () => {
    const files = EditableFiles.fromDir(legacyDir);
    const root = path.join(legacyDir, "qapi-schema.json");
    const program = new SchemaProgram(root, { host: files.host, compat: true });
    const first = expectSameAsFromScratch(program, files, root, true);
    expect(first.diagnostics.some((d) => d.severity === "warning")).toBe(true);
    // A legacy condition added early in a file read late, then one in a file read early.
    const names = [...files.texts.keys()];
    for (const file of [names[names.length - 1]!, path.join(legacyDir, "common.json")]) {
      const text = files.texts.get(file)!;
      const i = text.indexOf("{ 'struct':");
      if (i < 0) continue;
      files.texts.set(
        file,
        text.slice(0, i) +
          "{ 'enum': 'LegacyIfProbe', 'data': [], 'if': 'defined(CONFIG_X)' }\n" +
          text.slice(i),
      );
      expectSameAsFromScratch(program, files, root, true);
    }
  });
});

/** A seeded walk of line edits over a case's files (deterministic: the seed names the walk). */
type LineEdit =
  | { kind: "delete" | "duplicate" | "blank"; line: number }
  | { kind: "swap"; line: number; other: number }
  | { kind: "word"; line: number; word: number }
  | { kind: "undo" };

function applyEdit(text: string, original: string, e: LineEdit): string {
  if (e.kind === "undo") return original;
  const lines = text.split("\n");
  const i = e.line % lines.length;
  switch (e.kind) {
    case "delete":
      lines.splice(i, 1);
      break;
    case "duplicate":
      lines.splice(i, 0, lines[i]!);
      break;
    case "blank":
      lines.splice(i, 0, "");
      break;
    case "swap": {
      const j = e.other % lines.length;
      [lines[i], lines[j]] = [lines[j]!, lines[i]!];
      break;
    }
    case "word": {
      // A quoted word of the line replaced by another word of the file (a name used elsewhere).
      const words = text.match(/'[^'\n]*'/g) ?? [];
      const here = lines[i]!.match(/'[^'\n]*'/);
      if (here && words.length)
        lines[i] = lines[i]!.replace(here[0], words[e.word % words.length]!);
      break;
    }
  }
  return lines.join("\n");
}

const lineEdit: fc.Arbitrary<LineEdit> = fc.oneof(
  fc.record({ kind: fc.constantFrom("delete", "duplicate", "blank"), line: fc.nat() }),
  fc.record({ kind: fc.constant("swap"), line: fc.nat(), other: fc.nat() }),
  fc.record({ kind: fc.constant("word"), line: fc.nat(), word: fc.nat() }),
  fc.constant({ kind: "undo" }),
);

describe.skipIf(qemuCases.length === 0)("QEMU's front-end cases, randomly edited", () => {
  const all = EditableFiles.fromDir(qemuCasesDir);
  test.each(qemuCases)("%s", (name) => {
    const root = path.join(qemuCasesDir, `${name}.json`);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), lineEdit), { minLength: 1, maxLength: 5 }),
        (steps) => {
          const files = new EditableFiles();
          for (const [f, t] of all.texts) files.texts.set(f, t);
          const program = new SchemaProgram(root, { host: files.host });
          expectSameAsFromScratch(program, files, root);
          // Edits land in the case's own file, or in a file it includes.
          const own = files.texts.get(root) ?? "";
          const targets = [
            root,
            ...[...files.texts.keys()].filter(
              (f) => f !== root && own.includes(`'${path.basename(f)}'`),
            ),
          ];
          for (const [which, e] of steps) {
            const file = targets[which % targets.length]!;
            const text = files.texts.get(file);
            if (text !== undefined) files.texts.set(file, applyEdit(text, all.texts.get(file)!, e));
            expectSameAsFromScratch(program, files, root);
          }
        },
      ),
      { numRuns: 8, seed: name.length * 7919 },
    );
  });
});
