// typescript-eslint's recommended type-checked rules over the sources, tests and benchmarks.
// Generated code (generated/, test/baselines/) is checked by tsc and prettier, not linted: it
// is written by a program, and its shape follows QEMU's schema.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "generated/", "test/baselines/", "node_modules/", "bench/", "build.mjs", "eslint.config.js", ".ci/"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
  },
);
