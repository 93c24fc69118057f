// What libvirt does, from TypeScript: give QEMU a read-only and a read/write descriptor of one
// image in an fd set, add a `file` node on /dev/fdset/N with auto-read-only, and watch QEMU use
// the read-only descriptor until a writer attaches, the read/write one while it is attached, and
// the read-only one again when it is gone: the dynamic auto-read-only of the 2019 thread, asked
// for first through the live schema (`$dynamic-auto-read-only`).
//
//   npx tsc -p examples/tsconfig.json --outDir /tmp/ex && node /tmp/ex/examples/fdset-auto-read-only.js
//
// The descriptors travel with `add-fd` over QEMU's Unix socket (SCM_RIGHTS), which needs the
// optional package @qapi-ts/fd-passing; with `--at-start-up` they are handed to the QEMU it
// spawns instead (-add-fd), which needs no native code. What QEMU opened is read from
// /proc/PID/fdinfo (Linux): the access mode of each of QEMU's descriptors on the image.

import { mkdtempSync, openSync, readFileSync, readdirSync, readlinkSync, rmSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { QmpClient, QmpClientError, QmpError } from "qapi-ts/qmp";

const atStartUp = process.argv.includes("--at-start-up");
const dir = mkdtempSync(path.join(tmpdir(), "fdset-example-"));
const image = path.join(dir, "disk.raw");
await writeFile(image, Buffer.alloc(1 << 20));
const ro = openSync(image, "r");
const rw = openSync(image, "r+");
const SET = 1;

// One QEMU: its stdio monitor is this client's; with descriptors at run time, a second monitor
// on a Unix socket carries them.
const socket = path.join(dir, "qmp.sock");
const spawned = new QmpClient(
  {
    spawn: {
      args: [
        ...["-machine", "none", "-display", "none", "-nodefaults"],
        ...(atStartUp
          ? ["-add-fd", `fd=3,set=${SET},opaque=ro`, "-add-fd", `fd=4,set=${SET},opaque=rw`]
          : ["-qmp", `unix:${socket},server=on,wait=off`]),
      ],
      fds: atStartUp ? [ro, rw] : [],
    },
  },
  { commandTimeoutMs: 10_000 },
);
let status = 0;
await spawned.connect();
const qmp = atStartUp ? spawned : new QmpClient({ socket }, { commandTimeoutMs: 10_000 });
try {
  if (qmp !== spawned) await qmp.connect();
  const v = qmp.greeting!.version.qemu;
  console.log(`connected to QEMU ${v.major}.${v.minor}.${v.micro}`);

  const schema = await qmp.schema();
  if (!schema.has("blockdev-add/arg-type/+file/$dynamic-auto-read-only")) {
    console.log("this QEMU's file driver does not reopen read/write on demand: nothing to show");
  } else {
    console.log("file driver has dynamic auto-read-only: yes");
    if (!atStartUp) {
      await qmp.execute("add-fd", { "fdset-id": SET, opaque: "ro" }, { fds: [ro] });
      await qmp.execute("add-fd", { "fdset-id": SET, opaque: "rw" }, { fds: [rw] });
    }
    const pid = qemuPid(image);
    console.log(`fd set ${SET}: ${(await setDescriptors(qmp, pid)).join(", ")}`);

    await qmp.execute("blockdev-add", {
      driver: "file",
      "node-name": "disk0",
      filename: `/dev/fdset/${SET}`,
      "read-only": false,
      "auto-read-only": true,
    });
    console.log(`no writer: ${await nodeDescriptors(qmp, pid)}`);

    await qmp.execute("nbd-server-start", {
      addr: { type: "unix", data: { path: path.join(dir, "nbd.sock") } },
    });
    await qmp.execute("block-export-add", {
      type: "nbd",
      id: "export0",
      "node-name": "disk0",
      writable: true,
    });
    console.log(`writable NBD export attached: ${await nodeDescriptors(qmp, pid)}`);

    const deleted = new Promise((resolve) => qmp.on("BLOCK_EXPORT_DELETED", resolve));
    await qmp.execute("block-export-del", { id: "export0" });
    await deleted;
    console.log(`export removed: ${await nodeDescriptors(qmp, pid)}`);
  }
} catch (err) {
  if (!(err instanceof QmpError || err instanceof QmpClientError)) throw err;
  console.error(`fdset-auto-read-only: ${err.message}`);
  status = 1;
} finally {
  if (qmp !== spawned) await qmp.close();
  await spawned.close();
  rmSync(dir, { recursive: true, force: true });
}
process.exitCode = status;

/** QEMU's descriptors on the image: number to "read-only" or "read/write" (/proc/PID/fdinfo). */
function descriptors(pid: number): Map<number, string> {
  const found = new Map<number, string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) !== image) continue;
      const flags = /^flags:\s*([0-7]+)$/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, "utf8"));
      const mode = Number.parseInt(flags?.[1] ?? "0", 8) & 3; // O_ACCMODE
      found.set(Number(fd), mode === 0 ? "read-only" : mode === 2 ? "read/write" : "write-only");
    } catch {
      // closed while we looked
    }
  }
  return found;
}

/** The process that holds a descriptor on the image (QEMU: only it and we do). */
function qemuPid(file: string): number {
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      if (
        readdirSync(`/proc/${pid}/fd`).some((fd) => readlinkSync(`/proc/${pid}/fd/${fd}`) === file)
      )
        return pid;
    } catch {
      // not ours to read, or gone
    }
  }
  throw new Error(`no process holds ${file}`);
}

/** The set's descriptors in QEMU, with their opaque names and modes. */
async function setDescriptors(client: QmpClient, pid: number): Promise<string[]> {
  const sets = (await client.execute("query-fdsets")) as {
    "fdset-id": number;
    fds: { fd: number; opaque?: string }[];
  }[];
  const modes = descriptors(pid);
  const set = sets.find((s) => s["fdset-id"] === SET);
  return (set?.fds ?? []).map((f) => `fd ${f.fd} "${f.opaque ?? ""}" ${modes.get(f.fd)}`);
}

/** The descriptors the file node opened (QEMU's on the image that no fd set holds). */
async function nodeDescriptors(client: QmpClient, pid: number): Promise<string> {
  const sets = (await client.execute("query-fdsets")) as { fds: { fd: number }[] }[];
  const inSets = new Set(sets.flatMap((s) => s.fds.map((f) => f.fd)));
  const own = [...descriptors(pid)].filter(([fd]) => !inSets.has(fd));
  return own.map(([fd, mode]) => `the node's descriptor ${fd} is ${mode}`).join(", ") || "none";
}
