// `qapi-ts introspect SCHEMA`: the query-qmp-schema payload a QEMU built with the given symbols
// returns, as JSON indented by one space (the layout of QEMU's expected payload files).
import type { Argv, CommandModule } from "yargs";
import type { FrontEndOptions, SchemaModel } from "../model.ts";

export interface ConfigurationArgs {
  define?: string[];
  defines?: string;
}

interface IntrospectArgs extends ConfigurationArgs {
  schema: string;
  unmask: boolean;
  compat: boolean;
  output?: string;
}

/** The -D / --defines options, shared with the commands that evaluate conditions. */
export function configurationOptions<T>(y: Argv<T>): Argv<T & ConfigurationArgs> {
  return y
    .option("define", {
      alias: "D",
      type: "string",
      array: true,
      // One symbol per -D, so that a positional argument after it is not taken as a symbol.
      nargs: 1,
      requiresArg: true,
      describe: "Condition symbol defined in the build (repeatable); undefined symbols are false",
    })
    .option("defines", {
      type: "string",
      requiresArg: true,
      describe: "File with one defined symbol per line (blank lines and # comments ignored)",
    }) as Argv<T & ConfigurationArgs>;
}

const SYMBOL = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The configuration the options name: -D symbols plus those of --defines. Returns null when
 * neither option is given. Reports bad input and exits (2 for a bad -D, 1 for a bad file).
 */
export async function readConfiguration(args: ConfigurationArgs): Promise<Set<string> | null> {
  if (!args.define?.length && args.defines === undefined) return null;
  const defined = new Set<string>();
  for (const s of args.define ?? []) {
    if (!SYMBOL.test(s)) fail(2, `-D '${s}': expected a condition symbol (letters, digits, '_')`);
    defined.add(s);
  }
  if (args.defines !== undefined) {
    const { readFileSync } = await import("node:fs");
    let text: string;
    try {
      text = readFileSync(args.defines, "utf8");
    } catch (e) {
      fail(1, `can't read ${args.defines}: ${(e as Error).message}`);
    }
    text.split("\n").forEach((raw, i) => {
      const line = raw.replace(/#.*/, "").trim();
      if (!line) return;
      if (!SYMBOL.test(line)) fail(1, `${args.defines}:${i + 1}: expected a condition symbol, found '${line}'`, true);
      defined.add(line);
    });
  }
  return defined;
}

function fail(code: number, message: string, located = false): never {
  process.stderr.write(located ? `${message}\n` : `qapi-ts: ${message}\n`);
  process.exit(code);
}

/** Writes `text` to `output`, or to stdout when absent; a failed write is an environment error. */
export async function writeOutput(text: string, output: string | undefined): Promise<void> {
  if (output === undefined) {
    // (A reader that stops early, `| head`, is handled once for every command in cli.ts.)
    process.stdout.write(text);
    return;
  }
  const { writeFileSync } = await import("node:fs");
  try {
    writeFileSync(output, text);
  } catch (e) {
    fail(2, `can't write ${output}: ${(e as Error).message}`);
  }
}

/**
 * Loads and checks a schema; on errors prints the diagnostics as QEMU does and exits 1. Warnings
 * (legacy uses under --compat) go to stderr too.
 */
export async function loadModelOrExit(schema: string, options: FrontEndOptions): Promise<SchemaModel> {
  const [{ loadSchema }, { formatQemu }] = await Promise.all([import("../frontend.ts"), import("../source.ts")]);
  const result = loadSchema(schema, options);
  for (const d of result.diagnostics) process.stderr.write(formatQemu(d) + "\n");
  if (!result.model) process.exit(1);
  return result.model;
}

export const introspectCommand: CommandModule<object, IntrospectArgs> = {
  command: "introspect <schema>",
  describe: "Print the query-qmp-schema payload for a build configuration",
  builder: (y) =>
    configurationOptions(y)
      .positional("schema", { type: "string", demandOption: true, describe: "The main schema file" })
      .option("unmask", { type: "boolean", default: false, describe: "Real type names instead of numbers" })
      .option("compat", { type: "boolean", default: false, describe: "Accept the legacy (pre-6.2) dialect" })
      .option("output", { alias: "o", type: "string", requiresArg: true, describe: "Write to FILE, not stdout" })
      .example("$0 introspect qapi-schema.json --defines linux.defines", "") as Argv<IntrospectArgs>,
  handler: async (args) => {
    const defines = (await readConfiguration(args)) ?? new Set<string>();
    const model = await loadModelOrExit(args.schema, { compat: args.compat });
    const { buildIntrospection, formatIntrospection } = await import("../backends/introspect.ts");
    const payload = buildIntrospection(model, { defines, unmask: args.unmask });
    await writeOutput(formatIntrospection(payload), args.output);
  },
};
