// `qapi-ts lsp` driven over stdio by a real LSP client (test/helpers/lsp-client.ts), as an editor
// drives it: QEMU 10.2's whole schema opened from ../shared and edited in the editor's buffers
// (never on disk), the diagnostics compared with what `qapi-ts lint --format json` says of the
// same text, and navigation, hover, completion and rename checked on real definitions
// (BlockdevOptionsFile, blockdev-add, auto-read-only). Timing is not asserted (see bench/lsp).
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { cpSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type {
  CodeAction,
  CompletionList,
  Diagnostic as LspDiagnostic,
  DocumentSymbol,
  Hover,
  Location,
  SymbolInformation,
  WorkspaceEdit,
} from "vscode-languageserver-protocol";
import { LspClient } from "./helpers/lsp-client.ts";
import { runCli } from "./helpers/cli.ts";
import { scratchFolders } from "./helpers/scratch.ts";
import { projectRoot, sharedPath } from "./helpers/paths.ts";

const qemuDir = sharedPath("qemu-10.2/qapi");
const hasQemu = existsSync(path.join(qemuDir, "qapi-schema.json"));
if (!hasQemu) console.log(`lsp: QEMU's schema tests skipped, ${qemuDir} is absent`);
const scratch = scratchFolders();

/** A diagnostic as both sides give it: line, severity, message, code (a lint finding's: its rule). */
const key = (line: number, severity: string, message: string, code: string | null): string =>
  `${line} ${severity} ${message}${code ? ` [${code}]` : ""}`;

function fromLsp(list: readonly LspDiagnostic[]): string[] {
  return list
    .map((d) =>
      key(
        d.range.start.line + 1,
        d.severity === 1 ? "error" : "warning",
        d.message,
        (d.code as string) ?? null,
      ),
    )
    .sort();
}

describe.skipIf(!hasQemu)("QEMU 10.2's schema in an editor", () => {
  let client: LspClient;
  const file = (name: string): string => path.join(qemuDir, name);
  const blockCore = file("block-core.json");
  const blockJson = file("block.json");
  /** A copy of the schema that lint reads, with the editor's buffers written over it. */
  let copy: string;

  beforeAll(async () => {
    copy = scratch("lsp-qemu");
    cpSync(qemuDir, copy, { recursive: true });
    client = await LspClient.start(qemuDir);
  }, 120_000);
  afterAll(async () => {
    if (client) expect(await client.stop()).toBe(0);
  });

  /** lint's exact ranges (`message line:col-line:col`, 1-based) of the last lintOfBuffers. */
  let lintRanges = new Map<string, string[]>();

  /** lint's diagnostics of the editor's text, by file name. */
  function lintOfBuffers(open: string[]): Map<string, string[]> {
    for (const f of open) writeFileSync(path.join(copy, path.basename(f)), client.text(f));
    const r = runCli(["lint", "--format", "json", "qapi-schema.json"], { cwd: copy });
    for (const f of open) writeFileSync(path.join(copy, path.basename(f)), readFileSync(f));
    const out = new Map<string, string[]>();
    lintRanges = new Map();
    for (const d of JSON.parse(r.stdout) as {
      file: string | null;
      line: number;
      column: number | null;
      endLine: number | null;
      endColumn: number | null;
      severity: string;
      message: string;
      code: string | null;
    }[]) {
      const name = path.basename(d.file ?? "qapi-schema.json");
      const list = out.get(name) ?? [];
      list.push(key(d.line ?? 1, d.severity, d.message, d.code));
      out.set(name, list);
      if (d.endLine !== null) {
        const ranges = lintRanges.get(name) ?? [];
        ranges.push(`${d.message} ${d.line}:${d.column}-${d.endLine}:${d.endColumn}`);
        lintRanges.set(name, ranges);
      }
    }
    for (const list of out.values()) list.sort();
    return out;
  }

  /** The server's latest diagnostics agree with lint's, file by file. */
  function expectSameAsLint(open: string[]): Map<string, string[]> {
    const lint = lintOfBuffers(open);
    const names = new Set([...lint.keys(), ...open.map((f) => path.basename(f))]);
    for (const name of names) {
      const latest = client.latest(file(name));
      expect(fromLsp(latest), name).toEqual(lint.get(name) ?? []);
      // Where lint gives the exact range at fault, the server marks that range.
      const shown = latest.map(
        (d) =>
          `${d.message} ${d.range.start.line + 1}:${d.range.start.character + 1}-` +
          `${d.range.end.line + 1}:${d.range.end.character + 1}`,
      );
      for (const r of lintRanges.get(name) ?? []) expect(shown, name).toContain(r);
    }
    return lint;
  }

  test("opening a file checks the schema that includes it: clean", async () => {
    const first = await client.open(blockCore);
    expect(first.version).toBe(1);
    expect(first.diagnostics).toEqual([]);
    await client.open(blockJson);
    await client.open(file("qapi-schema.json"));
    await client.open(file("common.json"));
    expect(client.messages).toEqual([]);
  });

  const edits: [string, string, string, string][] = [
    [
      "a bad type name",
      blockCore,
      "{ 'struct': 'BlockdevOptionsFile',\n  'data': { 'filename': 'str',",
      "{ 'struct': 'BlockdevOptionsFile',\n  'data': { 'filename': 'NoSuchType',",
    ],
    ["a missing doc section", blockCore, "# @auto-read-only: ", "# @auto-ro: "],
    [
      "a clash across two files",
      blockJson,
      "{ 'struct': 'PRManagerInfo',",
      "{ 'struct': 'BlockdevOptionsFile',",
    ],
    [
      "an include of a missing file",
      file("qapi-schema.json"),
      "{ 'include': 'block.json' }",
      "{ 'include': 'no-such-file.json' }",
    ],
    [
      "a value removed from a common enum (diagnostics in a file not open)",
      file("common.json"),
      "{ 'enum': 'OnOffAuto',\n  'data': [ 'auto', 'on', 'off' ] }",
      "{ 'enum': 'OnOffAuto',\n  'data': [ 'auto', 'on' ] }",
    ],
    [
      "a syntax error",
      blockCore,
      "{ 'struct': 'BlockdevOptionsNull',",
      "{ 'struct': 'BlockdevOptionsNull'",
    ],
  ];

  test.each(edits)("%s: lint's diagnostics, then none once undone", async (_name, f, from, to) => {
    const open = [blockCore, blockJson, file("qapi-schema.json"), file("common.json")];
    const pushed = await client.edit(f, from, to);
    const lint = expectSameAsLint(open);
    expect([...lint.values()].flat().some((d) => / error /.test(d))).toBe(true);
    expect(pushed.version).toBe(client.published.get(client.uri(f))!.at(-1)!.version);
    await client.edit(f, to, from);
    for (const name of [...lint.keys(), path.basename(f)])
      expect(client.latest(file(name)), name).toEqual([]);
  });

  test("an error's place: a clash names the other definition as related information", async () => {
    const pushed = await client.edit(
      blockJson,
      "{ 'struct': 'PRManagerInfo',",
      "{ 'struct': 'BlockdevOptionsFile',",
    );
    const d = pushed.diagnostics.find(
      (x) => x.message === "'BlockdevOptionsFile' is already defined",
    )!;
    expect(d.range.start.line + 1).toBe(
      client.position(blockJson, "{ 'struct': 'BlockdevOptionsFile',").line + 1,
    );
    expect(
      d.relatedInformation?.some(
        (r) => r.location.uri === client.uri(blockCore) && r.message === "previous definition",
      ),
    ).toBe(true);
    await client.edit(
      blockJson,
      "{ 'struct': 'BlockdevOptionsFile',",
      "{ 'struct': 'PRManagerInfo',",
    );
  });

  test("definition: a union's branch type, an include, a discriminator", async () => {
    const branch = await client.at<Location[]>(
      "textDocument/definition",
      blockCore,
      "'file':       'BlockdevOptionsFile'",
      16,
    );
    expect(branch).toHaveLength(1);
    expect(branch[0]!.uri).toBe(client.uri(blockCore));
    expect(branch[0]!.range.start.line).toBe(
      client.position(blockCore, "{ 'struct': 'BlockdevOptionsFile',", 12).line,
    );
    expect(branch[0]!.range.start.character).toBe(13);
    const include = await client.at<Location[]>(
      "textDocument/definition",
      blockJson,
      "{ 'include': 'block-core.json' }",
      15,
    );
    expect(include.map((l) => l.uri)).toEqual([client.uri(blockCore)]);
    // BlockdevOptions' discriminator 'driver' is a member of its base.
    const disc = await client.at<Location[]>(
      "textDocument/definition",
      blockCore,
      "'discriminator': 'driver'",
      19,
    );
    expect(disc).toHaveLength(1);
    const line = client.text(blockCore).split("\n")[disc[0]!.range.start.line]!;
    expect(line).toMatch(/'driver': 'BlockdevDriver'/);
  });

  test("references: every use of BlockdevOptionsFile, declaration and doc comment included", async () => {
    const refs = await client.at<Location[]>(
      "textDocument/references",
      blockCore,
      "{ 'struct': 'BlockdevOptionsFile',",
      13,
      {
        context: { includeDeclaration: true },
      },
    );
    const lines = refs.map((r) => client.text(blockCore).split("\n")[r.range.start.line]!.trim());
    expect(lines).toContain("# @BlockdevOptionsFile:");
    expect(lines).toContain("{ 'struct': 'BlockdevOptionsFile',");
    expect(lines).toContain("'file':       'BlockdevOptionsFile',");
    expect(lines.filter((l) => l.includes("{ 'type': 'BlockdevOptionsFile',"))).toHaveLength(2);
    for (const r of refs) {
      const text = client.text(blockCore).split("\n")[r.range.start.line]!;
      expect(text.slice(r.range.start.character, r.range.end.character)).toBe(
        "BlockdevOptionsFile",
      );
    }
  });

  test("references of a member: auto-read-only's declaration and description", async () => {
    const refs = await client.at<Location[]>(
      "textDocument/references",
      blockCore,
      "'*auto-read-only': 'bool'",
      3,
      {
        context: { includeDeclaration: true },
      },
    );
    const texts = refs.map((r) => client.text(blockCore).split("\n")[r.range.start.line]!.trim());
    expect(texts.some((t) => t.startsWith("'*auto-read-only': 'bool'"))).toBe(true);
    expect(texts.some((t) => t.startsWith("# @auto-read-only:"))).toBe(true);
  });

  test("hover: blockdev-add's documentation, wire path; auto-read-only's type and paths", async () => {
    const cmd = await client.at<Hover>(
      "textDocument/hover",
      blockCore,
      "{ 'command': 'blockdev-add',",
      14,
    );
    const text = (cmd.contents as { value: string }).value;
    expect(text).toContain("command blockdev-add");
    expect(text).toContain("Creates a new block device.");
    expect(text).toContain("**Wire:** `blockdev-add`");
    const member = await client.at<Hover>(
      "textDocument/hover",
      blockCore,
      "'*auto-read-only': 'bool'",
      4,
    );
    const m = (member.contents as { value: string }).value;
    expect(m).toContain("member auto-read-only: bool");
    expect(m).toContain("`blockdev-add/arg-type/auto-read-only`");
    expect(m).toMatch(/read-only|auto/);
    // Features shown as such, and a definition's condition.
    const unstable = await client.at<Hover>(
      "textDocument/hover",
      blockCore,
      "{ 'command': 'x-blockdev-change',",
      14,
    );
    const u = (unstable.contents as { value: string }).value;
    expect(u).toContain("**Unstable.**");
    expect(u).toContain("Features: `unstable`");
    const conditional = await client.at<Hover>(
      "textDocument/hover",
      blockCore,
      "{ 'struct': 'BlockdevOptionsIoUring',",
      13,
    );
    expect((conditional.contents as { value: string }).value).toContain("Only if `CONFIG_BLKIO`.");
  });

  test("completion: types for a member, keys of a struct, a union's branch values, features", async () => {
    const doc = blockCore;
    const types = await client.at<CompletionList>(
      "textDocument/completion",
      doc,
      "'data': { 'filename': 'str',",
      24,
    );
    const labels = types.items.map((i) => i.label);
    expect(labels).toContain("BlockdevOptionsFile");
    expect(labels).toContain("str");
    expect(labels).not.toContain("blockdev-add");
    // A new key in BlockdevOptionsNull, being typed: the keys of a struct it lacks.
    const nullData =
      "  'data': { '*size': 'int', '*latency-ns': 'uint64', '*read-zeroes': 'bool' } }";
    await client.edit(doc, nullData, nullData.slice(0, -2) + ",\n  '' }");
    try {
      const keys = await client.at<CompletionList>(
        "textDocument/completion",
        doc,
        "'bool' },\n  ''",
        13,
      );
      expect(keys.items.map((i) => i.label).sort()).toEqual(["base", "features", "if"]);
    } finally {
      await client.edit(doc, nullData.slice(0, -2) + ",\n  '' }", nullData);
    }
    // BlockdevOptions' branches: the values of BlockdevDriver.
    const branch = "      'file':       'BlockdevOptionsFile',";
    await client.edit(doc, branch, `${branch}\n      '',`);
    try {
      const values = await client.at<CompletionList>(
        "textDocument/completion",
        doc,
        "'BlockdevOptionsFile',\n      ''",
        30,
      );
      const v = values.items.map((i) => i.label);
      expect(v).toContain("null-co");
      expect(v).not.toContain("file");
    } finally {
      await client.edit(doc, `${branch}\n      '',`, branch);
    }
    const features = await client.at<CompletionList>(
      "textDocument/completion",
      doc,
      "'features': [ 'unstable' ]",
      15,
    );
    expect(features.items.map((i) => i.label)).toContain("deprecated");
  });

  test("rename: BlockdevOptionsFile everywhere; a clashing or rule-breaking name refused with the reason", async () => {
    const edit = await client.at<WorkspaceEdit>(
      "textDocument/rename",
      blockCore,
      "{ 'struct': 'BlockdevOptionsFile',",
      13,
      {
        newName: "BlockdevOptionsHostFile",
      },
    );
    const changes = edit.changes![client.uri(blockCore)]!;
    expect(changes.length).toBeGreaterThanOrEqual(5);
    expect(changes.every((c) => c.newText === "BlockdevOptionsHostFile")).toBe(true);
    await expect(
      client.at("textDocument/rename", blockCore, "{ 'struct': 'BlockdevOptionsFile',", 13, {
        newName: "BlockdevOptionsNull",
      }),
    ).rejects.toThrow(/'BlockdevOptionsNull' is already defined/);
    await expect(
      client.at("textDocument/rename", blockCore, "{ 'struct': 'BlockdevOptionsFile',", 13, {
        newName: "blockdev_options_file",
      }),
    ).rejects.toThrow(/must use CamelCase/);
    await expect(
      client.at("textDocument/rename", blockCore, "'features': [ 'unstable' ]", 15, {
        newName: "shaky",
      }),
    ).rejects.toThrow(/special feature/);
    const member = await client.at<WorkspaceEdit>(
      "textDocument/rename",
      blockCore,
      "'*auto-read-only': 'bool'",
      4,
      {
        newName: "auto-ro",
      },
    );
    expect(Object.values(member.changes!).flat().length).toBeGreaterThanOrEqual(2);
    await expect(
      client.at("textDocument/rename", blockCore, "'*auto-read-only': 'bool'", 4, {
        newName: "read-only",
      }),
    ).rejects.toThrow(/duplicate key '\*read-only'/);
    await expect(
      client.at("textDocument/rename", blockCore, "'*auto-read-only': 'bool'", 4, {
        newName: "auto_read_only",
      }),
    ).rejects.toThrow(/must not use uppercase or '_'/);
  });

  test("code action: a missing doc section inserted, and the error gone", async () => {
    const original = client.text(blockCore);
    const pushed = await client.edit(
      blockCore,
      "# @size: size of the device in bytes.\n#\n# @latency-ns:",
      "# @latency-ns:",
    );
    const d = pushed.diagnostics.find((x) => /member 'size' lacks documentation/.test(x.message));
    expect(d, JSON.stringify(pushed.diagnostics)).toBeDefined();
    // The kind of problem is its code, in QEMU's words or not; actions say what they fix by it.
    expect(d!.code).toBe("undocumented");
    const sameWords = { ...d!, code: "something-else" };
    const actions = await client.request<CodeAction[]>("textDocument/codeAction", {
      textDocument: { uri: client.uri(blockCore) },
      range: d!.range,
      context: { diagnostics: [d, sameWords] },
    });
    const fix = actions.find((a) => a.title === "Document member 'size'");
    expect(fix, JSON.stringify(actions.map((a) => a.title))).toBeDefined();
    expect(fix!.kind).toBe("quickfix");
    expect(fix!.diagnostics).toEqual([d]);
    const [after] = await client.apply(fix!.edit!);
    expect(after!.diagnostics).toEqual([]);
    expect(client.text(blockCore)).toContain("# @size: ");
    await client.replace(blockCore, original);
    expect(client.latest(blockCore)).toEqual([]);
  });

  test("outline, workspace symbols, semantic tokens", async () => {
    const symbols = await client.request<DocumentSymbol[]>("textDocument/documentSymbol", {
      textDocument: { uri: client.uri(blockCore) },
    });
    const file = symbols.find((s) => s.name === "BlockdevOptionsFile")!;
    expect(file.detail).toBe("struct");
    expect(file.children!.map((c) => c.name)).toContain("filename");
    const found = await client.request<SymbolInformation[]>("workspace/symbol", {
      query: "blockdevoptfile",
    });
    expect(found.map((s) => s.name)).toContain("BlockdevOptionsFile");
    const tokens = await client.request<{ data: number[] }>("textDocument/semanticTokens/full", {
      textDocument: { uri: client.uri(blockCore) },
    });
    expect(tokens.data.length % 5).toBe(0);
    expect(tokens.data.length / 5).toBeGreaterThan(1000);
  });
});

// The project's demo schema (qapi/): the marker member x-auto-read-only-is-dynamic that lint
// finds, replaced by a feature flag with a code action, as QEMU did in 2019.
describe("the demo schema's marker member", () => {
  const demo = path.join(projectRoot, "qapi");
  const blockCore = path.join(demo, "block-core.json");
  let client: LspClient;
  beforeAll(async () => {
    client = await LspClient.start(demo);
  }, 120_000);
  afterAll(async () => {
    if (client) expect(await client.stop()).toBe(0);
  });

  test("lint's marker-member finding, fixed by a code action into a feature", async () => {
    const first = await client.open(blockCore);
    const d = first.diagnostics.find((x) => x.code === "marker-member");
    expect(d, JSON.stringify(first.diagnostics)).toBeDefined();
    const actions = await client.request<CodeAction[]>("textDocument/codeAction", {
      textDocument: { uri: client.uri(blockCore) },
      range: d!.range,
      context: { diagnostics: [d] },
    });
    const fix = actions.find((a) => a.diagnostics?.some((x) => x.code === "marker-member"));
    expect(fix, JSON.stringify(actions.map((a) => a.title))).toBeDefined();
    const [after] = await client.apply(fix!.edit!);
    expect(after!.diagnostics.filter((x) => x.severity === 1)).toEqual([]);
    expect(after!.diagnostics.some((x) => x.code === "marker-member")).toBe(false);
    expect(client.text(blockCore)).not.toMatch(/'\*?x-auto-read-only-is-dynamic'/);
  });
});

// A project's configuration file: its compat and lint settings apply, and the legacy forms that
// --compat accepts are rewritten to today's by code actions.
describe("a project's settings", () => {
  test("compat: a simple union is a warning, rewritten by a code action; lint.noRule applies", async () => {
    const dir = scratch("lsp-config");
    writeFileSync(
      path.join(dir, "qapi-ts.config.json"),
      JSON.stringify({ schema: "s.json", compat: true, lint: { noRule: ["marker-member"] } }),
    );
    const schema = path.join(dir, "s.json");
    writeFileSync(
      schema,
      [
        "{ 'struct': 'Marked', 'data': { 'a': 'int', 'x-marker': 'null' } }",
        "{ 'struct': 'Pair', 'data': { 'a': 'int', 'b': 'str' } }",
        "{ 'union': 'Choice', 'data': { 'number': 'int', 'pair': 'Pair' } }",
        "{ 'command': 'pick', 'data': { 'c': 'Choice', 'm': 'Marked' } }",
        "",
      ].join("\n"),
    );
    const client = await LspClient.start(dir);
    try {
      const first = await client.open(schema);
      expect(first.diagnostics.filter((d) => d.severity === 1)).toEqual([]);
      expect(first.diagnostics.some((d) => d.code === "marker-member")).toBe(false);
      const legacy = first.diagnostics.find((d) => /simple unions/.test(d.message));
      expect(legacy, JSON.stringify(first.diagnostics)).toBeDefined();
      expect(legacy!.message).toMatch(/\(accepted by --compat\)$/);
      const actions = await client.request<CodeAction[]>("textDocument/codeAction", {
        textDocument: { uri: client.uri(schema) },
        range: legacy!.range,
        context: { diagnostics: [legacy] },
      });
      const fix = actions.find((a) => a.title.startsWith("Rewrite simple union 'Choice'"));
      expect(fix, JSON.stringify(actions.map((a) => a.title))).toBeDefined();
      expect(fix!.diagnostics?.map((d) => d.message)).toEqual([legacy!.message]);
      const [after] = await client.apply(fix!.edit!);
      expect(after!.diagnostics).toEqual([]);
      expect(client.text(schema)).toMatch(/'discriminator': 'type'/);
      // Today's form is what lint without --compat accepts too.
      writeFileSync(schema, client.text(schema));
      const r = runCli(["lint", "--no-rule", "marker-member", "s.json"], { cwd: dir });
      expect(r.stdout + r.stderr).toBe("");
      expect(r.status).toBe(0);
    } finally {
      expect(await client.stop()).toBe(0);
    }
  }, 120_000);
});
