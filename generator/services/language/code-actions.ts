// Code actions: fixes for what the front end and lint report, as text edits.
//   - a missing doc section inserted: a member's, value's or feature's description ("... lacks
//     documentation"), or a whole doc comment ("documentation comment required");
//   - a marker member replaced by a feature flag (lint's marker-member): the member goes, a
//     feature of its name (without "x-") and condition comes, and its description moves to the
//     doc comment's Features (the story of the demo schema in qapi/);
//   - the legacy forms --compat accepts rewritten to today's: C preprocessor conditions, legacy
//     pragma names, simple unions (an enum of the branches, a wrapper struct per branch type, and a
//     union with 'base' and 'discriminator', as QEMU 6.2 converted its own).

import { conditionSymbols, type Condition } from "../../../runtime/conditions.ts";
import type { DocSection, Documentation } from "../../model/documentation.ts";
import type { Diagnostic } from "../../model/source.ts";
import type { SyntaxObject, SyntaxValue, TextSpan } from "../../model/syntax.ts";
import { declaredMember, typeText } from "./hover.ts";
import type { ServiceHost } from "./extensions.ts";
import type { DefinitionSyntax, FileIndex } from "./occurrences.ts";
import type { CodeAction, Range, TextEdit } from "./protocol.ts";
import { newestSince, type SnapshotIndex } from "./symbols.ts";

/** What an inserted description says until someone writes it. */
const PLACEHOLDER = "TODO: describe.";

export function codeActions(
  index: SnapshotIndex,
  f: FileIndex,
  range: Range,
  host: ServiceHost,
): CodeAction[] {
  const out: CodeAction[] = [];
  const fname = f.syntax.fname;
  const first = range.start.line + 1;
  const last = range.end.line + 1;
  // A diagnostic is where the editor shows it: its exact range, else QEMU's line.
  const here = (d: Diagnostic): boolean =>
    d.info?.fname === fname &&
    (d.range?.start.line ?? d.info.line) <= last &&
    (d.range?.end.line ?? d.info.line) >= first;
  for (const d of index.snapshot.diagnostics) {
    if (!here(d)) continue;
    // (The role and name are the message's words: QEMU's message is the one place they are.)
    const lacking =
      d.code === "undocumented" ? /^(member|value|branch|feature) '([^']+)'/.exec(d.message) : null;
    const def = definitionAtLine(f, d.info!.line) ?? definitionNamed(f, d.info!.defnName);
    if (lacking && def) {
      const a = describe(f, def, lacking[2]!, lacking[1] === "feature", PLACEHOLDER);
      if (a) out.push(action(`Document ${lacking[1]} '${lacking[2]}'`, fname, a, d));
    } else if (d.code === "doc-required" && def) {
      out.push(
        action(`Add a doc comment to '${def.name}'`, fname, [docSkeleton(index, f, def)], d),
      );
    } else if (d.rule === "marker-member" && def) {
      for (const a of markerToFeature(index, f, def)) out.push({ ...a, fixes: ["marker-member"] });
    }
  }
  out.push(...legacyConditions(f, range, host));
  out.push(...legacyPragmas(f, range, host));
  out.push(...simpleUnions(index, f, range));
  return out;
}

function action(title: string, file: string, edits: TextEdit[], d: Diagnostic): CodeAction {
  return {
    title,
    kind: "quickfix",
    fixes: [d.code ?? d.rule ?? ""],
    isPreferred: true,
    edits: new Map([[file, edits]]),
  };
}

function definitionAtLine(f: FileIndex, line: number): DefinitionSyntax | undefined {
  return f.definitions.find((d) => {
    const a = f.lines.position(d.span.start).line + 1;
    const b = f.lines.position(d.span.end).line + 1;
    return line >= a && line <= b;
  });
}

function definitionNamed(f: FileIndex, name: string | null): DefinitionSyntax | undefined {
  return name === null ? undefined : f.definitions.find((d) => d.name === name);
}

const at = (line: number) => ({ line, character: 0 });
const insertAt = (line: number, newText: string): TextEdit => ({
  range: { start: at(line), end: at(line) },
  newText,
});

