// How QAPI names become TypeScript names and files. CONTRACT shared by every TypeScript-emitting
// back end (types: typescript.ts; validators.ts; json-schema.ts; introspect-module.ts).
//
// Layout of a generated directory (`qapi-ts generate SCHEMA -o DIR`):
//
//   <module>.ts      one per QAPI module (schema file) that declares a type, named by
//                    moduleFiles(): the file's base name without `.json` (`block-core.ts`),
//                    de-duplicated in module order; the built-in module is `builtin.ts`
//                    (integer aliases and the QType enum).
//   index.ts         `export *` of every module file, plus the maps a QMP client is generic over:
//                      export interface Commands {
//                        /** TSDoc of the command */
//                        "query-status": { args: ArgsType; returns: ReturnType };
//                      }
//                      export interface Events { SHUTDOWN: DataType }
//                    `args` is the argument type (the implicit q_obj_*_arg interface, or the boxed
//                    type); a command without arguments has `args: Record<string, never>`, one
//                    that returns nothing (QMP `"return": {}`) has `returns: Record<string, never>`;
//                    an event without data has `Record<string, never>`. Helpers:
//                    CommandName, CommandArgs<K>, CommandReturns<K>, EventName, EventData<K>.
//   validators.js    generated validators (validators.ts back end), JavaScript so that
//   validators.d.ts  `qapi-ts validate` runs the very code users import, with its declarations;
//   json-schema/     JSON Schema 2020-12 of every command and event (json-schema.ts back end);
//   introspection.ts the query-qmp-schema payload module (introspect-module.ts back end).
//   .qapi-ts-manifest   the writer's list of the files it generated (for removing stale ones).
//
// Type names:
//   - a declared type keeps its QAPI name with every character outside [A-Za-z0-9_] turned into
//     `_` (as QEMU's C names do): `q_obj_blockdev-add-arg` -> `q_obj_blockdev_add_arg`;
//   - built-ins: str -> string, number -> number, bool -> boolean, null -> null, any -> unknown;
//     int, int8..int64, uint8..uint64 and size are documented aliases of `number` declared in
//     builtin.ts under their QAPI names; QType is an ordinary enum in builtin.ts;
//   - arrays are not declared: `FooList` is written `Foo[]`;
//   - an enum `Foo` is the string-literal union `Foo` plus the frozen array `FooValues`;
//   - a union `Foo` is `Foo_<branch> | ...`, one interface per tag value (`Foo_file`), each
//     extending the base and the branch type with the tag narrowed to its value; a branch
//     that is itself a union `Bar` makes `Foo_x` the alias of `Foo_x_<Bar's branch>` interfaces
//     (interfaces cannot extend a union);
//   - a command's or event's implicit argument type is `q_obj_<name>_arg`; reach it as
//     `Commands["name"]["args"]` / `Events["NAME"]`, which is the stable spelling.
// Relative imports between generated files use the `.js` extension (what tsc, bundlers and
// vitest all resolve to the `.ts` file, and what emitted JavaScript needs).

import type { Definition, SchemaModel, Type } from "../model.ts";

/** The module name the model gives built-in entities. */
export const BUILTIN_MODULE = "./builtin";

/** File names other back ends own in the output directory; modules never take them. */
export const INDEX_FILE = "index.ts";
export const VALIDATORS_JS = "validators.js";
export const VALIDATORS_DTS = "validators.d.ts";
export const INTROSPECTION_FILE = "introspection.ts";
export const JSON_SCHEMA_DIR = "json-schema";
export const MANIFEST_FILE = ".qapi-ts-manifest";
const RESERVED_BASES = new Set(["index", "validators", "introspection", "json-schema"]);

/** Built-ins written as TypeScript's own types. */
const BUILTIN_TS: Record<string, string> = {
  str: "string",
  number: "number",
  bool: "boolean",
  null: "null",
  any: "unknown",
};

/** Built-in integer types declared as aliases of `number` in builtin.ts: name -> range. */
export const INTEGER_TYPES: Record<string, { min: bigint; max: bigint }> = {
  int: { min: -(2n ** 63n), max: 2n ** 63n - 1n },
  int8: { min: -128n, max: 127n },
  int16: { min: -32768n, max: 32767n },
  int32: { min: -(2n ** 31n), max: 2n ** 31n - 1n },
  int64: { min: -(2n ** 63n), max: 2n ** 63n - 1n },
  uint8: { min: 0n, max: 255n },
  uint16: { min: 0n, max: 65535n },
  uint32: { min: 0n, max: 2n ** 32n - 1n },
  uint64: { min: 0n, max: 2n ** 64n - 1n },
  size: { min: 0n, max: 2n ** 64n - 1n },
};

