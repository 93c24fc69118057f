// The front end as a program uses it: a schema from a file path or from text with a map of the
// files it includes (generator/frontend/host.ts), diagnostics as data, nothing printed, no exit.
import { afterEach, describe, expect, test, vi } from "vitest";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import {
  MAX_SCHEMA_BYTES,
  loadSchema,
  loadSchemaText,
  memoryHost,
} from "../generator/frontend/index.ts";
import { dumpModel } from "../generator/services/dump.ts";
import { formatQemu } from "../generator/model/source.ts";
import { shared } from "./helpers/paths.ts";

afterEach(() => vi.restoreAllMocks());

describe("schemas held in memory", () => {
  const files = {
    "sub/types.json":
      "{ 'include': '../common.json' }\n{ 'struct': 'Point', 'data': { 'x': 'Coord' } }\n",
    "common.json": "{ 'enum': 'Coord', 'data': [ 'a', 'b' ] }\n",
  };
  const main =
    "{ 'include': 'sub/types.json' }\n{ 'command': 'move', 'data': { 'to': 'Point' } }\n";

  test("includes resolve in the file map, relative to the including file", () => {
    const r = loadSchemaText(main, { files, fname: "api.json" });
    expect(r.diagnostics).toEqual([]);
    const model = r.model!;
    expect(model.modules.map((m) => m.name)).toEqual([
      "./builtin",
      "api.json",
      "sub/types.json",
      "common.json",
    ]);
    expect(model.lookup("move")?.module).toBe("api.json");
    expect(model.lookup("Coord")?.module).toBe("common.json");
  });

  test("a host of files, for loadSchema: relative names from its folder", () => {
    const host = memoryHost({ ...files, "/srv/api.json": main }, "/srv");
    expect(loadSchema("/srv/api.json", { host }).model?.lookup("Point")).toBeDefined();
    expect(loadSchema("api.json", { host }).model?.lookup("Point")).toBeDefined();
    const elsewhere = memoryHost(
      { "sub/types.json": files["sub/types.json"], "/elsewhere/common.json": "" },
      "/srv/x",
    );
    expect(
      loadSchema("/srv/x/sub/types.json", { host: elsewhere }).diagnostics.map(formatQemu),
    ).toEqual([
      "/srv/x/sub/types.json:1: can't read include file '/srv/x/sub/../common.json': No such file or directory",
    ]);
  });

  test("what cannot be read: missing files, folders, too much text", () => {
    const r = loadSchemaText("{ 'include': 'sub' }\n{ 'include': 'nowhere.json' }\n", {
      files,
      diagnostics: "all",
    });
    expect(r.diagnostics.map(formatQemu)).toEqual([
      "schema.json:1: can't read include file 'sub': Is a directory",
      "schema.json:2: can't read include file 'nowhere.json': No such file or directory",
    ]);
    const huge = loadSchemaText("#".repeat(MAX_SCHEMA_BYTES + 1));
    expect(huge.diagnostics.map(formatQemu)).toEqual([
      `can't read schema file 'schema.json': File too large (schemas are limited to ${MAX_SCHEMA_BYTES >> 20} MiB in total)`,
    ]);
  });

  test("diagnostics are data: nothing printed, no exit, in either mode", () => {
    const write = vi.spyOn(process.stderr, "write");
    const out = vi.spyOn(process.stdout, "write");
    const exit = vi.spyOn(process, "exit");
    const log = vi.spyOn(console, "log");
    const error = vi.spyOn(console, "error");
    for (const diagnostics of ["first-error", "all"] as const) {
      const r = loadSchemaText("{ 'struct': 'Foo', 'data': 'Bar' }\n{ 'enum': 'x' }\n", {
        diagnostics,
      });
      expect(r.model).toBeNull();
      expect(r.diagnostics.length).toBe(diagnostics === "all" ? 2 : 1);
      expect(r.diagnostics[0]).toMatchObject({
        severity: "error",
        message: "'data' should be an object",
        info: { fname: "schema.json", line: 1, defnMeta: "struct", defnName: "Foo" },
      });
    }
    // a limit on errors is the collecting mode's; the first error ends the other anyway
    const limited = loadSchemaText("{ 'enum': 'x' }\n", { maxErrors: 1 });
    expect(limited.diagnostics.map((d) => d.message)).toEqual(["name of enum must use CamelCase"]);
    for (const spy of [write, out, exit, log, error]) expect(spy).not.toHaveBeenCalled();
  });
});

const qemuSchema = path.join(shared, "qemu-10.2/qapi/qapi-schema.json");

describe.skipIf(!existsSync(qemuSchema))("QEMU's schema, from disk and from memory", () => {
  test("the same model either way", () => {
    const dir = path.dirname(qemuSchema);
    const texts = new Map(
      readdirSync(dir)
        .filter((f) => f.endsWith(".json"))
        .map((f) => [f, readFileSync(path.join(dir, f), "utf8")]),
    );
    const fromMemory = loadSchemaText(texts.get("qapi-schema.json")!, {
      fname: "qapi-schema.json",
      files: texts,
    });
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const fromDisk = loadSchema("qapi-schema.json");
      expect(fromMemory.diagnostics).toEqual([]);
      expect(dumpModel(fromMemory.model!)).toBe(dumpModel(fromDisk.model!));
    } finally {
      process.chdir(cwd);
    }
  });
});
