// Every rule that QEMU's qapi-code-gen.rst states, with the check that enforces it: a table of
// rows (the rule, the line of the document that states it, the diagnostic's message or lint
// rule, the QEMU case that shows QEMU's own verdict where QEMU's generator enforces it, a schema
// that breaks the rule and one that keeps it). Each row is checked: the failing schema gets the
// diagnostic, the passing one no error and not that diagnostic, the document says the rule where
// the row says, and QEMU's case gives the same message (conformance.test.ts matches QEMU's whole
// output, location included, for those cases).
import { describe, expect, test } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { loadSchemaText } from "../generator/frontend/index.ts";
import { runLint } from "../generator/services/lint.ts";
import { LINT_RULES } from "../generator/services/lint-rules.ts";
import type { Diagnostic } from "../generator/model/source.ts";
import { qemuCasesDir, sharedPath } from "./helpers/paths.ts";

interface Rule {
  /** The rule, in our words. */
  rule: string;
  /** Where qapi-code-gen.rst states it: the line, and words of that line. */
  line: number;
  quote: string;
  /** A fragment of the diagnostic's message; `[name]` for a lint rule's findings. */
  check: string;
  /** QEMU's test case whose expected error shows QEMU enforcing it; null where QEMU does not. */
  qemu: string | null;
  fails: string;
  passes: string;
}

const DOC = (body: string, defn: string): string => `##\n${body}\n##\n${defn}\n`;

