// The introspection back end: `introspection.ts`, the query-qmp-schema payload of the schema
// (what QEMU's qapi-introspect.c holds), for the QMP server side of tests and tools and for
// probing a build without running it. It embeds the configuration-independent payload of
// model/introspection-tree.ts and the list of its conditional items; conditionalPayload() of the
// run-time package removes, per build, the items whose condition fails. With `defines`, the
// conditions are resolved now and the list is empty.

import type { Backend, BackendOptions } from "../backend.ts";
import type { SchemaModel } from "../../model/index.ts";
import {
  buildIntrospectionTree,
  Conditional,
  resolveConditions,
  type JsonValue,
  type TreeValue,
} from "../../model/introspection-tree.ts";
import type { ConditionalItem } from "../../../runtime/schema-payload.ts";
import { rawTemplate } from "../json-text.ts";
import { importDeclaration, print, type Doc } from "../printer.ts";
import { emitModule, formFlags, type ModuleForm } from "../module-forms.ts";
import { lazyTemplate } from "../templates/index.ts";
import templateSource from "./introspection.ts.hbs";

export const INTROSPECTION_FILE = "introspection.ts";

const template = lazyTemplate(templateSource);

export const introspectionBackend: Backend<{ unmask: boolean }> = {
  name: "introspection",
  description: "introspection.ts: the query-qmp-schema reply of any build of the schema",
  requires: [],
  paths: [INTROSPECTION_FILE],
  options: {
    unmask: { description: "real type names instead of QEMU's numbers", default: false },
  },
  generate(model: SchemaModel, options: BackendOptions & { unmask: boolean }) {
    const tree = buildIntrospectionTree(model, { unmask: options.unmask });
    const conditional: ConditionalItem[] = [];
    const payload = options.defines
      ? resolveConditions(tree, options.defines)
      : splitConditions(tree, [], conditional);
    const runtime = `${options.runtimePackage}/introspection`;
    const imports: Record<ModuleForm, Doc> = {
      ts: importDeclaration(["conditionalPayload", "type SchemaInfo"], runtime),
      js: importDeclaration(["conditionalPayload"], runtime),
      dts: importDeclaration(["SchemaInfo"], runtime, true),
    };
    const payloadText = rawTemplate(entryLines(payload as JsonValue[]));
    const conditionalText = rawTemplate(entryLines(conditional));
    return emitModule(INTROSPECTION_FILE, options, (form) =>
      template({
        ...formFlags(form),
        schemaName: options.schemaName,
        imports: print(imports[form]),
        typeNames: options.unmask ? "real" : "masked",
        defined: options.defines ? [...options.defines].sort().join(" ") || "nothing" : null,
        payload: payloadText,
        conditional: conditionalText,
      }),
    );
  },
};

/** A JSON array with one entry per line. */
function entryLines(entries: readonly unknown[]): string {
  return entries.length ? `[\n${entries.map((e) => JSON.stringify(e)).join(",\n")}\n]` : "[]";
}

/**
 * Unwraps every Conditional, recording its condition and path in `out` (document order). `path`
 * is the current position, a stack shared by the whole walk; it is copied only when recorded.
 */
function splitConditions(
  value: TreeValue,
  path: (string | number)[],
  out: ConditionalItem[],
): JsonValue {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    const list: JsonValue[] = [];
    value.forEach((item, i) => {
      path.push(i);
      if (item instanceof Conditional) {
        out.push([item.ifcond, ...path]);
        list.push(splitConditions(item.value, path, out));
      } else list.push(splitConditions(item, path, out));
      path.pop();
    });
    return list;
  }
  const obj: { [key: string]: JsonValue } = {};
  for (const key of Object.keys(value)) {
    path.push(key);
    obj[key] = splitConditions(value[key]!, path, out);
    path.pop();
  }
  return obj;
}
