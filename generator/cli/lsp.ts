// `qapi-ts lsp`: the QAPI language server, speaking the Language Server Protocol over stdin and
// stdout (editors start it with --stdio). The server itself is cli/language-server/.
import type { CommandModule } from "yargs";

interface LspArgs {
  stdio: boolean;
  clientProcessId?: number;
}

export const lspCommand: CommandModule<object, LspArgs> = {
  command: "lsp",
  describe: "Run the QAPI language server (Language Server Protocol over stdin and stdout)",
  builder: (y) =>
    y
      .option("stdio", {
        type: "boolean",
        default: true,
        describe: "talk over stdin and stdout (the only transport; editors pass it)",
      })
      .option("clientProcessId", {
        type: "number",
        hidden: true,
        describe: "the editor's process (passed by some clients; not used)",
      }),
  handler: async () => {
    const { runLanguageServer } = await import("./language-server/server.ts");
    const code = await runLanguageServer(process.stdin, process.stdout);
    // Exit once what was written is out (the protocol's last answer included).
    process.stdout.write("", () => process.exit(code));
    await new Promise(() => {});
  },
};
