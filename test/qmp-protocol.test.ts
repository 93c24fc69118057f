// The QMP client against scripted servers: the protocol corners a real QEMU will not produce
// on demand (bursts of events, messages split at every byte, id-less errors, bad JSON).
import { afterEach, describe, expect, it } from "vitest";
import { constants } from "node:buffer";
import { DEFAULT_MAX_MESSAGE_BYTES, JsonFramer, MAX_JSON_DEPTH } from "../runtime/qmp/framing.ts";
import {
  QmpClient,
  QmpClientError,
  QmpError,
  type QmpEvent,
  type Validators,
} from "../runtime/qmp/index.ts";
import {
  GREETING,
  eventText as event,
  startFakeServer,
  stopFakeServers,
} from "./helpers/fake-qmp-server.ts";
import { testClients, waitFor } from "./helpers/qemu.ts";

afterEach(stopFakeServers);

const clients = testClients();
const client = clients.connect;

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

  it("reassembles a message of many chunks, up to the byte bound exactly", () => {
    const big = {
      return: Array.from({ length: 50_000 }, (_, i) => ({
        name: `entry-${i}`,
        "meta-type": "object",
      })),
      id: 9,
    };
    const text = JSON.stringify(big);
    const bytes = Buffer.from(text + "\r\n");
    expect(bytes.length).toBeGreaterThan(2_000_000);
    for (const [max, whole] of [
      [text.length, true],
      [text.length - 1, false],
    ] as const) {
      const framer = new JsonFramer({ maxMessageBytes: max });
      const out: string[] = [];
      for (let i = 0; i < bytes.length; i += 65536)
        out.push(...framer.push(bytes.subarray(i, i + 65536)));
      expect(out, `bound ${max}`).toEqual(whole ? [text] : []);
      expect(framer.failure?.code ?? null).toBe(whole ? null : "message-too-large");
    }
  });

  it("stops an endless message at the bound, keeping no more than the bound plus one chunk", () => {
    const framer = new JsonFramer({ maxMessageBytes: 1 << 20 });
    const before = Buffer.from('{"return": {}}\r\n{"return": "');
    expect(framer.push(before)).toEqual(['{"return": {}}']);
    const chunk = Buffer.alloc(64 * 1024, "a");
    let pushed = 0;
    while (!framer.failure) {
      expect(framer.push(chunk)).toEqual([]);
      pushed++;
      expect(framer.pendingBytes()).toBeLessThanOrEqual(1 << 20);
    }
    expect(pushed).toBe(16); // 1 MiB of them, then the one that crosses the bound
    expect(framer.failure).toEqual({
      code: "message-too-large",
      message: "a message is longer than 1048576 bytes (maxMessageBytes)",
    });
    expect(framer.pendingBytes()).toBe(0); // let go at once
    expect(framer.push(Buffer.from('{"return": {}}'))).toEqual([]); // and nothing more is read
  });

  it("refuses nesting deeper than QEMU's 1024 levels, before buffering the rest", () => {
    const nested = (depth: number): string => "[".repeat(depth) + "]".repeat(depth);
    const framer = new JsonFramer();
    const ok = `{"return": ${nested(MAX_JSON_DEPTH - 1)}}`;
    expect(framer.push(Buffer.from(ok))).toEqual([ok]);
    // A deeper one after a complete message: the complete one still comes out.
    const deep = Buffer.from(`{"id": 1, "return": {}}{"return": ${nested(5_000_000)}}`);
    expect(framer.push(deep)).toEqual(['{"id": 1, "return": {}}']);
    expect(framer.failure).toEqual({
      code: "message-too-deep",
      message: "a message nests deeper than 1024 levels (QEMU's own limit)",
    });
    expect(framer.pendingBytes()).toBe(0);
  });

  it("bounds a message by the longest string the engine can hold, whatever maxMessageBytes says", () => {
    expect(new JsonFramer({ maxMessageBytes: Infinity }).maxMessageBytes).toBe(
      constants.MAX_STRING_LENGTH,
    );
    expect(new JsonFramer().maxMessageBytes).toBe(DEFAULT_MAX_MESSAGE_BYTES);
    expect(DEFAULT_MAX_MESSAGE_BYTES).toBe(64 * 1024 * 1024);
  });
});

