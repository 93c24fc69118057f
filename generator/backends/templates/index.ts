// The handlebars templates of generated files, compiled once per process on first use. Templates
// hold the text of a file; the code of a back end computes what goes into it (declarations laid
// out by printer.ts, tables, notes). Shared: the `header` partial, the first lines of every
// generated file.
import Handlebars from "handlebars";
import header from "./header.hbs";

export type Template = (context: object) => string;

let runtime: typeof Handlebars | null = null;

/** Compiles a template (strict: a missing field is an error, not an empty string). */
export function compileTemplate(source: string): Template {
  if (!runtime) {
    runtime = Handlebars.create();
    runtime.registerPartial("header", header);
  }
  const compiled = runtime.compile(source, { noEscape: true, strict: true });
  return (context) => compiled(context);
}

/** A template compiled on its first use. */
export function lazyTemplate(source: string): Template {
  let compiled: Template | null = null;
  return (context) => (compiled ??= compileTemplate(source))(context);
}
