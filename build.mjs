// Builds what the package ships, into dist/ (`npm run build`; `npm pack` and `npm publish` run it
// once, as `prepack`: the package has no install script, so installing it runs nothing):
//
//   dist/cli/qapi-ts.cjs       the CLI: one CommonJS script with every dependency inlined, its
//                              build digest on the first line (bin/qapi-ts keys the V8 code
//                              cache it makes on first use, in the user's cache dir, by it)
//   dist/lib/*.js              the library, one ES module per subpath of package.json's
//                              "exports" (index, qmp, qga, introspection, validate, conditions) plus
//                              shared chunks; dependencies inlined, so installing needs none
//   dist/types/**.d.ts         declarations (and declaration maps to the shipped sources)
//
// `node build.mjs --cli` builds the CLI only (what the tests run). Everything is built into a
// fresh directory and swapped in.
import { build } from "esbuild";
import Handlebars from "handlebars";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { isBuiltin } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(root, "dist");
const cliOnly = process.argv.includes("--cli");
const BUILD_PLACEHOLDER = "0".repeat(64);

/** The library's entry points: the subpaths of package.json's "exports". */
const LIBRARY_ENTRIES = {
  index: "generator/api.ts",
  qmp: "runtime/qmp/index.ts",
  qga: "runtime/qga/index.ts",
  introspection: "runtime/introspection.ts",
  validate: "runtime/validate/index.ts",
  conditions: "runtime/conditions.ts",
};

/**
 * Start-up costs in dependencies, avoided by bundling less of them: chevrotain's lexer without its
 * parser (whose modules do work when loaded), and for yargs, a `string-width` that builds no ICU
 * segmenters and the two assertions it uses instead of Node's `assert` (see generator/cli/shims/).
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
    // Handlebars' main module only adds a require() hook for .hbs files to the importing process
    // (require.extensions, a side effect on the user's program) around its compiler: take the
    // compiler alone.
    b.onResolve({ filter: /^handlebars$/ }, () => ({
      path: path.join(root, "node_modules/handlebars/dist/cjs/handlebars.js"),
    }));
    b.onResolve({ filter: /^string-width$/ }, () => ({
      path: path.join(root, "generator/cli/shims/string-width.ts"),
    }));
    b.onResolve({ filter: /^assert$/ }, (args) =>
      args.importer.includes(`${path.sep}node_modules${path.sep}`)
        ? { path: path.join(root, "generator/cli/shims/assert.ts") }
        : undefined,
    );
  },
};

/**
 * Each `.hbs` template as its text and Handlebars' precompiled form of it, registered in
 * generator/backends/templates/precompiled.ts: the bundles compile no template when they run.
 * The options are compileTemplate's (generator/backends/templates/index.ts).
 */
const precompiledTemplates = {
  name: "precompiled-templates",
  setup(b) {
    const registry = path.join(root, "generator/backends/templates/precompiled.ts");
    b.onLoad({ filter: /\.hbs$/ }, (args) => {
      const text = readFileSync(args.path, "utf8");
      const spec = Handlebars.precompile(text, { noEscape: true, strict: true });
      return {
        contents:
          `import { PRECOMPILED } from ${JSON.stringify(registry)};\n` +
          `const text = ${JSON.stringify(text)};\n` +
          `PRECOMPILED.set(text, ${spec});\n` +
          `export default text;\n`,
        loader: "js",
        resolveDir: path.dirname(args.path),
      };
    });
  },
};

