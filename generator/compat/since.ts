// `lint --history FILE`: the doc comments' "Since:" claims checked against what the wire really
// offered in each release (a history from history.ts). Claims are read at definition level (the
// "Since:" section of a command or event) and at member level ("(since X.Y)" in the description
// of a member, argument or enum value). Release names must contain a version (`4.1`,
// `qemu-9.2.0`).
//
// A member is on the wire in a release if any wire path reaching it is. Its type is followed
// into each release by name (where the release names its types: a schema, an unmasked reply)
// and by the paths it shares with the schema linted (a QEMU binary's reply masks names); a
// member that moved between a union's common part and its branches is found at either form.
// A claim contradicts the history when the thing is on the wire in a release older than
// claimed, or missing from it in a release at or after the claimed one and before its first
// appearance. A release that defines the thing where no command or event reaches it (4.1's
// untyped netdev_add) gets its own wording. Things the history never saw on the wire (other
// targets, other configurations) are not judged.

import type { Definition, ObjectType, SchemaModel } from "../model/index.ts";
import type { Diagnostic, SourceInfo, SourceRange } from "../model/source.ts";
import { own, presentIn, type History, type PathHistory } from "./history.ts";
import { visitPaths, WalkLimitError } from "./walk.ts";
import { wireFromModel } from "./wire.ts";

type Version = number[];

function parseVersion(text: string): Version | null {
  const m = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : null;
}

