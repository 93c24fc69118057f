// Baselines of every back end: the whole output for a few schemas, one folder per option set,
// under test/baselines/<schema>/<option set>/. A change to generated code shows as a diff of
// these files in review. After an intended change, update them with `npm run baselines`.
//
// The demo schema's default output is generated/ itself (generated-fresh.test.ts checks it).
import { describe, expect, test } from "vitest";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { loadSchema } from "../generator/frontend.ts";
import { generateFiles, type GenerateOptions } from "../generator/generate.ts";
import { projectRoot } from "./helpers/paths.ts";

const UPDATE = process.env.UPDATE_BASELINES === "1";
const baselines = path.join(projectRoot, "test/baselines");

interface Case {
  schema: string;
  optionSets: Record<string, GenerateOptions>;
}

const CASES: Record<string, Case> = {
  demo: {
    schema: "qapi/qapi-schema.json",
    optionSets: {
      "defines-posix": { defines: new Set(["CONFIG_POSIX"]) },
      "defines-none": { defines: new Set() },
      // An option of one back end: only that back end's output.
      unmasked: { only: ["introspection"], backendOptions: { introspection: { unmask: true } } },
    },
  },
  small: {
    schema: "test/fixtures/small/schema.json",
    optionSets: {
      default: {},
      "defines-a": { defines: new Set(["CONFIG_A"]) },
      "runtime-package": { runtimePackage: "@example/qapi-runtime", only: ["validators"] },
    },
  },
  names: { schema: "test/fixtures/names/schema.json", optionSets: { default: {} } },
};

/** Every file under dir, relative, sorted. */
function listTree(dir: string, rel = ""): string[] {
  let out: string[] = [];
  let entries;
  try {
    entries = readdirSync(path.join(dir, rel), { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    out = e.isDirectory() ? [...out, ...listTree(dir, r)] : [...out, r];
  }
  return out.sort();
}

for (const [name, c] of Object.entries(CASES)) {
  describe(`baselines: ${name}`, () => {
    const loaded = loadSchema(path.join(projectRoot, c.schema), { compat: false });
    for (const [set, options] of Object.entries(c.optionSets)) {
      test(set, () => {
        expect(loaded.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
        const files = generateFiles(loaded.model!, options);
        const dir = path.join(baselines, name, set);
        if (UPDATE) {
          rmSync(dir, { recursive: true, force: true });
          for (const f of files) {
            mkdirSync(path.dirname(path.join(dir, f.path)), { recursive: true });
            writeFileSync(path.join(dir, f.path), f.content);
          }
        }
        expect(listTree(dir)).toEqual(files.map((f) => f.path).sort());
        for (const f of files) {
          expect(f.content, `${name}/${set}/${f.path}`).toBe(
            readFileSync(path.join(dir, f.path), "utf8"),
          );
        }
      });
    }
  });
}
