// The output writer: only changed files are written (mtimes of the others kept), stale files it
// wrote removed, files it did not write never touched (a same-named one is an error, `force`
// takes it over), folders never replaced (inode, owner, mode, watchers, mount points kept), a
// process killed at any step leaves the old set or the new set once the next run has completed
// what it committed, locks that only a live qapi-ts run holds, and `check` writes nothing.
import { describe, expect, test } from "vitest";
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  watch,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import type { OwnedFile } from "../generator/backends/generate-files.ts";
import {
  checkGenerated,
  writeGenerated,
  writeOutputFile,
  WriteError,
  JOURNAL_FILE,
  LOCK_FILE,
} from "../generator/codegen/writer.ts";
import { currentHolder, LOCK_MAX_AGE_MS } from "../generator/codegen/lock.ts";
import { projectRoot } from "./helpers/paths.ts";
import { scratchFolders } from "./helpers/scratch.ts";

const tmp = scratchFolders();
const isRoot = process.getuid?.() === 0;

const file = (p: string, content: string, backend = "types"): OwnedFile => ({
  path: p,
  content,
  backend,
});
const all = { backends: ["types", "validators"] };

/** Every file under dir, relative, with its content (the lock, journal, temps included). */
function tree(dir: string, rel = ""): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) Object.assign(out, tree(dir, r));
    else out[r] = readFileSync(path.join(dir, r), "utf8");
  }
  return out;
}

/** What stat says about a path that the writer must keep as it was. */
function identity(p: string) {
  const st = statSync(p);
  return { ino: st.ino, uid: st.uid, gid: st.gid, mode: st.mode, mtimeMs: st.mtimeMs };
}

