// How the types back end names things: one TypeScript identifier per declaration, unique across
// the whole output, and one file per QAPI module.
//
// Identifiers are allocated in a fixed order, so the output is the same for the same schema:
//   1. declared QAPI types keep their name (characters outside [A-Za-z0-9_] become `_`, as in
//      QEMU's C names; a name TypeScript reserves gets a `q_` prefix);
//   2. the index's own names (Commands, Events, ...) — a schema type of the same name wins,
//      and the index's name gets a `_` suffix, as every later name does on a clash;
//   3. implicit types get public names: the arguments of command `blockdev-add` are
//      `BlockdevAddArguments`, the data of event `BLOCK_JOB_COMPLETED` is
//      `BlockJobCompletedData`, the inline base of union `Foo` is `FooBase`, a legacy
//      branch wrapper of `Bar` is `BarWrapper`;
//   4. union variants `Union_tag`, enum value lists `EnumValues` (values: their own space).
// The generated code names TypeScript's global types only as `globalThis.Promise`, so a schema
// type of that name shadows nothing the output relies on.

import type { Definition, SchemaModel, Type } from "../../model/index.ts";
import { publicNames } from "../public-names.ts";

/** Words TypeScript refuses as a type's name. */
const RESERVED_TYPE_NAMES = new Set([
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
  "enum",
  "const",
  "var",
  "function",
  "class",
  "extends",
  "import",
  "export",
  "default",
  "new",
  "in",
  "instanceof",
  "delete",
  "super",
  "with",
  "switch",
  "case",
  "break",
  "continue",
  "do",
  "while",
  "for",
  "if",
  "else",
  "return",
  "throw",
  "try",
  "catch",
  "finally",
  "debugger",
]);

/** The index's own declarations, by role (their identifiers may differ on a clash). */
export const INDEX_NAMES = [
  "Commands",
  "Events",
  "CommandName",
  "CommandArgs",
  "CommandReturns",
  "EventName",
  "EventData",
  "NoArguments",
] as const;
export type IndexName = (typeof INDEX_NAMES)[number];

/** Built-ins written as TypeScript's own types; the others are declared in builtin.ts. */
const NATIVE: Readonly<Record<string, string>> = {
  str: "string",
  number: "number",
  bool: "boolean",
  null: "null",
  any: "unknown",
};

export const BUILTIN_MODULE = "./builtin";
export const INDEX_FILE = "index.ts";

function sanitize(name: string): string {
  const id = name.replace(/[^A-Za-z0-9_]/g, "_");
  return RESERVED_TYPE_NAMES.has(id) || /^[0-9]/.test(id) ? `q_${id}` : id;
}

/** True for types that get a declaration of their own (everything but arrays and natives). */
export function isDeclared(t: Type): boolean {
  return t.meta !== "array" && !(t.meta === "builtin" && t.name in NATIVE);
}

/** The identifiers of one output. */
export class TypeNames {
  private readonly types = new Map<string, string>();
  private readonly values = new Map<string, string>();
  private readonly variants = new Map<string, string>();
  private readonly index = new Map<IndexName, string>();
  private readonly taken = new Set<string>();
  private readonly takenValues = new Set<string>();

  constructor(model: SchemaModel) {
    const publicName = publicNames(model);
    const declared = model.entities.filter(
      (e): e is Type =>
        e.meta !== "command" &&
        e.meta !== "event" &&
        isDeclared(e) &&
        (e.meta === "builtin" || publicName.has(e.name)),
    );
    // Declared types first, then the index's names, then the names made up for implicit types.
    const madeUp = (t: Type): boolean => t.meta !== "builtin" && publicName.get(t.name) !== t.name;
    for (const t of declared) if (!madeUp(t)) this.types.set(t.name, this.take(sanitize(t.name)));
    for (const n of INDEX_NAMES) this.index.set(n, this.take(n));
    for (const t of declared) {
      if (madeUp(t)) this.types.set(t.name, this.take(sanitize(publicName.get(t.name)!)));
    }
    for (const t of declared) {
      if (t.meta === "enum") this.values.set(t.name, this.takeValue(`${this.type(t.name)}Values`));
      if (t.meta === "object" && t.branches) {
        for (const v of t.branches.variants) {
          const key = `${t.name}\u0000${v.name}`;
          this.variants.set(
            key,
            this.take(`${this.type(t.name)}_${v.name.replace(/[^A-Za-z0-9_]/g, "_")}`),
          );
        }
      }
    }
  }

