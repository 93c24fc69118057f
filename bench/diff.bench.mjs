// diff and history: whole-process `qapi-ts diff` of two full QEMU schemas (4.1, read with
// --compat, against 10.2, both whole with their conditions) and of the two recorded replies
// (wall time, peak RSS); in process: reading each side, the comparison, the verdicts and the
// text, and the history of 4.1 -> 9.2 -> 10.0 -> 10.2.
import path from "node:path";
import {
  bin,
  importTs,
  qemu,
  report,
  reportProcesses,
  requireShared,
  shared,
  timeInProcess,
  timeProcess,
} from "./lib.mjs";

requireShared("diff.bench");
const schema102 = qemu.schema;
const schema41 = path.join(shared, "qemu-4.1/qapi/qapi-schema.json");
const reply92 = path.join(shared, "introspection/qemu-9.2.0-x86_64.query-qmp-schema.json");
const reply100 = path.join(shared, "introspection/qemu-10.0.0-x86_64.query-qmp-schema.json");

// diff exits 1 when something breaks, as it does here: time it through a shell that maps 1 to 0.
const sh = (args) => ["-c", `"$0" "$@" >/dev/null 2>&1; test $? -le 1`, bin, ...args];
const schemas = timeProcess("/bin/sh", sh(["diff", "--compat", schema41, schema102]), { runs: 5 });
const replies = timeProcess("/bin/sh", sh(["diff", reply92, reply100]), { runs: 5 });
reportProcesses("diff: whole process", [
  ["4.1 --compat vs 10.2 schemas", schemas],
  ["9.2.0 vs 10.0.0 replies", replies],
]);

const { readWireInput } = await importTs("generator/compat/sides.ts");
const { diffWire } = await importTs("generator/compat/diff.ts");
const { judge } = await importTs("generator/compat/verdicts.ts");
const { formatChanges } = await importTs("generator/compat/format.ts");
const { buildHistory } = await importTs("generator/compat/history.ts");

const read = (file, compat = false) => readWireInput(file, { defines: null, compat }).wire;
const w41 = read(schema41, true);
const w102 = read(schema102);
const raw = diffWire(w41, w102);
const judged = judge(raw);
const w92 = read(reply92);
const w100 = read(reply100);
report("diff: in process, warm (median ms)", [
  [
    "read 4.1 (front end + wire model)",
    timeInProcess(() => read(schema41, true), { runs: 7 }).toFixed(1),
  ],
  [
    "read 10.2 (front end + wire model)",
    timeInProcess(() => read(schema102), { runs: 7 }).toFixed(1),
  ],
  ["read the 10.0.0 reply", timeInProcess(() => read(reply100), { runs: 7 }).toFixed(1)],
  ["diffWire 4.1 vs 10.2", timeInProcess(() => diffWire(w41, w102), { runs: 7 }).toFixed(1)],
  ["judge + text", timeInProcess(() => formatChanges(judge(raw), "text")).toFixed(2)],
  ["diffWire 9.2.0 vs 10.0.0 replies", timeInProcess(() => diffWire(w92, w100)).toFixed(1)],
  [
    "buildHistory 4.1, 9.2, 10.0, 10.2",
    timeInProcess(
      () =>
        buildHistory([
          { name: "4.1", wire: w41 },
          { name: "9.2", wire: w92 },
          { name: "10.0", wire: w100 },
          { name: "10.2", wire: w102 },
        ]),
      { runs: 5 },
    ).toFixed(1),
  ],
  ["changes 4.1 vs 10.2", `${judged.length} (${judged.filter((c) => c.breaking).length} breaking)`],
]);