/** Runs `sh -c` (mount and umount need root). */
function sh(command: string): void {
  const r = spawnSync("sh", ["-c", command], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${command}: ${r.stderr}`);
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
    const ino = statSync(dir).ino;
    const second = writeGenerated(dir, [file("a.ts", "a\n"), file("c.ts", "c changed\n")], all);
    expect(second).toEqual({ written: ["c.ts"], unchanged: ["a.ts"], removed: ["sub/b.json"] });
    expect(statSync(path.join(dir, "a.ts")).mtime.getTime()).toBe(old.getTime());
    // The folder it created for sub/b.json goes with its last file.
    expect(existsSync(path.join(dir, "sub"))).toBe(false);
    expect(tree(dir)).toEqual({
      ".qapi-ts-manifest": expect.any(String),
      "a.ts": "a\n",
      "c.ts": "c changed\n",
      "mine.txt": "not generated",
      "my-dir/notes": "mine too",
    });
    // The folder itself is never replaced; nothing is written beside it.
    expect(statSync(dir).ino).toBe(ino);
    expect(readdirSync(path.dirname(dir))).toEqual(["out"]);
    const manifest = readFileSync(path.join(dir, ".qapi-ts-manifest"));
    expect(
      writeGenerated(dir, [file("a.ts", "a\n"), file("c.ts", "c changed\n")], all).written,
    ).toEqual([]);
    expect(readFileSync(path.join(dir, ".qapi-ts-manifest"))).toEqual(manifest);
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

  test("a user's file of a generated file's name: an error naming it, nothing written; --force takes it over", () => {
    const dir = tmp("writer-theirs");
    writeFileSync(path.join(dir, "index.ts"), "export const mine = 1;\n");
    writeFileSync(path.join(dir, "README"), "my project\n");
    const before = tree(dir);
    let error: unknown;
    try {
      writeGenerated(dir, [file("a.ts", "a\n"), file("index.ts", "generated\n")], all);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WriteError);
    expect((error as Error).message).toBe(
      `${path.join(dir, "index.ts")} exists and was not written by qapi-ts (its manifest, .qapi-ts-manifest, does not list it)\n` +
        "move it away, or give --force to overwrite",
    );
    expect(tree(dir)).toEqual(before);
    expect(
      checkGenerated(dir, [file("a.ts", "a\n"), file("index.ts", "generated\n")], all),
    ).toEqual({
      stale: [],
      missing: ["a.ts"],
      extra: [],
      notOurs: ["index.ts"],
      interrupted: false,
    });
    // A file with exactly the generated content is taken as it is (nothing can be lost).
    writeFileSync(path.join(dir, "same.ts"), "same\n");
    const force = writeGenerated(
      dir,
      [file("index.ts", "generated\n"), file("same.ts", "same\n")],
      { ...all, force: true },
    );
    expect(force).toEqual({ written: ["index.ts"], unchanged: ["same.ts"], removed: [] });
    expect(readFileSync(path.join(dir, "README"), "utf8")).toBe("my project\n");
    // Both are now ours: a later run replaces and removes them without --force.
    expect(writeGenerated(dir, [file("index.ts", "v2\n")], all)).toEqual({
      written: ["index.ts"],
      unchanged: [],
      removed: ["same.ts"],
    });
  });

  test("folders, links and mount points on the way are not written through", () => {
    const dir = tmp("writer-links");
    const elsewhere = tmp("writer-elsewhere");
    symlinkSync(elsewhere, path.join(dir, "json-schema"));
    expect(() => writeGenerated(dir, [file("json-schema/schema.json", "{}")], all)).toThrow(
      `can't write ${path.join(dir, "json-schema/schema.json")}: ${path.join(dir, "json-schema")} is a symbolic link, and not qapi-ts's`,
    );
    expect(readdirSync(elsewhere)).toEqual([]);
    mkdirSync(path.join(dir, "index.ts"));
    expect(() => writeGenerated(dir, [file("index.ts", "x")], { ...all, force: true })).toThrow(
      "it is a folder",
    );
    // A link to the output folder itself is followed (the link stays a link).
    const real = tmp("writer-real");
    const link = path.join(dir, "out");
    symlinkSync(real, link);
    writeGenerated(link, [file("a.ts", "a\n")], all);
    expect(readFileSync(path.join(real, "a.ts"), "utf8")).toBe("a\n");
  });

  test("an input of the run is never written over, even with force", () => {
    const dir = tmp("writer-inputs");
    const schema = path.join(dir, "index.ts");
    writeFileSync(schema, "{ 'struct': 'S', 'data': {} }\n");
    expect(() =>
      writeGenerated(dir, [file("index.ts", "x")], { ...all, force: true, inputs: [schema] }),
    ).toThrow("it is one of this run's inputs");
    expect(readFileSync(schema, "utf8")).toBe("{ 'struct': 'S', 'data': {} }\n");
  });

  test("rejects paths that escape the output directory or are the writer's own", () => {
    const dir = path.join(tmp("writer-paths"), "out");
    for (const p of [
      "../x.ts",
      "/abs.ts",
      "a/../../b.ts",
      "",
      ".qapi-ts-manifest",
      ".qapi-ts-lock",
      ".qapi-ts-journal",
      "sub/.a.ts.qapi-ts-tmp-1",
      "a\\b.ts",
    ])
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
      notOurs: [],
      interrupted: false,
    });
    expect(tree(dir)).toEqual(before);
  });

  test("a tool watching the output folder keeps hearing across regenerations", async () => {
    const dir = tmp("writer-watch");
    writeGenerated(dir, [file("a.ts", "1\n"), file("b.ts", "1\n")], all);
    const heard: string[] = [];
    const watcher = watch(dir, (_event, name) => heard.push(String(name)));
    const until = async (ok: () => boolean) => {
      for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
      return ok();
    };
    try {
      writeGenerated(dir, [file("a.ts", "2\n"), file("b.ts", "1\n")], all);
      expect(await until(() => heard.includes("a.ts"))).toBe(true);
      heard.length = 0;
      writeGenerated(dir, [file("a.ts", "2\n"), file("b.ts", "3\n")], all);
      expect(await until(() => heard.includes("b.ts"))).toBe(true);
      expect(heard).not.toContain("a.ts");
    } finally {
      watcher.close();
    }
  });

  describe.skipIf(!isRoot)("as root in a user's folder", () => {
    test("the folder, its files, their owner and mode stay as they were; new files get the folder's owner", () => {
      const parent = tmp("writer-owner");
      const dir = path.join(parent, "src");
      mkdirSync(dir);
      chownSync(dir, 1234, 1234);
      chmodSync(dir, 0o750);
      const mine = path.join(dir, "main.ts");
      writeFileSync(mine, "export {};\n");
      chownSync(mine, 1234, 1234);
      chmodSync(mine, 0o640);
      const sub = path.join(dir, "lib");
      mkdirSync(sub);
      chownSync(sub, 1234, 1234);
      chmodSync(sub, 0o700);
      const before = { dir: identity(dir), mine: identity(mine), sub: identity(sub) };
      writeGenerated(dir, [file("index.ts", "1\n"), file("json-schema/s.json", "{}\n")], all);
      // A file it replaces keeps its mode and owner (here set by the user after the first run).
      chmodSync(path.join(dir, "index.ts"), 0o600);
      writeGenerated(dir, [file("index.ts", "2\n"), file("json-schema/s.json", "[]\n")], all);
      expect(identity(mine)).toEqual(before.mine);
      expect(identity(sub)).toEqual(before.sub);
      expect({ ...identity(dir), mtimeMs: 0 }).toEqual({ ...before.dir, mtimeMs: 0 });
      expect(readFileSync(mine, "utf8")).toBe("export {};\n");
      for (const p of ["index.ts", "json-schema", "json-schema/s.json", ".qapi-ts-manifest"]) {
        const st = statSync(path.join(dir, p));
        expect([p, st.uid, st.gid]).toEqual([p, 1234, 1234]);
      }
      expect(statSync(path.join(dir, "index.ts")).mode & 0o777).toBe(0o600);
      expect(readdirSync(parent)).toEqual(["src"]);
    });

    test("a mount point inside the output is never moved, and later runs work", () => {
      const dir = tmp("writer-mount");
      const mnt = path.join(dir, "mnt");
      mkdirSync(mnt);
      sh(`mount -t tmpfs -o size=64k tmpfs '${mnt}'`);
      try {
        writeFileSync(path.join(mnt, "data"), "on another file system\n");
        const dev = statSync(mnt).dev;
        for (const g of [1, 2, 3]) {
          const r = writeGenerated(dir, [file("a.ts", `${g}\n`), file("b.ts", `${g}\n`)], all);
          expect(r.written).toEqual(["a.ts", "b.ts"]);
        }
        expect(statSync(mnt).dev).toBe(dev);
        expect(statSync(mnt).dev).not.toBe(statSync(dir).dev);
        expect(readFileSync(path.join(mnt, "data"), "utf8")).toBe("on another file system\n");
      } finally {
        sh(`umount '${mnt}'`);
      }
    });

    test("a full disk: an error naming the file, the old output as it was, nothing left behind", () => {
      const dir = tmp("writer-full");
      sh(`mount -t tmpfs -o size=64k tmpfs '${dir}'`);
      try {
        writeGenerated(dir, [file("a.ts", "old a\n"), file("b.ts", "old b\n")], all);
        const before = tree(dir);
        const big = "x".repeat(200_000);
        expect(() =>
          writeGenerated(dir, [file("a.ts", "new a\n"), file("b.ts", big)], all),
        ).toThrow(`can't write ${path.join(dir, "b.ts")}: No space left on device`);
        expect(tree(dir)).toEqual(before);
        // The same for one output file (introspect -o, history -o).
        expect(() => writeOutputFile(path.join(dir, "a.ts"), big)).toThrow(
          `can't write ${path.join(dir, "a.ts")}: No space left on device`,
        );
        expect(tree(dir)).toEqual(before);
      } finally {
        sh(`umount '${dir}'`);
      }
    });
  });

  test("one output file: replaced whole, its mode kept; a device is written in place; inputs refused", () => {
    const dir = tmp("writer-one");
    const out = path.join(dir, "out.json");
    writeFileSync(out, "old\n");
    chmodSync(out, 0o600);
    writeOutputFile(out, "new\n");
    expect(readFileSync(out, "utf8")).toBe("new\n");
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(["out.json"]);
    // /dev/null stays a device (writing it by rename would replace it, as root).
    writeOutputFile("/dev/null", "nothing\n");
    expect(statSync("/dev/null").isCharacterDevice()).toBe(true);
    expect(() => writeOutputFile(out, "x", [out])).toThrow(
      `refusing to write ${out}: it is one of this command's inputs`,
    );
    const link = path.join(dir, "link.json");
    symlinkSync(out, link);
    expect(() => writeOutputFile(link, "x", [out])).toThrow("one of this command's inputs");
    expect(() => writeOutputFile(dir, "x")).toThrow(`can't write ${dir}: Is a directory`);
  });
});

