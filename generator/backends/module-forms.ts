// What the output options (backend.ts, OutputOptions) change in every generated module: the
// files it is written as, and the specifiers of its imports.
//
// A back end renders a module in a form: "ts" (TypeScript), or for `target: "js+dts"` both "js"
// (the JavaScript, types erased) and "dts" (its declarations: the types, and each value's type
// without its code). Back ends name every module by its TypeScript path (`validators.ts`);
// emitModule turns that into the target's files.

import type { GeneratedFile, OutputOptions } from "./backend.ts";

export type ModuleForm = "ts" | "js" | "dts";

/**
 * A template's view of a form: the form itself, `code` for the forms that hold code (ts, js),
 * `types` for those that hold types (ts, dts).
 */
export function formFlags(form: ModuleForm): Record<ModuleForm | "code" | "types", boolean> {
  return {
    ts: form === "ts",
    js: form === "js",
    dts: form === "dts",
    code: form !== "dts",
    types: form !== "js",
  };
}

/** The files of the module at `path` (a `.ts` path), each rendered in its form. */
export function emitModule(
  path: string,
  options: Pick<OutputOptions, "target">,
  render: (form: ModuleForm) => string,
): GeneratedFile[] {
  if (options.target === "ts") return [{ path, content: render("ts") }];
  const base = path.replace(/\.ts$/, "");
  return [
    { path: `${base}.js`, content: render("js") },
    { path: `${base}.d.ts`, content: render("dts") },
  ];
}

/**
 * The specifier by which the module at `fromFile` imports the one at `toFile` (both `.ts` paths
 * relative to the output directory), with the extension the options ask for.
 */
export function importSpecifier(
  fromFile: string,
  toFile: string,
  options: Pick<OutputOptions, "importExtension">,
): string {
  const from = fromFile.split("/").slice(0, -1);
  const to = toFile.split("/");
  let i = 0;
  while (i < from.length && i < to.length - 1 && from[i] === to[i]) i++;
  const up = from.length - i;
  const ext = options.importExtension === "none" ? "" : `.${options.importExtension}`;
  const rest = to.slice(i).join("/").replace(/\.ts$/, ext);
  return (up === 0 ? "./" : "../".repeat(up)) + rest;
}
