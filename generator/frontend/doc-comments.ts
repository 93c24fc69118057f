// Documentation comments (`##` blocks) as the parser reads them (parser/doc-block.ts) into the
// model's Documentation (model/documentation.ts), and the checks QEMU applies to them: against
// the definition's kind (checkExpr, from expr.ts), then member by member as schema/ connects each
// member, branch, value and feature to its description (connectMember, connectFeature: "... lacks
// documentation"), and last for descriptions of members that do not exist (check).

import type {
  ArgSection,
  DocMember,
  DocSection,
  Documentation,
  SectionKind,
} from "../model/documentation.ts";
import { QAPIError, excerpt, type SourceInfo, type Span } from "../model/source.ts";

/** An error in documentation: the definition it documents is still checked and built. */
export class DocError extends QAPIError {}

/**
 * Under --compat, what QEMU 10.2 rejects in older releases' doc comments is warned about once
 * per kind, not per name: "member 'x' lacks ..." is one kind.
 */
export function docWarningKind(message: string): string {
  return "doc:" + message.replace(/'[^']*'/g, "''");
}

export class QAPIDoc implements Documentation {
  symbol: string | null;
  body: DocSection;
  args = new Map<string, ArgSection>();
  features = new Map<string, ArgSection>();
  sections: DocSection[] = [];
  /** Every section in text order (body first); appended text goes to the last one. */
  allSections: DocSection[];
  returns: DocSection | null = null;
  errors: DocSection | null = null;
  since: DocSection | null = null;
  /** Lines of the last section, joined into its text when it ends (one string, not one per line). */
  private lines: string[] = [];

  constructor(
    public info: SourceInfo,
    symbol: string | null = null,
    /** The `@symbol:` word (the opening `##` for free-form documentation). */
    public span: Span | null = null,
  ) {
    this.symbol = symbol;
    this.body = { info, kind: "Plain", text: "", span: null };
    this.allSections = [this.body];
  }

  /** Continue the current untagged section with a paragraph break, or start a new one. */
  ensureUntaggedSection(info: SourceInfo): void {
    const last = this.allSections[this.allSections.length - 1]!;
    if (last.kind === "Plain") {
      // An empty section starts where its first text is.
      if (this.lines.length === 0) last.info = info;
      this.lines.push("");
      return;
    }
    this.endSection();
    const section: DocSection = { info, kind: "Plain", text: "", span: null };
    this.sections.push(section);
    this.allSections.push(section);
  }

  /** `span`: its tag (`Since:`). */
  newTaggedSection(info: SourceInfo, kind: SectionKind, span: Span | null): void {
    const section: DocSection = { info, kind, text: "", span };
    const slot =
      kind === "Returns"
        ? "returns"
        : kind === "Errors"
          ? "errors"
          : kind === "Since"
            ? "since"
            : null;
    if (slot) {
      if (this[slot]) throw new DocError(info, `duplicated '${kind}' section`, { span });
      this[slot] = section;
    }
    this.endSection();
    this.sections.push(section);
    this.allSections.push(section);
  }

  private newDescription(
    info: SourceInfo,
    name: string,
    kind: SectionKind,
    desc: Map<string, ArgSection>,
    span: Span | null,
  ): void {
    if (!name) throw new DocError(info, "invalid parameter name", { span });
    if (desc.has(name))
      throw new DocError(info, `'${excerpt(name)}' parameter name duplicated`, { span });
    const section: ArgSection = { info, kind, text: "", span, name, member: null };
    this.endSection();
    this.allSections.push(section);
    desc.set(name, section);
  }

  /** `span`: its `@name:`. */
  newArgument(info: SourceInfo, name: string, span: Span | null): void {
    this.newDescription(info, name, "Member", this.args, span);
  }

  newFeature(info: SourceInfo, name: string, span: Span | null): void {
    this.newDescription(info, name, "Feature", this.features, span);
  }

  appendLine(line: string): void {
    this.lines.push(line);
  }

