// The output writer: the only code that writes generated files. The output folder is the user's:
// it touches only the files it wrote, which its manifest (`.qapi-ts-manifest`) lists, and never
// moves, replaces or re-creates a folder, so folders keep their inode, owner and mode, and
// whatever else lives in them (the user's files, mount points) is never touched.
//
//   - Nothing changed: nothing is written (build tools watch mtimes).
//   - A file of that name that qapi-ts did not write (not in the manifest, other content) is an
//     error naming it; `force` takes it over. So is one in a folder that is a symbolic link.
//   - Something changed: each new or changed file is written to a hidden temporary file beside
//     it, then a journal listing the renames and removals is published (by rename): that is the
//     commit point. Then each file is renamed into place, files it generated before and no longer
//     generates are removed (as the manifest lists them, with the back end that owns each, so
//     `generate --only X` leaves the others' files be), the manifest is replaced, and the journal
//     removed. Every file is whole at every instant (a reader sees its old or its new content);
//     a run killed before the commit leaves the old set (its temporary files are removed by the
//     next run), one killed after it is completed by the next run (`check` says so): at rest,
//     the old set of files or the new one, never a mix. Watchers of the folder (a
//     bundler, a dev server) see each file change, as for any editor's save.
//   - Run as root in a folder owned by someone else (sudo, a container on a bind mount): files
//     and folders it creates get the owner of the folder they are created in, and a replaced file
//     keeps its owner and mode.
//   - `check` compares without writing: stale, missing, extra and "not ours" files.
//
// One run at a time per output: a lock file in it names the run holding it (lock.ts).

import {
  closeSync,
  fchmodSync,
  fchownSync,
  fstatSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  realpathSync,
  renameSync,
  rmdirSync,
  statSync,
  unlinkSync,
  writeSync,
  type Stats,
} from "node:fs";
import path from "node:path";
import type { OwnedFile } from "../backends/generate-files.ts";
import { acquireLock, LockError } from "./lock.ts";
import { strerror } from "../frontend/bounded-input.ts";

export const MANIFEST_FILE = ".qapi-ts-manifest";
/** The pending renames and removals of a run past its commit point. */
export const JOURNAL_FILE = ".qapi-ts-journal";
export const LOCK_FILE = ".qapi-ts-lock";
/** Temporary files: `.<name>.qapi-ts-tmp-<pid>`, beside the file they become. */
const TEMP_MARK = ".qapi-ts-tmp-";
const MANIFEST_HEADER =
  "# Files written by qapi-ts generate (back end, path); it removes them when no longer generated.\n" +
  "# Folders it created end in '/'. Other files here are not touched.";

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
  /** Files of a generated file's name that qapi-ts did not write (generate refuses them). */
  notOurs: string[];
  /** A run was cut short; the next run completes (or undoes) what it did. */
  interrupted: boolean;
}

/** The output cannot be written (the message names the file and the reason). */
export class WriteError extends Error {}

/** What the manifest of a directory says: path -> owning back end ("" when unknown). */
export interface Manifest {
  files: Map<string, string>;
  /** Folders the writer created (relative, without the final '/'), by the back end that needed them. */
  folders: Map<string, string>;
}

export interface WriteOptions {
  /** The back ends that ran: previous files of other back ends are kept as they are. */
  backends: readonly string[];
  /** Overwrite files of generated files' names that qapi-ts did not write. */
  force?: boolean;
  /** Files the run read (its inputs): never written over, even with `force`. */
  inputs?: readonly string[];
  /** How long to wait for another run writing the same output (default 10 s). */
  lockWaitMs?: number;
  /**
   * Called before each change the writer makes to the disk, with what it is about to do
   * (fault-injection tests kill the process there).
   */
  onStep?: (step: string) => void;
}

