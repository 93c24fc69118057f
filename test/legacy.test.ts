// The legacy dialect (QEMU 4.1 ... 10.1): QEMU 4.1's schemas lint clean under --compat (with each
// kind of legacy use warned about once) and fail without it, as QEMU 10.2 rejects them. Small
// schemas pin down how conditions and simple unions map onto the model, and test/cases/legacy-*
// how doc comments of older releases are read (their .err/.lint files hold QEMU 10.2's errors).
import { afterAll, describe, expect, test } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadSchema } from "../generator/frontend/index.ts";
import { dumpModel } from "../generator/services/dump.ts";
import type { Documentation } from "../generator/model/documentation.ts";
import { formatQemu } from "../generator/model/source.ts";
import { bin, projectRoot, shared } from "./helpers/paths.ts";

const exists = existsSync(path.join(shared, "qemu-4.1/qapi/qapi-schema.json"));
if (!exists) console.log(`legacy: skipped, ${shared}/qemu-4.1 is absent`);
const lint = (...args: string[]) =>
  spawnSync(process.execPath, [bin, "lint", ...args], { cwd: shared, encoding: "utf8" });

describe.skipIf(!exists)("QEMU 4.1 schemas", () => {
  test.each(["qemu-4.1/qapi/qapi-schema.json", "qemu-4.1/qga/qapi-schema.json"])("%s", (schema) => {
    const compat = lint("--compat", schema);
    expect(compat.status).toBe(0);
    expect(compat.stderr).toMatch(/warning: /);
    expect(
      compat.stderr.split("\n").filter((l) => /^[^ ]+:\d+(:\d+)?: (?!warning: )/.test(l)),
    ).toEqual([]);
    // Each kind of legacy use once: no warning line repeats (lint rules' findings aside).
    const lines = compat.stderr
      .split("\n")
      .filter((l) => l.includes("warning: ") && !/ \[[a-z-]+\]$/.test(l));
    const kinds = lines.map((l) => l.replace(/^.*warning: /, ""));
    expect(new Set(kinds).size).toBe(kinds.length);
    const strict = lint("--compat", "--strict", schema);
    expect(strict.status).toBe(1);
    const plain = lint(schema);
    expect(plain.status).toBe(1);
    expect(plain.stderr).not.toMatch(/warning: /);
  });

  test("QEMU 4.1's model under --compat", () => {
    const r = loadSchema(path.join(shared, "qemu-4.1/qapi/qapi-schema.json"), { compat: true });
    expect(r.model).not.toBeNull();
    const model = r.model!;
    const u = model.lookupType("SocketAddressLegacy");
    expect(u?.meta).toBe("object");
    if (u?.meta !== "object") return;
    expect(u.localMembers.map((m) => [m.name, m.type.name])).toEqual([
      ["type", "SocketAddressLegacyKind"],
    ]);
    expect(u.branches?.variants.map((v) => [v.name, v.type.name])).toEqual([
      ["inet", "q_obj_InetSocketAddress-wrapper"],
      ["unix", "q_obj_UnixSocketAddress-wrapper"],
      ["vsock", "q_obj_VsockSocketAddress-wrapper"],
      ["fd", "q_obj_String-wrapper"],
    ]);
    const kind = model.lookupType("SocketAddressLegacyKind");
    expect(kind?.meta === "enum" && kind.members.map((m) => m.name)).toEqual([
      "inet",
      "unix",
      "vsock",
      "fd",
    ]);
  });
});

const current = existsSync(path.join(shared, "qemu-10.2/qapi/qapi-schema.json"));
describe.skipIf(!current)("QEMU 10.2 schemas under --compat", () => {
  test.each([
    "qemu-10.2/qapi/qapi-schema.json",
    "qemu-10.2/qga/qapi-schema.json",
    "qemu-10.2/storage-daemon/qapi/qapi-schema.json",
  ])("%s: no warnings, the model read without compat", (schema) => {
    const r = loadSchema(path.join(shared, schema), { compat: true });
    expect(r.diagnostics).toEqual([]);
    const strict = loadSchema(path.join(shared, schema), { compat: false });
    expect(dumpModel(r.model!)).toBe(dumpModel(strict.model!));
  });
});

