// Printing judged changes (verdicts.ts) and histories (history.ts): text to read as release notes,
// Markdown for review comments, JSON for programs.

import type { JudgedChange } from "./verdicts.ts";
import type { History, PathHistory } from "./history.ts";

export type DiffFormat = "text" | "json" | "markdown";

const POLICY_WORDS = { deprecated: "deprecated", unstable: "unstable", "x-name": "x- named" };

interface Section {
  title: string;
  changes: JudgedChange[];
}

/**
 * Breaking changes, breaking changes to exempt things, compatible changes, and apart from them
 * the differences the build's configuration explains: in that order.
 */
function sections(changes: readonly JudgedChange[]): Section[] {
  const protocol = changes.filter((c) => !c.explainedBy);
  return [
    { title: "Breaking changes", changes: protocol.filter((c) => c.breaking && !c.policy) },
    {
      title: "Breaking changes to deprecated, unstable or x- named interfaces",
      changes: protocol.filter((c) => c.breaking && c.policy),
    },
    { title: "Compatible changes", changes: protocol.filter((c) => !c.breaking) },
    {
      title: "Explained by the build's configuration (not changes of the protocol)",
      changes: changes.filter((c) => c.explainedBy),
    },
  ].filter((s) => s.changes.length);
}

/** Changes of one kind together (kinds alphabetically; changes stay in path order). */
function byKind(changes: readonly JudgedChange[]): [string, JudgedChange[]][] {
  const groups = new Map<string, JudgedChange[]>();
  for (const c of changes) {
    const list = groups.get(c.change) ?? [];
    list.push(c);
    groups.set(c.change, list);
  }
  return [...groups].sort(([a], [b]) => a.localeCompare(b));
}

function notes(c: JudgedChange): string[] {
  const out: string[] = [];
  if (c.detail) out.push(c.detail);
  if (c.explainedBy) out.push(`if ${c.explainedBy}: false in that build`);
  out.push(c.direction);
  if (c.policy) out.push(POLICY_WORDS[c.policy]);
  if (c.otherPaths)
    out.push(
      `and ${c.otherPaths}${c.otherPathsCapped ? "+" : ""} other path${c.otherPaths === 1 ? "" : "s"}`,
    );
  return out;
}

export function summary(changes: readonly JudgedChange[]): string {
  const breaking = changes.filter((c) => c.breaking);
  const exempt = breaking.filter((c) => c.policy).length;
  const explained = changes.filter((c) => c.explainedBy).length;
  return (
    `${changes.length} change${changes.length === 1 ? "" : "s"}, ${breaking.length} breaking` +
    (exempt ? ` (${exempt} of them to deprecated, unstable or x- named interfaces)` : "") +
    (explained ? `, ${explained} explained by the build's configuration` : "")
  );
}

export function formatChanges(changes: readonly JudgedChange[], format: DiffFormat): string {
  if (format === "json") return JSON.stringify(changes, null, 2) + "\n";
  const out: string[] = [];
  const md = format === "markdown";
  for (const s of sections(changes)) {
    out.push(md ? `## ${s.title} (${s.changes.length})` : `${s.title} (${s.changes.length}):`, "");
    for (const [kind, list] of byKind(s.changes)) {
      out.push(md ? `### ${kind} (${list.length})` : `  ${kind} (${list.length}):`);
      if (md) out.push("");
      for (const c of list) {
        const n = notes(c).join("; ");
        out.push(md ? `- \`${c.path}\` (${n})` : `    ${c.path}  (${n})`);
      }
      out.push("");
    }
  }
  out.push(md ? `**${summary(changes)}**` : `${summary(changes)}.`);
  return out.join("\n") + "\n";
}

export function formatHistory(h: History, format: "text" | "json"): string {
  if (format === "json") return JSON.stringify(h, null, 1) + "\n";
  return Object.entries(h.paths)
    .map(([path, p]) => `${path}  ${describeHistory(p)}\n`)
    .join("");
}

export function describeHistory(p: PathHistory): string {
  const parts = [`since ${p.added}`];
  if (p.removed) parts.push(`removed in ${p.removed}`);
  if (p.absentIn.length) parts.push(`absent from ${p.absentIn.join(", ")}`);
  if (p.moved?.length) parts.push(`moved within its union in ${p.moved.join(", ")}`);
  if (p.deprecated.length) parts.push(`deprecated in ${p.deprecated.join(", ")}`);
  if (p.unstable.length) parts.push(`unstable in ${p.unstable.join(", ")}`);
  return parts.join("; ");
}
