// `lint --history FILE`: the doc comments' "Since:" claims checked against what the wire really
// offered in each release (a history from history.ts). Claims are read at definition level (the
// "Since:" section of a command or event) and at member level ("(since X.Y)" in the description
// of a member, argument or enum value). A claim contradicts the history when the thing is on the
// wire in a release older than claimed, or missing from every path in a release at or after the
// claimed one and before its first appearance. Things the history never saw (other targets,
// other configurations) are not judged. Release names must contain a version (`4.1`, `qemu-9.2.0`).

import type { Definition, ObjectType, SchemaModel } from "../model/index.ts";
import type { Diagnostic, SourceInfo, SourceRange } from "../model/source.ts";
import type { History } from "./history.ts";
import { visitPaths } from "./paths.ts";
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
  paths: string[];
}

/** Warnings for the Since claims of `model` that contradict `history`. */
export function sinceDiagnostics(model: SchemaModel, history: History): Diagnostic[] {
  const releases = history.releases.map((name) => ({ name, version: parseVersion(name) }));
  const unnamed = releases.find((r) => !r.version);
  if (unnamed) {
    return [
      {
        severity: "warning",
        message: `history release '${unnamed.name}' names no version: Since claims not checked`,
        info: null,
      },
    ];
  }
  const order = new Map(releases.map((r, i) => [r.name, i]));
  const out: Diagnostic[] = [];
  for (const claim of claims(model)) {
    const known = claim.paths.filter((p) => history.paths[p]);
    if (!known.length) continue;
    // The release of its first appearance, over every path it has.
    const first = known
      .map((p) => history.paths[p]!.added)
      .reduce((a, b) => (order.get(a)! <= order.get(b)! ? a : b));
    const firstVersion = releases[order.get(first)!]!.version!;
    const at = known.find((p) => history.paths[p]!.added === first)!;
    let message: string | null = null;
    if (compareVersions(firstVersion, claim.version) < 0) {
      message = `${claim.subject} is documented as since ${claim.since}, but release ${first} has it (${at})`;
    } else {
      const missing = releases.find(
        (r) =>
          compareVersions(r.version!, claim.version) >= 0 &&
          compareVersions(r.version!, firstVersion) < 0,
      );
      if (missing)
        message = `${claim.subject} is documented as since ${claim.since}, but release ${missing.name} lacks it (first in ${first}: ${at})`;
    }
    if (message) {
      const range = claim.range;
      out.push({ severity: "warning", message, info: claim.info, ...(range && { range }) });
    }
  }
  return out;
}

/** Every Since claim of the schema with the wire paths of the thing claimed about. */
function claims(model: SchemaModel): Claim[] {
  // Where each object and enum type is reached on the wire (the schema read whole).
  const typePaths = new Map<string, string[]>();
  visitPaths(wireFromModel(model, null), {
    thing() {},
    type(path, t) {
      if (!t.name) return;
      const list = typePaths.get(t.name) ?? [];
      list.push(path);
      typePaths.set(t.name, list);
    },
  });
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
          paths: [d.name],
        });
    }
    for (const [name, section] of doc.args) {
      const m = /\(since:?\s*(\d+\.\d+(?:\.\d+)?)/i.exec(section.text);
      if (!m) continue;
      const paths = memberPaths(d, name, objects, typePaths);
      out.push({
        subject: `${d.meta === "enum" ? "value" : "member"} '${name}' of '${d.name}'`,
        since: m[1]!,
        version: parseVersion(m[1]!)!,
        info: section.info,
        range: sinceRange(section.info, section.text) ?? section.info.range(section.span),
        paths,
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

/** The wire paths of member (or enum value) `name` as documented by definition `d`. */
function memberPaths(
  d: Definition,
  name: string,
  objects: ObjectType[],
  typePaths: Map<string, string[]>,
): string[] {
  const under = (typeName: string, component: string): string[] =>
    (typePaths.get(typeName) ?? []).map((p) => `${p}/${component}`);
  switch (d.meta) {
    case "enum":
      return under(d.name, `^${name}`);
    case "command":
    case "event":
      // Inline arguments: the implicit argument type is documented by the command or event.
      return d.argType?.isImplicit ? under(d.argType.name, name) : [];
    case "object":
      // Members are flattened into every type based on this one.
      return objects
        .filter((o) => {
          for (let t: ObjectType | null = o; t; t = t.base) if (t === d) return true;
          return false;
        })
        .flatMap((o) => under(o.name, name));
    default:
      return [];
  }
}