describe("legacy constructs (small schemas)", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "qapi-legacy-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string): string => {
    const f = path.join(dir, name);
    writeFileSync(f, text);
    return f;
  };

  test("C preprocessor conditions map to the schema's condition syntax", () => {
    const f = write(
      "cond.json",
      `{ 'struct': 'Aa', 'data': {}, 'if': 'defined(CONFIG_X)' }
{ 'struct': 'Bb', 'data': {}, 'if': 'defined(TARGET_S390X) || defined(TARGET_I386)' }
{ 'struct': 'Cc', 'data': {}, 'if': ['defined(CONFIG_A)', 'defined(CONFIG_B)'] }
{ 'struct': 'Dd', 'data': {}, 'if': '!defined(CONFIG_A) && (defined(X) || defined(Y))' }
`,
    );
    const r = loadSchema(f, { compat: true });
    expect(r.model).not.toBeNull();
    const cond = (n: string) => r.model!.lookup(n)!.ifcond;
    expect(cond("Aa")).toEqual("CONFIG_X");
    expect(cond("Bb")).toEqual({ any: ["TARGET_S390X", "TARGET_I386"] });
    expect(cond("Cc")).toEqual({ all: ["CONFIG_A", "CONFIG_B"] });
    expect(cond("Dd")).toEqual({ all: [{ not: "CONFIG_A" }, { any: ["X", "Y"] }] });
    // One warning for the kind, at its first use.
    expect(r.diagnostics.map((d) => [d.severity, d.info?.line])).toEqual([["warning", 1]]);

    const strict = loadSchema(f, { compat: false });
    expect(strict.model).toBeNull();
    expect(strict.diagnostics.map(formatQemu)).toEqual([
      `${f}: In struct 'Aa':\n${f}:1: 'if' condition 'defined(CONFIG_X)' of struct is not a valid identifier`,
    ]);
  });

  test("malformed C conditions stay errors under compat", () => {
    const f = write("badcond.json", `{ 'struct': 'Aa', 'data': {}, 'if': 'defined(CONFIG_X' }\n`);
    const r = loadSchema(f, { compat: true });
    expect(r.model).toBeNull();
    expect(r.diagnostics.at(-1)!.message).toBe(
      "'if' condition 'defined(CONFIG_X' of struct is not a valid identifier",
    );
  });

  test("simple unions: rejected as QEMU 10.2 does, accepted under compat", () => {
    const f = write(
      "simple.json",
      `{ 'struct': 'Foo', 'data': { 'a': 'int' } }
{ 'union': 'Uni', 'data': { 'foo': 'Foo', 'num': 'int', 'list': ['str'] } }
`,
    );
    const strict = loadSchema(f, { compat: false });
    expect(strict.diagnostics.map(formatQemu)).toEqual([
      `${f}: In union 'Uni':\n${f}:2: union misses keys 'base', 'discriminator'`,
    ]);
    const r = loadSchema(f, { compat: true });
    const u = r.model!.lookupType("Uni");
    expect(u?.meta === "object" && u.branches!.variants.map((v) => v.type.name)).toEqual([
      "q_obj_Foo-wrapper",
      "q_obj_int-wrapper",
      "q_obj_strList-wrapper",
    ]);
    const w = r.model!.lookupType("q_obj_strList-wrapper");
    expect(w?.meta === "object" && w.members.map((m) => `${m.name}:${m.type.name}`)).toEqual([
      "data:strList",
    ]);
    expect(w?.isImplicit).toBe(true);
  });

  test("enum values with '_' (e.g. 2_5)", () => {
    const f = write("enum.json", `{ 'enum': 'Speed', 'data': [ '2_5', '5' ] }\n`);
    expect(loadSchema(f, { compat: false }).diagnostics.at(-1)!.message).toBe(
      "name of 'data' member '2_5' must not use uppercase or '_'",
    );
    const r = loadSchema(f, { compat: true });
    expect(r.model).not.toBeNull();
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]!.severity).toBe("warning");
  });
});

