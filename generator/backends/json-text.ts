// Data that generated modules embed as JSON text (V8 parses JSON much faster than the same data
// written as object literals, and tsc does not type-check it): a raw template literal with one
// entry per line, so that a change to the schema is a readable diff of the generated file.

/**
 * The JSON text of an object whose array members are lists of entries: each key on a line of
 * its own, each entry of an array on a line of its own.
 */
export function jsonLines(value: object): string {
  const keys = Object.keys(value).map((key) => {
    const v = (value as Record<string, unknown>)[key];
    const name = JSON.stringify(key);
    if (!Array.isArray(v) || v.length === 0) return `${name}: ${JSON.stringify(v)}`;
    return `${name}: [\n${v.map((item) => JSON.stringify(item)).join(",\n")}\n]`;
  });
  return `{\n${keys.join(",\n")}\n}`;
}

/**
 * `text` as a `String.raw` template literal: the characters as they are, so that backslashes stay
 * JSON's own escapes. Only a backquote, `${` or a final backslash could break it, and the JSON
 * of QAPI names and conditions holds none of them.
 */
export function rawTemplate(text: string): string {
  if (text.includes("`") || text.includes("${") || text.endsWith("\\")) {
    throw new Error("generated JSON text cannot be embedded in a raw template literal");
  }
  return `String.raw\`${text}\``;
}
