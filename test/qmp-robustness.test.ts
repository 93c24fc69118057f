// The client settles a command only with its own reply, and neither hangs, grows nor leaks
// (issue 16): bad targets, timers beyond Node's range, spawned QEMUs that must die with their
// host. Each test failed on the client before these fixes.
import { spawn } from "node:child_process";
import { createConnection, createServer, type Socket } from "node:net";
import fc from "fast-check";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { runInNewContext } from "node:vm";
import { setFlagsFromString } from "node:v8";
import { afterEach, describe, expect, it, vi } from "vitest";
import { QmpClient, QmpClientError, QmpError } from "../runtime/qmp/index.ts";
import {
  checkSendable,
  commandEnvelope,
  createValidators,
  JsonSyntaxError,
  parseJsonForValidation,
  stringifyJson,
  type JsonEnvelope,
} from "../runtime/validate/index.ts";
import { JsonFramer } from "../runtime/qmp/framing.ts";
import { MAX_TIMER_MS, startTimer } from "../runtime/qmp/timers.ts";
import {
  eventText,
  GREETING,
  replyText,
  startFakeServer,
  stopFakeServers,
} from "./helpers/fake-qmp-server.ts";
import {
  BASE_ARGS,
  QEMU,
  clientError,
  collect,
  haveQemu,
  killAll,
  settle,
  startQemu,
  waitFor,
} from "./helpers/qemu.ts";
import { bin, projectRoot } from "./helpers/paths.ts";

// The memory test collects garbage between its measurements.
setFlagsFromString("--expose-gc");

const open: QmpClient[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
  await stopFakeServers();
});

function track(c: QmpClient): QmpClient {
  open.push(c);
  return c;
}

describe("targets", () => {
  it("refuses a malformed target with the client's connect error, naming what is wrong", async () => {
    // Each of these threw a raw TypeError or RangeError from Node (or crashed on `in`).
    const cases: [unknown, RegExp][] = [
      [null, /a target is an object .* not null/],
      [undefined, /a target is an object .* not undefined/],
      ["qmp.sock", /a target is an object .* not "qmp.sock"/],
      [{}, /names one of socket, tcp or spawn/],
      [{ socket: "/tmp/x", tcp: "a:1" }, /only one of socket, tcp or spawn, not socket and tcp/],
      [{ socket: 1 }, /socket: a non-empty path without NUL, not 1/],
      [{ socket: "" }, /socket: a non-empty path without NUL, not ""/],
      [{ socket: "a\0b" }, /socket: a non-empty path without NUL/],
      [{ tcp: "host" }, /tcp: not a HOST:PORT address: "host"/],
      [{ tcp: "h:0" }, /tcp: not a HOST:PORT address: "h:0"/],
      [{ tcp: 4444 }, /tcp: a "HOST:PORT" string or \{ host, port \}, not 4444/],
      [{ tcp: { host: "h", port: 70000 } }, /tcp.port: an integer from 1 to 65535, not 70000/],
      [{ tcp: { host: "h", port: -1 } }, /tcp.port: .* not -1/],
      [{ tcp: { host: "h", port: 1.5 } }, /tcp.port: .* not 1.5/],
      [{ tcp: { host: "h", port: "4444" } }, /tcp.port: .* not "4444"/],
      [{ tcp: { host: 1, port: 1 } }, /tcp.host: a host name or address, not 1/],
      [{ tcp: { port: 5 } }, /tcp.host: .* not undefined/],
      [{ spawn: {} }, /spawn.args: an array of strings, not undefined/],
      [{ spawn: { args: "-S" } }, /spawn.args: an array of strings, not "-S"/],
      [{ spawn: { args: ["a\0"] } }, /spawn.args\[0\]: a string without NUL/],
      [{ spawn: { binary: "", args: [] } }, /spawn.binary: a non-empty path without NUL/],
      [{ spawn: null }, /spawn: \{ binary\?, args \}, not null/],
    ];
    for (const [target, message] of cases) {
      const e = clientError(await settle(track(new QmpClient(target as never)).connect()));
      expect(e.code, JSON.stringify(target)).toBe("connect");
      expect(e.message, JSON.stringify(target)).toMatch(/^invalid target: /);
      expect(e.message, JSON.stringify(target)).toMatch(message);
    }
  });

  it("says a spawn binary that is not there is missing (ENOENT), as before", async () => {
    const e = clientError(
      await settle(track(new QmpClient({ spawn: { binary: "no-such-qemu", args: [] } })).connect()),
    );
    expect([e.code, e.message]).toEqual(["connect", "cannot start no-such-qemu: ENOENT"]);
  });
});

