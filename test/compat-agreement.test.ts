// History and diff agree on every path (issue 17 item 1): for consecutive releases among QEMU's
// (4.1's schema, the 9.2 and 10.0 replies, 10.2's schema for linux-x86_64 and the payload that
// build returns), what the history says appeared or disappeared between R-1 and R is what
// diff(R-1, R) reports, and every addition or removal the diff reports is such an event of the
// history (test/history.test.ts checks it on hand-written releases too). And lint --history
// over 4.1 and 10.2 gives no warning that a probe of the release contradicts (item 2).
import { describe, expect, it } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { readWireInput, type InputOptions } from "../generator/compat/sides.ts";
import { wireFromModel, type WireSchema } from "../generator/compat/wire.ts";
import { buildHistory } from "../generator/compat/history.ts";
import { sinceDiagnostics } from "../generator/compat/since.ts";
import { loadSchema } from "../generator/frontend/index.ts";
import type { ObjectType, SchemaModel } from "../generator/model/index.ts";
import { everyBuildPayload } from "../generator/services/probe-conditions.ts";
import { SchemaIndex } from "../runtime/introspection.ts";
import { agreement } from "./helpers/agreement.ts";
import { shared } from "./helpers/paths.ts";

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

/** One path to every entry of a reply (unmasked), from the commands and events, breadth first. */
function entryPaths(entries: readonly Record<string, unknown>[]): Map<string, string> {
  const byName = new Map(entries.map((e) => [e["name"] as string, e]));
  const out = new Map<string, string>();
  const queue: [string, string][] = [];
  for (const e of entries) {
    const meta = e["meta-type"];
    if (meta !== "command" && meta !== "event") continue;
    queue.push([e["arg-type"] as string, `${e["name"] as string}/arg-type`]);
    if (meta === "command")
      queue.push([e["ret-type"] as string, `${e["name"] as string}/ret-type`]);
  }
  for (let i = 0; i < queue.length; i++) {
    const [name, at] = queue[i]!;
    if (out.has(name)) continue;
    out.set(name, at);
    const e = byName.get(name)!;
    if (e["meta-type"] === "array") queue.push([e["element-type"] as string, at]);
    for (const m of (e["members"] ?? []) as { name?: string; type?: string }[])
      if (m.type) queue.push([m.type, e["meta-type"] === "alternate" ? at : `${at}/${m.name}`]);
    for (const v of (e["variants"] ?? []) as { case: string; type: string }[])
      queue.push([v.type, `${at}/+${v.case}`]);
  }
  return out;
}

describe.skipIf(!have)("lint --history on QEMU's releases", () => {
  it("gives, over 4.1 and 10.2, no warning that a probe of the release contradicts", () => {
    const load = (file: string, compat: boolean): SchemaModel => {
      const r = loadSchema(path.join(shared, file), { compat });
      if (!r.model) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
      return r.model;
    };
    const models: Record<string, SchemaModel> = {
      "4.1": load("qemu-4.1/qapi/qapi-schema.json", true),
      "10.2": load("qemu-10.2/qapi/qapi-schema.json", false),
    };
    // Both read whole, as a history of schemas is by default.
    const history = buildHistory(
      Object.entries(models).map(([name, m]) => ({ name, wire: wireFromModel(m, null) })),
    );
    const probes = Object.fromEntries(
      Object.entries(models).map(([name, m]) => {
        const entries = everyBuildPayload(m, true).entries as Record<string, unknown>[];
        return [name, { index: new SchemaIndex(entries), paths: entryPaths(entries), entries }];
      }),
    );
    const found = (release: string, query: string): boolean =>
      probes[release]!.index.probe(query).result === "found";
    const latest = models["10.2"]!;
    const warnings = sinceDiagnostics(latest, history);
    const contradicted: string[] = [];
    const count = { has: 0, lacks: 0, unreachable: 0 };
    for (const w of warnings) {
      const m =
        /^(member|value|command|event) '([^']+)'(?: of '([^']+)')? is documented as since [\d.]+(?:, but release (\S+) (has it|lacks it)|; release (\S+) (defines it), but no command or event reaches it there) \((?:first in |on the wire from )?(?:(\S+): )?(.+)\)$/.exec(
          w.message,
        );
      if (!m) {
        contradicted.push(`unexpected form: ${w.message}`);
        continue;
      }
      const [, what, name, owner, r1, verdict1, r2, verdict2, first, at] = m;
      const release = (r1 ?? r2)!;
      const verdict = (verdict1 ?? verdict2)!;
      // The cited path is on the wire where the warning says it is.
      if (!found(first ?? release, at!)) contradicted.push(`${w.message}: ${at} not found`);
      if (verdict === "has it") {
        count.has++;
        continue;
      }
      count[verdict === "lacks it" ? "lacks" : "unreachable"]++;
      // Every path of the thing in that release: not found.
      let queries: string[];
      if (what === "command" || what === "event") queries = [name!];
      else {
        // The types that have it in 10.2 (based on the documented one), as that release names them.
        const doc = latest.lookupType(owner!);
        const owners =
          doc?.meta === "object"
            ? latest.entities
                .filter((e): e is ObjectType => e.meta === "object")
                .filter((o) => {
                  for (let t: ObjectType | null = o; t; t = t.base) if (t === doc) return true;
                  return false;
                })
                .map((o) => o.name)
            : [owner!];
        const { paths, entries } = probes[release]!;
        const component = what === "value" ? `^${name}` : name!;
        queries = owners.flatMap((o) => {
          const at = paths.get(o);
          if (at === undefined) return [];
          const entry = entries.find((e) => e["name"] === o)!;
          const cases = ((entry["variants"] ?? []) as { case: string }[]).map((v) => v.case);
          return [`${at}/${component}`, ...cases.map((c) => `${at}/+${c}/${component}`)];
        });
        if (verdict === "defines it") {
          const t = models[release]!.lookupType(owner!);
          const has =
            t?.meta === "object"
              ? t.members.some((x) => x.name === name)
              : t?.meta === "enum" && t.members.some((x) => x.name === name);
          if (!has) contradicted.push(`${w.message}: ${release} does not define it`);
        }
      }
      for (const q of queries)
        if (found(release, q)) contradicted.push(`${w.message}: probe finds ${q} in ${release}`);
    }
    console.log(
      `lint --history over 4.1 and 10.2: ${warnings.length} warnings (${count.has} "has it", ` +
        `${count.lacks} "lacks it", ${count.unreachable} "defines it, but no command or event ` +
        `reaches it"), ${contradicted.length} contradicted by a probe`,
    );
    expect(contradicted).toEqual([]);
  });
});
