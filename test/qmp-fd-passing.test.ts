// File descriptors to a real QEMU: over its Unix socket with SCM_RIGHTS (getfd, add-fd and fd
// sets, many in flight at once), and to a spawned QEMU at start-up (-add-fd). Then the thread's
// own question, observed: a file node with auto-read-only on /dev/fdset/N uses the set's
// read-only descriptor until a writer attaches, the read/write one while it is attached, and
// the read-only one again once it is gone (the open flags of QEMU's descriptors, from
// /proc/PID/fdinfo); and with only the read-only descriptor in the set, the writer is refused.
import { afterAll, afterEach, describe, expect, it } from "vitest";
import {
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { QmpClient } from "../runtime/qmp/index.ts";
import {
  BASE_ARGS,
  clientError,
  haveQemu,
  killAll,
  settle,
  startQemu,
  testClients,
  waitFor,
} from "./helpers/qemu.ts";

const clients = testClients();
afterEach(killAll);

const work = mkdtempSync(path.join(tmpdir(), "qapi-ts-fds-"));
const opened: number[] = [];
afterAll(() => {
  for (const fd of opened.splice(0)) closeSync(fd);
  rmSync(work, { recursive: true, force: true });
});

/** A new 1 MiB image file and descriptors on it. */
function image(name: string): { file: string; ro: number; rw: number } {
  const file = path.join(work, name);
  writeFileSync(file, Buffer.alloc(1 << 20));
  const ro = openSync(file, "r");
  const rw = openSync(file, "r+");
  opened.push(ro, rw);
  return { file, ro, rw };
}

/** QEMU's descriptors on `file`: number to access mode, from /proc/PID/fdinfo. */
function descriptorsOn(pid: number, file: string): Map<number, "ro" | "rw" | "wo"> {
  const found = new Map<number, "ro" | "rw" | "wo">();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let target: string;
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue; // closed meanwhile
    }
    if (target !== file) continue;
    const flags = /^flags:\s*([0-7]+)$/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, "utf8"));
    const mode = Number.parseInt(flags![1]!, 8) & 3; // O_ACCMODE
    found.set(Number(fd), mode === 0 ? "ro" : mode === 2 ? "rw" : "wo");
  }
  return found;
}

interface FdSet {
  "fdset-id": number;
  fds: { fd: number; opaque?: string }[];
}

/** The modes of QEMU's descriptors on `file` that no fd set holds: the block layer's own. */
async function nodeDescriptors(qmp: QmpClient, pid: number, file: string): Promise<string[]> {
  const sets = (await qmp.execute("query-fdsets")) as FdSet[];
  const inSets = new Set(sets.flatMap((s) => s.fds.map((f) => f.fd)));
  return [...descriptorsOn(pid, file)].filter(([fd]) => !inSets.has(fd)).map(([, m]) => m);
}

