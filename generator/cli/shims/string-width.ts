// Terminal width of a string, for yargs' help layout (cliui, wrap-ansi). build.mjs bundles this
// in place of the `string-width` package: that one builds ICU grapheme segmenters when loaded,
// which costs more than the rest of the CLI's start-up, for help text that is plain ASCII.
// Approximation for the rest: ANSI escapes and combining marks take no room, East Asian wide
// and fullwidth characters (and emoji) take two columns, everything else one.

const ANSI = /[\u001b\u009b][[\]()#;?]*(?:\d{1,4}(?:[;:]\d{0,4})*)?[\dA-PR-TZcf-nq-uy=><~]/g;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}\p{Cc}]$/u;

/** Code point ranges that terminals draw two columns wide. */
const WIDE: [number, number][] = [
  [0x1100, 0x115f],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe30, 0xfe4f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x1f300, 0x1f64f],
  [0x1f900, 0x1f9ff],
  [0x20000, 0x3fffd],
];

export default function stringWidth(input: string): number {
  if (typeof input !== "string" || input.length === 0) return 0;
  const s = input.includes("\u001b") || input.includes("\u009b") ? input.replace(ANSI, "") : input;
  if (PRINTABLE_ASCII.test(s)) return s.length;
  let width = 0;
  for (const ch of s) {
    if (ZERO_WIDTH.test(ch)) continue;
    const cp = ch.codePointAt(0)!;
    width += WIDE.some(([lo, hi]) => cp >= lo && cp <= hi) ? 2 : 1;
  }
  return width;
}
