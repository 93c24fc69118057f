// Running lint rules (lint-rules.ts) over a checked model: which rules, and their findings as
// diagnostics that name the rule.

import type { SchemaModel } from "../model/index.ts";
import type { Documentation } from "../model/documentation.ts";
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
  rules: readonly LintRule[] = defaultRules(),
): Diagnostic[] {
  return rules.flatMap((r) => r.check(model).map((d) => ({ ...d, rule: r.name })));
}

/**
 * runLint for a model checked again and again (the language server): a doc-comment rule's
 * findings in a doc comment are kept while that Documentation object is the same one, which the
 * incremental front end reuses only while its text and place are unchanged (frontend/incremental.ts);
 * so the findings equal runLint's, and an edit redoes the doc comments it made anew.
 */
export class LintCache {
  private readonly byRule = new Map<LintRule, WeakMap<Documentation, Diagnostic[]>>();

  run(model: SchemaModel, rules: readonly LintRule[] = defaultRules()): Diagnostic[] {
    const out: Diagnostic[] = [];
    for (const r of rules) {
      if (!r.checkDoc) {
        for (const d of r.check(model)) out.push({ ...d, rule: r.name });
        continue;
      }
      let cache = this.byRule.get(r);
      if (!cache) this.byRule.set(r, (cache = new WeakMap()));
      for (const doc of model.docs) {
        let found = cache.get(doc);
        if (!found) cache.set(doc, (found = r.checkDoc(doc).map((d) => ({ ...d, rule: r.name }))));
        out.push(...found);
      }
    }
    return out;
  }
}

function defaultRules(): LintRule[] {
  return LINT_RULES.filter((r) => r.byDefault);
}
