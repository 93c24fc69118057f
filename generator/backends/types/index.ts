// The types back end: one TypeScript module per QAPI module, plus `index.ts`, which re-exports
// them and declares the maps a QMP client is generic over:
//
//   export interface Commands { "query-status": { args: NoArguments; returns: StatusInfo } }
//   export interface Events { SHUTDOWN: ShutdownData; STOP: undefined }
//
// Names are allocated by names.ts, declarations written by declarations.ts, files laid out by the
// printer; the templates hold the files' fixed text. Imports between generated files end as the
// output option `importExtension` says (`.js` by default: what tsc, bundlers and Node resolve);
// with `target: "js+dts"` each module is its JavaScript (enums' value lists, re-exports) and
// its declarations.

import type { Backend, BackendOptions, GeneratedFile } from "../backend.ts";
import type { Command, Event, ObjectType, SchemaModel, Type } from "../../model/index.ts";
import { hardline, importDeclaration, indent, join, print, type Doc } from "../printer.ts";
import { lazyTemplate } from "../templates/index.ts";
import { emitModule, formFlags, importSpecifier, type ModuleForm } from "../module-forms.ts";
import {
  alias,
  Declarations,
  interfaceDeclaration,
  type Declaration,
  type Ref,
} from "./declarations.ts";
import {
  fileOf,
  INDEX_FILE,
  INDEX_NAMES,
  moduleFiles,
  propertyKey,
  typeExpression,
  TypeNames,
  type IndexName,
} from "./names.ts";
import { docComment } from "./tsdoc.ts";
import moduleSource from "./module.ts.hbs";
import indexSource from "./index.ts.hbs";

const moduleTemplate = lazyTemplate(moduleSource);
const indexTemplate = lazyTemplate(indexSource);

export const typesBackend: Backend = {
  name: "types",
  description: "<module>.ts and index.ts: TypeScript types, with TSDoc, and the command/event maps",
  requires: [],
  paths: [INDEX_FILE],
  options: {},
  generate(model: SchemaModel, options: BackendOptions) {
    return new TypesOutput(model, options).files();
  },
};

/** Imports a file needs: target file -> identifiers. */
type Imports = Map<string, Set<string>>;

class TypesOutput {
  private readonly fileNames: Map<string, string>;
  private readonly names: TypeNames;
  private readonly declarations: Declarations;

  constructor(
    private readonly model: SchemaModel,
    private readonly options: BackendOptions,
  ) {
    this.fileNames = moduleFiles(model, options.reservedPaths);
    this.names = new TypeNames(model);
    this.declarations = new Declarations(model, this.names, options.defines, options.int64);
  }

  files(): GeneratedFile[] {
    const out: GeneratedFile[] = [];
    const emitted: string[] = [];
    for (const m of this.model.modules) {
      const file = this.fileNames.get(m.name)!;
      const imports: Imports = new Map();
      const ref = this.ref(file, imports);
      const declarations: Declaration[] = [];
      for (const e of m.entities) {
        if (!this.declarations.kept(e)) continue;
        declarations.push(...this.declarations.declare(e, ref));
      }
      if (declarations.length === 0) continue;
      emitted.push(file);
      out.push(
        ...emitModule(file, this.options, (form) => {
          const texts = declarations.flatMap((d) => {
            const doc = form === "ts" ? d.doc : d.value ? d.value[form] : form === "dts" && d.doc;
            return doc ? [print(doc)] : [];
          });
          return moduleTemplate({
            schemaName: this.options.schemaName,
            // (Its imports are of types only.)
            imports: form === "js" ? "" : this.importLines(file, imports),
            declarations: texts,
            // A module of types only still exists in JavaScript: index.js re-exports it.
            empty: texts.length === 0,
          });
        }),
      );
    }
    out.push(...emitModule(INDEX_FILE, this.options, (form) => this.index(emitted, form)));
    return out;
  }

