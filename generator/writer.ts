// The output writer: the only stage that touches the disk. It makes a directory hold exactly the
// generated files, byte for byte, while
//   - writing only files whose content changed (build tools watch mtimes),
//   - writing each through a temporary file renamed into place (readers never see half a file),
//   - staging every changed file before replacing any, so that a failure (disk full, permission)
//     leaves the previous output as it was,
//   - removing files it generated before that are no longer generated, as listed in its
//     manifest (files it did not write are never touched).

import {
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmdirSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import type { GeneratedFile } from "./backend.ts";
import { MANIFEST_FILE } from "./backends/names.ts";

export interface WriteResult {
  /** Output-relative paths, sorted. */
  written: string[];
  unchanged: string[];
  removed: string[];
}

/** The output cannot be written (the message names the file and the reason). */
export class WriteError extends Error {}

const MANIFEST_HEADER =
  "# Files written by qapi-ts generate; it removes them when no longer generated.";

export function writeGenerated(outDir: string, files: readonly GeneratedFile[]): WriteResult {
  const wanted = new Map<string, string>();
  for (const f of files) {
    checkRelative(f.path);
    if (wanted.has(f.path))
      throw new WriteError(`two generated files have the same path ${f.path}`);
    wanted.set(f.path, f.content);
  }
  const manifest = [MANIFEST_HEADER, ...[...wanted.keys()].sort()].join("\n") + "\n";
  wanted.set(MANIFEST_FILE, manifest);

  try {
    mkdirSync(outDir, { recursive: true });
  } catch (err) {
    throw new WriteError(`cannot create ${outDir}: ${reason(err)}`);
  }
  const previous = readManifest(outDir);

  // Stage: every changed file goes to a temporary sibling first.
  const staged: { tmp: string; dest: string; rel: string }[] = [];
  const unchanged: string[] = [];
  const tag = `${process.pid}-${Date.now().toString(36)}`;
  try {
    for (const [rel, content] of wanted) {
      const dest = path.join(outDir, rel);
      const bytes = Buffer.from(content, "utf8");
      if (sameBytes(dest, bytes)) {
        if (rel !== MANIFEST_FILE) unchanged.push(rel);
        continue;
      }
      mkdirSync(path.dirname(dest), { recursive: true });
      const tmp = path.join(path.dirname(dest), `.${path.basename(dest)}.${tag}.tmp`);
      writeFileSync(tmp, bytes);
      staged.push({ tmp, dest, rel });
    }
  } catch (err) {
    for (const s of staged) tryUnlink(s.tmp);
    throw new WriteError(`cannot write into ${outDir}: ${reason(err)}`);
  }

  // Commit: rename each into place (atomic per file); the manifest goes last.
  staged.sort((a, b) => Number(a.rel === MANIFEST_FILE) - Number(b.rel === MANIFEST_FILE));
  for (let i = 0; i < staged.length; i++) {
    try {
      renameSync(staged[i]!.tmp, staged[i]!.dest);
    } catch (err) {
      for (const s of staged.slice(i)) tryUnlink(s.tmp);
      throw new WriteError(`cannot replace ${staged[i]!.dest}: ${reason(err)}`);
    }
  }

  const removed: string[] = [];
  for (const rel of previous) {
    if (wanted.has(rel)) continue;
    const file = path.join(outDir, rel);
    if (tryUnlink(file)) {
      removed.push(rel);
      removeEmptyParents(outDir, path.dirname(file));
    }
  }
  return {
    written: staged
      .map((s) => s.rel)
      .filter((r) => r !== MANIFEST_FILE)
      .sort(),
    unchanged: unchanged.sort(),
    removed: removed.sort(),
  };
}

function checkRelative(p: string): void {
  const parts = p.split("/");
  if (
    p === "" ||
    p.startsWith("/") ||
    p.includes("\\") ||
    parts.some((s) => s === ".." || s === "." || s === "")
  )
    throw new WriteError(`generated file path ${JSON.stringify(p)} is not a plain relative path`);
  if (p === MANIFEST_FILE)
    throw new WriteError(`generated file path ${p} is reserved for the writer's manifest`);
}

/** Paths listed by the previous run's manifest (unsafe entries ignored). */
function readManifest(outDir: string): string[] {
  let text: string;
  try {
    text = readFileSync(path.join(outDir, MANIFEST_FILE), "utf8");
  } catch {
    return [];
  }
  return text.split("\n").filter((l) => {
    if (l === "" || l.startsWith("#")) return false;
    try {
      checkRelative(l);
      return true;
    } catch {
      return false;
    }
  });
}

function sameBytes(file: string, bytes: Buffer): boolean {
  try {
    return readFileSync(file).equals(bytes);
  } catch {
    return false;
  }
}

function tryUnlink(file: string): boolean {
  try {
    unlinkSync(file);
    return true;
  } catch {
    return false;
  }
}

/** Removes directories emptied by stale-file removal, up to (not including) the output dir. */
function removeEmptyParents(outDir: string, dir: string): void {
  const root = path.resolve(outDir);
  for (let d = path.resolve(dir); d.startsWith(root + path.sep); d = path.dirname(d)) {
    try {
      if (readdirSync(d).length > 0) return;
      rmdirSync(d);
    } catch {
      return;
    }
  }
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
