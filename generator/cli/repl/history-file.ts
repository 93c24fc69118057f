// The shell's history: one line per entry, oldest first, in the user's state directory
// ($XDG_STATE_HOME/qapi-ts, else ~/.local/state/qapi-ts; never the project), created private
// (0700, the file 0600) and replaced whole on save, so a reader never sees half a file.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";

/** Lines kept. */
export const HISTORY_SIZE = 1000;

/** The default history file of a mode ("qmp" or "hmp"). */
export function defaultHistoryFile(mode: string, env = process.env): string {
  const state =
    env.XDG_STATE_HOME && path.isAbsolute(env.XDG_STATE_HOME)
      ? env.XDG_STATE_HOME
      : path.join(homedir(), ".local", "state");
  return path.join(state, "qapi-ts", `shell-history${mode === "qmp" ? "" : `-${mode}`}`);
}

/** The entries, oldest first ([] when there is no file yet). Other failures throw. */
export function readHistory(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .slice(-HISTORY_SIZE);
}

/** Writes the entries (oldest first), creating the directory if need be. */
export function writeHistory(file: string, entries: readonly string[]): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(
    temp,
    entries
      .slice(-HISTORY_SIZE)
      .map((l) => l + "\n")
      .join(""),
    { mode: 0o600 },
  );
  renameSync(temp, file);
}
