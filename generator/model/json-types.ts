// The JSON type a value of a QAPI type has on the wire, and which alternative of an alternate it
// can be. One place for a fact that introspection (json-type), the alternate checks, the
// validators and the compatibility diff all rely on.

import type { JsonType, Type } from "./index.ts";
import type { AlternateJsonType } from "../../runtime/validate/table.ts";

/** What the rule needs of a type: its kind and, for a built-in, introspection's json-type. */
export type TypeKind = "builtin" | "enum" | "array" | "object" | "alternate";

/** The JSON type a value of a type of this kind arrives as; `value` for anything at all. */
export function wireJsonType(kind: TypeKind, builtinJsonType: JsonType | null): JsonType {
  switch (kind) {
    case "builtin":
      return builtinJsonType ?? "value";
    case "enum":
      return "string";
    case "array":
      return "array";
    case "object":
      return "object";
    case "alternate":
      return "value";
  }
}

/**
 * Which alternative of an alternate a value of this JSON type is (QEMU's QType: an 'int' and a
 * 'number' are both numbers); null where no single JSON type selects it ('any', an alternate).
 */
export function alternativeJsonType(json: JsonType): AlternateJsonType | null {
  return json === "int" ? "number" : json === "value" ? null : json;
}

/** The JSON type a value of `t` has on the wire (introspection's json-type for a built-in). */
export function jsonTypeOf(t: Type): JsonType {
  return wireJsonType(t.meta, t.meta === "builtin" ? t.jsonType : null);
}
