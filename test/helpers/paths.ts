// Where things are, for every test: the project, its CLI, and QEMU's reference material in
// ../shared (absent on a fresh machine: the tests that need it skip and say so).
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const bin = path.join(projectRoot, "bin/qapi-ts");
export const shared = path.resolve(projectRoot, "../shared");
export const hasShared = existsSync(path.join(shared, "README.md"));

/**
 * In CI (.ci/run sets QAPI_TS_CI) the reference material is there by definition: its absence
 * fails every test file that could need it, rather than letting them skip.
 */
export const inCi = !!process.env.QAPI_TS_CI;
if (inCi && !hasShared)
  throw new Error(`QAPI_TS_CI is set, but ${shared} (QEMU's reference material) is absent`);

/** A path under ../shared. */
export function sharedPath(...parts: string[]): string {
  return path.join(shared, ...parts);
}

/** QEMU 10.2's front-end regression cases, and their names (empty when absent). */
export const qemuCasesDir = sharedPath("qemu-10.2/tests/qapi-schema");
export const qemuCases: string[] = existsSync(path.join(qemuCasesDir, "CASES"))
  ? readFileSync(path.join(qemuCasesDir, "CASES"), "utf8").split("\n").filter(Boolean)
  : [];
