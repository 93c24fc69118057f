// qapi-ts/qga: the guest agent's client (qemu-ga), typed by a command map as the QMP client is.
// It shares the QMP client's errors, wire log and types; see agent-client.ts for the protocol.
export {
  DEFAULT_NO_SUCCESS_RESPONSE,
  QgaClient,
  type CommandSent,
  type DefaultNoSuccessResponse,
  type QgaClientOptions,
  type QgaTarget,
} from "./agent-client.ts";
export { QmpError, QmpClientError, type QmpClientErrorCode } from "../qmp/errors.ts";
export type {
  AnyCommands,
  ArgsOf,
  CommandSpec,
  ExecuteOptions,
  ExecuteParams,
  ReconnectOptions,
  ReturnsOf,
  Validators,
} from "../qmp/types.ts";
export {
  debugWireLogger,
  formatWireLogEntry,
  type WireLogEntry,
  type WireLogger,
} from "../qmp/wire-log.ts";
