// `qapi-ts probe`: answers feature-detection queries over a query-qmp-schema reply: read from a
// file, built from a schema for one configuration, or asked of a live QEMU (--socket, --tcp).
// One line per query, in the order given: QUERY<TAB>1 (found), QUERY<TAB>0 (not found),
// QUERY<TAB>error. Exit 0 when all are found, 1 when any is not; 2 when there is no answer: a
// query is an error, an input is bad or cannot be read (schema, --defines file, reply file:
// exit 1 would read as "not found", and a broken input is no evidence that a feature is
// absent), QEMU cannot be reached or answers with an error, and on usage errors.
import type { CommandModule } from "yargs";
import type { Condition } from "../../runtime/conditions.ts";
import type { Explanation, ProbeAnswer } from "../../runtime/introspection.ts";
import type { SchemaModel } from "../model/index.ts";
import { compatOption, configurationOptions, type ConfigurationArgs } from "./options.ts";
import {
  connectionFrom,
  hasTarget,
  targetOptions,
  terminalText,
  usageExit,
  type TargetArgs,
} from "./qmp.ts";

interface ProbeArgs extends ConfigurationArgs, TargetArgs {
  query: string[];
  reply?: string;
  schema?: string;
  compat: boolean;
  unmask: boolean;
  explain: boolean;
  json: boolean;
}

/** Why no reply could be obtained: printed as one line, exit 2. */
class ReplyUnavailable extends Error {}

export const probeCommand: CommandModule<object, ProbeArgs> = {
  command: "probe <query..>",
  describe: "Answer schema path queries (feature detection) over a query-qmp-schema reply",
  builder: (y) =>
    targetOptions(compatOption(configurationOptions(y), "with --schema: accept the legacy dialect"))
      .positional("query", {
        type: "string",
        array: true,
        demandOption: true,
        describe: "path queries, e.g. blockdev-add/arg-type/+file/$dynamic-auto-read-only",
      })
      .option("reply", { type: "string", describe: "a query-qmp-schema reply (JSON file)" })
      .option("schema", { type: "string", describe: "build the reply from this QAPI schema" })
      .option("unmask", {
        type: "boolean",
        default: false,
        describe: "with --schema: real type names in the reply",
      })
      .option("explain", {
        type: "boolean",
        default: false,
        describe: "print the path walked for each query",
      })
      .option("json", { type: "boolean", default: false, describe: "structured output" })
      .conflicts("reply", ["schema", "socket", "tcp"])
      .conflicts("schema", ["socket", "tcp"])
      .example(
        "$0 probe --reply reply.json 'blockdev-add/arg-type/+file/$dynamic-auto-read-only'",
        "",
      )
      .example(
        "$0 probe --socket /tmp/qmp.sock 'blockdev-add/arg-type/+file/$dynamic-auto-read-only'",
        "",
      )
      .example(
        "$0 probe --schema qapi/qapi-schema.json -D CONFIG_POSIX --explain 'blockdev-add/arg-type/+file/$dynamic-auto-read-only'",
        "",
      ),
  handler: async (argv) => {
    const usage = usageError(argv);
    if (usage) {
      process.stderr.write(`qapi-ts probe: ${usage}\nRun 'qapi-ts probe --help' for usage.\n`);
      process.exit(2);
    }
    const { SchemaIndex, SchemaReplyError, QueryError } = await import(
      "../../runtime/introspection.ts"
    );
    let index: InstanceType<typeof SchemaIndex>;
    let conditionOf: ((query: string) => Condition | null) | null = null;
    try {
      const { reply, model } = await obtainReply(argv);
      index = new SchemaIndex(reply);
      // A schema without build symbols: say which condition an answer depends on.
      if (model && !hasConfiguration(argv))
        conditionOf = await conditionsOfQueries(model, argv.unmask);
    } catch (err) {
      if (err instanceof ReplyUnavailable || err instanceof SchemaReplyError) {
        process.stderr.write(`qapi-ts probe: ${err.message}\n`);
        process.exit(2);
      }
      throw err;
    }

    const answers = argv.query.map((q): ProbeAnswer | Explanation => {
      try {
        return argv.explain ? index.explain(q) : index.probe(q);
      } catch (err) {
        // Only an unparsable query (the empty one) gets here.
        if (!(err instanceof QueryError)) throw err;
        return { query: q, result: "error", entry: null, member: null, error: err.message };
      }
    });

    const conditions = answers.map((a) =>
      conditionOf && a.result !== "error" ? conditionOf(a.query) : null,
    );
    if (conditionOf) {
      const { conditionText } = await import("../../runtime/conditions.ts");
      answers.forEach((a, i) => {
        const c = conditions[i];
        if (c) {
          process.stderr.write(
            `qapi-ts probe: ${a.query}: exists only where ${conditionText(c)}; ` +
              `the answer is for a build that defines nothing (give -D or --defines)\n`,
          );
        }
      });
    }
    if (argv.json) {
      const out = answers.map((a, i) => (conditionOf ? { ...a, condition: conditions[i] } : a));
      process.stdout.write(JSON.stringify(out, null, 2) + "\n");
    } else {
      const out: string[] = [];
      for (const a of answers) {
        out.push(
          `${a.query}\t${a.result === "found" ? 1 : a.result === "not-found" ? 0 : "error"}`,
        );
        // (Names and errors come from the reply, which a QEMU may have sent: escaped.)
        if ("text" in a) out.push(...a.text.split("\n").map((l) => `# ${terminalText(l)}`));
        else if (a.error)
          process.stderr.write(`qapi-ts probe: ${terminalText(`${a.query}: ${a.error}`)}\n`);
      }
      process.stdout.write(out.join("\n") + "\n");
    }
    const code = answers.some((a) => a.result === "error")
      ? 2
      : answers.some((a) => a.result === "not-found")
        ? 1
        : 0;
    process.exitCode = code;
  },
};

