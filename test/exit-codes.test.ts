// The exit codes as a contract (the README's table): every command against every kind of failure
// that applies to it, checking the code and that the message names what failed (the file, the
// option, the socket, standard output). Then `-`: standard input for every command that reads a
// schema, a reply, a value or a history (never an empty success), refused where it cannot be.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, closeSync, openSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { bin, projectRoot } from "./helpers/paths.ts";
import { scratchFolders } from "./helpers/scratch.ts";
import { haveQemu, killAll, startQemu, waitFor, type Qemu } from "./helpers/qemu.ts";
import { QmpClient } from "../runtime/qmp/index.ts";

const isRoot = process.getuid?.() === 0;
const dir = scratchFolders()("exit-codes");
const at = (name: string) => path.join(dir, name);

const GOOD =
  "{ 'struct': 'Thing', 'data': { 'x': 'int' } }\n{ 'command': 'do-it', 'data': 'Thing' }\n";
const BAD_SYNTAX = "{ 'struct': 'Thing', 'data': { 'x': 'int' }\n";
const BAD_SCHEMA = "{ 'struct': 'Thing', 'data': { 'x': 'Nope' } }\n";
writeFileSync(at("good.json"), GOOD);
writeFileSync(at("syntax.json"), BAD_SYNTAX);
writeFileSync(at("errors.json"), BAD_SCHEMA);
writeFileSync(at("secret.json"), GOOD);
writeFileSync(at("reply-bad.json"), '[{"name": "x", "meta-type": "command"');
writeFileSync(at("value.json"), '{ "x": 1 }');
writeFileSync(at("value-bad.json"), '{ "x": 1');
writeFileSync(at("secret-value.json"), '{ "x": 1 }');
writeFileSync(at("config-bad.json"), '{ "schema": "good.json", ');
writeFileSync(at("history-bad.json"), '{ "releases": [');
const reply = spawnSync(process.execPath, [bin, "introspect", at("good.json")], {
  encoding: "utf8",
});
writeFileSync(at("reply.json"), reply.stdout);
chmodSync(dir, 0o755);
chmodSync(at("secret.json"), 0o000);
chmodSync(at("secret-value.json"), 0o000);

/** A small full file system for `-o` (root can mount one), and /dev/full for stdout. */
const full = at("full");
let fullMounted = false;
beforeAll(() => {
  if (!isRoot) return;
  spawnSync("mkdir", ["-p", full]);
  const m = spawnSync("mount", ["-t", "tmpfs", "-o", "size=16k", "tmpfs", full]);
  if (m.status !== 0) throw new Error(`mount: ${String(m.stderr)}`);
  fullMounted = true;
  writeFileSync(path.join(full, "filler"), Buffer.alloc(16 * 1024 - 4096));
  try {
    writeFileSync(path.join(full, "filler2"), Buffer.alloc(4096));
  } catch {
    // full now
  }
});
afterAll(() => {
  if (fullMounted) spawnSync("umount", [full]);
});

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

interface RunHow {
  /** Standard output goes to /dev/full. */
  fullStdout?: boolean;
  /** Run as an unprivileged user (so that a mode 000 file is unreadable even for root). */
  unprivileged?: boolean;
  input?: string;
}

function qapiTs(args: string[], how: RunHow = {}): Run {
  const out = how.fullStdout ? openSync("/dev/full", "w") : "pipe";
  const command =
    how.unprivileged && isRoot
      ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, bin]
      : [process.execPath, bin];
  try {
    const r = spawnSync(command[0]!, [...command.slice(1), ...args], {
      cwd: dir,
      input: how.input ?? "",
      stdio: ["pipe", out, "pipe"],
      encoding: "utf8",
      env: { ...process.env, XDG_CACHE_HOME: at("cache") },
      timeout: 60_000,
    });
    return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
  } finally {
    if (typeof out === "number") closeSync(out);
  }
}

type Kind =
  | "missing file"
  | "unreadable"
  | "bad JSON"
  | "schema errors"
  | "usage error"
  | "not found"
  | "unreachable QEMU"
  | "full disk";

interface Cell {
  args: string[];
  how?: RunHow;
  code: number;
  /** What the message must name. */
  names: string;
}

const missing = at("missing.json");
const secret = at("secret.json");
const socket = at("nobody.sock");
const fullOut = path.join(full, "out.json");

