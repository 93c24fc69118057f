// Bundles the CLI into one ESM file: a single module to load is what keeps start-up fast.
// Templates (.hbs) are inlined as text so the bundle reads no files of its own at run time.
import { build } from "esbuild";
import { mkdirSync } from "node:fs";

mkdirSync("dist", { recursive: true });
await build({
  entryPoints: { "qapi-ts": "generator/cli.ts" },
  outdir: "dist",
  outExtension: { ".js": ".mjs" },
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  splitting: true,
  loader: { ".hbs": "text" },
  banner: {
    js: "import { createRequire as __qapiCreateRequire } from 'node:module'; const require = __qapiCreateRequire(import.meta.url);",
  },
  logLevel: "warning",
});
