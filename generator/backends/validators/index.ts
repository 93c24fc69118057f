// The validators back end: the schema's wire format as a validator table (runtime/validate/
// table.ts), embedded as JSON text in `validators.ts`, which hands it to createValidators() of
// the run-time package. The checks themselves are typed, tested run-time code; `qapi-ts validate`
// builds the same table in memory and runs the same code.
//
// With `defines`, what the build's conditions exclude is left out of the table; without, every
// conditional part carries its condition, evaluated when the program passes `defines`.

import type { Backend, BackendOptions } from "../backend.ts";
import type {
  Condition,
  Definition,
  Feature,
  ObjectType,
  SchemaModel,
  Type,
} from "../../model/index.ts";
import { conditionHolds } from "../../../runtime/conditions.ts";
import {
  DEPRECATED,
  OPTIONAL,
  UNSTABLE,
  type AlternateJsonType,
  type CommandEntry,
  type EventEntry,
  type NamedTypeEntry,
  type TypeEntry,
  type TypeRef,
  type ValidatorTable,
} from "../../../runtime/validate/table.ts";
import type { ScalarType } from "../../../runtime/validate/scalars.ts";
import { alternativeJsonType, jsonTypeOf } from "../../model/json-types.ts";
import { jsonLines, rawTemplate } from "../json-text.ts";
import { publicNames } from "../public-names.ts";
import {
  group,
  hardline,
  ifBreak,
  importDeclaration,
  indent,
  line,
  print,
  softline,
  type Doc,
} from "../printer.ts";
import { emitModule, formFlags, importSpecifier, type ModuleForm } from "../module-forms.ts";
import { lazyTemplate } from "../templates/index.ts";
import { INDEX_FILE, TypeNames } from "../types/names.ts";
import templateSource from "./validators.ts.hbs";

export const VALIDATORS_FILE = "validators.ts";

const template = lazyTemplate(templateSource);

export const validatorsBackend: Backend = {
  name: "validators",
  description: "validators.ts: QEMU's input rules and messages for every command, event and type",
  requires: ["types"],
  paths: [VALIDATORS_FILE],
  options: {},
  generate(model: SchemaModel, options: BackendOptions) {
    const table = rawTemplate(jsonLines(validatorTable(model, options.defines)));
    // The command and event maps of the types back end, by the names it gives them.
    const names = new TypeNames(model);
    const maps = [names.ofIndex("Commands"), names.ofIndex("Events")];
    const configurationNote = options.defines
      ? [
          `Generated for one configuration (defined: ${[...options.defines].sort().join(" ") || "nothing"}):`,
          "what its conditions exclude does not exist here.",
        ]
      : ["Conditional parts are accepted unless the options' `defines` names the build's symbols."];
    if (options.int64 !== "exact")
      configurationNote.push(`64-bit integers are ${options.int64}s (int64: ${options.int64}).`);
    const runtime = `${options.runtimePackage}/validate`;
    const indexFile = importSpecifier(VALIDATORS_FILE, INDEX_FILE, options);
    const type = `Validators<${maps.join(", ")}>`;
    // As prettier lays it out: a lone argument after a break at `=`, else the arguments broken.
    const declare = (head: string): Doc =>
      options.int64 === "exact"
        ? group(`${head} =`, indent(line, "createValidators(TABLE);"))
        : group(
            `${head} = createValidators(`,
            indent(softline, "TABLE,", line, `{ int64: ${JSON.stringify(options.int64)} }`),
            ifBreak(","),
            softline,
            ");",
          );
    const render = (form: ModuleForm) => {
      const imports: Record<ModuleForm, Doc> = {
        ts: [
          importDeclaration(
            ["createValidators", "type ValidateOptions", "type ValidationError", "type Validators"],
            runtime,
          ),
          hardline,
          importDeclaration(maps, indexFile, true),
        ],
        js: importDeclaration(["createValidators"], runtime),
        dts: [
          importDeclaration(["ValidateOptions", "ValidationError", "Validators"], runtime, true),
          hardline,
          importDeclaration(maps, indexFile, true),
        ],
      };
      const validators: Record<ModuleForm, Doc> = {
        ts: declare(`export const validators: ${type}`),
        js: declare("export const validators"),
        dts: `export declare const validators: ${type};`,
      };
      return template({
        ...formFlags(form),
        schemaName: options.schemaName,
        runtimePackage: options.runtimePackage,
        imports: print(imports[form]),
        validators: print(validators[form]),
        members: VALIDATOR_MEMBERS,
        configurationNote,
        table,
      });
    };
    return emitModule(VALIDATORS_FILE, options, render);
  },
};

/** What validators.ts exports of its `validators` one by one. */
const VALIDATOR_MEMBERS = [
  "commandNames",
  "eventNames",
  "typeNames",
  "validateCommandArguments",
  "validateCommandReturns",
  "validateEvent",
  "validateType",
  "isCommandArguments",
  "isCommandReturns",
  "isEventData",
] as const;

/** The validator table of a model; with `defines`, for that configuration only. */
export function validatorTable(
  model: SchemaModel,
  defines: ReadonlySet<string> | null,
): ValidatorTable {
  return new TableBuilder(model, defines).build();
}

