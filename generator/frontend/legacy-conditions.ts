// The legacy dialect's conditions (QEMU before 6.2): C preprocessor expressions in strings,
// 'defined(CONFIG_X)', '!defined(X)', '||' and '&&' chains, parentheses, and lists of such strings
// (all must hold). Read under --compat into the schema's own condition syntax.

import type { Plain } from "./ast.ts";
import type { Condition } from "../../runtime/conditions.ts";

const IF_IDENT = /^[A-Z][A-Z0-9_]*$/;

/** The condition a legacy 'if' value stands for, or null if it isn't one. */
export function legacyConditionToModern(cond: Plain): Condition | null {
  if (typeof cond === "string") return IF_IDENT.test(cond) ? null : parseCpp(cond);
  if (Array.isArray(cond) && cond.length && cond.every((c) => typeof c === "string")) {
    const parts: Condition[] = [];
    for (const c of cond) {
      const p = IF_IDENT.test(c) ? c : parseCpp(c);
      if (p === null) return null;
      parts.push(p);
    }
    return parts.length === 1 ? parts[0]! : { all: parts };
  }
  return null;
}

function parseCpp(text: string): Condition | null {
  const tokens = text.match(/\|\||&&|!|\(|\)|[A-Za-z_][A-Za-z0-9_]*|\S/g) ?? [];
  let i = 0;
  const peek = (): string | undefined => tokens[i];
  const chain = (
    op: "||" | "&&",
    key: "any" | "all",
    next: () => Condition | null,
  ): Condition | null => {
    const first = next();
    if (first === null) return null;
    const args = [first];
    while (peek() === op) {
      i++;
      const a = next();
      if (a === null) return null;
      args.push(a);
    }
    if (args.length === 1) return first;
    return key === "any" ? { any: args } : { all: args };
  };
  const orExpr = (): Condition | null => chain("||", "any", andExpr);
  const andExpr = (): Condition | null => chain("&&", "all", unary);
  const unary = (): Condition | null => {
    const t = peek();
    if (t === "!") {
      i++;
      const a = unary();
      return a === null ? null : { not: a };
    }
    if (t === "(") {
      i++;
      const a = orExpr();
      if (peek() !== ")") return null;
      i++;
      return a;
    }
    if (t === "defined") {
      i++;
      const paren = peek() === "(";
      if (paren) i++;
      const name = peek();
      if (name === undefined || !IF_IDENT.test(name)) return null;
      i++;
      if (paren) {
        if (peek() !== ")") return null;
        i++;
      }
      return name;
    }
    return null;
  };
  const result = orExpr();
  return result !== null && i === tokens.length ? result : null;
}
