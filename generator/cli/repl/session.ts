// `qapi-ts shell`: a QMP (or, with -H, HMP) session at a terminal, or a script of commands read
// from a file or a pipe. Lines are read with Node's readline: completion from the live schema
// (completion.ts), history in the user's state directory (history-file.ts); events are printed
// above the line being typed, which is redrawn as it was. Arguments are checked against the live
// schema before anything is sent, with the validators' (QEMU's) messages.
//
// With --agent the session talks to a guest agent (qemu-ga) instead: no live schema there, so
// commands complete from guest-info's list, values are read as JSON or text, and a command that
// sends no reply on success is reported sent (or refused). --trace prints the wire log above
// the line being typed, as events are.
//
// Exit status: 0 when every command succeeded, 1 when one failed (a syntax error, arguments the
// schema refuses, an error from QEMU), 2 when QEMU could not be reached or went away.
import { createReadStream } from "node:fs";
import * as readline from "node:readline";
import type { Readable } from "node:stream";
import {
  QmpClient,
  QmpClientError,
  QmpError,
  type QmpClientOptions,
  type QmpEvent,
  type QmpTarget,
} from "../../../runtime/qmp/index.ts";
import {
  createValidators,
  validatorTableFromSchema,
  type Validators,
} from "../../../runtime/validate/index.ts";
import { QgaClient, DEFAULT_NO_SUCCESS_RESPONSE } from "../../../runtime/qga/index.ts";
import { formatWireLogEntry } from "../../../runtime/qmp/wire-log.ts";
import { terminalJson, terminalText } from "../qmp.ts";
import { CommandLineError, parseCommandLine, tokenize } from "./command-line.ts";
import { complete, SHELL_WORDS } from "./completion.ts";
import { HISTORY_SIZE, readHistory, writeHistory } from "./history-file.ts";
import { LiveSchema, type CommandDocs } from "./live-schema.ts";

export interface ShellOptions {
  target: QmpTarget;
  client: QmpClientOptions;
  /** HMP through human-monitor-command instead of QMP. */
  hmp: boolean;
  /** Commands from this file ("-": standard input) instead of a terminal; null: decide by stdin. */
  script: string | null;
  /** The history file; null keeps none. */
  history: string | null;
  /** A QAPI schema whose doc comments `help` shows. */
  schemaFile: string | null;
  /** A guest agent (qemu-ga) at `target`, not QEMU's monitor. */
  agent?: boolean;
  /** Print the wire log (every message both ways) on stderr, above the prompt. */
  trace?: boolean;
}

/** What guest-info says of one of the agent's commands. */
interface AgentCommand {
  name: string;
  enabled: boolean;
  "success-response": boolean;
}

const USAGE = `Commands: COMMAND [key=value ...], a dotted key for a nested member (file.filename=/tmp/a.img),
a JSON value where one is wanted ({...}, [...], numbers, true, false, null), "..." for a JSON
string, '...' for text as it is; or a whole JSON line {"execute": ..., "arguments": {...}}.
help COMMAND [key=value ...]   its arguments and result (key=value picks a union's variant)
quit                           (or Ctrl-D)
Tab completes commands, argument names and enum values.`;

export async function runShell(o: ShellOptions): Promise<number> {
  const interactive = o.script === null && process.stdin.isTTY === true;
  const json = await terminalJson();
  let session: Session | null = null;
  const clientOptions: QmpClientOptions = { ...o.client };
  if (o.trace)
    clientOptions.logger = (entry) => {
      const line = formatWireLogEntry(entry);
      if (session) session.print(line, process.stderr);
      else process.stderr.write(line + "\n");
    };
  const client = o.agent
    ? new QgaClient(o.target as ConstructorParameters<typeof QgaClient>[0], {
        connectTimeoutMs: clientOptions.connectTimeoutMs,
        syncTimeoutMs: clientOptions.greetingTimeoutMs,
        commandTimeoutMs: clientOptions.commandTimeoutMs,
        logger: clientOptions.logger,
      })
    : new QmpClient(o.target, { ...clientOptions, loadSchema: !o.hmp });
  let lost: string | null = null;
  try {
    await client.connect();
  } catch (err) {
    if (!(err instanceof Error)) throw err;
    process.stderr.write(`qapi-ts shell: ${terminalText(err.message)}\n`);
    await client.close();
    return 2;
  }
  const s = (session = new Session(o, client, json, interactive));
  if (client instanceof QmpClient) client.onAny((e) => s.event(e));
  client.onDisconnect((e) => {
    lost = e.message;
    s.lost(e.message);
  });
  try {
    if (interactive) await s.interactive();
    else await s.script(o.script ?? "-");
  } finally {
    await client.close();
  }
  return lost !== null ? 2 : s.failures > 0 ? 1 : 0;
}

