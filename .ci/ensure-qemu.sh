#!/usr/bin/env bash
# The QMP client's tests drive a real QEMU. Install Debian's qemu-system-x86 when the binary
# is missing; do nothing when it is already there (a developer machine, a warm CI image).
set -euo pipefail

if command -v qemu-system-x86_64 >/dev/null 2>&1; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "ensure-qemu: qemu-system-x86_64 is missing and installing it needs root (no sudo)" >&2
    exit 1
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-qemu: qemu-system-x86_64 is missing and apt-get is unavailable; install QEMU by hand" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# --no-install-recommends keeps it to the emulator itself (no GUI, no firmware extras).
$SUDO apt-get install -y -q --no-install-recommends qemu-system-x86
command -v qemu-system-x86_64 >/dev/null 2>&1 || {
  echo "ensure-qemu: apt-get finished but qemu-system-x86_64 is still not on PATH" >&2
  exit 1
}
