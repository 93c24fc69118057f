// The output writer: the only stage that touches the disk. It makes a directory hold exactly the
// generated files, byte for byte, and replaces the output as a whole:
//
//   - Nothing changed: nothing is written (build tools watch mtimes).
//   - Something changed: the new output is assembled in a sibling directory (unchanged files and
//     files qapi-ts did not write are hard-linked into it, so they keep their inode and mtime),
//     then swapped in with two renames. A reader, or a kill at any instant, sees the old set of
//     files or the new one, never a mix; the directory is only absent between the two renames,
//     and a run interrupted there is completed by the next (which also removes the leftovers of
//     interrupted runs).
//   - Files it generated before and no longer generates are removed, as its manifest lists them
//     (with the back end that owns each, so that `generate --only X` leaves others' files be).
//   - `check` compares without writing: stale, missing and extra files.
//
// One run at a time per directory: a lock file next to it names the process holding it.

import {
  closeSync,
  copyFileSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import path from "node:path";
import type { OwnedFile } from "../backends/generate-files.ts";

export const MANIFEST_FILE = ".qapi-ts-manifest";
const MANIFEST_HEADER =
  "# Files written by qapi-ts generate (back end, path); it removes them when no longer generated.";

export interface WriteResult {
  /** Output-relative paths, sorted. */
  written: string[];
  unchanged: string[];
  removed: string[];
}

export interface CheckResult {
  /** Generated files whose content on disk differs. */
  stale: string[];
  /** Generated files absent from the disk. */
  missing: string[];
  /** Files the previous run generated that this one would remove. */
  extra: string[];
}

/** The output cannot be written (the message names the file and the reason). */
export class WriteError extends Error {}

/** What the manifest of a directory says: path -> owning back end ("" when unknown). */
export interface Manifest {
  files: Map<string, string>;
}

export interface WriteOptions {
  /** The back ends that ran: previous files of other back ends are kept as they are. */
  backends: readonly string[];
}

/** Makes `outDir` hold the generated files (see the top of this file). */
export function writeGenerated(
  outDir: string,
  files: readonly OwnedFile[],
  options: WriteOptions,
): WriteResult {
  const wanted = wantedFiles(files);
  const target = resolveTarget(outDir);
  const unlock = lock(target);
  try {
    recoverInterrupted(target);
    const previous = readManifest(target);
    const plan = planWrite(target, wanted, previous, options);
    if (plan.written.length || plan.removed.length || plan.manifest !== plan.previousManifest) {
      replaceDirectory(target, plan);
    }
    return { written: plan.written, unchanged: plan.unchanged, removed: plan.removed };
  } finally {
    unlock();
  }
}

/** Compares the generated files with the directory, writing nothing. */
export function checkGenerated(
  outDir: string,
  files: readonly OwnedFile[],
  options: Pick<WriteOptions, "backends">,
): CheckResult {
  const wanted = wantedFiles(files);
  const target = path.resolve(outDir);
  const previous = readManifest(target);
  const stale: string[] = [];
  const missing: string[] = [];
  for (const [rel, f] of wanted) {
    const bytes = readOrNull(path.join(target, rel));
    if (bytes === null) missing.push(rel);
    else if (!bytes.equals(Buffer.from(f.content, "utf8"))) stale.push(rel);
  }
  const extra = [...previous.files]
    .filter(([rel, owner]) => !wanted.has(rel) && ownedByRun(owner, options.backends))
    .filter(([rel]) => readOrNull(path.join(target, rel)) !== null)
    .map(([rel]) => rel);
  return { stale: stale.sort(), missing: missing.sort(), extra: extra.sort() };
}

/** The manifest of a directory (empty when there is none). */
export function readManifest(dir: string): Manifest {
  const manifest: Manifest = { files: new Map() };
  let text: string;
  try {
    text = readFileSync(path.join(dir, MANIFEST_FILE), "utf8");
  } catch {
    return manifest;
  }
  for (const l of text.split("\n")) {
    if (l === "" || l.startsWith("#")) continue;
    // "backend path"; a bare path is an older manifest's, owned by any back end
    const space = l.indexOf(" ");
    const [owner, rel] = space < 0 ? ["", l] : [l.slice(0, space), l.slice(space + 1)];
    if (isPlainRelative(rel) && rel !== MANIFEST_FILE) manifest.files.set(rel, owner);
  }
  return manifest;
}

// ---------------------------------------------------------------------------------------------

function wantedFiles(files: readonly OwnedFile[]): Map<string, OwnedFile> {
  const wanted = new Map<string, OwnedFile>();
  for (const f of files) {
    if (!isPlainRelative(f.path) || f.path === MANIFEST_FILE) {
      throw new WriteError(
        `generated file path ${JSON.stringify(f.path)} is not a plain relative path`,
      );
    }
    if (wanted.has(f.path))
      throw new WriteError(`two generated files have the same path ${f.path}`);
    wanted.set(f.path, f);
  }
  return wanted;
}

function isPlainRelative(p: string): boolean {
  const parts = p.split("/");
  return (
    p !== "" &&
    !p.startsWith("/") &&
    !p.includes("\\") &&
    !parts.some((s) => s === ".." || s === "." || s === "" || s.includes("\0"))
  );
}

function ownedByRun(owner: string, backends: readonly string[]): boolean {
  return owner === "" || backends.includes(owner);
}

/**
 * The real directory to replace. Refused: the current directory or one that contains it (a
 * replaced directory would pull the process's working directory from under it).
 */
function resolveTarget(outDir: string): string {
  let target = path.resolve(outDir);
  try {
    if (lstatSync(target).isSymbolicLink()) target = realpathSync(target);
  } catch {
    // absent: created by the swap
  }
  try {
    if (!statSync(target).isDirectory())
      throw new WriteError(`${outDir} exists and is not a directory`);
  } catch (err) {
    if (err instanceof WriteError) throw err;
  }
  const cwd = process.cwd();
  if (cwd === target || cwd.startsWith(target + path.sep)) {
    throw new WriteError(
      `refusing to replace ${outDir}: it is (or contains) the current directory`,
    );
  }
  if (path.dirname(target) === target) throw new WriteError(`refusing to write into ${target}`);
  return target;
}

/** Sibling paths of a run: `.<name>.qapi-ts-<what>-<pid>`. */
function sibling(target: string, what: "new" | "old" | "lock", pid = process.pid): string {
  const base = `.${path.basename(target)}.qapi-ts-${what}`;
  return path.join(path.dirname(target), what === "lock" ? base : `${base}-${pid}`);
}

function isRunning(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Takes the directory's lock (taking over one whose process is gone); returns its release. */
function lock(target: string): () => void {
  const file = sibling(target, "lock");
  try {
    mkdirSync(path.dirname(target), { recursive: true });
  } catch (err) {
    throw new WriteError(`cannot create ${path.dirname(target)}: ${reason(err)}`);
  }
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(file, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST" || attempt > 0) {
        throw new WriteError(`cannot lock ${target} (${file}): ${reason(err)}`);
      }
      const holder = Number(readOrNull(file)?.toString() ?? "");
      if (Number.isInteger(holder) && holder > 0 && isRunning(holder)) {
        throw new WriteError(`${target} is being written by another qapi-ts (pid ${holder})`);
      }
      rmSync(file, { force: true }); // a lock left by a killed run
    }
  }
}