describe("legacy doc comments (test/cases/legacy-doc-*.json under --compat)", () => {
  /** The case under compat: its warnings (line, message) and its docs by symbol. */
  const compat = (name: string) => {
    const r = loadSchema(path.join(projectRoot, "test/cases", `${name}.json`), { compat: true });
    expect(r.model).not.toBeNull();
    // (in file order: parse warnings come first otherwise)
    const warnings = r.diagnostics
      .map((d) => [d.info!.line, d.message] as const)
      .sort((x, y) => x[0] - y[0]);
    const docs = new Map(r.model!.docs.map((d) => [d.symbol, d]));
    const doc = (symbol: string): Documentation => docs.get(symbol)!;
    return { warnings, doc };
  };
  const sections = (d: Documentation) => d.sections.map((s) => [s.kind, s.text]);
  const accepted = (message: string) => `${message} (accepted by --compat)`;

  test("text begins on the next line, unindented", () => {
    const { warnings, doc } = compat("legacy-doc-text-next-line");
    // One warning for the kind (the Returns section is the same kind)
    expect(warnings).toEqual([
      [10, accepted("text of '@kernel-release:' begins on the next line without indentation")],
    ]);
    expect(doc("OSInfo").args.get("kernel-release")!.text).toBe(
      "* POSIX: release field returned by uname(2)\n* Windows: build number of the OS",
    );
    expect(doc("OSInfo").args.get("machine")!.text).toBe(
      "* POSIX: machine field returned by uname(2)",
    );
    expect(sections(doc("OSInfo"))).toEqual([["Since", "2.10"]]);
    expect(sections(doc("balloon"))).toEqual([
      ["Returns", "- the size reached\n- If no balloon device is present, DeviceNotActive"],
      ["Since", "0.14"],
    ]);
  });

  test("a description goes on less indented before the next one", () => {
    const { warnings, doc } = compat("legacy-doc-less-indented");
    expect(warnings).toEqual([[11, accepted("text of '@inmigrate:' goes on less indented")]]);
    const runState = doc("RunState");
    expect(runState.args.get("inmigrate")!.text).toBe(
      "guest is paused waiting for an incoming migration.  Note\n" +
        "that this state does not tell whether the machine will start.",
    );
    // The last description: QEMU 10.2 accepts its next line as a paragraph, and so does compat
    expect(runState.args.get("running")!.text).toBe("guest is actively");
    expect(sections(runState)).toEqual([
      ["Plain", "running"],
      ["Since", "0.14"],
    ]);
    expect(doc("commit").args.get("top")!.text).toBe(
      "the top image of the chain,\n      a node name\n\n  If top == base, that is an error.",
    );
    expect(doc("commit").args.get("speed")!.text).toBe("the maximum speed, in bytes per second");
  });

  test("a de-indented line ends the indented text", () => {
    const { warnings, doc } = compat("legacy-doc-de-indent");
    expect(warnings).toEqual([
      [11, accepted("unexpected de-indent (expected at least 13 spaces)")],
    ]);
    expect(doc("LUKSOptions").args.get("key-secret")!.text).toBe(
      "the ID of a secret object providing the\n             decryption key",
    );
    expect(sections(doc("LUKSOptions"))).toEqual([["Since", "2.6"]]);
    expect(doc("Indented").args.get("a")!.text).toBe("line one\n    line two");
    expect(sections(doc("Indented"))).toEqual([["Plain", "line three"]]);
  });

  test("'@name :' and '@two words:' are text", () => {
    const { warnings, doc } = compat("legacy-doc-spaced-name");
    expect(warnings).toEqual([
      [11, accepted("'@id :' is read as text, not as a description (a name has no spaces)")],
      [15, accepted("member 'id' lacks documentation")],
      [21, accepted("text of '@virtual:' goes on less indented")],
      [23, accepted("value 'file-backed-virtual' lacks documentation")],
    ]);
    expect(doc("job-resume").body.text).toBe("Resume a paused job.\n\n@id : The job identifier.");
    expect([...doc("job-resume").args.keys()]).toEqual([]);
    expect(doc("DiskBus").args.get("virtual")!.text).toBe(
      "Win virtual bus type\n@file-backed virtual: Win file-backed bus type",
    );
  });

  test("sections and checks older releases did without", () => {
    const { warnings, doc } = compat("legacy-doc-sections");
    expect(warnings.map(([line, m]) => [line, String(m).replace(/ Please.*\(/, " (")])).toEqual([
      [11, accepted("'Returns' section, but command doesn't return anything")],
      [20, accepted("The 'Note' section is no longer supported.")],
      [30, accepted("member 'b' lacks documentation")],
    ]);
    expect(sections(doc("stop"))).toEqual([["Returns", "nothing"]]);
    expect(doc("cont").body.text).toBe("Resume the guest.\n\nNote: the guest can be stopped again");
    expect(sections(doc("cont"))).toEqual([["Since", "0.14"]]);
  });
});

describe("legacy doc comments: what compat leaves alone", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "qapi-legacy-doc-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (text: string): string => {
    const f = path.join(dir, "t.json");
    writeFileSync(f, text);
    return f;
  };

  test("what QEMU 10.2 accepts reads the same with and without compat", () => {
    const f = write(`##
# @x:
#
# Body text
# Since: 1.0
#
# @a: one
# unindented, after the last description
#
# Returns: a list
# of things
#
# Since: 2.0
##
{ 'command': 'x', 'data': { 'a': 'int' }, 'returns': [ 'int' ] }
{ 'pragma': { 'command-returns-exceptions': [ 'x' ] } }
`);
    const strict = loadSchema(f, { compat: false });
    const r = loadSchema(f, { compat: true });
    expect(strict.diagnostics).toEqual([]);
    expect(r.diagnostics).toEqual([]);
    expect(dumpModel(r.model!)).toBe(dumpModel(strict.model!));
  });

  test("a description after a section is an error under compat too", () => {
    // Older QEMU rejected it as well ("'@a:' can't follow 'Since' section")
    const f = write(
      "##\n# @x:\n#\n# Since: 1\n#\n# @a: late\n##\n{ 'enum': 'x', 'data': [ 'a' ] }\n",
    );
    const r = loadSchema(f, { compat: true });
    expect(r.model).toBeNull();
    expect(r.diagnostics.map(formatQemu)).toEqual([
      `${f}:6:1: description of '@a:' follows a section`,
    ]);
  });

  test("a section without any text is an error under compat too", () => {
    const f = write("##\n# @x:\n#\n# @a:\n#\n# text\n##\n{ 'enum': 'x', 'data': [ 'a' ] }\n");
    expect(loadSchema(f, { compat: true }).diagnostics.map(formatQemu)).toEqual([
      `${f}:4: text required after 'Member:'`,
    ]);
  });
});
