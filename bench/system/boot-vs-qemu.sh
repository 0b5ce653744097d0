#!/usr/bin/env bash
# Boot time to BOOT-OK and to exit: jemu-system-riscv64 vs qemu-system-riscv64 in one run, through the
# shared benchmark script (../shared/bench/riscv64/bench-boot.sh beside the repo, EMU_SYSTEM = the emulator).
# usage: [RUNS=1] [SMPS="1 2"] bench/system/boot-vs-qemu.sh
set -eu
here="$(cd "$(dirname "$0")" && pwd)"; root="$(cd "$here/../.." && pwd)"
shared="${BENCH_SHARED:-$(cd "$(dirname "$0")/../.." && pwd)/../shared/bench/riscv64}"
export RUNS="${RUNS:-1}" SMPS="${SMPS:-1 2}"
# the JDK's AOT cache for jemu-system-riscv64 (scripts/aot-train.sh: one training boot; nothing to do when
# the cache is newer than the jar). NOAOT=1 measures without it.
if [ "${NOAOT:-0}" = 1 ]; then export JEMU_AOT=0; else "$root/scripts/aot-train.sh"; fi
echo "=== qemu-system-riscv64"
EMU_SYSTEM=qemu-system-riscv64 "$shared/bench-boot.sh" | sed -n '1,/^logs:/p'
echo "=== jemu-system-riscv64"
EMU_SYSTEM="$root/bin/jemu-system-riscv64" "$shared/bench-boot.sh" | sed -n '1,/^logs:/p'
