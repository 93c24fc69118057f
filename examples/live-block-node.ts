// A typed program against a real QEMU: the question of the auto-read-only thread, asked live,
// then a block node added, listed and deleted with arguments checked by the compiler.
//
//   npx tsc -p examples/tsconfig.json --outDir /tmp/ex && node /tmp/ex/examples/live-block-node.js
//
// It starts its own QEMU (no guest: `-machine none`) unless given `--socket PATH` of a running one.
// The client comes from `generated/` (qapi-ts generate of the project's own schema, qapi/, whose
// block commands follow QEMU's): typed by its command and event maps, checking arguments with
// its validators.

import { createQmp } from "../generated/client.ts";
import { QmpError, type QmpTarget } from "qapi-ts/qmp";

const socketPath = process.argv[process.argv.indexOf("--socket") + 1];
const target: QmpTarget =
  process.argv.includes("--socket") && socketPath !== undefined
    ? { socket: socketPath }
    : { spawn: { args: ["-machine", "none", "-display", "none", "-nodefaults"] } };

const qmp = createQmp(target, { commandTimeoutMs: 10_000 });
await qmp.connect();
try {
  const v = qmp.greeting!.version.qemu;
  console.log(`connected to QEMU ${v.major}.${v.minor}.${v.micro}`);

  // Feature detection instead of version numbers: is auto-read-only dynamic on the file driver?
  const schema = await qmp.schema();
  const dynamic = schema.has("blockdev-add/arg-type/+file/$dynamic-auto-read-only");
  console.log(`file driver has dynamic auto-read-only: ${dynamic ? "yes" : "no"}`);

  // The arguments are the generated BlockdevOptions union: a misspelt member or a wrong
  // driver-specific option does not compile.
  await qmp.execute("blockdev-add", { driver: "null-co", "node-name": "example0", size: 1 << 20 });
  const nodes = await qmp.execute("query-named-block-nodes");
  console.log(`named nodes: ${nodes.map((n) => n["node-name"]).join(", ")}`);
  await qmp.execute("blockdev-del", { "node-name": "example0" });

  try {
    await qmp.execute("blockdev-del", { "node-name": "example0" });
  } catch (err) {
    if (!(err instanceof QmpError)) throw err;
    console.log(`deleting it twice: ${err.class}: ${err.desc}`);
  }
} finally {
  await qmp.close();
}
