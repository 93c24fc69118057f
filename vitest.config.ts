import { defineConfig } from "vitest/config";

export default defineConfig({
  // Handlebars templates are imported as text, as esbuild's `.hbs: text` loader does for dist/.
  plugins: [
    {
      name: "hbs-as-text",
      enforce: "pre",
      transform(code: string, id: string) {
        if (!id.endsWith(".hbs")) return null;
        return { code: `export default ${JSON.stringify(code)};`, map: null };
      },
    },
  ],
  // Generated code imports qapi-ts by name: in this repository, resolve it to the sources.
  resolve: { conditions: ["qapi-ts-source"] },
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // The CLIs the tests run keep no code cache in the user's ~/.cache (code-cache.test.ts turns
    // it back on, into folders of its own).
    env: { QAPI_TS_CODE_CACHE: "0" },
  },
});
