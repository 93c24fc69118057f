// lint's own rules: advice beyond what QEMU's generator enforces, on a checked model. Each rule is
// one entry of LINT_RULES (a name for --rule/--no-rule and the JSON output, one line for --help,
// and a check); adding a rule is adding an entry here, with its test in test/lint.test.ts.

import { findMarkerMembers, isMarker } from "./features.ts";
import type { Feature, SchemaModel } from "../model/index.ts";
import { excerpt, type Diagnostic, type SourceInfo } from "../model/source.ts";

export interface LintRule {
  /** kebab-case; what --rule/--no-rule take and the JSON output's `rule`. */
  readonly name: string;
  /** What it finds, in one line (lint --help). */
  readonly summary: string;
  /**
   * Whether lint runs it when no --rule names rules. Off for advice that QEMU's own schema, whose
   * wire names cannot change, does not follow: lint of a QEMU schema stays quiet by default.
   */
  readonly byDefault: boolean;
  /** Its findings (warnings; runLint sets their `rule`). */
  check(model: SchemaModel): Diagnostic[];
}

export const LINT_RULES: readonly LintRule[] = [
  {
    name: "marker-member",
    byDefault: true,
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
  {
    name: "x-name",
    // QEMU 10.2 keeps two x- members from before the feature existed (x-origin,
    // x-use-canonical-path-for-ramblock-id): run it with --rule x-name.
    byDefault: false,
    summary:
      "a name beginning with 'x-' without feature 'unstable', which replaced the x- convention",
    check(model) {
      const out: Diagnostic[] = [];
      const flag = (
        what: string,
        name: string,
        features: readonly Feature[],
        info: SourceInfo | null,
      ): void => {
        if (!isExperimentalName(name) || features.some((f) => f.name === "unstable")) return;
        out.push({
          severity: "warning",
          message: `${what} '${excerpt(name)}' is named 'x-' but lacks feature 'unstable' (the x- convention was replaced by the feature)`,
          info,
        });
      };
      for (const e of model.entities) {
        if (e.meta === "command" || e.meta === "event") flag(e.meta, e.name, e.features, e.info);
        // Members as written: implicit types' are the command's, event's or union's.
        if (e.meta === "object")
          for (const m of e.localMembers) flag("member", m.name, m.features, m.info);
        if (e.meta === "enum" && e.info)
          for (const v of e.members) flag("value", v.name, v.features, v.info);
      }
      return out;
    },
  },
];

/** `x-foo`, or a downstream extension's `__com.example_x-foo`. */
function isExperimentalName(name: string): boolean {
  return /^(__[a-z0-9.-]+_)?x-/i.test(name);
}
