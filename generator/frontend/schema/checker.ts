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

/**
 * Told which entity's (or doc comment's) checks are running, and asked which to skip: the
 * incremental front end (incremental.ts) reuses the checks of entities whose definitions, and
 * everything these read, did not change.
 */
export interface CheckTracker {
  /** Whether e's checks (and its documentation's connection) are reused: then they are skipped. */
  reused(e: EntityImpl): boolean;
  /** Whether the doc comment's final check is reused (skipped). */
  reusedDoc(doc: QAPIDoc): boolean;
  /** The checks of `owner` begin (nested checks included); leave() when they end. */
  enter(owner: EntityImpl | QAPIDoc): void;
  leave(): void;
}

export interface CheckOptions extends CheckContext {
  tracker?: CheckTracker;
}

/** Thrown through the checks of an entity that fails because another one did (not reported). */
class DependencyFailed extends Error {}
const DEPENDENCY_FAILED = new DependencyFailed("dependency failed");

export class Checker implements SchemaChecker {
  constructor(
    private readonly defs: SchemaDefinitions,
    private readonly options: CheckOptions,
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
    const tracker = this.options.tracker;
    tracker?.enter(t);
    try {
      t.check(this);
    } catch (err) {
      if (err !== DEPENDENCY_FAILED && !(err instanceof QAPIError)) throw err;
      t.failed = true;
      if (err instanceof QAPIError) this.options.sink.error(err);
      throw DEPENDENCY_FAILED;
    } finally {
      tracker?.leave();
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

  /** An entity's checks, then (if they pass) its documentation's connection to it. */
  private checkEntity(e: EntityImpl): void {
    try {
      e.check(this);
    } catch (err) {
      if (err !== DEPENDENCY_FAILED && !(err instanceof QAPIError)) throw err;
      e.failed = true;
      if (e.doc) this.defs.uncheckedDocs.add(e.doc);
      if (err instanceof QAPIError) this.options.sink.error(err);
      return;
    }
    e.connectDoc(this);
  }

  /** Checks every entity and doc comment; errors go to the sink. */
  check(): void {
    const { sink, tracker } = this.options;
    const { items, docs, uncheckedDocs } = this.defs;
    for (let i = 0; i < items.length; i++) {
      const p = items[i]!;
      if (!("entity" in p)) continue;
      const e = p.entity;
      if (e.failed) continue;
      if (!tracker) this.checkEntity(e);
      else if (!tracker.reused(e)) {
        tracker.enter(e);
        try {
          this.checkEntity(e);
        } finally {
          tracker.leave();
        }
      }
    }
    for (const doc of docs) {
      if (uncheckedDocs.has(doc)) continue;
      if (!tracker) this.docStep(doc, "check");
      else if (!tracker.reusedDoc(doc)) {
        tracker.enter(doc);
        try {
          this.docStep(doc, "check");
        } finally {
          tracker.leave();
        }
      }
    }
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
