// Features and marker members: findProbeItems / findMarkerMembers on a small schema covering every
// attachment, the `features` command (text, --json, -D), a cross-check against the introspection
// payload of QEMU 10.2's schema, and the project's own schema's story (marker + feature under
// CONFIG_POSIX).
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadSchema } from "../generator/frontend/index.ts";
import {
  findMarkerMembers,
  findProbeItems,
  formatProbeItems,
  itemPath,
  type ProbeItem,
} from "../generator/services/features.ts";
import { buildIntrospection, type JsonValue } from "../generator/model/introspection-tree.ts";
import type { SchemaModel } from "../generator/model/index.ts";
import { bin, projectRoot, shared } from "./helpers/paths.ts";

const qemuSchema = path.join(shared, "qemu-10.2/qapi/qapi-schema.json");
const hasShared = existsSync(qemuSchema);
if (!hasShared) console.log("note: ../shared is absent; the QEMU 10.2 cross-check is skipped");

const SCHEMA = `# Every place a feature or a marker can attach.

##
# @Color:
#
# @red: red
#
# @green: green
#
# Features:
#
# @deprecated: Use red.
#
# Since: 1.0
##
{ 'enum': 'Color',
  'data': [ 'red',
            { 'name': 'green', 'features': [ 'deprecated' ], 'if': 'CONFIG_GREEN' } ] }

##
# @FileOptions:
#
# @filename: the file
#
# @x-dynamic: present when auto-read-only is dynamic
#
# @x-debug: a debugging aid
#
# Features:
#
# @dynamic-ro: auto-read-only is dynamic
#
# @unstable: Member x-debug is for debugging.
#
# Since: 1.0
##
{ 'struct': 'FileOptions',
  'data': { 'filename': 'str',
            '*x-dynamic': { 'type': 'null', 'if': 'CONFIG_POSIX' },
            '*x-debug': { 'type': 'bool', 'features': [ 'unstable' ] } },
  'features': [ { 'name': 'dynamic-ro', 'if': 'CONFIG_POSIX' } ] }

##
# @Driver:
#
# @file: a file
#
# @mem: memory
#
# Since: 1.0
##
{ 'enum': 'Driver', 'data': [ 'file', 'mem' ] }

##
# @Options:
#
# @driver: which driver
#
# Since: 1.0
##
{ 'union': 'Options', 'base': { 'driver': 'Driver' }, 'discriminator': 'driver',
  'data': { 'file': 'FileOptions' } }

##
# @open:
#
# @options: what to open
#
# @ro: read-only
#
# Features:
#
# @deprecated: Member @ro is deprecated.
#
# @custom-cmd: open supports things
#
# Since: 1.0
##
{ 'command': 'open',
  'data': { 'options': 'Options', '*ro': { 'type': 'bool', 'features': [ 'deprecated' ] } },
  'features': [ 'custom-cmd' ], 'if': 'CONFIG_OPEN' }

##
# @OPENED:
#
# @node: the node
#
# Since: 1.0
##
{ 'event': 'OPENED', 'data': { 'node': 'str' } }
`;

let dir: string;
let schemaFile: string;
let model: SchemaModel;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "qapi-ts-features-"));
  schemaFile = path.join(dir, "schema.json");
  writeFileSync(schemaFile, SCHEMA);
  const r = loadSchema(schemaFile, { compat: false });
  if (!r.model)
    throw new Error(`test schema rejected: ${r.diagnostics.map((d) => d.message).join("; ")}`);
  model = r.model;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The fields a reader compares, conditions as the dump prints them. */
function summary(i: ProbeItem) {
  return {
    kind: i.kind,
    name: i.name,
    special: i.special,
    at: `${i.attachesTo} ${itemPath(i)} (${i.definitionMeta})`,
    branchOf: i.branchOf,
    if: i.ifcond,
    doc: i.doc,
  };
}

function run(...args: string[]) {
  return spawnSync(bin, args, { encoding: "utf8" });
}