/** Makes `outDir` hold the generated files (see the top of this file). */
export function writeGenerated(
  outDir: string,
  files: readonly OwnedFile[],
  options: WriteOptions,
): WriteResult {
  const wanted = wantedFiles(files);
  const step = options.onStep ?? (() => {});
  const target = resolveTarget(outDir);
  const created = ensureFolder(target, step);
  let release: () => void;
  try {
    release = acquireLock(path.join(target, LOCK_FILE), { waitMs: options.lockWaitMs });
  } catch (err) {
    removeEmpty(created);
    if (err instanceof LockError) throw new WriteError(err.message);
    throw err;
  }
  try {
    recoverInterrupted(target, foldersOf(wanted), step);
    const plan = planWrite(outDir, target, wanted, readManifest(target), options);
    if (plan.changed.size || plan.removed.length || plan.manifest !== plan.previousManifest)
      applyPlan(target, plan, step);
    return {
      written: [...plan.changed.keys()].sort(),
      unchanged: plan.unchanged,
      removed: plan.removed,
    };
  } catch (err) {
    if (err instanceof WriteError) removeEmpty(created);
    throw err;
  } finally {
    release();
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
  const notOurs: string[] = [];
  for (const [rel, f] of wanted) {
    const bytes = readOrNull(path.join(target, rel));
    if (bytes === null) missing.push(rel);
    else if (bytes.equals(Buffer.from(f.content, "utf8"))) continue;
    else if (previous.files.has(rel)) stale.push(rel);
    else notOurs.push(rel);
  }
  const extra = [...previous.files]
    .filter(([rel, owner]) => !wanted.has(rel) && ownedByRun(owner, options.backends))
    .filter(([rel]) => readOrNull(path.join(target, rel)) !== null)
    .map(([rel]) => rel);
  return {
    stale: stale.sort(),
    missing: missing.sort(),
    extra: extra.sort(),
    notOurs: notOurs.sort(),
    interrupted: isInterrupted(target),
  };
}

/** Whether a run into `dir` was cut short (the next run completes or undoes what it did). */
export function isInterrupted(dir: string): boolean {
  return exists(path.join(dir, JOURNAL_FILE));
}

/** The manifest of a directory (empty when there is none). */
export function readManifest(dir: string): Manifest {
  const manifest: Manifest = { files: new Map(), folders: new Map() };
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
    if (rel.endsWith("/") && isPlainRelative(rel.slice(0, -1)))
      manifest.folders.set(rel.slice(0, -1), owner);
    else if (isPlainRelative(rel) && !isReserved(rel)) manifest.files.set(rel, owner);
  }
  return manifest;
}

/**
 * Writes one output file (`introspect -o`, `history -o`) as the writer writes each generated
 * file: to a temporary file beside it, then renamed over it, so that a failed write (a full disk)
 * leaves the old content. A replaced file keeps its mode (and, for root, its owner); a path that
 * is not a regular file (/dev/null, a FIFO) is written in place; `inputs` are never written over.
 */
