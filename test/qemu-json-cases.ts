// The table of QMP inputs that test/qemu-json.test.ts sends to a real QEMU and to
// `qapi-ts validate`: command arguments as raw bytes, generated from the rules of JSON text
// (every escape, each class of valid and invalid UTF-8, the number grammar, keywords,
// structure, nesting, whitespace) and of the built-in types (each integer type's bounds and
// the values around them, every JSON type against every scalar type). Each argument text is
// given to a command of QEMU 7.2 (and 10.2, whose schema the validators come from) whose
// member of the type under test is checked before anything the command does; `accepted`
// recognises QEMU's reply once the input passed QEMU's checks (the command then fails or does
// nothing harmful on `-machine none`).

import { createConnection } from "node:net";

export interface Vehicle {
  command: string;
  /** The arguments with the value under test in place of `@`. */
  template: string;
  /** QEMU's reply (error text, or "ok") when its input checks passed. */
  accepted: RegExp;
}

let keyring = 0;

/** A command per type under test, each with its first checked member of that type. */
export const VEHICLES = {
  str: {
    command: "qom-get",
    template: '{"path": @, "property": "type"}',
    accepted: /^Device '.*' not found$/s,
  },
  bool: { command: "query-blockstats", template: '{"query-nodes": @}', accepted: /^ok$/ },
  int: {
    command: "block_resize",
    template: '{"device": "nodev", "size": @}',
    accepted: /^Cannot find device=/,
  },
  int32: {
    command: "object-add",
    // A fresh id each time, in case an object were created.
    get template() {
      return `{"qom-type": "secret_keyring", "id": "k${keyring++}", "serial": @}`;
    },
    accepted: /^(Unable to read serial key|'serial' should not be equal to 0)/,
  },
  uint8: {
    command: "query-rocker-of-dpa-groups",
    template: '{"name": "x", "type": @}',
    accepted: /^rocker x not found$/,
  },
  uint16: {
    command: "x-query-virtio-queue-status",
    template: '{"path": "/x", "queue": @}',
    accepted: /is not a VirtIODevice$/,
  },
  uint32: {
    command: "block-dirty-bitmap-add",
    template: '{"node": "nonode", "name": "b", "granularity": @}',
    accepted: /^Cannot find device=/,
  },
  uint64: {
    command: "block-set-write-threshold",
    template: '{"node-name": "nonode", "write-threshold": @}',
    accepted: /^Device 'nonode' not found$/,
  },
  size: {
    command: "block-export-add",
    template:
      '{"type": "vhost-user-blk", "id": "e", "node-name": "nonode", ' +
      '"addr": {"type": "unix", "path": "/nonexistent/x"}, "logical-block-size": @}',
    accepted: /^Cannot find device=/,
  },
  any: {
    command: "qom-set",
    template: '{"path": "/machine", "property": "nonprop", "value": @}',
    accepted: /^Property '.*nonprop' not found$/,
  },
} satisfies Record<string, Vehicle>;

export type VehicleName = keyof typeof VEHICLES;

export interface Case {
  /** What the case tries (unique), for failure messages. */
  name: string;
  vehicle: VehicleName;
  command: string;
  /** The arguments text, bytes as sent. */
  args: Buffer;
  accepted: RegExp;
}

const bytes = (...parts: (string | number[])[]): Buffer =>
  Buffer.concat(
    parts.map((p) => (typeof p === "string" ? Buffer.from(p, "utf8") : Buffer.from(p))),
  );

const hex = (b: number[]): string => b.map((x) => x.toString(16).padStart(2, "0")).join(" ");

/** UTF-8 of a code point, any (surrogates too), in `len` bytes (more than needed: overlong). */
function utf8(cp: number, len = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4): number[] {
  if (len === 1) return [cp];
  const out: number[] = [];
  let rest = cp;
  for (let i = 1; i < len; i++) {
    out.unshift(0x80 | (rest & 0x3f));
    rest >>= 6;
  }
  out.unshift(((0xff00 >> len) & 0xff) | rest);
  return out;
}

