#!/usr/bin/env bash
# Builds jemu, fetches Debian's riscv64 guest material, and runs the default guest.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/jdk.sh
mvn -B -q -DskipTests package
bash scripts/fetch-guests.sh >/dev/null
R="${JEMU_CACHE:-$HOME/.cache/jemu}/riscv64"
echo "== user mode: Debian's busybox under bin/jemu-riscv64"
bin/jemu-riscv64 "$R/busybox" sh -c 'echo "hello from $(uname -m) busybox"; echo 3 1 2 | tr " " "\n" | sort | tr "\n" " "; echo'
echo "== system mode: Debian's kernel + OpenSBI on the virt board, busybox initramfs (powers off by itself)"
bin/jemu-system-riscv64 -M virt -smp 1 -m 512M -nographic -kernel "$R/Image" -initrd "$R/initrd.gz" \
  -append "console=ttyS0 quiet jemu.cmd=uname,-a;cat,/proc/cpuinfo"