const RULES: Rule[] = [
  // Schema syntax
  {
    rule: "strings are enclosed in single quotes",
    line: 58,
    quote: "Strings are enclosed in ``'single quotes'``",
    check: "stray '\"enum\"'",
    qemu: null,
    fails: `{ "enum": 'Enu', 'data': [] }`,
    passes: `{ 'enum': 'Enu', 'data': [] }`,
  },
  {
    rule: "strings are printable ASCII",
    line: 60,
    quote: "Strings are restricted to printable ASCII",
    check: "funny character in string",
    qemu: "string-code-point-127",
    fails: "{ 'enum': 'Enu', 'data': [ 'caf\u00e9' ] }",
    passes: "{ 'enum': 'Enu', 'data': [ 'cafe' ] }",
  },
  {
    rule: "the only escape sequence is \\\\",
    line: 60,
    quote: "escape sequences to",
    check: "unknown escape \\",
    qemu: "unknown-escape",
    fails: "{ 'enum': 'Enu', 'data': [ 'a\\n' ] }",
    passes: "{ 'enum': 'Enu', 'data': [ 'a' ] }",
  },
  {
    rule: "numbers and null are not supported",
    line: 63,
    quote: "Numbers and ``null`` are not supported.",
    check: "stray '123'",
    qemu: "bad-type-int",
    fails: "{ 'struct': 'Stru', 'data': { 'a': 123 } }",
    passes: "{ 'struct': 'Stru', 'data': { 'a': 'int' } }",
  },
  {
    rule: "top-level expressions are objects",
    line: 94,
    quote: "The top-level expressions are all JSON objects.",
    check: "top-level expression must be an object",
    qemu: "non-objects",
    fails: "[ 'Enu' ]",
    passes: "{ 'enum': 'Enu', 'data': [] }",
  },
  {
    rule: "a definition has exactly one meta-type key",
    line: 105,
    quote: "DEFINITION = ENUM | STRUCT | UNION | ALTERNATE | COMMAND | EVENT",
    check: "expression must have exactly one key",
    qemu: "double-type",
    fails: "{ 'struct': 'Stru', 'command': 'c', 'data': {} }",
    passes: "{ 'struct': 'Stru', 'data': {} }",
  },
  // Directives
  {
    rule: "an include names one file, as a string",
    line: 144,
    quote: "INCLUDE = { 'include': STRING }",
    check: "value of 'include' must be a string",
    qemu: "include-non-file",
    fails: "{ 'include': [ 'sub.json' ] }",
    passes: "{ 'include': 'sub.json' }",
  },
  {
    rule: "an include has no other key",
    line: 144,
    quote: "INCLUDE = { 'include': STRING }",
    check: "invalid 'include' directive",
    qemu: "include-extra-junk",
    fails: "{ 'include': 'sub.json', 'if': 'X' }",
    passes: "{ 'include': 'sub.json' }",
  },
  {
    rule: "including a file again is idempotent (a cycle is an error)",
    line: 151,
    quote: "Multiple includes of the same file",
    check: "inclusion loop",
    qemu: "include-self-cycle",
    fails: "{ 'include': 'schema.json' }",
    passes: "{ 'include': 'sub.json' }\n{ 'include': 'sub.json' }",
  },
  {
    rule: "a pragma is an object of known pragmas",
    line: 167,
    quote: "PRAGMA = { 'pragma': {",
    check: "unknown pragma '",
    qemu: "pragma-unknown",
    fails: "{ 'pragma': { 'doc-needed': true } }",
    passes: "{ 'pragma': { 'doc-required': false } }",
  },
  {
    rule: "pragma 'doc-required' is a boolean",
    line: 179,
    quote: "Pragma 'doc-required' takes a boolean value.",
    check: "pragma 'doc-required' must be boolean",
    qemu: "pragma-value-not-bool",
    fails: "{ 'pragma': { 'doc-required': 'yes' } }",
    passes: "{ 'pragma': { 'doc-required': true } }",
  },
  {
    rule: "the exception pragmas are lists of strings",
    line: 182,
    quote: "Pragma 'command-name-exceptions' takes a list of commands",
    check: "pragma member-name-exceptions must be a list of strings",
    qemu: "pragma-value-not-list",
    fails: "{ 'pragma': { 'member-name-exceptions': 'Stru' } }",
    passes: "{ 'pragma': { 'member-name-exceptions': [ 'Stru' ] } }",
  },
  {
    rule: "'command-name-exceptions' lets a command name use '_'",
    line: 183,
    quote: 'may contain ``"_"`` instead of ``"-"``',
    check: "name of command must not use uppercase or '_'",
    qemu: null,
    fails: "{ 'command': 'do_it' }",
    passes: "{ 'pragma': { 'command-name-exceptions': [ 'do_it' ] } }\n{ 'command': 'do_it' }",
  },
  {
    rule: "'command-returns-exceptions' lets a command return a non-object",
    line: 185,
    quote: "Pragma 'command-returns-exceptions' takes a list of commands",
    check: "command's 'returns' cannot take",
    qemu: "returns-bad-type",
    fails: "{ 'command': 'c', 'returns': 'int' }",
    passes:
      "{ 'pragma': { 'command-returns-exceptions': [ 'c' ] } }\n{ 'command': 'c', 'returns': 'int' }",
  },
  {
    rule: "'documentation-exceptions' spares members their description",
    line: 188,
    quote: "Pragma 'documentation-exceptions' takes a list of types",
    check: "member 'a' lacks documentation",
    qemu: null,
    fails: DOC("# @Stru:", "{ 'struct': 'Stru', 'data': { 'a': 'int' } }"),
    passes:
      "{ 'pragma': { 'documentation-exceptions': [ 'Stru' ] } }\n" +
      DOC("# @Stru:", "{ 'struct': 'Stru', 'data': { 'a': 'int' } }"),
  },
  {
    rule: "'member-name-exceptions' lets member names use uppercase and '_'",
    line: 192,
    quote: "Pragma 'member-name-exceptions' takes a list of types whose member",
    check: "must not use uppercase or '_'",
    qemu: null,
    fails: "{ 'struct': 'Stru', 'data': { 'My_a': 'int' } }",
    passes:
      "{ 'pragma': { 'member-name-exceptions': [ 'Stru' ] } }\n" +
      "{ 'struct': 'Stru', 'data': { 'My_a': 'int' } }",
  },
  // Definitions
  {
    rule: "enum values are distinct",
    line: 217,
    quote: "'name' values must be be distinct.",
    check: "collides with value",
    qemu: "enum-clash-member",
    fails: "{ 'enum': 'Enu', 'data': [ 'a', 'a' ] }",
    passes: "{ 'enum': 'Enu', 'data': [ 'a', 'b' ] }",
  },
  {
    rule: "an array type is a one-element array holding a type name",
    line: 261,
    quote: "A one-element array containing a string denotes an array",
    check: "array type must contain single type name",
    qemu: "args-member-array-bad",
    fails: "{ 'struct': 'Stru', 'data': { 'a': [ 'int', 'str' ] } }",
    passes: "{ 'struct': 'Stru', 'data': { 'a': [ 'int' ] } }",
  },
  {
    rule: "a type reference names a type that exists",
    line: 259,
    quote: "A string denotes the type named by the string.",
    check: "uses unknown type",
    qemu: "args-unknown",
    fails: "{ 'struct': 'Stru', 'data': { 'a': 'Nope' } }",
    passes: "{ 'struct': 'Stru', 'data': { 'a': 'str' } }",
  },
  {
    rule: "a struct's 'base' names a struct type",
    line: 301,
    quote: "The optional 'base' member names a struct type",
    check: "'base' requires a struct type",
    qemu: "union-base-union",
    fails: "{ 'enum': 'Enu', 'data': [] }\n{ 'struct': 'Stru', 'base': 'Enu', 'data': {} }",
    passes: "{ 'struct': 'Bas', 'data': {} }\n{ 'struct': 'Stru', 'base': 'Bas', 'data': {} }",
  },
  {
    rule: "the discriminator is a member of the base",
    line: 347,
    quote: "Member 'discriminator' must name a non-optional enum-typed member of",
    check: "is not a member of 'base'",
    qemu: "union-invalid-discriminator",
    fails: "{ 'union': 'Uni', 'base': {}, 'discriminator': 'k', 'data': {} }",
    passes:
      "{ 'enum': 'Enu', 'data': [ 'a' ] }\n{ 'struct': 'Bra', 'data': {} }\n" +
      "{ 'union': 'Uni', 'base': { 'k': 'Enu' }, 'discriminator': 'k', 'data': { 'a': 'Bra' } }",
  },
  {
    rule: "the discriminator is enum-typed",
    line: 347,
    quote: "non-optional enum-typed member",
    check: "must be of enum type",
    qemu: "union-string-discriminator",
    fails: "{ 'union': 'Uni', 'base': { 'k': 'str' }, 'discriminator': 'k', 'data': {} }",
    passes:
      "{ 'enum': 'Enu', 'data': [ 'a' ] }\n{ 'struct': 'Bra', 'data': {} }\n" +
      "{ 'union': 'Uni', 'base': { 'k': 'Enu' }, 'discriminator': 'k', 'data': { 'a': 'Bra' } }",
  },
  {
    rule: "the discriminator is not optional",
    line: 347,
    quote: "non-optional enum-typed member",
    check: "must not be optional",
    qemu: "union-optional-discriminator",
    fails:
      "{ 'enum': 'Enu', 'data': [ 'a' ] }\n{ 'struct': 'Bra', 'data': {} }\n" +
      "{ 'union': 'Uni', 'base': { '*k': 'Enu' }, 'discriminator': 'k', 'data': { 'a': 'Bra' } }",
    passes:
      "{ 'enum': 'Enu', 'data': [ 'a' ] }\n{ 'struct': 'Bra', 'data': {} }\n" +
      "{ 'union': 'Uni', 'base': { 'k': 'Enu' }, 'discriminator': 'k', 'data': { 'a': 'Bra' } }",
  },
  {
    rule: "a union has at least one branch",
    line: 352,
    quote: "union must have at least one branch.",
    check: "union has no branches",
    qemu: "union-empty",
    fails:
      "{ 'enum': 'Enu', 'data': [] }\n" +
      "{ 'union': 'Uni', 'base': { 'k': 'Enu' }, 'discriminator': 'k', 'data': {} }",
    passes:
      "{ 'enum': 'Enu', 'data': [ 'a' ] }\n" +
      "{ 'union': 'Uni', 'base': { 'k': 'Enu' }, 'discriminator': 'k', 'data': {} }",
  },
  {
    rule: "a branch name is a value of the discriminator's enum",
    line: 354,
    quote: "It must be a value of",
    check: "is not a value of",
    qemu: "union-invalid-branch-key",
    fails:
      "{ 'enum': 'Enu', 'data': [ 'a' ] }\n{ 'struct': 'Bra', 'data': {} }\n" +
      "{ 'union': 'Uni', 'base': { 'k': 'Enu' }, 'discriminator': 'k', 'data': { 'z': 'Bra' } }",
    passes:
      "{ 'enum': 'Enu', 'data': [ 'a' ] }\n{ 'struct': 'Bra', 'data': {} }\n" +
      "{ 'union': 'Uni', 'base': { 'k': 'Enu' }, 'discriminator': 'k', 'data': { 'a': 'Bra' } }",
  },
  {
    rule: "a union branch's type is a struct type",
    line: 358,
    quote: "The type must a struct type.",
    check: "cannot use built-in type 'int'",
    qemu: "union-int-branch",
    fails:
      "{ 'enum': 'Enu', 'data': [ 'a' ] }\n" +
      "{ 'union': 'Uni', 'base': { 'k': 'Enu' }, 'discriminator': 'k', 'data': { 'a': 'int' } }",
    passes:
      "{ 'enum': 'Enu', 'data': [ 'a' ] }\n{ 'struct': 'Bra', 'data': {} }\n" +
      "{ 'union': 'Uni', 'base': { 'k': 'Enu' }, 'discriminator': 'k', 'data': { 'a': 'Bra' } }",
  },
  {
    rule: "a union's common and branch member names are disjoint",
    line: 363,
    quote: "The two sets of member names must be disjoint.",
    check: "collides with",
    qemu: "union-clash-member",
    fails:
      "{ 'enum': 'Enu', 'data': [ 'a' ] }\n{ 'struct': 'Bra', 'data': { 'k': 'int' } }\n" +
      "{ 'union': 'Uni', 'base': { 'k': 'Enu' }, 'discriminator': 'k', 'data': { 'a': 'Bra' } }",
    passes:
      "{ 'enum': 'Enu', 'data': [ 'a' ] }\n{ 'struct': 'Bra', 'data': { 'j': 'int' } }\n" +
      "{ 'union': 'Uni', 'base': { 'k': 'Enu' }, 'discriminator': 'k', 'data': { 'a': 'Bra' } }",
  },
  {
    rule: "an alternate has at least one branch",
    line: 410,
    quote: "An alternate must have at least one branch.",
    check: "'data' must not be empty",
    qemu: "alternate-empty",
    fails: "{ 'alternate': 'Alt', 'data': {} }",
    passes: "{ 'alternate': 'Alt', 'data': { 'i': 'int' } }",
  },
  {
    rule: "an alternate's branches are told apart on the wire",
    line: 425,
    quote: "An alternate can only express a choice between types",
    check: "can't be distinguished from",
    qemu: "alternate-conflict-string",
    fails: "{ 'alternate': 'Alt', 'data': { 'a': 'str', 'b': 'int' } }",
    passes:
      "{ 'struct': 'Stru', 'data': {} }\n{ 'alternate': 'Alt', 'data': { 'a': 'int', 'b': 'Stru' } }",
  },
  {
    rule: "a union as a command's arguments needs 'boxed': true",
    line: 480,
    quote: "A union type requires ``'boxed': true``.",
    check: "only with 'boxed': true",
    qemu: "args-union",
    fails:
      "{ 'enum': 'Enu', 'data': [ 'a' ] }\n{ 'struct': 'Bra', 'data': {} }\n" +
      "{ 'union': 'Uni', 'base': { 'k': 'Enu' }, 'discriminator': 'k', 'data': { 'a': 'Bra' } }\n" +
      "{ 'command': 'c', 'data': 'Uni' }",
    passes:
      "{ 'enum': 'Enu', 'data': [ 'a' ] }\n{ 'struct': 'Bra', 'data': {} }\n" +
      "{ 'union': 'Uni', 'base': { 'k': 'Enu' }, 'discriminator': 'k', 'data': { 'a': 'Bra' } }\n" +
      "{ 'command': 'c', 'data': 'Uni', 'boxed': true }",
  },
  {
    rule: "a command returns a complex type or an array of one",
    line: 483,
    quote: "It must normally be a complex type or an array of",
    check: "command's 'returns' cannot take array type ['int']",
    qemu: "returns-bad-type",
    fails: "{ 'command': 'c', 'returns': [ 'int' ] }",
    passes: "{ 'struct': 'Stru', 'data': {} }\n{ 'command': 'c', 'returns': [ 'Stru' ] }",
  },
  {
    rule: "'coroutine' and 'allow-oob' exclude each other",
    line: 618,
    quote: "It is an error to specify both ``'coroutine': true`` and ``'allow-oob': true``",
    check: "flags 'allow-oob' and 'coroutine' are incompatible",
    qemu: "oob-coroutine",
    fails: "{ 'command': 'c', 'allow-oob': true, 'coroutine': true }",
    passes: "{ 'command': 'c', 'allow-oob': true }",
  },
  {
    rule: "special features are for commands, events, values and members only",
    line: 721,
    quote: "It is not supported elsewhere so far.",
    check: "feature 'deprecated' is not supported for types",
    qemu: null,
    fails: "{ 'struct': 'Stru', 'data': {}, 'features': [ 'deprecated' ] }",
    passes:
      "{ 'struct': 'Stru', 'data': { 'a': { 'type': 'int', 'features': [ 'deprecated' ] } } }",
  },
  // Naming rules
  {
    rule: "names begin with a letter and use letters, digits, '-' and '_'",
    line: 733,
    quote: "All names must begin with a letter",
    check: "'data' member 'not\\possible' has an invalid name",
    qemu: "enum-bad-name",
    fails: "{ 'enum': 'Enu', 'data': [ 'not\\\\possible' ] }",
    passes: "{ 'enum': 'Enu', 'data': [ 'possible' ] }",
  },
  {
    rule: "names beginning with q_ are reserved",
    line: 738,
    quote: "Names beginning with ``q_`` are reserved",
    check: "command has an invalid name",
    qemu: "reserved-command-q",
    fails: "{ 'command': 'q_c' }",
    passes: "{ 'command': 'qc' }",
  },
  {
    rule: "type names are CamelCase",
    line: 744,
    quote: "type definitions should always use CamelCase",
    check: "name of struct must use CamelCase",
    qemu: null,
    fails: "{ 'struct': 'my-struct', 'data': {} }",
    passes: "{ 'struct': 'MyStruct', 'data': {} }",
  },
  {
    rule: "type names ending in List are reserved",
    line: 747,
    quote: "Type names ending with ``List`` are reserved",
    check: "struct name should not end in 'List'",
    qemu: null,
    fails: "{ 'struct': 'ThingList', 'data': {} }",
    passes: "{ 'struct': 'Things', 'data': {} }",
  },
  {
    rule: "command, member and feature names are lower case with '-'",
    line: 750,
    quote: "Command names, member names within a type, and feature names should be",
    check: "name of 'features' member 'F' must not use uppercase or '_'",
    qemu: null,
    fails: "{ 'command': 'c', 'features': [ 'F' ] }",
    passes: "{ 'command': 'c', 'features': [ 'f' ] }",
  },
  {
    rule: "event names are ALL_CAPS",
    line: 756,
    quote: "Event names should be ALL_CAPS",
    check: "name of event must not use lowercase or '-'",
    qemu: "event-case",
    fails: "{ 'event': 'went-up' }",
    passes: "{ 'event': 'WENT_UP' }",
  },
  {
    rule: "member names u, has-* and has_* are reserved",
    line: 758,
    quote: "Member name ``u`` and names starting with ``has-`` or ``has_`` are reserved",
    check: "uses reserved name",
    qemu: "reserved-member-has",
    fails: "{ 'struct': 'Stru', 'data': { 'has-a': 'int' } }",
    passes: "{ 'struct': 'Stru', 'data': { 'hasa': 'int' } }",
  },
  {
    rule: "a downstream prefix's RFQDN uses letters, digits, '-' and '.'",
    line: 777,
    quote: "RFQDN may only contain ASCII letters, digits, hyphen and period.",
    check: "command has an invalid name",
    qemu: null,
    fails: "{ 'command': '__org!qemu_c' }",
    passes: "{ 'command': '__org.qemu_c' }",
  },
  {
    rule: "the x- prefix for experimental names is replaced by feature 'unstable'",
    line: 762,
    quote: 'Names beginning with ``x-`` used to signify "experimental".',
    check: "[x-name]",
    qemu: null,
    fails: "{ 'command': 'x-c' }",
    passes: "{ 'command': 'x-c', 'features': [ 'unstable' ] }",
  },
  // Conditions
  {
    rule: "a condition is a string or an object with one of 'all', 'any', 'not'",
    line: 793,
    quote: "Its value must be a",
    check: "has conflicting keys",
    qemu: "bad-if-keys",
    fails: "{ 'struct': 'Stru', 'data': {}, 'if': { 'all': [ 'A' ], 'any': [ 'B' ] } }",
    passes: "{ 'struct': 'Stru', 'data': {}, 'if': { 'all': [ 'A', 'B' ] } }",
  },
  {
    rule: "a union's discriminator is not conditional",
    line: 825,
    quote: "A union's discriminator may not be conditional.",
    check: "must not be conditional",
    qemu: "union-invalid-if-discriminator",
    fails:
      "{ 'enum': 'Enu', 'data': [ 'a' ] }\n{ 'struct': 'Bra', 'data': {} }\n" +
      "{ 'union': 'Uni', 'base': { 'k': { 'type': 'Enu', 'if': 'X' } }, 'discriminator': 'k', 'data': { 'a': 'Bra' } }",
    passes:
      "{ 'enum': 'Enu', 'data': [ 'a' ] }\n{ 'struct': 'Bra', 'data': {} }\n" +
      "{ 'union': 'Uni', 'base': { 'k': 'Enu' }, 'discriminator': 'k', 'data': { 'a': 'Bra' } }",
  },
  // Documentation comments
  {
    rule: "lists are preceded and followed by a blank line",
    line: 937,
    quote: "Lists of either kind must be preceded and followed by a blank line.",
    check: "[list-spacing]",
    qemu: null,
    fails: DOC("# @c:\n#\n# Does:\n# - one thing\n#\n# Done.", "{ 'command': 'c' }"),
    passes: DOC("# @c:\n#\n# Does:\n#\n# - one thing\n#\n# Done.", "{ 'command': 'c' }"),
  },
  {
    rule: "documentation lines are at most 70 characters",
    line: 972,
    quote: "every line is at most 70",
    check: "documentation line longer than 70 characters",
    qemu: "doc-long-line",
    fails: DOC(`# @c:\n#\n# ${"word ".repeat(14)}end.`, "{ 'command': 'c' }"),
    passes: DOC(`# @c:\n#\n# ${"word ".repeat(12)}end.`, "{ 'command': 'c' }"),
  },
  {
    rule: "sentences are separated by two spaces",
    line: 975,
    quote: "Separate sentences with two spaces.",
    check: "[sentence-spacing]",
    qemu: null,
    fails: DOC("# @c:\n#\n# Does one thing. Then another.", "{ 'command': 'c' }"),
    passes: DOC("# @c:\n#\n# Does one thing, e.g. this.  Then another.", "{ 'command': 'c' }"),
  },
  {
    rule: "definition documentation immediately precedes its definition",
    line: 981,
    quote: "must immediately precede the",
    check: "documentation comment is for",
    qemu: "doc-bad-symbol",
    fails: DOC("# @d:", "{ 'command': 'c' }"),
    passes: DOC("# @c:", "{ 'command': 'c' }"),
  },
  {
    rule: "with 'doc-required', every definition has documentation",
    line: 984,
    quote: "When documentation is required (see pragma_ 'doc-required'), every",
    check: "documentation comment required",
    qemu: "doc-missing",
    fails: "{ 'pragma': { 'doc-required': true } }\n{ 'command': 'c' }",
    passes: "{ 'pragma': { 'doc-required': true } }\n" + DOC("# @c:", "{ 'command': 'c' }"),
  },
  {
    rule: "every member is described",
    line: 988,
    quote: "a description of each argument",
    check: "member 'a' lacks documentation",
    qemu: null,
    fails: DOC("# @c:", "{ 'command': 'c', 'data': { 'a': 'int' } }"),
    passes: DOC("# @c:\n#\n# @a: The a.", "{ 'command': 'c', 'data': { 'a': 'int' } }"),
  },
  {
    rule: "a description's text goes on indented",
    line: 993,
    quote: "The description text must be",
    check: "unexpected de-indent",
    qemu: "doc-bad-indent",
    fails: DOC(
      "# @c:\n#\n# @a: First line\n#    second\n#  third",
      "{ 'command': 'c', 'data': { 'a': 'int' } }",
    ),
    passes: DOC(
      "# @c:\n#\n# @a: First line\n#     second",
      "{ 'command': 'c', 'data': { 'a': 'int' } }",
    ),
  },
  {
    rule: "feature descriptions follow a 'Features:' line",
    line: 1006,
    quote: "The feature descriptions must be preceded by a blank line and then a",
    check: "documented member 'f' does not exist",
    qemu: null,
    fails: DOC("# @c:\n#\n# @f: A feature.", "{ 'command': 'c', 'features': [ 'f' ] }"),
    passes: DOC(
      "# @c:\n#\n# Features:\n#\n# @f: A feature.",
      "{ 'command': 'c', 'features': [ 'f' ] }",
    ),
  },
  {
    rule: "'Errors' sections are an rST list of error conditions",
    line: 1030,
    quote: '"Errors" sections should be formatted as an rST list',
    check: "[errors-list]",
    qemu: null,
    fails: DOC("# @c:\n#\n# Errors: If it fails, GenericError.", "{ 'command': 'c' }"),
    passes: DOC("# @c:\n#\n# Errors:\n#     - If it fails, GenericError", "{ 'command': 'c' }"),
  },
  {
    rule: "'Returns' and 'Errors' sections are for commands",
    line: 1027,
    quote: '"Returns" and "Errors" sections are only valid for commands.',
    check: "'Errors' section is only valid for commands",
    qemu: null,
    fails: DOC("# @EV:\n#\n# Errors: Never.", "{ 'event': 'EV' }"),
    passes: DOC("# @c:\n#\n# Errors: Never.", "{ 'command': 'c' }"),
  },
];