/** command -> kind -> the cells (several where a command reads several kinds of file). */
const TABLE: Record<string, Partial<Record<Kind, Cell[]>>> = {
  dump: {
    "missing file": [{ args: ["dump", missing], code: 1, names: missing }],
    unreadable: [{ args: ["dump", secret], how: { unprivileged: true }, code: 1, names: secret }],
    "bad JSON": [{ args: ["dump", "syntax.json"], code: 1, names: "syntax.json:1:44" }],
    "schema errors": [{ args: ["dump", "errors.json"], code: 1, names: "errors.json:1" }],
    "usage error": [{ args: ["dump"], code: 2, names: "qapi-ts dump --help" }],
    "full disk": [
      { args: ["dump", "good.json"], how: { fullStdout: true }, code: 2, names: "standard output" },
    ],
  },
  lint: {
    "missing file": [
      { args: ["lint", missing], code: 1, names: missing },
      { args: ["lint", "good.json", "--history", missing], code: 1, names: missing },
    ],
    unreadable: [{ args: ["lint", secret], how: { unprivileged: true }, code: 1, names: secret }],
    "bad JSON": [
      { args: ["lint", "syntax.json"], code: 1, names: "syntax.json:1:44" },
      {
        args: ["lint", "good.json", "--history", "history-bad.json"],
        code: 1,
        names: "history-bad.json:1:",
      },
    ],
    "schema errors": [{ args: ["lint", "errors.json"], code: 1, names: "errors.json:1" }],
    "usage error": [
      { args: ["lint", "--max-errors", "abc", "good.json"], code: 2, names: "--max-errors" },
    ],
    "full disk": [
      {
        args: ["lint", "--format", "json", "good.json"],
        how: { fullStdout: true },
        code: 2,
        names: "standard output",
      },
    ],
  },
  probe: {
    "missing file": [{ args: ["probe", "--reply", missing, "do-it"], code: 2, names: missing }],
    unreadable: [
      {
        args: ["probe", "--reply", secret, "do-it"],
        how: { unprivileged: true },
        code: 2,
        names: secret,
      },
    ],
    "bad JSON": [
      {
        args: ["probe", "--reply", "reply-bad.json", "do-it"],
        code: 2,
        names: "reply-bad.json:1:",
      },
    ],
    "schema errors": [
      { args: ["probe", "--schema", "errors.json", "do-it"], code: 2, names: "errors.json:1" },
    ],
    "usage error": [{ args: ["probe", "do-it"], code: 2, names: "--reply" }],
    "not found": [
      {
        args: ["probe", "--reply", "reply.json", "no-such-command"],
        code: 1,
        names: "no-such-command",
      },
    ],
    "unreachable QEMU": [{ args: ["probe", "--socket", socket, "do-it"], code: 2, names: socket }],
    "full disk": [
      {
        args: ["probe", "--reply", "reply.json", "do-it"],
        how: { fullStdout: true },
        code: 2,
        names: "standard output",
      },
    ],
  },
  introspect: {
    "missing file": [
      { args: ["introspect", missing], code: 1, names: missing },
      { args: ["introspect", "good.json", "--defines", missing], code: 1, names: missing },
    ],
    unreadable: [
      { args: ["introspect", secret], how: { unprivileged: true }, code: 1, names: secret },
    ],
    "bad JSON": [{ args: ["introspect", "syntax.json"], code: 1, names: "syntax.json:1:44" }],
    "schema errors": [{ args: ["introspect", "errors.json"], code: 1, names: "errors.json:1" }],
    "usage error": [
      { args: ["introspect", "good.json", "-D", "not a symbol"], code: 2, names: "-D" },
    ],
    "full disk": [
      {
        args: ["introspect", "good.json"],
        how: { fullStdout: true },
        code: 2,
        names: "standard output",
      },
      { args: ["introspect", "good.json", "-o", fullOut], code: 2, names: fullOut },
    ],
  },
  features: {
    "missing file": [{ args: ["features", missing], code: 1, names: missing }],
    unreadable: [
      { args: ["features", secret], how: { unprivileged: true }, code: 1, names: secret },
    ],
    "bad JSON": [{ args: ["features", "syntax.json"], code: 1, names: "syntax.json:1:44" }],
    "schema errors": [{ args: ["features", "errors.json"], code: 1, names: "errors.json:1" }],
    "usage error": [{ args: ["features", "good.json", "--bogus"], code: 2, names: "bogus" }],
    "full disk": [
      {
        args: ["features", "good.json"],
        how: { fullStdout: true },
        code: 2,
        names: "standard output",
      },
    ],
  },
  diff: {
    "missing file": [{ args: ["diff", missing, "good.json"], code: 1, names: missing }],
    unreadable: [
      { args: ["diff", "good.json", secret], how: { unprivileged: true }, code: 1, names: secret },
    ],
    "bad JSON": [
      { args: ["diff", "reply-bad.json", "good.json"], code: 1, names: "reply-bad.json:1:" },
    ],
    "schema errors": [
      { args: ["diff", "good.json", "errors.json"], code: 1, names: "errors.json:1" },
    ],
    "usage error": [{ args: ["diff", "good.json"], code: 2, names: "qapi-ts diff --help" }],
    "full disk": [
      {
        args: ["diff", "good.json", "reply.json"],
        how: { fullStdout: true },
        code: 2,
        names: "standard output",
      },
    ],
  },
  history: {
    "missing file": [{ args: ["history", `a=${missing}`], code: 1, names: missing }],
    unreadable: [
      { args: ["history", `a=${secret}`], how: { unprivileged: true }, code: 1, names: secret },
    ],
    "bad JSON": [{ args: ["history", "a=reply-bad.json"], code: 1, names: "reply-bad.json:1:" }],
    "schema errors": [
      { args: ["history", "a=good.json", "b=errors.json"], code: 1, names: "errors.json:1" },
    ],
    "usage error": [{ args: ["history", "good.json"], code: 2, names: "good.json" }],
    "not found": [
      {
        args: ["history", "a=good.json", "--path", "no-such-command"],
        code: 1,
        names: "no-such-command",
      },
    ],
    "full disk": [
      {
        args: ["history", "a=good.json"],
        how: { fullStdout: true },
        code: 2,
        names: "standard output",
      },
      { args: ["history", "a=good.json", "-o", fullOut], code: 2, names: fullOut },
    ],
  },
  generate: {
    "missing file": [{ args: ["generate", missing, "-o", "out"], code: 1, names: missing }],
    unreadable: [
      {
        args: ["generate", secret, "-o", "out"],
        how: { unprivileged: true },
        code: 1,
        names: secret,
      },
    ],
    "bad JSON": [
      { args: ["generate", "--config", "config-bad.json"], code: 1, names: "config-bad.json" },
    ],
    "schema errors": [
      { args: ["generate", "errors.json", "-o", "out"], code: 1, names: "errors.json:1" },
    ],
    "usage error": [{ args: ["generate", "good.json", "--only", "nope"], code: 2, names: "nope" }],
    "full disk": [
      {
        args: ["generate", "good.json", "-o", "out-stdout"],
        how: { fullStdout: true },
        code: 2,
        names: "standard output",
      },
      {
        args: ["generate", "good.json", "-o", path.join(full, "out")],
        code: 2,
        names: path.join(full, "out"),
      },
    ],
  },
  validate: {
    "missing file": [
      { args: ["validate", "good.json", "--type", "Thing", missing], code: 1, names: missing },
    ],
    unreadable: [
      {
        args: ["validate", "good.json", "--type", "Thing", at("secret-value.json")],
        how: { unprivileged: true },
        code: 1,
        names: at("secret-value.json"),
      },
    ],
    "bad JSON": [
      {
        args: ["validate", "good.json", "--type", "Thing", "value-bad.json"],
        code: 1,
        names: "value-bad.json:1:",
      },
    ],
    "schema errors": [
      {
        args: ["validate", "errors.json", "--type", "Thing", "value.json"],
        code: 1,
        names: "errors.json:1",
      },
    ],
    "usage error": [{ args: ["validate", "good.json", "value.json"], code: 2, names: "--command" }],
    "not found": [
      {
        args: ["validate", "good.json", "--command", "nope", "value.json"],
        code: 1,
        names: "nope",
      },
    ],
  },
  qmp: {
    "bad JSON": [
      { args: ["qmp", "--socket", socket, "query-status", "{"], code: 2, names: "ARGS" },
    ],
    "usage error": [{ args: ["qmp", "query-status"], code: 2, names: "--socket" }],
    "unreachable QEMU": [
      { args: ["qmp", "--socket", socket, "query-status"], code: 2, names: socket },
    ],
  },
  events: {
    "usage error": [
      { args: ["events", "--socket", socket, "--count", "0"], code: 2, names: "--count" },
    ],
    "unreachable QEMU": [{ args: ["events", "--socket", socket], code: 2, names: socket }],
  },
};

