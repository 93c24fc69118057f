// The output writer: only changed files are written (mtimes of the others kept), stale files it
// wrote removed, files it did not write kept, the output replaced as a whole (a process killed
// at any instant leaves the old set or the new set, and the next run clears what it left),
// back ends that did not run keep their files, and `check` writes nothing.
import { describe, expect, test } from "vitest";
import { spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import type { OwnedFile } from "../generator/backends/generate-files.ts";
import { checkGenerated, writeGenerated, WriteError } from "../generator/codegen/writer.ts";
import { projectRoot } from "./helpers/paths.ts";
import { scratchFolders } from "./helpers/scratch.ts";

const tmp = scratchFolders();

const file = (p: string, content: string, backend = "types"): OwnedFile => ({
  path: p,
  content,
  backend,
});
const all = { backends: ["types", "validators"] };

/** Every file under dir, relative, with its content. */
function tree(dir: string, rel = ""): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) Object.assign(out, tree(dir, r));
    else out[r] = readFileSync(path.join(dir, r), "utf8");
  }
  return out;
}

describe("the writer", () => {
  test("writes only changed files, removes stale ones it wrote, keeps others", () => {
    const dir = path.join(tmp("writer"), "out");
    const first = writeGenerated(
      dir,
      [file("a.ts", "a\n"), file("sub/b.json", "{}\n"), file("c.ts", "c\n")],
      all,
    );
    expect(first).toEqual({ written: ["a.ts", "c.ts", "sub/b.json"], unchanged: [], removed: [] });
    writeFileSync(path.join(dir, "mine.txt"), "not generated");
    mkdirSync(path.join(dir, "my-dir"));
    writeFileSync(path.join(dir, "my-dir/notes"), "mine too");
    const old = new Date(2000, 0, 1);
    utimesSync(path.join(dir, "a.ts"), old, old);
    const second = writeGenerated(dir, [file("a.ts", "a\n"), file("c.ts", "c changed\n")], all);
    expect(second).toEqual({ written: ["c.ts"], unchanged: ["a.ts"], removed: ["sub/b.json"] });
    expect(statSync(path.join(dir, "a.ts")).mtime.getTime()).toBe(old.getTime());
    expect(readFileSync(path.join(dir, "c.ts"), "utf8")).toBe("c changed\n");
    expect(existsSync(path.join(dir, "sub"))).toBe(false);
    expect(tree(dir)).toEqual({
      ".qapi-ts-manifest": expect.any(String),
      "a.ts": "a\n",
      "c.ts": "c changed\n",
      "mine.txt": "not generated",
      "my-dir/notes": "mine too",
    });
    // Nothing to change: the directory is not replaced at all.
    const ino = statSync(dir).ino;
    expect(
      writeGenerated(dir, [file("a.ts", "a\n"), file("c.ts", "c changed\n")], all).written,
    ).toEqual([]);
    expect(statSync(dir).ino).toBe(ino);
    // No leftovers beside it.
    expect(readdirSync(path.dirname(dir))).toEqual(["out"]);
  });

  test("files of back ends that did not run are kept, and stay in the manifest", () => {
    const dir = path.join(tmp("writer-only"), "out");
    writeGenerated(dir, [file("t.ts", "t\n", "types"), file("v.ts", "v\n", "validators")], all);
    const r = writeGenerated(dir, [file("v.ts", "v2\n", "validators")], {
      backends: ["validators"],
    });
    expect(r).toEqual({ written: ["v.ts"], unchanged: [], removed: [] });
    expect(tree(dir)["t.ts"]).toBe("t\n");
    // A later full run still knows t.ts is generated: it removes it when no longer generated.
    expect(writeGenerated(dir, [file("v.ts", "v2\n", "validators")], all).removed).toEqual([
      "t.ts",
    ]);
  });

  test("a failure leaves the previous output untouched and no leftovers", () => {
    const dir = path.join(tmp("writer-fail"), "out");
    writeGenerated(dir, [file("a.ts", "old a\n"), file("z.ts", "old z\n")], all);
    // "z.ts/inner" cannot be created beside the carried-over file z.ts... it replaces it, so
    // use a path under a generated file instead: a.ts/inner (a.ts is kept as a file).
    expect(() =>
      writeGenerated(
        dir,
        [file("a.ts", "old a\n"), file("z.ts", "new z\n"), file("a.ts/inner", "boom\n")],
        all,
      ),
    ).toThrow(WriteError);
    expect(tree(dir)).toEqual({
      ".qapi-ts-manifest": expect.any(String),
      "a.ts": "old a\n",
      "z.ts": "old z\n",
    });
    expect(readdirSync(path.dirname(dir))).toEqual(["out"]);
  });

  test("rejects paths that escape the output directory", () => {
    const dir = path.join(tmp("writer-paths"), "out");
    for (const p of ["../x.ts", "/abs.ts", "a/../../b.ts", "", ".qapi-ts-manifest", "a\\b.ts"])
      expect(() => writeGenerated(dir, [file(p, "")], all), p).toThrow(WriteError);
    expect(() => writeGenerated(dir, [file("a.ts", "1"), file("a.ts", "2")], all)).toThrow(
      /same path a\.ts/,
    );
    expect(existsSync(dir)).toBe(false);
  });

  test("check lists stale, missing and extra files and writes nothing", () => {
    const dir = path.join(tmp("writer-check"), "out");
    writeGenerated(dir, [file("a.ts", "a\n"), file("b.ts", "b\n"), file("c.ts", "c\n")], all);
    writeFileSync(path.join(dir, "a.ts"), "edited\n");
    rmSync(path.join(dir, "b.ts"));
    const before = tree(dir);
    expect(
      checkGenerated(dir, [file("a.ts", "a\n"), file("b.ts", "b\n"), file("d.ts", "d\n")], all),
    ).toEqual({
      stale: ["a.ts"],
      missing: ["b.ts", "d.ts"],
      extra: ["c.ts"],
    });
    expect(tree(dir)).toEqual(before);
  });

  test("another run writing the same directory is refused; a dead run's lock is taken over", () => {
    const parent = tmp("writer-lock");
    const dir = path.join(parent, "out");
    writeFileSync(path.join(parent, ".out.qapi-ts-lock"), String(process.ppid));
    expect(() => writeGenerated(dir, [file("a.ts", "a\n")], all)).toThrow(
      /being written by another qapi-ts/,
    );
    writeFileSync(path.join(parent, ".out.qapi-ts-lock"), "999999999");
    expect(writeGenerated(dir, [file("a.ts", "a\n")], all).written).toEqual(["a.ts"]);
    expect(readdirSync(parent)).toEqual(["out"]);
  });

  test("killed at any instant: the old set or the new set, never a mix; the next run cleans up", async () => {
    // A child process writes 300 files whose contents all carry one generation number, and is
    // killed at a random point; the directory must then hold one generation only.
    const parent = tmp("writer-kill");
    const dir = path.join(parent, "out");
    const script = path.join(parent, "write.ts");
    writeFileSync(
      script,
      [
        `import { writeGenerated } from ${JSON.stringify(path.join(projectRoot, "generator/codegen/writer.ts"))};`,
        "const generation = process.argv[2];",
        "const files = Array.from({ length: 300 }, (_, i) => ({",
        "  path: `f${i}.ts`, content: `${generation}\\n`.repeat(400), backend: 'types' }));",
        "writeGenerated(process.argv[3], files, { backends: ['types'] });",
        "",
      ].join("\n"),
    );
    const { build } = await import("esbuild");
    const bundle = path.join(parent, "write.mjs");
    await build({
      entryPoints: [script],
      outfile: bundle,
      bundle: true,
      platform: "node",
      format: "esm",
      logLevel: "warning",
    });
    const runWriter = (generation: number, killAfterMs: number | null) =>
      new Promise<void>((resolve) => {
        const child = spawn(process.execPath, [bundle, String(generation), dir]);
        if (killAfterMs !== null) setTimeout(() => child.kill("SIGKILL"), killAfterMs);
        child.on("exit", () => resolve());
      });
    await runWriter(0, null);
    const generations = (): Set<string> => {
      const t = tree(dir);
      return new Set(
        Object.entries(t)
          .filter(([f]) => f.endsWith(".ts"))
          .map(([, c]) => c.split("\n")[0]!),
      );
    };
    let killedMidway = 0;
    for (let g = 1; g <= 16; g++) {
      await runWriter(g, 5 + ((g * 37) % 60));
      if (existsSync(dir)) {
        const seen = generations();
        expect(seen.size, `run ${g}: ${[...seen].join(",")}`).toBe(1);
        if (!seen.has(String(g))) killedMidway++;
      }
      // The next run finishes or clears what the killed one left.
      await runWriter(g, null);
      expect([...generations()]).toEqual([String(g)]);
      expect(readdirSync(parent).filter((n) => n.startsWith(".out."))).toEqual([]);
    }
    // (Most kills land while the new files are written: the old set remains.)
    expect(killedMidway).toBeGreaterThan(0);
  }, 120_000);
});
