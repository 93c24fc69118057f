// `qapi-ts generate [SCHEMA] [-o DIR] [-D SYM]... [--defines FILE] [--compat] [--only NAME...]
// [--option BACKEND.NAME=VALUE]... [--check] [--force] [--watch]`: the codegen step. Settings
// come from the command line, else from the configuration file (config.ts: the nearest one, one
// run per schema it lists), else the defaults (qapi/qapi-schema.json into generated/, with a
// note). Front end, the back ends of the registry, the writer.
//
// Exit codes: 0 done (with --check: up to date), 1 input errors (the schema, a defines or
// configuration file; with --check: stale, missing, extra or not-ours files), 2 usage errors
// and an unwritable output.
import type { CommandModule } from "yargs";
import { configurationOptions } from "./options.ts";
import type { GenerateArgs } from "../codegen/index.ts";

export const generateCommand: CommandModule<object, GenerateArgs> = {
  command: "generate [schema]",
  describe: "Generate TypeScript types, validators, JSON Schema and the introspection payload",
  builder: (y) =>
    configurationOptions(y)
      .option("compat", {
        type: "boolean",
        describe: "accept the legacy dialect of QEMU before 6.2, reporting each kind of use once",
      })
      .positional("schema", {
        type: "string",
        describe: "the main schema file (default: the config's, else qapi/qapi-schema.json)",
      })
      .option("output", {
        alias: "o",
        type: "string",
        requiresArg: true,
        describe: "output directory (default: the config's, else generated)",
      })
      .option("only", {
        type: "string",
        array: true,
        requiresArg: true,
        describe:
          "back ends to run: types, validators, client, json-schema, introspection (default: all)",
      })
      .option("option", {
        type: "string",
        array: true,
        requiresArg: true,
        describe:
          "a back end's option, BACKEND.NAME=VALUE (e.g. introspection.unmask=true), or an output option of every back end, output.NAME=VALUE: target=ts|js+dts, importExtension=js|ts|none, int64=exact|bigint|number",
      })
      .option("runtime-package", {
        type: "string",
        requiresArg: true,
        describe: "where generated code imports its run-time support from (default: qapi-ts)",
      })
      .option("config", {
        type: "string",
        requiresArg: true,
        describe:
          'configuration file (default: the nearest qapi-ts.config.json or package.json "qapi-ts" key, here or above)',
      })
      .option("check", {
        type: "boolean",
        describe: "write nothing; list stale, missing, extra and not-ours files and exit 1 if any",
      })
      .option("force", {
        type: "boolean",
        describe: "overwrite files of generated files' names that qapi-ts did not write",
      })
      .option("watch", {
        alias: "w",
        type: "boolean",
        describe: "regenerate whenever a schema file or the configuration changes",
      })
      .option("quiet", { alias: "q", type: "boolean", default: false, describe: "no summary line" })
      .conflicts("check", "watch"),
  handler: async (argv) => {
    const { runPlan, watchGenerate } = await import("../codegen/index.ts");
    if (argv.watch) await watchGenerate(argv);
    else process.exitCode = runPlan(argv);
  },
};
