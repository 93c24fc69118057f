// Running generated code in tests: generated modules are TypeScript that imports the run-time
// package by name (`qapi-ts/validate`, ...). They are bundled with esbuild, which resolves those
// imports to this repository's sources, and imported.
import { build, type Plugin } from "esbuild";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import {
  OUTPUT_OPTIONS,
  type BackendOptions,
  type GeneratedFile,
  type OutputOptions,
} from "../../generator/backends/backend.ts";
import { BACKENDS } from "../../generator/backends/index.ts";
import { projectRoot } from "./paths.ts";

/** The options every back end gets, as `generate` resolves them by default. */
export function backendOptions(overrides: Partial<BackendOptions> = {}): BackendOptions {
  const output = Object.fromEntries(
    Object.entries(OUTPUT_OPTIONS).map(([name, spec]) => [name, spec.default]),
  ) as unknown as OutputOptions;
  return {
    ...output,
    defines: null,
    schemaName: "schema.json",
    runtimePackage: "qapi-ts",
    reservedPaths: new Set(BACKENDS.flatMap((b) => b.paths)),
    ...overrides,
  };
}

/** `qapi-ts/...` imports resolve to this repository's sources, wherever the importer is. */
const runtimeFromSources: Plugin = {
  name: "qapi-ts-from-sources",
  setup(b) {
    b.onResolve({ filter: /^qapi-ts(\/|$)/ }, async (args) => {
      if (args.pluginData === "inner") return undefined;
      const r = await b.resolve(args.path, {
        kind: args.kind,
        resolveDir: projectRoot,
        pluginData: "inner",
      });
      return r.errors.length ? { errors: r.errors } : { path: r.path };
    });
  },
};

/** Writes the files to a temporary directory and bundles `entry`: the bundle's source. */
export async function bundleGenerated(
  files: readonly GeneratedFile[],
  entry: string,
): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), "qapi-ts-generated-"));
  try {
    for (const f of files) {
      mkdirSync(path.dirname(path.join(dir, f.path)), { recursive: true });
      writeFileSync(path.join(dir, f.path), f.content);
    }
    const r = await build({
      entryPoints: [path.join(dir, entry)],
      write: false,
      bundle: true,
      format: "esm",
      platform: "node",
      conditions: ["qapi-ts-source"],
      plugins: [runtimeFromSources],
      logLevel: "warning",
    });
    return r.outputFiles[0]!.text;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Bundles `entry` of the generated files (bundleGenerated) and imports it. */
export async function importGenerated<T>(
  files: readonly GeneratedFile[],
  entry: string,
): Promise<T> {
  const source = await bundleGenerated(files, entry);
  const dir = mkdtempSync(path.join(tmpdir(), "qapi-ts-generated-"));
  try {
    const out = path.join(dir, "bundle.mjs");
    writeFileSync(out, source);
    return (await import(pathToFileURL(out).href)) as T;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Makes `qapi-ts` importable from `dir` (a symlink to this repository in its node_modules), as
 * when a project installs it; compile with the `qapi-ts-source` condition to use the sources.
 */
export function linkPackage(dir: string): void {
  mkdirSync(path.join(dir, "node_modules"), { recursive: true });
  symlinkSync(projectRoot, path.join(dir, "node_modules/qapi-ts"), "dir");
}

/** Compiler options for checking generated code against this repository's sources. */
export const SOURCE_CHECK_OPTIONS = {
  strict: true,
  noEmit: true,
  target: "es2022",
  module: "nodenext",
  moduleResolution: "nodenext",
  customConditions: ["qapi-ts-source"],
  // The sources import each other with .ts extensions.
  allowImportingTsExtensions: true,
  types: ["node"],
} as const;

/** Type-checks files with the TypeScript API; the diagnostics as text (empty when clean). */
export async function typeCheck(
  files: readonly string[],
  options: Record<string, unknown> = SOURCE_CHECK_OPTIONS,
): Promise<string[]> {
  const ts = (await import("typescript")).default;
  const parsed = ts.convertCompilerOptionsFromJson(options, projectRoot);
  if (parsed.errors.length)
    throw new Error(ts.flattenDiagnosticMessageText(parsed.errors[0]!.messageText, "\n"));
  const program = ts.createProgram([...files], parsed.options);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file
      ? `${path.relative(projectRoot, d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start!).line + 1}: `
      : "";
    return where + ts.flattenDiagnosticMessageText(d.messageText, "\n");
  });
}
