// The front end for a schema checked again and again as it is edited (the language server): the
// same stages as loadSchema ("all" mode), with what an edit did not touch reused, and the same
// diagnostics and model as a run from scratch would give.
//
//   const program = new SchemaProgram("qapi/qapi-schema.json", { host });
//   program.update();     // reads every file through the host; parses and checks what changed
//
// What is reused, and when:
//   - a file's parse (parser/index.ts FileParse), while its text and its place among the files
//     (include chain, parse order) are the same; a file parsed anew keeps the definitions whose
//     text (doc comment included) and line are unchanged: the same DefinitionExpr objects;
//   - a definition's shape checks (expr.ts), while its DefinitionExpr is the same object;
//   - a definition's entities (schema/definitions.ts) and their checks (schema/checker.ts), unless
//     the definition is new, failed last time, or read a name (looked up a type, an entity, a
//     taken name) whose definition is among those redone: this closure is taken over the names
//     each definition's work looked up last time (trackers in definitions.ts and checker.ts). A
//     reused definition's lookups are replayed against this run's names; one that would find
//     something else is redone too (and the closure taken again).
// Why reuse is exact: a definition not redone passed its checks last time, and everything it read
// is unchanged and passed too; checks that pass do not depend on when they run. Diagnostics are
// logged per definition and phase and passed on again where the definition's work would have
// found them, so that the sink keeps the first warning of each kind as a run from scratch does.
// A change of pragma settings (which every check may read) or of whether the whole text was read
// redoes everything.

import type { DefinitionExpr, Expr } from "./ast.ts";
import { DiagnosticSink, passOn, type LogEntry } from "./diagnostics.ts";
import type { QAPIDoc } from "./doc-comments.ts";
import type { DefinitionSpec } from "./expr.ts";
import type { SchemaHost } from "./host.ts";
import { checkOrFail, type Failed } from "./index.ts";
import { parseSchema, reparseFile, type FileParse, type FileSource } from "./parser/index.ts";
import type { CheckTracker } from "./schema/checker.ts";
import { Checker } from "./schema/checker.ts";
import {
  SchemaDefinitions,
  type DefinitionEvent,
  type DefinitionTracker,
  type LookupKind,
} from "./schema/definitions.ts";
import type { EntityImpl, EntityLike, TypeEntity } from "./schema/entities.ts";
import type { FeatureImpl } from "./schema/members.ts";
import { makeModel } from "./schema/modules.ts";
import type { SchemaModel } from "../model/index.ts";
import { newPragma, type Diagnostic, type Pragma } from "../model/source.ts";

export interface ProgramOptions {
  /** Accept the legacy dialect of QEMU releases before 6.2 (see LoadOptions.compat). */
  compat?: boolean;
  /** Where files are read from; asked for every file at every update. */
  host: SchemaHost;
}

export interface ProgramRun {
  /** The checked model; null when there are errors (as loadSchema's). */
  model: SchemaModel | null;
  /**
   * The entities whose checks passed, errors elsewhere or not: what an editor can still show while
   * the text has errors. The same as `model` when there are none.
   */
  partialModel: SchemaModel;
  /** Every diagnostic, in file order (as loadSchema's "all" mode gives them). */
  diagnostics: Diagnostic[];
  /** The files read, in parse order, each with its syntax tree. */
  files: FileParse[];
  stats: RunStats;
}

/** What a run did and reused. */
export interface RunStats {
  filesParsed: number;
  filesReused: number;
  definitions: number;
  /** Definitions whose entities were made and checked anew. */
  definitionsRedone: number;
}

/** A definition's work in the last run it took part in, to reuse while it holds. */
class Unit {
  /** Its shape checks' result (null before they run) and what they reported. */
  spec: DefinitionSpec | Failed | null = null;
  specLog: LogEntry[] = [];
  /** What its define() looked up and made (null before it ran). */
  events: DefinitionEvent[] | null = null;
  /** The names of the entities it made (while its define() runs). */
  madeNames = new Set<string>();
  defineLog: LogEntry[] = [];
  /** Names its entities' checks looked up. */
  reads = new Set<string>();
  checkLog: LogEntry[] = [];
  docLog: LogEntry[] = [];
  /** Some of its work failed (its entities are left out of the model). */
  failed = false;
  /** The run that last passed on its check diagnostics (once per run). */
  checkReplayed = -1;
  /** The names it is filed under in SchemaProgram.readers. */
  filed: string[] = [];

  constructor(readonly expr: DefinitionExpr) {}

  /** The names it took: its entities', and its own. */
  names(): string[] {
    const out: string[] = [];
    for (const ev of this.events ?? []) if ("made" in ev) out.push(ev.made.name);
    if (this.expr.info.defnName !== null) out.push(this.expr.info.defnName);
    return out;
  }

