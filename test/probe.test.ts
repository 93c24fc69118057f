// probe over the two real query-qmp-schema replies in ../shared/introspection: the 75 recorded
// queries x 2 replies, through the CLI and through the library, plus the member-feature
// extension, the typed questions and explain on real data.
import { describe, expect, it } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { SchemaIndex, SchemaPath } from "../runtime/introspection.ts";
import { runCli } from "./helpers/cli.ts";
import { bin, projectRoot, shared } from "./helpers/paths.ts";

const introspectionDir = path.join(shared, "introspection");
const haveShared = existsSync(path.join(introspectionDir, "probe-queries.tsv"));
if (!haveShared)
  console.log(`probe.test: ${introspectionDir} is absent; skipping the real-reply tests`);

interface Row {
  query: string;
  expected: Record<string, string>;
}

function loadCases(): { replies: { label: string; file: string }[]; rows: Row[] } {
  const [header, ...lines] = readFileSync(path.join(introspectionDir, "probe-queries.tsv"), "utf8")
    .trimEnd()
    .split("\n");
  const labels = header!.split("\t").slice(1);
  const replies = labels.map((label) => ({
    label,
    file: path.join(introspectionDir, `${label}-x86_64.query-qmp-schema.json`),
  }));
  const rows = lines.map((line) => {
    const [query, ...answers] = line.split("\t");
    return { query: query!, expected: Object.fromEntries(labels.map((l, i) => [l, answers[i]!])) };
  });
  return { replies, rows };
}

const code = { found: "1", "not-found": "0", error: "error" } as const;

