// The query-qmp-schema payload: buildIntrospection on a small hand-built model (order, masking,
// conditions), the generated module (same payload at run time, prettier-clean), and on QEMU
// 10.2's schema exact equality with QEMU's expected payloads, through the CLI.
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type {
  ArrayType,
  BuiltinType,
  Command,
  Definition,
  EnumType,
  Event,
  Feature,
  Condition,
  JsonType,
  ObjectMember,
  ObjectType,
  SchemaModel,
  Type,
  AlternateType,
} from "../generator/model/index.ts";
import { buildIntrospection } from "../generator/model/introspection-tree.ts";
import { introspectionBackend } from "../generator/backends/introspection/index.ts";
import { backendOptions, importGenerated } from "./helpers/generated.ts";
import { bin, projectRoot, shared } from "./helpers/paths.ts";

type IntrospectionModule = {
  qmpSchemaInfo(defines: Iterable<string>): readonly Record<string, unknown>[];
  conditionSymbols(): ReadonlySet<string>;
};

/** The introspection back end's module for a model, imported. */
async function introspectionModule(
  model: SchemaModel,
  defines: ReadonlySet<string> | null,
): Promise<IntrospectionModule> {
  const files = introspectionBackend.generate(model, {
    ...backendOptions({ defines }),
    unmask: false,
  });
  return importGenerated<IntrospectionModule>(files, "introspection.ts");
}

const qemu = path.join(shared, "qemu-10.2");
const hasShared = existsSync(path.join(qemu, "expected/linux-x86_64.introspect.json"));
if (!hasShared) console.log("note: ../shared is absent; QEMU 10.2 introspection tests are skipped");

// ---------------------------------------------------------------------------------------------
// A hand-built model, shaped as the front end builds it.

const name = (n: string): Condition => n;
const base = {
  info: null,
  doc: null,
  ifcond: null,
  features: [],
  module: "demo.json",
  isImplicit: false,
};

function builtin(n: string, jsonType: JsonType): BuiltinType {
  return { ...base, module: "./builtin", name: n, meta: "builtin", jsonType };
}
function feature(n: string, ifcond: Condition | null = null): Feature {
  return { name: n, info: null, ifcond, isSpecial: n === "deprecated" || n === "unstable" };
}
function member(n: string, type: Type, more: Partial<ObjectMember> = {}): ObjectMember {
  return {
    name: n,
    info: null,
    ifcond: null,
    features: [],
    type,
    optional: false,
    definedIn: "",
    ...more,
  };
}
function object(n: string, members: ObjectMember[], more: Partial<ObjectType> = {}): ObjectType {
  return {
    ...base,
    name: n,
    meta: "object",
    base: null,
    localMembers: members,
    members,
    branches: null,
    ...more,
  };
}
function array(element: Type): ArrayType {
  return {
    ...base,
    module: element.module,
    name: `${element.name}List`,
    meta: "array",
    elementType: element,
    isImplicit: true,
  };
}

