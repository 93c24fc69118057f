// Documentation comments (`##` blocks): their parsed form and the checks QEMU applies to them.
// CONTRACT (owned by the parser/doc work; expr.ts, schema.ts and dump.ts rely on this API):
//
//   class QAPIDoc
//     info: SourceInfo                 where the `##` block starts
//     symbol: string | null            the documented definition's name; null for free-form docs
//     body: DocSection                 the text before the first tagged section
//     args: Map<string, ArgSection>    member descriptions, in order ("@name:" lines)
//     features: Map<string, ArgSection>
//     sections: DocSection[]           every section after the body that is not an arg/feature
//                                      (kind "Plain", "Returns", "Errors", "Since", "Todo", ...)
//     connectMember(m: DocMember): void    called by schema.ts for each member/branch/value;
//                                          raises QAPIError "... lacks documentation" as QEMU
//     connectFeature(f: DocMember): void
//     checkExpr(expr: PlainDict): void     checks against the definition (e.g. Returns on a
//                                          command that returns nothing), called by expr.ts
//     check(): void                        after connecting: documented members that don't exist
//
//   dump.ts prints body.text, each args/features entry's text and each section's kind + text.
//
// Implementation to be written (see QEMU's tests/qapi-schema/doc-*.{json,err,out}).

import type { SourceInfo } from "./source.ts";
import type { PlainDict } from "./ast.ts";

export type SectionKind = "Plain" | "Member" | "Feature" | "Returns" | "Errors" | "Since" | "Todo";

export interface DocSection {
  info: SourceInfo;
  kind: SectionKind;
  text: string;
}

export interface ArgSection extends DocSection {
  name: string;
  /** The member/feature connected to this description (set by connectMember/connectFeature). */
  member: DocMember | null;
}

/** What schema.ts hands to connectMember/connectFeature. */
export interface DocMember {
  name: string;
  /** "member", "value", "branch", "feature", ... as QEMU's messages name it */
  role: string;
  info: SourceInfo | null;
}

export declare class QAPIDoc {
  info: SourceInfo;
  symbol: string | null;
  body: DocSection;
  args: Map<string, ArgSection>;
  features: Map<string, ArgSection>;
  sections: DocSection[];
  connectMember(m: DocMember): void;
  connectFeature(f: DocMember): void;
  checkExpr(expr: PlainDict): void;
  check(): void;
}