/** Cells that need a live QEMU (the QEMU's socket is filled in when it runs). */
const WITH_QEMU: Record<string, Partial<Record<Kind, string>>> = {
  qmp: { "not found": "QEMU's error reply to an unknown command", "full disk": "the reply" },
  events: { "full disk": "an event" },
};

const KINDS: Kind[] = [
  "missing file",
  "unreadable",
  "bad JSON",
  "schema errors",
  "usage error",
  "not found",
  "unreachable QEMU",
  "full disk",
];

describe("exit codes: every command against every failure kind", () => {
  const cells = Object.entries(TABLE).flatMap(([command, kinds]) =>
    KINDS.flatMap((kind) =>
      (kinds[kind] ?? []).map((cell, i) => ({
        name: `${command} / ${kind}${i ? ` (${i + 1})` : ""}`,
        cell,
      })),
    ),
  );
  const applicable = new Set([
    ...Object.entries(TABLE).flatMap(([c, kinds]) => Object.keys(kinds).map((k) => `${c}/${k}`)),
    ...Object.entries(WITH_QEMU).flatMap(([c, kinds]) =>
      Object.keys(kinds).map((k) => `${c}/${k}`),
    ),
  ]);
  console.log(
    `exit-code table: ${Object.keys(TABLE).length} commands x ${KINDS.length} failure kinds: ` +
      `${applicable.size} cells apply (${cells.length} runs without QEMU, ` +
      `${Object.values(WITH_QEMU).flatMap(Object.keys).length} with one), ` +
      `${Object.keys(TABLE).length * KINDS.length - applicable.size} do not`,
  );

  test.for(cells)("$name", ({ cell }, ctx) => {
    // (A full file system needs root to mount; in CI, run as root, a skip fails the run.)
    if (cell.args.some((a) => a.startsWith(full)) && !isRoot) ctx.skip();
    const r = qapiTs(cell.args, cell.how);
    expect(r.status, `${cell.args.join(" ")}\n${r.stderr}`).toBe(cell.code);
    expect(r.stderr + r.stdout, cell.args.join(" ")).toContain(cell.names);
    // Clean messages: no stack, no raw Node error text ("ENOENT: no such file or directory, open").
    expect(r.stderr).not.toMatch(/internal error|\n\s+at |E[A-Z]+: [a-z]/);
  });

  test("a failed -o leaves the old content", (ctx) => {
    if (!isRoot) ctx.skip();
    // (The full file system holds an old out.json written before it filled up.)
    spawnSync("umount", [full]);
    spawnSync("mount", ["-t", "tmpfs", "-o", "size=16k", "tmpfs", full]);
    writeFileSync(fullOut, "old\n");
    writeFileSync(path.join(full, "filler"), Buffer.alloc(16 * 1024 - 8192));
    try {
      writeFileSync(path.join(full, "filler2"), Buffer.alloc(8192));
    } catch {
      // full now
    }
    for (const args of [
      ["introspect", "good.json", "-o", fullOut],
      ["history", "a=good.json", "-o", fullOut],
    ]) {
      const r = qapiTs(args);
      expect([r.status, r.stderr]).toEqual([
        2,
        `qapi-ts: can't write ${fullOut}: No space left on device\n`,
      ]);
      expect(readFileSync(fullOut, "utf8")).toBe("old\n");
    }
  });

  describe.skipIf(!haveQemu)("with a live QEMU", () => {
    let qemu: Qemu;
    beforeAll(async () => {
      qemu = await startQemu({ extraMonitors: 1 });
    });
    afterAll(() => killAll());

    test("qmp / not found: QEMU's error reply is 1, naming the command", () => {
      const r = qapiTs(["qmp", "--socket", qemu.socket, "no-such-command"]);
      expect([r.status, r.stderr]).toEqual([1, expect.stringContaining("no-such-command")]);
    });

    test("qmp / full disk: 2, naming standard output", () => {
      const r = qapiTs(["qmp", "--socket", qemu.socket, "query-status"], { fullStdout: true });
      expect([r.status, r.stderr]).toEqual([2, expect.stringContaining("standard output")]);
    });

    test("events / full disk: 2, naming standard output", async () => {
      const out = openSync("/dev/full", "w");
      const child = spawn(
        process.execPath,
        [bin, "events", "--socket", qemu.socket, "--count", "1"],
        {
          cwd: projectRoot,
          stdio: ["ignore", out, "pipe"],
        },
      );
      closeSync(out);
      let stderr = "";
      child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
      const client = new QmpClient({ socket: qemu.extraSockets[0]! });
      try {
        await client.connect();
        // (events connects and subscribes before it reads; a few events make sure one lands.)
        let code: number | null | undefined;
        void exited.then((c) => (code = c));
        await waitFor(
          async () => {
            await client.execute("stop").catch(() => {});
            await client.execute("cont").catch(() => {});
            return code !== undefined;
          },
          { what: "events to exit", timeoutMs: 30_000 },
        );
        expect([await exited, stderr]).toEqual([2, expect.stringContaining("standard output")]);
      } finally {
        child.kill();
        await client.close();
      }
    });
  });
});

