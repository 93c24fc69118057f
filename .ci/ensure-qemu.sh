#!/usr/bin/env bash
# The QMP client's tests drive a real QEMU, the guest agent's a real qemu-ga (run on the host).
# Install Debian's qemu-system-x86 and qemu-guest-agent when their binaries are missing; do
# nothing when they are already there (a developer machine, a warm CI image).
set -euo pipefail

missing=()
command -v qemu-system-x86_64 >/dev/null 2>&1 || missing+=(qemu-system-x86)
# qemu-ga lives in /usr/sbin, which a user's PATH may lack.
command -v qemu-ga >/dev/null 2>&1 || [ -x /usr/sbin/qemu-ga ] || missing+=(qemu-guest-agent)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "ensure-qemu: ${missing[*]} missing and installing needs root (no sudo)" >&2
    exit 1
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-qemu: ${missing[*]} missing and apt-get is unavailable; install by hand" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# --no-install-recommends keeps it to the emulator and the agent (no GUI, no firmware extras).
# The agent's package starts no service where there is no virtio port for it (no guest here).
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
command -v qemu-system-x86_64 >/dev/null 2>&1 || {
  echo "ensure-qemu: apt-get finished but qemu-system-x86_64 is still not on PATH" >&2
  exit 1
}
command -v qemu-ga >/dev/null 2>&1 || [ -x /usr/sbin/qemu-ga ] || {
  echo "ensure-qemu: apt-get finished but qemu-ga is still not installed" >&2
  exit 1
}