describe("the lock", () => {
  const lockedDir = (name: string, holder: object | string): string => {
    const dir = tmp(name);
    writeFileSync(
      path.join(dir, LOCK_FILE),
      typeof holder === "string" ? holder : JSON.stringify(holder),
    );
    return dir;
  };

  test("a live qapi-ts run holds it: the write waits, then fails naming it", () => {
    const dir = lockedDir("lock-live", currentHolder());
    expect(() => writeGenerated(dir, [file("a.ts", "a\n")], { ...all, lockWaitMs: 200 })).toThrow(
      new RegExp(`another qapi-ts run \\(pid ${process.pid}\\) is writing this output`),
    );
    expect(existsSync(path.join(dir, "a.ts"))).toBe(false);
  });

  test("a live process that is not the run that took it does not hold it", () => {
    const me = currentHolder();
    for (const [name, holder] of [
      // PID 1 is alive (init, or node itself in a container), and never a qapi-ts run that left a lock
      ["pid-1", { ...me, pid: 1, start: "1" }],
      ["pid-reused", { ...me, start: String(Number(me.start || "0") + 1) }],
      ["other-boot", { ...me, boot: "another-boot" }],
      ["too-old", { ...me, since: Date.now() - LOCK_MAX_AGE_MS - 1 }],
      ["dead", { ...me, pid: 999_999_999 }],
      ["old-format", String(process.ppid)],
      ["garbage", "not a lock"],
    ] as const) {
      const dir = lockedDir(`lock-${name}`, holder);
      expect(writeGenerated(dir, [file("a.ts", "a\n")], all).written, name).toEqual(["a.ts"]);
      expect(existsSync(path.join(dir, LOCK_FILE)), name).toBe(false);
    }
  });
});

