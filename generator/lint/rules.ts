// lint's own rules: advice beyond what QEMU's generator enforces, on a checked model. Each rule is
// one entry of LINT_RULES (a name for --rule/--no-rule and the JSON output, one line for --help,
// and a check); adding a rule is adding an entry here, with its test in test/lint.test.ts.

import { findMarkerMembers, isMarker } from "../features.ts";
import type { SchemaModel } from "../model.ts";
import { excerpt, type Diagnostic } from "../source.ts";

export interface LintRule {
  /** kebab-case; what --rule/--no-rule take and the JSON output's `rule`. */
  readonly name: string;
  /** What it finds, in one line (lint --help). */
  readonly summary: string;
  /** Its findings (warnings; runLint sets their `rule`). */
  check(model: SchemaModel): Diagnostic[];
}

export const LINT_RULES: readonly LintRule[] = [
  {
    name: "marker-member",
    summary:
      "a member of type 'null' that exists only to be seen in introspection: declare a feature",
    check(model) {
      // Most schemas have none: a direct scan spares lint the full feature listing.
      if (!model.entities.some((e) => e.meta === "object" && e.localMembers.some(isMarker)))
        return [];
      // The x-auto-read-only-is-dynamic story: features replaced such markers.
      return findMarkerMembers(model).map((m) => ({
        severity: "warning",
        message: `member '${excerpt(m.name)}' of type 'null' is a marker (present only to be seen in introspection); declare a feature on '${excerpt(m.definition)}' instead`,
        info: m.info,
      }));
    },
  },
];
