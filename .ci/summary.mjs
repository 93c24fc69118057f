// Prints vitest's JSON reports (one per Node version) as the plain closing line CI reads:
// "N passed, N failed", totals over every report. A missing report counts as a failure.
import { readFileSync } from "node:fs";

let passed = 0;
let failed = 0;
for (const file of process.argv.slice(2)) {
  try {
    const report = JSON.parse(readFileSync(file, "utf8"));
    passed += report.numPassedTests;
    failed += report.numFailedTests + (report.numTotalTests === 0 ? 1 : 0);
    const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
    console.log(
      `${file}: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${skipped} skipped`,
    );
  } catch (err) {
    console.log(`${file}: no test report (${err.message})`);
    failed++;
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