/**
 * `await import("node:fs")` in the sources becomes a require in the CLI: import() does not work in
 * a script compiled from a code cache (Node 20 loses its loader settings; see bin/qapi-ts).
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

const common = {
  absWorkingDir: root,
  bundle: true,
  platform: "node",
  target: "node20",
  loader: { ".hbs": "text" },
  // The runtime imports code generated from qapi/ (generated/), which imports qapi-ts by name:
  // resolve that to the sources being built.
  conditions: ["qapi-ts-source"],
  plugins: [lighterDependencies, precompiledTemplates],
  logLevel: "warning",
  legalComments: "none",
};

async function buildCli(out) {
  await build({
    ...common,
    entryPoints: ["generator/cli/index.ts"],
    outfile: path.join(out, "cli/qapi-ts.cjs"),
    format: "cjs",
    minifySyntax: true,
    minifyWhitespace: true,
    charset: "ascii", // bin/qapi-ts reads the script as latin1, which is faster than UTF-8
    // ESM dependencies (yargs) read import.meta.url; in the script it is the bundle's own URL.
    define: {
      "import.meta.url": "__qapiModuleUrl",
      __QAPI_TS_BUILD__: JSON.stringify(BUILD_PLACEHOLDER),
    },
    banner: {
      js: `// qapi-ts build ${BUILD_PLACEHOLDER}\nconst __qapiModuleUrl = require("node:url").pathToFileURL(__filename).href;`,
    },
    plugins: [lighterDependencies, precompiledTemplates, builtinImportsAsRequires],
  });
  stampBuild(path.join(out, "cli/qapi-ts.cjs"));
}

/** The digest of the bundle (with the placeholder in it), written in place of the placeholder. */
function stampBuild(file) {
  const text = readFileSync(file, "latin1");
  const digest = createHash("sha256").update(text).digest("hex");
  writeFileSync(file, text.replaceAll(BUILD_PLACEHOLDER, digest), "latin1");
}

async function buildLibrary(out) {
  await build({
    ...common,
    entryPoints: LIBRARY_ENTRIES,
    outdir: path.join(out, "lib"),
    format: "esm",
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
    // Readable output: users step through it in a debugger.
    minify: false,
  });
  platformNeutral(path.join(out, "lib"));
  declarations(out);
}

/**
 * The run-time subpaths that browsers and other JavaScript runtimes load (and bundlers bundle
 * for them): nothing they import, chunks included, may name a Node built-in or call require().
 */
const PLATFORM_NEUTRAL = ["validate", "introspection", "conditions"];

/** Fails the build when a platform-neutral entry reaches Node's built-ins or require(). */
function platformNeutral(lib) {
  const seen = new Set();
  const visit = (file, entry) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s*"([^"]+)"/g)) {
      if (m[1].startsWith(".")) visit(path.join(path.dirname(file), m[1]), entry);
      else throw new Error(`build.mjs: qapi-ts/${entry} imports "${m[1]}" (through ${file})`);
    }
    if (/\brequire\s*\(/.test(text))
      throw new Error(`build.mjs: qapi-ts/${entry} calls require() (in ${file})`);
  };
  for (const entry of PLATFORM_NEUTRAL) visit(path.join(lib, `${entry}.js`), entry);
}

/**
 * Declarations of the library's entry points (tsc), with `.ts` import specifiers rewritten to
 * `.js`: the layout is the sources', and the declaration maps point at the shipped sources.
 */
function declarations(out) {
  const types = path.join(out, "types");
  const r = spawnSync(
    process.execPath,
    [
      path.join(root, "node_modules/typescript/bin/tsc"),
      "-p",
      "tsconfig.build.json",
      "--outDir",
      types,
    ],
    { cwd: root, encoding: "utf8" },
  );
  if (r.status !== 0) throw new Error(`tsc (declarations) failed:\n${r.stdout}${r.stderr}`);
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith(".d.ts")) {
        const text = readFileSync(p, "utf8");
        const fixed = text.replace(
          /((?:from|import)\s*\(?\s*["']\.{1,2}\/[^"']*)\.ts(["'])/g,
          "$1.js$2",
        );
        if (fixed !== text) writeFileSync(p, fixed);
      }
    }
  };
  walk(types);
}

const tmp = path.join(root, `dist.tmp-${process.pid}`);
const old = path.join(root, `dist.old-${process.pid}`);
try {
  mkdirSync(tmp);
  await buildCli(tmp);
  if (cliOnly) {
    // Keep the library of the previous full build (if any): only the CLI is replaced.
    for (const keep of ["lib", "types"]) {
      if (existsSync(path.join(dist, keep)))
        renameSync(path.join(dist, keep), path.join(tmp, keep));
    }
  } else {
    await buildLibrary(tmp);
  }
  if (existsSync(dist)) renameSync(dist, old);
  renameSync(tmp, dist);
} finally {
  rmSync(tmp, { recursive: true, force: true });
  rmSync(old, { recursive: true, force: true });
}
