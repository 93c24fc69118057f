// The language server's view of the files: open documents (their text as the editor has it, over
// the file on disk), files on disk (read once, again when they may have changed), and the schemas
// being checked: each a main file (the root) and what it includes, an incremental front end
// (frontend/incremental.ts) and the settings of the project's configuration file.
//
// Which schema a file belongs to: the one whose last check read it; else the configuration's
// `schema` if it includes the file; else the files of its folder that include it (directly or
// not) and that no other file there includes; else the file is a schema of its own.

import { readFileSync, readdirSync, statSync } from "node:fs";
import { isUtf8 } from "node:buffer";
import path from "node:path";
import { diskHost, type HostRead, type SchemaHost } from "../../frontend/host.ts";
import { SchemaProgram, type ProgramRun } from "../../frontend/incremental.ts";
import { parseFile } from "../../frontend/parser/index.ts";
import { loadConfig, type FoundConfig } from "../../codegen/config.ts";
import { checkHistory, type History } from "../../compat/history.ts";
import { newPragma } from "../../model/source.ts";
import { LintCache, selectRules } from "../../services/lint.ts";
import type { LintRule } from "../../services/lint-rules.ts";
import type { SchemaSnapshot } from "../../services/language/index.ts";
import type { Diagnostic } from "../../model/source.ts";

export interface OpenDocument {
  uri: string;
  version: number;
  text: string;
}

/** A project's settings for a schema, from its configuration file. */
export interface Settings {
  compat: boolean;
  rules: LintRule[];
  history: History | null;
  /** What was wrong with the configuration (shown to the user once). */
  problems: string[];
}

/**
 * A schema being checked. Its files are named as QEMU's generator names them when run in the
 * main file's folder (`block-core.json`, not an absolute path): so are they in its messages.
 */
export interface Schema {
  /** The main file (absolute). */
  root: string;
  /** Its folder, which the schema's file names are relative to. */
  dir: string;
  settings: Settings;
  program: SchemaProgram;
  /** Lint's findings kept per doc comment while it is unchanged. */
  lint: LintCache;
  run: ProgramRun | null;
  /** The run's diagnostics with lint's findings. */
  diagnostics: Diagnostic[];
  snapshot: SchemaSnapshot | null;
  /** The files its last run read (absolute). */
  files: Set<string>;
  dirty: boolean;
}

export class Workspace {
  /** Open documents by absolute path. */
  readonly documents = new Map<string, OpenDocument>();
  readonly schemas = new Map<string, Schema>();
  private readonly disk = new Map<string, { stamp: string; read: HostRead }>();
  /** Files whose disk state was looked at since the disk last changed. */
  private readonly looked = new Set<string>();
  /** Files by absolute name. */
  readonly host: SchemaHost = this.hostIn("/");

  constructor(
    /** The workspace folders (absolute): configuration files are looked for up to them. */
    readonly folders: string[],
  ) {}

  /** Files named relative to `dir`. */
  hostIn(dir: string): SchemaHost {
    return {
      absolute: (f) => path.resolve(dir, f),
      read: (f, limit) => this.read(path.resolve(dir, f), limit),
    };
  }

  /** A file's text: the open document's, else the file's on disk (read again when it changed). */
  private read(file: string, limit: number): HostRead {
    const doc = this.documents.get(file);
    if (doc) {
      if (doc.text.length > limit || Buffer.byteLength(doc.text) > limit) return { tooLarge: true };
      return { text: doc.text };
    }
    const cached = this.disk.get(file);
    if (cached && this.looked.has(file)) return limited(cached.read, limit);
    const stamp = stampOf(file);
    this.looked.add(file);
    if (cached && cached.stamp === stamp) return limited(cached.read, limit);
    let r = diskHost.read(file, limit);
    // Valid UTF-8 is kept as text (the same string while the file is unchanged); invalid UTF-8
    // goes to the front end as bytes, which says where it is invalid.
    if ("bytes" in r && isUtf8(r.bytes)) r = { text: Buffer.from(r.bytes).toString("utf8") };
    if (!("bytes" in r) && !("tooLarge" in r)) this.disk.set(file, { stamp, read: r });
    return r;
  }

  /** Files on disk may have changed: look again at each before using it. */
  diskChanged(): void {
    this.looked.clear();
  }

  /** The schemas `file` belongs to, made and checked when there are none yet. */
  schemasOf(file: string): Schema[] {
    const have = [...this.schemas.values()].filter((s) => s.files.has(file) || s.root === file);
    if (have.length) return have;
    const out: Schema[] = [];
    for (const root of this.roots(file)) {
      let s = this.schemas.get(root);
      if (!s) {
        s = this.newSchema(root);
        this.schemas.set(root, s);
      }
      out.push(s);
    }
    return out;
  }

