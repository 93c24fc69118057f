// lint's own rules: advice beyond what QEMU's generator enforces, on a checked model. Each rule is
// one entry of LINT_RULES (a name for --rule/--no-rule and the JSON output, one line for --help,
// and a check); adding a rule is adding an entry here, with its test in test/lint.test.ts.

import { findMarkerMembers, isMarker } from "./features.ts";
import type { Feature, SchemaModel } from "../model/index.ts";
import type { Documentation } from "../model/documentation.ts";
import {
  excerpt,
  type Diagnostic,
  type SourceInfo,
  type SourceText,
  type Span,
} from "../model/source.ts";

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
      // Most doc comments have no single-spaced sentence end: one search of each says so.
      const source = candidateSource(doc, SENTENCE_END);
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
      // Only a doc comment with a list item can have an unspaced list: one search says which.
      const source = candidateSource(doc, LIST_ITEM_LINE);
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

/** The lines of a doc comment after its `##`: comment lines up to the next `##` or other line. */
const DOC_LINES = /(?:#(?!#)[^\n]*\n?)*/y;

/** The text of the doc comment whose opening `##` is line `first`: the lines the rules walk. */
function docText(source: SourceText, first: number): string {
  DOC_LINES.lastIndex = source.lineStart(first + 1);
  return DOC_LINES.exec(source.text)![0];
}

/** The source of `doc` when `search` finds a candidate in its text, else null. */
function candidateSource(doc: Documentation, search: RegExp): SourceText | null {
  const source = doc.info.source;
  return source && search.test(docText(source, doc.info.line)) ? source : null;
}

/** What every sentence end singleSpacedSentences finds starts with (and more). */
const SENTENCE_END = /[.?!] [A-Z@`(]/;
/**
 * A line as unspacedLists reads a list item (`#`, a character, then the item's text), in a doc
 * comment's text.
 */
const LIST_ITEM_LINE = /^#[^\n][^\S\n]*(?:[-*]|\d+\.|#\.)[^\S\n]/m;

/** A line that is only a section's tag or a description's name: its text follows. */
const TAG_ONLY = /^(?:@[^:\s]*|Returns|Errors|Since|TODO|Features):$/;

// The two text rules below walk every line of every doc comment: they test characters rather than
// run regular expressions per line (lint's cost is mostly these walks over 10,000 lines).

/** Whether `c` is white space as JavaScript's `\s` and `trim()` read it. */
function isSpace(c: number): boolean {
  return c <= 32
    ? c === 32 || (c >= 9 && c <= 13)
    : c >= 0xa0 &&
        (c === 0xa0 ||
          c === 0x1680 ||
          (c >= 0x2000 && c <= 0x200a) ||
          c === 0x2028 ||
          c === 0x2029 ||
          c === 0x202f ||
          c === 0x205f ||
          c === 0x3000 ||
          c === 0xfeff);
}

/** How many characters of white space `text` starts with (its length when it is all space). */
function leadingSpace(text: string): number {
  let i = 0;
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  return i;
}

/** The length of `text` without its trailing white space. */
function trimmedEnd(text: string): number {
  let e = text.length;
  while (e > 0 && isSpace(text.charCodeAt(e - 1))) e--;
  return e;
}

/**
 * Whether the line opens a literal block: it ends in `::` (before trailing space), or starts an
 * rST directive (`.. ` after its indentation).
 */
function opensLiteral(text: string, indent: number): boolean {
  const e = trimmedEnd(text);
  return (
    (e >= 2 && text.charCodeAt(e - 1) === 58 && text.charCodeAt(e - 2) === 58) ||
    text.startsWith(".. ", indent)
  );
}

/**
 * The length of a list item's marker and the space after it (`- `, `* `, `12. `, `#. ` after the
 * indentation `indent`), or 0 when the line is no list item.
 */
function listItemLength(text: string, indent: number): number {
  let i = indent;
  const c = text.charCodeAt(i);
  if (c === 45 || c === 42)
    i++; // - *
  else if (c === 35) {
    if (text.charCodeAt(i + 1) !== 46) return 0; // #.
    i += 2;
  } else {
    while (isDigit(text.charCodeAt(i))) i++;
    if (i === indent || text.charCodeAt(i) !== 46) return 0;
    i++;
  }
  const marker = i;
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  return i > marker ? i : 0;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

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
  let prevBlank = true;
  let literalIndent = -1;
  for (let n = first + 1, count = source.lineCount; n <= count; n++) {
    const raw = source.line(n);
    if (raw.charCodeAt(0) !== 35 || raw.charCodeAt(1) === 35) return; // not `#`, or `##`
    const text = raw.slice(2);
    const indent = leadingSpace(text);
    const blank = indent === text.length;
    if (literalIndent >= 0 && (blank || indent > literalIndent)) {
      prev = text;
      prevBlank = blank;
      continue;
    }
    literalIndent = !blank && opensLiteral(text, indent) ? indent : -1;
    const item = blank ? 0 : listItemLength(text, indent);
    if (item > 0) {
      const inText = !prevBlank && itemIndent < 0 && !TAG_ONLY.test(prev.trim());
      if (inText) yield { line: n, col: 3 + indent, end: 3 + trimmedEnd(text), before: true };
      itemIndent = item;
    } else if (blank) itemIndent = -1;
    else if (itemIndent >= 0 && indent < itemIndent) {
      yield { line: n, col: 3 + indent, end: 3 + trimmedEnd(text), before: false };
      itemIndent = -1;
    }
    prev = text;
    prevBlank = blank;
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

/** What a sentence's last word may hold (`[\w@.'"`)\]-]`). */
function inWord(c: number): boolean {
  return isWordEnd(c) || c === 64 || c === 46 || c === 45; // @ . -
}

/** What a sentence's last word may end with (`[\w)\]'"`]`). */
function isWordEnd(c: number): boolean {
  return (
    (c >= 97 && c <= 122) || // a-z
    (c >= 65 && c <= 90) || // A-Z
    isDigit(c) ||
    c === 95 || // _
    c === 41 || // )
    c === 93 || // ]
    c === 39 || // '
    c === 34 || // "
    c === 96 // `
  );
}

/** Whether text[from, to) is one ASCII letter. */
function isInitial(text: string, from: number, to: number): boolean {
  const c = text.charCodeAt(from) | 32;
  return to - from === 1 && c >= 97 && c <= 122;
}

/** What may start the sentence after (`[A-Z@`(]`). */
function startsSentence(c: number): boolean {
  return (c >= 65 && c <= 90) || c === 64 || c === 96 || c === 40;
}

/**
 * Where a sentence ends and the next begins after a single space, in the doc comment whose
 * opening `##` is line `first` of `source`: the column of that space. Literal text is left out:
 * ``inline literals``, and the indented block after a line ending in `::` or starting an rST
 * directive (`.. qmp-example::`).
 *
 * A sentence's end is `.`, `?` or `!`, one space, and a capital (or `@`, a quote, a parenthesis),
 * after a word (its characters as inWord, its last as isWordEnd): a word of one letter before a
 * period is an initial, some words are abbreviations, and a number first on its line is a
 * numbered list's item.
 */
function* singleSpacedSentences(
  source: { lineCount: number; line(n: number): string },
  first: number,
): Generator<{ line: number; col: number }> {
  /** The indentation of the line that opened a literal block, while in it; else -1. */
  let literalIndent = -1;
  for (let n = first + 1, count = source.lineCount; n <= count; n++) {
    const raw = source.line(n);
    if (raw.charCodeAt(0) !== 35 || raw.charCodeAt(1) === 35) return; // not `#`, or `##`
    let text = raw.slice(2);
    const indent = leadingSpace(text);
    const blank = indent === text.length;
    if (literalIndent >= 0) {
      if (blank || indent > literalIndent) continue;
      literalIndent = -1;
    }
    if (blank) continue;
    if (opensLiteral(text, indent)) literalIndent = indent;
    // Inline literals blanked out, same length: columns stay.
    if (text.includes("``")) text = text.replace(/``.*?``/g, (m) => " ".repeat(m.length));
    // Each candidate end: punctuation, one space, what starts a sentence.
    for (let p = text.indexOf(" ", indent) - 1; p >= 0; p = text.indexOf(" ", p + 2) - 1) {
      const mark = text.charCodeAt(p);
      if (mark !== 46 && mark !== 63 && mark !== 33) continue; // . ? !
      if (!startsSentence(text.charCodeAt(p + 2))) continue;
      if (!isWordEnd(text.charCodeAt(p - 1))) continue;
      let w = p - 1;
      while (w > 0 && inWord(text.charCodeAt(w - 1))) w--;
      // The word, without leading quotes and the like.
      let from = w;
      while (from < p && "@('\"`".includes(text[from]!)) from++;
      const word = text.slice(from, p);
      if (mark === 46 && (ABBREVIATIONS.has(word.toLowerCase()) || isInitial(text, w, p))) continue;
      // A numbered list's item: `1. Text`
      if (w === leadingSpace(text) && /^\d+$/.test(word)) continue;
      yield { line: n, col: 4 + p };
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
