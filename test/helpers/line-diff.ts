// A unified diff of two texts, line by line (Myers' shortest edit script), as `diff -u` prints
// it: the option-set baselines store what an option changes in the default output this way.

type Edit = { op: " " | "-" | "+"; line: string };

/** The shortest edit script turning a into b (Myers, "An O(ND) difference algorithm"). */
function editScript(a: string[], b: string[]): Edit[] {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const offset = max + 1;
  // v[k + offset]: the furthest x reached on diagonal k; one copy per step d, to walk back.
  const trace: Int32Array[] = [];
  const v = new Int32Array(2 * max + 3);
  outer: for (let d = 0; d <= max; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x =
        k === -d || (k !== d && v[k - 1 + offset]! < v[k + 1 + offset]!)
          ? v[k + 1 + offset]!
          : v[k - 1 + offset]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[k + offset] = x;
      if (x >= n && y >= m) break outer;
    }
  }
  const edits: Edit[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    const vd = trace[d]!;
    const k = x - y;
    let prevX = 0;
    let prevY = 0;
    if (d > 0) {
      const prevK =
        k === -d || (k !== d && vd[k - 1 + offset]! < vd[k + 1 + offset]!) ? k + 1 : k - 1;
      prevX = vd[prevK + offset]!;
      prevY = prevX - prevK;
    }
    while (x > prevX && y > prevY) {
      y--;
      edits.push({ op: " ", line: a[--x]! });
    }
    if (d === 0) break;
    if (x === prevX) edits.push({ op: "+", line: b[--y]! });
    else edits.push({ op: "-", line: a[--x]! });
  }
  return edits.reverse();
}

/**
 * `diff -u` of two texts (`context` lines around each change), with headers naming `from` and
 * `to`; "" when they are equal.
 */
export function unifiedDiff(from: string, to: string, a: string, b: string, context = 3): string {
  if (a === b) return "";
  const lines = (text: string) =>
    text === "" ? [] : (text.endsWith("\n") ? text.slice(0, -1) : text).split("\n");
  const edits = editScript(lines(a), lines(b));
  let out = `--- ${from}\n+++ ${to}\n`;
  let i = 0;
  // Line numbers (1-based) in a and b before edits[i].
  const aLine: number[] = [];
  const bLine: number[] = [];
  let la = 1;
  let lb = 1;
  for (const e of edits) {
    aLine.push(la);
    bLine.push(lb);
    if (e.op !== "+") la++;
    if (e.op !== "-") lb++;
  }
  while (i < edits.length) {
    while (i < edits.length && edits[i]!.op === " ") i++;
    if (i === edits.length) break;
    // A hunk: from `context` lines before this change to `context` after the last change that
    // is at most 2 * context lines from the next.
    const start = Math.max(0, i - context);
    let end = i;
    for (;;) {
      while (end < edits.length && edits[end]!.op !== " ") end++;
      let next = end;
      while (next < edits.length && edits[next]!.op === " ") next++;
      if (next < edits.length && next - end <= 2 * context) end = next;
      else {
        end = Math.min(edits.length, end + context);
        break;
      }
    }
    const hunk = edits.slice(start, end);
    const aCount = hunk.filter((e) => e.op !== "+").length;
    const bCount = hunk.filter((e) => e.op !== "-").length;
    const aStart = aCount ? aLine[start]! : aLine[start]! - 1;
    const bStart = bCount ? bLine[start]! : bLine[start]! - 1;
    out += `@@ -${aStart},${aCount} +${bStart},${bCount} @@\n`;
    for (const e of hunk) out += `${e.op}${e.line}\n`;
    i = end;
  }
  return out;
}