describe("- is standard input wherever a schema, a reply, a value or a history is read", () => {
  const reads: [string, string[], string, number, RegExp][] = [
    // [what, args, stdin, code, what stdout or stderr shows]
    ["dump", ["dump", "-"], GOOD, 0, /^object Thing/m],
    ["lint", ["lint", "-"], GOOD, 0, /^$/],
    ["introspect", ["introspect", "-"], GOOD, 0, /"name": "do-it"/],
    ["features", ["features", "--json", "-"], GOOD, 0, /^\[\]/],
    ["probe --schema", ["probe", "--schema", "-", "do-it"], GOOD, 0, /^do-it\t1$/m],
    ["probe --reply", ["probe", "--reply", "-", "do-it"], reply.stdout, 0, /^do-it\t1$/m],
    ["diff", ["diff", "-", "good.json"], GOOD, 0, /^0 changes, 0 breaking\.$/m],
    ["history", ["history", "a=-", "--path", "do-it"], GOOD, 0, /do-it/],
    ["validate (the schema)", ["validate", "-", "--type", "Thing", "value.json"], GOOD, 0, /^$/],
    [
      "validate (the value)",
      ["validate", "good.json", "--type", "Thing", "-"],
      '{"x": 2}',
      0,
      /^$/,
    ],
  ];
  test.each(reads)("%s", (_what, args, input, code, shows) => {
    const r = qapiTs(args, { input });
    expect([r.status, r.stderr]).toEqual([code, ""]);
    expect(r.stdout).toMatch(shows);
  });

  const broken: [string, string[], string, number, string][] = [
    [
      "dump",
      ["dump", "-"],
      "{ 'struct': 'foo' }\n",
      1,
      "<stdin>:1: name of struct must use CamelCase",
    ],
    [
      "lint",
      ["lint", "-"],
      "{ 'struct': 'foo' }\n",
      1,
      "<stdin>:1: name of struct must use CamelCase",
    ],
    ["lint --format json", ["lint", "--format", "json", "-"], "{ 'struct': 'foo' }\n", 1, ""],
    [
      "introspect",
      ["introspect", "-"],
      BAD_SCHEMA,
      1,
      "<stdin>:1: member 'x' uses unknown type 'Nope'",
    ],
    ["features", ["features", "-"], BAD_SCHEMA, 1, "<stdin>:1:"],
    ["probe --schema", ["probe", "--schema", "-", "x"], BAD_SCHEMA, 2, "<stdin>:1:"],
    ["probe --reply", ["probe", "--reply", "-", "x"], "[{", 2, "<stdin>:1:"],
    ["diff", ["diff", "good.json", "-"], "[{", 1, "<stdin>:1:"],
    ["history", ["history", "a=-"], BAD_SCHEMA, 1, "<stdin>:1:"],
    ["lint --history", ["lint", "good.json", "--history", "-"], "{", 1, "<stdin>:1:"],
    ["validate", ["validate", "-", "--type", "Thing", "value.json"], BAD_SCHEMA, 1, "<stdin>:1:"],
  ];
  test.each(broken)("%s: a broken input on stdin fails", (_what, args, input, code, names) => {
    const r = qapiTs(args, { input });
    expect(r.status, r.stderr).toBe(code);
    expect(r.stderr).toContain(names);
    if (args.includes("json")) expect(JSON.parse(r.stdout)).toHaveLength(1);
  });

  test("refused where it cannot be read: generate, and twice in one command", () => {
    for (const args of [
      ["generate", "-", "-o", "out"],
      ["generate", "good.json", "-o", "-"],
      ["diff", "-", "-"],
      ["history", "a=-", "b=-"],
      ["lint", "-", "-"],
      ["validate", "-", "--type", "Thing", "-"],
    ]) {
      const r = qapiTs(args, { input: GOOD });
      expect([r.status, r.stdout], args.join(" ")).toEqual([2, ""]);
      expect(r.stderr, args.join(" ")).toMatch(/'-'|\(-\)/);
    }
  });

  test("-- ends the options: what follows are arguments", () => {
    const r = qapiTs(["generate", "--", "other/qapi-schema.json", "-o", "elsewhere"]);
    expect([r.status, r.stderr]).toEqual([
      2,
      expect.stringContaining("Unknown arguments: -o, elsewhere"),
    ]);
    const dash = qapiTs(["dump", "--", "-weird.json"]);
    expect([dash.status, dash.stderr]).toEqual([
      1,
      "can't read schema file '-weird.json': No such file or directory\n",
    ]);
  });
});

