// The client back end: `client.ts`, a QMP client typed by the schema. `Qmp` is the run-time
// package's QmpClient over the command and event maps of the types back end, intersected with
// one signature per deprecated command and event: TypeScript shows a call to a deprecated
// overload as deprecated, which it cannot do for a name checked against a map. `createQmp`
// makes one that validates arguments with the validators back end's validators.

import type { Backend, BackendOptions } from "../backend.ts";
import type { Command, Event, SchemaModel } from "../../model/index.ts";
import { lazyTemplate } from "../templates/index.ts";
import {
  group,
  hardline,
  ifBreak,
  importDeclaration,
  indent,
  join,
  line,
  print,
  softline,
  type Doc,
} from "../printer.ts";
import { alias, Declarations, interfaceDeclaration } from "../types/declarations.ts";
import { INDEX_FILE, INDEX_NAMES, TypeNames, type IndexName } from "../types/names.ts";
import { VALIDATORS_FILE } from "../validators/index.ts";
import { emitModule, formFlags, importSpecifier, type ModuleForm } from "../module-forms.ts";
import { docComment, docText } from "../types/tsdoc.ts";
import templateSource from "./client.ts.hbs";

export const CLIENT_FILE = "client.ts";

const template = lazyTemplate(templateSource);

export const clientBackend: Backend = {
  name: "client",
  description: "client.ts: the QMP client typed by the schema, deprecations shown where used",
  requires: ["types", "validators"],
  paths: [CLIENT_FILE],
  options: {},
  generate(model: SchemaModel, options: BackendOptions) {
    const names = new TypeNames(model);
    const declarations = new Declarations(model, names, options.defines);
    const n = Object.fromEntries(INDEX_NAMES.map((k) => [k, names.ofIndex(k)])) as Record<
      IndexName,
      string
    >;
    const kept = model.entities.filter((e) => declarations.kept(e));
    const commands = kept.filter((e): e is Command => e.meta === "command");
    const events = kept.filter((e): e is Event => e.meta === "event");
    // (This file declares and imports nothing else, so these names cannot clash.)
    const runtime = `${options.runtimePackage}/qmp`;
    const runtimeTypes = ["ExecuteParams", "QmpClientOptions", "QmpEvent", "QmpTarget"];
    const maps = importDeclaration(
      [n.Commands, n.Events],
      importSpecifier(CLIENT_FILE, INDEX_FILE, options),
      true,
    );
    const validators = importDeclaration(
      ["validators"],
      importSpecifier(CLIENT_FILE, VALIDATORS_FILE, options),
    );
    const imports: Record<ModuleForm, Doc[]> = {
      ts: [
        importDeclaration(["QmpClient", ...runtimeTypes.map((t) => `type ${t}`)], runtime),
        maps,
        validators,
      ],
      js: [importDeclaration(["QmpClient"], runtime), validators],
      dts: [importDeclaration(["QmpClient", ...runtimeTypes], runtime, true), maps],
    };
    const signature = (head: string, params: Doc[], end: string): Doc =>
      group(`${head} createQmp(`, indent(softline, ...params), softline, end);
    const typed = ["target: QmpTarget,", line, "options?: QmpClientOptions", ifBreak(",")];
    const factory: Record<ModuleForm, Doc> = {
      ts: [
        signature("export function", typed, "): Qmp {"),
        factoryBody(`new QmpClient<${n.Commands}, ${n.Events}>`),
      ],
      js: [
        signature("export function", ["target,", line, "options", ifBreak(",")], ") {"),
        factoryBody("new QmpClient"),
      ],
      dts: signature("export declare function", typed, "): Qmp;"),
    };
    return emitModule(CLIENT_FILE, options, (form) =>
      template({
        ...formFlags(form),
        schemaName: options.schemaName,
        n,
        imports: print(join(hardline, imports[form])),
        deprecatedUses: print(
          interfaceDeclaration(
            "DeprecatedUses",
            [],
            deprecatedUses(commands, events, n, declarations),
          ),
        ),
        qmp: print(alias("Qmp", [`DeprecatedUses & QmpClient<${n.Commands}, ${n.Events}>`])),
        factory: print(factory[form]),
      }),
    );
  },
};

/** createQmp's body, from `{`: a client checked by the schema's validators. */
function factoryBody(construct: string): Doc {
  return [
    indent(
      hardline,
      group(
        `return ${construct}(target, {`,
        indent(line, "validate: validators,", line, "...options", ifBreak(",")),
        line,
        "});",
      ),
    ),
    hardline,
    "}",
  ];
}

/** One signature per deprecated command (execute, and executeOob where allowed) and event. */
function deprecatedUses(
  commands: readonly Command[],
  events: readonly Event[],
  n: Record<IndexName, string>,
  declarations: Declarations,
): Doc[] {
  const deprecation = (e: Command | Event): Doc | null => {
    const f = e.features.find((x) => x.name === "deprecated" && declarations.kept(x));
    if (!f) return null;
    const text = e.doc?.features.get("deprecated")?.text;
    const tag = text ? `@deprecated ${docText(text, true)}` : "@deprecated";
    return docComment({ paras: [], tags: [tag] }, 2);
  };
  const out: Doc[] = [];
  for (const c of commands) {
    const doc = deprecation(c);
    if (!doc) continue;
    const key = JSON.stringify(c.name);
    for (const method of c.allowOob ? ["execute", "executeOob"] : ["execute"]) {
      out.push([
        doc,
        // Generic in K, as QmpClient's own method is: a concrete signature would not accept it.
        group(
          `${method}<K extends ${key}>(`,
          indent(softline, "command: K,", line, `...params: ExecuteParams<${n.Commands}[K]>`),
          softline,
          `): globalThis.Promise<${n.Commands}[K]["returns"]>;`,
        ),
      ]);
    }
  }
  for (const e of events) {
    const doc = deprecation(e);
    if (!doc) continue;
    const key = JSON.stringify(e.name);
    out.push([
      doc,
      group(
        `on<K extends ${key}>(`,
        indent(
          softline,
          "name: K,",
          line,
          `listener: (event: QmpEvent<K, ${n.Events}[K]>) => void`,
          ifBreak(","),
        ),
        softline,
        "): () => void;",
      ),
    ]);
  }
  return out;
}