  /** Whether a type is declared (types QEMU makes up without a public name are not). */
  isDeclared(qapiName: string): boolean {
    return this.types.has(qapiName);
  }

  /** The identifier of a declared type. */
  type(qapiName: string): string {
    const id = this.types.get(qapiName);
    if (id === undefined) throw new Error(`no TypeScript name for type '${qapiName}'`);
    return id;
  }

  /** The frozen array of an enum's values. */
  enumValues(qapiName: string): string {
    return this.values.get(qapiName)!;
  }

  /** The interface (or alias) of one union variant. */
  variant(union: string, tagValue: string): string {
    return this.variants.get(`${union}\u0000${tagValue}`)!;
  }

  /** One of the index's own declarations. */
  ofIndex(name: IndexName): string {
    return this.index.get(name)!;
  }

  /** A new identifier for a declaration the output adds (e.g. a nested union's leaves). */
  take(wanted: string): string {
    let id = wanted;
    while (this.taken.has(id)) id += "_";
    this.taken.add(id);
    return id;
  }

  private takeValue(wanted: string): string {
    let id = wanted;
    while (this.takenValues.has(id)) id += "_";
    this.takenValues.add(id);
    return id;
  }
}

/**
 * A type as a TypeScript type expression. `ref` spells a declared type (recording the import
 * it needs); arrays are `T[]`, natives TypeScript's own.
 */
export function typeExpression(t: Type, ref: (declared: Type) => string): string {
  if (t.meta === "array") {
    const element = typeExpression(t.elementType, ref);
    return /^[\w$.]+(\[\])*$/.test(element) ? `${element}[]` : `(${element})[]`;
  }
  if (t.meta === "builtin" && t.name in NATIVE) return NATIVE[t.name]!;
  return ref(t);
}

/** An object key as written in an interface: bare when it is an identifier. */
export function propertyKey(name: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : JSON.stringify(name);
}

/**
 * The output file of each module that defines something, by module name, in module order:
 * the base name without `.json`, made safe, suffixed `-2`, `-3`... on a clash with another
 * module or with a path another back end writes (`reserved`).
 */
export function moduleFiles(
  model: SchemaModel,
  reserved: ReadonlySet<string>,
): Map<string, string> {
  const out = new Map<string, string>();
  // A reserved path's first segment too: `json-schema/schema.json` keeps `json-schema` free.
  const taken = new Set<string>([INDEX_FILE]);
  for (const p of reserved) taken.add(p).add(p.split("/")[0]!);
  for (const m of model.modules) {
    let base: string;
    if (m.name === BUILTIN_MODULE) base = "builtin";
    else {
      const last = m.name.replace(/\\/g, "/").split("/").pop() ?? m.name;
      base = last.replace(/\.json$/, "").replace(/[^A-Za-z0-9_-]/g, "_") || "module";
    }
    let candidate = `${base}.ts`;
    for (let n = 2; taken.has(candidate) || taken.has(candidate.replace(/\.ts$/, "")); n++) {
      candidate = `${base}-${n}.ts`;
    }
    taken.add(candidate);
    out.set(m.name, candidate);
  }
  return out;
}

/** The generated file that declares a definition (by its module). */
export function fileOf(files: ReadonlyMap<string, string>, d: Definition): string {
  const f = files.get(d.module);
  if (!f) throw new Error(`module ${d.module} of ${d.name} is not in the model's module list`);
  return f;
}
