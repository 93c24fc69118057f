// A typed program for the guest agent (qemu-ga): what the agent is, a ping, and with --shutdown
// a command that sends no reply on success, whose refusal is still reported.
//
//   npx qapi-ts generate QEMU/qga/qapi-schema.json -o examples/generated/qga
//   npx tsc examples/guest-agent.ts --outDir /tmp/ex ... && node /tmp/ex/guest-agent.js SOCKET
//
// SOCKET is qemu-ga's own (`qemu-ga -m unix-listen -p SOCKET`) or the host side of a guest's
// virtio-serial port (`-chardev socket,path=SOCKET,server=on,wait=off,id=qga0 -device
// virtio-serial -device virtserialport,chardev=qga0,name=org.qemu.guest_agent.0`). The client
// synchronises with the agent on connecting and after a timeout, and reconnects (and
// synchronises again) when the agent restarts.

import { createQga } from "./generated/qga/client.ts";

const socket = process.argv[2];
if (socket === undefined) {
  console.error("usage: guest-agent SOCKET [--shutdown]");
  process.exit(2);
}
const qga = createQga({ socket }, { commandTimeoutMs: 10_000, reconnect: true });
await qga.connect();
try {
  // Typed by the schema: the result is GuestAgentInfo.
  const info = await qga.execute("guest-info");
  const enabled = info.supported_commands.filter((c) => c.enabled).length;
  console.log(`agent ${info.version}: ${enabled} commands enabled`);
  await qga.execute("guest-ping");
  console.log("guest-ping: answered");
  if (process.argv.includes("--shutdown")) {
    // No reply when it works: resolved once sent. A refusal comes before the agent's reply to
    // any later command, so a ping tells sooner (the guest may already be going away).
    const sent = await qga.execute("guest-shutdown", { mode: "powerdown" });
    await qga.execute("guest-ping").catch(() => undefined);
    const refused = await sent.refusal;
    console.log(
      refused
        ? `guest-shutdown refused: ${refused.class}: ${refused.desc}`
        : "guest-shutdown: sent, not refused",
    );
  }
} finally {
  await qga.close();
}
