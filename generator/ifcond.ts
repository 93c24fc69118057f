// Conditions: evaluation against a configuration, and printing in QEMU's dump form.
import type { IfCond } from "./model.ts";

/** True when the condition holds with exactly `defined` symbols defined; null means always. */
export function evalIfCond(c: IfCond | null, defined: ReadonlySet<string>): boolean {
  if (!c) return true;
  switch (c.kind) {
    case "name":
      return defined.has(c.name);
    case "all":
      return c.args.every((a) => evalIfCond(a, defined));
    case "any":
      return c.args.some((a) => evalIfCond(a, defined));
    case "not":
      return !evalIfCond(c.arg, defined);
  }
}

/** The condition as a Python literal, as QEMU's test dump prints it (bare name at top level). */
export function formatIfCond(c: IfCond): string {
  return c.kind === "name" ? c.name : pyRepr(c);
}

function pyRepr(c: IfCond): string {
  switch (c.kind) {
    case "name":
      return `'${c.name}'`;
    case "all":
    case "any":
      return `{'${c.kind}': [${c.args.map(pyRepr).join(", ")}]}`;
    case "not":
      return `{'not': ${pyRepr(c.arg)}}`;
  }
}

/** Every symbol a condition mentions, in first-seen order. */
export function ifCondSymbols(c: IfCond | null, out: string[] = []): string[] {
  if (!c) return out;
  if (c.kind === "name") {
    if (!out.includes(c.name)) out.push(c.name);
  } else if (c.kind === "not") ifCondSymbols(c.arg, out);
  else for (const a of c.args) ifCondSymbols(a, out);
  return out;
}