describe("inputs that never end, never come, or nest without end", () => {
  const fifo = at("fifo");
  spawnSync("mkfifo", [fifo]);
  const deep = at("deep.json");
  // 20 MB of nesting: JSON.parse of it took a gigabyte.
  writeFileSync(deep, "[".repeat(20_000_000));
  const bounded = { NODE_OPTIONS: "--max-old-space-size=256" };
  const cases: [string, string[], number, string][] = [
    ["diff /dev/zero", ["diff", "/dev/zero", "good.json"], 1, "/dev/zero': Not a regular file"],
    ["diff a FIFO", ["diff", "good.json", fifo], 1, `${fifo}': Not a regular file (a FIFO)`],
    ["history /dev/zero", ["history", "a=/dev/zero"], 1, "/dev/zero': Not a regular file"],
    [
      "lint --history a FIFO",
      ["lint", "good.json", "--history", fifo],
      1,
      "Not a regular file (a FIFO)",
    ],
    [
      "lint --history /dev/zero",
      ["lint", "good.json", "--history", "/dev/zero"],
      1,
      "File too large",
    ],
    [
      "diff a reply nested 20 MB deep",
      ["diff", deep, "good.json"],
      1,
      `${deep}:1:1025: nesting deeper than 1024 levels`,
    ],
    [
      "history a reply nested 20 MB deep",
      ["history", `a=${deep}`],
      1,
      "nesting deeper than 1024 levels",
    ],
    [
      "probe a reply nested 20 MB deep",
      ["probe", "--reply", deep, "x"],
      2,
      "nesting deeper than 1024 levels",
    ],
    [
      "lint --history nested 20 MB deep",
      ["lint", "good.json", "--history", deep],
      1,
      "nesting deeper than 1024 levels",
    ],
    ["generate --config a FIFO", ["generate", "--config", fifo], 1, "Not a regular file (a FIFO)"],
  ];
  test.each(cases)("%s", (_what, args, code, names) => {
    const r = spawnSync(process.execPath, [bin, ...args], {
      cwd: dir,
      encoding: "utf8",
      env: { ...process.env, ...bounded },
      timeout: 60_000,
    });
    expect(r.signal, "it must end by itself, within the heap bound").toBeNull();
    expect(r.status, r.stderr).toBe(code);
    expect(r.stderr).toContain(names);
  });
});

test("introspect -o one of the schema's own files is refused, the schema kept", () => {
  writeFileSync(at("main.json"), "{ 'include': 'part.json' }\n");
  writeFileSync(at("part.json"), GOOD);
  for (const target of ["part.json", "main.json", "./sub/../part.json"]) {
    const r = qapiTs(["introspect", "main.json", "-o", target]);
    expect([r.status, r.stderr]).toEqual([
      2,
      `qapi-ts: refusing to write ${target}: it is one of this command's inputs\n`,
    ]);
  }
  expect(readFileSync(at("part.json"), "utf8")).toBe(GOOD);
  writeFileSync(at("x.defines"), "CONFIG_X\n");
  const defines = qapiTs(["introspect", "main.json", "--defines", "x.defines", "-o", "x.defines"]);
  expect([defines.status, readFileSync(at("x.defines"), "utf8")]).toEqual([2, "CONFIG_X\n"]);
  const history = qapiTs(["history", "a=main.json", "-o", "part.json"]);
  expect([history.status, readFileSync(at("part.json"), "utf8")]).toEqual([2, GOOD]);
});
