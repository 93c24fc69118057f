// The QMP client's public surface. runtime/ depends on nothing in generator/.
export { QmpClient } from "./client.ts";
export type { QmpGreeting } from "./connection.ts";
export { DEFAULT_MAX_MESSAGE_BYTES, MAX_JSON_DEPTH } from "./framing.ts";
// Every type of the client's options, commands and events (types.ts holds nothing else).
export type * from "./types.ts";
export { QmpError, QmpClientError, type QmpClientErrorCode } from "./errors.ts";
export {
  EventQueue,
  type EventIteratorOptions,
  type OverflowPolicy,
  type QmpEvent,
} from "./events.ts";
export { parseHostPort, type QmpTarget } from "./transport.ts";
export { fetchQmpSchema } from "./fetch-schema.ts";
export {
  debugWireLogger,
  formatWireLogEntry,
  type WireLogEntry,
  type WireLogger,
} from "./wire-log.ts";