function demoModel(): SchemaModel {
  const str = builtin("str", "string");
  const int = builtin("int", "int");
  const int8 = builtin("int8", "int");
  const bool = builtin("bool", "boolean");
  const nul = builtin("null", "null");
  const intList = array(int);
  const int8List = array(int8);
  const qEmpty = object("q_empty", [], { module: "./builtin", isImplicit: true });
  const color: EnumType = {
    ...base,
    name: "Color",
    meta: "enum",
    prefix: null,
    members: [
      { name: "red", info: null, ifcond: null, features: [] },
      {
        name: "green",
        info: null,
        ifcond: name("CONFIG_GREEN"),
        features: [feature("deprecated")],
      },
    ],
  };
  const point = object("Point", [
    member("x", int8),
    member("y", int, { optional: true }),
    member("color", color, { features: [feature("unstable", name("CONFIG_U"))] }),
    member("marker", nul, { optional: true, ifcond: name("CONFIG_POSIX") }),
  ]);
  const pointList = array(point);
  const secret = object("Secret", [member("key", str)], { ifcond: name("CONFIG_SECRET") });
  const shapeBase = object("q_obj_Shape-base", [member("kind", color)], { isImplicit: true });
  const shape = object("Shape", shapeBase.members, {
    base: shapeBase,
    localMembers: [],
    branches: {
      tagMember: shapeBase.members[0]!,
      variants: [
        { name: "red", info: null, ifcond: null, type: point },
        { name: "green", info: null, ifcond: name("CONFIG_GREEN"), type: secret },
      ],
    },
    features: [feature("custom", { not: name("CONFIG_U") })],
  });
  const alt: AlternateType = {
    ...base,
    name: "PointOrInt",
    meta: "alternate",
    branches: {
      tagMember: member("type", builtin("QType", "string")),
      variants: [
        { name: "point", info: null, ifcond: null, type: point },
        { name: "n", info: null, ifcond: null, type: int8 },
      ],
    },
  };
  const drawArg = object(
    "q_obj_draw-arg",
    [
      member("points", pointList),
      member("sizes", int8List, { optional: true }),
      member("alt", alt),
    ],
    { isImplicit: true, ifcond: name("CONFIG_DRAW") },
  );
  const draw: Command = {
    ...base,
    name: "draw",
    meta: "command",
    ifcond: name("CONFIG_DRAW"),
    argType: drawArg,
    retType: shape,
    gen: true,
    successResponse: true,
    boxed: false,
    allowOob: true,
    allowPreconfig: false,
    coroutine: false,
  };
  const stop: Command = {
    ...draw,
    name: "stop",
    ifcond: null,
    argType: null,
    retType: null,
    allowOob: false,
    features: [feature("deprecated")],
  };
  const moved: Event = {
    ...base,
    name: "MOVED",
    meta: "event",
    argType: object("q_obj_MOVED-arg", [member("to", point)], { isImplicit: true }),
    boxed: false,
  };
  const entities: Definition[] = [
    str,
    int,
    int8,
    bool,
    nul,
    intList,
    int8List,
    qEmpty,
    color,
    point,
    pointList,
    secret,
    shapeBase,
    shape,
    alt,
    drawArg,
    draw,
    stop,
    moved,
  ];
  const byName = new Map(entities.map((e) => [e.name, e]));
  return {
    fname: "demo.json",
    entities,
    lookup: (n) => byName.get(n),
    lookupType: (n) => {
      const e = byName.get(n);
      return e && e.meta !== "command" && e.meta !== "event" ? e : undefined;
    },
    modules: [],
    docs: [],
    visit(v) {
      v.visitBegin?.(this);
      for (const e of entities) {
        if (v.visitNeeded && !v.visitNeeded(e)) continue;
        if (e.meta === "command") v.visitCommand?.(e);
        else if (e.meta === "event") v.visitEvent?.(e);
      }
      v.visitEnd?.();
    },
  };
}

