// The subcommands, in the order `--help` lists them. Keep these modules light: builders and
// handlers only, with the pipeline imported inside the handler.
import type { CommandModule } from "yargs";
import { probeCommand } from "./probe.ts";
import { dumpCommand } from "./dump.ts";
import { lintCommand } from "./lint.ts";
import { introspectCommand } from "./introspect.ts";
import { featuresCommand } from "./features.ts";
import { generateCommand } from "./generate.ts";
import { validateCommand } from "./validate.ts";
import { qmpCommand } from "./qmp.ts";
import { eventsCommand } from "./events.ts";
import { shellCommand } from "./shell.ts";
import { diffCommand } from "./diff.ts";
import { historyCommand } from "./history.ts";
import { definesCommand } from "./defines.ts";
import { lspCommand } from "./lsp.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<any, any>[] = [
  dumpCommand,
  lintCommand,
  probeCommand,
  introspectCommand,
  featuresCommand,
  diffCommand,
  historyCommand,
  definesCommand,
  generateCommand,
  validateCommand,
  qmpCommand,
  eventsCommand,
  shellCommand,
  lspCommand,
];
