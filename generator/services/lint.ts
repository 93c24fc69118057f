// Running lint rules (lint-rules.ts) over a checked model: which rules, and their findings as
// diagnostics that name the rule.

import type { SchemaModel } from "../model/index.ts";
import type { Diagnostic } from "../model/source.ts";
import { LINT_RULES, type LintRule } from "./lint-rules.ts";

/**
 * The rules to run: `only` if given (else those on by default), without `except`. Returns an
 * error message for names no rule has.
 */
export function selectRules(
  only: readonly string[] = [],
  except: readonly string[] = [],
): LintRule[] | string {
  const known = new Set(LINT_RULES.map((r) => r.name));
  const unknown = [...only, ...except].filter((n) => !known.has(n));
  if (unknown.length)
    return `unknown lint rule ${unknown.map((n) => `'${n}'`).join(", ")} (rules: ${[...known].join(", ")})`;
  return LINT_RULES.filter(
    (r) => (only.length === 0 ? r.byDefault : only.includes(r.name)) && !except.includes(r.name),
  );
}

/** The rules' findings, each naming its rule. */
export function runLint(
  model: SchemaModel,
  rules: readonly LintRule[] = LINT_RULES.filter((r) => r.byDefault),
): Diagnostic[] {
  return rules.flatMap((r) => r.check(model).map((d) => ({ ...d, rule: r.name })));
}