/** Generation g: f0..f4 (f4 only in even ones), sub/s.json, and odd/x.ts in odd ones. */
function generationFiles(g: number): OwnedFile[] {
  const files = Array.from({ length: g % 2 ? 4 : 5 }, (_, i) => ({
    path: `f${i}.ts`,
    content: `${g}\n`.repeat(100 + i),
    backend: "types",
  }));
  files.push({ path: "sub/s.json", content: `${g}\n`, backend: "types" });
  if (g % 2) files.push({ path: "odd/x.ts", content: `${g}\n`, backend: "types" });
  return files;
}

describe("killed at every step", () => {
  // A child process regenerates over a complete older output and kills itself (SIGKILL) just
  // before the k-th change it makes to the disk, for every k. Before the commit point the old
  // set must be there untouched; after it, only old and new files, and the journal that the
  // next run completes. After the next run: exactly the new set, nothing left behind.
  test("the old set, or the new set once the next run completes the commit", async () => {
    const parent = tmp("writer-kill");
    const dir = path.join(parent, "out");
    const script = path.join(parent, "write.ts");
    writeFileSync(
      script,
      [
        `import { writeGenerated } from ${JSON.stringify(path.join(projectRoot, "generator/codegen/writer.ts"))};`,
        "const [generation, dir, killAt] = process.argv.slice(2).map(String);",
        "const g = Number(generation);",
        `const files = (${generationFiles.toString()})(g);`,
        "let steps = 0;",
        "writeGenerated(dir, files, { backends: ['types'], onStep: () => {",
        "  if (++steps === Number(killAt)) process.kill(process.pid, 'SIGKILL');",
        "} });",
        "process.stdout.write(String(steps));",
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
    const runWriter = (generation: number, killAt = 0) => {
      const r = spawnSync(process.execPath, [bundle, String(generation), dir, String(killAt)], {
        encoding: "utf8",
      });
      return { killed: r.signal === "SIGKILL", steps: Number(r.stdout), stderr: r.stderr };
    };
    /** The generations the generated files on disk belong to (lock, journal, temps aside). */
    const generations = (): Set<string> =>
      new Set(
        Object.entries(tree(dir))
          .filter(([f]) => !f.split("/").pop()!.startsWith("."))
          .map(([, c]) => c.split("\n")[0]!),
      );
    const leftovers = () =>
      Object.keys(tree(dir)).filter((f) => /qapi-ts-(tmp|journal|lock)/.test(f));

    expect(runWriter(0).killed).toBe(false);
    let g = 0;
    // Generations alternate between two file sets, so each k is tried on both kinds of change
    // (one creating a folder, one removing it), until k is past the last step of both.
    let beforeCommit = 0;
    let afterCommit = 0;
    let completed = 0;
    for (let k = 1; completed < 2; k++) {
      for (let twice = 0; twice < 2; twice++) {
        const old = String(g);
        const r = runWriter(++g, k);
        if (!r.killed) {
          // Fewer than k steps: the run was complete.
          expect(r.steps, `step ${k}: ${r.stderr}`).toBeLessThan(k);
          expect([...generations()]).toEqual([String(g)]);
          completed++;
          continue;
        }
        const seen = generations();
        const journal = path.join(dir, JOURNAL_FILE);
        if (existsSync(journal) && readFileSync(journal, "utf8").includes('"phase":"commit"')) {
          afterCommit++;
          expect(
            [...seen].every((s) => s === old || s === String(g)),
            `step ${k}`,
          ).toBe(true);
        } else {
          beforeCommit++;
          expect([...seen], `step ${k}`).toEqual([old]);
        }
        // The next run (of the same generation) completes or clears what the killed one left.
        writeGenerated(dir, generationFiles(g), { backends: ["types"] });
        expect([...generations()], `after step ${k}`).toEqual([String(g)]);
        expect(existsSync(path.join(dir, "odd")), `after step ${k}`).toBe(g % 2 === 1);
        expect(leftovers(), `after step ${k}`).toEqual([]);
      }
      if (completed < 2) completed = 0;
    }
    // Every kill interrupted a write: some before the commit point, some after.
    expect(beforeCommit).toBeGreaterThan(5);
    expect(afterCommit).toBeGreaterThan(5);
  }, 300_000);
});
