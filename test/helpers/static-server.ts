// An HTTP server on the loopback for browser tests: serves fixed routes, each a text or a file
// (read when asked, never copied), and nothing else.
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export type Route = { text: string; type: string } | { file: string; type: string };

export interface StaticServer {
  /** The server's URL, ending in "/". */
  url: string;
  close(): Promise<void>;
}

/** Serves `routes` (by path, "/index.html") on 127.0.0.1, on a port the system picks. */
export async function serveRoutes(routes: Record<string, Route>): Promise<StaticServer> {
  const server = createServer((req, res) => {
    const route = Object.hasOwn(routes, req.url ?? "") ? routes[req.url!] : undefined;
    if (!route) {
      res.writeHead(404).end();
      return;
    }
    const body = "text" in route ? Promise.resolve(route.text) : readFile(route.file);
    body.then(
      (b) => res.writeHead(200, { "content-type": route.type }).end(b),
      (err: Error) => res.writeHead(500).end(err.message),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
