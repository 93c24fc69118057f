// Rename: a definition (type, command, event), a member, an enum value or a feature, everywhere it
// is named (its declaration, its uses, its doc comment's descriptions and @references, the
// discriminators and branches that name it). The edits are only computed here: whether the new
// name breaks a naming rule or clashes is for the front end to say, which the host runs on the
// edited text (cli/language-server/), refusing with the front end's own message.

import type { FileEdits, Range } from "./protocol.ts";
import type { Found, SnapshotIndex, Target } from "./symbols.ts";

export type RenameResult = { edits: FileEdits; target: Target } | { error: string };

/** Why a name at a place cannot be renamed, or null if it can. */
function refusal(index: SnapshotIndex, target: Target | null): string | null {
  if (!target) return "only definitions, members, enum values and features can be renamed";
  switch (target.kind) {
    case "definition": {
      const e = index.entity(target.name);
      if (e?.meta === "builtin") return `'${target.name}' is a built-in type`;
      if (!index.definition(target.name)) return `'${target.name}' is not defined in the schema`;
      return null;
    }
    case "feature":
      return target.name === "deprecated" || target.name === "unstable"
        ? `'${target.name}' is a special feature: its name is what gives it its meaning`
        : null;
    case "member":
    case "value":
      return null;
    case "condition":
      return "a condition's symbol is a build setting of QEMU's, not a name of the schema";
    case "file":
      return "an included file is renamed in the file system";
  }
}

export function prepareRename(
  index: SnapshotIndex,
  found: Found,
  target: Target | null,
): { range: Range; placeholder: string } | { error: string } {
  const why = refusal(index, target);
  if (why) return { error: why };
  return {
    range: found.index.lines.range(found.occurrence),
    placeholder: found.occurrence.name,
  };
}

export function rename(
  index: SnapshotIndex,
  found: Found,
  target: Target | null,
  newName: string,
): RenameResult {
  const why = refusal(index, target);
  if (why || !target) return { error: why ?? "nothing to rename" };
  if (newName === found.occurrence.name) return { edits: new Map(), target };
  const edits: FileEdits = new Map();
  for (const { index: f, occurrence: o } of index.references(target)) {
    const list = edits.get(f.syntax.fname) ?? [];
    list.push({ range: f.lines.range(o), newText: newName });
    edits.set(f.syntax.fname, list);
  }
  return { edits, target };
}
