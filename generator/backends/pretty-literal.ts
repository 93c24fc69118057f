// Prints data literals (JSON documents, JavaScript array/object literals) exactly as prettier
// formats them, so generated files pass `prettier --check` without running prettier on them.
//
// Prettier's rules reproduced here: an array goes on one line when it fits the 80-column width
// and holds no multi-line object, else one element per line with a trailing comma (JS) or none
// (JSON); a JSON object is always expanded (prettier keeps the expansion it finds); a JS object
// goes on one line, `{ a: 1 }`, when it fits, else expanded; JS keys are quoted only when they
// are not identifiers.

export type Literal =
  | string
  | number
  | bigint
  | boolean
  | null
  | Literal[]
  | { [key: string]: Literal };

const WIDTH = 80;

/**
 * A whole JSON document, as prettier's json parser prints it, with a final newline: what
 * JSON.stringify(value, null, 2) writes (every object expanded, which prettier keeps), then
 * each array of one-line items that fits the width joined onto one line, innermost first.
 */
export function printJson(value: Literal): string {
  const big: string[] = [];
  let text = JSON.stringify(
    value,
    (_k, v: unknown) => (typeof v === "bigint" ? `\u0000${big.push(v.toString()) - 1}` : v),
    2,
  );
  if (big.length) text = text.replace(/"\\u0000(\d+)"/g, (_m, i: string) => big[Number(i)]!);
  for (;;) {
    const next = text.replace(EXPANDED_ARRAY, (match: string, _indent: string, offset: number) => {
      const col = offset - text.lastIndexOf("\n", offset) - 1;
      const items = match.slice(2, match.lastIndexOf("\n")).split("\n");
      const flat = `[${items.map((l) => l.trim().replace(/,$/, "")).join(", ")}]`;
      const trail = text[offset + match.length] === "," ? 1 : 0;
      return col + flat.length + trail <= WIDTH ? flat : match;
    });
    if (next === text) return text + "\n";
    text = next;
  }
}

/** An expanded array whose items each fit on their line (scalars, `{}`, one-line arrays). */
const ONE_LINE_ITEM = String.raw`(?:"(?:[^"\\\n]|\\.)*"|-?\d[\d.eE+-]*|true|false|null|\{\}|\[[^\n]*\])`;
const EXPANDED_ARRAY = new RegExp(
  String.raw`\[\n( +)${ONE_LINE_ITEM}(?:,\n\1${ONE_LINE_ITEM})*\n *\]`,
  "g",
);

function isObject(v: Literal): v is { [key: string]: Literal } {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A JavaScript key as prettier writes it (quoteProps "as-needed"). */
export function jsKey(name: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : JSON.stringify(name);
}

/**
 * A JavaScript literal starting at column `col` of a line indented by `indent`, followed on
 * its line by `trail` characters (e.g. 1 for the `;` or `,` after it).
 */
export function printJs(value: Literal, indent: number, col: number, trail: number): string {
  const flat = flatJs(value);
  if (col + flat.length + trail <= WIDTH) return flat;
  const pad = " ".repeat(indent + 2);
  if (Array.isArray(value)) {
    const items = value.map((v) => pad + printJs(v, indent + 2, indent + 2, 1) + ",");
    return `[\n${items.join("\n")}\n${" ".repeat(indent)}]`;
  }
  if (isObject(value)) {
    const items = Object.keys(value).map((k) => {
      const head = `${pad}${jsKey(k)}: `;
      return head + printJs(value[k]!, indent + 2, head.length, 1) + ",";
    });
    return `{\n${items.join("\n")}\n${" ".repeat(indent)}}`;
  }
  return flat;
}

function flatJs(value: Literal): string {
  if (Array.isArray(value)) return `[${value.map(flatJs).join(", ")}]`;
  if (isObject(value)) {
    const keys = Object.keys(value);
    return keys.length === 0
      ? "{}"
      : `{ ${keys.map((k) => `${jsKey(k)}: ${flatJs(value[k]!)}`).join(", ")} }`;
  }
  return typeof value === "bigint" ? `${value}n` : JSON.stringify(value);
}