describe.skipIf(!haveShared)("probe on the real replies", () => {
  const { replies, rows } = haveShared ? loadCases() : { replies: [], rows: [] };
  const indexes = new Map(
    replies.map((r) => [r.label, new SchemaIndex(JSON.parse(readFileSync(r.file, "utf8")))]),
  );

  it("has 75 queries on 2 replies", () => {
    expect(rows.length).toBe(75);
    expect(replies.map((r) => r.label)).toEqual(["qemu-9.2.0", "qemu-10.0.0"]);
  });

  it("gives every recorded answer through the library", () => {
    let match = 0;
    const mismatches: string[] = [];
    for (const r of replies) {
      const index = indexes.get(r.label)!;
      for (const row of rows) {
        const got = code[index.probe(row.query).result];
        if (got === row.expected[r.label]) match++;
        else
          mismatches.push(`${r.label} ${row.query}: expected ${row.expected[r.label]}, got ${got}`);
      }
    }
    console.log(`probe (library): ${match}/${rows.length * replies.length} answers match`);
    expect(mismatches).toEqual([]);
  });

  it("gives every recorded answer through bin/qapi-ts probe --reply", () => {
    let match = 0;
    const mismatches: string[] = [];
    for (const r of replies) {
      const res = spawnSync(
        process.execPath,
        [bin, "probe", "--reply", r.file, ...rows.map((x) => x.query)],
        {
          encoding: "utf8",
        },
      );
      const lines = res.stdout.trimEnd().split("\n");
      expect(lines.length).toBe(rows.length);
      rows.forEach((row, i) => {
        const expectedLine = `${row.query}\t${row.expected[r.label]}`;
        if (lines[i] === expectedLine) match++;
        else
          mismatches.push(
            `${r.label}: expected ${JSON.stringify(expectedLine)}, got ${JSON.stringify(lines[i])}`,
          );
      });
      // Some recorded queries are not found on each reply, none is an error: exit 1.
      expect(res.status).toBe(1);
    }
    console.log(`probe: ${match}/${rows.length * replies.length} answers match`);
    expect(mismatches).toEqual([]);
  });

  it("exits 0 when every query is found, 2 on an error", () => {
    const file = replies[1]!.file;
    const ok = spawnSync(
      process.execPath,
      [
        bin,
        "probe",
        "--reply",
        file,
        "query-vnc",
        "blockdev-add/arg-type/+file/$dynamic-auto-read-only",
      ],
      { encoding: "utf8" },
    );
    expect(ok.status).toBe(0);
    const bad = spawnSync(
      process.execPath,
      [bin, "probe", "--reply", file, "query-vnc", "blockdev-add/arg-type/$x/y"],
      { encoding: "utf8" },
    );
    expect(bad.stdout).toBe("query-vnc\t1\nblockdev-add/arg-type/$x/y\terror\n");
    expect(bad.stderr).toMatch(/terminal/);
    expect(bad.status).toBe(2);
  });

  it("answers the same from QEMU 10.2's schema (--schema) as from the payload that QEMU built from it", () => {
    const qemu = path.join(shared, "qemu-10.2");
    const queries = rows.map((r) => r.query);
    const reply = path.join(qemu, "expected/linux-x86_64.introspect.json");
    const fromReply = runCli(["probe", "--reply", reply, ...queries]);
    const schema = ["--schema", path.join(qemu, "qapi/qapi-schema.json")];
    const defines = ["--defines", path.join(qemu, "expected/linux-x86_64.defines")];
    const fromSchema = runCli(["probe", ...schema, ...defines, ...queries]);
    expect(fromReply.stdout.split("\n")).toHaveLength(queries.length + 1);
    expect(fromSchema.stdout).toBe(fromReply.stdout);
    expect(fromSchema.status).toBe(fromReply.status);
  });

  it("reaches member-level features (the extension)", () => {
    const index = indexes.get("qemu-10.0.0")!;
    // x-check-cache-dropped is unstable; its neighbour filename carries no feature.
    expect(index.probe("blockdev-add/arg-type/+file/x-check-cache-dropped$unstable").result).toBe(
      "found",
    );
    expect(index.probe("blockdev-add/arg-type/+file/*x-check-cache-dropped$unstable").result).toBe(
      "found",
    );
    expect(index.probe("blockdev-add/arg-type/+file/filename$unstable").result).toBe("not-found");
    expect(index.probe("blockdev-add/arg-type/+file/*filename$unstable").result).toBe("not-found");
    expect(index.probe("blockdev-add/arg-type/+file/no-such-member$unstable").result).toBe(
      "not-found",
    );
    // In the original language `$` after a member tests the member's type, which has no feature.
    expect(index.probe("blockdev-add/arg-type/+file/x-check-cache-dropped/$unstable").result).toBe(
      "not-found",
    );
    expect(
      index.probe("blockdev-add/arg-type/+file/x-check-cache-dropped$unstable/more").result,
    ).toBe("error");
    // Typed equivalents.
    const file = SchemaPath.of("blockdev-add").arg().variant("file");
    expect(index.hasFeature(file, "unstable", { member: "x-check-cache-dropped" })).toBe(true);
    expect(index.hasFeature(file, "unstable", { member: "filename" })).toBe(false);
    expect(index.hasFeature(file, "dynamic-auto-read-only")).toBe(true);
    expect(index.hasFeature("blockdev-add/arg-type", "deprecated", { member: "driver" })).toBe(
      false,
    );
    expect(
      index.hasFeature("blockdev-add/arg-type/driver", "deprecated", { enumValue: "gluster" }),
    ).toBe(true);
    expect(
      index.hasFeature("blockdev-add/arg-type/driver", "deprecated", { enumValue: "file" }),
    ).toBe(false);
  });

  it("answers typed questions as the equivalent queries", () => {
    for (const [label, index] of indexes) {
      expect(index.hasCommand("blockdev-add")).toBe(true);
      expect(index.hasCommand("SHUTDOWN")).toBe(false);
      expect(index.hasEvent("SHUTDOWN")).toBe(true);
      expect(index.hasCommand("blockdev-set-active")).toBe(label === "qemu-10.0.0");
      expect(index.hasMember(SchemaPath.of("block-commit").arg(), "top", { optional: true })).toBe(
        true,
      );
      expect(
        index.hasMember(SchemaPath.of("blockdev-add").arg(), "driver", { optional: true }),
      ).toBe(false);
      expect(index.hasMember(SchemaPath.of("blockdev-add").arg(), "driver")).toBe(true);
      expect(index.hasEnumValue(SchemaPath.of("screendump").arg().member("format"), "png")).toBe(
        true,
      );
      expect(index.hasEnumValue(SchemaPath.of("screendump").arg().member("format"), "gif")).toBe(
        false,
      );
      const entry = index.entryAt(SchemaPath.of("blockdev-add").arg().variant("file"));
      expect(entry?.["meta-type"]).toBe("object");
      expect(entry?.features).toContain("dynamic-auto-read-only");
      expect(index.entryAt("blockdev-add/arg-type/+vxhs")).toBeUndefined();
      expect(index.masked).toBe(true);
    }
  });

  it("explains an answer entry by entry", () => {
    const index = indexes.get("qemu-10.0.0")!;
    const e = index.explain("blockdev-add/arg-type/+qcow2/encrypt/+luks/key-secret");
    expect(e.result).toBe("found");
    expect(e.walk.map((w) => w.component)).toEqual([
      "arg-type",
      "+qcow2",
      "encrypt",
      "+luks",
      "key-secret",
      null,
    ]);
    expect(e.walk.map((w) => w.action)).toEqual([
      "follow",
      "follow",
      "follow",
      "follow",
      "follow",
      "found",
    ]);
    expect(e.walk[0]).toMatchObject({
      entry: "blockdev-add",
      metaType: "command",
      to: index.get("blockdev-add")!["arg-type" as never],
    });
    expect(e.walk.at(-1)).toMatchObject({ entry: "str", metaType: "builtin" });
    expect(e.text.split("\n")).toHaveLength(e.walk.length + 2);
    expect(e.text).toMatch(
      /^query: blockdev-add\/arg-type\/\+qcow2\/encrypt\/\+luks\/key-secret$/m,
    );
    expect(e.text).toMatch(/result: found$/);

    const miss = index.explain("blockdev-add/arg-type/+vxhs");
    expect(miss.walk.at(-1)).toMatchObject({
      action: "not-found",
      component: "+vxhs",
      detail: "no variant 'vxhs'",
    });

    const cli = execFileSync(
      process.execPath,
      [
        bin,
        "probe",
        "--reply",
        replies[1]!.file,
        "--explain",
        "blockdev-add/arg-type/+file/$dynamic-auto-read-only",
      ],
      { encoding: "utf8" },
    );
    expect(cli.split("\n")[0]).toBe("blockdev-add/arg-type/+file/$dynamic-auto-read-only\t1");
    expect(cli).toMatch(/^# {3}58 \(object\) '\+file': variant 'file' -> \d+$/m);

    const res = spawnSync(
      process.execPath,
      [
        bin,
        "probe",
        "--reply",
        replies[1]!.file,
        "--json",
        "--explain",
        "query-vnc",
        "query-vnc/ret-type/nope",
      ],
      { encoding: "utf8" },
    );
    expect(res.status).toBe(1);
    const json = JSON.parse(res.stdout) as { query: string; result: string; walk: unknown[] }[];
    expect(json.map((a) => [a.query, a.result])).toEqual([
      ["query-vnc", "found"],
      ["query-vnc/ret-type/nope", "not-found"],
    ]);
    expect(json[1]!.walk.length).toBeGreaterThan(1);
  });
});

// The project's own schema (qapi/): no ../shared needed.
function probeCli(args: string[]) {
  return spawnSync(process.execPath, [bin, "probe", ...args], {
    encoding: "utf8",
    cwd: projectRoot,
  });
}

describe("probe --schema on the project's qapi/", () => {
  const story = [
    "blockdev-add/arg-type/+file/$dynamic-auto-read-only",
    "blockdev-add/arg-type/+file/*x-auto-read-only-is-dynamic",
    "blockdev-add/arg-type/+file/*x-auto-read-only-is-dynamic/!null",
  ];

  it("finds the feature and the marker with CONFIG_POSIX, neither without", () => {
    const posix = probeCli(["--schema", "qapi/qapi-schema.json", "-D", "CONFIG_POSIX", ...story]);
    expect(posix.stdout).toBe(story.map((q) => `${q}\t1\n`).join(""));
    expect(posix.status).toBe(0);
    const bare = probeCli(["--schema", "qapi/qapi-schema.json", ...story]);
    expect(bare.stdout).toBe(story.map((q) => `${q}\t0\n`).join(""));
    expect(bare.status).toBe(1);
    // Without build symbols, an answer that depends on a condition says which.
    expect(bare.stderr).toBe(
      story
        .map(
          (q) =>
            `qapi-ts probe: ${q}: exists only where CONFIG_POSIX; ` +
            "the answer is for a build that defines nothing (give -D or --defines)\n",
        )
        .join(""),
    );
    const more = probeCli([
      "--schema",
      "qapi/qapi-schema.json",
      "--json",
      "blockdev-add/arg-type/+file/aio/^io-uring",
      "blockdev-add/arg-type/+host-device/filename",
      "blockdev-add/arg-type/+file/filename",
    ]);
    expect(JSON.parse(more.stdout).map((a: { condition: unknown }) => a.condition)).toEqual([
      "CONFIG_LINUX_IO_URING",
      "CONFIG_POSIX",
      null,
    ]);
  });

  it("reads --defines files and answers the other kinds of feature", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "qapi-ts-probe-"));
    const defines = path.join(dir, "posix.defines");
    writeFileSync(defines, "CONFIG_POSIX\n");
    const queries = [
      "blockdev-add/arg-type/+file/x-check-cache-dropped$unstable",
      "blockdev-add/arg-type/+qcow2/encrypted$deprecated",
      "blockdev-add/arg-type/+file/aio/^posix-aio/$deprecated",
      "blockdev-change-medium/$deprecated",
      "x-blockdev-set-read-only/$unstable",
      "BLOCK_NODE_READ_ONLY_CHANGED/$unstable",
      "blockdev-add/arg-type/+qcow2/backing/+host-device",
      "blockdev-add/arg-type/+file/aio/^io-uring",
      "blockdev-add/arg-type/+file/*x-auto-read-only-is-dynamic$deprecated",
    ];
    const res = probeCli(["--schema", "qapi/qapi-schema.json", "--defines", defines, ...queries]);
    rmSync(dir, { recursive: true });
    expect(
      res.stdout
        .split("\n")
        .slice(0, -1)
        .map((l) => l.split("\t")[1]),
    ).toEqual(["1", "1", "1", "1", "1", "1", "1", "0", "1"]);
  });

  it("with --unmask, can start at a type name", () => {
    const q = "BlockdevOptionsFile/$dynamic-auto-read-only";
    expect(
      probeCli(["--schema", "qapi/qapi-schema.json", "-D", "CONFIG_POSIX", "--unmask", q]).stdout,
    ).toBe(`${q}\t1\n`);
    expect(probeCli(["--schema", "qapi/qapi-schema.json", "-D", "CONFIG_POSIX", q]).stdout).toBe(
      `${q}\t0\n`,
    );
  });

  it("reports bad input with a diagnostic, not a stack trace", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "qapi-ts-probe-"));
    const schema = path.join(dir, "bad.json");
    writeFileSync(schema, "{ 'command': 'x', 'data': { 'a': 'NoSuchType' } }\n");
    // Exit 2: no answer (1 would read as "not found", a feature absent).
    const bad = probeCli(["--schema", schema, "x"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/bad\.json:1: .*NoSuchType/);
    const notJson = path.join(dir, "reply.json");
    writeFileSync(notJson, "[{");
    const res = probeCli(["--reply", notJson, "x"]);
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/^qapi-ts probe: .*reply\.json:1:3: not JSON/);
    const missing = probeCli(["--reply", path.join(dir, "absent.json"), "x"]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/can't read reply file '.*absent\.json'/);
    expect(probeCli(["--reply", notJson, "--unmask", "x"]).status).toBe(2);
    expect(probeCli(["x"]).status).toBe(2);
    rmSync(dir, { recursive: true });
    for (const r of [bad, res, missing]) expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
  });
});

