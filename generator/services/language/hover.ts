// Hover: what a name stands for, as Markdown: a definition's kind and name, its features
// (deprecated and unstable shown as such), its condition, its documentation, its members; a
// member's type, description and features; and what the host adds (wire paths, the release a
// thing really appeared in next to its Since: claim).

import type {
  Branch,
  Definition,
  EnumMember,
  Feature,
  ObjectMember,
  Type,
} from "../../model/index.ts";
import type { Documentation } from "../../model/documentation.ts";
import { conditionText, type Condition } from "../../../runtime/conditions.ts";
import type { ServiceHost } from "./extensions.ts";
import type { Hover } from "./protocol.ts";
import type { Found, SnapshotIndex, Target } from "./symbols.ts";

/** How many members a definition's hover lists at most. */
const MAX_LISTED = 40;

export function hover(
  index: SnapshotIndex,
  found: Found,
  target: Target,
  host: ServiceHost,
): Hover | null {
  const lines = contents(index, found, target);
  if (!lines) return null;
  const notes = host.hoverNotes?.(index.model, target) ?? [];
  if (notes.length) lines.push("", ...notes);
  return {
    contents: { kind: "markdown", value: lines.join("\n").trim() },
    range: found.index.lines.range(found.occurrence),
  };
}

function contents(index: SnapshotIndex, found: Found, t: Target): string[] | null {
  switch (t.kind) {
    case "definition": {
      const e = index.entity(t.name);
      return e ? definitionHover(e) : null;
    }
    case "member": {
      const e = index.entity(t.definition);
      const m = e ? declaredMember(e, t.name) : undefined;
      if (!e || !m) return null;
      const type = "type" in m ? typeText(m.type) : null;
      const optional = "optional" in m && m.optional ? " (optional)" : "";
      const out = [
        fence(`${"optional" in m ? "member" : "branch"} ${m.name}${type ? `: ${type}` : ""}`),
        `${optional ? "Optional member" : "Member"} of ${metaWord(e)} \`${e.name}\`${optional ? "" : ""}.`,
      ];
      out.push(...featureLines("features" in m ? (m as ObjectMember).features : []));
      out.push(...conditionLine(m.ifcond));
      const text = e.doc?.args.get(t.name)?.text;
      if (text) out.push("", markdown(text));
      return out;
    }
    case "value": {
      const e = index.enumType(t.enum);
      const v = e?.members.find((m) => m.name === t.name);
      if (!e || !v) return null;
      const out = [fence(`value ${v.name}`), `Value of enum \`${e.name}\`.`];
      out.push(...featureLines(v.features), ...conditionLine(v.ifcond));
      const text = e.doc?.args.get(t.name)?.text;
      if (text) out.push("", markdown(text));
      return out;
    }
    case "feature": {
      const here = found.occurrence.definition;
      const e = here === null ? undefined : index.entity(here);
      const special = t.name === "deprecated" || t.name === "unstable";
      const out = [fence(`feature ${t.name}`)];
      if (special)
        out.push(
          t.name === "deprecated"
            ? "Special feature: what has it is **deprecated** (a client may be told to refuse it)."
            : "Special feature: what has it is **unstable** (not a stable interface).",
        );
      const text = e?.doc?.features.get(t.name)?.text;
      if (text) out.push("", markdown(text));
      return out;
    }
    case "condition": {
      const uses = index.references(t).length;
      return [
        fence(`condition ${t.name}`),
        `Build configuration symbol: what has \`'if': '${t.name}'\` exists only in QEMU builds that define it (${uses} use${uses === 1 ? "" : "s"}).`,
      ];
    }
    case "file":
      return [fence(`include ${t.file}`)];
  }
}

function definitionHover(e: Definition): string[] {
  const out = [fence(signature(e))];
  out.push(...featureLines(e.features), ...conditionLine(e.ifcond));
  const doc = e.doc;
  if (doc?.body.text) out.push("", markdown(doc.body.text));
  const members = memberList(e, doc);
  if (members.length) out.push("", ...members);
  for (const s of doc?.sections ?? []) {
    if (s.kind === "Returns") out.push("", `*Returns:* ${markdown(s.text)}`);
    if (s.kind === "Errors") out.push("", `*Errors:* ${markdown(s.text)}`);
  }
  if (doc?.since) out.push("", `*Since:* ${doc.since.text.trim()}`);
  return out;
}

function signature(e: Definition): string {
  switch (e.meta) {
    case "object":
      if (e.branches) {
        const base = e.base && !e.base.isImplicit ? `, base ${e.base.name}` : "";
        return `union ${e.name} (discriminator ${e.branches.tagMember.name}${base})`;
      }
      return `struct ${e.name}${e.base ? ` (base ${e.base.name})` : ""}`;
    case "command": {
      const args = e.argType ? (e.argType.isImplicit ? "(...)" : `(${e.argType.name})`) : "()";
      return `command ${e.name}${args}${e.retType ? ` -> ${typeText(e.retType)}` : ""}`;
    }
    case "event":
      return `event ${e.name}`;
    case "builtin":
      return `built-in type ${e.name} (JSON ${e.jsonType})`;
    default:
      return `${e.meta} ${e.name}`;
  }
}

function metaWord(e: Definition): string {
  return e.meta === "object" ? (e.branches ? "union" : "struct") : e.meta;
}

