// Bundles the CLI into dist/: an entry module plus lazily loaded chunks per subcommand, so a
// command loads only the stages it uses (start-up time is part of every command's cost).
// Templates (.hbs) are inlined as text so the bundle reads no files of its own at run time.
// Built into a fresh directory and swapped in, so dist/ never mixes chunks of two builds.
import { build } from "esbuild";
import { renameSync, rmSync } from "node:fs";

const tmp = `dist.tmp-${process.pid}`;
const old = `dist.old-${process.pid}`;
try {
  await build({
    entryPoints: { "qapi-ts": "generator/cli.ts" },
    outdir: tmp,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    splitting: true,
    minifySyntax: true,
    loader: { ".hbs": "text" },
    banner: {
      js: "import { createRequire as __qapiCreateRequire } from 'node:module'; const require = __qapiCreateRequire(import.meta.url);",
    },
    logLevel: "warning",
  });
  try {
    renameSync("dist", old);
  } catch {
    // no previous build
  }
  renameSync(tmp, "dist");
} finally {
  rmSync(tmp, { recursive: true, force: true });
  rmSync(old, { recursive: true, force: true });
}