describe("the project's qapi/", () => {
  it("passes lint with no diagnostics, and dumps", () => {
    const lint = spawnSync(process.execPath, [bin, "lint", "qapi/qapi-schema.json"], {
      encoding: "utf8",
      cwd: projectRoot,
    });
    // The marker member is deliberate (it is the story the schema tells, an x- name of before
    // the unstable feature): lint may warn about it, and about nothing else.
    const lines = (lint.stderr + lint.stdout).split("\n").filter((l) => l.trim() !== "");
    const context = /^In file included from |: In \w+ '[^']+':$/;
    const other = lines.filter(
      (l) => !context.test(l) && !/warning: .*x-auto-read-only-is-dynamic/.test(l),
    );
    expect(other).toEqual([]);
    expect(lint.status).toBe(0);
    const dump = spawnSync(process.execPath, [bin, "dump", "qapi/qapi-schema.json"], {
      encoding: "utf8",
      cwd: projectRoot,
    });
    expect(dump.status).toBe(0);
    expect(dump.stdout).toMatch(/^module block-core\.json$/m);
    expect(dump.stdout).toMatch(/^object BlockdevOptionsFile$/m);
  });
});

/**
 * Does `value` conform to the type `typeName` as an (unmasked) introspection payload describes
 * it? A small structural check, enough to hold the real replies against qapi/introspect.json.
 */