// What QEMU would generate for demoModel, written out by hand from the rules in
// qapi-code-gen.rst: commands/events first, then types in order of first use, numbered then.
const expectedAll = [
  { "arg-type": "0", "ret-type": "1", "allow-oob": true, name: "draw", "meta-type": "command" },
  {
    "arg-type": "2",
    "ret-type": "2",
    name: "stop",
    "meta-type": "command",
    features: ["deprecated"],
  },
  { "arg-type": "3", name: "MOVED", "meta-type": "event" },
  {
    members: [
      { name: "points", type: "[4]" },
      { name: "sizes", type: "[int]", default: null },
      { name: "alt", type: "5" },
    ],
    name: "0",
    "meta-type": "object",
  },
  {
    members: [{ name: "kind", type: "6" }],
    tag: "kind",
    variants: [
      { case: "red", type: "4" },
      { case: "green", type: "7" },
    ],
    name: "1",
    "meta-type": "object",
    features: ["custom"],
  },
  { members: [], name: "2", "meta-type": "object" },
  { members: [{ name: "to", type: "4" }], name: "3", "meta-type": "object" },
  { "element-type": "4", name: "[4]", "meta-type": "array" },
  {
    members: [
      { name: "x", type: "int" },
      { name: "y", type: "int", default: null },
      { name: "color", type: "6", features: ["unstable"] },
      { name: "marker", type: "null", default: null },
    ],
    name: "4",
    "meta-type": "object",
  },
  { "element-type": "int", name: "[int]", "meta-type": "array" },
  { "json-type": "int", name: "int", "meta-type": "builtin" },
  { members: [{ type: "4" }, { type: "int" }], name: "5", "meta-type": "alternate" },
  {
    members: [{ name: "red" }, { name: "green", features: ["deprecated"] }],
    values: ["red", "green"],
    name: "6",
    "meta-type": "enum",
  },
  { members: [{ name: "key", type: "str" }], name: "7", "meta-type": "object" },
  { "json-type": "null", name: "null", "meta-type": "builtin" },
  { "json-type": "string", name: "str", "meta-type": "builtin" },
];
const unmaskedNames = [
  "q_obj_draw-arg",
  "Shape",
  "q_empty",
  "q_obj_MOVED-arg",
  "Point",
  "PointOrInt",
  "Color",
  "Secret",
];

describe("buildIntrospection on a hand-built model", () => {
  test("defines null keeps every entry, numbered in order of first use", () => {
    expect(buildIntrospection(demoModel(), { defines: null, unmask: false })).toEqual(expectedAll);
  });

  test("key order follows QEMU's (variant members, then name, meta-type, features)", () => {
    const payload = buildIntrospection(demoModel(), { defines: null, unmask: false });
    expect(JSON.stringify(payload)).toBe(JSON.stringify(expectedAll));
  });

  test("a build without a symbol drops its items but keeps the numbering", () => {
    const payload = buildIntrospection(demoModel(), { defines: new Set(), unmask: false });
    const names = payload.map((e) => e["name"]);
    // draw and its argument type (CONFIG_DRAW), Secret (CONFIG_SECRET) are gone; gaps remain.
    expect(names).toEqual([
      "stop",
      "MOVED",
      "1",
      "2",
      "3",
      "[4]",
      "4",
      "[int]",
      "int",
      "5",
      "6",
      "null",
      "str",
    ]);
    const byName = new Map(payload.map((e) => [e["name"], e]));
    expect(byName.get("1")).toMatchObject({
      variants: [{ case: "red", type: "4" }],
      features: ["custom"],
    });
    expect(byName.get("4")!["members"]).toEqual([
      { name: "x", type: "int" },
      { name: "y", type: "int", default: null },
      { name: "color", type: "6", features: [] },
    ]);
    expect(byName.get("6")).toMatchObject({ members: [{ name: "red" }], values: ["red"] });
  });

  test("conditions: not, and nested features", () => {
    const defines = new Set(["CONFIG_U", "CONFIG_POSIX", "CONFIG_GREEN"]);
    const byName = new Map(
      buildIntrospection(demoModel(), { defines, unmask: false }).map((e) => [e["name"], e]),
    );
    expect(byName.get("1")!["features"]).toEqual([]);
    expect(byName.get("1")!["variants"]).toHaveLength(2);
    expect(byName.get("4")!["members"]).toHaveLength(4);
  });

  test("unmask gives real names, in the same order", () => {
    const payload = buildIntrospection(demoModel(), { defines: null, unmask: true });
    const masked = expectedAll.map((e) => e.name);
    const real = payload.map((e) => e["name"]);
    const realOf = (n: string) => (/^\d+$/.test(n) ? unmaskedNames[Number(n)]! : n);
    expect(real).toEqual(
      masked.map((n) => (n.startsWith("[") ? `[${realOf(n.slice(1, -1))}]` : realOf(n))),
    );
    expect(payload[0]).toMatchObject({ "arg-type": "q_obj_draw-arg", "ret-type": "Shape" });
  });
});

// ---------------------------------------------------------------------------------------------
// The generated module

