// The worker of test/reply-fuzz.test.ts (bundled by it with esbuild): runs, for one pair of
// generated replies, everything diff, history, lint --history's walk, defines and probe do with
// a reply, and says whether it answered, refused the input cleanly, or crashed. It runs in a
// worker thread so that the test can stop a walk that does not end.
import { parentPort } from "node:worker_threads";
import { diffWire } from "../../generator/compat/diff.ts";
import { formatChanges, formatHistory } from "../../generator/compat/format.ts";
import { buildHistory, historyOfPath } from "../../generator/compat/history.ts";
import { inferSymbols } from "../../generator/compat/infer.ts";
import { judge } from "../../generator/compat/verdicts.ts";
import { visitPaths, WalkLimitError } from "../../generator/compat/walk.ts";
import { wireFromEntries, WireInputError } from "../../generator/compat/wire.ts";
import { Conditional, type TreeValue } from "../../generator/model/introspection-tree.ts";
import { SchemaIndex, SchemaReplyError } from "../../runtime/introspection.ts";

export interface FuzzCase {
  id: number;
  a: unknown[];
  b: unknown[];
}

export interface FuzzOutcome {
  id: number;
  outcome: "answered" | "refused" | "crashed";
  message: string;
}

/** The reply as a schema read whole would give it: every other item conditional. */
function conditional(list: unknown[]): unknown[] {
  let n = 0;
  const wrap = (v: unknown): unknown => {
    if (Array.isArray(v))
      return v.map((x) => (n++ % 2 ? new Conditional(`S${n % 3}`, wrap(x) as TreeValue) : wrap(x)));
    if (v && typeof v === "object")
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, wrap(x)]));
    return v;
  };
  return list.map((e) => (n++ % 2 ? new Conditional(`S${n % 3}`, wrap(e) as TreeValue) : wrap(e)));
}

function run(a: unknown[], b: unknown[]): string {
  const wa = wireFromEntries(a, false);
  const wb = wireFromEntries(b, false);
  const changes = judge(diffWire(wa, wb));
  formatChanges(changes, "text");
  formatChanges(changes, "markdown");
  if (judge(diffWire(wa, wa)).length) throw new Error("a reply differs from itself");
  const releases = [
    { name: "1.0", wire: wa },
    { name: "2.0", wire: wb },
  ];
  const h = buildHistory(releases);
  formatHistory(h, "text");
  let followed = 0;
  for (const p of Object.keys(h.paths).slice(0, 25))
    for (const more of ["", "/m", "/m/m/+x/m"]) {
      historyOfPath(releases, h, p + more);
      followed++;
    }
  visitPaths(wa, { thing() {}, type() {} });
  const whole = wireFromEntries(conditional(a), true);
  const inference = inferSymbols(whole, wb);
  judge(diffWire(whole, wb, { side: 0, holds: inference.holds }));
  const index = new SchemaIndex(a);
  for (const p of Object.keys(h.paths).slice(0, 25)) index.probe(p);
  return `${changes.length} changes, ${Object.keys(h.paths).length} paths, ${followed} followed`;
}

parentPort!.on("message", ({ id, a, b }: FuzzCase) => {
  let result: FuzzOutcome;
  try {
    result = { id, outcome: "answered", message: run(a, b) };
  } catch (e) {
    const clean =
      e instanceof WireInputError || e instanceof WalkLimitError || e instanceof SchemaReplyError;
    result = {
      id,
      outcome: clean ? "refused" : "crashed",
      message: clean ? e.message : String((e as Error).stack ?? e),
    };
  }
  parentPort!.postMessage(result);
});
