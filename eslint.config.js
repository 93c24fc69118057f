// typescript-eslint's recommended type-checked rules over the sources, tests and benchmarks.
// Generated code (generated/, test/baselines/) is checked by tsc and prettier, not linted: it
// is written by a program, and its shape follows QEMU's schema.
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "dist/",
      "runtime/native/*/build/",
      "generated/",
      "test/baselines/",
      "node_modules/",
      "examples/generated/",
      "examples/guest-agent.ts",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Control characters are matched on purpose: to escape them in what is printed, and as
      // Python's whitespace where QEMU's parser uses it.
      "no-control-regex": "off",
      // Names bound by destructuring or a signature that the code does not need: `_name`.
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" },
      ],
    },
  },
  {
    // Tests read JSON the commands print and vitest's matchers: `any` is what they are.
    files: ["test/**"],
    rules: {
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/unbound-method": "off",
    },
  },
  {
    // The scripts (benchmarks, the build, CI's summary, this file): plain JavaScript for Node,
    // checked by the recommended rules without types.
    files: ["**/*.mjs", "**/*.js"],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: globals.node },
  },
  {
    // The native addon's loader is CommonJS, as node-gyp's output is loaded.
    files: ["runtime/native/**/*.js"],
    languageOptions: { sourceType: "commonjs" },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
