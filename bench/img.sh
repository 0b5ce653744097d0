#!/usr/bin/env bash
# jemu-img against qemu-img in the same run, on the same files, with the shared benchmark script
# (../shared/bench/img/img-bench.sh beside the repo, or $IMG_BENCH): convert raw<->qcow2, -> vmdk, compressed (-c),
# qemu-img bench sequential 4 KiB reads/writes. Prints both summary tables.
# env: RUNS (3) RUNS_SLOW (1) ONLY (ops; default below) BENCH_CACHE (~/.cache/emu-bench) IMG_BENCH
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
IMG_BENCH="${IMG_BENCH:-$(cd "$(dirname "$0")/.." && pwd)/../shared/bench/img/img-bench.sh}"
[ -x "$IMG_BENCH" ] || { echo "img.sh: $IMG_BENCH not found (set IMG_BENCH)"; exit 1; }
export RUNS="${RUNS:-3}" RUNS_SLOW="${RUNS_SLOW:-1}"
export ONLY="${ONLY:-create-qcow2 raw-to-qcow2 qcow2-to-raw raw-to-qcow2-c raw-to-vmdk info-qcow2 check-qcow2 snapshot snapshot-c snapshot-l bench-read-raw bench-read-qcow2 bench-write-raw bench-write-qcow2}"
CACHE="${BENCH_CACHE:-$HOME/.cache/emu-bench}/img"
[ -f "$ROOT/target/jemu.jar" ] || (cd "$ROOT" && . scripts/jdk.sh && mvn -B -q -DskipTests package)
# bench ops need io.raw / io.qcow2, which img-bench.sh copies only for the qemu-io ops
prep_io() { mkdir -p "$CACHE/work"; cd "$CACHE/work"; [ -s src.raw ] && [ -s src.qcow2 ] && { cp --reflink=auto src.raw io.raw; cp --reflink=auto src.qcow2 io.qcow2; }; cd - >/dev/null; }
out="$CACHE/compare"; mkdir -p "$out"
echo "=== qemu-img"
QEMU_IMG=qemu-img bash "$IMG_BENCH" >/dev/null 2>&1 || true   # first pass creates src.raw / src.qcow2
prep_io
QEMU_IMG=qemu-img bash "$IMG_BENCH" | tee "$out/qemu-img.md"
prep_io
echo "=== jemu-img"
QEMU_IMG="$ROOT/bin/jemu-img" bash "$IMG_BENCH" | tee "$out/jemu-img.md"
echo "tables in $out"
