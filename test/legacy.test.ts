// The legacy dialect (QEMU before 6.2): QEMU 4.1's schemas lint clean under --compat (with each
// kind of legacy use warned about once) and fail without it, as QEMU 10.2 rejects them. Small
// schemas pin down how conditions and simple unions map onto the model.
import { afterAll, describe, expect, test } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadSchema } from "../generator/frontend.ts";
import { formatQemu } from "../generator/source.ts";
import { bin, shared } from "./helpers/paths.ts";

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