/** The JSON type an alternate's branch is told apart by (QEMU's QType). */
function alternateJsonType(t: Type): AlternateJsonType {
  const json = alternativeJsonType(jsonTypeOf(t));
  // QEMU refuses alternates of `any` and of alternates: the front end never gets here.
  if (json === null)
    throw new Error(`alternate branch of type ${t.name} has no JSON type of its own`);
  return json;
}

class TableBuilder {
  private readonly conditions: Condition[] = [];
  private readonly conditionIndex = new Map<string, number>();
  private readonly types: TypeEntry[] = [];
  private readonly typeIndex = new Map<Type, TypeRef>();
  private readonly names: ReadonlyMap<string, string>;

  constructor(
    private readonly model: SchemaModel,
    private readonly defines: ReadonlySet<string> | null,
  ) {
    this.names = publicNames(model);
  }

  /** The name a program sees (QEMU's made-up empty object has none). */
  private publicName(t: Type): string {
    return this.names.get(t.name) ?? "";
  }

  build(): ValidatorTable {
    const commands: CommandEntry[] = [];
    const events: EventEntry[] = [];
    const named: NamedTypeEntry[] = [];
    for (const e of this.model.entities) {
      if (!this.exists(e.ifcond)) continue;
      const cond = this.condition(e.ifcond);
      if (e.meta === "command") {
        const args = e.argType ? this.ref(e.argType) : -1;
        const returns = e.retType ? this.ref(e.retType) : -1;
        commands.push([e.name, args, returns, this.flags(e.features), cond]);
      } else if (e.meta === "event") {
        events.push([e.name, e.argType ? this.ref(e.argType) : -1, cond]);
      } else if (isNamed(e)) {
        named.push([e.name, this.ref(e), cond]);
      }
    }
    return { conditions: this.conditions, types: this.types, commands, events, named };
  }

  /** Present in this configuration (always, when conditions are left to run time). */
  private exists(c: Condition | null): boolean {
    return this.defines === null || conditionHolds(c, this.defines);
  }

  /** The index of a condition to evaluate at run time, or -1 when there is none. */
  private condition(c: Condition | null): number {
    if (c === null || this.defines !== null) return -1;
    const key = JSON.stringify(c);
    let i = this.conditionIndex.get(key);
    if (i === undefined) {
      i = this.conditions.push(c) - 1;
      this.conditionIndex.set(key, i);
    }
    return i;
  }

  /** DEPRECATED and UNSTABLE, for the special features present in this configuration. */
  private flags(features: readonly Feature[]): number {
    let flags = 0;
    for (const f of features) {
      if (!f.isSpecial || !this.exists(f.ifcond)) continue;
      flags |= f.name === "deprecated" ? DEPRECATED : UNSTABLE;
    }
    return flags;
  }

  /** The entry of a type, added on first reference (so recursive types refer to themselves). */
  private ref(t: Type): TypeRef {
    let i = this.typeIndex.get(t);
    if (i !== undefined) return i;
    i = this.types.length;
    this.typeIndex.set(t, i);
    this.types.push({ builtin: "any" }); // a placeholder while the entry is built
    this.types[i] = this.entry(t);
    return i;
  }

  private entry(t: Type): TypeEntry {
    switch (t.meta) {
      case "builtin":
        return { builtin: t.name as ScalarType };
      case "enum":
        return {
          enum: this.publicName(t),
          values: t.members
            .filter((m) => this.exists(m.ifcond))
            .map((m) => [m.name, this.condition(m.ifcond), this.flags(m.features)] as const),
        };
      case "array":
        return { array: this.ref(t.elementType) };
      case "object":
        return this.objectEntry(t);
      case "alternate":
        return {
          alternate: this.publicName(t),
          branches: t.branches.variants
            .filter((b) => this.exists(b.ifcond))
            .map(
              (b) =>
                [alternateJsonType(b.type), this.ref(b.type), this.condition(b.ifcond)] as const,
            ),
        };
    }
  }

  private objectEntry(t: ObjectType): TypeEntry {
    const members = t.members
      .filter((m) => this.exists(m.ifcond))
      .map(
        (m) =>
          [
            m.name,
            this.ref(m.type),
            (m.optional ? OPTIONAL : 0) | this.flags(m.features),
            this.condition(m.ifcond),
          ] as const,
      );
    if (!t.branches) return { object: this.publicName(t), members };
    const variants = t.branches.variants
      .filter((b) => this.exists(b.ifcond) && hasMembers(b.type))
      .map((b) => [b.name, this.ref(b.type), this.condition(b.ifcond)] as const);
    return { object: this.publicName(t), members, tag: t.branches.tagMember.name, variants };
  }
}

/** A branch type with members (or branches) of its own: others need no dispatch. */
function hasMembers(t: Type): boolean {
  return t.meta === "object" && (t.members.length > 0 || t.branches !== null);
}

/** Types a program may validate by name: those the schema declares. */
function isNamed(e: Definition): boolean {
  return e.meta !== "command" && e.meta !== "event" && e.meta !== "array" && !e.isImplicit;
}
