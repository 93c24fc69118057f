// TSDoc of generated declarations: QEMU's doc comments (reStructuredText with QAPI's own
// conventions) as markdown in `/** ... */` comments, with the notes the schema implies
// (conditions, features, deprecation) as TSDoc tags.

import { hardline, join, PRINT_WIDTH, type Doc } from "../printer.ts";

/** A doc comment's content: free paragraphs, then block tags (which absorb what follows them). */
export interface DocContent {
  paras: string[];
  tags: string[];
}

/**
 * Doc text as markdown: dedented, QEMU's reST directives (examples, notes) in markdown form,
 * `@member` references as code, no comment terminator. `argument` text starts right after
 * "@name:", so only its continuation lines share an indentation.
 */
export function docText(text: string, argument = false): string {
  // Most descriptions are one line: skip the general path.
  if (!text.includes("\n")) {
    const line = text.trim();
    return line.includes("@") ||
      line.includes("``") ||
      line.includes("*/") ||
      line.startsWith(".. ")
      ? docText(line + "\n", argument)
      : line;
  }
  const lines = text.split("\n").map((l) => l.trimEnd());
  while (lines.length && lines[0] === "") lines.shift();
  while (lines.length && lines[lines.length - 1] === "") lines.pop();
  if (lines.length === 0) return "";
  let cut = Infinity;
  for (let i = argument ? 1 : 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l !== "") cut = Math.min(cut, l.length - l.trimStart().length);
  }
  if (cut === Infinity) cut = 0;
  const dedented = lines.map((l, i) => (argument && i === 0 ? l.trimStart() : l.slice(cut)));
  let md: string;
  if (!text.includes(".. ") && !LEGACY_EXAMPLE.test(text)) {
    md = dedented.join("\n");
    if (md.includes("@")) md = md.replace(MEMBER_REF, "`$1`");
    if (md.includes("``")) md = md.replace(RST_LITERAL, "`$1`");
  } else
    md = rstToMarkdown(dedented)
      .map(({ code, line }) => (code ? line : line.replace(MEMBER_REF, "`$1`")))
      .join("\n");
  return md.includes("*/") ? md.replace(/\*\//g, "*\\/") : md;
}

const MEMBER_REF = /@([A-Za-z_][\w-]*(?:\.[\w-]+)*)/g;
const RST_LITERAL = /``([^`]+)``/g;
/** Before QEMU 9, examples were bare `->`/`<-` lines in a plain section. */
const LEGACY_EXAMPLE = /^\s*(->|<-) /m;
const ADMONITION = /^(\s*)\.\. (note|caution|warning|important|tip|admonition)::\s*(.*)$/;
const EXAMPLE = /^(\s*)\.\. qmp-example::\s*$/;

/** The reST directives QEMU's doc comments use, as markdown; `code` lines are left verbatim. */
function rstToMarkdown(lines: string[]): { code: boolean; line: string }[] {
  const out: { code: boolean; line: string }[] = [];
  const indentOf = (l: string) => l.length - l.trimStart().length;
  /** The directive's content: the following blank or more-indented lines, dedented. */
  const block = (from: number, indent: number): { body: string[]; next: number } => {
    let i = from;
    while (i < lines.length && (lines[i] === "" || indentOf(lines[i]!) > indent)) i++;
    let end = i;
    while (end > from && lines[end - 1] === "") end--;
    const body = lines.slice(from, end);
    const cut = Math.min(...body.filter((l) => l !== "").map(indentOf));
    return { body: body.map((l) => l.slice(Number.isFinite(cut) ? cut : 0)), next: i };
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const ex = EXAMPLE.exec(line);
    if (ex) {
      const indent = ex[1]!.length;
      let title = "";
      let j = i + 1;
      for (
        let opt: RegExpExecArray | null;
        j < lines.length && (opt = /^\s+:(\w+):\s*(.*)$/.exec(lines[j]!));
        j++
      )
        if (opt[1] === "title") title = opt[2]!;
      const { body, next } = block(j, indent);
      while (body.length && body[0] === "") body.shift();
      out.push({ code: false, line: `${" ".repeat(indent)}Example${title ? `: ${title}` : ":"}` });
      out.push({ code: false, line: "" });
      out.push({ code: true, line: `${" ".repeat(indent)}\`\`\`` });
      for (const b of body) out.push({ code: true, line: b === "" ? "" : " ".repeat(indent) + b });
      out.push({ code: true, line: `${" ".repeat(indent)}\`\`\`` });
      if (next < lines.length) out.push({ code: false, line: "" });
      i = next - 1;
      continue;
    }
    const arrow = /^(\s*)(->|<-) /.exec(line);
    if (arrow) {
      // The exchange runs to the first blank line not followed by another `->`/`<-` line.
      let end = i + 1;
      for (;;) {
        while (end < lines.length && lines[end] !== "") end++;
        let next = end;
        while (next < lines.length && lines[next] === "") next++;
        if (next < lines.length && /^\s*(->|<-) /.test(lines[next]!)) end = next + 1;
        else break;
      }
      const pad = arrow[1]!;
      out.push({ code: true, line: `${pad}\`\`\`` });
      for (const b of lines.slice(i, end)) out.push({ code: true, line: b });
      out.push({ code: true, line: `${pad}\`\`\`` });
      i = end - 1;
      continue;
    }
    const ad = ADMONITION.exec(line);
    if (ad) {
      const indent = ad[1]!.length;
      const kind = ad[2] === "admonition" ? ad[3]! : ad[2]![0]!.toUpperCase() + ad[2]!.slice(1);
      const first = ad[2] === "admonition" ? "" : ad[3]!;
      const { body, next } = block(i + 1, indent);
      const pad = " ".repeat(indent);
      out.push({ code: false, line: `${pad}**${kind}:**${first ? ` ${first}` : ""}` });
      for (const b of body) out.push({ code: false, line: b === "" ? "" : pad + b });
      if (next < lines.length) out.push({ code: false, line: "" });
      i = next - 1;
      continue;
    }
    out.push({ code: false, line: line.replace(RST_LITERAL, "`$1`") });
  }
  // Collapse the blank lines the conversions may have doubled.
  return out.filter((l, k) => !(l.line === "" && !l.code && k > 0 && out[k - 1]!.line === ""));
}

/**
 * The comment, to be printed at an indentation of `indent` columns (followed by a line break);
 * empty when there is nothing to say. One line when it fits, as `/** text *\/`.
 */
export function docComment(content: DocContent, indent: number): Doc {
  const lines: string[] = [];
  for (const p of content.paras) {
    if (p === "") continue;
    if (lines.length) lines.push("");
    lines.push(...p.split("\n"));
  }
  // Block tags come last: each runs until the next one.
  if (content.tags.length && lines.length) lines.push("");
  for (const t of content.tags) lines.push(...t.split("\n"));
  if (lines.length === 0) return [];
  if (lines.length === 1 && indent + lines[0]!.length + 7 <= PRINT_WIDTH) {
    return [`/** ${lines[0]} */`, hardline];
  }
  return [
    "/**",
    hardline,
    join(
      hardline,
      lines.map((l) => (l === "" ? " *" : ` * ${l}`)),
    ),
    hardline,
    " */",
    hardline,
  ];
}
