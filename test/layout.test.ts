// The layout ARCHITECTURE.md describes, kept true: one folder per stage under generator/, each
// stage importing only the stages below it, no import cycle (type-only imports count: a cycle of
// types is still two modules that cannot be read apart), one base name per module, and no
// committed symlink. The import graph is read by TypeScript's own pre-processor, so static,
// type-only, re-export and dynamic imports are all seen.
import { describe, expect, test } from "vitest";
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { projectRoot } from "./helpers/paths.ts";

/**
 * What each part may import besides itself: the stages in order, each seeing those below it.
 * `runtime` is what programs load and never sees `generator/`; `generated` is the project's own
 * generated code, which the runtime reads types and validators from.
 */
const EVERY_STAGE = [
  "generator/backends",
  "generator/codegen",
  "generator/compat",
  "generator/frontend",
  "generator/model",
  "generator/services",
  "runtime",
];

export const MAY_IMPORT: Record<string, readonly string[]> = {
  runtime: ["generated"],
  "generator/model": ["runtime"],
  "generator/frontend": ["generator/model", "runtime"],
  "generator/backends": ["generator/model", "runtime"],
  "generator/services": ["generator/model", "runtime"],
  "generator/compat": ["generator/frontend", "generator/model", "runtime"],
  "generator/codegen": ["generator/backends", "generator/frontend", "generator/model", "runtime"],
  "generator/api.ts": EVERY_STAGE,
  "generator/cli": EVERY_STAGE,
};

/** The part of the tree a file belongs to: the longest key of MAY_IMPORT it is under. */
function partOf(rel: string): string | null {
  let best: string | null = null;
  for (const part of [...Object.keys(MAY_IMPORT), "generated"]) {
    if ((rel === part || rel.startsWith(part + "/")) && (!best || part.length > best.length))
      best = part;
  }
  return best;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(path.join(projectRoot, dir), { withFileTypes: true })) {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) out.push(...sourceFiles(rel));
    else if (e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")) out.push(rel);
  }
  return out.sort();
}

/** Every module of generator/ and runtime/ with the project modules it imports. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of [...sourceFiles("generator"), ...sourceFiles("runtime")]) {
    const info = ts.preProcessFile(readFileSync(path.join(projectRoot, file), "utf8"), true, true);
    const targets = info.importedFiles
      .map((f) => f.fileName)
      .filter((spec) => spec.startsWith("."))
      .map((spec) => path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)))
      .filter((t) => t.endsWith(".ts") || t.endsWith(".json"));
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** Strongly connected components with more than one module (or a module importing itself). */
function cycles(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

const graph = importGraph();

describe("layout", () => {
  test("the cycle finder finds a cycle (a check that cannot fail checks nothing)", () => {
    const planted = new Map([
      ["a.ts", ["b.ts"]],
      ["b.ts", ["c.ts"]],
      ["c.ts", ["a.ts"]],
      ["d.ts", ["a.ts"]],
    ]);
    expect(cycles(planted)).toEqual([["a.ts", "b.ts", "c.ts"]]);
  });

  test("no import cycle in generator/ and runtime/", () => {
    expect(graph.size).toBeGreaterThan(50);
    expect(cycles(graph)).toEqual([]);
  });

  test("each stage imports only the stages below it", () => {
    const violations: string[] = [];
    for (const [file, targets] of graph) {
      const from = partOf(file);
      expect(from, `${file} belongs to no stage of MAY_IMPORT`).not.toBeNull();
      for (const t of targets) {
        const to = partOf(t);
        if (t === "package.json" || to === from) continue;
        if (!to || !MAY_IMPORT[from!]!.includes(to)) violations.push(`${file} -> ${t}`);
      }
    }
    expect(violations).toEqual([]);
  });

  test("generator/ has at most 8 entries, each a stage folder or the library's entry", () => {
    const entries = readdirSync(path.join(projectRoot, "generator"));
    expect(entries.length).toBeLessThanOrEqual(8);
    for (const e of entries) expect(partOf(`generator/${e}`), e).toBe(`generator/${e}`);
  });

  test("every folder has an index.ts, or its modules each open with a header comment", () => {
    const folders = new Set([...graph.keys()].map((f) => path.posix.dirname(f)));
    for (const dir of folders) {
      const modules = [...graph.keys()].filter((f) => path.posix.dirname(f) === dir);
      if (modules.includes(`${dir}/index.ts`)) continue;
      for (const m of modules)
        expect(readFileSync(path.join(projectRoot, m), "utf8"), m).toMatch(
          /^(\/\/ \S|\/\*\*\n \* \S)/,
        );
    }
  });

  test("no two modules share a base name (index.ts and the CLI's command modules aside)", () => {
    const commands = new Set(
      readFileSync(path.join(projectRoot, "generator/cli/commands.ts"), "utf8")
        .match(/from "\.\/([\w-]+)\.ts"/g)!
        .map((m) => /\.\/([\w-]+)\.ts/.exec(m)![1]!),
    );
    const seen = new Map<string, string>();
    const clashes: string[] = [];
    for (const file of graph.keys()) {
      const base = path.posix.basename(file, ".ts");
      if (base === "index") continue;
      if (file.startsWith("generator/cli/") && commands.has(base)) continue;
      const other = seen.get(base);
      if (other) clashes.push(`${other} ~ ${file}`);
      else seen.set(base, file);
    }
    expect(clashes).toEqual([]);
  });

  test("no file stands beside a folder of the same name", () => {
    const beside: string[] = [];
    for (const file of graph.keys()) {
      const twin = path.join(projectRoot, file.replace(/\.ts$/, ""));
      try {
        if (statSync(twin).isDirectory()) beside.push(file);
      } catch {
        // no folder of that name
      }
    }
    expect(beside).toEqual([]);
  });

  const git = spawnSync("git", ["ls-files", "-s"], { cwd: projectRoot, encoding: "utf8" });
  test.skipIf(git.status !== 0)("no symlink is committed", () => {
    const links = git.stdout.split("\n").filter((l) => l.startsWith("120000 "));
    expect(links).toEqual([]);
  });
});
