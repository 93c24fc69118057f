// What the shell asks of a live QEMU's schema (its query-qmp-schema, indexed): the commands, the
// members of the object at a dotted key (a union's variant members once its tag is set, all of
// them before), the JSON types and enum values a member takes, and a command's arguments and
// result as text for `help`. Type names in a reply are masked, so types are described by their
// shape, never by name.
import type { SchemaIndex, SchemaInfo, SchemaInfoObject } from "../../../runtime/introspection.ts";

export type JsonKind = "string" | "number" | "boolean" | "null" | "object" | "array";

export interface MemberInfo {
  name: string;
  type: string;
  optional: boolean;
  features: readonly string[];
}

/** Deepest nesting `help` prints before summarising. */
const HELP_DEPTH = 6;

export class LiveSchema {
  readonly commands: readonly string[];

  constructor(readonly index: SchemaIndex) {
    this.commands = index.entries
      .filter((e) => e["meta-type"] === "command")
      .map((e) => e.name)
      .sort();
  }

  command(name: string): Extract<SchemaInfo, { "meta-type": "command" }> | undefined {
    const e = this.index.get(name);
    return e?.["meta-type"] === "command" ? e : undefined;
  }

  /** The object entry a type name leads to (through an alternate's object branch). */
  private object(type: string | undefined): SchemaInfoObject | undefined {
    const e = type === undefined ? undefined : this.index.get(type);
    if (e?.["meta-type"] === "object") return e;
    if (e?.["meta-type"] === "alternate")
      for (const m of e.members) {
        const o = this.object(m.type);
        if (o) return o;
      }
    return undefined;
  }

  /**
   * The members of an object: its own, then its variants' (only the variant its tag selects,
   * when `value` sets the tag; each member once).
   */
  members(type: string, value?: unknown): MemberInfo[] {
    const o = this.object(type);
    if (!o) return [];
    const out = new Map<string, MemberInfo>();
    const add = (obj: SchemaInfoObject, v: unknown) => {
      for (const m of obj.members)
        if (!out.has(m.name))
          out.set(m.name, {
            name: m.name,
            type: m.type,
            optional: "default" in m,
            features: m.features ?? [],
          });
      if (obj.tag === undefined) return;
      const tag = isObject(v) ? v[obj.tag] : undefined;
      for (const variant of obj.variants ?? []) {
        if (typeof tag === "string" && variant.case !== tag) continue;
        const inner = this.object(variant.type);
        if (inner) add(inner, v);
      }
    };
    add(o, value);
    return [...out.values()];
  }

  /**
   * The type at a dotted key below a command's arguments (["file", "aio"]), given the arguments
   * built so far (which pick union variants); undefined when no such member is known.
   */
  typeAt(command: string, path: readonly string[], args: unknown): string | undefined {
    let type = this.command(command)?.["arg-type"];
    let value: unknown = args;
    for (const key of path) {
      if (type === undefined) return undefined;
      type = this.members(type, value).find((m) => m.name === key)?.type;
      value = isObject(value) ? value[key] : undefined;
    }
    return type;
  }

  /** The JSON types a value of `type` may be (every kind for an unknown or `any` type). */
  kinds(type: string | undefined): Set<JsonKind> {
    const all = new Set<JsonKind>(["string", "number", "boolean", "null", "object", "array"]);
    const e = type === undefined ? undefined : this.index.get(type);
    switch (e?.["meta-type"]) {
      case "builtin":
        switch (e["json-type"]) {
          case "int":
          case "number":
            return new Set(["number"]);
          case "string":
          case "boolean":
          case "null":
            return new Set([e["json-type"]]);
          default:
            return all;
        }
      case "enum":
        return new Set(["string"]);
      case "array":
        return new Set(["array"]);
      case "object":
        return new Set(["object"]);
      case "alternate":
        return new Set(e.members.flatMap((m) => [...this.kinds(m.type)]));
      default:
        return all;
    }
  }

  /** The words a value of `type` may be: enum values (an alternate's too), true and false. */
  valueWords(type: string | undefined): string[] {
    const e = type === undefined ? undefined : this.index.get(type);
    switch (e?.["meta-type"]) {
      case "enum":
        return e.members?.map((m) => m.name) ?? e.values ?? [];
      case "builtin":
        return e["json-type"] === "boolean" ? ["true", "false"] : [];
      case "alternate":
        return e.members.flatMap((m) => this.valueWords(m.type));
      default:
        return [];
    }
  }

