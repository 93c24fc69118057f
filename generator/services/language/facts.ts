// What the language service knows of the QAPI language itself: the key table (which keys each
// meta-type and each kind of member takes, and the shape of each key's value). The table is the
// front end's (frontend/keywords.ts); services read the model, not the front end, so whoever runs
// the service hands the table in as data (the CLI: cli/language-server/), and nothing here is a
// second copy of it.

/** One key of the table, as the service reads it (frontend/keywords.ts KeySpec). */
export interface KeyFact {
  readonly key: string;
  /** What its value must look like: "type-ref", "members", "cond", ... (keywords.ts Shape). */
  readonly shape: string;
  readonly required?: boolean;
  /** The value names its owner (an enum value's or a feature's 'name'). */
  readonly ownerSource?: boolean;
}

export interface LanguageFacts {
  /** Each meta-type's keys, the defining key first. */
  readonly definitionKeys: Readonly<Record<string, readonly KeyFact[]>>;
  /** Each kind of member's keys ("member", "enum-value", "branch", "alternative", "feature"). */
  readonly memberKeys: Readonly<Record<string, readonly KeyFact[]>>;
  /** The kind of member the entries of a shape's value are ("members" → "member"). */
  readonly shapeEntries: Readonly<Partial<Record<string, string>>>;
  /** The operators of a condition written as an object ('all', 'any', 'not'). */
  readonly conditionKeys: readonly string[];
  /** The directives' keys ('include', 'pragma'). */
  readonly directiveKeys: readonly string[];
}

/** The key of a kind of member that its shorthand stands for (a member's type, a value's name). */
export function shorthandKey(keys: readonly KeyFact[]): KeyFact | undefined {
  const required = keys.filter((k) => k.required);
  return required.length === 1 ? required[0] : undefined;
}