/** Every case of the table, in a fixed order. */
export function generateCases(): Case[] {
  const cases: Case[] = [];
  const add = (name: string, vehicle: VehicleName, value: Buffer | string): void => {
    const v: Vehicle = VEHICLES[vehicle];
    const [before, after] = v.template.split("@") as [string, string];
    cases.push({
      name: `${vehicle}: ${name}`,
      vehicle,
      command: v.command,
      args: bytes(before, typeof value === "string" ? value : [...value], after),
      accepted: v.accepted,
    });
  };
  const str = (name: string, content: (string | number[])[]): void =>
    add(name, "str", bytes('"x', ...content, '"'));

  // Escapes: every printable ASCII byte after a backslash (\u has its own cases below).
  for (let c = 0x20; c < 0x7f; c++)
    if (c !== 0x75) str(`escape \\${String.fromCharCode(c)}`, ["\\", [c]]);
  // Raw control characters and DEL, and after a backslash.
  for (let c = 0; c < 0x20; c++) str(`raw control 0x${hex([c])}`, [[c], "y"]);
  str("raw DEL", [[0x7f]]);
  for (const c of [0x00, 0x09, 0x0a, 0x1f]) str(`control 0x${hex([c])} escaped`, ["\\", [c]]);
  for (const c of [0x80, 0xc3, 0xfe, 0xff]) str(`byte 0x${hex([c])} escaped`, ["\\", [c]]);
  // \u escapes of single code units: the boundaries of every class.
  for (const u of [
    0x0000, 0x001f, 0x0041, 0x007f, 0x0080, 0x07ff, 0x0800, 0xd7ff, 0xd800, 0xdbff, 0xdc00, 0xdfff,
    0xe000, 0xfdcf, 0xfdd0, 0xfdef, 0xfdf0, 0xfffd, 0xfffe, 0xffff,
  ]) {
    const lower = u.toString(16).padStart(4, "0");
    str(`\\u${lower}`, [`\\u${lower}`]);
    if (/[a-f]/.test(lower)) str(`\\u${lower.toUpperCase()}`, [`\\u${lower.toUpperCase()}`]);
  }
  // Surrogate pairs: valid, noncharacters in other planes, and broken pairs.
  for (const [hi, lo] of [
    [0xd800, 0xdc00],
    [0xd83d, 0xde00],
    [0xd83f, 0xdffd],
    [0xd83f, 0xdffe],
    [0xd87f, 0xdfff],
    [0xdbff, 0xdffd],
    [0xdbff, 0xdffe],
    [0xdbff, 0xdfff],
    [0xd800, 0xd800],
    [0xd800, 0x0041],
    [0xdc00, 0xd800],
  ] as const) {
    const text = `\\u${hi.toString(16)}\\u${lo.toString(16).padStart(4, "0")}`;
    str(`pair ${text}`, [text]);
  }
  str("high surrogate then text", ["\\ud800abc"]);
  str("high surrogate at the end", ["\\ud800"]);
  str("high surrogate then other escape", ["\\ud800\\n"]);
  // \u without four hex digits.
  for (const digits of ["", "1", "12", "123", "12g4", "GGGG", "+123", " 123"])
    str(`\\u${digits} (bad hex)`, [`\\u${digits}`]);
  // Raw UTF-8: shortest forms at the boundaries of each length.
  for (const cp of [
    0x80, 0x7ff, 0x800, 0xd7ff, 0xe000, 0xfdcf, 0xfdd0, 0xfdef, 0xfdf0, 0xfffd, 0xfffe, 0xffff,
    0x10000, 0x1fffd, 0x1fffe, 0x1ffff, 0x10fffd, 0x10fffe, 0x10ffff,
  ])
    str(`UTF-8 U+${cp.toString(16)}`, [utf8(cp)]);
  // Surrogates encoded, alone and as a pair (CESU-8).
  for (const cp of [0xd800, 0xdbff, 0xdc00, 0xdfff])
    str(`UTF-8 of U+${cp.toString(16)}`, [utf8(cp)]);
  str("UTF-8 surrogate pair", [utf8(0xd800), utf8(0xdc00)]);
  // Overlong forms: each code point in more bytes than it needs.
  for (const [cp, len] of [
    [0x00, 2],
    [0x01, 2],
    [0x2f, 2],
    [0x7f, 2],
    [0x00, 3],
    [0x2f, 3],
    [0x7ff, 3],
    [0x00, 4],
    [0xffff, 4],
  ] as const)
    str(`overlong U+${cp.toString(16)} in ${len} bytes`, [utf8(cp, len)]);
  // Beyond U+10FFFF, and the old 5- and 6-byte forms.
  str("UTF-8 of U+110000", [utf8(0x110000)]);
  str("UTF-8 of U+1FFFFF", [utf8(0x1fffff)]);
  str("5-byte form", [[0xf8, 0x88, 0x80, 0x80, 0x80]]);
  str("6-byte form", [[0xfc, 0x84, 0x80, 0x80, 0x80, 0x80]]);
  // Bytes that never start a character, alone and before ASCII.
  for (const b of [0x80, 0xbf, 0xc0, 0xc1, 0xf5, 0xf7, 0xf8, 0xfb, 0xfc, 0xfd, 0xfe, 0xff])
    str(`lone byte 0x${hex([b])}`, [[b], "z"]);
  // Truncated sequences: every proper prefix of 2-, 3- and 4-byte characters, at the end of the
  // string and before ASCII.
  for (const cp of [0xe9, 0x20ac, 0x1f600]) {
    const full = utf8(cp);
    for (let n = 1; n < full.length; n++) {
      str(`U+${cp.toString(16)} cut to ${n} bytes at the end`, [full.slice(0, n)]);
      str(`U+${cp.toString(16)} cut to ${n} bytes before text`, [full.slice(0, n), "a"]);
    }
  }
  // Single quotes.
  add("single-quoted", "str", "'x'");
  add("single-quoted with a double quote", "str", "'x\"y'");
  add("single-quoted with \\'", "str", "'x\\'y'");
  add("single-quoted with a control", "str", bytes("'x", [1], "'"));

  // Numbers: each integer type at and around its bounds, and around int64 and uint64.
  const ranges: [VehicleName, bigint, bigint][] = [
    ["int", -(2n ** 63n), 2n ** 63n - 1n],
    ["int32", -(2n ** 31n), 2n ** 31n - 1n],
    ["uint8", 0n, 255n],
    ["uint16", 0n, 65535n],
    ["uint32", 0n, 2n ** 32n - 1n],
    ["uint64", 0n, 2n ** 64n - 1n],
    ["size", 0n, 2n ** 64n - 1n],
  ];
  const wide = [-(2n ** 63n) - 1n, -(2n ** 63n), -1n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n];
  for (const [vehicle, min, max] of ranges) {
    const values = new Set([min - 1n, min, max, max + 1n, ...wide, 0n, 1n]);
    for (const n of values) add(`integer ${n}`, vehicle, n.toString());
    // Tokens QEMU reads as doubles, integral or not; -0 is the integer 0.
    for (const t of ["-0", "1.0", "-0.0", "0.0", "1e3", "1E3", "1e+3", "1e-3", "1.5", "1e400"])
      add(`number ${t}`, vehicle, t);
    // Not numbers.
    for (const t of ['"1"', "true", "null", "[]", "{}", "[1]"]) add(`value ${t}`, vehicle, t);
  }
  // The number grammar (one type suffices: the lexer decides first).
  for (const t of [
    ...["01", "-01", "00", "1.", ".5", "+1", "-", "1e", "1e+", "1e-", "1.e3", "0x10", "1.5.5"],
    ...["0e3", "0E3", "-0e1", "0e", "0.0e1", "10e3", "1E-3", "1ee3"],
  ])
    add(`number syntax ${t}`, "int", t);
  // Numbers for `any`, which takes every JSON value.
  for (const t of ["1.0", "18446744073709551616", "-1e400", '"s"', "null", '{"a": [1, {}]}'])
    add(`value ${t}`, "any", t);

  // Keywords and other words.
  for (const t of ["true", "false", "null", "tru", "truex", "True", "TRUE", "nul", "nullx", "n"])
    add(`keyword ${t}`, "bool", t);
  for (const t of ["1", '"true"', "[]"]) add(`value ${t}`, "bool", t);

  // Structure, in a value of type any.
  for (const t of [
    "[]",
    "{}",
    "[1,]",
    "[,1]",
    "[1 2]",
    "[1,,2]",
    '{"a":1,}',
    '{,"a":1}',
    '{"a" 1}',
    '{"a":}',
    '{"a"}',
    "{1:2}",
    "{[]:2}",
    "{null:1}",
    '{"a":1 "b":2}',
    '{"a":1,"a":2}',
    '{"a":1,"b":2,"a":3}',
    '{"\\u0041":1,"A":2}',
    '{"a":{"a":1}}',
    "{'a':1,\"a\":2}",
    '[{"a":1,"a":2}]',
    '{"a":1,"a":"\\q"}',
    '[1,,"x\\u0001"]',
    '[{"a":1]}',
    "[1}]",
    '{"a":[}]}',
  ])
    add(`structure ${t}`, "any", t);
  // Duplicates among the arguments themselves.
  cases.push({
    name: "arguments: duplicate member",
    vehicle: "str",
    command: "qom-get",
    args: bytes('{"path": "x", "property": "type", "path": "y"}'),
    accepted: VEHICLES.str.accepted,
  });
  // Nesting around QEMU's limit (1024 for the whole message: arguments sit at depth 1).
  for (const depth of [1021, 1022, 1023, 1024]) {
    add(`${depth} nested arrays`, "any", "[".repeat(depth) + "]".repeat(depth));
    add(`${depth} nested objects`, "any", '{"a":'.repeat(depth - 1) + "{}" + "}".repeat(depth - 1));
  }
  // Whitespace between tokens: only space, tab, CR and LF.
  for (const ws of [[0x20], [0x09], [0x0a], [0x0d], [0x0c], [0x0b], [0x00], [0xc2, 0xa0]])
    add(`whitespace ${hex(ws)}`, "any", bytes("[", ws, "1", ws, "]"));
  // Bytes that start no token.
  for (const c of ["@", "#", "%", "$", "~", "`", "*", "=", "\\", "N", "I", [0x7f], [0x80], [0xff]])
    add(`stray ${typeof c === "string" ? c : hex(c)}`, "any", bytes(c));
  return cases;
}

