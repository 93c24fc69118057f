// Running the built CLI (bin/qapi-ts) to completion, as a user's shell would.
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { bin, projectRoot } from "./paths.ts";

export interface RunOptions {
  cwd?: string;
  /** Standard input. */
  input?: string | Buffer;
}

/** Runs `qapi-ts ARGS...` (in the project unless `cwd` says otherwise). */
export function runCli(args: string[], options: RunOptions = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [bin, ...args], {
    cwd: options.cwd ?? projectRoot,
    input: options.input,
    encoding: "utf8",
    timeout: 120_000,
  });
}
