// Bundles the CLI into dist/: one CommonJS script, dist/qapi-ts.cjs, which bin/qapi-ts compiles
// with the V8 code cache written next to it (dist/qapi-ts.cjs.cache). Start-up is most of a
// command's cost: with the cache, V8 skips parsing and compiling the functions a run needs.
// Subcommands still load their stages lazily (esbuild turns `await import()` of a bundled module
// into a deferred initialization), and templates (.hbs) are inlined as text.
//
// The cache comes from a training run: bin/qapi-ts lints the project's own schema from the new
// build and writes the code it compiled. Built into a fresh directory and swapped in, so dist/
// never pairs a script with another build's cache.
import { build } from "esbuild";
import { spawnSync } from "node:child_process";
import { existsSync, renameSync, rmSync } from "node:fs";
import { isBuiltin } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(root, "dist");
const tmp = path.join(root, `dist.tmp-${process.pid}`);
const old = path.join(root, `dist.old-${process.pid}`);

/**
 * Start-up costs in dependencies, avoided by bundling less of them: chevrotain's lexer without its
 * parser (whose modules do work when loaded), and for yargs, a `string-width` that builds no ICU
 * segmenters and the two assertions it uses instead of Node's `assert` (see generator/shims/).
 */
const lighterDependencies = {
  name: "lighter-dependencies",
  setup(b) {
    // (Internal paths of chevrotain 11: if they move, the whole package is bundled as before.)
    const scan = path.join(root, "node_modules/chevrotain/lib/src/scan");
    const lexerOnly =
      existsSync(`${scan}/lexer_public.js`) && existsSync(`${scan}/tokens_public.js`);
    b.onResolve({ filter: /^chevrotain$/ }, () =>
      lexerOnly ? { path: "chevrotain-lexer", namespace: "shim" } : undefined,
    );
    b.onLoad({ filter: /^chevrotain-lexer$/, namespace: "shim" }, () => ({
      contents:
        `export { Lexer } from ${JSON.stringify(`${scan}/lexer_public.js`)};\n` +
        `export { createToken } from ${JSON.stringify(`${scan}/tokens_public.js`)};\n`,
      resolveDir: root,
    }));
    b.onResolve({ filter: /^string-width$/ }, () => ({
      path: path.join(root, "generator/shims/string-width.ts"),
    }));
    b.onResolve({ filter: /^assert$/ }, (args) =>
      args.importer.includes(`${path.sep}node_modules${path.sep}`)
        ? { path: path.join(root, "generator/shims/assert.ts") }
        : undefined,
    );
  },
};

/**
 * `await import("node:fs")` in the sources becomes a require: import() does not work in a script
 * compiled from a code cache (Node 20 loses its loader settings; see bin/qapi-ts).
 */
const builtinImportsAsRequires = {
  name: "builtin-imports-as-requires",
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) =>
      args.kind === "dynamic-import" && isBuiltin(args.path)
        ? { path: args.path, namespace: "builtin" }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "builtin" }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
    }));
  },
};

try {
  await build({
    absWorkingDir: root,
    entryPoints: ["generator/cli.ts"],
    outfile: path.join(tmp, "qapi-ts.cjs"),
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    minifySyntax: true,
    minifyWhitespace: true,
    charset: "ascii", // bin/qapi-ts reads the script as latin1, which is faster than UTF-8
    loader: { ".hbs": "text" },
    // ESM dependencies (yargs) read import.meta.url; in the script it is the bundle's own URL.
    define: { "import.meta.url": "__qapiModuleUrl" },
    banner: { js: 'const __qapiModuleUrl = require("node:url").pathToFileURL(__filename).href;' },
    plugins: [lighterDependencies, builtinImportsAsRequires],
    logLevel: "warning",
  });
  train(tmp);
  try {
    renameSync(dist, old);
  } catch {
    // no previous build
  }
  renameSync(tmp, dist);
} finally {
  rmSync(tmp, { recursive: true, force: true });
  rmSync(old, { recursive: true, force: true });
}

/** Writes the code cache: a lint of the project's schema, run from the build in `dir`. */
function train(dir) {
  const r = spawnSync(
    process.execPath,
    [path.join(root, "bin/qapi-ts"), "lint", "qapi/qapi-schema.json"],
    {
      cwd: root,
      env: { ...process.env, QAPI_TS_TRAIN_CACHE: dir },
      encoding: "utf8",
    },
  );
  if (!existsSync(path.join(dir, "qapi-ts.cjs.cache"))) {
    // Not fatal: without a cache the CLI compiles from source, only slower.
    process.stderr.write(
      `build.mjs: warning: no code cache written (training run exited ${r.status})\n${r.stderr ?? ""}`,
    );
  }
}
