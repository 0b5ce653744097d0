#!/bin/sh
# Times bench/cpu/interp.c under jemu's interpreter (BareMetal: MIPS from retired instructions) and qemu-riscv64.
set -e
cd "$(dirname "$0")/../.."
. scripts/jdk.sh
out=target/bench-cpu; mkdir -p $out
riscv64-linux-gnu-gcc -march=rv64gc_zba_zbb_zbs -mabi=lp64d -O2 -nostdlib -static -ffreestanding -Wl,--build-id=none \
  -o $out/interp bench/cpu/interp.c
[ -f target/jemu.jar ] || mvn -B -q -DskipTests package
echo "jemu interpreter:"; /usr/bin/time -f "  %e s wall" java -cp target/jemu.jar org.jemu.target.riscv.BareMetal $out/interp
if command -v qemu-riscv64 >/dev/null; then echo "qemu-riscv64:"; /usr/bin/time -f "  %e s wall" qemu-riscv64 $out/interp; fi
