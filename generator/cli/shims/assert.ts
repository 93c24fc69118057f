// The two assertions yargs uses (for its own invariants), bundled by build.mjs in place of Node's
// `assert` module, which is not preloaded and costs several milliseconds of every start to load.

export function strictEqual(actual: unknown, expected: unknown, message?: string): void {
  if (actual !== expected)
    throw new Error(message ?? `assertion failed: ${String(actual)} !== ${String(expected)}`);
}

export function notStrictEqual(actual: unknown, expected: unknown, message?: string): void {
  if (actual === expected)
    throw new Error(message ?? `assertion failed: ${String(actual)} === ${String(expected)}`);
}