  /** The names it looked up, defining and checking. */
  lookups(): string[] {
    const out = new Set(this.reads);
    for (const ev of this.events ?? []) if ("read" in ev) out.add(ev.read);
    return [...out];
  }
}

/** A sink that also logs each diagnostic to the log of the work at hand. */
class LoggingSink extends DiagnosticSink {
  log: LogEntry[] | null = null;

  constructor() {
    super("all");
  }

  override record(d: Diagnostic): void {
    this.log?.push({ recorded: d, at: 0 });
    super.record(d);
  }

  override warn(d: Diagnostic, kind?: string): void {
    this.log?.push({ warning: d, kind, at: 0 });
    super.warn(d, kind);
  }

  /** Passes on what earlier work logged, as it found it then. */
  replay(entries: readonly LogEntry[]): void {
    const log = this.log;
    this.log = null;
    for (const e of entries) passOn(this, e);
    this.log = log;
  }
}

/** Thrown when a reused definition's lookups would find something else: define again. */
class Conflict extends Error {}

/** A schema and what it includes, checked anew at each update() as it changes. */
export class SchemaProgram implements DefinitionTracker, CheckTracker {
  private readonly compat: boolean;
  private readonly host: SchemaHost;
  /** The settings of the schema's pragmas: one object, filled again at each run. */
  private readonly pragma: Pragma = newPragma();
  private files = new Map<string, FileParse>();
  private units = new Map<DefinitionExpr, Unit>();
  private predefined: EntityLike[] | null = null;
  private lastComplete: boolean | null = null;
  private lastPragma: string | null = null;
  private readonly unitOfEntity = new WeakMap<EntityImpl, Unit>();
  private readonly unitOfDoc = new WeakMap<QAPIDoc, Unit>();
  private runCount = 0;
  /** For each name, the definitions whose last work looked it up. */
  private readers = new Map<string, Set<Unit>>();

  // The run at hand.
  private sink = new LoggingSink();
  private phase: "define" | "check" = "define";
  /** Definitions whose work is redone. */
  private redo = new Set<Unit>();
  /** The definition whose define() runs. */
  private defining: Unit | null = null;
  /** Whose checks run (innermost last); null: none's (built-ins, free-form documentation). */
  private checking: (Unit | null)[] = [];

  constructor(
    readonly fname: string,
    options: ProgramOptions,
  ) {
    this.compat = options.compat ?? false;
    this.host = options.host;
  }

  /** Reads the schema's files again and checks what changed. */
  update(): ProgramRun {
    try {
      for (;;) {
        const run = this.run();
        if (run) return run;
        // The pragma settings changed: nothing checked before can be trusted.
        this.forget();
      }
    } catch (err) {
      // Only pathological input gets here (nesting beyond the stack), as in loadSchema.
      if (!(err instanceof RangeError)) throw err;
      this.forget();
      const message = `${this.fname}: input too deeply nested`;
      const empty = makeModel(this.fname, new Map(), new Map(), [], []);
      return {
        model: null,
        partialModel: empty,
        diagnostics: [{ severity: "error", message, info: null }],
        files: [],
        stats: { filesParsed: 0, filesReused: 0, definitions: 0, definitionsRedone: 0 },
      };
    }
  }

  /** Forgets everything: the next update() starts from scratch. */
  forget(): void {
    this.files = new Map();
    this.units = new Map();
    this.readers = new Map();
    this.predefined = null;
    this.lastComplete = null;
    this.lastPragma = null;
  }

