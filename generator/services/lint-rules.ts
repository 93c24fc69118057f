// lint's own rules: advice beyond what QEMU's generator enforces, on a checked model. Each rule is
// one entry of LINT_RULES (a name for --rule/--no-rule and the JSON output, one line for --help,
// and a check); adding a rule is adding an entry here, with its test in test/lint.test.ts.

import { findMarkerMembers, isMarker } from "./features.ts";
import type { Feature, SchemaModel } from "../model/index.ts";
import type { Documentation } from "../model/documentation.ts";
import { excerpt, type Diagnostic, type SourceInfo, type Span } from "../model/source.ts";

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
  /**
   * For a rule that reads one doc comment at a time: its findings in `doc` (check() is these over
   * model.docs, in order). What lets the language server keep a doc comment's findings while it
   * is unchanged (services/lint.ts LintCache).
   */
  checkDoc?(doc: Documentation): Diagnostic[];
}

/** A rule that reads each doc comment on its own: check() from checkDoc(). */
function docRule(rule: Omit<LintRule, "check"> & Required<Pick<LintRule, "checkDoc">>): LintRule {
  return { ...rule, check: (model) => model.docs.flatMap((doc) => rule.checkDoc(doc)) };
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
      return findMarkerMembers(model).map((m) =>
        warning(
          m.info,
          m.span,
          `member '${excerpt(m.name)}' of type 'null' is a marker (present only to be seen in introspection); declare a feature on '${excerpt(m.definition)}' instead`,
        ),
      );
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
      const flag = (what: string, { name, features, info, span }: Named): void => {
        if (!isExperimentalName(name) || features.some((f) => f.name === "unstable")) return;
        out.push(
          warning(
            info,
            span,
            `${what} '${excerpt(name)}' is named 'x-' but lacks feature 'unstable' (the x- convention was replaced by the feature)`,
          ),
        );
      };
      for (const e of model.entities) {
        if (e.meta === "command" || e.meta === "event") flag(e.meta, e);
        // Members as written: implicit types' are the command's, event's or union's.
        if (e.meta === "object") for (const m of e.localMembers) flag("member", m);
        if (e.meta === "enum" && e.info) for (const v of e.members) flag("value", v);
      }
      return out;
    },
  },
  docRule({
    name: "sentence-spacing",
    byDefault: true,
    summary:
      "documentation text that separates sentences with one space (qapi-code-gen.rst: two spaces)",
    checkDoc(doc) {
      const out: Diagnostic[] = [];
      const source = doc.info.source;
      if (!source) return out;
      for (const { line, col } of singleSpacedSentences(source, doc.info.line)) {
        const range = { start: { line, col }, end: { line, col: col + 1 } };
        out.push({
          severity: "warning",
          message:
            "sentences are separated by one space; the documentation conventions ask for two",
          info: doc.info.at(line),
          range,
        });
      }
      return out;
    },
  }),
  docRule({
    name: "errors-list",
    byDefault: true,
    summary: "an 'Errors:' section that is not an rST list of error conditions (qapi-code-gen.rst)",
    checkDoc(doc) {
      const errors = doc.errors;
      if (!errors || /^\s*(?:[-*]|\d+\.|#\.)\s/.test(errors.text)) return [];
      return [
        warning(
          errors.info,
          errors.span,
          "the 'Errors' section is not a list: write each error condition as an item ('- If ..., DeviceNotFound')",
        ),
      ];
    },
  }),
  docRule({
    name: "list-spacing",
    byDefault: true,
    summary:
      "a list in documentation text without a blank line before or after it (qapi-code-gen.rst)",
    checkDoc(doc) {
      const out: Diagnostic[] = [];
      const source = doc.info.source;
      if (!source) return out;
      for (const { line, col, end, before } of unspacedLists(source, doc.info.line))
        out.push({
          severity: "warning",
          message: `a list must be ${before ? "preceded" : "followed"} by a blank line`,
          info: doc.info.at(line),
          range: { start: { line, col }, end: { line, col: end } },
        });
      return out;
    },
  }),
];

const LIST_ITEM = /^(\s*)(?:[-*]|\d+\.|#\.)\s+/;
/** A line that is only a section's tag or a description's name: its text follows. */
const TAG_ONLY = /^(?:@[^:\s]*|Returns|Errors|Since|TODO|Features):$/;

/**
 * Lists that touch the text before or after them, in the doc comment whose opening `##` is line
 * `first`: the item (before) or the line after (after), as a line and a column range.
 */
function* unspacedLists(
  source: { lineCount: number; line(n: number): string },
  first: number,
): Generator<{ line: number; col: number; end: number; before: boolean }> {
  /** The indentation of the current list item's text, while in a list; else -1. */
  let itemIndent = -1;
  let prev = "";
  let literalIndent = -1;
  for (let n = first + 1; n <= source.lineCount; n++) {
    const raw = source.line(n);
    if (raw.startsWith("##") || !raw.startsWith("#")) return;
    const text = raw.slice(2);
    const blank = text.trim() === "";
    const indent = text.length - text.trimStart().length;
    if (literalIndent >= 0 && (blank || indent > literalIndent)) {
      prev = text;
      continue;
    }
    literalIndent = /::\s*$/.test(text) || /^\s*\.\. /.test(text) ? indent : -1;
    const item = LIST_ITEM.exec(text);
    const span = { col: 3 + indent, end: 3 + text.trimEnd().length };
    if (item) {
      const inText = prev.trim() !== "" && itemIndent < 0 && !TAG_ONLY.test(prev.trim());
      if (inText) yield { line: n, ...span, before: true };
      itemIndent = item[0].length;
    } else if (blank) itemIndent = -1;
    else if (itemIndent >= 0 && indent < itemIndent) {
      yield { line: n, ...span, before: false };
      itemIndent = -1;
    }
    prev = text;
  }
}

/** Words that end in a period without ending a sentence. */
const ABBREVIATIONS = new Set([
  "e.g",
  "i.e",
  "etc",
  "vs",
  "cf",
  "al",
  "approx",
  "incl",
  "resp",
  "no",
]);

/**
 * Where a sentence ends and the next begins after a single space, in the doc comment whose
 * opening `##` is line `first` of `source`: the column of that space. Literal text is left out:
 * ``inline literals``, and the indented block after a line ending in `::` or starting an rST
 * directive (`.. qmp-example::`).
 */
function* singleSpacedSentences(
  source: { lineCount: number; line(n: number): string },
  first: number,
): Generator<{ line: number; col: number }> {
  /** The indentation of the line that opened a literal block, while in it; else -1. */
  let literalIndent = -1;
  for (let n = first + 1; n <= source.lineCount; n++) {
    const raw = source.line(n);
    if (raw.startsWith("##") || !raw.startsWith("#")) return;
    const text = raw.slice(2);
    const indent = text.length - text.trimStart().length;
    if (literalIndent >= 0) {
      if (text.trim() === "" || indent > literalIndent) continue;
      literalIndent = -1;
    }
    if (/::\s*$/.test(text) || /^\s*\.\. /.test(text)) literalIndent = indent;
    // Inline literals blanked out, same length: columns stay.
    const prose = text.replace(/``.*?``/g, (m) => " ".repeat(m.length));
    for (const m of prose.matchAll(/([\w@.'"`)\]-]*[\w)\]'"`])([.?!]) (?=[A-Z@`(])/g)) {
      const word = m[1]!.replace(/^[@('"`]+/, "");
      if (m[2] === "." && (ABBREVIATIONS.has(word.toLowerCase()) || /^[A-Za-z]$/.test(m[1]!)))
        continue;
      // A numbered list's item: `1. Text`
      if (/^\d+$/.test(word) && prose.slice(0, m.index).trim() === "") continue;
      yield { line: n, col: 2 + m.index + m[0].length };
    }
  }
}

/** What a finding is about: a named thing with features, where it is. */
interface Named {
  name: string;
  features: readonly Feature[];
  info: SourceInfo | null;
  span?: Span | null;
}

/** A rule's finding at `span` (its range) in info's file. */
function warning(
  info: SourceInfo | null,
  span: Span | null | undefined,
  message: string,
): Diagnostic {
  const range = info?.range(span);
  return { severity: "warning", message, info, ...(range && { range }) };
}

/** `x-foo`, or a downstream extension's `__com.example_x-foo`. */
function isExperimentalName(name: string): boolean {
  return /^(__[a-z0-9.-]+_)?x-/i.test(name);
}
