#!/usr/bin/env bash
# Usage: ensure-package.sh COMMAND DEBIAN-PACKAGE
# Tests drive real programs (QEMU, Chromium, ...). Install Debian's package when COMMAND is
# missing; do nothing when it is already there (a developer machine, a warm CI image).
set -euo pipefail
command_name=$1
package=$2

# Daemons such as qemu-ga live in /usr/sbin, which a user's PATH may lack: look there too.
found() { PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin" command -v "$command_name" >/dev/null 2>&1; }

if found; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "ensure-package: $command_name is missing and installing $package needs root (no sudo)" >&2
    exit 1
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-package: $command_name is missing and apt-get is unavailable; install $package by hand" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# --no-install-recommends keeps it to the program itself (no GUI extras, no firmware).
$SUDO apt-get install -y -q --no-install-recommends "$package"
found || {
  echo "ensure-package: apt-get finished but $command_name is still not installed" >&2
  exit 1
}
