// Tests that run bin/qapi-ts need the bundle built from the current sources.
import { execFileSync } from "node:child_process";

export default function setup(): void {
  execFileSync(process.execPath, ["build.mjs", "--cli"], { stdio: "inherit" });
}