export function writeOutputFile(
  file: string,
  content: string | Buffer,
  inputs: readonly string[] = [],
): void {
  const bytes = typeof content === "string" ? Buffer.from(content, "utf8") : content;
  let target = path.resolve(file);
  let st: Stats | null = null;
  try {
    st = statSync(target);
    target = realpathSync(target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT")
      throw new WriteError(`can't write ${file}: ${reason(err)}`);
  }
  if (isInput(target, inputs)) {
    throw new WriteError(`refusing to write ${file}: it is one of this command's inputs`);
  }
  if (st?.isDirectory()) throw new WriteError(`can't write ${file}: Is a directory`);
  if (st && !st.isFile()) {
    // A device or a FIFO: there is nothing to replace, only a stream to write into.
    let fd = -1;
    try {
      fd = openSync(target, "w");
      writeAll(fd, bytes);
    } catch (err) {
      throw new WriteError(`can't write ${file}: ${reason(err)}`);
    } finally {
      if (fd >= 0) closeSync(fd);
    }
    return;
  }
  const temp = tempName(target);
  try {
    writeTemp(temp, bytes, st, st ? null : ownerForNew(path.dirname(target)));
    renameSync(temp, target);
  } catch (err) {
    removeQuietly(temp);
    throw new WriteError(`can't write ${file}: ${reason(err)}`);
  }
}

// ---------------------------------------------------------------------------------------------

function wantedFiles(files: readonly OwnedFile[]): Map<string, OwnedFile> {
  const wanted = new Map<string, OwnedFile>();
  for (const f of files) {
    if (!isPlainRelative(f.path) || isReserved(f.path)) {
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

/** The writer's own files, which no generated file may be. */
function isReserved(rel: string): boolean {
  const base = rel.split("/").pop()!;
  return (
    rel === MANIFEST_FILE || rel === JOURNAL_FILE || rel === LOCK_FILE || base.includes(TEMP_MARK)
  );
}

function ownedByRun(owner: string, backends: readonly string[]): boolean {
  return owner === "" || backends.includes(owner);
}

function isInput(target: string, inputs: readonly string[]): boolean {
  return inputs.some((i) => {
    try {
      return realpathSync(i) === target;
    } catch {
      return path.resolve(i) === target;
    }
  });
}

/** The real directory to write into (a symbolic link to a folder is followed). */
function resolveTarget(outDir: string): string {
  let target = path.resolve(outDir);
  try {
    target = realpathSync(target);
  } catch {
    // absent (or under an absent folder): created
  }
  let st: Stats;
  try {
    st = statSync(target);
  } catch {
    return target;
  }
  if (!st.isDirectory()) throw new WriteError(`${outDir} exists and is not a directory`);
  return target;
}

/** Creates the output folder and missing parents; returns those it created, deepest first. */
function ensureFolder(target: string, step: (s: string) => void): string[] {
  const missing: string[] = [];
  for (let d = target; !exists(d); d = path.dirname(d)) {
    missing.push(d);
    if (path.dirname(d) === d) break;
  }
  for (const d of [...missing].reverse()) {
    step(`mkdir ${d}`);
    try {
      const owner = ownerForNew(path.dirname(d));
      mkdirSync(d);
      if (owner) lchownSync(d, owner.uid, owner.gid);
    } catch (err) {
      removeEmpty(missing);
      throw new WriteError(`cannot create ${d}: ${reason(err)}`);
    }
  }
  return missing;
}

/** Removes the folders (deepest first) that are empty; quietly. */
function removeEmpty(folders: readonly string[]): void {
  for (const d of folders) {
    try {
      rmdirSync(d);
    } catch {
      return;
    }
  }
}

/**
 * What a run is doing, so that the next run can finish or undo it: "prepare" (written before it
 * creates folders: undone by removing them) or "commit" (its files all written: completed).
 */
interface Journal {
  phase: "prepare" | "commit";
  /** Folders this run creates, parents first, output-relative. */
  created: string[];
  /** [temporary file, final file], output-relative. */
  renames: [string, string][];
  /** Files to remove, then folders to remove when empty, output-relative. */
  removes: string[];
  folders: string[];
  manifest: string;
}

/**
 * Completes what a killed run left: past its commit point, its renames, removals and manifest;
 * before it, its temporary files and the folders it created are removed. Runs under the lock.
 */
function recoverInterrupted(
  target: string,
  folders: Iterable<string>,
  step: (s: string) => void,
): void {
  const journalFile = path.join(target, JOURNAL_FILE);
  const text = readOrNull(journalFile);
  const journal = text === null ? null : parseJournal(text.toString("utf8"));
  if (journal?.phase === "commit") applyJournal(target, journal, step);
  // Temporary files live beside generated files: in the folders of those listed and wanted.
  const searched = new Set([
    "",
    ...readManifest(target).folders.keys(),
    ...folders,
    ...(journal?.created ?? []),
  ]);
  for (const f of searched) removeTemps(target, f, step);
  if (text !== null && journal?.phase !== "commit") {
    for (const dir of [...(journal?.created ?? [])].reverse()) {
      step(`rmdir ${dir}`);
      try {
        rmdirSync(path.join(target, dir));
      } catch {
        // not empty (someone put files there since) or gone: left as it is
      }
    }
    step(`unlink ${JOURNAL_FILE}`);
    removeQuietly(journalFile);
  }
}

/** The folders (relative) generated files go in. */
function foldersOf(wanted: Map<string, OwnedFile>): Set<string> {
  const folders = new Set<string>();
  for (const rel of wanted.keys()) {
    const parts = rel.split("/");
    for (let i = 1; i < parts.length; i++) folders.add(parts.slice(0, i).join("/"));
  }
  return folders;
}

function parseJournal(text: string): Journal | null {
  try {
    const j = JSON.parse(text) as Journal;
    const plain = (p: unknown): boolean => typeof p === "string" && isPlainRelative(p);
    if (
      (j.phase === "prepare" || j.phase === "commit") &&
      Array.isArray(j.created) &&
      j.created.every(plain) &&
      Array.isArray(j.renames) &&
      j.renames.every(
        (r) => Array.isArray(r) && plain(r[0]) && r[0].includes(TEMP_MARK) && plain(r[1]),
      ) &&
      Array.isArray(j.removes) &&
      j.removes.every(plain) &&
      Array.isArray(j.folders) &&
      j.folders.every(plain) &&
      typeof j.manifest === "string"
    )
      return j;
  } catch {
    // not a journal of ours
  }
  return null;
}

/** Removes temporary files of dead runs from one folder. */
function removeTemps(target: string, rel: string, step: (s: string) => void): void {
  let entries;
  try {
    entries = readdirSync(path.join(target, rel), { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isFile() && e.name.startsWith(".") && e.name.includes(TEMP_MARK)) {
      step(`unlink ${r}`);
      removeQuietly(path.join(target, r));
    }
  }
}

interface Plan {
  /** Relative path -> content to write (new or changed files). */
  changed: Map<string, string>;
  /** Existing files replaced (their stats, to keep mode and owner). */
  replaced: Map<string, Stats>;
  /** Folders to create (relative, parents first), with the back end needing each. */
  newFolders: [string, string][];
  manifest: string;
  previousManifest: string | null;
  unchanged: string[];
  removed: string[];
  /** Created folders no longer needed (deepest first): removed when empty. */
  oldFolders: string[];
}

function planWrite(
  outDir: string,
  target: string,
  wanted: Map<string, OwnedFile>,
  previous: Manifest,
  options: WriteOptions,
): Plan {
  const changed = new Map<string, string>();
  const replaced = new Map<string, Stats>();
  const unchanged: string[] = [];
  const conflicts: string[] = [];
  const folders = new Map<string, string>(); // needed folders -> back end
  const newFolders: [string, string][] = [];
  const shown = (rel: string): string => path.join(outDir, rel);
  for (const [rel, f] of wanted) {
    // Every folder on the way must be a real folder: never write through a link out of the output.
    const parts = rel.split("/");
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join("/");
      if (!folders.has(dir)) folders.set(dir, f.backend);
      const st = lstatOrNull(path.join(target, dir));
      if (st === null) {
        if (!newFolders.some(([d]) => d === dir)) newFolders.push([dir, f.backend]);
      } else if (!st.isDirectory()) {
        throw new WriteError(
          `can't write ${shown(rel)}: ${shown(dir)} is ${st.isSymbolicLink() ? "a symbolic link" : "not a folder"}, and not qapi-ts's`,
        );
      }
    }
    const file = path.join(target, rel);
    const st = lstatOrNull(file);
    if (isInput(file, options.inputs ?? [])) {
      throw new WriteError(`refusing to write ${shown(rel)}: it is one of this run's inputs`);
    }
    if (st === null) {
      changed.set(rel, f.content);
      continue;
    }
    if (st.isDirectory()) throw new WriteError(`can't write ${shown(rel)}: it is a folder`);
    const ours = previous.files.has(rel) && st.isFile();
    const same = st.isFile() && readOrNull(file)?.equals(Buffer.from(f.content, "utf8")) === true;
    if (same) unchanged.push(rel);
    else if (ours || options.force) {
      changed.set(rel, f.content);
      if (st.isFile()) replaced.set(rel, st);
    } else conflicts.push(rel);
  }
  if (conflicts.length) {
    throw new WriteError(
      conflicts
        .map(
          (rel) =>
            `${shown(rel)} exists and was not written by qapi-ts (its manifest, ${MANIFEST_FILE}, does not list it)`,
        )
        .join("\n") +
        `\nmove ${conflicts.length > 1 ? "them" : "it"} away, or give --force to overwrite`,
    );
  }
  const owners = new Map<string, string>();
  const removed: string[] = [];
  for (const [rel, owner] of previous.files) {
    if (wanted.has(rel)) continue;
    if (!ownedByRun(owner, options.backends)) {
      owners.set(rel, owner); // another back end's: kept, and still listed
      continue;
    }
    const st = lstatOrNull(path.join(target, rel));
    // Only a file (or link) at a path it wrote is removed; a folder there is someone else's.
    if (st && !st.isDirectory()) removed.push(rel);
  }
  for (const [rel, f] of wanted) owners.set(rel, f.backend);
  // Folders it created stay listed while a listed file needs them or they are not empty.
  const createdFolders = new Map(previous.folders);
  for (const [d, b] of newFolders) createdFolders.set(d, b);
  const oldFolders: string[] = [];
  for (const d of createdFolders.keys()) {
    const needed = [...owners.keys()].some((rel) => rel.startsWith(d + "/"));
    if (!needed) oldFolders.push(d);
  }
  oldFolders.sort((a, b) => b.length - a.length);
  const lines = [
    ...[...owners].map(([rel, o]) => `${o} ${rel}`),
    ...[...createdFolders].filter(([d]) => !oldFolders.includes(d)).map(([d, o]) => `${o} ${d}/`),
  ].sort((a, b) => {
    const [x, y] = [a.slice(a.indexOf(" ") + 1), b.slice(b.indexOf(" ") + 1)];
    return x < y ? -1 : x > y ? 1 : 0;
  });
  const manifest = [MANIFEST_HEADER, ...lines].join("\n") + "\n";
  const previousManifest = readOrNull(path.join(target, MANIFEST_FILE))?.toString("utf8") ?? null;
  return {
    changed,
    replaced,
    newFolders,
    manifest,
    previousManifest,
    unchanged: unchanged.sort(),
    removed: removed.sort(),
    oldFolders,
  };
}

/** Writes the new files beside their places, commits, and publishes (see the top of the file). */
function applyPlan(target: string, plan: Plan, step: (s: string) => void): void {
  const createdNow: string[] = [];
  const temps: [string, string][] = [];
  let current = target; // what is being written, for the message
  const journal: Journal = {
    phase: "prepare",
    created: plan.newFolders.map(([d]) => d),
    renames: temps,
    removes: plan.removed,
    folders: plan.oldFolders,
    manifest: plan.manifest,
  };
  try {
    // Folders it creates are recorded first, so that a run killed after creating them but before
    // its commit does not leave folders nobody knows are qapi-ts's.
    if (journal.created.length) {
      current = path.join(target, JOURNAL_FILE);
      publishJournal(target, journal, step);
    }
    for (const [dir] of plan.newFolders) {
      current = path.join(target, dir);
      const owner = ownerForNew(path.dirname(current));
      step(`mkdir ${dir}`);
      mkdirSync(current);
      createdNow.unshift(current);
      if (owner) lchownSync(current, owner.uid, owner.gid);
    }
    for (const [rel, content] of [...plan.changed].sort(([a], [b]) => (a < b ? -1 : 1))) {
      current = path.join(target, rel);
      const temp = tempName(current);
      const old = plan.replaced.get(rel) ?? null;
      step(`write ${path.relative(target, temp)}`);
      temps.push([path.relative(target, temp), rel]);
      const owner = old ? null : ownerForNew(path.dirname(current));
      writeTemp(temp, Buffer.from(content, "utf8"), old, owner);
    }
    current = path.join(target, JOURNAL_FILE);
    journal.phase = "commit";
    publishJournal(target, journal, step);
  } catch (err) {
    // Before the commit point: the old files are as they were; undo what this run made.
    for (const [temp] of temps) removeQuietly(path.join(target, temp));
    removeQuietly(tempName(path.join(target, JOURNAL_FILE)));
    removeEmpty(createdNow);
    if (journal.phase === "prepare") removeQuietly(path.join(target, JOURNAL_FILE));
    throw new WriteError(`can't write ${current}: ${reason(err)}`);
  }
  try {
    applyJournal(target, journal, step);
  } catch (err) {
    throw new WriteError(
      `can't complete the output in ${target}: ${reason(err)} (the next run completes it)`,
    );
  }
}

/** Writes the journal whole, then renames it into place. */
function publishJournal(target: string, journal: Journal, step: (s: string) => void): void {
  const file = path.join(target, JOURNAL_FILE);
  const temp = tempName(file);
  step(`write ${path.basename(temp)}`);
  writeTemp(temp, Buffer.from(JSON.stringify(journal) + "\n"), null, null);
  step(`${journal.phase} ${JOURNAL_FILE}`);
  renameSync(temp, file);
}

/** Past the commit point: renames, removals, the manifest, then the journal goes. */
function applyJournal(target: string, journal: Journal, step: (s: string) => void): void {
  for (const [temp, rel] of journal.renames) {
    const from = path.join(target, temp);
    if (!exists(from)) continue; // renamed already, by the run that was cut short
    step(`rename ${rel}`);
    renameSync(from, path.join(target, rel));
  }
  for (const rel of journal.removes) {
    step(`unlink ${rel}`);
    removeQuietly(path.join(target, rel));
  }
  for (const dir of journal.folders) {
    step(`rmdir ${dir}`);
    try {
      rmdirSync(path.join(target, dir));
    } catch {
      // not empty (someone's files) or gone: left as it is
    }
  }
  const manifest = path.join(target, MANIFEST_FILE);
  const old = lstatOrNull(manifest);
  const temp = tempName(manifest);
  step(`write ${path.basename(temp)}`);
  writeTemp(
    temp,
    Buffer.from(journal.manifest, "utf8"),
    old?.isFile() ? old : null,
    old ? null : ownerForNew(target),
  );
  step(`rename ${MANIFEST_FILE}`);
  renameSync(temp, manifest);
  step(`unlink ${JOURNAL_FILE}`);
  unlinkSync(path.join(target, JOURNAL_FILE));
}

function tempName(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}${TEMP_MARK}${process.pid}`);
}

/**
 * Writes a temporary file: with `like`'s mode (and owner, for root) when it replaces a file,
 * else the default mode and `owner` (root creating in someone's folder).
 */
function writeTemp(
  temp: string,
  bytes: Buffer,
  like: Stats | null,
  owner: { uid: number; gid: number } | null,
): void {
  const fd = openSync(temp, "wx", like ? like.mode & 0o7777 : 0o666);
  try {
    writeAll(fd, bytes);
    if (like) {
      if (isRoot() && (like.uid !== 0 || like.gid !== 0)) fchownSync(fd, like.uid, like.gid);
      // (After chown, which clears set-id bits; the umask applied at open is undone too.)
      if ((fstatSync(fd).mode & 0o7777) !== (like.mode & 0o7777))
        fchmodSync(fd, like.mode & 0o7777);
    } else if (owner) fchownSync(fd, owner.uid, owner.gid);
  } catch (err) {
    closeSync(fd);
    removeQuietly(temp);
    throw err;
  }
  closeSync(fd);
}

function writeAll(fd: number, bytes: Buffer): void {
  for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** Root creating in a folder someone else owns: that owner, for what it creates there. */
function ownerForNew(folder: string): { uid: number; gid: number } | null {
  if (!isRoot()) return null;
  try {
    const st = statSync(folder);
    return st.uid !== 0 || st.gid !== 0 ? { uid: st.uid, gid: st.gid } : null;
  } catch {
    return null;
  }
}

function exists(p: string): boolean {
  return lstatOrNull(p) !== null;
}

function lstatOrNull(p: string): Stats | null {
  try {
    return lstatSync(p);
  } catch {
    return null;
  }
}

function readOrNull(file: string): Buffer | null {
  try {
    return readFileSync(file);
  } catch {
    return null;
  }
}

function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // gone already
  }
}

function reason(err: unknown): string {
  return err instanceof Error ? strerror(err) : String(err);
}