  /** References from `file`, recording the imports they need. */
  private ref(file: string, imports: Imports): Ref {
    const byIdent = (ident: string, target: string): string => {
      if (target !== file) {
        if (!imports.has(target)) imports.set(target, new Set());
        imports.get(target)!.add(ident);
      }
      return ident;
    };
    const fileOfType = (t: Type): string => fileOf(this.fileNames, t);
    return Object.assign((t: Type) => byIdent(this.names.type(t.name), fileOfType(t)), {
      ident: byIdent,
      fileOf: fileOfType,
    });
  }

  /** The import declarations of a file, by target file. */
  private importLines(file: string, imports: Imports): string {
    const docs: Doc[] = [...imports.keys()]
      .sort()
      .map((target) =>
        importDeclaration(
          [...imports.get(target)!].sort(),
          importSpecifier(file, target, this.options),
          true,
        ),
      );
    return docs.length ? print(join(hardline, docs)) : "";
  }

  // -- index.ts -----------------------------------------------------------------------------

  private index(moduleFileNames: readonly string[], form: ModuleForm): string {
    const imports: Imports = new Map();
    const ref = this.ref(INDEX_FILE, imports);
    const n = Object.fromEntries(INDEX_NAMES.map((k) => [k, this.names.ofIndex(k)])) as Record<
      IndexName,
      string
    >;
    const commands: Command[] = [];
    const events: Event[] = [];
    for (const e of this.model.entities) {
      if (!this.declarations.kept(e)) continue;
      if (e.meta === "command") commands.push(e);
      else if (e.meta === "event") events.push(e);
    }
    const commandEntries = commands.map((c) => this.commandEntry(c, ref, n));
    const eventEntries = events.map((e) => this.eventEntry(e, ref));
    const helpers: Doc[] = [
      alias(`${n.CommandName}`, [`keyof ${n.Commands}`]),
      alias(`${n.CommandArgs}<K extends ${n.CommandName}>`, [`${n.Commands}[K]["args"]`]),
      alias(`${n.CommandReturns}<K extends ${n.CommandName}>`, [`${n.Commands}[K]["returns"]`]),
      alias(`${n.EventName}`, [`keyof ${n.Events}`]),
      alias(`${n.EventData}<K extends ${n.EventName}>`, [`${n.Events}[K]`]),
    ];
    return indexTemplate({
      ...formFlags(form),
      schemaName: this.options.schemaName,
      imports: form === "js" ? "" : this.importLines(INDEX_FILE, imports),
      reexports: moduleFileNames.map((f) => importSpecifier(INDEX_FILE, f, this.options)),
      n,
      noArguments: print(
        interfaceDeclaration(n.NoArguments, [], ["readonly __noArguments?: never;"]),
      ),
      commands: print(interfaceDeclaration(n.Commands, [], commandEntries)),
      events: print(interfaceDeclaration(n.Events, [], eventEntries)),
      helpers: print(join(hardline, helpers)),
    });
  }

  private argsType(argType: ObjectType | null, ref: Ref): string | null {
    if (!argType || !this.declarations.kept(argType)) return null;
    if (argType.isImplicit && argType.members.length === 0 && !argType.branches) return null;
    return typeExpression(argType, ref);
  }

  private commandEntry(c: Command, ref: Ref, n: Record<IndexName, string>): Doc {
    const extra: string[] = [];
    if (c.allowOob) extra.push("Can run out of band (`exec-oob`).");
    if (!c.successResponse) extra.push("QEMU sends no success response to this command.");
    const args = this.argsType(c.argType, ref) ?? n.NoArguments;
    const returns = c.retType ? typeExpression(c.retType, ref) : "{}";
    return [
      docComment(this.declarations.entityDoc(c, extra), 2),
      `${propertyKey(c.name)}: {`,
      indent(hardline, `args: ${args};`, hardline, `returns: ${returns};`),
      hardline,
      "};",
    ];
  }

  private eventEntry(e: Event, ref: Ref): Doc {
    const data = this.argsType(e.argType, ref) ?? "undefined";
    return [docComment(this.declarations.entityDoc(e), 2), `${propertyKey(e.name)}: ${data};`];
  }
}