/** Files the examples include. */
const FILES = { "sub.json": "{ 'struct': 'Sub', 'data': {} }\n" };

function diagnose(text: string): Diagnostic[] {
  const r = loadSchemaText(text, { diagnostics: "all", files: FILES });
  return r.model ? [...r.diagnostics, ...runLint(r.model, LINT_RULES)] : r.diagnostics;
}

const shown = (d: Diagnostic): string => d.message + (d.rule ? ` [${d.rule}]` : "");
const docPath = sharedPath("qemu-10.2/docs/qapi-code-gen.rst");

describe("qapi-code-gen.rst's rules, each with its check", () => {
  test.each(RULES.map((r) => [r.rule, r] as const))("%s", (_, r) => {
    const failing = diagnose(r.fails).map(shown);
    expect(
      failing.filter((m) => m.includes(r.check)),
      failing.join("\n"),
    ).toHaveLength(1);
    const passing = diagnose(r.passes);
    expect(passing.filter((d) => d.severity === "error" || shown(d).includes(r.check))).toEqual([]);
  });

  test.skipIf(!existsSync(docPath))("the document states each rule where the table says", () => {
    const lines = readFileSync(docPath, "utf8").split("\n");
    for (const r of RULES) expect(lines[r.line - 1], r.rule).toContain(r.quote);
  });

  test.skipIf(!existsSync(qemuCasesDir))(
    "QEMU's verdict is ours where QEMU enforces a rule",
    () => {
      for (const r of RULES.filter((x) => x.qemu !== null)) {
        const err = readFileSync(path.join(qemuCasesDir, `${r.qemu}.err`), "utf8");
        expect(err, `${r.rule} (${r.qemu})`).toContain(r.check);
      }
    },
  );

  test("every lint rule is in the table but marker-member, our own advice", () => {
    const inTable = new Set(RULES.map((r) => /^\[(.*)\]$/.exec(r.check)?.[1]));
    const rules = LINT_RULES.map((r) => r.name).filter((n) => n !== "marker-member");
    expect(rules.filter((n) => !inTable.has(n))).toEqual([]);
  });
});