function conformanceErrors(
  schema: SchemaIndex,
  value: unknown,
  typeName: string,
  where: string,
  out: string[],
): void {
  const t = schema.get(typeName);
  if (!t) return void out.push(`${where}: no type ${typeName}`);
  switch (t["meta-type"]) {
    case "builtin": {
      const jt = t["json-type"];
      const ok =
        jt === "value" ||
        (jt === "string" && typeof value === "string") ||
        (jt === "boolean" && typeof value === "boolean") ||
        (jt === "int" && Number.isInteger(value)) ||
        (jt === "number" && typeof value === "number") ||
        (jt === "null" && value === null);
      if (!ok) out.push(`${where}: ${JSON.stringify(value)} is not ${jt}`);
      return;
    }
    case "enum":
      if (!t.members!.some((m) => m.name === value))
        out.push(`${where}: ${JSON.stringify(value)} is not a ${typeName}`);
      return;
    case "array":
      if (!Array.isArray(value)) return void out.push(`${where}: not an array`);
      value.forEach((v, i) =>
        conformanceErrors(schema, v, t["element-type"], `${where}[${i}]`, out),
      );
      return;
    case "alternate": {
      const tries = t.members.map((m) => {
        const errs: string[] = [];
        conformanceErrors(schema, value, m.type, where, errs);
        return errs;
      });
      if (!tries.some((e) => e.length === 0)) out.push(...tries.flat());
      return;
    }
    case "object": {
      if (!value || typeof value !== "object" || Array.isArray(value))
        return void out.push(`${where}: not an object`);
      const obj = value as Record<string, unknown>;
      let members = t.members;
      if (t.tag !== undefined) {
        const v = t.variants!.find((v) => v.case === obj[t.tag!]);
        if (v)
          members = [...members, ...(schema.get(v.type) as { members: typeof members }).members];
      }
      for (const key of Object.keys(obj))
        if (!members.some((m) => m.name === key)) out.push(`${where}: unexpected key '${key}'`);
      for (const m of members) {
        if (m.name in obj)
          conformanceErrors(schema, obj[m.name], m.type, `${where}.${m.name}`, out);
        else if (!("default" in m)) out.push(`${where}: missing '${m.name}'`);
      }
      return;
    }
    default:
      out.push(`${where}: cannot check a ${t["meta-type"]}`);
  }
}

