// The generated TypeScript module holding the query-qmp-schema payload (QEMU's qapi-introspect.c).
//
// The payload is the configuration-independent tree of introspect.ts, split in two JSON texts:
// every entry of every build, and the list of conditional items by path. The module removes the
// items whose condition fails at run time, so one module serves every build; masking is decided
// here, so numbers are the same in every build. With BackendOptions.defines set, conditions are
// resolved now instead and the list is empty.

import Handlebars from "handlebars";
import type { BackendOptions, GeneratedFile } from "../backend.ts";
import type { Condition, SchemaModel } from "../model.ts";
import {
  buildIntrospectionTree,
  Conditional,
  resolveConditions,
  type JsonValue,
  type TreeValue,
} from "./introspect.ts";
import { generatedHeader, INTROSPECTION_FILE } from "./names.ts";
import templateSource from "./templates/introspect-module.ts.hbs";

export interface IntrospectionModuleOptions extends BackendOptions {
  /** Real type names instead of numbers (default: masked, as QEMU ships it). */
  unmask?: boolean;
}

type Path = (string | number)[];

let template: HandlebarsTemplateDelegate | undefined;

/** A Backend: the module as one generated file, `introspection.ts`. */
export function introspectionModule(
  model: SchemaModel,
  options: IntrospectionModuleOptions,
): GeneratedFile[] {
  const tree = buildIntrospectionTree(model, { unmask: options.unmask ?? false });
  const conditional: [Condition, ...Path][] = [];
  const payload = options.defines
    ? resolveConditions(tree, options.defines)
    : splitConditions(tree, [], conditional);
  const configurationNote = options.defines
    ? [
        "Generated for one configuration: no condition is left to evaluate at run time.",
        ...wrapWords(
          `Defined: ${[...options.defines].sort().join(" ") || "nothing"}`,
          PRINT_WIDTH - 3,
        ),
      ]
    : [
        "Items that exist only in some builds are listed in CONDITIONAL and removed at run",
        "time, so this one module serves every build configuration.",
      ];
  template ??= compileTemplate();
  const content = template({
    header: generatedHeader(options.schemaFile).trimEnd(),
    typeNames: options.unmask ? "real" : "masked",
    configurationNote,
    payload: stringLiteral(JSON.stringify(payload)),
    conditional: stringLiteral(JSON.stringify(conditional)),
  });
  return [{ path: INTROSPECTION_FILE, content }];
}

function compileTemplate(): HandlebarsTemplateDelegate {
  const hbs = Handlebars.create();
  // `const NAME = 'text';` laid out as prettier does: on one line when it fits in 80 columns,
  // else broken after the `=`.
  hbs.registerHelper("constString", (name: string, text: string) => {
    const oneLine = `const ${name} = ${text};`;
    return oneLine.length <= PRINT_WIDTH ? oneLine : `const ${name} =\n  ${text};`;
  });
  return hbs.compile(templateSource, { noEscape: true, strict: true });
}

/** Splits text at spaces into lines of at most `width` characters (longer words stay whole). */
function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return lines;
}

/** prettier's default line width, which the generated code follows. */
const PRINT_WIDTH = 80;

/**
 * Unwraps every Conditional, recording its condition and path in `out` (document order). `path`
 * is the current position, a stack shared by the whole walk; it is copied only when recorded.
 */
function splitConditions(value: TreeValue, path: Path, out: [Condition, ...Path][]): JsonValue {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    const list: JsonValue[] = [];
    value.forEach((item, i) => {
      path.push(i);
      if (item instanceof Conditional) {
        out.push([item.ifcond, ...path]);
        list.push(splitConditions(item.value, path, out));
      } else list.push(splitConditions(item, path, out));
      path.pop();
    });
    return list;
  }
  const obj: { [key: string]: JsonValue } = {};
  for (const key of Object.keys(value)) {
    path.push(key);
    obj[key] = splitConditions(value[key]!, path, out);
    path.pop();
  }
  return obj;
}

/**
 * A TypeScript string literal of `text` with prettier's quotes: double, unless the text holds more
 * double quotes than single ones (JSON text does). Backslashes (JSON's escapes) are doubled.
 */
function stringLiteral(text: string): string {
  const doubles = text.split('"').length - 1;
  const singles = text.split("'").length - 1;
  const q = doubles > singles ? "'" : '"';
  return q + text.replace(q === "'" ? /[\\']/g : /[\\"]/g, (ch) => "\\" + ch) + q;
}
