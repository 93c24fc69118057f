// A definition's documentation comment (`##` block) as the model holds it: sections of text in
// the order written, member and feature descriptions by name. The front end's reader
// (frontend/doc-comments.ts) builds it and checks it against the definition; back ends and
// services only read it.
import type { SourceInfo, Span } from "./source.ts";

export type SectionKind = "Plain" | "Member" | "Feature" | "Returns" | "Errors" | "Since" | "Todo";

export interface DocSection {
  info: SourceInfo;
  kind: SectionKind;
  text: string;
  /** Its tag as written (`Since:`, `@name:`, `Features:` aside); null for plain sections. */
  span: Span | null;
}

export interface ArgSection extends DocSection {
  name: string;
  /** The member or feature this description was connected to; null when it names none. */
  member: DocMember | null;
}

/** A documented thing as the front end connects it to its description. */
export interface DocMember {
  name: string;
  /** "member", "value", "branch", "feature", ... as QEMU's messages name it */
  role: string;
  info: SourceInfo | null;
  /** Its name as written in the definition (null for members the schema implies). */
  span: Span | null;
}

/** One `##` block: a definition's documentation, or free-form text (symbol null). */
export interface Documentation {
  /** Its first line, the opening `##`. */
  readonly info: SourceInfo;
  /** Its `@symbol:` as written; the opening `##` for free-form documentation. */
  readonly span: Span | null;
  /** The documented definition's name; null for free-form documentation. */
  readonly symbol: string | null;
  /** The text before the first tagged section. */
  readonly body: DocSection;
  /** Member descriptions ("@name:" lines), in order. */
  readonly args: ReadonlyMap<string, ArgSection>;
  readonly features: ReadonlyMap<string, ArgSection>;
  /** Every section after the body that is not a member or feature description. */
  readonly sections: readonly DocSection[];
  /** Every section in text order, the body first. */
  readonly allSections: readonly DocSection[];
  readonly returns: DocSection | null;
  readonly errors: DocSection | null;
  readonly since: DocSection | null;
}