  private newSchema(root: string): Schema {
    const settings = this.settings(root);
    const dir = path.dirname(root);
    return {
      root,
      dir,
      settings,
      program: new SchemaProgram(path.basename(root), {
        compat: settings.compat,
        host: this.hostIn(dir),
      }),
      lint: new LintCache(),
      run: null,
      diagnostics: [],
      snapshot: null,
      files: new Set([root]),
      dirty: true,
    };
  }

  /** The main files of the schemas that include `file` (see the header). */
  private roots(file: string): string[] {
    const config = this.config(path.dirname(file));
    for (const target of config?.targets ?? []) {
      const configured = target.schema;
      if (!configured || configured === file) continue;
      const s = this.schemas.get(configured) ?? this.newSchema(configured);
      s.files = filesOf(s.program.update(), s.dir);
      if (s.files.has(file)) return [configured];
    }
    // Which files of the folder include which.
    const dir = path.dirname(file);
    const includers = new Map<string, Set<string>>();
    let names: string[] = [];
    try {
      names = readdirJson(dir);
    } catch {
      return [file];
    }
    for (const name of names) {
      const f = path.join(dir, name);
      const r = this.read(f, Infinity);
      if (!("text" in r) || !r.text.includes("include")) continue;
      const parse = parseFile(
        { fname: f, text: r.text, parent: null, fileIndex: 0, place: "" },
        newPragma(),
        true,
        false,
      );
      for (const e of parse.exprs) {
        if (e.kind !== "include") continue;
        const target = path.resolve(e.resolved);
        const set = includers.get(target) ?? new Set();
        set.add(f);
        includers.set(target, set);
      }
    }
    const roots: string[] = [];
    const seen = new Set<string>([file]);
    const queue = [file];
    while (queue.length) {
      const f = queue.pop()!;
      const by = includers.get(f);
      if (!by?.size) {
        roots.push(f);
        continue;
      }
      for (const g of by)
        if (!seen.has(g)) {
          seen.add(g);
          queue.push(g);
        }
    }
    return roots.length ? roots.sort() : [file];
  }

  /** The configuration that applies in `dir`: the nearest up to a workspace folder. */
  config(dir: string): FoundConfig | null {
    for (let d = dir; ; d = path.dirname(d)) {
      try {
        const found = loadConfig(d);
        if (found) return found;
      } catch {
        return null; // reported by settings()
      }
      if (this.folders.includes(d) || path.dirname(d) === d) return null;
    }
  }

  /** The settings for the schema `root`, from its configuration file. */
  private settings(root: string): Settings {
    const settings: Settings = {
      compat: false,
      rules: selectRules() as LintRule[],
      history: null,
      problems: [],
    };
    let found: FoundConfig | null = null;
    for (let d = path.dirname(root); ; d = path.dirname(d)) {
      try {
        found = loadConfig(d);
      } catch (err) {
        settings.problems.push((err as Error).message);
        return settings;
      }
      if (found || this.folders.includes(d) || path.dirname(d) === d) break;
    }
    if (!found) return settings;
    // (With several schemas: the entry of this one, else the first.)
    const { targets, file } = found;
    const config = targets.find((t) => t.schema === root) ?? targets[0]!;
    settings.compat = config.compat ?? false;
    const rules = selectRules(config.lint?.rule, config.lint?.noRule);
    if (typeof rules === "string") settings.problems.push(`${file}: ${rules}`);
    else settings.rules = rules;
    const history = config.lint?.history;
    if (history) {
      try {
        const json: unknown = JSON.parse(readFileSync(history, "utf8"));
        const problem = checkHistory(json);
        if (problem) settings.problems.push(`${history}: not a history: ${problem}`);
        else settings.history = json as History;
      } catch (err) {
        settings.problems.push(`can't read history ${history}: ${(err as Error).message}`);
      }
    }
    return settings;
  }

  /** Forgets the schemas no open document belongs to (returns them). */
  dropUnused(): Schema[] {
    const dropped: Schema[] = [];
    for (const [root, s] of this.schemas) {
      const used = [...this.documents.keys()].some((f) => s.files.has(f) || f === root);
      if (!used) {
        this.schemas.delete(root);
        dropped.push(s);
      }
    }
    return dropped;
  }
}

/** The absolute names of the files a run read (their names relative to `dir`). */
export function filesOf(run: ProgramRun, dir: string): Set<string> {
  return new Set(run.files.map((f) => path.resolve(dir, f.fname)));
}

function limited(r: HostRead, limit: number): HostRead {
  if ("text" in r && (r.text.length > limit || Buffer.byteLength(r.text) > limit))
    return { tooLarge: true };
  return r;
}

/** What tells a file's content apart without reading it: size, time, inode (or why not). */
function stampOf(file: string): string {
  try {
    const st = statSync(file, { bigint: true });
    return `${st.size}:${st.mtimeNs}:${st.ino}:${st.dev}`;
  } catch (err) {
    return `error:${(err as NodeJS.ErrnoException).code ?? "?"}`;
  }
}

function readdirJson(dir: string): string[] {
  return readdirSync(dir).filter((n) => n.endsWith(".json"));
}
