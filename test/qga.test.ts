// The guest agent's client (issue 18, item 1) against a real qemu-ga run on the host (commands
// that could change the host are blocked: see helpers/qga.ts) and, for what the real one will
// not do on demand (leave half a reply in the channel, succeed at guest-shutdown, never answer),
// a scripted agent.
import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { createServer, createConnection, type Server, type Socket } from "node:net";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { QgaClient, QmpClientError, QmpError, type CommandSent } from "../runtime/qga/index.ts";
import { startFakeServer, stopFakeServers } from "./helpers/fake-qmp-server.ts";
import { linkPackage, typeCheck } from "./helpers/generated.ts";
import { haveQga, killAgents, startAgent } from "./helpers/qga.ts";
import { bin, hasShared, projectRoot, sharedPath } from "./helpers/paths.ts";
import { clientError, settle, waitFor } from "./helpers/qemu.ts";
import { scratchFolders } from "./helpers/scratch.ts";

const open: QgaClient[] = [];
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
  for (const s of servers.splice(0)) s.close();
  await killAgents();
  await stopFakeServers();
});
const scratch = scratchFolders();

function track<T extends QgaClient>(c: T): T {
  open.push(c);
  return c;
}

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The agent's answer to guest-sync-delimited: its sentinel, then the id. */
function syncReply(cmd: Record<string, unknown>): string {
  return `\xff${JSON.stringify({ return: (cmd.arguments as { id: number }).id })}\n`;
}

/**
 * A scripted agent: no greeting; answers guest-sync-delimited as qemu-ga does, and other
 * commands as `answer` says (nothing when it returns null).
 */
async function scriptedAgent(
  answer: (cmd: Record<string, unknown>, conn: Socket) => unknown,
  onConnect?: (conn: Socket) => void,
) {
  return startFakeServer({
    greeting: "",
    onConnect,
    onCommand: (cmd, conn) => {
      if (cmd.execute === "guest-sync-delimited") conn.write(Buffer.from(syncReply(cmd), "latin1"));
      else {
        const value = answer(cmd, conn);
        if (value !== null) conn.write(JSON.stringify({ return: value, id: cmd.id }) + "\n");
      }
    },
  });
}

/**
 * A channel in front of a real agent, as a guest's virtio-serial port is: it holds what an
 * earlier client left (`stale` for the client, `staleForAgent` for the agent) and passes the
 * rest through.
 */
async function channelTo(agentSocket: string, stale: string, staleForAgent: string) {
  const socket = path.join(scratch("qga-channel"), "port.sock");
  const server = createServer((client) => {
    const agent = createConnection({ path: agentSocket });
    agent.write(staleForAgent);
    client.write(stale);
    client.pipe(agent).pipe(client);
    const end = (): void => {
      client.destroy();
      agent.destroy();
    };
    client.on("error", end).on("close", end);
    agent.on("error", end).on("close", end);
  });
  await new Promise<void>((r) => server.listen(socket, r));
  servers.push(server);
  return socket;
}