/** Where a doc comment's parts are: 0-based lines. */
interface DocLayout {
  close: number;
  /** Each description's lines (first to last, blank lines after it left out). */
  members: { name: string; first: number; last: number }[];
  featuresLine: number | null;
  features: { name: string; first: number; last: number }[];
  /** The first tagged section (Returns, Errors, Since, TODO). */
  tagged: number | null;
}

function layout(f: FileIndex, def: DefinitionSyntax): DocLayout | null {
  const doc = def.doc?.doc;
  if (!def.doc || !doc) return null;
  const close = f.lines.position(def.doc.end).line;
  const starts = doc.allSections
    .map((s) => ({ s, line: s.info.line - 1 }))
    .filter(({ s }) => s.info !== doc.info || s.kind === "Plain");
  const out: DocLayout = { close, members: [], featuresLine: null, features: [], tagged: null };
  starts.forEach(({ s, line }, i) => {
    let end = (starts[i + 1]?.line ?? close) - 1;
    while (end > line && f.lines.lineText(end).trim() === "#") end--;
    if (s.kind === "Member" && s.info !== doc.info)
      out.members.push({ name: sectionName(s), first: line, last: end });
    else if (s.kind === "Feature") {
      out.features.push({ name: sectionName(s), first: line, last: end });
    } else if (s.kind !== "Plain" && out.tagged === null) out.tagged = line;
  });
  if (out.features.length) {
    for (let l = out.features[0]!.first - 1; l > 0; l--)
      if (f.lines.lineText(l).trim() === "# Features:") {
        out.featuresLine = l;
        break;
      }
    // A feature's description ends where the Features: block does.
  }
  // A member's description ends before "Features:".
  const lastMember = out.members[out.members.length - 1];
  if (lastMember && out.featuresLine !== null && lastMember.last >= out.featuresLine) {
    lastMember.last = out.featuresLine - 1;
    while (lastMember.last > lastMember.first && f.lines.lineText(lastMember.last).trim() === "#")
      lastMember.last--;
  }
  return out;
}

/**
 * Edits adding a description of `name` (a member or value, or a feature) to def's doc comment,
 * with `lines` as its text (the first line after "@name: ", the others as they are).
 */
function describe(
  f: FileIndex,
  def: DefinitionSyntax,
  name: string,
  feature: boolean,
  text: string | string[],
): TextEdit[] | null {
  const l = layout(f, def);
  if (!l) return null;
  const lines = typeof text === "string" ? [text] : text;
  const body = `# @${name}: ${lines[0] ?? ""}\n${lines
    .slice(1)
    .map((x) => x + "\n")
    .join("")}`;
  const blankBefore = (line: number): string =>
    f.lines.lineText(line - 1).trim() === "#" ? "" : "#\n";
  if (!feature) {
    const lastMember = l.members[l.members.length - 1];
    if (lastMember) return [insertAt(lastMember.last + 1, `#\n${body}`)];
    const before = l.featuresLine ?? l.tagged ?? l.close;
    return [insertAt(before, `${blankBefore(before)}${body}#\n`)];
  }
  const lastFeature = l.features[l.features.length - 1];
  if (lastFeature) return [insertAt(lastFeature.last + 1, `#\n${body}`)];
  const before = l.tagged ?? l.close;
  return [insertAt(before, `${blankBefore(before)}# Features:\n#\n${body}#\n`)];
}

/** A doc comment for a definition that has none: its members, values and features listed. */
function docSkeleton(index: SnapshotIndex, f: FileIndex, def: DefinitionSyntax): TextEdit {
  const members: string[] = [];
  const features: string[] = [];
  for (const o of f.occurrences) {
    if (o.start < def.value.start || o.end > def.value.end || o.definition !== def.name) continue;
    if (
      o.kind === "member" ||
      o.kind === "value" ||
      (o.kind === "branch" && def.meta === "alternate")
    )
      members.push(o.name);
    if (o.kind === "feature" && !features.includes(o.name)) features.push(o.name);
  }
  const describe = (names: string[]): string =>
    names.map((n) => `# @${n}: ${PLACEHOLDER}\n#\n`).join("");
  const since = newestSince(index);
  const text =
    `##\n# @${def.name}:\n#\n# ${PLACEHOLDER}\n#\n${describe(members)}` +
    (features.length ? `# Features:\n#\n${describe(features)}` : "") +
    `# Since: ${since}\n##\n`;
  return insertAt(f.lines.position(def.value.start).line, text);
}