describe("QMP protocol handling", () => {
  it("delivers a burst of 50 000 events interleaved with replies: none lost, none taken for a reply", async () => {
    const N = 50_000;
    const fake = await startFakeServer({
      onCommand: (cmd, conn) => {
        // Events before, between and after the reply, all in one write.
        let out = "";
        for (let i = 0; i < N / 2; i++) out += event("TICK", { i });
        out += JSON.stringify({ return: { ok: cmd.execute }, id: cmd.id }) + "\r\n";
        for (let i = N / 2; i < N; i++) out += event("TICK", { i });
        conn.write(out);
      },
    });
    const c = clients.track(new QmpClient({ socket: fake.socket }));
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
    const fake = await startFakeServer({ greeting: GREETING + event("EARLY") });
    const c = clients.track(new QmpClient({ socket: fake.socket }));
    const seen: string[] = [];
    c.onAny((e) => seen.push(e.event));
    await c.connect();
    expect(seen).toEqual(["EARLY"]);
  });

  it("bounds iterator buffers: 'error' ends the iterator with event-overflow, 'drop-oldest' keeps the newest", async () => {
    const fake = await startFakeServer({
      onCommand: (cmd, conn) => {
        let out = "";
        for (let i = 0; i < 100; i++) out += event("E", { i });
        conn.write(out + JSON.stringify({ return: {}, id: cmd.id }) + "\r\n");
      },
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

  it("gives an error without an id to the one command that can have caused it, by elimination when several could, and drops replies with unknown ids", async () => {
    const parseError =
      '{"error": {"class": "GenericError", "desc": "JSON parse error, expecting value"}}\r\n';
    let hold: (() => void) | null = null;
    const fake = await startFakeServer({
      onCommand: (cmd, conn) => {
        if (cmd.execute === "alone" || cmd.execute === "first") conn.write(parseError);
        else if (cmd.execute === "second")
          // Answered in order, after "first"'s error: held until the test has looked.
          hold = () => conn.write(JSON.stringify({ return: "mine", id: cmd.id }) + "\r\n");
        else {
          conn.write(JSON.stringify({ return: "stray", id: 12345 }) + "\r\n");
          conn.write(JSON.stringify({ return: "mine", id: cmd.id }) + "\r\n");
        }
      },
    });
    const warnings: string[] = [];
    const c = await client(fake.socket, { onWarning: (w) => warnings.push(w) });

    // One command pending: the error is its own.
    const alone = await c.execute("alone").catch((e: unknown) => e);
    expect(alone).toBeInstanceOf(QmpError);
    expect([
      (alone as QmpError).class,
      (alone as QmpError).desc,
      (alone as QmpError).command,
    ]).toEqual(["GenericError", "JSON parse error, expecting value", "alone"]);
    expect(warnings).toEqual([]);

    // Two pending: the error could be either's, so it goes to none (a warning) ...
    const first = c.execute("first").catch((e: unknown) => e);
    const second = c.execute("second");
    await waitFor(() => warnings.length === 1 && hold !== null, { what: "the error" });
    expect(warnings[0]).toMatch(
      /^error without an id \(the server could not read a request\) could be about any of first, second.*: given to none: GenericError: JSON parse error, expecting value$/,
    );
    // ... until "second" is answered: commands are answered in order, so it was "first"'s.
    hold!();
    expect(await second).toBe("mine");
    const err = (await first) as QmpError;
    expect(err).toBeInstanceOf(QmpError);
    expect([err.class, err.desc, err.command]).toEqual([
      "GenericError",
      "JSON parse error, expecting value",
      "first",
    ]);

    warnings.length = 0;
    expect(await c.execute("third")).toBe("mine");
    expect(warnings).toEqual(["reply with unknown id 12345 dropped"]);
  });

  it("runs the validators: bad arguments are never sent, bad results reject, bad events are reported and delivered", async () => {
    const fake = await startFakeServer({
      onCommand: (cmd, conn) => {
        conn.write(
          event("ODD", { surprise: 1 }) +
            JSON.stringify({ return: cmd.execute === "bad-result" ? 42 : {}, id: cmd.id }) +
            "\r\n",
        );
      },
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
          ? { message: "Parameter 'x' does not accept value 'no'", path: ["x"] }
          : null;
      },
      validateCommandReturns: (_name, value, options) => {
        seenOptions.push(options);
        return typeof value === "object"
          ? null
          : { message: "Invalid parameter type for '<anonymous>', expected: object", path: [] };
      },
      validateEvent: (_name, data) => ({
        message: `Parameter '${Object.keys(data as object)[0]}' is unexpected`,
        path: [Object.keys(data as object)[0]!],
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

  it("leaves no handle that keeps Node alive once the server goes away", async () => {
    const fake = await startFakeServer(); // never replies
    const before = process.getActiveResourcesInfo().filter((r) => r !== "TTYWrap").length;
    const c = new QmpClient({ socket: fake.socket }, { commandTimeoutMs: 60_000 });
    await c.connect();
    const iter = c.events();
    const pending = c.execute("hang").catch((e: unknown) => e);
    const ended = iter.next();
    await fake.stop(); // destroys the server side of the connection
    expect(((await pending) as QmpClientError).code).toBe("disconnected");
    expect(await ended).toEqual({ value: undefined, done: true });
    await waitFor(
      () => process.getActiveResourcesInfo().filter((r) => r !== "TTYWrap").length <= before,
      { what: "the client's handles to go" },
    );
  });
});
