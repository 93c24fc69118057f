// A validator table from a live `query-qmp-schema` reply: what a QEMU says it accepts, checked
// with the same compiled checks and messages as generated validators, for tools that have no
// generated code for that QEMU (the shell checks arguments before sending them).
//
// Introspection loses two things the schema knows, and the table is built to accept whatever
// QEMU would accept: every integer type is `int`, checked here as the widest of them (any integer
// from -2^63 to 2^64-1; QEMU still checks the exact range), and type names are masked, so an
// alternate's mismatch names the JSON types it takes instead of the type.

import type { SchemaInfo, SchemaInfoObjectMember } from "../schema-info.ts";
import type { ScalarType } from "./scalars.ts";
import {
  DEPRECATED,
  OPTIONAL,
  UNSTABLE,
  type AlternateJsonType,
  type CommandEntry,
  type EventEntry,
  type TypeEntry,
  type TypeRef,
  type ValidatorTable,
} from "./table.ts";

/** What the table needs of a reply: its entries, and each checked by name. */
export interface IntrospectedSchema {
  readonly entries: readonly { name: string }[];
  /** The entry of that name, well-formed, or undefined. */
  get(name: string): SchemaInfo | undefined;
}

const BUILTIN: Record<string, ScalarType> = {
  int: "uint64", // the widest integer type's accepted range: QEMU checks the exact one
  number: "number",
  string: "str",
  boolean: "bool",
  null: "null",
  value: "any",
};

/**
 * The validator table of every command and event the reply lists, or of only the commands
 * named (what they reach is all that is built: a tool that checks one command at a time pays
 * for that command's types alone).
 */
export function validatorTableFromSchema(
  schema: IntrospectedSchema,
  only?: { commands: readonly string[] },
): ValidatorTable {
  const types: TypeEntry[] = [];
  const refs = new Map<string, TypeRef>();

  const flagsOf = (features: readonly string[] | undefined): number =>
    (features?.includes("deprecated") ? DEPRECATED : 0) |
    (features?.includes("unstable") ? UNSTABLE : 0);

  const ref = (name: string): TypeRef => {
    const known = refs.get(name);
    if (known !== undefined) return known;
    const at = types.length;
    refs.set(name, at); // before the members: types may refer to themselves
    types.push({ builtin: "any" });
    types[at] = entryOf(name);
    return at;
  };

  const entryOf = (name: string): TypeEntry => {
    const e = schema.get(name);
    switch (e?.["meta-type"]) {
      case "builtin":
        return { builtin: BUILTIN[e["json-type"]] ?? "any" };
      case "enum": {
        const members: { name: string; features?: string[] }[] =
          e.members ?? (e.values ?? []).map((v) => ({ name: v }));
        return {
          enum: name,
          values: members.map((m) => [m.name, -1, flagsOf(m.features)] as const),
        };
      }
      case "array":
        return { array: ref(e["element-type"]) };
      case "object":
        return {
          object: name,
          members: e.members.map((m: SchemaInfoObjectMember) => [
            m.name,
            ref(m.type),
            ("default" in m ? OPTIONAL : 0) | flagsOf(m.features),
            -1,
          ]),
          ...(e.tag === undefined
            ? {}
            : {
                tag: e.tag,
                variants: (e.variants ?? []).map((v) => [v.case, ref(v.type), -1] as const),
              }),
        };
      case "alternate": {
        const branches = e.members.map(
          (m) => [jsonTypeOf(schema.get(m.type)), ref(m.type), -1] as const,
        );
        // Named by what it takes: the reply's type names are masked.
        return {
          alternate: [...new Set(branches.map(([j]) => j))].join(" or "),
          branches,
        };
      }
      default:
        return { builtin: "any" }; // missing or malformed: accept, QEMU will judge
    }
  };

  const commands: CommandEntry[] = [];
  const events: EventEntry[] = [];
  const names = only ? only.commands.map((name) => ({ name })) : schema.entries;
  for (const { name } of names) {
    const e = schema.get(name);
    if (e?.["meta-type"] === "command")
      commands.push([name, ref(e["arg-type"]), ref(e["ret-type"]), flagsOf(e.features), -1]);
    else if (e?.["meta-type"] === "event" && !only) events.push([name, ref(e["arg-type"]), -1]);
  }
  return { conditions: [], types, commands, events, named: [] };
}

/** The JSON type by which an alternate selects a branch of this entry (QEMU's QType). */
function jsonTypeOf(e: SchemaInfo | undefined): AlternateJsonType {
  switch (e?.["meta-type"]) {
    case "builtin": {
      const j = e["json-type"];
      return j === "int" || j === "number"
        ? "number"
        : j === "boolean" || j === "null" || j === "string"
          ? j
          : "object";
    }
    case "enum":
      return "string";
    case "array":
      return "array";
    default:
      return "object";
  }
}
