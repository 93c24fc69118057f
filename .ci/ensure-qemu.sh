#!/usr/bin/env bash
# The QMP client's tests drive a real QEMU: Debian's qemu-system-x86 (see ensure-package.sh).
exec bash "$(dirname "$0")/ensure-package.sh" qemu-system-x86_64 qemu-system-x86
