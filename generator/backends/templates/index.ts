// The handlebars templates of generated files, compiled once per process on first use. Templates
// hold the text of a file; the code of a back end computes what goes into it (declarations laid
// out by printer.ts, tables, notes). Shared: the `header` partial, the first lines of every
// generated file.
import Handlebars from "handlebars";
import header from "./header.hbs";
import { PRECOMPILED } from "./precompiled.ts";

export type Template = (context: object) => string;

let runtime: typeof Handlebars | null = null;

/** The options every template is compiled with (build.mjs precompiles with these too). */
const TEMPLATE_OPTIONS = { noEscape: true, strict: true } as const;

/** Compiles a template (strict: a missing field is an error, not an empty string). */
export function compileTemplate(source: string): Template {
  if (!runtime) {
    runtime = Handlebars.create();
    runtime.registerPartial("header", fromPrecompiled(runtime, header) ?? header);
  }
  const compiled = fromPrecompiled(runtime, source) ?? runtime.compile(source, TEMPLATE_OPTIONS);
  return (context) => compiled(context);
}

/** The template build.mjs precompiled from `source`, if it did. */
function fromPrecompiled(
  hb: typeof Handlebars,
  source: string,
): HandlebarsTemplateDelegate | undefined {
  const spec = PRECOMPILED.get(source);
  return spec === undefined ? undefined : hb.template(spec as TemplateSpecification);
}

/** A template compiled on its first use. */
export function lazyTemplate(source: string): Template {
  let compiled: Template | null = null;
  return (context) => (compiled ??= compileTemplate(source))(context);
}
