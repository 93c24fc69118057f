// Scratch folders under the system's temporary directory, removed when the test file is done.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll } from "vitest";

/** A scratch folder: write files into it (folders made as needed), remove it when done. */
export interface ScratchDir {
  dir: string;
  /** Writes `name` (relative to dir) and returns its path. */
  write(name: string, content: string | Buffer): string;
  remove(): void;
}

export function scratchDir(prefix: string): ScratchDir {
  const dir = mkdtempSync(path.join(tmpdir(), `qapi-ts-${prefix}-`));
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

/**
 * For a test file's top level: returns a function that makes an empty scratch folder named
 * after `name`; every folder it made is removed after the file's tests.
 */
export function scratchFolders(): (name: string) => string {
  const made: string[] = [];
  afterAll(() => {
    for (const d of made) rmSync(d, { recursive: true, force: true });
  });
  return (name) => {
    const dir = mkdtempSync(path.join(tmpdir(), `qapi-ts-${name}-`));
    made.push(dir);
    return dir;
  };
}
