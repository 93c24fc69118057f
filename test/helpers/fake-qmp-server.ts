// A scripted QMP server on a Unix socket, for the misbehaviour a real QEMU cannot be made to
// show: bursts, split messages, huge or endless replies, bad greetings, silence. By default it
// greets like QEMU 10.2 and accepts qmp_capabilities; each other command goes to `onCommand`
// with the connection, to write whatever the test wants. stopFakeServers() (afterEach) closes
// every server and connection.

import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { JsonFramer } from "../../runtime/qmp/framing.ts";

export const GREETING =
  '{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 10}, "package": ""}, "capabilities": ["oob"]}}\r\n';

export interface FakeServerOptions {
  /** What to send on connecting (default GREETING; "" sends nothing). */
  greeting?: string;
  /** Called once the greeting is written (e.g. to end the connection there). */
  onConnect?: (conn: Socket) => void;
  /** Answers qmp_capabilities (default: success). */
  onCapabilities?: (command: Record<string, unknown>, conn: Socket) => void;
  onCommand?: (command: Record<string, unknown>, conn: Socket) => void;
}

export interface FakeServer {
  socket: string;
  server: Server;
  /** Every command received, parsed. */
  received: Record<string, unknown>[];
  /** The same, as the text that came over the wire. */
  receivedText: string[];
  /** Closes the server and destroys its connections (as QEMU going away). */
  stop(): Promise<void>;
}

const servers = new Set<FakeServer>();

export async function startFakeServer(options: FakeServerOptions = {}): Promise<FakeServer> {
  const dir = mkdtempSync(path.join(tmpdir(), "qapi-ts-fake-"));
  const socket = path.join(dir, "qmp.sock");
  const received: Record<string, unknown>[] = [];
  const receivedText: string[] = [];
  const conns = new Set<Socket>();
  const server = createServer((conn) => {
    conns.add(conn);
    conn.on("close", () => conns.delete(conn));
    conn.on("error", () => {}); // the client going away mid-write is expected here
    conn.write(options.greeting ?? GREETING);
    options.onConnect?.(conn);
    const framer = new JsonFramer();
    conn.on("data", (chunk) => {
      for (const text of framer.push(chunk)) {
        const command = JSON.parse(text) as Record<string, unknown>;
        received.push(command);
        receivedText.push(text);
        if (command.execute !== "qmp_capabilities") options.onCommand?.(command, conn);
        else if (options.onCapabilities) options.onCapabilities(command, conn);
        else conn.write(replyText(command, {}));
      }
    });
  });
  await new Promise<void>((r) => server.listen(socket, r));
  let stopped: Promise<void> | null = null;
  const fake: FakeServer = {
    socket,
    server,
    received,
    receivedText,
    stop() {
      stopped ??= (async () => {
        servers.delete(fake);
        for (const c of conns) c.destroy();
        await new Promise((r) => server.close(r));
        rmSync(dir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
  servers.add(fake);
  return fake;
}

export async function stopFakeServers(): Promise<void> {
  await Promise.all([...servers].map((s) => s.stop()));
}

/** An event as QEMU writes it. */
export function eventText(name: string, data?: unknown): string {
  return (
    JSON.stringify({
      timestamp: { seconds: 1, microseconds: 2 },
      event: name,
      ...(data === undefined ? {} : { data }),
    }) + "\r\n"
  );
}

/** A reply to `command` as QEMU writes it. */
export function replyText(command: Record<string, unknown>, value: unknown): string {
  return JSON.stringify({ return: value, id: command.id }) + "\r\n";
}
