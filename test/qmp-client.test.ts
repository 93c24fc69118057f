// The QMP client against a real QEMU (Debian's qemu-system-x86, machine "none").
import { importGenerated } from "./helpers/generated.ts";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createConnection, type Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  QmpClient,
  QmpClientError,
  QmpError,
  type QmpEvent,
  type Validators,
} from "../runtime/qmp/index.ts";
import {
  BASE_ARGS,
  QEMU,
  clientError,
  haveQemu,
  testClients,
  killAll,
  settle,
  startQemu,
  waitFor,
} from "./helpers/qemu.ts";
import { projectRoot as root } from "./helpers/paths.ts";

afterEach(killAll);
const clients = testClients();
const connect = clients.connect;

describe.skipIf(!haveQemu)("QMP client against a real QEMU", () => {
  it("negotiates: greeting, capabilities, oob enabled only when offered and asked for", async () => {
    const q = await startQemu();
    const c = await connect(q.socket);
    expect(c.greeting!.version.qemu.major).toBeGreaterThanOrEqual(4);
    expect(c.greeting!.capabilities).toContain("oob");
    expect(c.enabled).toEqual(["oob"]);
    await c.close();

    const c2 = await connect(q.socket, { oob: false });
    expect(c2.enabled).toEqual([]);
    const r = await settle(c2.executeOob("query-yank"));
    expect(clientError(r).code).toBe("not-in-schema");
  });

  it("query-version, query-status, query-commands and query-qmp-schema return well-formed results", async () => {
    const q = await startQemu();
    const c = await connect(q.socket);
    const version = (await c.execute("query-version")) as {
      qemu: { major: number };
      package: string;
    };
    expect(version).toEqual(c.greeting!.version);
    const status = (await c.execute("query-status")) as { status: string; running: boolean };
    expect(status).toMatchObject({ status: "running", running: true });
    const commands = (await c.execute("query-commands")) as { name: string }[];
    expect(commands.map((x) => x.name)).toEqual(
      expect.arrayContaining(["query-status", "stop", "cont", "qmp_capabilities"]),
    );
    const schema = await c.schema();
    // No line-length limit: this reply is one message of about 200 kB.
    expect(JSON.stringify(schema.entries).length).toBeGreaterThan(100_000);
    for (const name of commands.map((x) => x.name)) expect(schema.hasCommand(name)).toBe(true);
    expect(await c.schema()).toBe(schema); // fetched once
    // Checked against the validators generated from QEMU 10.2's schema in the next describe.
  });

  it("delivers STOP and RESUME from stop/cont to listeners and iterators", async () => {
    const q = await startQemu({ extra: ["-S"] });
    const seen: string[] = [];
    const c = clients.track(new QmpClient({ socket: q.socket }));
    c.on("STOP", (e) => seen.push(e.event));
    c.on("RESUME", (e) => seen.push(e.event));
    const iter = c.events(["STOP", "RESUME"]);
    await c.connect();
    await c.execute("cont");
    await c.execute("stop");
    await c.execute("cont");
    const got: QmpEvent[] = [];
    for await (const e of iter) {
      got.push(e);
      if (got.length === 3) break;
    }
    expect(got.map((e) => e.event)).toEqual(["RESUME", "STOP", "RESUME"]);
    expect(got[0]!.timestamp.seconds).toBeGreaterThan(0);
    expect(seen).toEqual(["RESUME", "STOP", "RESUME"]);
    expect(await c.execute("query-status")).toMatchObject({ running: true });
  });

  it("reports QEMU's errors with class and desc; an unknown command fails fast once the schema is loaded", async () => {
    const q = await startQemu();
    const c = await connect(q.socket);
    const unknown = await settle(c.execute("no-such-command"));
    expect(unknown.ok).toBe(false);
    const e1 = (unknown as { error: QmpError }).error;
    expect(e1).toBeInstanceOf(QmpError);
    expect(e1.class).toBe("CommandNotFound");
    expect(e1.desc).toContain("no-such-command");
    expect(e1.command).toBe("no-such-command");

    const bad = await settle(c.execute("query-status", { bogus: 1 }));
    const e2 = (bad as { error: QmpError }).error;
    expect(e2).toBeInstanceOf(QmpError);
    expect(e2.class).toBe("GenericError");
    expect(e2.desc).toBe("Parameter 'bogus' is unexpected");

    const wrongType = await settle(c.execute("stop", { x: [1] }));
    expect((wrongType as { error: QmpError }).error.class).toBe("GenericError");

    await c.schema();
    const fast = await settle(c.execute("no-such-command"));
    const e3 = clientError(fast);
    expect(e3.code).toBe("not-in-schema");
    expect(e3.message).toMatch(
      /no-such-command: this QEMU \(QEMU \d+\.\d+\.\d+\) has no such command/,
    );
    // The connection is still usable after all of that.
    expect(await c.execute("query-status")).toMatchObject({ running: true });
  });

  it("keeps 200 commands in flight and matches each reply to its command", async () => {
    const q = await startQemu();
    const c = await connect(q.socket);
    const calls = Array.from({ length: 200 }, (_, i) => {
      if (i % 3 === 0) return c.execute("query-status").then((r) => ["status", r] as const);
      if (i % 3 === 1) return c.execute("query-version").then((r) => ["version", r] as const);
      return c.execute("query-name").then((r) => ["name", r] as const);
    });
    const results = await Promise.all(calls);
    results.forEach(([kind, r], i) => {
      expect(kind).toBe(["status", "version", "name"][i % 3]);
      if (kind === "status") expect(r).toHaveProperty("status", "running");
      if (kind === "version") expect(r).toHaveProperty("qemu");
      if (kind === "name") expect(r).toEqual({});
    });
  });

  it("runs out-of-band commands with exec-oob", async () => {
    const q = await startQemu();
    const c = await connect(q.socket);
    expect(await c.executeOob("query-yank")).toEqual(expect.any(Array));
    const notInPostcopy = await settle(c.executeOob("migrate-pause"));
    expect((notInPostcopy as { error: QmpError }).error).toBeInstanceOf(QmpError);
    await c.schema();
    const refused = clientError(await settle(c.executeOob("query-status")));
    expect(refused.code).toBe("not-in-schema");
    expect(refused.message).toContain("out-of-band");
  });

  it("applies the compat policy to deprecated commands from the live schema", async () => {
    const q = await startQemu();
    const c = await connect(q.socket, { compat: { deprecatedInput: "reject" }, loadSchema: true });
    const schema = await c.schema();
    const deprecated = schema.entries.find(
      (e) => e["meta-type"] === "command" && e.features?.includes("deprecated"),
    );
    expect(deprecated, "this QEMU lists no deprecated command").toBeDefined();
    const r = clientError(await settle(c.execute(deprecated!.name, {})));
    expect(r.code).toBe("compat");
  });

  it("rejects every pending command promptly when QEMU is killed mid-command, and ends iterators", async () => {
    const q = await startQemu();
    const c = await connect(q.socket, { commandTimeoutMs: 0 });
    const iter = c.events();
    let disconnected: QmpClientError | null = null;
    c.onDisconnect((e) => (disconnected = e));
    await q.freeze(); // so that no command is answered
    const calls = Array.from({ length: 20 }, () => settle(c.execute("query-status")));
    q.proc.kill("SIGKILL");
    const results = await Promise.all(calls);
    for (const r of results) {
      const e = clientError(r);
      expect(e.code).toBe("disconnected");
      expect(e.message).toMatch(/^query-status: no reply: connection to unix socket \S+ lost\b/);
    }
    expect(await iter.next()).toEqual({ value: undefined, done: true });
    expect(disconnected).not.toBeNull();
    expect(c.connected).toBe(false);
    const after = clientError(await settle(c.execute("query-status")));
    expect(after.code).toBe("disconnected");
    expect(after.message).toMatch(/^query-status: not sent: connection to unix socket .* lost/);
    await c.close();
    expect(clientError(await settle(c.execute("query-status"))).code).toBe("closed");
  });

  it("times out cleanly on a QEMU that never sends its greeting (SIGSTOP)", async () => {
    const q = await startQemu();
    await q.freeze();
    const c = clients.track(new QmpClient({ socket: q.socket }, { greetingTimeoutMs: 300 }));
    const e = clientError(await settle(c.connect()));
    expect(e.code).toBe("greeting");
    expect(e.message).toContain("no QMP greeting in 300 ms");
    expect(e.message).toContain("is the monitor busy with another client?");
    expect(c.connected).toBe(false);
  });

  it("per-command timeout and AbortSignal give up on a stalled QEMU; the late replies are dropped", async () => {
    const q = await startQemu();
    const warnings: string[] = [];
    const c = await connect(q.socket, { onWarning: (w) => warnings.push(w) });
    await q.freeze();
    const timedOut = settle(c.execute("query-status", undefined, { timeoutMs: 200 }));
    const ac = new AbortController();
    const aborted = settle(c.execute("query-version", undefined, { signal: ac.signal }));
    ac.abort();
    expect(clientError(await timedOut).code).toBe("timeout");
    expect(clientError(await aborted).code).toBe("aborted");
    q.proc.kill("SIGCONT");
    expect(await c.execute("query-status")).toMatchObject({ running: true });
    expect(
      warnings.filter((w) => /^late reply to query-\w+ \((timed out|aborted)\) dropped$/.test(w)),
    ).toHaveLength(2);
  });

  it("answers blockdev-add/arg-type/+file/$dynamic-auto-read-only live", async () => {
    const q = await startQemu();
    const c = await connect(q.socket);
    const schema = await c.schema();
    expect(schema.probe("blockdev-add/arg-type/+file/$dynamic-auto-read-only").result).toBe(
      "found",
    );
    expect(schema.probe("blockdev-add/arg-type/+file/$no-such-feature").result).toBe("not-found");
    expect(schema.hasCommand("blockdev-add")).toBe(true);
  });

  it("connects over TCP and to a QEMU it starts itself", async () => {
    const q = await startQemu({ tcp: true });
    const t = clients.track(new QmpClient({ tcp: q.socket }));
    await t.connect();
    expect(await t.execute("query-status")).toMatchObject({ running: true });

    const s = clients.track(new QmpClient({ spawn: { binary: QEMU, args: [...BASE_ARGS, "-S"] } }));
    await s.connect();
    expect(await s.execute("query-status")).toMatchObject({ status: "prelaunch" });
    await s.close(); // terminates the QEMU it started
    expect(s.connected).toBe(false);

    // A spawned QEMU that quits by itself: the client notices and keeps nothing open.
    const before = process.getActiveResourcesInfo().length;
    const quitting = new QmpClient({ spawn: { binary: QEMU, args: BASE_ARGS } });
    const lost = new Promise<QmpClientError>((r) => quitting.onDisconnect(r));
    await quitting.connect();
    await quitting.execute("quit");
    expect((await lost).message).toMatch(/lost \(QEMU exited with status 0/);
    await waitFor(() => process.getActiveResourcesInfo().length <= before, {
      what: "the pipes to the QEMU that quit to close",
    });

    const broken = new QmpClient({
      spawn: { binary: QEMU, args: ["-machine", "no-such-machine"] },
    });
    const e = clientError(await settle(broken.connect()));
    expect(e.code).toBe("greeting");
    expect(e.message).toMatch(
      /closed before sending a QMP greeting \(QEMU exited with status 1: .*unsupported machine type/,
    );
  });

  it("reads a pretty-printing monitor (pretty=on: every message spans many lines)", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "qapi-ts-pretty-"));
    const pretty = path.join(dir, "pretty.sock");
    try {
      // startQemu waits for its own monitor's greeting, by which time this one is attached too.
      await startQemu({
        extra: [
          "-chardev",
          `socket,id=pretty,path=${pretty},server=on,wait=off`,
          "-mon",
          "chardev=pretty,mode=control,pretty=on",
        ],
      });
      const c = await connect(pretty);
      expect(await c.execute("query-status")).toMatchObject({ running: true });
      expect((await c.schema()).hasCommand("query-status")).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("names a busy monitor as the likely cause when a second client gets no greeting", async () => {
    const q = await startQemu();
    const first = await connect(q.socket);
    const second = clients.track(new QmpClient({ socket: q.socket }, { greetingTimeoutMs: 300 }));
    const e = clientError(await settle(second.connect()));
    expect(e.code).toBe("greeting");
    expect(e.message).toMatch(
      /^unix socket \S+: no QMP greeting in 300 ms \(is the monitor busy with another client\? QEMU serves one client per monitor/,
    );
    expect(await first.execute("query-status")).toMatchObject({ running: true });
  });

  it("names a busy monitor when its queue of waiting clients is full (EAGAIN)", async () => {
    const q = await startQemu();
    await connect(q.socket);
    // Clients that wait for a busy monitor sit in the socket's queue until it is full.
    const waiting: Socket[] = [];
    try {
      let refused: NodeJS.ErrnoException | null = null;
      while (!refused && waiting.length < 1000) {
        refused = await new Promise((resolve) => {
          const s = createConnection(q.socket);
          s.once("connect", () => (waiting.push(s), resolve(null)));
          s.once("error", (err) => resolve(err));
        });
      }
      expect(refused?.code).toBe("EAGAIN");
      const e = clientError(await settle(QmpClient.connect({ socket: q.socket })));
      expect(e.code).toBe("connect");
      expect(e.message).toMatch(
        /^cannot connect to unix socket \S+: EAGAIN \(its queue of waiting clients is full: is the monitor busy with another client\? QEMU serves one client per monitor\)$/,
      );
    } finally {
      for (const s of waiting) s.destroy();
    }
  });

  it("round-trips integers beyond 2^53 exactly (an iothread's int64 poll-max-ns)", async () => {
    const q = await startQemu();
    const c = await connect(q.socket);
    const get = () => c.execute("qom-get", { path: "/objects/io0", property: "poll-max-ns" });
    await c.execute("object-add", {
      "qom-type": "iothread",
      id: "io0",
      "poll-max-ns": 9223372036854775807n, // 2^63 - 1: no double is this integer
    });
    expect(await get()).toBe(9223372036854775807n);
    await c.execute("qom-set", {
      path: "/objects/io0",
      property: "poll-max-ns",
      value: 9007199254740993n, // 2^53 + 1
    });
    expect(await get()).toBe(9007199254740993n);
    await c.execute("qom-set", { path: "/objects/io0", property: "poll-max-ns", value: 1000 });
    expect(await get()).toBe(1000); // a safe integer stays a number
  });

  it("fails to connect with a clear error when nothing listens", async () => {
    const e = clientError(await settle(QmpClient.connect({ socket: "/nonexistent/qmp.sock" })));
    expect(e.code).toBe("connect");
    expect(e.message).toBe("cannot connect to unix socket /nonexistent/qmp.sock: ENOENT");
  });

  it("reconnects when asked to, after QEMU comes back on the same socket", async () => {
    const q1 = await startQemu();
    // A short greeting timeout: a reconnection that lands while QEMU is still starting gets no
    // greeting, and the next attempt succeeds.
    const c = await connect(q1.socket, {
      reconnect: { delayMs: 50, maxDelayMs: 200, retries: 40 },
      greetingTimeoutMs: 1000,
    });
    const iter = c.events("STOP");
    const reconnected = new Promise<void>((r) => c.onReconnect(r));
    const socketPath = q1.socket;
    await c.execute("stop");
    q1.proc.kill("SIGKILL");
    await q1.exited;
    // Not waiting for a greeting: the client is the one to connect to the new QEMU.
    const q2 = await startQemu({ socketPath, waitForGreeting: false });
    await reconnected;
    expect(c.connected).toBe(true);
    await c.execute("stop");
    const first = await iter.next();
    const second = await iter.next();
    expect([first.value?.event, second.value?.event]).toEqual(["STOP", "STOP"]);
    await q2.kill();
  });
});

const qemu102 = path.resolve(root, "../shared/qemu-10.2/qapi/qapi-schema.json");
if (!existsSync(qemu102))
  console.warn(`[qmp tests] ${qemu102} is absent: validation against the 10.2 schema skipped`);

describe.skipIf(!haveQemu || !existsSync(qemu102))(
  "QMP client with the validators generated from QEMU 10.2's schema",
  { timeout: 180_000 },
  () => {
    let outDir = "";
    let validators: Validators;
    beforeAll(async () => {
      outDir = mkdtempSync(path.join(tmpdir(), "qapi-ts-qemu102-"));
      const bin = path.join(root, "bin/qapi-ts");
      const r = await new Promise<{ code: number; err: string }>((resolve) =>
        execFile(process.execPath, [bin, "generate", qemu102, "-o", outDir], (e, _o, err) =>
          resolve({ code: e ? 1 : 0, err }),
        ),
      );
      expect(r.err.includes("error"), r.err).toBe(false);
      expect(r.code).toBe(0);
      const files = ["validators.ts", "index.ts"].map((f) => ({
        path: f,
        content: readFileSync(path.join(outDir, f), "utf8"),
      }));
      validators = (await importGenerated<{ validators: Validators }>(files, "validators.ts"))
        .validators;
    }, 180_000);
    afterAll(() => {
      if (outDir) rmSync(outDir, { recursive: true, force: true });
    });

    it("accepts the live query-version, query-status, query-commands and query-qmp-schema results", async () => {
      const q = await startQemu();
      const c = await connect(q.socket, { validate: validators, loadSchema: true });
      const schema = await c.schema();
      // Debian's QEMU is older than 10.2: check what both know, as a client would, by probing.
      const both = ["query-version", "query-status", "query-commands", "query-qmp-schema"].filter(
        (name) => schema.hasCommand(name) && validators.commandNames.includes(name),
      );
      expect(both).toEqual(["query-version", "query-status", "query-commands", "query-qmp-schema"]);
      for (const name of both) {
        const result = await c.execute(name);
        expect(
          validators.validateCommandReturns(name, result, { unknownMembers: "ignore" }),
          name,
        ).toBeNull();
      }
      // Arguments are checked before sending: QEMU never sees these.
      const bad = clientError(await settle(c.execute("query-status", { bogus: 1 })));
      expect([bad.code, bad.message]).toEqual([
        "invalid-arguments",
        "query-status: Parameter 'bogus' is unexpected",
      ]);
    });

    it("reports members a newer schema dropped only when asked to be strict", async () => {
      const q = await startQemu();
      const c = await connect(q.socket, { validate: validators, strictReplies: true });
      const r = await settle(c.execute("query-status"));
      // QEMU 7.2 still reports 'singlestep', which 10.2's StatusInfo no longer has.
      if (r.ok) {
        expect(r.value).not.toHaveProperty("singlestep");
      } else {
        const e = clientError(r);
        expect(e.code).toBe("invalid-result");
        expect(e.message).toBe(
          "query-status: unexpected reply: Parameter 'singlestep' is unexpected",
        );
      }
    });
  },
);