class Session {
  failures = 0;
  private live: LiveSchema | null = null;
  /** Per command: validators of what it reaches, built when it is first used. */
  private readonly validators = new Map<string, Validators>();
  private hmpWords: string[] = [];
  private rl: readline.Interface | null = null;
  /** True while a prompt (and what is typed after it) is on the screen. */
  private prompting = false;
  private docs: Promise<((name: string) => CommandDocs | undefined) | string> | null = null;
  /** The agent's commands (guest-info), with --agent. */
  private agentCommands: AgentCommand[] = [];

  constructor(
    private readonly o: ShellOptions,
    private readonly client: QmpClient | QgaClient,
    private readonly json: (value: unknown, indent?: number) => string,
    private readonly tty: boolean,
  ) {}

  private async schema(): Promise<LiveSchema> {
    return (this.live ??= new LiveSchema(await (this.client as QmpClient).schema()));
  }

  /** What the session needs before the first line: the live schema, HMP's or the agent's words. */
  private async prepare(): Promise<void> {
    if (this.client instanceof QgaClient) {
      const info = (await this.client.execute("guest-info")) as {
        version: string;
        supported_commands: AgentCommand[];
      };
      this.agentVersion = info.version;
      this.agentCommands = info.supported_commands;
    } else if (this.o.hmp) this.hmpWords = this.tty ? await this.hmpCommands() : [];
    else await this.schema();
  }

  private agentVersion = "";

  // -------------------------------------------------------------------------------------------
  // Output

  /** Prints a line of output; at a prompt, above it, and the prompt is redrawn as it was. */
  print(text: string, stream: NodeJS.WriteStream = process.stdout): void {
    const rl = this.rl;
    if (!rl || !this.prompting) {
      stream.write(text + "\n");
      return;
    }
    const rows = rl.getCursorPos().rows;
    readline.moveCursor(process.stdout, 0, -rows);
    readline.cursorTo(process.stdout, 0);
    readline.clearScreenDown(process.stdout);
    stream.write(text + "\n");
    rl.prompt(true);
  }

  event(e: QmpEvent): void {
    const t = e.timestamp;
    const when =
      t && typeof t.seconds === "number"
        ? new Date(t.seconds * 1000 + Math.floor((t.microseconds ?? 0) / 1000))
            .toISOString()
            .slice(11, 23)
        : "?";
    this.print(`[${when}] ${e.event} ${this.json(e.data)}`);
  }

  lost(reason: string): void {
    this.print(`qapi-ts shell: ${terminalText(reason)}`, process.stderr);
    this.rl?.close();
  }

  // -------------------------------------------------------------------------------------------
  // Modes

