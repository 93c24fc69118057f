// The front-end pipeline every command uses: parse (parser.ts), check definitions (expr.ts),
// build and check the model (schema.ts). Input errors come back as diagnostics, never thrown.

import { parseSchema } from "./parser.ts";
import { checkDefinition } from "./expr.ts";
import { buildSchema } from "./schema.ts";
import type { SchemaModel } from "./model.ts";
import type { TopLevelExpr } from "./ast.ts";
import { QAPIError, type Diagnostic, type SourceInfo } from "./source.ts";

export interface LoadOptions {
  /** Accept the legacy dialect of QEMU releases before 6.2, with a warning per kind of use. */
  compat: boolean;
}

export type LoadResult =
  /** diagnostics: the warnings (legacy uses accepted under compat). */
  | { model: SchemaModel; diagnostics: Diagnostic[] }
  /** diagnostics: the warnings so far, then the one error that stopped the front end. */
  | { model: null; diagnostics: Diagnostic[] };

export function loadSchema(fname: string, options: LoadOptions): LoadResult {
  const warnings: Diagnostic[] = [];
  const warnedKinds = new Set<string>();
  const legacy = (info: SourceInfo, kind: string, message: string): void => {
    if (warnedKinds.has(kind)) return;
    warnedKinds.add(kind);
    warnings.push({ severity: "warning", message: `${message} (accepted by --compat)`, info });
  };
  try {
    const parsed = parseSchema(fname, { compat: options.compat, warn: (d) => warnings.push(d) });
    const metas = new Map<TopLevelExpr, string>();
    const opts = { compat: options.compat, legacy };
    for (const e of parsed.exprs)
      if (e.kind === "definition") metas.set(e, checkDefinition(e, opts));
    const model = buildSchema(fname, parsed.exprs, metas, opts, warnings);
    return { model, diagnostics: warnings };
  } catch (err) {
    if (err instanceof QAPIError)
      return { model: null, diagnostics: [...warnings, err.diagnostic] };
    if (err instanceof RangeError) {
      // Only pathological input gets here (e.g. nesting beyond the stack): report, don't crash.
      return {
        model: null,
        diagnostics: [
          ...warnings,
          { severity: "error", message: `${fname}: input too deeply nested`, info: null },
        ],
      };
    }
    throw err;
  }
}