describe("timers beyond Node's range", () => {
  it("startTimer fires at its deadline for any delay, and never for 0, negative, NaN or Infinity", () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    try {
      for (const ms of [1, 1000, MAX_TIMER_MS, MAX_TIMER_MS + 1, 2 ** 32, 30 * 86_400_000]) {
        let fired = 0;
        startTimer(ms, () => fired++);
        vi.advanceTimersByTime(ms - 1);
        expect(fired, `${ms} ms: not before its deadline`).toBe(0);
        vi.advanceTimersByTime(1);
        expect(fired, `${ms} ms: at its deadline`).toBe(1);
        vi.advanceTimersByTime(10 * MAX_TIMER_MS);
        expect(fired, `${ms} ms: once`).toBe(1);
      }
      for (const ms of [0, -5, NaN, Infinity, -Infinity]) {
        let fired = 0;
        startTimer(ms, () => fired++);
        vi.advanceTimersByTime(100 * MAX_TIMER_MS);
        expect(fired, String(ms)).toBe(0);
      }
      let cancelled = 0;
      startTimer(MAX_TIMER_MS * 2, () => cancelled++).cancel();
      vi.advanceTimersByTime(MAX_TIMER_MS * 3);
      expect(cancelled).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it("a commandTimeoutMs, timeoutMs, connect or greeting timeout above 2^31-1 ms waits (it fired after 1 ms)", async () => {
    const fake = await startFakeServer({
      onCommand: (cmd, conn) => setTimeout(() => conn.write(replyText(cmd, cmd.execute)), 100),
    });
    const huge = 2 ** 31;
    const c = track(
      new QmpClient(
        { socket: fake.socket },
        { commandTimeoutMs: huge, connectTimeoutMs: huge, greetingTimeoutMs: 2 ** 40 },
      ),
    );
    await c.connect();
    expect(await c.execute("by-default")).toBe("by-default");
    expect(await c.execute("per-call", undefined, { timeoutMs: 2 ** 53 })).toBe("per-call");
  });
});

/** Whether a process is gone (a zombie nobody reaps counts as gone: it runs nothing). */
function gone(pid: number): boolean {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return true;
  try {
    return /^\d+ \(.*\) [ZX] /.test(readFileSync(stat, "utf8"));
  } catch {
    return true;
  }
}

describe.skipIf(!haveQemu || process.platform !== "linux")(
  "a spawned QEMU dies with its host",
  () => {
    // A host program: starts QEMU through the client (the built library, as users load it), prints
    // QEMU's pid, then ends as the argument says, without closing the client.
    const host = `
    import { readFileSync } from "node:fs";
    import { QmpClient } from ${JSON.stringify(path.join(projectRoot, "dist/lib/qmp.js"))};
    const c = new QmpClient({ spawn: { binary: ${JSON.stringify(QEMU)}, args: ${JSON.stringify(BASE_ARGS)} } });
    await c.connect();
    await c.execute("query-name");
    // QEMU is this process's only child.
    console.log(readFileSync("/proc/self/task/" + process.pid + "/children", "utf8").trim());
    if (process.argv[1] === "exit") process.exit(0);
    if (process.argv[1] === "throw") setTimeout(() => { throw new Error("host crashed"); }, 10);
    setInterval(() => {}, 1000); // "wait": until killed
  `;

    for (const ending of ["exit", "throw", "SIGKILL", "SIGTERM"] as const) {
      it(`when the host ${ending === "exit" || ending === "throw" ? ending + "s" : "gets " + ending}`, async () => {
        const child = spawn(
          process.execPath,
          [
            "--input-type=module",
            "-e",
            host,
            ending === "exit" || ending === "throw" ? ending : "wait",
          ],
          { stdio: ["ignore", "pipe", "pipe"] },
        );
        const out = collect(child.stdout);
        const err = collect(child.stderr);
        const exited = new Promise((r) => child.once("exit", r));
        expect(await out.until((t) => /^\d+\n/.test(t), 20_000), err.text()).toBe(true);
        const qemuPid = Number(out.text().trim());
        if (ending === "SIGKILL" || ending === "SIGTERM") {
          expect(gone(qemuPid)).toBe(false);
          child.kill(ending);
        }
        await exited;
        try {
          await waitFor(() => gone(qemuPid), {
            what: `QEMU (pid ${qemuPid}) to die`,
            timeoutMs: 5000,
          });
        } finally {
          if (!gone(qemuPid)) process.kill(qemuPid, "SIGKILL");
        }
      });
    }
  },
);

// (QmpClientError is imported for the type of clientError's result.)
void QmpClientError;

describe("what QEMU's parser refuses is refused before sending", () => {
  // The agreement that matters: checkSendable's verdict on a value (what the client and the
  // validators apply) against the QEMU-exact parser's (json.ts, measured on QEMU 7.2) on the text
  // stringifyJson writes for it (what the client sends), in a command's envelope.
  const awkward = fc.constantFrom(
    "\ud800",
    "\udfff",
    "\udbff\udc00",
    "\ufdd0",
    "\ufdef",
    "\ufffe",
    "\uffff",
    "\ud83f\udffe",
    "\ud83d\ude00",
    "\u0000",
    "\u001f",
    "\u007f",
    "\u0085",
    '"',
    "\\",
    "é",
    "€",
    "\n",
    "a",
    "{",
  );
  const text = fc
    .array(fc.oneof(awkward, fc.string({ maxLength: 3 })), { maxLength: 6 })
    .map((a) => a.join(""));
  const leaf = fc.oneof(
    text,
    fc.integer(),
    fc.double({ noNaN: true }),
    fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }),
    fc.boolean(),
    fc.constant(null),
  );
  const value = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: "small" },
      leaf,
      fc.array(tie("value"), { maxLength: 4 }),
      fc.dictionary(text, tie("value"), { maxKeys: 4 }),
    ),
  })).value;
  // Nesting around the value near QEMU's limit: 1024 levels, the command's object included.
  const nested = fc.tuple(value, fc.integer({ min: 1010, max: 1030 })).map(([v, depth]) => {
    let out: unknown = v;
    for (let i = 0; i < depth; i++) out = i % 2 ? { k: out } : [out];
    return out;
  });

  function qemuVerdict(v: unknown, envelope: JsonEnvelope): string | null {
    try {
      parseJsonForValidation(stringifyJson(v), envelope);
      return null;
    } catch (err) {
      if (err instanceof JsonSyntaxError) return err.reason;
      throw err;
    }
  }

  it("checkSendable agrees with QEMU's parser on every value JSON can say (property)", () => {
    const envelope = commandEnvelope("qom-set");
    fc.assert(
      fc.property(fc.oneof(value, nested), (v) => {
        const args = { path: "/machine", property: "x", value: v };
        expect(checkSendable(args, envelope)?.message ?? null).toBe(qemuVerdict(args, envelope));
      }),
      { numRuns: 600 },
    );
  });

  it("checkSendable judges a value alike whatever carries it: boxed leaves, class instances, null-prototype objects (property)", () => {
    // JSON.stringify writes a boxed primitive as its value and an object as its own enumerable
    // members, whatever its prototype: the verdict (and its path) may not change with them.
    class Carrier {}
    const carried = (v: unknown, how: number): unknown => {
      if (Array.isArray(v)) return v.map((e) => carried(e, how));
      if (typeof v === "number" || typeof v === "string" || typeof v === "boolean")
        return how === 0 ? Object(v) : v;
      if (typeof v !== "object" || v === null) return v;
      const out: Record<string, unknown> =
        how === 1 ? new Carrier() : how === 2 ? Object.create(null) : {};
      for (const [k, e] of Object.entries(v)) out[k] = carried(e, how);
      return out;
    };
    const envelope = commandEnvelope("qom-set");
    fc.assert(
      fc.property(
        fc.oneof(
          value,
          value.map((v) => [v, NaN]),
        ),
        fc.integer({ min: 0, max: 2 }),
        (v, how) => {
          const args = { path: "/machine", property: "x", value: v };
          expect(checkSendable({ ...args, value: carried(v, how) }, envelope)).toEqual(
            checkSendable(args, envelope),
          );
        },
      ),
      { numRuns: 600 },
    );
  });

  it("checkSendable agrees at QEMU's token count and size limits", () => {
    const envelope = commandEnvelope("x");
    // {"a": [0, 0, ...]}: 2n + 5 tokens for n zeros, with the command's 8 around.
    const zeros = (tokens: number) => ({ a: new Array((tokens - 5) / 2).fill(0) });
    for (const tokens of [2 ** 21 - 9, 2 ** 21 - 7]) {
      const v = zeros(tokens);
      expect(checkSendable(v, envelope)?.message ?? null, `${tokens}`).toBe(
        qemuVerdict(v, envelope),
      );
    }
    expect(checkSendable(zeros(2 ** 21 - 7), envelope)?.message).toBe(
      "JSON token count limit exceeded",
    );
    // 64 MiB of token text, the envelope's bytes included.
    const bytes = 64 * 1024 * 1024 - envelope.bytes;
    for (const length of [bytes - 2 - 8, bytes - 8 + 1]) {
      const v = { s: "é".repeat(length >> 1) + "a".repeat(length & 1) };
      expect(checkSendable(v, envelope)?.message ?? null, `${length}`).toBe(
        qemuVerdict(v, envelope),
      );
    }
  });

  it("refuses what JSON cannot say, which JSON.stringify sent as null: NaN, undefined or functions in arrays, cycles (an infinity goes as 1e400)", () => {
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    const cases: [unknown, string, (string | number)[]][] = [
      [{ x: NaN }, "not JSON: NaN", ["x"]],
      [{ a: [1, NaN] }, "not JSON: NaN", ["a", 1]],
      [{ a: { b: -NaN } }, "not JSON: NaN", ["a", "b"]],
      [{ a: [undefined] }, "not JSON: undefined", ["a", 0]],
      // eslint-disable-next-line no-sparse-arrays
      [{ a: [1, , 3] }, "not JSON: undefined", ["a", 1]],
      [{ a: [() => 1] }, "not JSON: a function", ["a", 0]],
      [{ a: [Symbol("s")] }, "not JSON: a symbol", ["a", 0]],
      [{ a: cyclic }, "not JSON: a circular structure", ["a", ...Array<number>(1022).fill(0)]],
      [{ a: { toJSON: () => NaN } }, "not JSON: NaN", ["a"]],
    ];
    for (const [v, message, path] of cases)
      expect(checkSendable(v, commandEnvelope("x")), message).toEqual({ message, path });
    // What JSON.stringify leaves out of an object, a program means by: sent without it.
    const omitted = { a: undefined, f: () => 1, s: Symbol("s"), d: new Date(0), n: new Number(2) };
    expect(checkSendable(omitted)).toBeNull();
    // JSON can say an infinity: a number token beyond the doubles, as QEMU reads 1e400.
    expect(checkSendable({ a: [Infinity, -Infinity] })).toBeNull();
    expect(stringifyJson({ a: [Infinity, -Infinity, NaN] })).toBe('{"a":[1e400,-1e400,null]}');
    expect(parseJsonForValidation(stringifyJson([Infinity, -Infinity]))).toEqual([
      Infinity,
      -Infinity,
    ]);
  });

  it("generated validators refuse, with QEMU's message, what passed them and then drew errors without an id", () => {
    const validators = createValidators({
      types: [
        { builtin: "str" },
        { builtin: "any" },
        {
          object: "Args",
          members: [
            ["path", 0, 0, -1],
            ["value", 1, 0, -1],
          ],
        },
      ],
      commands: [["qom-set", 2, -1, 0, -1]],
      events: [],
      named: [["Args", 2, -1]],
      conditions: [],
    } as never);
    const deep = (n: number): unknown => (n === 0 ? 0 : [deep(n - 1)]);
    expect(
      validators.validateCommandArguments("qom-set", { path: "/", value: deep(1022) }),
    ).toBeNull();
    expect(
      validators.validateCommandArguments("qom-set", { path: "/", value: deep(1023) }),
    ).toEqual({
      message: "JSON nesting depth limit exceeded",
      path: ["value", ...Array<number>(1022).fill(0)],
    });
    expect(validators.validateCommandArguments("qom-set", { path: "\ud800", value: 1 })).toEqual({
      message: "JSON parse error, \\ud800 is not a valid Unicode character",
      path: ["path"],
    });
    expect(
      validators.validateCommandArguments("qom-set", { path: "/", value: ["\ufdd0"] })?.message,
    ).toBe("JSON parse error, invalid UTF-8 sequence in string");
    expect(validators.validateCommandArguments("qom-set", { path: "/", value: NaN })).toEqual({
      message: "not JSON: NaN",
      path: ["value"],
    });
  });
});

