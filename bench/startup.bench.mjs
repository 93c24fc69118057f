// Start-up of the CLI, as installed (a bundle in dist/cli): what the V8 code cache that
// bin/qapi-ts uses buys, against simply loading the bundled script with `node`, for a command
// that does nothing (--version) and for a lint of the project's small schema.
import path from "node:path";
import { bin, reportProcesses, root, timeProcess } from "./lib.mjs";

const bundle = path.join(root, "dist/cli/qapi-ts.cjs");
const schema = path.join(root, "qapi/qapi-schema.json");
const rows = [];
for (const [label, args] of [
  ["--version", ["--version"]],
  ["lint qapi/", ["lint", schema]],
]) {
  const cached = timeProcess(bin, args, { runs: 15 });
  const plain = timeProcess(process.execPath, [bundle, ...args], { runs: 15 });
  rows.push([`${label}: bin/qapi-ts (code cache), median ms`, cached.wallMs.toFixed(1)]);
  rows.push([`${label}: node dist/cli/qapi-ts.cjs, median ms`, plain.wallMs.toFixed(1)]);
  rows.push([
    `${label}: CPU ms, cached / plain`,
    `${cached.cpuMs.toFixed(0)} / ${plain.cpuMs.toFixed(0)}`,
  ]);
}
reportProcesses("start-up (whole process)", [], rows);