function prettierCheck(content: string): { status: number | null; output: string } {
  const dir = mkdtempSync(path.join(tmpdir(), "qapi-ts-prettier-"));
  try {
    const file = path.join(dir, "introspection.ts");
    writeFileSync(file, content);
    const r = spawnSync(path.join(projectRoot, "node_modules/.bin/prettier"), ["--check", file], {
      encoding: "utf8",
    });
    return { status: r.status, output: r.stdout + r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("introspectionModule", () => {
  test("one generated module gives each configuration's payload", async () => {
    const model = demoModel();
    const mod = await introspectionModule(model, null);
    expect(mod.conditionSymbols()).toEqual(
      new Set(["CONFIG_DRAW", "CONFIG_U", "CONFIG_GREEN", "CONFIG_POSIX", "CONFIG_SECRET"]),
    );
    for (const defined of [
      [],
      ["CONFIG_U"],
      ["CONFIG_DRAW", "CONFIG_GREEN"],
      ["CONFIG_POSIX", "CONFIG_SECRET", "CONFIG_DRAW"],
      [...mod.conditionSymbols()],
    ]) {
      const defines = new Set(defined);
      expect(mod.qmpSchemaInfo(defines), defined.join(" ")).toEqual(
        buildIntrospection(model, { defines, unmask: false }),
      );
    }
    // Symbols no condition mentions do not matter; the same configuration is parsed once.
    expect(mod.qmpSchemaInfo(["CONFIG_U", "UNUSED"])).toBe(mod.qmpSchemaInfo(["CONFIG_U"]));
  });

  test("with defines given, conditions are resolved at generation", async () => {
    const defines = new Set(["CONFIG_GREEN"]);
    const mod = await introspectionModule(demoModel(), defines);
    expect(mod.conditionSymbols().size).toBe(0);
    expect(mod.qmpSchemaInfo([])).toEqual(
      buildIntrospection(demoModel(), { defines, unmask: false }),
    );
  });

  test("the output is in prettier's style", () => {
    for (const defines of [null, new Set<string>(["CONFIG_U"])]) {
      const [file] = introspectionBackend.generate(demoModel(), {
        ...backendOptions({ defines }),
        unmask: false,
      });
      const r = prettierCheck(file!.content);
      expect(r.status, r.output).toBe(0);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// QEMU 10.2: exact equality with the payloads QEMU's generator built

describe.skipIf(!hasShared)("QEMU 10.2 schema", () => {
  const schema = path.join(qemu, "qapi/qapi-schema.json");
  const definesFile = path.join(qemu, "expected/linux-x86_64.defines");
  const expectedMasked = readIfExists(path.join(qemu, "expected/linux-x86_64.introspect.json"));
  const expectedUnmasked = readIfExists(
    path.join(qemu, "expected/linux-x86_64.introspect-unmasked.json"),
  );

  test("introspect --defines equals the expected payload, byte for byte", () => {
    const out = execFileSync(bin, ["introspect", schema, "--defines", definesFile], {
      encoding: "utf8",
      maxBuffer: 1 << 28,
    });
    expect(JSON.parse(out)).toEqual(JSON.parse(expectedMasked));
    expect(out).toBe(expectedMasked + "\n");
  });

  test("introspect --unmask equals the expected unmasked payload", () => {
    const out = execFileSync(bin, ["introspect", schema, "--defines", definesFile, "--unmask"], {
      encoding: "utf8",
      maxBuffer: 1 << 28,
    });
    expect(out).toBe(expectedUnmasked + "\n");
  });

  test("-D symbols and -o FILE give the same as --defines", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "qapi-ts-introspect-"));
    try {
      const args = readFileSync(definesFile, "utf8")
        .split("\n")
        .filter(Boolean)
        .flatMap((s) => ["-D", s]);
      const out = path.join(dir, "payload.json");
      execFileSync(bin, ["introspect", schema, ...args, "-o", out]);
      expect(readFileSync(out, "utf8")).toBe(expectedMasked + "\n");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("the generated module's payload for the linux-x86_64 defines equals the expected file", async () => {
    const { loadSchema } = await import("../generator/frontend/index.ts");
    const model = loadSchema(schema, { compat: false }).model!;
    const mod = await introspectionModule(model, null);
    const defines = readFileSync(definesFile, "utf8").split("\n").filter(Boolean);
    expect(JSON.stringify(mod.qmpSchemaInfo(defines), null, 1)).toBe(expectedMasked);
    // Random builds: the run-time removal by path gives what buildIntrospection resolves.
    const symbols = [...mod.conditionSymbols()];
    fc.assert(
      fc.property(fc.subarray(symbols), (defined) => {
        const set = new Set(defined);
        expect(mod.qmpSchemaInfo(set)).toEqual(
          buildIntrospection(model, { defines: set, unmask: false }),
        );
      }),
      { numRuns: 15 },
    );
    // Another build: every type keeps its number.
    const none = mod.qmpSchemaInfo([]);
    const full = mod.qmpSchemaInfo(mod.conditionSymbols());
    expect(none.length).toBeLessThan(full.length);
    const numberOf = (p: readonly Record<string, unknown>[]) => new Set(p.map((e) => e["name"]));
    for (const n of numberOf(none)) expect(numberOf(full).has(n), String(n)).toBe(true);
    const [file] = introspectionBackend.generate(model, { ...backendOptions(), unmask: false });
    expect(prettierCheck(file!.content).status).toBe(0);
  });

  test("bad input: diagnostics and exit codes", () => {
    const missing = spawnSync(bin, ["introspect", path.join(qemu, "no-such-schema.json")], {
      encoding: "utf8",
    });
    expect(missing.status).toBe(1);
    expect(missing.stderr).not.toMatch(/at .*\.mjs/);
    const badD = spawnSync(bin, ["introspect", schema, "-D", "not a symbol"], { encoding: "utf8" });
    expect(badD.status).toBe(2);
    expect(badD.stderr).toMatch(/-D 'not a symbol'/);
    const dir = mkdtempSync(path.join(tmpdir(), "qapi-ts-introspect-"));
    try {
      const bad = path.join(dir, "bad.defines");
      writeFileSync(bad, "CONFIG_A\nCONFIG B\n");
      const r = spawnSync(bin, ["introspect", schema, "--defines", bad], { encoding: "utf8" });
      expect(r.status).toBe(1);
      expect(r.stderr).toBe(`${bad}:2: expected a condition symbol, found 'CONFIG B'\n`);
      const none = spawnSync(bin, ["introspect", schema, "--defines", path.join(dir, "absent")], {
        encoding: "utf8",
      });
      expect(none.status).toBe(1);
      expect(none.stderr).toMatch(/can't read .*absent/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!existsSync(path.join(shared, "qemu-4.1/qapi/qapi-schema.json")))(
  "QEMU 4.1 schema (legacy dialect)",
  () => {
    const schema = path.join(shared, "qemu-4.1/qapi/qapi-schema.json");
    const fileOptions = (args: string[]) => {
      const r = spawnSync(bin, ["introspect", "--compat", "--unmask", schema, ...args], {
        encoding: "utf8",
        maxBuffer: 1 << 28,
      });
      expect(r.status, r.stderr.slice(-2000)).toBe(0);
      return (JSON.parse(r.stdout) as Record<string, unknown>[]).find(
        (e) => e["name"] === "BlockdevOptionsFile",
      );
    };

    test("legacy 'defined(...)' conditions: dynamic-auto-read-only only with CONFIG_POSIX", () => {
      expect(fileOptions(["-D", "CONFIG_POSIX"])!["features"]).toEqual(["dynamic-auto-read-only"]);
      // The key stays: QEMU decides it when generating, the build only drops the #if'd items.
      expect(fileOptions([])!["features"]).toEqual([]);
    });
  },
);

function readIfExists(file: string): string {
  return existsSync(file) ? readFileSync(file, "utf8") : "";
}