/** Words TypeScript refuses as a type's name. */
const TS_RESERVED_TYPE_NAMES = new Set([
  "any",
  "unknown",
  "never",
  "number",
  "bigint",
  "boolean",
  "string",
  "symbol",
  "void",
  "object",
  "undefined",
  "null",
  "true",
  "false",
  "this",
  "typeof",
  "keyof",
  "readonly",
  "infer",
  "is",
  "asserts",
  "unique",
  "let",
  "yield",
  "await",
  "static",
  "implements",
  "interface",
  "package",
  "private",
  "protected",
  "public",
]);

/** The TypeScript identifier of a declared type (not for arrays or TS-native built-ins). */
export function typeIdent(qapiName: string): string {
  const id = qapiName.replace(/[^A-Za-z0-9_]/g, "_");
  return TS_RESERVED_TYPE_NAMES.has(id) || /^[0-9]/.test(id) ? `q_${id}` : id;
}

/** The frozen array of an enum's values. */
export function enumValuesIdent(qapiName: string): string {
  return `${typeIdent(qapiName)}Values`;
}

/** The interface of one union branch: `Foo_file` for tag value `file` of union `Foo`. */
export function unionVariantIdent(unionName: string, tagValue: string): string {
  return `${typeIdent(unionName)}_${tagValue.replace(/[^A-Za-z0-9_]/g, "_")}`;
}

/** True for types that get a declaration of their own (everything but arrays and TS natives). */
export function isDeclared(t: Type): boolean {
  return t.meta !== "array" && !(t.meta === "builtin" && t.name in BUILTIN_TS);
}

/**
 * A type as a TypeScript type expression. `ref` spells a declared type (e.g. qualified with a
 * module namespace); by default its bare identifier.
 */
export function typeExpr(
  t: Type,
  ref: (declared: Type) => string = (d) => typeIdent(d.name),
): string {
  if (t.meta === "array") {
    const el = typeExpr(t.elementType, ref);
    // `A | B` elements never occur (elements are named types), but keep the expression sound.
    return /^[\w$.]+(\[\])*$/.test(el) ? `${el}[]` : `(${el})[]`;
  }
  if (t.meta === "builtin" && t.name in BUILTIN_TS) return BUILTIN_TS[t.name]!;
  return ref(t);
}

/** An object key as written in an interface or literal: bare when it is an identifier. */
export function propertyKey(name: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : JSON.stringify(name);
}

/** The string literal of a QAPI name (enum value, tag value, command/event name). */
export function stringLiteral(s: string): string {
  return JSON.stringify(s);
}

/** First line of every generated TypeScript file. */
export function generatedHeader(schemaFile: string): string {
  return `// Generated by qapi-ts from ${schemaFile.replace(/\\/g, "/")}. Do not edit.\n`;
}

/** The module specifier one generated file uses to import another (both output-relative). */
export function importSpecifier(fromFile: string, toFile: string): string {
  const from = fromFile.split("/").slice(0, -1);
  const to = toFile.split("/");
  let i = 0;
  while (i < from.length && i < to.length - 1 && from[i] === to[i]) i++;
  const up = from.length - i;
  const rest = to.slice(i).join("/").replace(/\.ts$/, ".js");
  return (up === 0 ? "./" : "../".repeat(up)) + rest;
}

/**
 * The output file of each module that defines something, by module name, in module order.
 * Deterministic: the base name without `.json`, sanitized, suffixed `-2`, `-3`... on collision.
 */
export function moduleFiles(model: SchemaModel): Map<string, string> {
  const out = new Map<string, string>();
  const taken = new Set<string>();
  for (const m of model.modules) {
    let base: string;
    if (m.name === BUILTIN_MODULE) base = "builtin";
    else {
      const last = m.name.replace(/\\/g, "/").split("/").pop() ?? m.name;
      base = last.replace(/\.json$/, "").replace(/[^A-Za-z0-9_-]/g, "_") || "module";
    }
    if (RESERVED_BASES.has(base)) base = `${base}-module`;
    let candidate = base;
    for (let n = 2; taken.has(candidate); n++) candidate = `${base}-${n}`;
    taken.add(candidate);
    out.set(m.name, `${candidate}.ts`);
  }
  return out;
}

/** The generated file that declares a definition (by its module). */
export function fileOf(files: Map<string, string>, d: Definition): string {
  const f = files.get(d.module);
  if (!f) throw new Error(`module ${d.module} of ${d.name} is not in the model's module list`);
  return f;
}
