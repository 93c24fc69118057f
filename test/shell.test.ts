// `qapi-ts shell` against a real QEMU: in a real terminal (tmux: keys sent with send-keys, the
// screen read with capture-pane) for completion, refused arguments, QEMU's errors, an event
// arriving while a line is half typed, and history; and in script mode (a file, a pipe) for a
// script of 20 commands, failures with their line, HMP, help with a schema's documentation.
// With --agent, against a real qemu-ga in a terminal too (its script mode is in qga.test.ts).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli.ts";
import { bin, hasShared, projectRoot, sharedPath } from "./helpers/paths.ts";
import { haveQemu, killAll, startQemu, waitFor } from "./helpers/qemu.ts";
import { haveQga, killAgents, startAgent } from "./helpers/qga.ts";

afterEach(killAll);
afterEach(killAgents);
const work = mkdtempSync(path.join(tmpdir(), "qapi-ts-shell-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const haveTmux = spawnSync("tmux", ["-V"]).status === 0;
if (!haveTmux) console.warn("[shell tests] tmux is not installed: terminal tests skipped");

/** A tmux server of this test file's own (-L), so that nobody else's sessions are touched. */
const TMUX_SERVER = `qapi-ts-shell-${process.pid}`;
function tmux(...args: string[]): string {
  const r = spawnSync("tmux", ["-L", TMUX_SERVER, ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`tmux ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}
afterAll(() => spawnSync("tmux", ["-L", TMUX_SERVER, "kill-server"]));

/** Single quotes for sh. */
const sh = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** A shell in a fresh tmux session, 120x40; resolves once its prompt shows. */
async function terminal(name: string, args: string[], state: string) {
  const command = `cd ${sh(projectRoot)} && XDG_STATE_HOME=${sh(state)} ${sh(process.execPath)} ${sh(bin)} shell ${args.map(sh).join(" ")}; sleep 600`;
  tmux("new-session", "-d", "-s", name, "-x", "120", "-y", "40", command);
  const screen = () => tmux("capture-pane", "-p", "-t", name).replace(/\s+$/, "");
  const until = async (predicate: (s: string) => boolean, what: string) => {
    await waitFor(() => predicate(screen()), { what, timeoutMs: 15_000 }).catch((e: Error) => {
      throw new Error(`${e.message}; the screen:\n${screen()}`);
    });
  };
  const keys = (...k: string[]) => tmux("send-keys", "-t", name, ...k);
  /** Types text literally (no key names). */
  const type = (text: string) => tmux("send-keys", "-t", name, "-l", text);
  const lastLine = () => screen().split("\n").pop() ?? "";
  // (The screen's trailing blanks are trimmed: the prompt "(QEMU) " ends it as "(QEMU)".)
  await until((s) => /\((QEMU|HMP|QGA)\)$/.test(s), "the prompt");
  return { screen, until, keys, type, lastLine };
}

describe.skipIf(!haveQga || !haveTmux)(
  "qapi-ts shell --agent in a terminal",
  { timeout: 120_000 },
  () => {
    it("completes the agent's commands (from guest-info), runs them, shows a disabled command's refusal", async () => {
      const agent = await startAgent();
      const t = await terminal(
        "agent",
        ["--agent", "--socket", agent.socket],
        path.join(work, "a1"),
      );
      t.type("guest-get-host");
      t.keys("Tab");
      await t.until(() => t.lastLine() === "(QGA) guest-get-host-name", "the command completed");
      t.keys("Enter");
      await t.until((s) => /"host-name": ".+"/.test(s), "the agent's reply");
      t.type("guest-shutdown mode=powerdown");
      t.keys("Enter");
      await t.until(
        (s) => s.includes("Command guest-shutdown has been disabled"),
        "the agent's refusal (the command is blocked on this host)",
      );
      t.type("guest-ping");
      t.keys("Enter");
      await t.until((s) => /guest-ping\n\{\}\n\(QGA\)$/.test(s), "the ping's empty reply");
    });
  },
);

describe.skipIf(!haveQemu || !haveTmux)("qapi-ts shell in a terminal", { timeout: 120_000 }, () => {
  it("completes commands, argument names and enum values; refuses bad arguments; shows QEMU's errors", async () => {
    const q = await startQemu({ extraMonitors: 1 });
    const image = path.join(q.dir, "a.raw");
    writeFileSync(image, Buffer.alloc(1 << 20));
    const t = await terminal("complete", ["--socket", q.socket], path.join(work, "s1"));
    t.type("blockdev-d");
    t.keys("Tab");
    await t.until(() => t.lastLine() === "(QEMU) blockdev-del", "the command name completed");
    t.keys("C-u");
    t.type("blockdev-add driver=file node-name=f0 file");
    t.keys("Tab");
    await t.until(
      () => t.lastLine() === "(QEMU) blockdev-add driver=file node-name=f0 filename=",
      "the argument name completed from the file driver's variant",
    );
    t.type(`${image} aio=`);
    t.keys("Tab");
    t.keys("Tab");
    await t.until((s) => /aio=threads +aio=native +aio=io_uring/.test(s), "the enum values listed");
    t.type("bogus");
    t.keys("Enter");
    await t.until(
      (s) => s.includes("error: blockdev-add: Parameter 'aio' does not accept value 'bogus'"),
      "the arguments refused before sending",
    );
    // Nothing was sent: the node does not exist; with a valid value, QEMU takes the same line.
    const nodes = runCli(["qmp", "--socket", q.extraSockets[0]!, "query-named-block-nodes"]);
    expect(JSON.parse(nodes.stdout)).toEqual([]);
    t.keys("Up");
    await t.until((s) => s.endsWith("aio=bogus"), "the line recalled");
    t.keys("BSpace", "BSpace", "BSpace", "BSpace", "BSpace");
    t.type("threads");
    t.keys("Enter");
    await t.until((s) => /aio=threads\n\{\}\n\(QEMU\)$/.test(s), "QEMU's empty reply");
    t.type("blockdev-del node-name=nope");
    t.keys("Enter");
    await t.until(
      (s) =>
        s.includes("error: blockdev-del: GenericError: Failed to find node with node-name='nope'"),
      "QEMU's error",
    );
  });

  it("prints an event that arrives mid-line above the line, which stays as typed", async () => {
    const q = await startQemu({ extraMonitors: 1 });
    const t = await terminal("event", ["--socket", q.socket], path.join(work, "s2"));
    t.type("query-sta");
    await t.until(() => t.lastLine() === "(QEMU) query-sta", "the half-typed line");
    const stop = runCli(["qmp", "--socket", q.extraSockets[0]!, "stop"]);
    expect(stop.status).toBe(0);
    await t.until(
      (s) => /\n\[\d\d:\d\d:\d\d\.\d{3}\] STOP \{\}\n\(QEMU\) query-sta$/.test(s),
      "the event above the line",
    );
    t.type("tus");
    t.keys("Enter");
    await t.until((s) => /"status": "paused"/.test(s), "the completed line's reply");
    expect(t.screen()).toMatch(/\(QEMU\) query-status\n\{\n {2}"status": "paused",/);
  });

  it("keeps history in the user's state directory, private, and recalls it next time", async () => {
    const q = await startQemu();
    const state = path.join(work, "s3");
    const t = await terminal("history1", ["--socket", q.socket], state);
    t.type("query-name");
    t.keys("Enter");
    await t.until((s) => s.endsWith("{}\n(QEMU)"), "the reply");
    t.type("quit");
    t.keys("Enter");
    const file = path.join(state, "qapi-ts/shell-history");
    await waitFor(
      () => {
        try {
          return readFileSync(file, "utf8").includes("query-name\n");
        } catch {
          return false;
        }
      },
      { what: "the history file" },
    );
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    const again = await terminal("history2", ["--socket", q.socket], state);
    again.keys("Up", "Up");
    await again.until(() => again.lastLine() === "(QEMU) query-name", "the last session's line");
  });
});

/** A script's 20 commands, and what their replies must show. */
const SCRIPT = [
  "# a script: comments and blank lines are skipped",
  "query-status",
  "query-name",
  "",
  "blockdev-add driver=raw node-name=r0 file.driver=null-co file.size=1048576",
  "blockdev-add driver=null-co node-name=n1 size=4096 read-zeroes=true",
  "query-named-block-nodes flat=true",
  'human-monitor-command command-line="info block -n"',
  "object-add qom-type=iothread id=io0 poll-max-ns=18446744073709551",
  "qom-get path=/objects/io0 property=poll-max-ns",
  "qom-set path=/objects/io0 property=poll-max-ns value=100",
  "qom-get path=/objects/io0 property=poll-max-ns",
  '{"execute": "query-iothreads"}',
  "stop",
  "query-status",
  "cont",
  "query-status",
  "blockdev-del node-name=r0",
  "blockdev-del node-name=n1",
  "object-del id=io0",
  "query-named-block-nodes",
  "query-iothreads",
];

describe.skipIf(!haveQemu)("qapi-ts shell in script mode", { timeout: 120_000 }, () => {
  it("runs a script of 20 commands from a file, and exits 0 when every one succeeded", async () => {
    const q = await startQemu();
    const file = path.join(work, "twenty.qmp");
    writeFileSync(file, SCRIPT.join("\n") + "\n");
    expect(SCRIPT.filter((l) => l && !l.startsWith("#")).length).toBe(20);
    const r = runCli(["shell", "--socket", q.socket, "--file", file]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('"node-name": "r0"');
    expect(r.stdout).toContain('"node-name": "n1"');
    expect(r.stdout).toMatch(/\n18446744073709551\n/); // the integer, exact
    expect(r.stdout).toMatch(/\n100\n/);
    expect(r.stdout).toMatch(/\] STOP \{\}\n/);
    expect(r.stdout).toMatch(/"status": "paused"[\s\S]*\] RESUME \{\}\n[\s\S]*"status": "running"/);
    expect(r.stdout).toMatch(/\n\[\]\n\[\]\n$/); // nothing left
  });

  it("takes commands from a pipe; a failure is named by its line, the rest still runs, exit 1", async () => {
    const q = await startQemu();
    const r = runCli(["shell", "--socket", q.socket], {
      input: [
        "query-status",
        "no-such-command",
        "blockdev-add driver=null-co node-name=n0 size=big",
        "blockdev-del node-name=nope",
        "x novalue",
        "query-name",
      ].join("\n"),
    });
    expect(r.status).toBe(1);
    expect(r.stderr.split("\n")).toEqual([
      "<stdin>:2: error: no-such-command: The command no-such-command has not been found",
      // (Introspection shows every integer type as int: checked as the widest, uint64.)
      "<stdin>:3: error: blockdev-add: Parameter 'size' expects uint64",
      "<stdin>:4: error: blockdev-del: GenericError: Failed to find node with node-name='nope'",
      "<stdin>:5: error: expected key=value, got 'novalue'",
      "",
    ]);
    expect(r.stdout).toMatch(/^\{\n {2}"status": "running",[\s\S]*\}\n\{\}\n$/);
  });

  it("-H runs HMP commands through human-monitor-command", async () => {
    const q = await startQemu();
    const r = runCli(["shell", "-H", "--socket", q.socket], {
      input: "info version\ninfo status\n",
    });
    expect([r.status, r.stderr]).toEqual([0, ""]);
    expect(r.stdout).toMatch(/^\d+\.\d+\.\d+.*\nVM status: running\n$/);
  });

  it("--spawn starts its own QEMU", () => {
    const r = runCli(
      ["shell", "--spawn", "--", "-machine", "none", "-display", "none", "-nodefaults"],
      {
        input: "query-status\n",
      },
    );
    expect([r.status, r.stderr]).toEqual([0, ""]);
    expect(r.stdout).toContain('"status": "running"');
  });

  it.skipIf(!hasShared)(
    "help shows the live schema's arguments and, with --schema, the documentation",
    async () => {
      const q = await startQemu();
      const r = runCli(
        ["shell", "--socket", q.socket, "--schema", sharedPath("qemu-10.2/qapi/qapi-schema.json")],
        { input: "help blockdev-del\nhelp blockdev-add driver=file\n" },
      );
      expect([r.status, r.stderr]).toEqual([0, ""]);
      expect(r.stdout).toMatch(
        /^blockdev-del\n {2}Deletes a block device that has been added using `blockdev-add`\.\n[\s\S]*\n {2}arguments:\n {4}node-name: str\n {8}Name of the graph node to delete\.\n {2}returns: nothing \(\{\}\)\n/,
      );
      expect(r.stdout).toMatch(/\n {6}x-check-cache-dropped \(optional\): bool \[unstable\]\n/);
    },
  );

  it("exits 2 when QEMU cannot be reached, and on usage errors", () => {
    const r = runCli(["shell", "--socket", path.join(work, "none.sock")], { input: "" });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(
      /^qapi-ts shell: cannot connect to unix socket .*none\.sock: ENOENT\n$/,
    );
    expect(runCli(["shell"]).status).toBe(2);
    expect(runCli(["shell", "--socket", "x", "--spawn"]).status).toBe(2);
  });
});