/** A raw QMP session: what QEMU answers to text as written (no client in between). */
async function rawQmp(socket: string, lines: string[]): Promise<string[]> {
  const conn = createConnection({ path: socket });
  const got = collect(conn);
  await got.until((t) => t.includes("\n"));
  conn.write('{"execute": "qmp_capabilities"}\n');
  await got.until((t) => t.split("\n").length > 2);
  for (const line of lines) conn.write(line + "\n");
  conn.write('{"execute": "query-name", "id": "end"}\n');
  await got.until((t) => t.includes('"id": "end"'));
  conn.destroy();
  return got.text().trim().split(/\r?\n/).slice(2, -1);
}

describe.skipIf(!haveQemu)("against a real QEMU: each command gets its own reply", () => {
  afterEach(killAll);

  it("a value nested 1023 deep in qom-set's `any` is refused before sending (QEMU answered with ~1000 errors without an id, which failed the next commands)", async () => {
    const q = await startQemu();
    const deep = (n: number): unknown => (n === 0 ? 0 : [deep(n - 1)]);
    const args = (n: number) => ({ path: "/machine", property: "no-such", value: deep(n) });
    const raw = await rawQmp(q.socket, [
      JSON.stringify({ execute: "qom-set", arguments: args(1023), id: 1 }),
    ]);
    // What QEMU does with it, sent as is: its limit, then an error per leftover token.
    expect(raw[0]).toBe(
      '{"error": {"class": "GenericError", "desc": "JSON nesting depth limit exceeded"}}',
    );
    expect(raw.length).toBeGreaterThan(500);
    expect(raw.every((l) => !l.includes('"id"'))).toBe(true);

    const warnings: string[] = [];
    const c = track(new QmpClient({ socket: q.socket }, { onWarning: (w) => warnings.push(w) }));
    await c.connect();
    const [tooDeep, status, name, shallow] = await Promise.all([
      settle(c.execute("qom-set", args(1023))),
      settle(c.execute("query-status")),
      settle(c.execute("query-name")),
      settle(c.execute("qom-set", args(1022))),
    ]);
    const e = clientError(tooDeep);
    expect([e.code, e.message]).toEqual([
      "invalid-arguments",
      expect.stringMatching(
        /^qom-set: arguments cannot be sent: JSON nesting depth limit exceeded \(at value\[0\]\[0\].*\)$/,
      ),
    ]);
    expect(status).toEqual({ ok: true, value: expect.objectContaining({ status: "running" }) });
    expect(name).toEqual({ ok: true, value: {} });
    // 1022 levels are within QEMU's limit: QEMU reads it, and answers about the property.
    expect(shallow.ok).toBe(false);
    expect((shallow as { error: QmpError }).error).toBeInstanceOf(QmpError);
    expect((shallow as { error: QmpError }).error.desc).toMatch(/no-such/);
    expect(warnings).toEqual([]);
  });

  it("strings QEMU refuses (lone surrogates, noncharacters) are refused before sending, in QEMU's words", async () => {
    const q = await startQemu();
    const bad = ["\ud800", "a\udc00", "\ufdd0", "\uffff", "\ud83f\udffe"];
    const raw = await rawQmp(
      q.socket,
      bad.map((s, i) =>
        stringifyJson({ execute: "qom-get", arguments: { path: s, property: "x" }, id: i }),
      ),
    );
    const c = track(new QmpClient({ socket: q.socket }));
    await c.connect();
    for (const [i, s] of bad.entries()) {
      const desc = (JSON.parse(raw[i]!) as { error: { desc: string } }).error.desc;
      const e = clientError(await settle(c.execute("qom-get", { path: s, property: "x" })));
      expect(e.message, JSON.stringify(s)).toBe(
        `qom-get: arguments cannot be sent: ${desc} (at path)`,
      );
    }
    expect(await c.execute("query-name")).toEqual({});
  });
});

