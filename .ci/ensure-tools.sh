#!/usr/bin/env bash
# Tools the tests and the build use besides QEMU: tmux (the shell's terminal tests) and a C
# toolchain (node-gyp builds the optional fd-passing addon, a dev dependency, at `npm ci`).
# Each is installed from Debian's packages only when its command is missing.
set -euo pipefail

missing=()
for pair in tmux:tmux g++:g++ make:make python3:python3; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "ensure-tools: missing ${missing[*]}, and installing needs root (no sudo)" >&2
    exit 1
  fi
fi
command -v apt-get >/dev/null 2>&1 || {
  echo "ensure-tools: missing ${missing[*]}, and apt-get is unavailable; install them by hand" >&2
  exit 1
}
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