describe("findProbeItems", () => {
  test("every feature and marker, in definition order, with place, condition and doc", () => {
    expect(findProbeItems(model).map(summary)).toEqual([
      {
        kind: "feature",
        name: "deprecated",
        special: true,
        at: "enum-value Color.green (enum)",
        branchOf: [],
        if: "CONFIG_GREEN",
        doc: "Use red.",
      },
      {
        kind: "feature",
        name: "dynamic-ro",
        special: false,
        at: "definition FileOptions (struct)",
        branchOf: ["Options.file"],
        if: "CONFIG_POSIX",
        doc: "auto-read-only is dynamic",
      },
      {
        kind: "marker",
        name: "x-dynamic",
        special: false,
        at: "member FileOptions.x-dynamic (struct)",
        branchOf: ["Options.file"],
        if: "CONFIG_POSIX",
        doc: "present when auto-read-only is dynamic",
      },
      {
        kind: "feature",
        name: "unstable",
        special: true,
        at: "member FileOptions.x-debug (struct)",
        branchOf: ["Options.file"],
        if: null,
        doc: "Member x-debug is for debugging.",
      },
      {
        kind: "feature",
        name: "custom-cmd",
        special: false,
        at: "definition open (command)",
        branchOf: [],
        if: "CONFIG_OPEN",
        doc: "open supports things",
      },
      {
        kind: "feature",
        name: "deprecated",
        special: true,
        at: "member open.ro (command)",
        branchOf: [],
        if: "CONFIG_OPEN",
        doc: "Member @ro is deprecated.",
      },
    ]);
  });

  test("findMarkerMembers: the null-typed members only, with their source location", () => {
    const markers = findMarkerMembers(model);
    expect(markers.map(itemPath)).toEqual(["FileOptions.x-dynamic"]);
    expect(markers[0]!.info?.fname).toBe(schemaFile);
    expect(markers[0]!.info?.line).toBe(
      SCHEMA.split("\n").indexOf("{ 'struct': 'FileOptions',") + 1,
    );
  });

  test("text listing", () => {
    const text = formatProbeItems(findProbeItems(model));
    expect(text.split("\n").slice(0, 4)).toEqual([
      "feature (special) deprecated: enum-value Color.green (enum), if CONFIG_GREEN",
      "    Use red.",
      "feature dynamic-ro: definition FileOptions (struct), branch Options.file, if CONFIG_POSIX",
      "    auto-read-only is dynamic",
    ]);
  });
});

describe("qapi-ts features", () => {
  test("without a configuration: everything; with one: what that build has", () => {
    const all = run("features", schemaFile, "--json");
    expect(all.status, all.stderr).toBe(0);
    expect(JSON.parse(all.stdout)).toHaveLength(6);
    const posix = JSON.parse(
      run("features", schemaFile, "--json", "-D", "CONFIG_POSIX").stdout,
    ) as { name: string }[];
    expect(posix.map((i) => i.name)).toEqual(["dynamic-ro", "x-dynamic", "unstable"]);
    const none = JSON.parse(
      run("features", schemaFile, "--json", "--defines", "/dev/null").stdout,
    ) as { name: string }[];
    expect(none.map((i) => i.name)).toEqual(["unstable"]);
  });

  test("--json fields", () => {
    const items = JSON.parse(run("features", schemaFile, "--json").stdout) as Record<
      string,
      unknown
    >[];
    expect(items[2]).toEqual({
      kind: "marker",
      name: "x-dynamic",
      special: false,
      attachesTo: "member",
      definition: "FileOptions",
      definitionMeta: "struct",
      member: "x-dynamic",
      branchOf: ["Options.file"],
      if: "CONFIG_POSIX",
      doc: "present when auto-read-only is dynamic",
      file: schemaFile,
      // The line of the definition the marker is a member of.
      line: SCHEMA.split("\n").indexOf("{ 'struct': 'FileOptions',") + 1,
    });
    // Every item's line is its definition's, exactly.
    const definitionLine = (name: string) =>
      SCHEMA.split("\n").findIndex((l) => new RegExp(`^\\{ '[a-z]+': '${name}'`).test(l)) + 1;
    for (const i of items)
      expect([i.name, i.line]).toEqual([i.name, definitionLine(i.definition as string)]);
  });

  test("bad schema: QEMU-style diagnostic, exit 1", () => {
    const bad = path.join(dir, "bad.json");
    writeFileSync(bad, "{ 'struct': 'Thing', 'data': { 'a': 'Nope' } }\n");
    const r = run("features", bad);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/bad\.json:1: .*Nope/);
    expect(r.stdout).toBe("");
  });
});