/**
 * Finishes or undoes what killed runs left: a complete new directory whose swap was cut short
 * is put in place; other leftovers are removed.
 */
function recoverInterrupted(target: string): void {
  const dir = path.dirname(target);
  const prefix = `.${path.basename(target)}.qapi-ts-`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  const leftovers = names
    .filter((n) => n.startsWith(prefix))
    .map((n) => ({ name: n, match: /^(new|old)-(\d+)$/.exec(n.slice(prefix.length)) }))
    .filter((l) => l.match && !isRunning(Number(l.match[2])));
  if (!exists(target)) {
    // Cut between the two renames: the new output is complete (its manifest is written last).
    const complete = leftovers.find(
      (l) => l.match![1] === "new" && exists(path.join(dir, l.name, MANIFEST_FILE)),
    );
    const old = leftovers.find((l) => l.match![1] === "old");
    const restore = complete ?? old;
    if (restore) renameSync(path.join(dir, restore.name), target);
  }
  for (const l of leftovers) rmSync(path.join(dir, l.name), { recursive: true, force: true });
}

interface Plan {
  /** Relative path -> content to write (new or changed files). */
  changed: Map<string, string>;
  /** Relative paths of files on disk to leave out of the new directory. */
  dropped: Set<string>;
  manifest: string;
  previousManifest: string | null;
  written: string[];
  unchanged: string[];
  removed: string[];
}

