// The QMP client against servers that misbehave in ways a real QEMU cannot be made to: bad or
// missing greetings, an unanswered qmp_capabilities, huge, endless and deeply nested messages,
// replies that stop halfway, integers beyond 2^53. Each failure must be an error with its code,
// and none may escape to the process (vitest fails the run on an uncaught exception).
import { afterEach, describe, expect, it } from "vitest";
import { QmpClient, QmpClientError, type QmpEvent } from "../runtime/qmp/index.ts";
import {
  GREETING,
  eventText,
  replyText,
  startFakeServer,
  stopFakeServers,
  type FakeServerOptions,
} from "./helpers/fake-qmp-server.ts";
import { clientError, settle, waitFor } from "./helpers/qemu.ts";

const open: QmpClient[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
  await stopFakeServers();
});

function clientFor(
  socket: string,
  options: ConstructorParameters<typeof QmpClient>[1] = {},
): QmpClient {
  const c = new QmpClient({ socket }, options);
  open.push(c);
  return c;
}

/** The error connect() fails with against a server scripted by `script`. */
async function connectError(
  script: FakeServerOptions,
  options: ConstructorParameters<typeof QmpClient>[1] = {},
): Promise<QmpClientError> {
  const fake = await startFakeServer(script);
  return clientError(await settle(clientFor(fake.socket, options).connect()));
}