describe("framing: text that is not JSON never swallows what follows", () => {
  // Messages as QEMU writes them, one line each or pretty-printed (pretty=on), and stray lines
  // (a warning on the same stream, say) with brackets, quotes and escapes anywhere in them.
  const message = fc
    .tuple(fc.jsonValue({ maxDepth: 3 }), fc.boolean())
    .map(([v, pretty]) => ({ v, pretty }));
  const stray = fc
    .array(fc.constantFrom("{", "[", "}", "]", '"', "\\", "warning: ", "x", " ", "é", "\r"), {
      minLength: 1,
      maxLength: 12,
    })
    .map((parts) => parts.join(""))
    .filter((line) => line.trim() !== "");
  const stream = fc.array(fc.oneof(message, stray), { minLength: 1, maxLength: 12 });

  it("every message after a stray line comes out whole (property: any stray line, any chunking)", () => {
    fc.assert(
      fc.property(stream, fc.integer({ min: 1, max: 64 }), (items, chunkSize) => {
        let id = 0;
        const sent: unknown[] = [];
        let text = "";
        for (const item of items) {
          if (typeof item === "string") text += item + "\n";
          else {
            const m = { return: item.v, id: id++ };
            sent.push(JSON.parse(JSON.stringify(m))); // (what JSON can say: -0 is written 0)
            text += (item.pretty ? JSON.stringify(m, null, 4) : JSON.stringify(m)) + "\r\n";
          }
        }
        const bytes = Buffer.from(text);
        const framer = new JsonFramer();
        const received: unknown[] = [];
        for (let i = 0; i < bytes.length; i += chunkSize)
          for (const t of framer.push(bytes.subarray(i, i + chunkSize))) {
            let v: unknown;
            try {
              v = JSON.parse(t);
            } catch {
              continue; // reported as not JSON
            }
            // (A stray line may itself be JSON, "[]" say: not one of the messages.)
            if (typeof v === "object" && v !== null && "id" in v) received.push(v);
          }
        expect(received).toEqual(sent);
      }),
      { numRuns: 400 },
    );
  });

  it("a stray warning holding '{' or '[' no longer swallows the next reply (it timed out, and the connection closed)", async () => {
    const fake = await startFakeServer({
      onCommand: (cmd, conn) =>
        conn.write(
          `warning: unbalanced { here\n[stray "quote\n` +
            replyText(cmd, `reply to ${String(cmd.execute)}`),
        ),
    });
    const warnings: string[] = [];
    const c = track(
      new QmpClient(
        { socket: fake.socket },
        { commandTimeoutMs: 2000, onWarning: (w) => warnings.push(w) },
      ),
    );
    await c.connect();
    expect(await c.execute("first")).toBe("reply to first");
    expect(await c.execute("second")).toBe("reply to second");
    expect(c.connected).toBe(true);
    expect(warnings.slice(0, 3)).toEqual([
      "not JSON from QEMU, ignored: warning: unbalanced ",
      "not JSON from QEMU, ignored: { here",
      'not JSON from QEMU, ignored: [stray "quote',
    ]);
  });

  it("resets at the guest agent's 0xFF sentinel, inside a value or a string", () => {
    const framer = new JsonFramer();
    const out = framer.push(
      Buffer.concat([
        Buffer.from('{"return": {"half": "a stale'),
        Buffer.of(0xff),
        Buffer.from('{"return": 1, "id": 2}\n{"return": [1, '),
        Buffer.of(0xff),
        Buffer.from('{"return": 3}'),
      ]),
    );
    expect(out).toEqual([
      '{"return": {"half": "a stale',
      '{"return": 1, "id": 2}',
      '{"return": [1, ',
      '{"return": 3}',
    ]);
    expect(framer.pendingBytes()).toBe(0);
  });
});

