// One-shot helper for tools (the CLI's `probe --socket`): connect, fetch query-qmp-schema,
// disconnect. Returns the reply array as QEMU sent it, so callers index it exactly as they
// index a reply read from a file.

import { QmpClient } from "./client.ts";
import type { QmpClientOptions } from "./types.ts";
import type { QmpTarget } from "./transport.ts";

export async function fetchQmpSchema(
  target: QmpTarget,
  options: QmpClientOptions = {},
): Promise<unknown> {
  const client = new QmpClient(target, options);
  await client.connect();
  try {
    return await client.execute("query-qmp-schema");
  } finally {
    await client.close();
  }
}