describe("greeting and negotiation", () => {
  // No timeout: a client that waited for a greeting instead of failing at once would hang.
  const forever = { greetingTimeoutMs: 0 };

  it("fails at once on a greeting that is not JSON, or JSON that is not a greeting", async () => {
    const ssh = await connectError({ greeting: "SSH-2.0-OpenSSH_9.2p1\r\n" }, forever);
    expect(ssh.code).toBe("greeting");
    expect(ssh.message).toMatch(
      /^unix socket \S+: expected a QMP greeting, got text that is not JSON: SSH-2.0-OpenSSH_9.2p1$/,
    );
    const reply = await connectError({ greeting: '{"return": {}}\r\n' + GREETING }, forever);
    expect(reply.code).toBe("greeting");
    expect(reply.message).toMatch(/: expected a QMP greeting, got \{"return": \{\}\}$/);
    const array = await connectError({ greeting: "[1, 2]\r\n" }, forever);
    expect(array.message).toMatch(/: expected a QMP greeting, got \[1, 2\]$/);
  });

  it("rejects a greeting whose shape is not the one qmp-spec.rst defines", async () => {
    const version = '{"qemu": {"micro": 0, "minor": 2, "major": 10}, "package": ""}';
    const cases: [string, string][] = [
      ['{"QMP": {"version": null, "capabilities": [null, {}]}}', "QMP.version is not an object"],
      ['{"QMP": []}', "QMP is not an object"],
      [
        '{"QMP": {"version": {"package": ""}, "capabilities": []}}',
        "QMP.version.qemu is not an object",
      ],
      [
        '{"QMP": {"version": {"qemu": {"major": "10", "minor": 2, "micro": 0}, "package": ""}, "capabilities": []}}',
        "QMP.version.qemu.major is not an integer",
      ],
      [
        '{"QMP": {"version": {"qemu": {"major": 10, "minor": 2.5, "micro": 0}, "package": ""}, "capabilities": []}}',
        "QMP.version.qemu.minor is not an integer",
      ],
      [
        '{"QMP": {"version": {"qemu": {"major": 10, "minor": 2, "micro": 0}}, "capabilities": []}}',
        "QMP.version.package is not a string",
      ],
      [`{"QMP": {"version": ${version}}}`, "QMP.capabilities is not an array"],
      [
        `{"QMP": {"version": ${version}, "capabilities": ["oob", 1]}}`,
        "QMP.capabilities[1] is not a string",
      ],
    ];
    for (const [greeting, problem] of cases) {
      const e = await connectError({ greeting: greeting + "\r\n" }, forever);
      expect(e.code, greeting).toBe("greeting");
      expect(e.message, greeting).toContain(`: malformed QMP greeting (${problem}): {"QMP"`);
    }
    // Members the spec does not name are a newer QEMU's business, and ignored.
    const fake = await startFakeServer({
      greeting: `{"QMP": {"version": ${version}, "capabilities": ["oob", "x-future"], "extra": 1}}\r\n`,
      onCommand: (cmd, conn) => conn.write(replyText(cmd, "ok")),
    });
    const c = clientFor(fake.socket);
    await c.connect();
    expect(c.greeting?.capabilities).toEqual(["oob", "x-future"]);
    expect(await c.execute("anything")).toBe("ok");
  });

  it("names the step: no greeting (a busy monitor, say), or no reply to qmp_capabilities", async () => {
    const silent = await connectError({ greeting: "" }, { greetingTimeoutMs: 200 });
    expect(silent.code).toBe("greeting");
    expect(silent.message).toMatch(
      /^unix socket \S+: no QMP greeting in 200 ms \(is the monitor busy with another client\? QEMU serves one client per monitor/,
    );

    const unanswered = await connectError({ onCapabilities: () => {} }, { greetingTimeoutMs: 200 });
    expect(unanswered.code).toBe("negotiation");
    expect(unanswered.message).toMatch(
      /^unix socket \S+: greeting received, but no reply to qmp_capabilities in 200 ms$/,
    );

    const refused = await connectError({
      onCapabilities: (cmd, conn) =>
        conn.write(
          JSON.stringify({
            error: { class: "GenericError", desc: "Capability 'oob' not available" },
            id: cmd.id,
          }) + "\r\n",
        ),
    });
    expect(refused.code).toBe("negotiation");
    expect(refused.message).toMatch(
      /: qmp_capabilities failed: GenericError: Capability 'oob' not available$/,
    );
  });

  it("says which step the server closed the connection in, and how much of a message it left", async () => {
    const midGreeting = await connectError({
      greeting: '{"QMP": {"version": ',
      onConnect: (conn) => conn.end(),
    });
    expect(midGreeting.code).toBe("greeting");
    expect(midGreeting.message).toMatch(
      /^unix socket \S+ closed before sending a QMP greeting; 20 bytes of an unfinished message$/,
    );
    const midNegotiation = await connectError({ onCapabilities: (_cmd, conn) => conn.end() });
    expect(midNegotiation.code).toBe("negotiation");
    expect(midNegotiation.message).toMatch(/ closed during capabilities negotiation$/);
  });
});

describe("bounded buffering", () => {
  it("fails every pending command with message-too-large and closes the connection on a reply beyond maxMessageBytes", async () => {
    const fake = await startFakeServer({
      onCommand: (cmd, conn) => {
        if (cmd.execute === "big") conn.write(replyText(cmd, "x".repeat(2 << 20)));
      },
    });
    const c = clientFor(fake.socket, { maxMessageBytes: 1 << 20 });
    const lost = new Promise<QmpClientError>((r) => c.onDisconnect(r));
    const iter = c.events();
    await c.connect();
    const [other, big] = await Promise.all([settle(c.execute("other")), settle(c.execute("big"))]);
    for (const [r, name] of [
      [big, "big"],
      [other, "other"],
    ] as const) {
      const e = clientError(r);
      expect(e.code).toBe("message-too-large");
      expect(e.message).toMatch(
        new RegExp(
          `^${name}: no reply: unix socket \\S+: a message is longer than 1048576 bytes \\(maxMessageBytes\\); the connection was closed$`,
        ),
      );
    }
    expect((await lost).code).toBe("message-too-large");
    expect(c.connected).toBe(false);
    expect(await iter.next()).toEqual({ value: undefined, done: true });
    expect(clientError(await settle(c.execute("other"))).code).toBe("disconnected");
  });

  it("stops an endless message at the default bound of 64 MiB", async () => {
    let written = 0;
    const fake = await startFakeServer({
      onCommand: (cmd, conn) => {
        // Writes for as long as the client reads: the message never ends.
        const chunk = Buffer.alloc(1 << 20, "a");
        const more = (): void => {
          while (!conn.destroyed) {
            written += chunk.length;
            if (!conn.write(chunk)) break;
          }
        };
        conn.on("drain", more);
        conn.write('{"id": ' + String(cmd.id) + ', "return": "');
        more();
      },
    });
    const c = clientFor(fake.socket, { commandTimeoutMs: 0 });
    await c.connect();
    const e = clientError(await settle(c.execute("endless")));
    expect(e.code).toBe("message-too-large");
    expect(e.message).toContain("a message is longer than 67108864 bytes (maxMessageBytes)");
    expect(written).toBeGreaterThanOrEqual(64 << 20);
  });

  it("refuses a reply nested deeper than QEMU allows (the 10 MB one that cost 600 MB to parse)", async () => {
    const depth = 5_000_000;
    const fake = await startFakeServer({
      onCommand: (cmd, conn) => {
        const nested = (n: number): string => "[".repeat(n) + "]".repeat(n);
        conn.write(
          cmd.execute === "deep"
            ? `{"id": ${String(cmd.id)}, "return": ${nested(depth)}}\r\n`
            : `{"id": ${String(cmd.id)}, "return": ${nested(1023)}}\r\n`,
        );
      },
    });
    const c = clientFor(fake.socket);
    await c.connect();
    // 1023 arrays in the message's object: 1024 levels, QEMU's limit, accepted.
    let value = await c.execute("shallow");
    let levels = 0;
    while (Array.isArray(value)) [value, levels] = [value[0], levels + 1];
    expect(levels).toBe(1023);
    const e = clientError(await settle(c.execute("deep")));
    expect(e.code).toBe("message-too-deep");
    expect(e.message).toMatch(
      /^deep: no reply: unix socket \S+: a message nests deeper than 1024 levels \(QEMU's own limit\); the connection was closed$/,
    );
  });

  it("covers a reply still arriving with a timeout: the command fails, the message is let go, the connection goes on", async () => {
    let rest: (() => void) | null = null;
    const fake = await startFakeServer({
      onCommand: (cmd, conn) => {
        if (cmd.execute === "waiting")
          rest = () =>
            conn.write(`"}\r\n{"id": ${String(cmd.id)}, "return": "late but whole"}\r\n`);
        // Half a reply, whose end (with "waiting"'s reply after it) comes much later.
        if (cmd.execute === "stuck")
          conn.write(`{"id": ${String(cmd.id)}, "return": {"nested": {"id": 1, "return": "partial`);
      },
    });
    const warnings: string[] = [];
    const c = clientFor(fake.socket, { commandTimeoutMs: 300, onWarning: (w) => warnings.push(w) });
    await c.connect();
    const waiting = c.execute("waiting", undefined, { timeoutMs: 0 });
    const stuck = clientError(await settle(c.execute("stuck")));
    expect(stuck.code).toBe("timeout");
    expect(stuck.message).toMatch(
      /^stuck: no complete reply from QEMU in 300 ms \(\d+ bytes of a message had arrived\)$/,
    );
    // The half message is let go within the same bound.
    await waitFor(() => warnings.some((w) => w.includes("let go")), { what: "the message to go" });
    expect(warnings).toEqual([
      expect.stringMatching(
        /^unix socket \S+: \d+ bytes of a message that did not end within 300 ms, let go; reading goes on at the next message$/,
      ),
    ]);
    expect(c.connected).toBe(true);
    // Its end arrives at last: skipped, nested reply-like object and all; the next reply is read.
    rest!();
    expect(await waiting).toBe("late but whole");
    expect(warnings).toHaveLength(1);
  });

  it("keeps a validator or a listener that throws from escaping the socket's handlers", async () => {
    const fake = await startFakeServer({
      onCommand: (cmd, conn) => conn.write(eventText("E", { a: 1 }) + replyText(cmd, 1)),
    });
    const warnings: string[] = [];
    const boom = (): never => {
      throw new Error("boom");
    };
    const c = clientFor(fake.socket, {
      onWarning: (w) => warnings.push(w),
      validate: {
        commandNames: ["q"],
        eventNames: ["E"],
        validateCommandArguments: () => null,
        validateCommandReturns: boom,
        validateEvent: boom,
      },
    });
    await c.connect();
    const e = clientError(await settle(c.execute("q")));
    expect([e.code, e.message]).toEqual([
      "invalid-result",
      "q: unexpected reply: the validator threw: boom",
    ]);
    expect(warnings).toEqual(["event E: the validator threw: boom"]);
    expect(c.connected).toBe(true);
    // Nor a listener that throws when the connection is lost (the stream's close handler).
    c.onDisconnect(boom);
    const ended = c.events();
    await fake.stop();
    expect(await ended.next()).toEqual({ value: undefined, done: true });
    expect(warnings.at(-1)).toBe("onDisconnect listener threw: boom");
  });
});

describe("exact integers", () => {
  const big = {
    u64max: "18446744073709551615",
    i64min1: "-9223372036854775807",
    above53: "9007199254740993",
    safe: "9007199254740991",
  };

  it("parses integers beyond 2^53 in replies and events as bigints, safe ones as numbers", async () => {
    const fake = await startFakeServer({
      onCommand: (cmd, conn) => {
        const fields = Object.entries(big)
          .map(([k, v]) => `"${k}": ${v}`)
          .join(", ");
        conn.write(
          `{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "BIG", "data": {"n": ${big.u64max}}}\r\n` +
            `{"return": {${fields}}, "id": ${String(cmd.id)}}\r\n`,
        );
      },
    });
    const c = clientFor(fake.socket);
    const events: QmpEvent[] = [];
    c.on("BIG", (e) => events.push(e));
    await c.connect();
    expect(await c.execute("numbers")).toEqual({
      u64max: 18446744073709551615n,
      i64min1: -9223372036854775807n,
      above53: 9007199254740993n,
      safe: 9007199254740991,
    });
    expect(events.map((e) => e.data)).toEqual([{ n: 18446744073709551615n }]);
  });

  it("refuses arguments that cannot be written as JSON, sending nothing", async () => {
    const fake = await startFakeServer({
      onCommand: (cmd, conn) => conn.write(replyText(cmd, {})),
    });
    const c = clientFor(fake.socket);
    await c.connect();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const e = clientError(await settle(c.execute("anything", cyclic)));
    expect(e.code).toBe("invalid-arguments");
    expect(e.message).toMatch(
      /^anything: arguments cannot be sent: not JSON: a circular structure \(at self\.self\..*\)$/,
    );
    expect(await c.execute("after")).toEqual({});
    expect(fake.received.map((m) => m.execute)).toEqual(["qmp_capabilities", "after"]);
  });

  it("sends bigint arguments as the exact integers they are", async () => {
    const fake = await startFakeServer({
      onCommand: (cmd, conn) => conn.write(replyText(cmd, {})),
    });
    const c = clientFor(fake.socket);
    await c.connect();
    await c.execute("qom-set", { value: 18446744073709551615n, small: 1, list: [-(2n ** 63n)] });
    expect(fake.receivedText.at(-1)).toBe(
      '{"execute":"qom-set","arguments":{"value":18446744073709551615,"small":1,"list":[-9223372036854775808]},"id":1}',
    );
  });
});