describe.skipIf(!hasShared)("QEMU 10.2 schema", () => {
  test("every feature the introspection payload shows is listed, at the same place", () => {
    const r = loadSchema(qemuSchema, { compat: false });
    expect(r.model).not.toBeNull();
    const qemu = r.model!;
    // The listing names an implicit type by the definition that made it (command, event, union).
    const shownAs = new Map<string, string>();
    for (const e of qemu.entities) {
      if ((e.meta === "command" || e.meta === "event") && e.argType?.isImplicit)
        shownAs.set(e.argType.name, e.name);
      if (e.meta === "object" && e.base?.isImplicit) shownAs.set(e.base.name, e.name);
    }
    const listed = new Set<string>();
    for (const i of findProbeItems(qemu))
      if (i.kind === "feature") listed.add(`${itemPath(i)} ${i.name}`);
    // Introspection flattens members: one may be listed at any type of the base chain.
    const holders = (name: string): string[] => {
      const out: string[] = [];
      for (
        let t = qemu.lookupType(name);
        t;
        t = t.meta === "object" ? (t.base ?? undefined) : undefined
      ) {
        out.push(shownAs.get(t.name) ?? t.name);
      }
      return out;
    };
    const payload = buildIntrospection(qemu, { defines: null, unmask: true });
    const features = (o: { [k: string]: JsonValue }) =>
      (o["features"] as string[] | undefined) ?? [];
    let checked = 0;
    for (const e of payload) {
      const name = e["name"] as string;
      for (const f of features(e)) {
        expect(listed.has(`${shownAs.get(name) ?? name} ${f}`), `${name} ${f}`).toBe(true);
        checked++;
      }
      if (e["meta-type"] !== "object" && e["meta-type"] !== "enum") continue;
      for (const m of e["members"] as { [k: string]: JsonValue }[]) {
        for (const f of features(m)) {
          const at = holders(name).map((h) => `${h}.${m["name"] as string} ${f}`);
          expect(
            at.some((k) => listed.has(k)),
            at[0],
          ).toBe(true);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(50);
    // QEMU's schema has no marker member left: features replaced them.
    expect(findMarkerMembers(qemu)).toEqual([]);
  });
});

describe("the project's own schema", () => {
  const demo = path.join(projectRoot, "qapi/qapi-schema.json");
  test("marker and dynamic-auto-read-only exist with CONFIG_POSIX only", () => {
    const posix = run("features", demo, "--json", "-D", "CONFIG_POSIX");
    expect(posix.status, posix.stderr).toBe(0);
    const withPosix = (JSON.parse(posix.stdout) as { kind: string; name: string }[]).map(
      (i) => `${i.kind} ${i.name}`,
    );
    expect(withPosix).toContain("feature dynamic-auto-read-only");
    expect(withPosix).toContain("marker x-auto-read-only-is-dynamic");
    const without = (
      JSON.parse(run("features", demo, "--json", "--defines", "/dev/null").stdout) as {
        kind: string;
        name: string;
      }[]
    ).map((i) => `${i.kind} ${i.name}`);
    expect(without).not.toContain("feature dynamic-auto-read-only");
    expect(without).not.toContain("marker x-auto-read-only-is-dynamic");
  });
});
