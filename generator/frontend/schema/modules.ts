// The model as back ends see it (model/index.ts): the checked entities assigned to their modules (one
// per schema file, named relative to the main file's folder), with lookup and the visitor.

import * as path from "node:path";
import type { QAPIDoc } from "../doc-comments.ts";
import type { Definition, Module, SchemaModel, SchemaVisitor } from "../../model/index.ts";
import type { SourceInfo } from "../../model/source.ts";
import type { EntityLike, TypeEntity } from "./entities.ts";

export const BUILTIN_MODULE = "./builtin";

/** An entity, or an include (which only records a module), in definition order. */
export type ModuleItem = { include: string; info: SourceInfo } | { entity: EntityLike };

/** A module, with its entities and includes in the order the visitor reports them. */
export class ModuleImpl implements Module {
  readonly entities: Definition[] = [];
  readonly includes: { name: string; info: SourceInfo }[] = [];
  readonly items: ModuleItem[] = [];
  constructor(readonly name: string) {}
}

/** The schema's modules, in the order they are first met: built-ins, the main file, includes. */
export class Modules {
  private readonly byName = new Map<string, ModuleImpl>();
  private readonly nameCache = new Map<string, string>();
  private readonly schemaDir: string;

  constructor(
    fname: string,
    /** The absolute name of a file. */
    private readonly absolute: (fname: string) => string,
  ) {
    this.schemaDir = path.dirname(absolute(fname));
    this.get(BUILTIN_MODULE);
    this.get(fname);
  }

  /** The module of a file (made when first asked for). */
  get(fname: string): ModuleImpl {
    const name = this.nameOf(fname);
    let m = this.byName.get(name);
    if (!m) {
      m = new ModuleImpl(name);
      this.byName.set(name, m);
    }
    return m;
  }

  private nameOf(fname: string): string {
    if (fname.startsWith("./")) return fname; // system modules (./builtin)
    let name = this.nameCache.get(fname);
    if (name === undefined) {
      name = path.relative(this.schemaDir, this.absolute(fname));
      this.nameCache.set(fname, name);
    }
    return name;
  }

  /** Assigns each checked entity and include to its module; returns the modules. */
  assign(items: readonly ModuleItem[]): ModuleImpl[] {
    for (let i = 0; i < items.length; i++) {
      const p = items[i]!;
      if ("entity" in p) {
        const m = this.get(p.entity.moduleFile() ?? BUILTIN_MODULE);
        p.entity.module = m.name;
        m.entities.push(p.entity);
        m.items.push(p);
      } else {
        const m = this.get(p.info.fname);
        m.includes.push({ name: p.include, info: p.info });
        m.items.push(p);
      }
    }
    return [...this.byName.values()];
  }
}

/** The model of checked entities (by name, and the types among them) and their modules. */
export function makeModel(
  fname: string,
  dict: ReadonlyMap<string, EntityLike>,
  typeDict: ReadonlyMap<string, TypeEntity>,
  modules: ModuleImpl[],
  docs: QAPIDoc[],
): SchemaModel {
  const entities: Definition[] = [];
  for (const m of modules) for (const e of m.entities) entities.push(e);
  const model: SchemaModel = {
    fname,
    entities,
    lookup: (name) => dict.get(name),
    lookupType: (name) => typeDict.get(name),
    modules,
    docs,
    visit(v: SchemaVisitor) {
      v.visitBegin?.(model);
      for (const m of modules) {
        v.visitModule?.(m.name);
        for (const item of m.items) {
          if ("include" in item) {
            v.visitInclude?.(item.include, item.info);
            continue;
          }
          const e = item.entity as Definition;
          if (v.visitNeeded && !v.visitNeeded(e)) continue;
          switch (e.meta) {
            case "builtin":
              v.visitBuiltinType?.(e);
              break;
            case "enum":
              v.visitEnumType?.(e);
              break;
            case "array":
              v.visitArrayType?.(e);
              break;
            case "object":
              v.visitObjectType?.(e);
              break;
            case "alternate":
              v.visitAlternateType?.(e);
              break;
            case "command":
              v.visitCommand?.(e);
              break;
            case "event":
              v.visitEvent?.(e);
              break;
          }
        }
      }
      v.visitEnd?.();
    },
  };
  return model;
}