describe.skipIf(!haveQemu)("file descriptors to a real QEMU", { timeout: 60_000 }, () => {
  it("getfd takes a descriptor sent with the command; closefd releases it", async () => {
    const q = await startQemu();
    const qmp = await clients.connect(q.socket);
    const { file, ro } = image("getfd.raw");
    expect(descriptorsOn(q.proc.pid!, file).size).toBe(0);
    await qmp.execute("getfd", { fdname: "img" }, { fds: [ro] });
    expect([...descriptorsOn(q.proc.pid!, file).values()]).toEqual(["ro"]);
    await qmp.execute("closefd", { fdname: "img" });
    expect(descriptorsOn(q.proc.pid!, file).size).toBe(0);
    // A command without descriptors that needs one fails in QEMU, as it should.
    const r = await settle(qmp.execute("getfd", { fdname: "none" }));
    expect(r.ok).toBe(false);
    expect(String((r as { error: Error }).error.message)).toMatch(/No file descriptor supplied/);
  });

  it("add-fd fills fd sets; many commands with descriptors in flight keep each its own", async () => {
    const q = await startQemu();
    const qmp = await clients.connect(q.socket);
    const images = Array.from({ length: 12 }, (_, i) => image(`set-${i}.raw`));
    // Sent all at once, interleaved with commands without descriptors.
    const added = await Promise.all(
      images.flatMap((img, i) => [
        qmp.execute(
          "add-fd",
          { "fdset-id": 10 + (i % 3), opaque: path.basename(img.file) },
          { fds: [i % 2 ? img.rw : img.ro] },
        ),
        qmp.execute("query-status"),
      ]),
    );
    expect(added.length).toBe(24);
    const sets = (await qmp.execute("query-fdsets")) as FdSet[];
    expect(sets.map((s) => s["fdset-id"]).sort()).toEqual([10, 11, 12]);
    const pid = q.proc.pid!;
    let checked = 0;
    for (const set of sets)
      for (const { fd, opaque } of set.fds) {
        // Each descriptor QEMU holds is on the file its command named, in the mode sent.
        const i = images.findIndex((img) => path.basename(img.file) === opaque);
        expect(readlinkSync(`/proc/${pid}/fd/${fd}`)).toBe(images[i]!.file);
        expect(descriptorsOn(pid, images[i]!.file).get(fd)).toBe(i % 2 ? "rw" : "ro");
        expect(set["fdset-id"]).toBe(10 + (i % 3));
        checked++;
      }
    expect(checked).toBe(12);
  });

  it("a command with descriptors waits, in its place, while QEMU reads nothing and the socket is full", async () => {
    const q = await startQemu();
    const qmp = await clients.connect(q.socket);
    const { file, rw } = image("queued.raw");
    // QEMU stopped: it reads nothing, so once the kernel's socket buffer is full Node queues the
    // rest, and the descriptors must wait for that queue to empty to keep their place.
    await q.freeze();
    const big = "x".repeat(8 * 1024);
    const before = Array.from({ length: 48 }, () =>
      qmp.execute("human-monitor-command", { "command-line": `echo ${big}` }),
    );
    const added = qmp.execute("add-fd", { "fdset-id": 3, opaque: "after" }, { fds: [rw] });
    const after = qmp.execute("query-status");
    // (Internal, to show the case is the one meant: bytes are waiting in Node's queue.)
    const socket = (
      qmp as unknown as {
        connection: { channel: { stream: { socket: { writableLength: number } } } };
      }
    ).connection.channel.stream.socket;
    expect(socket.writableLength).toBeGreaterThan(0);
    q.proc.kill("SIGCONT");
    await Promise.all(before);
    expect(await added).toMatchObject({ "fdset-id": 3 });
    expect(await after).toMatchObject({ status: "running" });
    const sets = (await qmp.execute("query-fdsets")) as FdSet[];
    const fd = sets.find((s) => s["fdset-id"] === 3)!.fds[0]!.fd;
    expect(descriptorsOn(q.proc.pid!, file).get(fd)).toBe("rw");
  });

  it("auto-read-only on /dev/fdset/N: read-only until a writer attaches, read/write while it is, read-only after", async () => {
    const q = await startQemu();
    const qmp = await clients.connect(q.socket);
    const schema = await qmp.schema();
    expect(schema.has("blockdev-add/arg-type/+file/$dynamic-auto-read-only")).toBe(true);
    const { file, ro, rw } = image("dynamic.raw");
    const pid = q.proc.pid!;
    await qmp.execute("add-fd", { "fdset-id": 1, opaque: "ro" }, { fds: [ro] });
    await qmp.execute("add-fd", { "fdset-id": 1, opaque: "rw" }, { fds: [rw] });
    expect([...descriptorsOn(pid, file).values()].sort()).toEqual(["ro", "rw"]); // the set's own
    await qmp.execute("blockdev-add", {
      driver: "file",
      "node-name": "f0",
      filename: "/dev/fdset/1",
      "read-only": false,
      "auto-read-only": true,
    });
    expect(await nodeDescriptors(qmp, pid, file)).toEqual(["ro"]);
    await qmp.execute("nbd-server-start", {
      addr: { type: "unix", data: { path: path.join(q.dir, "nbd.sock") } },
    });
    await qmp.execute("block-export-add", {
      type: "nbd",
      id: "w",
      "node-name": "f0",
      writable: true,
    });
    expect(await nodeDescriptors(qmp, pid, file)).toEqual(["rw"]);
    const deleted = new Promise((resolve) => qmp.on("BLOCK_EXPORT_DELETED", resolve));
    await qmp.execute("block-export-del", { id: "w" });
    await deleted;
    await waitFor(async () => (await nodeDescriptors(qmp, pid, file)).join() === "ro", {
      what: "the node to drop back to its read-only descriptor",
    });
  });

  it("with only the read-only descriptor in the set, the writer is refused", async () => {
    const q = await startQemu();
    const qmp = await clients.connect(q.socket);
    const { ro } = image("only-ro.raw");
    await qmp.execute("add-fd", { "fdset-id": 2 }, { fds: [ro] });
    await qmp.execute("blockdev-add", {
      driver: "file",
      "node-name": "f0",
      filename: "/dev/fdset/2",
      "auto-read-only": true,
    });
    await qmp.execute("nbd-server-start", {
      addr: { type: "unix", data: { path: path.join(q.dir, "nbd.sock") } },
    });
    const r = await settle(
      qmp.execute("block-export-add", { type: "nbd", id: "w", "node-name": "f0", writable: true }),
    );
    expect(r.ok).toBe(false);
    expect((r as { error: Error }).error.message).toMatch(/fdset|dup|Permission denied/);
    // A read-only export of the same node works from the read-only descriptor.
    await qmp.execute("block-export-add", { type: "nbd", id: "r", "node-name": "f0" });
  });

  it("a spawned QEMU gets its descriptors at start-up (-add-fd), without native code", async () => {
    const { file, ro, rw } = image("spawned.raw");
    const qmp = clients.track(
      new QmpClient({
        spawn: {
          args: [
            ...BASE_ARGS,
            "-add-fd",
            "fd=3,set=7,opaque=ro",
            "-add-fd",
            "fd=4,set=7,opaque=rw",
          ],
          fds: [ro, rw],
        },
      }),
    );
    await qmp.connect();
    const sets = (await qmp.execute("query-fdsets")) as FdSet[];
    expect(sets.map((s) => [s["fdset-id"], s.fds.map((f) => f.opaque)])).toEqual([
      [7, ["ro", "rw"]],
    ]);
    await qmp.execute("blockdev-add", {
      driver: "file",
      "node-name": "f0",
      filename: "/dev/fdset/7",
      "auto-read-only": true,
    });
    const nodes = (await qmp.execute("query-named-block-nodes")) as { file: string }[];
    expect(nodes.map((n) => n.file)).toEqual(["/dev/fdset/7"]);
    void file;
    // Over the spawned QEMU's stdio, descriptors cannot travel with a command.
    const e = clientError(await settle(qmp.execute("getfd", { fdname: "x" }, { fds: [ro] })));
    expect(e.code).toBe("fd-passing");
    expect(e.message).toMatch(/only over a Unix socket.*spawn\.fds/);
    await qmp.execute("query-status"); // nothing was sent; the connection is fine
  });

  it("refuses what cannot be sent, before sending anything", async () => {
    const q = await startQemu({ tcp: true });
    const tcp = clients.track(new QmpClient({ tcp: q.socket }));
    await tcp.connect();
    const { ro } = image("refused.raw");
    const overTcp = clientError(await settle(tcp.execute("getfd", { fdname: "x" }, { fds: [ro] })));
    expect([overTcp.code, overTcp.message]).toEqual([
      "fd-passing",
      `getfd: file descriptors travel only over a Unix socket, not over tcp ${q.socket}`,
    ]);
    const u = await startQemu();
    const qmp = await clients.connect(u.socket);
    for (const [fds, message] of [
      [[-1], "getfd: fds[0] is not a file descriptor: -1"],
      [[1.5], "getfd: fds[0] is not a file descriptor: 1.5"],
      [Array(17).fill(ro), "getfd: at most 16 descriptors travel with one command, got 17"],
    ] as const) {
      const e = clientError(await settle(qmp.execute("getfd", { fdname: "x" }, { fds })));
      expect([e.code, e.message]).toEqual(["fd-passing", message]);
    }
    expect(await qmp.execute("query-status")).toMatchObject({ status: "running" });
  });
});
