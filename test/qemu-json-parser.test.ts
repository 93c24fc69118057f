// runtime/validate/json.ts on its own (no QEMU needed): where errors are placed, the limits
// QEMU counts over a whole message (measured on QEMU 7.2: nesting 1024, 2^21 tokens), how
// values come out (float tokens, integers), and the lenient parseJsonLossless.
import { describe, expect, test } from "vitest";
import * as json from "../runtime/validate/json.ts";

function syntaxError(parse: () => unknown): json.JsonSyntaxError {
  try {
    parse();
  } catch (err) {
    if (err instanceof json.JsonSyntaxError) return err;
    throw err;
  }
  throw new Error("parsed");
}

const where = (
  input: string | Uint8Array,
  envelope?: Parameters<typeof json.commandEnvelope>[0],
) => {
  const e = syntaxError(() =>
    json.parseJsonForValidation(
      input,
      envelope === undefined ? undefined : json.commandEnvelope(envelope),
    ),
  );
  return `${e.line}:${e.column} ${e.reason}`;
};

describe("json.parseJsonForValidation", () => {
  test("errors are placed at the token, the escape or the byte that is wrong", () => {
    expect(where('{"a": 1,\n  "b" 2}')).toBe("2:7 JSON parse error, missing : in object pair");
    expect(where('{"a": 1,\n "a": 2}')).toBe("2:2 JSON parse error, duplicate key");
    // Columns count characters, not bytes.
    expect(where('["é€😀", "x\\q"]')).toBe(
      "1:11 JSON parse error, invalid escape sequence in string",
    );
    expect(where(Buffer.from([0x5b, 0x22, 0xc3, 0xa9, 0xff, 0x22, 0x5d]))).toBe(
      "1:2 JSON parse error, stray '\"é\uFFFD'",
    );
    expect(where(Buffer.from('["ab\xe9"]', "latin1"))).toBe(
      "1:5 JSON parse error, invalid UTF-8 sequence in string",
    );
    expect(where("[1,\n  2")).toBe("2:4 JSON parse error, premature EOI");
    expect(where("")).toBe("1:1 JSON parse error, premature EOI");
    expect(where(" \n ")).toBe("2:2 JSON parse error, premature EOI");
    expect(where("{} \n []")).toBe("2:2 Expecting at most one JSON value");
    // A lexer error quotes the token from its start, up to a NUL byte (C strings).
    expect(where('[1, "ab\x00c"]')).toBe("1:5 JSON parse error, stray '\"ab'");
    expect(where("[-x]")).toBe("1:2 JSON parse error, stray '-x'");
    // Quoted bytes are decoded as QEMU decodes them: C0 80 is NUL, and each invalid sequence
    // (as far as its lead byte announces and continuation bytes follow) one U+FFFD.
    const quoted = [0x22, 0xc0, 0x80, 0xe0, 0x80, 0x80, 0xed, 0xa0, 0x80, 0xc2, 0x41, 0x80, 0x01];
    expect(where(Buffer.from(quoted))).toBe(
      "1:1 JSON parse error, stray '\"\0\uFFFD\uFFFD\uFFFDA\uFFFD\x01'",
    );
  });

  test("the lexer's errors come before the parser's, which come in the order of the text", () => {
    expect(where('[1,, "\x01"]')).toBe("1:6 JSON parse error, stray '\"\x01'");
    expect(where('{"a": 1, "a": "\\q"}')).toBe(
      "1:16 JSON parse error, invalid escape sequence in string",
    );
    expect(where("[tru, 1 2]")).toBe("1:2 JSON parse error, invalid keyword 'tru'");
  });

  test("nesting: 1024 levels for the whole message, of which a command's takes one", () => {
    const arrays = (n: number) => "[".repeat(n) + "]".repeat(n);
    expect(json.parseJsonForValidation(arrays(1024))).toHaveLength(1);
    expect(where(arrays(1025))).toBe("1:1025 JSON nesting depth limit exceeded");
    const args = (n: number) => '{"a":'.repeat(n - 1) + "{}" + "}".repeat(n - 1);
    expect(json.parseJsonForValidation(args(1023), json.commandEnvelope("qom-set"))).toBeTypeOf(
      "object",
    );
    expect(where(args(1024), "qom-set")).toBe("1:5116 JSON nesting depth limit exceeded");
  });

  test("at most 2^21 tokens in a message", () => {
    // [[], 0, 0, ...]: 2n + 4 tokens for n zeros.
    const text = (tokens: number) => "[[]" + ",0".repeat((tokens - 4) / 2) + "]";
    expect(json.parseJsonForValidation(text(2 ** 21))).toHaveLength((2 ** 21 - 4) / 2 + 1);
    expect(where(text(2 ** 21 + 2))).toMatch(/^1:\d+ JSON token count limit exceeded$/);
    // The command's own tokens count: {"execute": NAME, "arguments": ...} has 8.
    expect(where(text(2 ** 21 - 6), "x")).toMatch(/JSON token count limit exceeded$/);
    expect(
      json.parseJsonForValidation(text(2 ** 21 - 8), json.commandEnvelope("x")),
    ).toBeInstanceOf(Array);
  });

  test("at most 64 MiB of token text in a message", () => {
    const string = Buffer.alloc(64 * 1024 * 1024 + 1, 0x61);
    string[0] = string[string.length - 1] = 0x22;
    expect(where(string)).toBe("1:1 JSON token size limit exceeded");
  });

  test("values: float tokens with integral values are marked, integers exact", () => {
    const v = json.parseJsonForValidation(
      '[1, -0, 1.0, -0.0, 1e3, 1.5, 1e400, 9007199254740993, 18446744073709551616, "\\u0000"]',
    ) as unknown[];
    expect(v[0]).toBe(1);
    expect(Object.is(v[1], 0)).toBe(true); // the integer 0
    expect(v[2]).toEqual(new json.JsonFloat(1));
    expect(json.isJsonFloat(v[3]) && Object.is(v[3].value, -0)).toBe(true);
    expect(v[4]).toEqual(new json.JsonFloat(1000));
    expect(v.slice(5)).toEqual([1.5, Infinity, 9007199254740993n, 2 ** 64, "\0"]);
    expect(json.stringifyJson(v)).toBe(
      '[1,0,1,0,1000,1.5,1e400,9007199254740993,18446744073709551616,"\\u0000"]',
    );
    // QEMU's own extensions: single quotes, \' and modified UTF-8's NUL.
    expect(json.parseJsonForValidation("{'a': \"b\\'c\"}")).toEqual({ a: "b'c" });
    expect(json.parseJsonForValidation(Buffer.from([0x22, 0xc0, 0x80, 0x22]))).toBe("\0");
    const proto = json.parseJsonForValidation('{"__proto__": 1}') as object;
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
    expect(Object.keys(proto)).toEqual(["__proto__"]);
  });
});

describe("json.parseJsonLossless stays lenient (JSON from QEMU)", () => {
  test("no QEMU checks on values; the same grammar, with places", () => {
    expect(json.parseJsonLossless('{"a": 1, "a": 1.0, "n": 12345678901234567890}')).toEqual({
      a: 1,
      n: 12345678901234567890n,
    });
    expect(json.parseJsonLossless('["\\ud800\\uffff", 1e3]')).toEqual(["\ud800\uffff", 1000]);
    const e = syntaxError(() => json.parseJsonLossless('{"a": 12345678901234567890,}'));
    expect([e.line, e.column, e.reason]).toEqual([1, 28, "JSON parse error, expecting value"]);
    // Beyond QEMU's input limits (they are not on its output), but not beyond the stack's.
    const long = "[12345678901234567890" + ",0".repeat(2 ** 21) + "]";
    expect(json.parseJsonLossless(long)).toHaveLength(2 ** 21 + 1);
    expect(() => json.parseJsonLossless("[".repeat(100_000))).toThrow(json.JsonSyntaxError);
  });
});