function entry(obj: SyntaxObject, key: string): SyntaxObject["entries"][number] | undefined {
  return obj.entries.find((e) => e.key.value === key);
}

/** Edits removing entry `i` of an object, with the comma that separates it. */
function removeEntry(f: FileIndex, obj: SyntaxObject, i: number): TextEdit {
  const e = obj.entries[i]!;
  const end = e.value?.end ?? e.key.end;
  const next = obj.entries[i + 1];
  const prev = obj.entries[i - 1];
  const span: TextSpan = next
    ? { start: e.key.start, end: next.key.start }
    : prev
      ? { start: prev.value?.end ?? prev.key.end, end }
      : { start: e.key.start, end };
  return { range: f.lines.range(span), newText: "" };
}

/** The marker members of `def` (members of type 'null'), each replaced by a feature. */
function markerToFeature(index: SnapshotIndex, f: FileIndex, def: DefinitionSyntax): CodeAction[] {
  const entity = index.entity(def.name);
  const data = entry(def.value, "data")?.value;
  if (!entity || data?.kind !== "object") return [];
  const out: CodeAction[] = [];
  data.entries.forEach((e, i) => {
    const name = e.key.value.replace(/^\*/, "");
    const m = declaredMember(entity, name);
    if (!m || !("optional" in m) || m.type.name !== "null") return;
    const feature = name.replace(/^(__[a-z0-9.-]+_)?x-/i, "$1");
    const edits: TextEdit[] = [removeEntry(f, data, i)];
    // The feature, with the member's condition, on the definition.
    const cond = e.value?.kind === "object" ? entry(e.value, "if")?.value : undefined;
    const text = f.syntax.text;
    const item = cond
      ? `{ 'name': '${feature}', 'if': ${text.slice(cond.start, cond.end)} }`
      : `'${feature}'`;
    const features = entry(def.value, "features")?.value;
    if (features?.kind === "array") {
      const lastItem = features.items[features.items.length - 1];
      edits.push(
        lastItem
          ? {
              range: f.lines.range({ start: lastItem.end, end: lastItem.end }),
              newText: `, ${item}`,
            }
          : {
              range: f.lines.range({ start: features.start + 1, end: features.start + 1 }),
              newText: ` ${item} `,
            },
      );
    } else {
      const lastEntry = def.value.entries[def.value.entries.length - 1]!;
      const after = lastEntry.value?.end ?? lastEntry.key.end;
      edits.push({
        range: f.lines.range({ start: after, end: after }),
        newText: `,\n  'features': [ ${item} ]`,
      });
    }
    // Its description moves to the features; features only it had lose theirs.
    const l = layout(f, def);
    const doc = def.doc?.doc;
    if (l && doc) {
      const own = l.members.find((x) => x.name === name);
      let moved: string[] = [PLACEHOLDER];
      if (own) {
        const lines = [];
        for (let k = own.first; k <= own.last; k++) lines.push(f.lines.lineText(k));
        moved = [lines[0]!.replace(/^#\s*@[^:]*:\s*/, ""), ...lines.slice(1)];
        edits.push(deleteLines(own.first, own.last + 1, f));
      }
      const remaining = new Set<string>();
      for (const o of f.occurrences)
        if (
          o.kind === "feature" &&
          o.definition === def.name &&
          (o.start < e.key.start || o.end > (e.value?.end ?? e.key.end))
        )
          remaining.add(o.name);
      for (const mf of "features" in m ? m.features : []) {
        const desc = l.features.find((x) => x.name === mf.name);
        if (desc && !remaining.has(mf.name)) edits.push(deleteLines(desc.first, desc.last + 1, f));
      }
      const added = describe(f, def, feature, true, moved);
      if (added) edits.push(...added);
      void doc;
    }
    out.push({
      title: `Replace marker member '${name}' by feature '${feature}'`,
      kind: "quickfix",
      fixes: [],
      isPreferred: true,
      edits: new Map([[f.syntax.fname, edits]]),
    });
  });
  return out;
}

/** Deletes lines [from, to) and the blank doc line before them. */
function deleteLines(from: number, to: number, f: FileIndex): TextEdit {
  const start = from > 0 && f.lines.lineText(from - 1).trim() === "#" ? from - 1 : from;
  return { range: { start: at(start), end: at(to) }, newText: "" };
}

/** Every 'if' value in a value, with the key's entry. */
function* conditions(v: SyntaxValue | null): Generator<SyntaxValue> {
  if (!v) return;
  if (v.kind === "object")
    for (const e of v.entries) {
      if (e.key.value === "if" && e.value) yield e.value;
      else yield* conditions(e.value);
    }
  else if (v.kind === "array") for (const x of v.items) yield* conditions(x);
}

/** C preprocessor conditions (--compat) as the schema's own syntax. */
function legacyConditions(f: FileIndex, range: Range, host: ServiceHost): CodeAction[] {
  if (!host.modernCondition) return [];
  const rewrites: { span: TextSpan; text: string }[] = [];
  for (const expr of f.syntax.exprs)
    for (const v of conditions(expr)) {
      const plain =
        v.kind === "string"
          ? v.value
          : v.kind === "array" && v.items.every((x) => x.kind === "string")
            ? v.items.map((x) => (x as { value: string }).value)
            : null;
      if (plain === null) continue;
      const modern = host.modernCondition(plain);
      if (modern === null) continue;
      rewrites.push({ span: v, text: printCondition(modern) });
    }
  if (!rewrites.length) return [];
  const lines = (s: TextSpan) => [f.lines.position(s.start).line, f.lines.position(s.end).line];
  const inRange = rewrites.filter((r) => {
    const [a, b] = lines(r.span);
    return b! >= range.start.line && a! <= range.end.line;
  });
  const edit = (r: { span: TextSpan; text: string }): TextEdit => ({
    range: f.lines.range(r.span),
    newText: r.text,
  });
  const out: CodeAction[] = inRange.map((r) => ({
    title: `Rewrite the legacy condition as ${r.text}`,
    kind: "quickfix",
    fixes: ["legacy-if"],
    isPreferred: true,
    edits: new Map([[f.syntax.fname, [edit(r)]]]),
  }));
  if (inRange.length)
    out.push({
      title: `Rewrite all ${rewrites.length} legacy conditions of this file`,
      kind: "refactor.rewrite",
      fixes: [],
      edits: new Map([[f.syntax.fname, rewrites.map(edit)]]),
    });
  return out;
}

/** A condition in the schema's syntax. */
export function printCondition(c: Condition): string {
  if (typeof c === "string") return `'${c}'`;
  if ("not" in c) return `{ 'not': ${printCondition(c.not)} }`;
  const [key, args] = "all" in c ? ["all", c.all] : ["any", c.any];
  return `{ '${key}': [ ${args.map(printCondition).join(", ")} ] }`;
}

/** Legacy pragma names as today's. */
function legacyPragmas(f: FileIndex, range: Range, host: ServiceHost): CodeAction[] {
  const names = host.legacyPragmas;
  if (!names) return [];
  const out: CodeAction[] = [];
  for (const o of f.occurrences) {
    const today = o.kind === "key" ? names.get(o.name) : undefined;
    if (!today) continue;
    const line = f.lines.position(o.start).line;
    if (line < range.start.line || line > range.end.line) continue;
    out.push({
      title: `Rename legacy pragma '${o.name}' to '${today}'`,
      kind: "quickfix",
      fixes: [`legacy-pragma-${o.name}`],
      isPreferred: true,
      edits: new Map([[f.syntax.fname, [{ range: f.lines.range(o), newText: today }]]]),
    });
  }
  return out;
}

/**
 * Simple unions (--compat) as QEMU 6.2 converted its own: an enum of the branch names, a wrapper
 * struct ('data': the branch's type) per branch type, and a union with a base of the enum.
 */
function simpleUnions(index: SnapshotIndex, f: FileIndex, range: Range): CodeAction[] {
  const out: CodeAction[] = [];
  for (const def of f.definitions) {
    if (def.meta !== "union") continue;
    const [a, b] = [f.lines.position(def.span.start).line, f.lines.position(def.span.end).line];
    if (b < range.start.line || a > range.end.line) continue;
    const u = index.objectType(def.name);
    const variants = u?.branches?.variants ?? [];
    // In the model, a simple union's branches are wrappers the front end made up.
    if (
      !u ||
      !variants.length ||
      !variants.every((v) => v.type.isImplicit && v.type.meta === "object")
    )
      continue;
    const doc: Documentation | null = u.doc;
    const since = doc?.since?.text.trim() ?? newestSince(index);
    const kindName = `${def.name}Kind`;
    const tag = u.branches!.tagMember.name;
    const defs: string[] = [];
    const values = variants.map((v) =>
      v.ifcond ? `{ 'name': '${v.name}', 'if': ${printCondition(v.ifcond)} }` : `'${v.name}'`,
    );
    defs.push(
      `##\n# @${kindName}:\n#\n${variants
        .map((v) => `# @${v.name}: ${firstLine(doc?.args.get(v.name)?.text) ?? PLACEHOLDER}\n#\n`)
        .join(
          "",
        )}# Since: ${since}\n##\n{ 'enum': '${kindName}',\n  'data': [ ${values.join(", ")} ] }\n\n`,
    );
    const branches: string[] = [];
    const made = new Set<string>();
    for (const v of variants) {
      const wrapped = v.type.meta === "object" ? v.type.localMembers[0]?.type : undefined;
      const typeName = typeText(wrapped);
      const element =
        wrapped?.meta === "array" ? `['${wrapped.elementType.name}']` : `'${typeName}'`;
      // (A type name is CamelCase; a built-in's is not: 'int' gets 'IntWrapper'.)
      const base = typeName.replace(/^\[(.*)\]$/, "$1List");
      const wrapper = `${base.charAt(0).toUpperCase()}${base.slice(1)}Wrapper`;
      if (!made.has(wrapper) && !index.definition(wrapper)) {
        made.add(wrapper);
        defs.push(
          `##\n# @${wrapper}:\n#\n# @data: ${PLACEHOLDER}\n#\n# Since: ${since}\n##\n{ 'struct': '${wrapper}',\n  'data': { 'data': ${element} } }\n\n`,
        );
      }
      branches.push(
        v.ifcond
          ? `'${v.name}': { 'type': '${wrapper}', 'if': ${printCondition(v.ifcond)} }`
          : `'${v.name}': '${wrapper}'`,
      );
    }
    const text = f.syntax.text;
    const rest = def.value.entries
      .filter((e) => e.key.value !== "union" && e.key.value !== "data" && e.value)
      .map((e) => `,\n  '${e.key.value}': ${text.slice(e.value!.start, e.value!.end)}`)
      .join("");
    const union =
      `{ 'union': '${def.name}',\n  'base': { '${tag}': '${kindName}' },\n  'discriminator': '${tag}',\n` +
      `  'data': { ${branches.join(",\n            ")} }${rest} }`;
    const docStart = f.lines.position(def.span.start).line;
    out.push({
      title: `Rewrite simple union '${def.name}' with an enum, wrapper structs and a discriminator`,
      kind: "quickfix",
      fixes: ["legacy-simple-union"],
      edits: new Map([
        [
          f.syntax.fname,
          [insertAt(docStart, defs.join("")), { range: f.lines.range(def.value), newText: union }],
        ],
      ]),
    });
  }
  return out;
}

/** A description's name (an ArgSection's). */
function sectionName(s: DocSection): string {
  return "name" in s && typeof s.name === "string" ? s.name : "";
}

function firstLine(text: string | undefined): string | undefined {
  return text ? text.split("\n")[0] : undefined;
}

export { conditionSymbols };
