// Tests run bin/qapi-ts and import the package by name: both need dist/ built from the sources.
import { execFileSync } from "node:child_process";

export default function setup(): void {
  execFileSync(process.execPath, ["build.mjs"], { stdio: "inherit" });
}