describe.skipIf(!haveQga)("against a real qemu-ga", () => {
  it("synchronises, runs guest-info and guest-ping, and reports a refused command without a success response", async () => {
    const agent = await startAgent();
    const qga = track(new QgaClient({ socket: agent.socket }));
    await qga.connect();
    const info = (await qga.execute("guest-info")) as {
      version: string;
      supported_commands: { name: string; enabled: boolean; "success-response": boolean }[];
    };
    expect(info.version).toMatch(/^\d+\.\d+\.\d+/);
    const shutdown = info.supported_commands.find((c) => c.name === "guest-shutdown")!;
    expect(shutdown).toEqual({ name: "guest-shutdown", enabled: false, "success-response": false });
    expect(await qga.execute("guest-ping")).toEqual({});
    // No reply on success, so it resolves once written; the agent's refusal (blocked here; a
    // bogus mode too, whatever the agent) still comes, before the reply to the next command.
    const sent: CommandSent = await qga.execute("guest-shutdown", { mode: "bogus" });
    expect(await qga.execute("guest-ping")).toEqual({});
    const refused = await sent.refusal;
    expect(refused).toBeInstanceOf(QmpError);
    expect([refused!.class, refused!.desc, refused!.command]).toEqual([
      "CommandNotFound",
      "Command guest-shutdown has been disabled",
      "guest-shutdown",
    ]);
    const unknown = await settle(qga.execute("guest-no-such-command"));
    expect((unknown as { error: QmpError }).error.class).toBe("CommandNotFound");
  });

  it("survives a stale half-reply in the channel, and half a request left in the agent", async () => {
    const agent = await startAgent();
    // What an earlier client left: half a reply on its way out, half a request on its way in;
    // and a whole stale reply whose id a client counting from 1 would take for its own.
    const port = await channelTo(
      agent.socket,
      '{"return": 1, "id": 1}\n{"return": {"version": "0.0.0", "supported_comm',
      '{"execute": "guest-info", "argum',
    );
    const warnings: string[] = [];
    const qga = track(new QgaClient({ socket: port }, { onWarning: (w) => warnings.push(w) }));
    await qga.connect();
    expect(await qga.execute("guest-ping")).toEqual({});
    const info = (await qga.execute("guest-info")) as { version: string };
    expect(info.version).not.toBe("0.0.0");
    expect(warnings).toEqual([]);
  });

  it("a client without the sentinel is stuck behind that stale data (what the sentinel is for)", async () => {
    const agent = await startAgent();
    const port = await channelTo(agent.socket, "", '{"execute": "guest-info", "argum');
    // Half a request in the agent swallows the next request: guest-sync without the 0xFF byte.
    const raw = createConnection({ path: port });
    let got = "";
    raw.setEncoding("latin1").on("data", (s: string) => (got += s));
    raw.write('{"execute": "guest-sync", "arguments": {"id": 5}}\n');
    await new Promise((r) => setTimeout(r, 500));
    raw.destroy();
    expect(got).not.toContain('"return": 5');
    // The client's 0xFF flushes it.
    const qga = track(new QgaClient({ socket: port }));
    await qga.connect();
    expect(await qga.execute("guest-ping")).toEqual({});
  });

  it("resynchronises after a timeout: the late reply is dropped, the next command gets its own", async () => {
    const agent = await startAgent();
    const warnings: string[] = [];
    const qga = track(
      new QgaClient({ socket: agent.socket }, { onWarning: (w) => warnings.push(w) }),
    );
    await qga.connect();
    agent.freeze();
    const e = clientError(await settle(qga.execute("guest-ping", undefined, { timeoutMs: 300 })));
    expect(e.code).toBe("timeout");
    agent.thaw();
    const info = (await qga.execute("guest-info")) as { version: string };
    expect(info.version).toMatch(/^\d+\./);
    await waitFor(() => warnings.length > 0, { what: "the late reply" });
    expect(warnings).toEqual(["late reply to guest-ping (timed out) dropped"]);
  });

  it("survives an agent restart mid-session: reconnects, synchronises, goes on", async () => {
    const first = await startAgent();
    const qga = track(
      new QgaClient(
        { socket: first.socket },
        { reconnect: { delayMs: 50, maxDelayMs: 200, retries: 50 } },
      ),
    );
    await qga.connect();
    expect(await qga.execute("guest-ping")).toEqual({});
    const lost = new Promise<QmpClientError>((r) => qga.onDisconnect(r));
    const back = new Promise<void>((r) => qga.onReconnect(r));
    first.proc.kill("SIGKILL");
    await first.exited;
    expect((await lost).code).toBe("disconnected");
    const during = clientError(await settle(qga.execute("guest-ping")));
    expect([during.code, during.message]).toEqual([
      "disconnected",
      "guest-ping: not sent: the connection is lost (reconnecting)",
    ]);
    await startAgent({ socketPath: first.socket });
    await back;
    expect(await qga.execute("guest-ping")).toEqual({});
    expect(((await qga.execute("guest-info")) as { version: string }).version).toMatch(/^\d+\./);
  });

  it("close() with replies still on their way leaves the agent running (no reset connection)", async () => {
    // qemu-ga exits when a read fails; a socket closed with unread data in it is reset, so a
    // client must half-close and read to the end rather than drop the connection.
    const agent = await startAgent();
    let exited = false;
    void agent.exited.then(() => (exited = true));
    for (let round = 0; round < 20 && !exited; round++) {
      const qga = new QgaClient({ socket: agent.socket });
      await qga.connect();
      const replies = Array.from({ length: 4 }, () => settle(qga.execute("guest-info")));
      // The first reply is in: the others are arriving as close() runs.
      await replies[0];
      await qga.close();
      await Promise.all(replies);
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(exited ? `qemu-ga exited: ${agent.stderr()}` : "running").toBe("running");
    const qga = track(new QgaClient({ socket: agent.socket }));
    await qga.connect();
    expect(await qga.execute("guest-ping")).toEqual({});
  });

  it("qapi-ts qmp --agent runs one command; a refused one without a success response exits 1", async () => {
    const agent = await startAgent();
    const info = await run([bin, "qmp", "--agent", "--socket", agent.socket, "guest-info"]);
    expect(info.code).toBe(0);
    expect(JSON.parse(info.stdout)).toMatchObject({ version: expect.any(String) });
    const shutdown = await run([
      bin,
      "qmp",
      "--agent",
      "--socket",
      agent.socket,
      "guest-shutdown",
      '{"mode": "bogus"}',
    ]);
    expect([shutdown.code, shutdown.stdout, shutdown.stderr]).toEqual([
      1,
      "",
      "qapi-ts qmp: guest-shutdown: CommandNotFound: Command guest-shutdown has been disabled\n",
    ]);
    const traced = await run([
      bin,
      "qmp",
      "--agent",
      "--trace",
      "--socket",
      agent.socket,
      "guest-ping",
    ]);
    expect(traced.stdout).toBe("{}\n");
    // The sentinel, the synchronisation (the agent complains about the sentinel), its answer.
    const lines = traced.stderr.trim().split("\n");
    expect(lines[0]).toMatch(/ -> \(not a message\) \\xff$/);
    const id = / -> \{"execute":"guest-sync-delimited","arguments":\{"id":(\d+)\}\}$/.exec(
      lines[1]!,
    )![1];
    expect(lines.slice(2)).toContainEqual(
      expect.stringMatching(new RegExp(` <- \\{"return": ${id}\\}$`)),
    );
    expect(lines.at(-1)).toMatch(/ <- \{"return": \{\}, "id": \d+\}$/);
  });
});

describe.skipIf(!haveQga)("qapi-ts shell --agent against a real qemu-ga", () => {
  it("runs a script of agent commands (exit 1 when one fails) and --trace logs the exchange", async () => {
    const agent = await startAgent();
    const script = path.join(scratch("qga-shell"), "commands.txt");
    writeFileSync(
      script,
      ["guest-ping", "help guest-shutdown", "guest-shutdown mode=powerdown", "guest-info"].join(
        "\n",
      ) + "\n",
    );
    const r = await run([
      bin,
      "shell",
      "--agent",
      "--socket",
      agent.socket,
      "--trace",
      "-f",
      script,
    ]);
    expect(r.code).toBe(1); // guest-shutdown is refused (blocked on this host)
    const out = r.stdout.split("\n");
    expect(out.slice(0, 2)).toEqual(["{}", "guest-shutdown (disabled) (no reply on success)"]);
    expect(JSON.parse(out.slice(2).join("\n"))).toMatchObject({ version: expect.any(String) });
    const err = r.stderr.split("\n");
    expect(err).toContain(
      `${script}:3: error: guest-shutdown: CommandNotFound: Command guest-shutdown has been disabled`,
    );
    expect(err.filter((l) => / -> \{"execute":"guest-ping","id":\d+\}$/.test(l))).toHaveLength(2);
    expect(err.some((l) => / <- \{"return": \{\}, "id": \d+\}$/.test(l))).toBe(true);
    // Every command succeeding: exit 0; no wire log without --trace.
    writeFileSync(script, "guest-ping\nguest-get-host-name\n");
    const ok = await run([bin, "shell", "--agent", "--socket", agent.socket, "-f", script]);
    expect([ok.code, ok.stderr]).toEqual([0, ""]);
    const refused = await run([bin, "shell", "--agent", "--spawn", "-f", script]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--agent goes with --socket or --tcp, not --spawn/);
  });
});

describe("against a scripted agent", () => {
  it("a command without a success response resolves once written; no refusal once a later reply comes", async () => {
    const fake = await scriptedAgent((cmd) => (cmd.execute === "guest-shutdown" ? null : {}));
    const qga = track(new QgaClient({ socket: fake.socket }));
    await qga.connect();
    const sent = await qga.execute("guest-shutdown", { mode: "powerdown" });
    await waitFor(() => fake.received.some((m) => m.execute === "guest-shutdown"), {
      what: "the command to arrive",
    });
    expect(await qga.execute("guest-ping")).toEqual({});
    expect(await sent.refusal).toBeNull();
  });

  it("connect() fails with code sync when nothing answers guest-sync-delimited (no agent in the guest)", async () => {
    const fake = await startFakeServer({ greeting: "" }); // a port with no agent behind it
    const qga = track(new QgaClient({ socket: fake.socket }, { syncTimeoutMs: 300 }));
    const e = clientError(await settle(qga.connect()));
    expect(e.code).toBe("sync");
    expect(e.message).toMatch(
      /^unix socket \S+: no answer to guest-sync-delimited in 300 ms \(is a guest agent running at the other end\?\)$/,
    );
  });

  it("refuses a spawn target, and checks arguments before sending as the QMP client does", async () => {
    const spawned = clientError(
      await settle(track(new QgaClient({ spawn: { args: [] } } as never)).connect()),
    );
    expect(spawned.message).toMatch(/over a socket/);
    const fake = await scriptedAgent(() => ({}));
    const qga = track(new QgaClient({ socket: fake.socket }));
    await qga.connect();
    const bad = clientError(
      await settle(qga.execute("guest-file-write", { handle: 1, "buf-b64": "\ud800" })),
    );
    expect(bad.message).toBe(
      "guest-file-write: arguments cannot be sent: JSON parse error, \\ud800 is not a valid Unicode character (at buf-b64)",
    );
    const badNoReply = clientError(await settle(qga.execute("guest-shutdown", { mode: NaN })));
    expect(badNoReply.code).toBe("invalid-arguments");
    expect(fake.received.map((m) => m.execute)).toEqual(["guest-sync-delimited"]);
  });
});

describe.skipIf(!haveQga || !hasShared)(
  "a typed program with the client generated from qga's schema",
  () => {
    it(
      "compiles examples/guest-agent.ts under tsc --strict and runs it against qemu-ga and a scripted agent",
      { timeout: 180_000 },
      async () => {
        const dir = scratch("qga-example");
        const gen = await run([
          bin,
          "generate",
          sharedPath("qemu-10.2/qga/qapi-schema.json"),
          "-o",
          path.join(dir, "generated/qga"),
          "-q",
        ]);
        expect(gen.stderr).toBe("");
        copyFileSync(
          path.join(projectRoot, "examples/guest-agent.ts"),
          path.join(dir, "guest-agent.ts"),
        );
        writeFileSync(path.join(dir, "package.json"), '{ "type": "module" }\n');
        linkPackage(dir);
        const checked = path.join(dir, "guest-agent.ts");
        // The same with a mistake: a command the schema lacks, a result member it lacks.
        writeFileSync(
          path.join(dir, "wrong.ts"),
          [
            'import { createQga } from "./generated/qga/client.ts";',
            'const qga = createQga({ socket: "x" });',
            "// @ts-expect-error: not a command of qga's schema",
            'await qga.execute("query-status");',
            'const info = await qga.execute("guest-info");',
            "// @ts-expect-error: GuestAgentInfo has no such member",
            "console.log(info.versions);",
            'const sent = await qga.execute("guest-suspend-ram");',
            "// CommandSent, not a result",
            "export const r: Promise<unknown> = sent.refusal;",
            "",
          ].join("\n"),
        );
        // One program for both (type-checking is most of this test's time).
        expect(await typeCheck([checked, path.join(dir, "wrong.ts")])).toEqual([]);
        mkdirSync(path.join(dir, "out"));
        const tsc = path.join(projectRoot, "node_modules/typescript/bin/tsc");
        const built = await run([
          tsc,
          path.join(dir, "guest-agent.ts"),
          "--outDir",
          path.join(dir, "out"),
          "--rootDir",
          dir,
          "--module",
          "nodenext",
          "--target",
          "es2022",
          "--rewriteRelativeImportExtensions",
          "--customConditions",
          "qapi-ts-source",
          "--allowImportingTsExtensions",
          "--skipLibCheck",
        ]);
        expect(built.stdout + built.stderr).toBe("");
        writeFileSync(path.join(dir, "out/package.json"), '{ "type": "module" }\n');
        linkPackage(path.join(dir, "out"));
        const program = path.join(dir, "out/guest-agent.js");

        const agent = await startAgent();
        const real = await run([program, agent.socket]);
        expect([real.code, real.stderr]).toEqual([0, ""]);
        expect(real.stdout).toMatch(
          /^agent \d+\.\d+\.\d+: \d+ commands enabled\nguest-ping: answered\n$/,
        );

        // guest-shutdown succeeding: only against a scripted agent, which answers nothing to it.
        const fake = await scriptedAgent((cmd) =>
          cmd.execute === "guest-shutdown"
            ? null
            : cmd.execute === "guest-info"
              ? {
                  version: "10.2.0",
                  supported_commands: [
                    { name: "guest-ping", enabled: true, "success-response": true },
                  ],
                }
              : {},
        );
        const scripted = await run([program, fake.socket, "--shutdown"]);
        expect([scripted.code, scripted.stderr]).toEqual([0, ""]);
        expect(scripted.stdout).toBe(
          "agent 10.2.0: 1 commands enabled\nguest-ping: answered\nguest-shutdown: sent, not refused\n",
        );
      },
    );
  },
);