  /**
   * `help COMMAND`: its arguments (nested objects indented; a union's variants each under its
   * tag value, or only the one `args` selects) and its result, with features marked.
   */
  describe(name: string, args: unknown, docs?: CommandDocs): string {
    const c = this.command(name);
    if (!c) return `no command '${name}' in this QEMU`;
    const lines: string[] = [`${name}${marks(c.features)}`];
    if (docs?.body) lines.push(...indent(docs.body, "  "), "");
    const members = this.members(c["arg-type"], args);
    if (members.length === 0) lines.push("  no arguments");
    else {
      lines.push("  arguments:");
      this.memberLines(c["arg-type"], args, "    ", 0, lines, docs?.args);
    }
    const at = lines.length;
    lines.push("");
    lines[at] = `  returns: ${this.shape(c["ret-type"], undefined, "    ", 0, lines, true)}`;
    if (docs?.returns) lines.push(...indent(docs.returns, "    "));
    if (c["allow-oob"]) lines.push("  may run out-of-band");
    return lines.join("\n").replaceAll("help COMMAND ", `help ${name} `);
  }

  private memberLines(
    type: string,
    value: unknown,
    pad: string,
    depth: number,
    lines: string[],
    docs?: ReadonlyMap<string, string>,
  ): void {
    const o = this.object(type);
    if (!o) return;
    for (const m of o.members) {
      const at = lines.length;
      lines.push("");
      const inner = isObject(value) ? value[m.name] : undefined;
      const shape = this.shape(m.type, inner, pad + "  ", depth + 1, lines, false);
      lines[at] =
        `${pad}${m.name}${"default" in m ? " (optional)" : ""}: ${shape}${marks(m.features)}`;
      const doc = docs?.get(m.name);
      if (doc) lines.splice(at + 1, 0, ...indent(doc, pad + "    "));
    }
    if (o.tag === undefined) return;
    const tag = isObject(value) ? value[o.tag] : undefined;
    const variants = (o.variants ?? []).filter((v) => typeof tag !== "string" || v.case === tag);
    for (const v of variants) {
      const inner = this.members(v.type);
      if (inner.length === 0) continue;
      if (variants.length > 12 && typeof tag !== "string") continue; // summarised below
      lines.push(`${pad}when ${o.tag}=${v.case}:`);
      this.memberLines(v.type, value, pad + "  ", depth + 1, lines, docs);
    }
    if (variants.length > 12 && typeof tag !== "string")
      lines.push(
        `${pad}(more members for each of ${variants.length} values of ${o.tag}: help COMMAND ${o.tag}=VALUE)`,
      );
  }

  /** A type as text; an object's members are added to `lines` below the current one. */
  private shape(
    type: string,
    value: unknown,
    pad: string,
    depth: number,
    lines: string[],
    top: boolean,
  ): string {
    const e = this.index.get(type);
    switch (e?.["meta-type"]) {
      case "builtin":
        return BUILTIN_NAMES[e["json-type"]] ?? e["json-type"];
      case "enum": {
        const values = e.members?.map((m) => m.name + marks(m.features)) ?? e.values ?? [];
        return `one of ${values.join(", ")}`;
      }
      case "array":
        return `array of ${this.shape(e["element-type"], undefined, pad, depth, lines, top)}`;
      case "alternate":
        return e.members.map((m) => this.shape(m.type, value, pad, depth, lines, top)).join(" or ");
      case "object": {
        if (this.members(type).length === 0) return top ? "nothing ({})" : "object {}";
        if (depth >= HELP_DEPTH) return "object (...)";
        this.memberLines(type, value, pad, depth, lines);
        return "object";
      }
      default:
        return "?";
    }
  }
}

/** Documentation of a command from its schema (`--schema`). */
export interface CommandDocs {
  body?: string;
  args: ReadonlyMap<string, string>;
  returns?: string;
}

const BUILTIN_NAMES: Record<string, string> = {
  int: "int",
  number: "number",
  string: "str",
  boolean: "bool",
  null: "null",
  value: "any",
};

function marks(features: readonly string[] | undefined): string {
  const shown = (features ?? []).filter((f) => f === "deprecated" || f === "unstable");
  return shown.map((f) => ` [${f}]`).join("");
}

function indent(text: string, pad: string): string[] {
  return text
    .trim()
    .split("\n")
    .map((l) => (l.trim() ? pad + l.trim() : ""));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