  async interactive(): Promise<void> {
    const mode = this.o.agent ? "qga" : this.o.hmp ? "hmp" : "qmp";
    await this.prepare();
    let history: string[] = [];
    if (this.o.history)
      try {
        history = readHistory(this.o.history);
      } catch (err) {
        process.stderr.write(
          `qapi-ts shell: history not read from ${this.o.history}: ${(err as Error).message}\n`,
        );
      }
    let peer = `the guest agent ${this.agentVersion}`;
    if (this.client instanceof QmpClient) {
      const v = this.client.greeting!.version.qemu;
      peer = `QEMU ${v.major}.${v.minor}.${v.micro}`;
    }
    process.stdout.write(
      `Connected to ${peer} (${mode.toUpperCase()}). 'help' for help, Tab completes, Ctrl-D quits.\n`,
    );
    const rl = readline.createInterface({
      input: process.stdin,
      output: process.stdout,
      terminal: true,
      prompt: this.o.agent ? "(QGA) " : this.o.hmp ? "(HMP) " : "(QEMU) ",
      history: [...history].reverse(),
      historySize: HISTORY_SIZE,
      removeHistoryDuplicates: true,
      completer: (line: string) => this.complete(line),
    });
    this.rl = rl;
    let latest = history;
    rl.on("history", (h: string[]) => (latest = [...h].reverse()));
    rl.on("SIGINT", () => {
      rl.write(null, { ctrl: true, name: "e" });
      rl.write(null, { ctrl: true, name: "u" });
      this.print("^C (Ctrl-D or quit leaves)");
    });
    const closed = new Promise<void>((resolve) => rl.once("close", resolve));
    const lines: string[] = [];
    let running = false;
    const next = async (): Promise<void> => {
      if (running) return;
      running = true;
      while (lines.length) {
        const line = lines.shift()!;
        if (/^\s*(quit|exit)\s*$/.test(line)) {
          rl.close();
          break;
        }
        await this.run(line);
      }
      running = false;
      if (!closedYet) {
        this.prompting = true;
        rl.prompt();
      }
    };
    let closedYet = false;
    void closed.then(() => (closedYet = true));
    rl.on("line", (line) => {
      this.prompting = false;
      lines.push(line);
      void next();
    });
    this.prompting = true;
    rl.prompt();
    await closed;
    this.prompting = false;
    process.stdout.write("\n");
    if (this.o.history)
      try {
        writeHistory(this.o.history, latest);
      } catch (err) {
        process.stderr.write(
          `qapi-ts shell: history not saved to ${this.o.history}: ${(err as Error).message}\n`,
        );
      }
  }

  /** Runs every line of a file or of standard input, in order; a failure does not stop it. */
  async script(file: string): Promise<void> {
    const name = file === "-" ? "<stdin>" : file;
    let input: Readable;
    if (file === "-") input = process.stdin;
    else {
      input = createReadStream(file, { encoding: "utf8" });
      const opened = await new Promise<Error | null>((resolve) => {
        input.once("error", resolve);
        input.once("readable", () => resolve(null));
      });
      if (opened) {
        process.stderr.write(`qapi-ts shell: ${name}: ${opened.message}\n`);
        this.failures++;
        return;
      }
    }
    await this.prepare();
    const rl = readline.createInterface({ input, crlfDelay: Infinity, terminal: false });
    let n = 0;
    for await (const line of rl) {
      n++;
      if (!this.client.connected) break;
      if (/^\s*(quit|exit)\s*$/.test(line)) break;
      await this.run(line, `${name}:${n}: `);
    }
  }

  // -------------------------------------------------------------------------------------------
  // One line

  /** Runs one line; a failure is printed (with `where` in a script) and counted. */
  private async run(line: string, where = ""): Promise<void> {
    const text = line.trim();
    if (text === "" || text.startsWith("#")) return;
    const fail = (message: string): void => {
      this.failures++;
      this.print(
        `${where}error: ${terminalText(message)}`,
        where ? process.stderr : process.stdout,
      );
    };
    try {
      if (this.o.hmp) return await this.hmp(text);
      const words = tokenize(text);
      if (words[0]?.text === "help" && words[0].equals < 0) return await this.help(text);
      if (this.client instanceof QgaClient) return await this.agentRun(this.client, text);
      const live = await this.schema();
      const request = parseCommandLine(text, live);
      let validators = this.validators.get(request.command);
      if (!validators) {
        const only = { commands: [request.command] };
        validators = createValidators(validatorTableFromSchema(live.index, only));
        this.validators.set(request.command, validators);
      }
      const problem = validators.validateCommandArguments(request.command, request.args);
      if (problem) return fail(`${request.command}: ${problem.message}`);
      const result = request.oob
        ? await this.client.executeOob(request.command, request.args)
        : await this.client.execute(request.command, request.args);
      this.print(this.json(result, 2));
    } catch (err) {
      if (err instanceof CommandLineError) return fail(err.message);
      if (err instanceof QmpError || err instanceof QmpClientError) return fail(err.message);
      throw err;
    }
  }

