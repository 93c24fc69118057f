// What the last `generate` into an output directory read and wrote, kept on this machine (in
// the user's cache directory, never in the output: the output must be the same wherever it is
// generated). It lets an unchanged run skip all the work, and `--watch` know the schema's files.
// A record that cannot be read or written is no record: the run does the work.

import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";

export interface RunRecord {
  /** The schema's files, relative to the main file's directory. */
  inputFiles: string[];
  /** Digest of the settings, the build of qapi-ts and the input files' contents. */
  inputs: string;
  /** Digest of the files written (path and content), by the back ends that ran. */
  outputs: string;
}

function recordFile(outDir: string): string | null {
  const base = process.env.XDG_CACHE_HOME || (homedir() ? path.join(homedir(), ".cache") : "");
  if (!base) return null;
  const key = createHash("sha256").update(path.resolve(outDir)).digest("hex").slice(0, 32);
  return path.join(base, "qapi-ts", "runs", `${key}.json`);
}

export function readRunRecord(outDir: string): RunRecord | null {
  const file = recordFile(outDir);
  if (!file) return null;
  try {
    const r = JSON.parse(readFileSync(file, "utf8")) as RunRecord;
    return Array.isArray(r.inputFiles) &&
      typeof r.inputs === "string" &&
      typeof r.outputs === "string"
      ? r
      : null;
  } catch {
    return null;
  }
}

export function writeRunRecord(outDir: string, record: RunRecord): void {
  const file = recordFile(outDir);
  if (!file) return;
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(record));
    renameSync(tmp, file);
  } catch {
    // No cache directory to write to: the next run does the work.
  }
}
