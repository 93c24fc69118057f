// A vitest reporter for CI: what a run's outcome is, including what vitest's JSON report leaves
// out or counts as skipped: errors outside any test (a test file that throws at import, a
// beforeAll or afterAll that fails, whose tests then count as skipped) and unhandled errors
// (which fail the run but no test). Written as JSON to the file $QAPI_TS_OUTCOME names, for
// .ci/summary.mjs.
import { writeFileSync } from "node:fs";
import path from "node:path";

export default class OutcomeReporter {
  onTestRunEnd(testModules, unhandledErrors) {
    const file = process.env.QAPI_TS_OUTCOME;
    if (!file) return;
    const outcome = { passed: 0, failed: [], skipped: [], errors: [], unhandled: [] };
    for (const m of testModules) {
      const where = path.relative(process.cwd(), m.moduleId);
      for (const e of m.errors()) outcome.errors.push(`${where}: ${e.message}`);
      for (const s of m.children.allSuites())
        for (const e of s.errors()) outcome.errors.push(`${where} > ${s.fullName}: ${e.message}`);
      for (const t of m.children.allTests()) {
        const state = t.result().state;
        const name = `${where} > ${t.fullName}`;
        if (state === "passed") outcome.passed++;
        else if (state === "failed") outcome.failed.push(name);
        else outcome.skipped.push(name);
      }
    }
    for (const e of unhandledErrors) outcome.unhandled.push(e.message ?? String(e));
    writeFileSync(file, JSON.stringify(outcome, null, 1) + "\n");
  }
}