  /** One line for the agent: values read as JSON or text (there is no live schema). */
  private async agentRun(agent: QgaClient, text: string): Promise<void> {
    const request = parseCommandLine(text, null);
    const result = await agent.execute(request.command, request.args);
    if (!(DEFAULT_NO_SUCCESS_RESPONSE as readonly string[]).includes(request.command))
      return this.print(this.json(result, 2));
    // No reply on success: a refusal comes before the reply to the next command.
    const { refusal } = result as { refusal: Promise<Error | null> };
    // (Its reply awaited too: see agentCommand in cli/qmp.ts.)
    const ping = agent.execute("guest-ping").then(
      () => {},
      () => {},
    );
    const refused = await refusal;
    await ping;
    if (refused) throw refused;
    this.print("(sent; the agent sends no reply when it succeeds)");
  }

  private async hmp(line: string): Promise<void> {
    const out = await (this.client as QmpClient).execute("human-monitor-command", {
      "command-line": line,
    });
    const text = typeof out === "string" ? out.replace(/\r\n/g, "\n").replace(/\n$/, "") : "";
    if (text) this.print(text.split("\n").map(terminalText).join("\n"));
  }

  /** The HMP commands' names, from HMP's own `help` (for completion). */
  private async hmpCommands(): Promise<string[]> {
    try {
      const out = await (this.client as QmpClient).execute("human-monitor-command", {
        "command-line": "help",
      });
      const names = new Set<string>();
      for (const l of String(out).split(/\r?\n/)) {
        const word = /^([a-z_][\w|-]*)/.exec(l)?.[1];
        for (const n of word?.split("|") ?? []) if (n.length > 1) names.add(n);
      }
      return [...names].sort();
    } catch {
      return [];
    }
  }

  private async help(text: string): Promise<void> {
    const rest = text.replace(/^\s*help\s*/, "");
    if (!rest) return this.print(USAGE);
    if (this.o.agent) {
      const name = rest.split(/\s/)[0]!;
      const c = this.agentCommands.find((x) => x.name === name);
      if (!c) {
        this.failures++;
        return this.print(`error: no command '${name}' in this guest agent`);
      }
      return this.print(
        `${c.name}${c.enabled ? "" : " (disabled)"}${c["success-response"] ? "" : " (no reply on success)"}`,
      );
    }
    const live = await this.schema();
    const request = parseCommandLine(rest, live);
    if (!live.command(request.command)) {
      this.failures++;
      return this.print(`error: no command '${request.command}' in this QEMU`);
    }
    let docs: CommandDocs | undefined;
    if (this.o.schemaFile) {
      const lookup = await (this.docs ??= loadDocs(this.o.schemaFile));
      if (typeof lookup === "string") this.print(`(${lookup})`, process.stderr);
      else docs = lookup(request.command);
    }
    this.print(live.describe(request.command, request.args, docs));
  }

  private complete(line: string): [string[], string] {
    if (this.o.agent) {
      const word = /^\s*(\S*)$/.exec(line)?.[1];
      const names = [
        ...SHELL_WORDS,
        ...this.agentCommands.filter((c) => c.enabled).map((c) => c.name),
      ];
      return word === undefined ? [[], ""] : [names.filter((w) => w.startsWith(word)), word];
    }
    if (this.o.hmp) {
      const word = /^\s*(\S*)$/.exec(line)?.[1];
      return word === undefined
        ? [[], ""]
        : [this.hmpWords.filter((w) => w.startsWith(word)), word];
    }
    if (!this.live) return [SHELL_WORDS.filter((w) => w.startsWith(line)), line];
    return complete(line, this.live);
  }
}

/** The doc comments of a schema's commands, read once with the front end (or why not). */
async function loadDocs(
  file: string,
): Promise<((name: string) => CommandDocs | undefined) | string> {
  const { loadSchema, formatQemu } = await import("../../frontend/index.ts");
  const { model, diagnostics } = loadSchema(file, { compat: true });
  if (!model) {
    const error = diagnostics.find((d) => d.severity === "error");
    return `--schema ${file} not read: ${error ? formatQemu(error) : "errors"}`;
  }
  return (name) => {
    const c = model.lookup(name);
    if (c?.meta !== "command") return undefined;
    const args = new Map<string, string>();
    for (const doc of [c.doc, c.argType?.doc])
      for (const [n, section] of doc?.args ?? []) if (!args.has(n)) args.set(n, section.text);
    return {
      ...(c.doc?.body.text.trim() ? { body: c.doc.body.text } : {}),
      args,
      ...(c.doc?.returns ? { returns: c.doc.returns.text } : {}),
    };
  };
}
