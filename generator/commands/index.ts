// The subcommands, in the order `--help` lists them. Keep these modules light: builders and
// handlers only, with the pipeline imported inside the handler.
import type { CommandModule } from "yargs";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<any, any>[] = [];