  private run(): ProgramRun | null {
    this.runCount++;
    Object.assign(this.pragma, newPragma());
    const sink = (this.sink = new LoggingSink());
    const seen: FileParse[] = [];
    let filesReused = 0;
    const parsed = parseSchema(this.fname, {
      compat: this.compat,
      host: this.host,
      sink,
      syntax: true,
      pragma: this.pragma,
      parseFile: (source, parse) => {
        const file = this.fileParse(source, parse);
        if (file === this.files.get(source.fname)) filesReused++;
        seen.push(file);
        return file;
      },
    });
    const pragma = JSON.stringify(this.pragma);
    if (this.lastPragma !== null && pragma !== this.lastPragma) return null;
    this.files = new Map(seen.map((f) => [f.fname, f]));

    // Shape checks, each definition's once.
    const units: Unit[] = [];
    const unitOf = new Map<DefinitionExpr, Unit>();
    const stream: (Exclude<Expr, DefinitionExpr> | Unit)[] = [];
    for (const e of parsed.exprs) {
      if (e.kind !== "definition") {
        stream.push(e);
        continue;
      }
      const u = this.units.get(e) ?? new Unit(e);
      units.push(u);
      unitOf.set(e, u);
      stream.push(u);
      if (u.spec) sink.replay(u.specLog);
      else {
        sink.log = u.specLog = [];
        u.spec = checkOrFail(e, this.compat, sink);
        sink.log = null;
        if (!("kind" in u.spec) && u.spec.doc) this.unitOfDoc.set(u.spec.doc, u);
      }
    }

    // What to redo: new and failed definitions, and every one that looked up their names.
    const redo = (this.redo = new Set<Unit>());
    const everything = this.lastComplete !== parsed.complete;
    const removed: Unit[] = [];
    for (const [e, u] of this.units) if (!unitOf.has(e)) removed.push(u);
    for (const u of removed) this.file(u, []);
    for (const u of units) if (everything || !u.events || u.failed) redo.add(u);
    this.close([...redo, ...removed]);

    // Entities: made anew for the definitions redone, the others' made again as they were.
    let defs: SchemaDefinitions;
    for (;;) {
      try {
        defs = this.define(stream, parsed.complete);
        break;
      } catch (err) {
        if (!(err instanceof Conflict)) throw err;
      }
    }

    // Checks: of the definitions redone; the others' are reused with their diagnostics.
    for (const u of redo) {
      u.reads = new Set();
      u.checkLog = [];
      u.docLog = [];
      const spec = u.spec!;
      if (!("kind" in spec) && spec.doc) spec.doc.disconnect();
    }
    this.phase = "check";
    this.checking = [];
    new Checker(defs, { compat: this.compat, sink, tracker: this }).check();
    sink.log = null;
    for (const u of redo) {
      u.failed =
        "kind" in u.spec! ||
        u.defineLog.some(isError) ||
        (u.events ?? []).some((ev) => "made" in ev && ev.made.failed);
    }

    for (const u of redo) this.file(u, u.lookups());
    this.units = unitOf;
    this.predefined = defs.predefined;
    this.lastComplete = parsed.complete;
    this.lastPragma = pragma;
    const diagnostics = sink.diagnostics();
    const partialModel = this.model(defs, sink.errorCount > 0);
    return {
      model: sink.errorCount > 0 ? null : partialModel,
      partialModel,
      diagnostics,
      files: seen,
      stats: {
        filesParsed: seen.length - filesReused,
        filesReused,
        definitions: units.length,
        definitionsRedone: redo.size,
      },
    };
  }

  /** A file's parse: the last one, if its text and place are the same; else a new one. */
  private fileParse(source: FileSource, parse: () => FileParse): FileParse {
    const old = this.files.get(source.fname);
    if (old && old.text === source.text && old.place === source.place) {
      for (const [field, value] of old.pragmas) Object.assign(this.pragma, { [field]: value });
      return old;
    }
    const file = (old && reparseFile(old, source, this.pragma, this.compat, true)) ?? parse();
    if (old && old.place === source.place) keepUnchanged(old, file);
    return file;
  }

  /** Adds to `redo` every definition that looked up a name of those given, and so on. */
  private close(changed: readonly Unit[]): void {
    const queue: string[] = [];
    for (const u of changed) queue.push(...u.names());
    while (queue.length) {
      for (const u of this.readers.get(queue.pop()!) ?? []) {
        if (this.redo.has(u)) continue;
        this.redo.add(u);
        queue.push(...u.names());
      }
    }
  }

  /** Files `u` under the names it looked up (instead of those it was filed under). */
  private file(u: Unit, names: string[]): void {
    for (const name of u.filed) this.readers.get(name)?.delete(u);
    for (const name of names) {
      const set = this.readers.get(name);
      if (set) set.add(u);
      else this.readers.set(name, new Set([u]));
    }
    u.filed = names;
  }

  /** The define phase; throws Conflict when a reused definition turned out to need redoing. */
  private define(
    stream: readonly (Exclude<Expr, DefinitionExpr> | Unit)[],
    complete: boolean,
  ): SchemaDefinitions {
    const sink = this.sink;
    this.phase = "define";
    const defs = new SchemaDefinitions(this.fname, {
      sink,
      absolute: (f) => this.host.absolute(f),
      complete,
      tracker: this,
      predefined: this.predefined ?? undefined,
    });
    for (const x of stream) {
      if (!(x instanceof Unit)) {
        if (x.kind === "include") defs.defInclude(x.resolved, x.info);
        else defs.docs.push(x.doc);
        continue;
      }
      const spec = x.spec!;
      if ("kind" in spec) {
        defs.defineFailed(spec.info, spec.span);
        continue;
      }
      if (!this.redo.has(x)) {
        if (defs.replay(x.events!, spec.doc)) {
          sink.replay(x.defineLog);
          continue;
        }
        this.redo.add(x);
        this.close([x]);
        throw new Conflict();
      }
      x.events = [];
      x.madeNames = new Set();
      sink.log = x.defineLog = [];
      this.defining = x;
      defs.define(spec);
      this.defining = null;
      sink.log = null;
    }
    return defs;
  }

