// The semantic checks of the entities (entities.ts), in definition order as QEMU makes them:
// types resolved, members flattened, clashes found, then each entity's documentation connected,
// and finally every doc comment checked. Errors go to the sink; when it collects them, an entity
// that fails is left out, and what fails only because of it (an entity containing it, a reference
// to a definition left out) is not reported again.

import type { DocMember } from "../../model/documentation.ts";
import { docWarningKind, type QAPIDoc } from "../doc-comments.ts";
import type { CheckContext } from "../diagnostics.ts";
import { QAPIError, excerpt, type SourceInfo, type Span } from "../../model/source.ts";
import type { DocStep, EntityImpl, SchemaChecker, TypeEntity } from "./entities.ts";
import type { SchemaDefinitions } from "./definitions.ts";

const MAX_FEATURES = 64;

/** Thrown through the checks of an entity that fails because another one did (not reported). */
class DependencyFailed extends Error {}
const DEPENDENCY_FAILED = new DependencyFailed("dependency failed");

export class Checker implements SchemaChecker {
  constructor(
    private readonly defs: SchemaDefinitions,
    private readonly options: CheckContext,
  ) {}

  lookupType(name: string): TypeEntity | undefined {
    return this.defs.lookupType(name);
  }

  resolveType(
    name: string,
    info: SourceInfo,
    what: string | ((info: SourceInfo) => string),
    span: Span | null,
  ): TypeEntity {
    const t = this.defs.lookupType(name);
    if (t && !t.failed) return t;
    if (t || !this.defs.unknownIsAFinding(name)) throw DEPENDENCY_FAILED;
    const w = typeof what === "function" ? what(info) : what;
    throw new QAPIError(info, `${w} uses unknown type '${excerpt(name)}'`, { span });
  }

  checkNested(t: EntityImpl): void {
    if (t.failed) throw DEPENDENCY_FAILED;
    try {
      t.check(this);
    } catch (err) {
      if (err !== DEPENDENCY_FAILED && !(err instanceof QAPIError)) throw err;
      t.failed = true;
      if (err instanceof QAPIError) this.options.sink.error(err);
      throw DEPENDENCY_FAILED;
    }
  }

  /**
   * Runs one documentation step. Under compat, what QEMU 10.2 rejects in older releases' doc
   * comments (e.g. undocumented members, sections it no longer allows) becomes a warning.
   */
  docStep(doc: QAPIDoc, step: DocStep, member: DocMember | null = null): void {
    // (A step name, not a closure: this runs for every member, and closures cost allocations.)
    const { compat, sink } = this.options;
    if (!compat && !sink.collecting) return runDocStep(doc, step, member);
    try {
      runDocStep(doc, step, member);
    } catch (err) {
      if (!(err instanceof QAPIError)) throw err;
      const d = err.diagnostic;
      if (!compat) return sink.error(err);
      sink.warn(
        { ...d, severity: "warning", message: `${d.message} (accepted by --compat)` },
        docWarningKind(d.message),
      );
    }
  }

  /** Checks every entity and doc comment; errors go to the sink. */
  check(): void {
    const { sink } = this.options;
    const { items, docs, uncheckedDocs } = this.defs;
    for (let i = 0; i < items.length; i++) {
      const p = items[i]!;
      if (!("entity" in p)) continue;
      const e = p.entity;
      if (e.failed) continue;
      try {
        e.check(this);
      } catch (err) {
        if (err !== DEPENDENCY_FAILED && !(err instanceof QAPIError)) throw err;
        e.failed = true;
        if (e.doc) uncheckedDocs.add(e.doc);
        if (err instanceof QAPIError) sink.error(err);
        continue;
      }
      e.connectDoc(this);
    }
    for (const doc of docs) if (!uncheckedDocs.has(doc)) this.docStep(doc, "check");
    const features = [...this.defs.featureInfo.values()];
    if (features.length > MAX_FEATURES) {
      const f = features[MAX_FEATURES]!;
      sink.error(
        new QAPIError(f.info, `Maximum of ${MAX_FEATURES} schema features is permitted`, {
          span: f.span,
        }),
      );
    }
  }
}

function runDocStep(doc: QAPIDoc, step: DocStep, member: DocMember | null): void {
  if (step === "check") doc.check();
  else doc[step](member!);
}
