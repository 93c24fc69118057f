// Build conditions: the one representation of QAPI's `'if'` from the schema to the running
// program. A condition is written in the schema's own syntax, read as JSON: a configuration
// symbol (`'CONFIG_POSIX'`), or `{ 'all': [...] }`, `{ 'any': [...] }`, `{ 'not': ... }`. The front
// end produces it, the model carries it, back ends print it, and generated code evaluates it at
// run time against the symbols of the QEMU build at hand: every stage uses this module.

/** A condition in the schema's 'if' syntax; a symbol holds when the build defines it. */
export type Condition =
  | string
  | { readonly all: readonly Condition[] }
  | { readonly any: readonly Condition[] }
  | { readonly not: Condition };

/** True when `c` holds with exactly the `defined` symbols defined; no condition always holds. */
export function conditionHolds(c: Condition | null, defined: ReadonlySet<string>): boolean {
  if (c === null) return true;
  if (typeof c === "string") return defined.has(c);
  if ("all" in c) return c.all.every((a) => conditionHolds(a, defined));
  if ("any" in c) return c.any.some((a) => conditionHolds(a, defined));
  return !conditionHolds(c.not, defined);
}

/** Adds every symbol `c` mentions to `out` (in first-seen order); returns `out`. */
export function conditionSymbols(c: Condition | null, out: Set<string> = new Set()): Set<string> {
  if (c === null) return out;
  if (typeof c === "string") out.add(c);
  else if ("all" in c) for (const a of c.all) conditionSymbols(a, out);
  else if ("any" in c) for (const a of c.any) conditionSymbols(a, out);
  else conditionSymbols(c.not, out);
  return out;
}

/** All of the given conditions (nulls and repeats dropped, nested `all`s flattened); null if none. */
export function conjunction(conds: readonly (Condition | null)[]): Condition | null {
  const args: Condition[] = [];
  const seen = new Set<string>();
  const add = (c: Condition): void => {
    if (typeof c !== "string" && "all" in c) return c.all.forEach(add);
    const key = JSON.stringify(c);
    if (!seen.has(key)) {
      seen.add(key);
      args.push(c);
    }
  };
  for (const c of conds) if (c !== null) add(c);
  if (args.length === 0) return null;
  return args.length === 1 ? args[0]! : { all: args };
}

/** As an expression, for documentation: `CONFIG_A && !(CONFIG_B || CONFIG_C)`. */
export function conditionText(c: Condition): string {
  return expression(c, false);
}

function expression(c: Condition, operand: boolean): string {
  if (typeof c === "string") return c;
  if ("not" in c) return `!${expression(c.not, true)}`;
  const [args, op] = "all" in c ? [c.all, " && "] : [c.any, " || "];
  const text = args.map((a) => expression(a, true)).join(op);
  return operand && args.length > 1 ? `(${text})` : text;
}

/**
 * As QEMU's test dump prints it (a Python literal, `{'all': ['A', 'B']}`), with a bare symbol at
 * the top level.
 */
export function conditionPython(c: Condition): string {
  return typeof c === "string" ? c : python(c);
}

function python(c: Condition): string {
  if (typeof c === "string") return `'${c}'`;
  if ("not" in c) return `{'not': ${python(c.not)}}`;
  const [key, args] = "all" in c ? ["all", c.all] : ["any", c.any];
  return `{'${key}': [${args.map(python).join(", ")}]}`;
}
