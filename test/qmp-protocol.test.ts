// The QMP client against scripted servers: the protocol corners a real QEMU will not produce
// on demand (bursts of events, messages split at every byte, id-less errors, bad JSON).
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { JsonFramer } from "../runtime/qmp/framing.ts";
import {
  QmpClient,
  QmpClientError,
  QmpError,
  type QmpEvent,
  type Validators,
} from "../runtime/qmp/index.ts";

const GREETING =
  '{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 10}, "package": ""}, "capabilities": ["oob"]}}\r\n';

interface Fake {
  socket: string;
  server: Server;
  /** Every command line the server received, parsed. */
  received: Record<string, unknown>[];
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

/**
 * A QMP server: greets, accepts qmp_capabilities, then hands each command to `onCommand`
 * together with the connection (to write whatever the test wants).
 */
async function fakeServer(
  onCommand: (cmd: Record<string, unknown>, conn: Socket) => void,
  greeting = GREETING,
): Promise<Fake> {
  const dir = mkdtempSync(path.join(tmpdir(), "qapi-ts-fake-"));
  const socket = path.join(dir, "qmp.sock");
  const received: Record<string, unknown>[] = [];
  const conns = new Set<Socket>();
  const server = createServer((conn) => {
    conns.add(conn);
    conn.on("close", () => conns.delete(conn));
    conn.write(greeting);
    const framer = new JsonFramer();
    conn.on("data", (chunk) => {
      for (const text of framer.push(chunk)) {
        const cmd = JSON.parse(text) as Record<string, unknown>;
        received.push(cmd);
        if (cmd.execute === "qmp_capabilities")
          conn.write(JSON.stringify({ return: {}, id: cmd.id }) + "\r\n");
        else onCommand(cmd, conn);
      }
    });
    conn.on("error", () => {});
  });
  await new Promise<void>((r) => server.listen(socket, r));
  cleanups.push(async () => {
    for (const c of conns) c.destroy();
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });
  return { socket, server, received };
}

async function client(
  socket: string,
  options: ConstructorParameters<typeof QmpClient>[1] = {},
): Promise<QmpClient> {
  const c = new QmpClient({ socket }, options);
  cleanups.push(() => c.close());
  await c.connect();
  return c;
}

const event = (name: string, data?: unknown): string =>
  JSON.stringify({
    timestamp: { seconds: 1, microseconds: 2 },
    event: name,
    ...(data === undefined ? {} : { data }),
  }) + "\r\n";

describe("JSON framing", () => {
  it("splits messages wherever the chunks end, whatever the whitespace, braces inside strings included", () => {
    const messages = [
      { return: { desc: 'a } tricky { "string" \\ with ] brackets [' }, id: 1 },
      { event: "X", data: { nested: [{ a: [] }, {}], s: "é ü 😀" } },
      { return: [], id: 2 },
    ];
    const text =
      JSON.stringify(messages[0]) +
      "\r\n" +
      JSON.stringify(messages[1], null, 2) +
      "\n\r\n" +
      JSON.stringify(messages[2]) +
      "\r\n";
    const bytes = Buffer.from(text, "utf8");
    for (const size of [1, 2, 3, 7, 64, bytes.length]) {
      const framer = new JsonFramer();
      const out: unknown[] = [];
      for (let i = 0; i < bytes.length; i += size)
        for (const t of framer.push(bytes.subarray(i, i + size))) out.push(JSON.parse(t));
      expect(out, `chunks of ${size}`).toEqual(messages);
      expect(framer.pendingBytes()).toBe(0);
    }
  });

  it("passes stray text between messages on as one text per line, and goes on framing", () => {
    const framer = new JsonFramer();
    const out = framer.push(
      Buffer.from('qemu: some warning\n{"return": {}, "id": 1}\r\noops{"id": 2, "return": []}\r\n'),
    );
    expect(out).toEqual([
      "qemu: some warning",
      '{"return": {}, "id": 1}',
      "oops",
      '{"id": 2, "return": []}',
    ]);
  });

  it("has no message length limit", () => {
    const big = {
      return: Array.from({ length: 50_000 }, (_, i) => ({
        name: `entry-${i}`,
        "meta-type": "object",
      })),
      id: 9,
    };
    const bytes = Buffer.from(JSON.stringify(big) + "\r\n");
    expect(bytes.length).toBeGreaterThan(2_000_000);
    const framer = new JsonFramer();
    const out: string[] = [];
    for (let i = 0; i < bytes.length; i += 65536)
      out.push(...framer.push(bytes.subarray(i, i + 65536)));
    expect(out).toHaveLength(1);
    expect(out[0]).toBe(JSON.stringify(big));
  });
});

describe("QMP protocol handling", () => {
  it("delivers a burst of 50 000 events interleaved with replies: none lost, none taken for a reply", async () => {
    const N = 50_000;
    const fake = await fakeServer((cmd, conn) => {
      // Events before, between and after the reply, all in one write.
      let out = "";
      for (let i = 0; i < N / 2; i++) out += event("TICK", { i });
      out += JSON.stringify({ return: { ok: cmd.execute }, id: cmd.id }) + "\r\n";
      for (let i = N / 2; i < N; i++) out += event("TICK", { i });
      conn.write(out);
    });
    const c = new QmpClient({ socket: fake.socket });
    cleanups.push(() => c.close());
    const fromListener: number[] = [];
    c.on("TICK", (e) => fromListener.push((e.data as { i: number }).i));
    const iter = c.events("TICK", { maxBuffered: N }); // the burst must fit the documented bound
    await c.connect();
    expect(await c.execute("burst")).toEqual({ ok: "burst" });
    const fromIterator: number[] = [];
    for await (const e of iter) {
      fromIterator.push((e.data as { i: number }).i);
      if (fromIterator.length === N) break;
    }
    const expected = Array.from({ length: N }, (_, i) => i);
    expect(fromIterator).toEqual(expected);
    expect(fromListener).toEqual(expected);
  });

  it("accepts events sent before negotiation completes, when subscribed before connect()", async () => {
    const fake = await fakeServer(() => {}, GREETING + event("EARLY"));
    const c = new QmpClient({ socket: fake.socket });
    cleanups.push(() => c.close());
    const seen: string[] = [];
    c.onAny((e) => seen.push(e.event));
    await c.connect();
    expect(seen).toEqual(["EARLY"]);
  });

  it("bounds iterator buffers: 'error' ends the iterator with event-overflow, 'drop-oldest' keeps the newest", async () => {
    const fake = await fakeServer((cmd, conn) => {
      let out = "";
      for (let i = 0; i < 100; i++) out += event("E", { i });
      conn.write(out + JSON.stringify({ return: {}, id: cmd.id }) + "\r\n");
    });
    const c = await client(fake.socket);
    const strict = c.events("E", { maxBuffered: 10 });
    const lossy = c.events("E", { maxBuffered: 10, overflow: "drop-oldest" });
    await c.execute("go");
    const got: number[] = [];
    let failure: unknown = null;
    try {
      for await (const e of strict) got.push((e.data as { i: number }).i);
    } catch (err) {
      failure = err;
    }
    expect(got).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect(failure).toBeInstanceOf(QmpClientError);
    expect((failure as QmpClientError).code).toBe("event-overflow");
    expect(lossy.dropped).toBe(90);
    expect(lossy.buffered).toBe(10);
    expect(((await lossy.next()).value as QmpEvent).data).toEqual({ i: 90 });
  });

  it("gives an id-less error reply to the oldest in-band command, and drops replies with unknown ids", async () => {
    const fake = await fakeServer((cmd, conn) => {
      if (cmd.execute === "first")
        conn.write(
          '{"error": {"class": "GenericError", "desc": "JSON parse error, expecting value"}}\r\n',
        );
      else {
        conn.write(JSON.stringify({ return: "stray", id: 12345 }) + "\r\n");
        conn.write(JSON.stringify({ return: "mine", id: cmd.id }) + "\r\n");
      }
    });
    const warnings: string[] = [];
    const c = await client(fake.socket, { onWarning: (w) => warnings.push(w) });
    const [first, second] = await Promise.allSettled([c.execute("first"), c.execute("second")]);
    expect(first.status).toBe("rejected");
    const err = (first as PromiseRejectedResult).reason as QmpError;
    expect(err).toBeInstanceOf(QmpError);
    expect([err.class, err.desc, err.command]).toEqual([
      "GenericError",
      "JSON parse error, expecting value",
      "first",
    ]);
    expect(second).toEqual({ status: "fulfilled", value: "mine" });
    expect(warnings).toEqual(["reply with unknown id 12345 dropped"]);
  });

  it("runs the validators: bad arguments are never sent, bad results reject, bad events are reported and delivered", async () => {
    const fake = await fakeServer((cmd, conn) => {
      conn.write(
        event("ODD", { surprise: 1 }) +
          JSON.stringify({ return: cmd.execute === "bad-result" ? 42 : {}, id: cmd.id }) +
          "\r\n",
      );
    });
    const warnings: string[] = [];
    const seenOptions: unknown[] = [];
    // A validator set of the generated module's shape, for three made-up commands and one event.
    const validators: Validators = {
      commandNames: ["anything", "bad-result", "fine"],
      eventNames: ["ODD"],
      validateCommandArguments: (_name, args, options) => {
        seenOptions.push(options);
        return (args as { x?: unknown } | undefined)?.x === "no"
          ? { message: "Parameter 'x' does not accept value 'no'" }
          : null;
      },
      validateCommandReturns: (_name, value, options) => {
        seenOptions.push(options);
        return typeof value === "object"
          ? null
          : { message: "Invalid parameter type for '<anonymous>', expected: object" };
      },
      validateEvent: (_name, data) => ({
        message: `Parameter '${Object.keys(data as object)[0]}' is unexpected`,
      }),
    };
    const c = await client(fake.socket, {
      onWarning: (w) => warnings.push(w),
      compat: { deprecatedInput: "reject" },
      validate: validators,
    });
    const seen: string[] = [];
    c.onAny((e) => seen.push(e.event));
    const refused = await c.execute("anything", { x: "no" }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(QmpClientError);
    expect((refused as QmpClientError).code).toBe("invalid-arguments");
    expect((refused as QmpClientError).message).toBe(
      "anything: Parameter 'x' does not accept value 'no'",
    );
    expect(fake.received.some((m) => m.execute === "anything")).toBe(false);

    const badResult = await c.execute("bad-result").catch((e: unknown) => e);
    expect((badResult as QmpClientError).code).toBe("invalid-result");
    expect(await c.execute("fine", { x: "yes" })).toEqual({});
    // Commands the validator set does not know (a newer QEMU's) are left to QEMU.
    expect(await c.execute("unknown-to-validators", { x: "no" })).toEqual({});
    expect(seen).toEqual(["ODD", "ODD", "ODD"]);
    expect(warnings).toEqual(Array(3).fill("event ODD: Parameter 'surprise' is unexpected"));
    // The compat policy goes to argument checks; replies tolerate unknown members by default.
    expect(seenOptions).toContainEqual({ deprecatedInput: "reject" });
    expect(seenOptions).toContainEqual({ unknownMembers: "ignore" });
  });

  it("fails the connection on a malformed greeting and on a server that closes before negotiating", async () => {
    const odd = await fakeServer(() => {}, '{"QMP": {"version": 1}}\r\n');
    const e1 = await QmpClient.connect({ socket: odd.socket }).catch((e: unknown) => e);
    expect((e1 as QmpClientError).code).toBe("greeting");
    expect((e1 as QmpClientError).message).toContain("malformed greeting");

    const dir = mkdtempSync(path.join(tmpdir(), "qapi-ts-fake-"));
    const sock = path.join(dir, "s");
    const rude = createServer((conn) => conn.end('{"QMP": {"version": '));
    await new Promise<void>((r) => rude.listen(sock, r));
    cleanups.push(
      () => new Promise<void>((r) => rude.close(() => (rmSync(dir, { recursive: true }), r()))),
    );
    const e2 = await QmpClient.connect({ socket: sock }).catch((e: unknown) => e);
    expect((e2 as QmpClientError).code).toBe("greeting");
    expect((e2 as QmpClientError).message).toMatch(
      /closed before negotiation completed; 20 bytes of an unfinished message$/,
    );
  });

  it("leaves no handle that keeps Node alive once the server goes away", async () => {
    const fake = await fakeServer(() => {}); // never replies
    const before = process.getActiveResourcesInfo().filter((r) => r !== "TTYWrap").length;
    const c = new QmpClient({ socket: fake.socket }, { commandTimeoutMs: 60_000 });
    await c.connect();
    const iter = c.events();
    const pending = c.execute("hang").catch((e: unknown) => e);
    const ended = iter.next();
    fake.server.close();
    for (const f of cleanups.splice(0)) await f(); // destroys the server side of the connection
    expect(((await pending) as QmpClientError).code).toBe("disconnected");
    expect(await ended).toEqual({ value: undefined, done: true });
    await new Promise((r) => setImmediate(r));
    const after = process.getActiveResourcesInfo().filter((r) => r !== "TTYWrap").length;
    expect(after).toBeLessThanOrEqual(before);
  });
});