  /** The model of the entities that passed (all of them when there are no errors). */
  private model(defs: SchemaDefinitions, errors: boolean): SchemaModel {
    if (!errors)
      return makeModel(
        this.fname,
        defs.entities,
        defs.types,
        defs.modules.assign(defs.items),
        defs.docs,
      );
    const ok = <T extends EntityLike>(e: T): boolean => !e.failed;
    const entities = new Map([...defs.entities].filter(([, e]) => ok(e)));
    const types = new Map<string, TypeEntity>([...defs.types].filter(([, e]) => ok(e)));
    const items = defs.items.filter((p) => !("entity" in p) || ok(p.entity));
    return makeModel(this.fname, entities, types, defs.modules.assign(items), defs.docs);
  }

  // DefinitionTracker

  read(name: string, kind: LookupKind, found: boolean): void {
    if (this.phase === "define") {
      const u = this.defining;
      // (What it made itself is found whenever its work is replayed: no need to look again.)
      if (u && !u.madeNames.has(name)) u.events!.push({ read: name, kind, found });
    } else {
      const u = this.checking[this.checking.length - 1];
      if (u && this.redo.has(u)) u.reads.add(name);
    }
  }

  made(entity: EntityLike): void {
    const u = this.defining;
    if (!u) return;
    u.events!.push({ made: entity });
    u.madeNames.add(entity.name);
    this.unitOfEntity.set(entity, u);
  }

  feature(use: FeatureImpl): void {
    this.defining?.events!.push({ feature: use });
  }

  // CheckTracker

  reused(e: EntityImpl): boolean {
    const u = this.unitOfEntity.get(e);
    if (!u) return this.predefined !== null && !e.info; // built-ins are checked once
    if (this.redo.has(u)) return false;
    if (u.checkReplayed !== this.runCount) {
      u.checkReplayed = this.runCount;
      this.sink.replay(u.checkLog);
    }
    return true;
  }

  reusedDoc(doc: QAPIDoc): boolean {
    const u = this.unitOfDoc.get(doc);
    if (!u || this.redo.has(u)) return false;
    this.sink.replay(u.docLog);
    return true;
  }

  enter(owner: EntityImpl | QAPIDoc): void {
    const doc = !("meta" in owner);
    const u = "meta" in owner ? this.unitOfEntity.get(owner) : this.unitOfDoc.get(owner);
    const current = u && this.redo.has(u) ? u : null;
    this.checking.push(current);
    this.sink.log = current ? (doc ? current.docLog : current.checkLog) : null;
  }

  leave(): void {
    this.checking.pop();
    const u = this.checking[this.checking.length - 1] ?? null;
    this.sink.log = u ? u.checkLog : null;
  }
}

function isError(e: LogEntry): boolean {
  return "error" in e || ("recorded" in e && e.recorded.severity === "error");
}

/**
 * A file parsed anew keeps the definitions of its last parse whose text (from the doc comment to
 * the closing brace), line and column are the same: their DefinitionExpr objects, so that their
 * work is reused (what made them, at the same place in an unchanged context, is the same). Their
 * PositionTable and SourceInfo are those of the parse that made them, read against its text: the
 * same lines and columns, since the text from where they start is the same. (Their offsets are
 * that text's: FileParse.starts says where each starts in the text at hand.)
 */
function keepUnchanged(old: FileParse, file: FileParse): void {
  const oldText = old.src;
  const text = file.src;
  const byLine = new Map<number, number>();
  for (let j = 0; j < old.exprs.length; j++) {
    const e = old.exprs[j]!;
    if (e.kind === "definition") byLine.set(e.info.line, j);
  }
  for (let i = 0; i < file.exprs.length; i++) {
    const e = file.exprs[i]!;
    if (e.kind !== "definition") continue;
    const j = byLine.get(e.info.line);
    if (j === undefined) continue;
    const same = old.exprs[j] as DefinitionExpr;
    if (same === e) continue;
    const length = e.span.end - e.span.start;
    const oldStart = old.starts[j]!;
    const start = file.starts[i]!;
    if (
      same.span.end - same.span.start === length &&
      column(oldText, oldStart) === column(text, start) &&
      oldText.slice(oldStart, oldStart + length) === text.slice(start, start + length)
    )
      file.exprs[i] = same;
  }
}

/** How far `offset` is from the start of its line (in UTF-16 units; equal is all that matters). */
function column(text: string, offset: number): number {
  return offset - (text.lastIndexOf("\n", offset - 1) + 1);
}
