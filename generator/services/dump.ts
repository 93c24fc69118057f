// The model dump: the text QEMU's front-end tests print (tests/qapi-schema/*.out), one line per
// entity in visiting order with indented details, then every documentation comment.

import type { Branches, Condition, Feature, SchemaModel } from "../model/index.ts";
import { conditionPython } from "../../runtime/conditions.ts";

const pyBool = (b: boolean): string => (b ? "True" : "False");

export function dumpModel(model: SchemaModel): string {
  const out: string[] = [];
  const ifLine = (c: Condition | null, indent = 4): void => {
    if (c) out.push(`${" ".repeat(indent)}if ${conditionPython(c)}`);
  };
  const featureLines = (features: Feature[], indent = 4): void => {
    for (const f of features) {
      out.push(`${" ".repeat(indent)}feature ${f.name}`);
      ifLine(f.ifcond, indent + 4);
    }
  };
  const branchLines = (b: Branches | null): void => {
    if (!b) return;
    out.push(`    tag ${b.tagMember.name}`);
    for (const v of b.variants) {
      out.push(`    case ${v.name}: ${v.type.name}`);
      ifLine(v.ifcond, 8);
    }
  };
  model.visit({
    visitModule: (name) => out.push(`module ${name}`),
    visitInclude: (name) => out.push(`include ${name}`),
    visitEnumType(t) {
      out.push(`enum ${t.name}`);
      if (t.prefix) out.push(`    prefix ${t.prefix}`);
      for (const m of t.members) {
        out.push(`    member ${m.name}`);
        ifLine(m.ifcond, 8);
        featureLines(m.features, 8);
      }
      ifLine(t.ifcond);
      featureLines(t.features);
    },
    visitArrayType(t) {
      if (!t.info) return; // built-in arrays are not shown
      out.push(`array ${t.name} ${t.elementType.name}`);
      ifLine(t.ifcond);
    },
    visitObjectType(t) {
      out.push(`object ${t.name}`);
      if (t.base) out.push(`    base ${t.base.name}`);
      for (const m of t.localMembers) {
        out.push(`    member ${m.name}: ${m.type.name} optional=${pyBool(m.optional)}`);
        ifLine(m.ifcond, 8);
        featureLines(m.features, 8);
      }
      branchLines(t.branches);
      ifLine(t.ifcond);
      featureLines(t.features);
    },
    visitAlternateType(t) {
      out.push(`alternate ${t.name}`);
      branchLines(t.branches);
      ifLine(t.ifcond);
      featureLines(t.features);
    },
    visitCommand(c) {
      out.push(`command ${c.name} ${c.argType?.name ?? "None"} -> ${c.retType?.name ?? "None"}`);
      out.push(
        `    gen=${pyBool(c.gen)} success_response=${pyBool(c.successResponse)} boxed=${pyBool(c.boxed)}` +
          ` oob=${pyBool(c.allowOob)} preconfig=${pyBool(c.allowPreconfig)}${c.coroutine ? " coroutine=True" : ""}`,
      );
      ifLine(c.ifcond);
      featureLines(c.features);
    },
    visitEvent(e) {
      out.push(`event ${e.name} ${e.argType?.name ?? "None"}`);
      out.push(`    boxed=${pyBool(e.boxed)}`);
      ifLine(e.ifcond);
      featureLines(e.features);
    },
  });
  for (const doc of model.docs) {
    out.push(doc.symbol ? `doc symbol=${doc.symbol}` : "doc freeform");
    out.push(`    body=\n${doc.body.text}`);
    for (const [name, s] of doc.args) out.push(`    arg=${name}\n${s.text}`);
    for (const [name, s] of doc.features) out.push(`    feature=${name}\n${s.text}`);
    for (const s of doc.sections) out.push(`    section=${s.kind}\n${s.text}`);
  }
  return out.length ? out.join("\n") + "\n" : "";
}
