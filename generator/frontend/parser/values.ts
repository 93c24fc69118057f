// QAPI's JSON-like values (QEMU's get_expr, get_members, get_values), parsed straight to the
// plain form every check reads: strings, booleans, arrays, and objects as Maps (so that any key,
// `__proto__` included, is just a key), keys in source order. Where each value and key is goes
// into the file's PositionTable (position-table.ts), in the order read; when the scanner has a syntax
// recorder (parser/syntax-recorder.ts, for the language server), each value's place is recorded
// there as well.

import type { Plain, PlainDict } from "../ast.ts";
import type { PositionTable } from "../position-table.ts";
import { excerpt } from "../../model/source.ts";
import { T, type Scanner } from "./scanner.ts";

/** Deeper nesting than any schema needs; beyond it we report instead of exhausting the stack. */
export const MAX_DEPTH = 1000;

/** The value at the current token (QEMU's get_expr); its record is the table's next slot. */
export function getExpr(s: Scanner, table: PositionTable, depth = 0): Plain {
  switch (s.t()) {
    case T.LCURLY:
    case T.LSQUARE: {
      if (depth >= MAX_DEPTH) throw s.error(`nesting deeper than ${MAX_DEPTH} levels`);
      const isDict = s.t() === T.LCURLY;
      const slot = table.open(s.pos);
      s.syntax?.begin(isDict, s.pos);
      s.accept();
      const v = isDict ? getMembers(s, table, depth + 1) : getValues(s, table, depth + 1);
      table.close(slot, s.prevEnd);
      return v;
    }
    case T.STR:
    case T.BOOL: {
      const v = s.val;
      table.scalar(s.pos, s.end);
      s.syntax?.scalar(v, s.pos, s.end);
      s.accept();
      return v;
    }
    default:
      throw s.error("expected '{', '[', string, or boolean");
  }
}

function getMembers(s: Scanner, table: PositionTable, depth: number): PlainDict {
  const dict: PlainDict = new Map();
  if (s.t() === T.RCURLY) {
    s.syntax?.finish(s.end);
    s.accept();
    return dict;
  }
  if (s.t() !== T.STR) throw s.error("expected string or '}'");
  for (;;) {
    const key = s.val as string;
    const keyStart = s.pos;
    const keyEnd = s.end;
    s.syntax?.key(key, keyStart, keyEnd);
    s.accept();
    if (s.t() !== T.COLON) throw s.error("expected ':'");
    s.accept();
    // (QEMU's place is the value after the key; the culprit is the key.)
    if (dict.has(key))
      throw s.error(`duplicate key '${excerpt(key)}'`, { start: keyStart, end: keyEnd });
    table.key(keyStart, keyEnd);
    dict.set(key, getExpr(s, table, depth));
    if (s.t() === T.RCURLY) {
      s.syntax?.finish(s.end);
      s.accept();
      return dict;
    }
    if (s.t() !== T.COMMA) throw s.error("expected ',' or '}'");
    s.accept();
    if (s.t() !== T.STR) throw s.error("expected string");
  }
}

function getValues(s: Scanner, table: PositionTable, depth: number): Plain[] {
  const items: Plain[] = [];
  if (s.t() === T.RSQUARE) {
    s.syntax?.finish(s.end);
    s.accept();
    return items;
  }
  const t = s.t();
  if (t !== T.LCURLY && t !== T.LSQUARE && t !== T.STR && t !== T.BOOL)
    throw s.error("expected value or ']'");
  for (;;) {
    items.push(getExpr(s, table, depth));
    if (s.t() === T.RSQUARE) {
      s.syntax?.finish(s.end);
      s.accept();
      return items;
    }
    if (s.t() !== T.COMMA) throw s.error("expected ',' or ']'");
    s.accept();
  }
}
