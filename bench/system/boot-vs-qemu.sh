#!/usr/bin/env bash
# Boot time to BOOT-OK and to exit: jemu-system-riscv64 vs qemu-system-riscv64 in one run, through the
# shared benchmark script (../shared/bench/riscv64/bench-boot.sh beside the repo, EMU_SYSTEM = the emulator).
# usage: [RUNS=1] [SMPS="1 2"] bench/system/boot-vs-qemu.sh
set -eu
here="$(cd "$(dirname "$0")" && pwd)"; root="$(cd "$here/../.." && pwd)"
shared="${BENCH_SHARED:-$(cd "$(dirname "$0")/../.." && pwd)/../shared/bench/riscv64}"
export RUNS="${RUNS:-1}" SMPS="${SMPS:-1 2}"
echo "=== qemu-system-riscv64"
EMU_SYSTEM=qemu-system-riscv64 "$shared/bench-boot.sh" | sed -n '1,/^logs:/p'
echo "=== jemu-system-riscv64"
EMU_SYSTEM="$root/bin/jemu-system-riscv64" "$shared/bench-boot.sh" | sed -n '1,/^logs:/p'