describe("bounded memory and time for a message still arriving", () => {
  it("a message arriving one byte per chunk costs O(bytes), not ~100 bytes of memory per byte", () => {
    const gc = runInNewContext("gc") as () => void;
    const size = 2 << 20;
    const bytes = Buffer.alloc(size, "a");
    bytes.write('{"return": "');
    const framer = new JsonFramer();
    const used = (): number => {
      gc();
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    const before = used();
    for (let i = 0; i < size; i++) framer.push(bytes.subarray(i, i + 1));
    const perByte = (used() - before) / size;
    expect(framer.pendingBytes()).toBe(size);
    // One buffer that grows by doubling: at most about 2 bytes a byte (it was 70 to 100).
    expect(perByte).toBeLessThan(4);
    expect(framer.push(Buffer.from('"}'))).toHaveLength(1);
  });

  it("a timeout covers an event still arriving: it is let go, and the next message is read", async () => {
    const fake = await startFakeServer({
      onConnect: (conn) =>
        setTimeout(() => {
          conn.write('{"event": "HALF", "data": {"text": "never ends');
          setTimeout(
            () =>
              conn.write(
                '\r\n{"event": "WHOLE", "timestamp": {"seconds": 1, "microseconds": 2}}\r\n',
              ),
            700,
          );
        }, 100),
    });
    const warnings: string[] = [];
    const c = track(
      new QmpClient(
        { socket: fake.socket },
        { commandTimeoutMs: 300, onWarning: (w) => warnings.push(w) },
      ),
    );
    const events = c.events();
    await c.connect();
    // No command is pending: only the message's own timeout can let the half event go.
    await waitFor(() => warnings.length > 0, { what: "the half event to be let go" });
    expect(warnings[0]).toMatch(/: \d+ bytes of a message that did not end within 300 ms, let go;/);
    expect(c["connection"]!.unfinishedBytes()).toBe(0);
    expect((await events.next()).value).toMatchObject({ event: "WHOLE" });
  });
});

describe("back-pressure", () => {
  /** A server that writes events (numbered) for as long as its client reads them. */
  async function floodingServer(): Promise<{ socket: string; written: () => number }> {
    let written = 0;
    const fake = await startFakeServer({
      onCapabilities: (cmd, conn) => {
        conn.write(replyText(cmd, {}));
        let seq = 0;
        const pad = "x".repeat(200);
        const more = (): void => {
          while (!conn.destroyed) {
            const text = eventText("FLOOD", { seq: seq++, pad });
            written += text.length;
            if (!conn.write(text)) return;
          }
        };
        conn.on("drain", more);
        more();
      },
    });
    return { socket: fake.socket, written: () => written };
  }

  function rssBytes(pid: number): number {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return Number(m![1]) * 1024;
  }

  it.skipIf(process.platform !== "linux")(
    "`qapi-ts events` into a pipe nobody reads stops reading QEMU's socket: bounded memory, no event lost (it grew to 1 GB in 20 s)",
    async () => {
      const server = await floodingServer();
      const child = spawn(process.execPath, [bin, "events", "--socket", server.socket], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      try {
        // Nobody reads stdout for 3 s (the pipe holds 64 KiB).
        await new Promise((r) => setTimeout(r, 3000));
        const sentWhileBlocked = server.written();
        const rss = rssBytes(child.pid!);
        await new Promise((r) => setTimeout(r, 1000));
        // The server could write only what the pipe, Node's buffers, the iterator and the
        // socket hold: a few MB, and nothing more once they were full.
        expect(sentWhileBlocked).toBeLessThan(32 << 20);
        expect(server.written() - sentWhileBlocked).toBeLessThan(1 << 20);
        expect(rss).toBeLessThan(200 << 20);
        // Then the reader comes: every event, in order, none dropped.
        const out = collect(child.stdout);
        expect(await out.until((t) => t.split("\n").length > 20_000, 30_000)).toBe(true);
        const seqs = out
          .text()
          .split("\n")
          .slice(0, 20_000)
          .map((l) => (JSON.parse(l) as { data: { seq: number } }).data.seq);
        expect(seqs).toEqual(seqs.map((_, i) => i));
      } finally {
        child.kill("SIGKILL");
      }
    },
  );
});

describe("closing", () => {
  it("close() half-closes and reads to the end: the server sees an orderly end, not a reset", async () => {
    let serverSaw = "";
    const fake = await startFakeServer({
      onConnect: (conn) => {
        conn.on("error", (e: NodeJS.ErrnoException) => (serverSaw = e.code ?? e.message));
        conn.on("end", () => (serverSaw ||= "end"));
      },
      // A big reply still on its way when the client closes.
      onCommand: (cmd, conn) => conn.write(replyText(cmd, { blob: "x".repeat(1 << 20) })),
    });
    const qmp = new QmpClient({ socket: fake.socket });
    await qmp.connect();
    const reply = settle(qmp.execute("query-status"));
    await waitFor(() => fake.received.length === 2, { what: "the command" });
    await qmp.close();
    expect(clientError(await reply).code).toBe("closed");
    await waitFor(() => serverSaw !== "", { what: "the server's view of the end" });
    expect(serverSaw).toBe("end");
  });

  it("close() ends even when the peer never closes its end (cut off after a bound)", async () => {
    const socket = path.join(mkdtempSync(path.join(tmpdir(), "qapi-ts-linger-")), "qmp.sock");
    let peerClosed = false;
    const server = createServer({ allowHalfOpen: true }, (conn) => {
      conn.on("error", () => {});
      conn.on("close", () => (peerClosed = true));
      conn.write(GREETING);
      conn.on("data", (chunk) => {
        for (const line of chunk.toString().split("\n").filter(Boolean))
          conn.write(replyText(JSON.parse(line) as Record<string, unknown>, {}));
      });
      // Ignores the client's end and goes on talking.
      const chatter = setInterval(() => conn.writable && conn.write(eventText("CHATTER")), 5);
      conn.on("close", () => clearInterval(chatter));
    });
    await new Promise<void>((r) => server.listen(socket, r));
    try {
      const qmp = new QmpClient({ socket });
      await qmp.connect();
      await qmp.close();
      await waitFor(() => peerClosed, { what: "the connection's end" });
    } finally {
      server.close();
    }
  });
});

describe("reconnecting", () => {
  it("a connection that breaks in the same read as negotiation's last answer is lost, not ready", async () => {
    const fake = await startFakeServer({
      onCapabilities: (cmd, conn) =>
        conn.write(replyText(cmd, {}) + `{"event": "DEEP", "data": ${"[".repeat(2000)}`),
    });
    const qmp = track(new QmpClient({ socket: fake.socket }));
    const losses: string[] = [];
    qmp.onDisconnect((e) => losses.push(e.message));
    await qmp.connect();
    await waitFor(() => losses.length > 0, { what: "the loss" });
    expect(losses).toEqual([expect.stringContaining("nests deeper than 1024 levels")]);
    expect(qmp.connected).toBe(false);
    expect(clientError(await settle(qmp.execute("query-status"))).code).toBe("disconnected");
  });

  it("a connection lost while a reconnection negotiates is that attempt's failure, not a second loss", async () => {
    const conns: Socket[] = [];
    const fake = await startFakeServer({
      onConnect: (conn) => conns.push(conn),
      // Connections 2 to 4 end in the middle of negotiation; the 5th is answered.
      onCapabilities: (cmd, conn) =>
        conns.length >= 2 && conns.length <= 4 ? conn.destroy() : conn.write(replyText(cmd, {})),
      onCommand: (cmd, conn) => conn.write(replyText(cmd, {})),
    });
    const qmp = track(
      new QmpClient({ socket: fake.socket }, { reconnect: { delayMs: 10, retries: 20 } }),
    );
    const losses: string[] = [];
    let returns = 0;
    qmp.onDisconnect((e) => losses.push(e.code));
    qmp.onReconnect(() => returns++);
    await qmp.connect();
    conns[0]!.destroy();
    await waitFor(() => returns > 0, { what: "the reconnection" });
    await new Promise((r) => setTimeout(r, 300)); // time for a second retry chain to show
    expect({ losses, returns, connections: conns.length }).toEqual({
      losses: ["disconnected"],
      returns: 1,
      connections: 5,
    });
    expect(await qmp.execute("query-status")).toEqual({});
  });
});