  /** The last section is complete: its text, without blank lines around it. */
  private endSection(): void {
    if (this.lines.length === 0) return;
    this.allSections[this.allSections.length - 1]!.text = joinTrimmed(this.lines);
    this.lines = [];
  }

  /** The block is complete; tagged sections need text. */
  end(): void {
    this.endSection();
    for (let i = 0; i < this.allSections.length; i++) {
      const s = this.allSections[i]!;
      if (s.kind !== "Plain" && s.text === "")
        throw new DocError(s.info, `text required after '${s.kind}:'`, { span: s.span });
    }
  }

  /** Forgets which members the descriptions were connected to (before connecting them again). */
  disconnect(): void {
    for (const s of this.args.values()) s.member = null;
    for (const s of this.features.values()) s.member = null;
    // The empty descriptions connecting placed for exempted members go too: the next connection
    // places them again if the members are still there (a doc left unconnected has none).
    if (!this.exempted.size) return;
    for (const section of this.exempted) this.args.delete(section.name);
    this.allSections = this.allSections.filter((x) => !this.exempted.has(x as ArgSection));
    this.exempted.clear();
  }

  /** The empty descriptions connectMember placed (the pragma's exceptions). */
  private readonly exempted = new Set<ArgSection>();

  connectMember(m: DocMember): void {
    let section = this.args.get(m.name);
    if (!section) {
      if (!m.info || !m.info.pragma.documentationExceptions.includes(this.symbol ?? "")) {
        throw new DocError(m.info, `${m.role} '${excerpt(m.name)}' lacks documentation`, {
          span: m.span,
          code: "undocumented",
        });
      }
      // Exempted: an empty description, placed after the documented members.
      section = {
        info: this.info,
        kind: "Member",
        text: "",
        span: null,
        name: m.name,
        member: null,
      };
      this.args.set(m.name, section);
      this.exempted.add(section);
      let index = 1;
      while (index < this.allSections.length && this.allSections[index]!.kind === "Member") index++;
      this.allSections.splice(index, 0, section);
    }
    section.member = m;
  }

  connectFeature(f: DocMember): void {
    const section = this.features.get(f.name);
    if (!section)
      throw new DocError(f.info, `feature '${excerpt(f.name)}' lacks documentation`, {
        span: f.span,
        code: "undocumented",
      });
    section.member = f;
  }

  /** The sections a definition of this meta-type may have (QEMU checks them before the rest). */
  checkExpr(meta: string, hasReturns: boolean): void {
    if (meta === "command") {
      if (this.returns && !hasReturns) {
        throw new DocError(
          this.returns.info,
          "'Returns' section, but command doesn't return anything",
          { span: this.returns.span },
        );
      }
    } else {
      if (this.returns) throw commandOnly(this.returns);
      if (this.errors) throw commandOnly(this.errors);
    }
  }

  check(): void {
    checkDescribed(this.args, "member");
    checkDescribed(this.features, "feature");
  }
}

function commandOnly(s: DocSection): DocError {
  return new DocError(s.info, `'${s.kind}' section is only valid for commands`, { span: s.span });
}

function checkDescribed(desc: Map<string, ArgSection>, what: string): void {
  const bogus = [...desc.values()].filter((s) => !s.member);
  if (bogus.length === 0) return;
  const many = bogus.length > 1;
  const names = bogus.map((s) => s.name).join("', '");
  throw new DocError(
    bogus[0]!.info,
    `documented ${what}${many ? "s" : ""} '${names}' ${many ? "do" : "does"} not exist`,
    { span: bogus[0]!.span },
  );
}

/** Lines joined with newlines, without the blank ones at either end. */
function joinTrimmed(lines: string[]): string {
  let a = 0;
  let b = lines.length;
  while (a < b && lines[a] === "") a++;
  while (b > a && lines[b - 1] === "") b--;
  return (a === 0 && b === lines.length ? lines : lines.slice(a, b)).join("\n");
}