/** Option combinations yargs cannot express (checked here: the CLI's fail handler takes messages only). */
function usageError(argv: ProbeArgs): string | null {
  if (!argv.reply && !argv.schema && !hasTarget(argv))
    return "give --reply FILE, --schema SCHEMA, --socket PATH or --tcp HOST:PORT";
  if (
    !argv.schema &&
    (argv.define?.length || argv.defines !== undefined || argv.compat || argv.unmask)
  ) {
    return "-D, --defines, --compat and --unmask apply only to --schema";
  }
  if (argv.trace && !hasTarget(argv)) return "--trace applies only to --socket and --tcp";
  return null;
}

function hasConfiguration(argv: ProbeArgs): boolean {
  return (argv.define?.length ?? 0) > 0 || argv.defines !== undefined;
}

/**
 * For each query, the condition of what it finds in some build of the schema (null when it is
 * found unconditionally, or in no build).
 */
async function conditionsOfQueries(
  model: SchemaModel,
  unmask: boolean,
): Promise<(query: string) => Condition | null> {
  const [{ everyBuildPayload, pathCondition }, { SchemaIndex }] = await Promise.all([
    import("../services/probe-conditions.ts"),
    import("../../runtime/introspection.ts"),
  ]);
  const payload = everyBuildPayload(model, unmask);
  const index = new SchemaIndex(payload.entries);
  return (query) => {
    const e = index.explain(query);
    return e.result === "found" ? pathCondition(index, payload, e) : null;
  };
}

/**
 * The reply to probe, from whichever source the options name: a schema, a live QEMU or a file;
 * the rest of the command is independent of where the reply came from.
 */
async function obtainReply(argv: ProbeArgs): Promise<{ reply: unknown; model?: SchemaModel }> {
  if (argv.schema !== undefined) return replyFromSchema(argv.schema, argv);
  if (hasTarget(argv)) {
    const connection = await connectionFrom(argv);
    if (typeof connection === "string") usageExit("probe", connection);
    const { fetchQmpSchema } = await import("../../runtime/qmp/fetch-schema.ts");
    const reply = await fetchQmpSchema(connection.target, connection.options).catch(
      (err: Error) => {
        // Not reaching QEMU, and QEMU's own error reply, are no answer.
        throw new ReplyUnavailable(terminalText(err.message));
      },
    );
    return { reply };
  }
  const [{ readInput, InputError, STDIN_NAME }, { parseJsonText, JsonInputError }] =
    await Promise.all([
      import("../frontend/bounded-input.ts"),
      import("../frontend/json-input.ts"),
    ]);
  let text: string;
  try {
    // A reply of QEMU's is under 1 MiB; QEMU's own bound on a message is 64 MiB.
    text = (await readInput(argv.reply!, { maxBytes: 64 << 20, purpose: "reply file" })).toString(
      "utf8",
    );
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    throw new ReplyUnavailable(err.message);
  }
  try {
    return { reply: parseJsonText(text) };
  } catch (err) {
    if (!(err instanceof JsonInputError)) throw err;
    const name = argv.reply === "-" ? STDIN_NAME : argv.reply!;
    const at = err.line === null ? "" : `:${err.line}:${err.col ?? 1}`;
    throw new ReplyUnavailable(`${name}${at}: ${err.message}`);
  }
}

/** The payload a QEMU built from `schema` with the configuration's symbols would return. */
async function replyFromSchema(
  schema: string,
  argv: ProbeArgs,
): Promise<{ reply: unknown; model: SchemaModel }> {
  const { readConfiguration, loadModelOrExit } = await import("./options.ts");
  const defines = (await readConfiguration(argv, 2)) ?? new Set<string>();
  const { model } = await loadModelOrExit(schema, { compat: argv.compat }, 2);
  const { buildIntrospection } = await import("../model/introspection-tree.ts");
  return { reply: buildIntrospection(model, { defines, unmask: argv.unmask }), model };
}