/** Members (values, alternatives) with their types and first lines of description. */
function memberList(e: Definition, doc: Documentation | null): string[] {
  type Row = { name: string; type: string | null; optional: boolean };
  let rows: Row[] = [];
  let heading = "Members";
  const ofObject = (members: readonly ObjectMember[]): Row[] =>
    members.map((m) => ({ name: m.name, type: typeText(m.type), optional: m.optional }));
  if (e.meta === "object") rows = ofObject(e.members ?? []);
  else if ((e.meta === "command" || e.meta === "event") && e.argType) {
    heading = "Arguments";
    rows = ofObject(e.argType.members ?? []);
  } else if (e.meta === "enum") {
    heading = "Values";
    rows = e.members.map((m) => ({ name: m.name, type: null, optional: false }));
  } else if (e.meta === "alternate") {
    heading = "Alternatives";
    rows = e.branches.variants.map((b) => ({
      name: b.name,
      type: typeText(b.type),
      optional: false,
    }));
  }
  if (e.meta === "object" && e.branches)
    rows.push(
      ...e.branches.variants.map((b) => ({
        name: `${e.branches!.tagMember.name}: ${b.name}`,
        type: typeText(b.type),
        optional: false,
      })),
    );
  if (!rows.length) return [];
  const out = [`**${heading}:**`];
  for (const r of rows.slice(0, MAX_LISTED)) {
    const text = doc?.args.get(r.name)?.text;
    const first = text ? ` — ${markdown(text.split("\n\n")[0]!).replace(/\s+/g, " ")}` : "";
    out.push(
      `- \`${r.name}\`${r.type ? `: \`${r.type}\`` : ""}${r.optional ? " (optional)" : ""}${first}`,
    );
  }
  if (rows.length > MAX_LISTED) out.push(`- … and ${rows.length - MAX_LISTED} more`);
  return out;
}

/** A member (or alternative) that definition `e` declares, as the model has it. */
export function declaredMember(e: Definition, name: string): ObjectMember | Branch | undefined {
  const lists: (readonly (ObjectMember | Branch)[])[] = [];
  if (e.meta === "object") {
    lists.push(e.localMembers ?? []);
    if (e.base?.isImplicit) lists.push(e.base.localMembers ?? []);
    if (e.branches) lists.push(e.branches.variants);
  } else if ((e.meta === "command" || e.meta === "event") && e.argType?.isImplicit)
    lists.push(e.argType.localMembers ?? []);
  else if (e.meta === "alternate") lists.push(e.branches.variants);
  for (const l of lists) {
    const m = l.find((x) => x.name === name);
    if (m) return m;
  }
  return undefined;
}

export function typeText(t: Type | undefined): string {
  if (!t) return "?";
  return t.meta === "array" ? `[${typeText(t.elementType)}]` : t.name;
}

function featureLines(features: readonly Feature[]): string[] {
  if (!features.length) return [];
  const out: string[] = [];
  if (features.some((f) => f.name === "deprecated")) out.push("**Deprecated.**");
  if (features.some((f) => f.name === "unstable")) out.push("**Unstable.**");
  const listed = features.map(
    (f) => `\`${f.name}\`${f.ifcond ? ` (if \`${conditionText(f.ifcond)}\`)` : ""}`,
  );
  out.push(`Features: ${listed.join(", ")}`);
  return out;
}

function conditionLine(c: Condition | null): string[] {
  return c ? [`Only if \`${conditionText(c)}\`.`] : [];
}

function fence(text: string): string {
  return "```qapi\n" + text + "\n```";
}

/**
 * QAPI's documentation text (reStructuredText, with `@name` for members) as Markdown, well
 * enough for a hover: names and literals as code, notes in bold, examples and literal blocks
 * fenced, indentation of continued lines dropped.
 */
export function markdown(text: string): string {
  const out: string[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const directive = /^\s*\.\. (qmp-example|code-block)::/.exec(line);
    if (directive || /::\s*$/.test(line)) {
      if (!directive) out.push(inline(line.replace(/::\s*$/, ":")));
      const indent = line.length - line.trimStart().length;
      const block: string[] = [];
      while (i + 1 < lines.length) {
        const next = lines[i + 1]!;
        if (next.trim() && next.length - next.trimStart().length <= indent) break;
        block.push(next);
        i++;
      }
      const body = dedent(block).join("\n").trim();
      if (body) out.push("```", body, "```");
      continue;
    }
    const note = /^\s*\.\. (note|admonition)::\s*(.*)$/.exec(line);
    if (note) {
      out.push(`**${note[1] === "note" ? "Note" : capitalised(note[2]!)}:**`);
      continue;
    }
    out.push(inline(line.trim()));
  }
  return out.join("\n");
}

function inline(line: string): string {
  return line
    .replace(/``([^`]+)``/g, "`$1`")
    .replace(/@([A-Za-z0-9_][A-Za-z0-9_.-]*[A-Za-z0-9_]|[A-Za-z0-9_])/g, "`$1`");
}

function dedent(lines: string[]): string[] {
  const indents = lines.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length);
  const n = indents.length ? Math.min(...indents) : 0;
  return lines.map((l) => l.slice(n));
}

function capitalised(s: string): string {
  return s ? s[0]!.toUpperCase() + s.slice(1) : "Note";
}

export type { EnumMember };
