// What the front-end tests share: where things are, running the CLI, scratch folders.
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
/** QEMU's reference material (see ../shared/README.md); tests skip when it is absent. */
export const shared = path.resolve(projectRoot, "../shared");
export const bin = path.join(projectRoot, "bin/qapi-ts");

/** QEMU 10.2's front-end regression cases, and their names (empty when absent). */
export const qemuCasesDir = path.join(shared, "qemu-10.2/tests/qapi-schema");
export const qemuCases: string[] = existsSync(path.join(qemuCasesDir, "CASES"))
  ? readFileSync(path.join(qemuCasesDir, "CASES"), "utf8").split("\n").filter(Boolean)
  : [];

/** Runs `qapi-ts ARGS...` to completion. */
export function runCli(args: string[], cwd = projectRoot): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [bin, ...args], {
    cwd,
    encoding: "utf8",
    timeout: 120_000,
  });
}

/** A scratch folder: write files into it (folders made as needed), remove it when done. */
export interface ScratchDir {
  dir: string;
  /** Writes `name` (relative to dir) and returns its path. */
  write(name: string, content: string | Buffer): string;
  remove(): void;
}

export function scratchDir(prefix: string): ScratchDir {
  const dir = mkdtempSync(path.join(tmpdir(), `qapi-${prefix}-`));
  return {
    dir,
    write(name, content) {
      const p = path.join(dir, name);
      mkdirSync(path.dirname(p), { recursive: true });
      writeFileSync(p, content);
      return p;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