function planWrite(
  target: string,
  wanted: Map<string, OwnedFile>,
  previous: Manifest,
  options: WriteOptions,
): Plan {
  const changed = new Map<string, string>();
  const unchanged: string[] = [];
  for (const [rel, f] of wanted) {
    const bytes = readOrNull(path.join(target, rel));
    if (bytes !== null && bytes.equals(Buffer.from(f.content, "utf8"))) unchanged.push(rel);
    else changed.set(rel, f.content);
  }
  const dropped = new Set<string>();
  const owners = new Map<string, string>();
  for (const [rel, owner] of previous.files) {
    if (wanted.has(rel)) continue;
    if (ownedByRun(owner, options.backends)) dropped.add(rel);
    else owners.set(rel, owner); // another back end's: kept, and still listed
  }
  for (const [rel, f] of wanted) owners.set(rel, f.backend);
  const lines = [...owners]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([rel, o]) => `${o} ${rel}`);
  const manifest = [MANIFEST_HEADER, ...lines].join("\n") + "\n";
  const previousManifest = readOrNull(path.join(target, MANIFEST_FILE))?.toString("utf8") ?? null;
  const removed = [...dropped].filter((rel) => readOrNull(path.join(target, rel)) !== null).sort();
  return {
    changed,
    dropped,
    manifest,
    previousManifest,
    written: [...changed.keys()].sort(),
    unchanged: unchanged.sort(),
    removed,
  };
}

/** Assembles the new directory beside the old one, then swaps them (see the top of the file). */
function replaceDirectory(target: string, plan: Plan): void {
  const fresh = sibling(target, "new");
  const old = sibling(target, "old");
  try {
    mkdirSync(fresh, { mode: exists(target) ? statSync(target).mode & 0o7777 : 0o777 });
    if (exists(target)) carryOver(target, fresh, "", plan);
    for (const [rel, content] of plan.changed) {
      const file = path.join(fresh, rel);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, content);
    }
    // Last: a new directory with its manifest is complete (see recoverInterrupted).
    writeFileSync(path.join(fresh, MANIFEST_FILE), plan.manifest);
  } catch (err) {
    rmSync(fresh, { recursive: true, force: true });
    throw new WriteError(`cannot write the new output beside ${target}: ${reason(err)}`);
  }
  try {
    if (exists(target)) renameSync(target, old);
    renameSync(fresh, target);
  } catch (err) {
    if (!exists(target) && exists(old)) renameSync(old, target);
    rmSync(fresh, { recursive: true, force: true });
    throw new WriteError(`cannot replace ${target}: ${reason(err)}`);
  }
  rmSync(old, { recursive: true, force: true });
}

/** Links everything of `from` that the new output keeps into `to` (recursively). */
function carryOver(from: string, to: string, rel: string, plan: Plan): void {
  for (const e of readdirSync(path.join(from, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (r === MANIFEST_FILE || plan.changed.has(r) || plan.dropped.has(r)) continue;
    const src = path.join(from, r);
    const dest = path.join(to, r);
    if (e.isDirectory()) {
      mkdirSync(dest, { mode: statSync(src).mode & 0o7777 });
      carryOver(from, to, r, plan);
      // A directory that held only files no longer generated goes with them.
      if (readdirSync(dest).length === 0 && readdirSync(src).length > 0) rmdirSync(dest);
    } else if (e.isSymbolicLink()) {
      symlinkSync(readlinkSync(src), dest);
    } else {
      try {
        linkSync(src, dest);
      } catch {
        copyFileSync(src, dest);
      }
    }
  }
}

function exists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

function readOrNull(file: string): Buffer | null {
  try {
    return readFileSync(file);
  } catch {
    return null;
  }
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