describe.skipIf(!haveShared)("qapi/introspect.json describes the real replies", () => {
  it("every entry of both replies conforms to query-qmp-schema's return type", () => {
    const ours = new SchemaIndex(
      JSON.parse(
        execFileSync(process.execPath, [bin, "introspect", "qapi/qapi-schema.json", "--unmask"], {
          encoding: "utf8",
          cwd: projectRoot,
        }),
      ),
    );
    const returnType = ours.entryAt(SchemaPath.of("query-qmp-schema").ret())!;
    expect(returnType.name).toBe("[SchemaInfo]");
    for (const label of ["qemu-9.2.0", "qemu-10.0.0"]) {
      const reply: unknown = JSON.parse(
        readFileSync(path.join(introspectionDir, `${label}-x86_64.query-qmp-schema.json`), "utf8"),
      );
      const errors: string[] = [];
      conformanceErrors(ours, reply, returnType.name, label, errors);
      expect(errors.slice(0, 10)).toEqual([]);
    }
    // The check can fail: an entry with an unknown key, or a missing required one, is caught.
    const errors: string[] = [];
    conformanceErrors(
      ours,
      [
        { name: "x", "meta-type": "array", "element-type": "y", extra: 1 },
        { name: "c", "meta-type": "command", "arg-type": "a" },
      ],
      returnType.name,
      "bad",
      errors,
    );
    expect(errors).toEqual(["bad[0]: unexpected key 'extra'", "bad[1]: missing 'ret-type'"]);
  });
});
