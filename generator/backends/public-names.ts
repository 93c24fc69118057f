// The names programs see for the schema's types. Declared types keep their QAPI name; the types
// QEMU makes up get names a user can import and read in an error message instead of QEMU's
// internal `q_obj_*` ones: the arguments of command `blockdev-add` are `BlockdevAddArguments`,
// the data of event `BLOCK_JOB_COMPLETED` is `BlockJobCompletedData`, the inline base of union
// `Foo` is `FooBase`, a legacy branch wrapper of `Bar` is `BarWrapper`. A made-up name that a
// declared type already has gets a `_` suffix. Types without such a role (QEMU's `q_empty`)
// have no public name: nothing refers to them by name.

import type { SchemaModel } from "../model/index.ts";

/** `blockdev-add` -> `BlockdevAdd`, `BLOCK_JOB_COMPLETED` -> `BlockJobCompleted`. */
export function pascalCase(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => (w === w.toUpperCase() ? w.charAt(0) + w.slice(1).toLowerCase() : w))
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join("");
}

/** Each model's public names, made once: every back end asks for them. */
const made = new WeakMap<SchemaModel, ReadonlyMap<string, string>>();

/** QAPI type name -> public name, for every type a program can name. */
export function publicNames(model: SchemaModel): ReadonlyMap<string, string> {
  let names = made.get(model);
  if (names === undefined) made.set(model, (names = makePublicNames(model)));
  return names;
}

function makePublicNames(model: SchemaModel): Map<string, string> {
  const roles = new Map<string, string>();
  for (const e of model.entities) {
    if ((e.meta === "command" || e.meta === "event") && e.argType?.isImplicit) {
      roles.set(e.argType.name, pascalCase(e.name) + (e.meta === "command" ? "Arguments" : "Data"));
    }
    if (e.meta === "object" && e.base?.isImplicit) roles.set(e.base.name, `${e.name}Base`);
    if (e.meta === "object" && e.isImplicit && e.name.endsWith("-wrapper")) {
      roles.set(e.name, `${pascalCase(e.name.slice("q_obj_".length, -"-wrapper".length))}Wrapper`);
    }
  }
  const out = new Map<string, string>();
  const taken = new Set<string>();
  for (const e of model.entities) {
    if (e.meta === "command" || e.meta === "event" || e.meta === "array" || e.isImplicit) continue;
    out.set(e.name, e.name);
    taken.add(e.name);
  }
  for (const e of model.entities) {
    const role = roles.get(e.name);
    if (role === undefined || out.has(e.name)) continue;
    let name = role;
    while (taken.has(name)) name += "_";
    taken.add(name);
    out.set(e.name, name);
  }
  return out;
}