function compareVersions(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

interface Claim {
  /** What is claimed, for the message: `command 'x'`, `member 'm' of 'T'`. */
  subject: string;
  since: string;
  version: Version;
  info: SourceInfo;
  /** The claim as written: the `Since:` section's tag, or the member's `(since X.Y)`. */
  range: SourceRange | undefined;
  /** A command or event: its name. Else the types that have the thing, and its component. */
  definition: string | null;
  owners: string[];
  /** `m` (a member) or `^v` (an enum value). */
  component: string;
}

/** What a release has of a claimed thing. */
type Status = { kind: "present"; path: string } | { kind: "unreachable" } | { kind: "absent" };

/** Warnings for the Since claims of `model` that contradict `history`. */
export function sinceDiagnostics(model: SchemaModel, history: History): Diagnostic[] {
  const releases = history.releases.map((name) => ({ name, version: parseVersion(name) }));
  const unnamed = releases.find((r) => !r.version);
  if (unnamed) return [notChecked(`history release '${unnamed.name}' names no version`)];
  let sites: Map<string, string[]>;
  try {
    sites = typeSites(model);
  } catch (e) {
    if (!(e instanceof WalkLimitError)) throw e;
    return [notChecked(e.message)];
  }
  const index = new HistoryIndex(history);
  const out: Diagnostic[] = [];
  for (const claim of claims(model)) {
    const statuses = releases.map((_, i) => index.status(claim, i, sites));
    const first = statuses.findIndex((s) => s.kind === "present");
    if (first < 0) continue;
    const firstPath = (statuses[first] as { path: string }).path;
    const firstVersion = releases[first]!.version!;
    const head = `${claim.subject} is documented as since ${claim.since}`;
    let message: string | null = null;
    if (compareVersions(firstVersion, claim.version) < 0) {
      message = `${head}, but release ${releases[first]!.name} has it (${firstPath})`;
    } else {
      const i = releases.findIndex(
        (r, i) =>
          i < first &&
          compareVersions(r.version!, claim.version) >= 0 &&
          statuses[i]!.kind !== "present",
      );
      const r = releases[i];
      if (r && statuses[i]!.kind === "unreachable")
        message = `${head}; release ${r.name} defines it, but no command or event reaches it there (on the wire from ${releases[first]!.name}: ${firstPath})`;
      else if (r)
        message = `${head}, but release ${r.name} lacks it (first in ${releases[first]!.name}: ${firstPath})`;
    }
    if (message) {
      const range = claim.range;
      out.push({ severity: "warning", message, info: claim.info, ...(range && { range }) });
    }
  }
  return out;
}

function notChecked(why: string): Diagnostic {
  return { severity: "warning", message: `${why}: Since claims not checked`, info: null };
}

/** Where each named object and enum type of the schema (read whole) is reached on the wire. */
function typeSites(model: SchemaModel): Map<string, string[]> {
  const sites = new Map<string, string[]>();
  visitPaths(wireFromModel(model, null), {
    thing() {},
    type(path, t) {
      if (!t.name) return;
      const list = sites.get(t.name);
      if (list) list.push(path);
      else sites.set(t.name, [path]);
    },
  });
  return sites;
}

/** A history read for the check: paths by parent, and where each release has each type. */
class HistoryIndex {
  private readonly children = new Map<string, string[]>();
  /** Per release, type name (or masked number) to the paths where the release has it. */
  private readonly typesAt: Map<string, string[]>[];

  constructor(private readonly history: History) {
    this.typesAt = history.releases.map(() => new Map<string, string[]>());
    for (const path of Object.keys(history.paths)) {
      const slash = path.lastIndexOf("/");
      if (slash > 0) {
        const parent = path.slice(0, slash);
        const list = this.children.get(parent);
        if (list) list.push(path);
        else this.children.set(parent, [path]);
      }
      const types = own(history.paths, path)!.types;
      if (!types) continue;
      history.releases.forEach((r, i) => {
        const t = own(types, r);
        if (t === undefined) return;
        const list = this.typesAt[i]!.get(t);
        if (list) list.push(path);
        else this.typesAt[i]!.set(t, [path]);
      });
    }
  }

  private entry(path: string): PathHistory | undefined {
    return own(this.history.paths, path);
  }

  private present(path: string, i: number): boolean {
    const h = this.entry(path);
    return !!h && presentIn(h, this.history.releases, i);
  }

  /** Present in release i, and there at this form (not only through a move). */
  private direct(path: string, i: number): boolean {
    return this.present(path, i) && !this.entry(path)!.moved?.includes(this.history.releases[i]!);
  }

  status(claim: Claim, i: number, sites: Map<string, string[]>): Status {
    const release = this.history.releases[i]!;
    if (claim.definition !== null)
      return this.present(claim.definition, i)
        ? { kind: "present", path: claim.definition }
        : { kind: "absent" };
    // The claimed type in this release: by name, and by the paths the linted schema reaches it at.
    const ids = new Set<string>(claim.owners);
    for (const owner of claim.owners)
      for (const p of sites.get(owner) ?? []) {
        const t = own(this.entry(p)?.types, release);
        if (t !== undefined) ids.add(t);
      }
    const candidates: string[] = [];
    for (const id of ids)
      for (const site of this.typesAt[i]!.get(id) ?? []) {
        candidates.push(`${site}/${claim.component}`);
        // A common member there in this schema may be a branch's own member in that release.
        if (!claim.component.startsWith("^"))
          for (const branch of this.children.get(site) ?? [])
            if (branch.slice(site.length + 1).startsWith("+"))
              candidates.push(`${branch}/${claim.component}`);
      }
    for (const owner of claim.owners)
      for (const p of sites.get(owner) ?? []) candidates.push(`${p}/${claim.component}`);
    const present = candidates.filter((p) => this.present(p, i));
    if (present.length) {
      const at = present.find((p) => this.direct(p, i)) ?? present[0]!;
      return { kind: "present", path: at };
    }
    const defined = own(this.history.unreachable, release);
    if (claim.owners.some((o) => own(defined, o)?.includes(claim.component)))
      return { kind: "unreachable" };
    return { kind: "absent" };
  }
}

/** Every Since claim of the schema. */
function claims(model: SchemaModel): Claim[] {
  const objects = model.entities.filter((e): e is ObjectType => e.meta === "object");
  const out: Claim[] = [];
  for (const d of model.entities) {
    const doc = d.doc;
    if (!doc) continue;
    if (doc.since && (d.meta === "command" || d.meta === "event")) {
      const version = parseVersion(doc.since.text);
      if (version)
        out.push({
          subject: `${d.meta} '${d.name}'`,
          since: doc.since.text.trim(),
          version,
          info: doc.since.info,
          range: doc.since.info.range(doc.since.span),
          definition: d.name,
          owners: [],
          component: "",
        });
    }
    for (const [name, section] of doc.args) {
      const m = /\(since:?\s*(\d+\.\d+(?:\.\d+)?)/i.exec(section.text);
      if (!m) continue;
      const owners = ownersOf(d, objects);
      if (!owners.length) continue;
      out.push({
        subject: `${d.meta === "enum" ? "value" : "member"} '${name}' of '${d.name}'`,
        since: m[1]!,
        version: parseVersion(m[1]!)!,
        info: section.info,
        range: sinceRange(section.info, section.text) ?? section.info.range(section.span),
        definition: null,
        owners,
        component: d.meta === "enum" ? `^${name}` : name,
      });
    }
  }
  return out;
}

/** Where `(since X.Y)` is in the description that starts at `info`'s line and reads `text`. */
function sinceRange(info: SourceInfo, text: string): SourceRange | undefined {
  const source = info.source;
  if (!source) return undefined;
  const lines = text.split("\n").length;
  for (let line = info.line; line < info.line + lines && line <= source.lineCount; line++) {
    const m = /\(since:?\s*\d+\.\d+(?:\.\d+)?\)?/i.exec(source.line(line));
    if (m) {
      const col = m.index + 1;
      return { start: { line, col }, end: { line, col: col + m[0].length } };
    }
  }
  return undefined;
}

/** The types whose members (or values) definition `d` documents. */
function ownersOf(d: Definition, objects: ObjectType[]): string[] {
  switch (d.meta) {
    case "enum":
      return [d.name];
    case "command":
    case "event":
      // Inline arguments: the implicit argument type is documented by the command or event.
      return d.argType?.isImplicit ? [d.argType.name] : [];
    case "object":
      // Members are flattened into every type based on this one.
      return objects
        .filter((o) => {
          for (let t: ObjectType | null = o; t; t = t.base) if (t === d) return true;
          return false;
        })
        .map((o) => o.name);
    default:
      return [];
  }
}
