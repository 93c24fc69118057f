// `generate --watch` keeps running whatever happens to its inputs: a schema file renamed away and
// back, deleted and re-created, replaced by an editor's save-by-rename, an include written before
// its file exists (in a folder that does not exist yet), an include's folder replaced, the
// configuration file edited or broken; and a burst of changes is one run (debounced). Each case drives a real watching
// process and waits for what it prints or writes.
import { afterEach, describe, expect, test } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { bin } from "./helpers/paths.ts";
import { scratchFolders } from "./helpers/scratch.ts";

const tmp = scratchFolders();
const running: ChildProcess[] = [];
afterEach(() => {
  for (const c of running.splice(0)) c.kill("SIGKILL");
});

const SCHEMA = "{ 'struct': 'First', 'data': { 'x': 'int' } }\n";

interface Watching {
  dir: string;
  stdout: () => string;
  stderr: () => string;
  /** Resolves once `ok` holds (polling), failing after 30 s with what the process printed. */
  until(ok: () => boolean, what: string): Promise<void>;
  /** The generated schema module's text ("" when absent). */
  types(file?: string): string;
  /** The number of runs that wrote something so far. */
  writes(): number;
  alive(): boolean;
}

function startWatch(dir: string, args: string[]): Watching {
  const child = spawn(process.execPath, [bin, "generate", "--watch", ...args], { cwd: dir });
  running.push(child);
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  return {
    dir,
    stdout: () => out,
    stderr: () => err,
    async until(ok, what) {
      const deadline = Date.now() + 30_000;
      while (!ok()) {
        if (Date.now() > deadline || child.exitCode !== null)
          throw new Error(
            `${what}: not seen (exit ${child.exitCode})\nstdout:\n${out}\nstderr:\n${err}`,
          );
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    types(file = "out/schema.ts") {
      try {
        return readFileSync(path.join(dir, file), "utf8");
      } catch {
        return "";
      }
    },
    writes: () => (out.match(/ [1-9]\d* written/g) ?? []).length,
    alive: () => child.exitCode === null,
  };
}

function project(name: string, schema = SCHEMA): string {
  const dir = tmp(name);
  writeFileSync(path.join(dir, "schema.json"), schema);
  return dir;
}

const schemaWith = (name: string) => `${SCHEMA}{ 'struct': '${name}', 'data': { 'y': 'str' } }\n`;

describe("generate --watch keeps running", () => {
  test("a schema file renamed away and back", async () => {
    const w = startWatch(project("watch-rename"), ["schema.json", "-o", "out"]);
    await w.until(() => w.types().includes("interface First"), "first run");
    renameSync(path.join(w.dir, "schema.json"), path.join(w.dir, "elsewhere.json"));
    await w.until(() => w.stderr().includes("can't read schema file"), "the missing schema");
    writeFileSync(path.join(w.dir, "elsewhere.json"), schemaWith("Back"));
    renameSync(path.join(w.dir, "elsewhere.json"), path.join(w.dir, "schema.json"));
    await w.until(() => w.types().includes("interface Back"), "the schema back");
    expect(w.alive()).toBe(true);
  });

  test("a schema file deleted, then written again", async () => {
    const w = startWatch(project("watch-delete"), ["schema.json", "-o", "out"]);
    await w.until(() => w.types().includes("interface First"), "first run");
    unlinkSync(path.join(w.dir, "schema.json"));
    await w.until(() => w.stderr().includes("waiting for changes"), "the deletion");
    writeFileSync(path.join(w.dir, "schema.json"), schemaWith("Again"));
    await w.until(() => w.types().includes("interface Again"), "the new file");
    expect(w.alive()).toBe(true);
  });

  test("an editor's save-by-rename (write a temporary file, rename it over), of an include too", async () => {
    const dir = project("watch-editor", `{ 'include': 'inc.json' }\n${SCHEMA}`);
    writeFileSync(path.join(dir, "inc.json"), "{ 'struct': 'Inc', 'data': {} }\n");
    const w = startWatch(dir, ["schema.json", "-o", "out"]);
    await w.until(() => w.types("out/inc.ts").includes("interface Inc"), "first run");
    for (const [file, text, expected] of [
      [
        "schema.json",
        `{ 'include': 'inc.json' }\n${schemaWith("Saved")}`,
        ["out/schema.ts", "Saved"],
      ],
      ["inc.json", "{ 'struct': 'IncSaved', 'data': {} }\n", ["out/inc.ts", "IncSaved"]],
    ] as const) {
      // (vim's and VS Code's atomic save: a new inode under the old name)
      writeFileSync(path.join(dir, `.${file}.swp`), text);
      renameSync(path.join(dir, `.${file}.swp`), path.join(dir, file));
      await w.until(() => w.types(expected[0]).includes(`interface ${expected[1]}`), file);
    }
    expect(w.alive()).toBe(true);
  });

  test("an include written before its file exists, in a folder that does not exist yet", async () => {
    const w = startWatch(project("watch-include"), ["schema.json", "-o", "out"]);
    await w.until(() => w.types().includes("interface First"), "first run");
    writeFileSync(path.join(w.dir, "schema.json"), `{ 'include': 'sub/later.json' }\n${SCHEMA}`);
    await w.until(() => w.stderr().includes("can't read include file"), "the missing include");
    mkdirSync(path.join(w.dir, "sub"));
    writeFileSync(path.join(w.dir, "sub/later.json"), "{ 'struct': 'Later', 'data': {} }\n");
    await w.until(() => w.types("out/later.ts").includes("interface Later"), "the include");
    // And an edit of that include, once it is known.
    writeFileSync(path.join(w.dir, "sub/later.json"), "{ 'struct': 'Later2', 'data': {} }\n");
    await w.until(() => w.types("out/later.ts").includes("interface Later2"), "the edit");
    expect(w.alive()).toBe(true);
  });

  test("an include's folder replaced by another of that name (moved away, made anew)", async () => {
    const dir = project("watch-folder", `{ 'include': 'sub/inc.json' }\n${SCHEMA}`);
    mkdirSync(path.join(dir, "sub"));
    writeFileSync(path.join(dir, "sub/inc.json"), "{ 'struct': 'Inc', 'data': {} }\n");
    const w = startWatch(dir, ["schema.json", "-o", "out"]);
    await w.until(() => w.types("out/inc.ts").includes("interface Inc"), "first run");
    // (a checkout of another branch, a tool that rebuilds the folder)
    renameSync(path.join(dir, "sub"), path.join(dir, "sub.old"));
    mkdirSync(path.join(dir, "sub"));
    writeFileSync(path.join(dir, "sub/inc.json"), "{ 'struct': 'IncNew', 'data': {} }\n");
    await w.until(() => w.types("out/inc.ts").includes("interface IncNew"), "the new folder");
    // The new folder is the one watched: an edit in it is seen.
    writeFileSync(path.join(dir, "sub/inc.json"), "{ 'struct': 'IncEdited', 'data': {} }\n");
    await w.until(() => w.types("out/inc.ts").includes("interface IncEdited"), "the edit");
    expect(w.alive()).toBe(true);
  });

  test("the configuration file: edited, broken, repaired", async () => {
    const dir = project("watch-config");
    const config = path.join(dir, "qapi-ts.config.json");
    writeFileSync(config, JSON.stringify({ schema: "schema.json", output: "one" }));
    const w = startWatch(dir, []);
    await w.until(() => w.types("one/schema.ts").includes("interface First"), "first run");
    writeFileSync(config, JSON.stringify({ schema: "schema.json", output: "two" }));
    await w.until(() => w.types("two/schema.ts").includes("interface First"), "the new output");
    writeFileSync(config, '{ "schema": ');
    await w.until(() => w.stderr().includes("qapi-ts.config.json:1:"), "the broken file");
    writeFileSync(config, JSON.stringify({ schema: "schema.json", output: "three" }));
    await w.until(() => w.types("three/schema.ts").includes("interface First"), "the repair");
    // The schema named by the configuration is watched as well.
    writeFileSync(path.join(dir, "schema.json"), schemaWith("Watched"));
    await w.until(() => w.types("three/schema.ts").includes("interface Watched"), "the schema");
    expect(w.alive()).toBe(true);
  });

  test("a burst of changes is one run (debounced)", async () => {
    const w = startWatch(project("watch-burst"), ["schema.json", "-o", "out"]);
    await w.until(() => w.writes() === 1, "first run");
    for (let i = 0; i < 20; i++)
      writeFileSync(path.join(w.dir, "schema.json"), schemaWith(`Burst${i}`));
    await w.until(() => w.types().includes("interface Burst19"), "the last state");
    await new Promise((r) => setTimeout(r, 500));
    // One run for the whole burst (a slow machine may split it, never into twenty).
    expect(w.writes() - 1).toBeLessThanOrEqual(2);
    expect(existsSync(path.join(w.dir, "out"))).toBe(true);
    rmSync(path.join(w.dir, "out"), { recursive: true });
  });
});
