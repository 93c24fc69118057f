// The client back end: `client.ts`, a QMP client typed by the schema. `Qmp` is the run-time
// package's QmpClient over the command and event maps of the types back end, intersected with
// one signature per deprecated command and event: TypeScript shows a call to a deprecated
// overload as deprecated, which it cannot do for a name checked against a map. `createQmp`
// makes one that validates arguments with the validators back end's validators.
//
// For the guest agent's schema (one that declares guest-sync-delimited, the agent's
// synchronisation, or when the option `protocol` says "qga"), `client.ts` holds `Qga` and
// `createQga` instead: qapi-ts/qga's QgaClient, told which commands send no reply on success.

import type { Backend, BackendOptions, GeneratedFile } from "../backend.ts";
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
import agentTemplateSource from "./qga-client.ts.hbs";

export const CLIENT_FILE = "client.ts";

const template = lazyTemplate(templateSource);
const agentTemplate = lazyTemplate(agentTemplateSource);

/** The guest agent's synchronisation command: a schema that declares it is the agent's. */
const AGENT_MARK = "guest-sync-delimited";

type Protocol = "auto" | "qmp" | "qga";

export const clientBackend: Backend<{ protocol: string }> = {
  name: "client",
  description: "client.ts: the QMP client typed by the schema, deprecations shown where used",
  requires: ["types", "validators"],
  paths: [CLIENT_FILE],
  options: {
    protocol: {
      description: `the client's protocol: qmp (createQmp), qga (createQga, the guest agent's), or auto: qga when the schema declares ${AGENT_MARK}`,
      default: "auto",
      values: ["auto", "qmp", "qga"],
    },
  },
  generate(model: SchemaModel, options: BackendOptions & { protocol: string }) {
    const names = new TypeNames(model);
    const declarations = new Declarations(model, names, options.defines);
    const n = Object.fromEntries(INDEX_NAMES.map((k) => [k, names.ofIndex(k)])) as Record<
      IndexName,
      string
    >;
    const kept = model.entities.filter((e) => declarations.kept(e));
    const commands = kept.filter((e): e is Command => e.meta === "command");
    const events = kept.filter((e): e is Event => e.meta === "event");
    const protocol = options.protocol as Protocol;
    if (protocol === "qga" || (protocol === "auto" && commands.some((c) => c.name === AGENT_MARK)))
      return agentClient(options, n, commands, declarations);
    // (This file declares and imports nothing else, so these names cannot clash.)
    const runtime = `${options.runtimePackage}/qmp`;
    const runtimeTypes = ["ExecuteParams", "QmpClientOptions", "QmpEvent", "QmpTarget"];
    const imports = clientImports(
      "QmpClient",
      runtimeTypes,
      runtime,
      [n.Commands, n.Events],
      options,
    );
    const signature = (head: string, params: Doc[], end: string): Doc =>
      group(`${head} createQmp(`, indent(softline, ...params), softline, end);
    const typed = ["target: QmpTarget,", line, "options?: QmpClientOptions", ifBreak(",")];
    const factory: Record<ModuleForm, Doc> = {
      ts: [
        signature("export function", typed, "): Qmp {"),
        factoryBody(`new QmpClient<${n.Commands}, ${n.Events}>`, []),
      ],
      js: [
        signature("export function", ["target,", line, "options", ifBreak(",")], ") {"),
        factoryBody("new QmpClient", []),
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

/** client.ts for the guest agent: QgaClient typed by the schema. */
function agentClient(
  options: BackendOptions,
  n: Record<IndexName, string>,
  commands: readonly Command[],
  declarations: Declarations,
): GeneratedFile[] {
  const noReply = commands.filter((c) => !c.successResponse).map((c) => JSON.stringify(c.name));
  const deprecated = deprecatedUses(commands, [], n, declarations, true);
  // (CommandSent only where a deprecated command without a success response needs it.)
  const sent = commands.some((c) => !c.successResponse && isDeprecated(c, declarations));
  const runtime = `${options.runtimePackage}/qga`;
  const runtimeTypes = [
    ...(sent ? ["CommandSent"] : []),
    ...(deprecated.length ? ["ExecuteParams"] : []),
    "QgaClientOptions",
    "QgaTarget",
  ];
  const imports = clientImports("QgaClient", runtimeTypes, runtime, [n.Commands], options);
  const list = (head: string, end: string): Doc =>
    group(head, indent(softline, join([",", line], noReply), ifBreak(",")), softline, end);
  const noSuccessResponse: Record<ModuleForm, Doc> = {
    ts: list("export const noSuccessResponse = [", "] as const;"),
    js: list("export const noSuccessResponse = [", "];"),
    dts: list("export declare const noSuccessResponse: readonly [", "];"),
  };
  const signature = (head: string, params: Doc[], end: string): Doc =>
    group(`${head} createQga(`, indent(softline, ...params), softline, end);
  const typed = ["target: QgaTarget,", line, "options?: QgaClientOptions", ifBreak(",")];
  const members = ["noSuccessResponse,"];
  const factory: Record<ModuleForm, Doc> = {
    ts: [
      signature("export function", typed, "): Qga {"),
      factoryBody(`new QgaClient<${n.Commands}, NoSuccessResponse>`, members),
    ],
    js: [
      signature("export function", ["target,", line, "options", ifBreak(",")], ") {"),
      factoryBody("new QgaClient", members),
    ],
    dts: signature("export declare function", typed, "): Qga;"),
  };
  return emitModule(CLIENT_FILE, options, (form) =>
    agentTemplate({
      ...formFlags(form),
      schemaName: options.schemaName,
      imports: print(join(hardline, imports[form])),
      noSuccessResponse: print(noSuccessResponse[form]),
      deprecatedUses: print(interfaceDeclaration("DeprecatedUses", [], deprecated)),
      qga: print(alias("Qga", [`DeprecatedUses & QgaClient<${n.Commands}, NoSuccessResponse>`])),
      factory: print(factory[form]),
    }),
  );
}

function isDeprecated(e: Command | Event, declarations: Declarations): boolean {
  return e.features.some((x) => x.name === "deprecated" && declarations.kept(x));
}

/** The factory's body, from `{`: a client checked by the schema's validators. */
function factoryBody(construct: string, members: readonly string[]): Doc {
  return [
    indent(
      hardline,
      group(
        `return ${construct}(target, {`,
        indent(
          line,
          "validate: validators,",
          ...members.flatMap((m) => [line, m]),
          line,
          "...options",
          ifBreak(","),
        ),
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
  agent = false,
): Doc[] {
  const deprecation = (e: Command | Event): Doc | null => {
    if (!isDeprecated(e, declarations)) return null;
    const text = e.doc?.features.get("deprecated")?.text;
    const tag = text ? `@deprecated ${docText(text, true)}` : "@deprecated";
    return docComment({ paras: [], tags: [tag] }, 2);
  };
  const out: Doc[] = [];
  for (const c of commands) {
    const doc = deprecation(c);
    if (!doc) continue;
    const key = JSON.stringify(c.name);
    // (The agent's client resolves a command without a success response once it is sent.)
    const returns = agent && !c.successResponse ? "CommandSent" : `${n.Commands}[K]["returns"]`;
    for (const method of c.allowOob && !agent ? ["execute", "executeOob"] : ["execute"]) {
      out.push([
        doc,
        // Generic in K, as QmpClient's own method is: a concrete signature would not accept it.
        group(
          `${method}<K extends ${key}>(`,
          indent(softline, "command: K,", line, `...params: ExecuteParams<${n.Commands}[K]>`),
          softline,
          `): globalThis.Promise<${returns}>;`,
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

/** A client module's imports, per module form: the client class and its types from the run
 * time, the schema's maps (types only), the validators (values only). */
function clientImports(
  clientClass: string,
  runtimeTypes: readonly string[],
  runtime: string,
  maps: string[],
  options: Parameters<typeof importSpecifier>[2],
): Record<ModuleForm, Doc[]> {
  const mapImport = importDeclaration(
    maps,
    importSpecifier(CLIENT_FILE, INDEX_FILE, options),
    true,
  );
  const validators = importDeclaration(
    ["validators"],
    importSpecifier(CLIENT_FILE, VALIDATORS_FILE, options),
  );
  return {
    ts: [
      importDeclaration([clientClass, ...runtimeTypes.map((t) => `type ${t}`)], runtime),
      mapImport,
      validators,
    ],
    js: [importDeclaration([clientClass], runtime), validators],
    dts: [importDeclaration([clientClass, ...runtimeTypes], runtime, true), mapImport],
  };
}
