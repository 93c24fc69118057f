// Prints the outcomes .ci/reporter.mjs wrote (one per Node version) as the plain closing line CI
// reads: "N passed, N failed", totals over every outcome. Failed counts every failed test, every
// error outside a test (a test file that throws at import, a failing beforeAll/afterAll) and
// every unhandled error; with QAPI_TS_CI set (as .ci/run sets it), every skipped test too: in CI
// the reference material and QEMU are there, so a skip means a test did not run that should
// have. A missing outcome counts as a failure.
import { readFileSync } from "node:fs";

const ci = !!process.env.QAPI_TS_CI;
let passed = 0;
let failed = 0;
for (const file of process.argv.slice(2)) {
  let o;
  try {
    o = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    console.log(`${file}: no test outcome (${err.message})`);
    failed++;
    continue;
  }
  const skippedFail = ci ? o.skipped.length : 0;
  const bad = o.failed.length + o.errors.length + o.unhandled.length + skippedFail;
  passed += o.passed;
  failed += bad + (o.passed + bad === 0 ? 1 : 0);
  console.log(
    `${file}: ${o.passed} passed, ${o.failed.length} failed tests, ${o.errors.length} errors ` +
      `outside tests, ${o.unhandled.length} unhandled errors, ${o.skipped.length} skipped` +
      (ci && o.skipped.length ? " (failures in CI)" : ""),
  );
  for (const t of o.failed) console.log(`  failed: ${t}`);
  for (const e of o.errors) console.log(`  error outside a test: ${e.split("\n")[0]}`);
  for (const e of o.unhandled) console.log(`  unhandled error: ${e.split("\n")[0]}`);
  if (ci) for (const t of o.skipped) console.log(`  skipped: ${t}`);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
