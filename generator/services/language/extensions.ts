// What the language service's host adds that only it can know: facts from the stages services may
// not import (the front end's reading of legacy conditions and pragmas, compat's wire paths and
// release history). The CLI's server (cli/language-server/service-host.ts) provides them.

import type { Condition, SchemaModel } from "../../model/index.ts";
import type { Target } from "./symbols.ts";

/** What the service's host adds that only it can know (wire paths, release history, ...). */
export interface ServiceHost {
  /** Markdown lines for a hover over `target` (e.g. its wire paths, the release it came in). */
  hoverNotes?(model: SchemaModel, target: Target): string[];
  /** The condition a legacy (C preprocessor) condition's text stands for, or null. */
  modernCondition?(text: string | string[]): Condition | null;
  /** Today's names of legacy pragmas ('returns-whitelist' → 'command-returns-exceptions'). */
  legacyPragmas?: ReadonlyMap<string, string>;
}
