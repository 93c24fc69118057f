// Property tests of runtime/validate/json.ts: on any bytes, parseJsonForValidation returns a
// value or throws its JsonSyntaxError, nothing else (no TypeError, no RangeError from the
// stack); on JSON.stringify's output it agrees with JSON.parse, but for what QEMU refuses in
// strings (lone surrogates, noncharacters); parseJsonLossless agrees with JSON.parse on it, and
// on any string returns a value or throws a JsonSyntaxError.
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import {
  isJsonFloat,
  JsonSyntaxError,
  parseJsonForValidation,
  parseJsonLossless,
} from "../runtime/validate/index.ts";

/** Bytes that look like JSON often enough to get past the first token. */
const jsonish = fc.array(
  fc.oneof(
    fc
      .constantFrom(..."{}[]:,\"'\\ \t\n0123456789-+.eEtrufalsn".split(""))
      .map((c) => Buffer.from(c, "latin1")),
    fc
      .constantFrom("\\u", "\\ud800", "\\udc00", '"a"', "true", "null", "1e400")
      .map((s) => Buffer.from(s)),
    fc.uint8Array({ minLength: 1, maxLength: 4 }).map((a) => Buffer.from(a)),
  ),
  { maxLength: 60 },
);

const onlyItsError = (input: Uint8Array): boolean => {
  try {
    parseJsonForValidation(input);
  } catch (err) {
    if (!(err instanceof JsonSyntaxError)) throw err;
    expect(err.line).toBeGreaterThanOrEqual(1);
    expect(err.column).toBeGreaterThanOrEqual(1);
    expect(err.offset).toBeLessThanOrEqual(input.length);
  }
  return true;
};

/** The value as JSON.parse returns it: JsonFloats and bigints as (rounded) numbers. */
function plain(v: unknown): unknown {
  if (isJsonFloat(v)) return v.value;
  if (typeof v === "bigint") return Number(v);
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v === "object" && v !== null)
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

const REFUSED_IN_STRINGS = /is not a valid Unicode character|invalid UTF-8 sequence/;

describe("parseJsonForValidation on arbitrary input", () => {
  test("random bytes: a value or a JsonSyntaxError", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), onlyItsError), { numRuns: 3000 });
  });

  test("JSON-like byte soup: a value or a JsonSyntaxError", () => {
    fc.assert(
      fc.property(jsonish, (parts) => onlyItsError(Buffer.concat(parts))),
      { numRuns: 3000 },
    );
  });

  test("parseJsonLossless on any string: a value or a JsonSyntaxError", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: "binary" }),
          jsonish.map((p) => Buffer.concat(p).toString("latin1")),
        ),
        (text) => {
          try {
            parseJsonLossless(text);
          } catch (err) {
            if (!(err instanceof JsonSyntaxError)) throw err;
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  test("deep and long inputs end in a JsonSyntaxError, not a stack overflow", () => {
    for (const text of ["[".repeat(200_000), '{"a":'.repeat(100_000), "[" + '"x",'.repeat(50_000)])
      expect(() => parseJsonForValidation(text)).toThrow(JsonSyntaxError);
  });

  test("JSON.stringify's output: JSON.parse's value, or a refusal of a string's content", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        const text = JSON.stringify(value);
        const expected = JSON.parse(text) as unknown;
        expect(plain(parseJsonLossless(text))).toEqual(expected);
        try {
          expect(plain(parseJsonForValidation(text))).toEqual(expected);
        } catch (err) {
          if (!(err instanceof JsonSyntaxError)) throw err;
          expect(err.reason).toMatch(REFUSED_IN_STRINGS);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