/**
 * QEMU's replies to one message, on a fresh connection (a bad message can leave its parser in
 * any state): the replies up to a synchronisation command, after a control character that
 * ends whatever was left open (qmp-spec: "Forcing the JSON parser into known-good state").
 */
export function qemuReplies(socket: string, message: Buffer): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const conn = createConnection({ path: socket });
    const replies: string[] = [];
    let buffer = "";
    let lines = 0;
    conn.on("error", reject);
    conn.on("data", (chunk) => {
      buffer += chunk.toString("utf8");
      for (let nl = buffer.indexOf("\n"); nl >= 0; nl = buffer.indexOf("\n")) {
        const line = buffer.slice(0, nl).trim();
        buffer = buffer.slice(nl + 1);
        lines++;
        if (lines === 1) conn.write('{"execute": "qmp_capabilities"}\n');
        else if (lines === 2) {
          conn.write(message);
          conn.write('\n\x01\n{"execute": "query-version", "id": "sync"}\n');
        } else if (line.includes('"id": "sync"')) {
          conn.destroy();
          resolve(replies);
          return;
        } else if (!line.includes('"event"')) replies.push(line);
      }
    });
  });
}

export interface Verdict {
  accepted: boolean;
  /** Why not, when not accepted. */
  message?: string;
}

/** QEMU's verdict from its replies to `{"execute": command, "arguments": args}`. */
export function qemuVerdict(c: Case, replies: string[]): Verdict {
  const first = JSON.parse(replies[0]!) as { return?: unknown; error?: { desc: string } };
  const text = first.error ? first.error.desc : "ok";
  return c.accepted.test(text) ? { accepted: true } : { accepted: false, message: text };
}

/** The message QEMU's reads as `{"execute": command, "arguments": args}`. */
export function commandMessage(c: Case): Buffer {
  return Buffer.concat([
    Buffer.from(`{"execute": ${JSON.stringify(c.command)}, "arguments": `),
    c.args,
    Buffer.from("}"),
  ]);
}
