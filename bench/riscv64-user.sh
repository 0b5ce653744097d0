#!/usr/bin/env bash
# jemu vs QEMU in user mode: the nine workloads of ../shared/bench/riscv64 (beside the repo) (sieve hash qsort matmul memstr
# from its src/*.c; xz -9, gzip -9 of 20 MiB, sha256sum of 200 MiB, lua5.4 bench.lua via -L sysroot), each run
# under qemu-riscv64 and bin/jemu-riscv64 back to back (JVM start-up included), plus native x86_64 for the C
# programs. Prints min/median wall seconds, jemu/qemu ratio of medians and the geometric mean of the ratios.
#
# usage: bench/riscv64-user.sh [WORKLOAD...]
#   RUNS=3            runs per emulator and workload (median reported)
#   SCALE=1           work scale passed to the C programs (e.g. 0.2 for a quick look)
#   JEMU_JAVA_OPTS=…  extra JVM options for jemu (e.g. -Djemu.tcg.thresh=off to time the interpreter alone)
#   JEMU_ARGS=…       extra jemu options (e.g. "-accel tcg,thresh=all")
#   BENCH_SRC=../shared/bench/riscv64      where src/*.c and bench.lua live
#   JEMU_CACHE=~/.cache/jemu               guest material (sysroot, Image) from scripts/fetch-guests.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH_SRC="${BENCH_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/../shared/bench/riscv64}"
CACHE="${JEMU_CACHE:-$HOME/.cache/jemu}/riscv64"
OUT="${BENCH_OUT:-$root/target/bench}"
RUNS="${RUNS:-3}"; SCALE="${SCALE:-1}"
QEMU="${QEMU:-qemu-riscv64}"
JEMU="$root/bin/jemu-riscv64 ${JEMU_ARGS:-}"
SYSROOT="$CACHE/sysroot"
ALL="sieve hash qsort matmul memstr xz gzip sha256 lua"
WORK="${*:-$ALL}"

need() { command -v "$1" >/dev/null || { echo "bench: '$1' is not installed" >&2; exit 2; }; }
need "$QEMU"; need riscv64-linux-gnu-gcc; need python3
[ -f "$root/target/jemu.jar" ] || { echo "bench: build jemu first (mvn -q -DskipTests package)" >&2; exit 2; }
mkdir -p "$OUT/rv" "$OUT/native" "$OUT/data" "$OUT/log"

# --- inputs ---
for src in "$BENCH_SRC"/src/*.c; do
  b=$(basename "$src" .c)
  [ "$OUT/rv/$b" -nt "$src" ] || riscv64-linux-gnu-gcc -O2 -static -o "$OUT/rv/$b" "$src"
  if command -v gcc >/dev/null; then [ "$OUT/native/$b" -nt "$src" ] || gcc -O2 -static -o "$OUT/native/$b" "$src" 2>/dev/null || true; fi
done
D="$OUT/data"
if [ ! -f "$D/in20m.bin" ] || [ ! -f "$D/in200m.bin" ]; then
  [ -f "$CACHE/Image" ] || { echo "bench: $CACHE/Image missing (scripts/fetch-guests.sh)" >&2; exit 2; }
  head -c 20M "$CACHE/Image" > "$D/in20m.bin"
  { for i in $(seq 1 12); do cat "$CACHE/Image"; done; } | head -c 200M > "$D/in200m.bin" || true
fi
cp "$BENCH_SRC/src/bench.lua" "$D/bench.lua"

# cmd WORKLOAD RUNNER  → the command line (RUNNER empty = native)
cmd_for() {
  local w=$1 r=$2 L=""
  [ -n "$r" ] && L="-L $SYSROOT"
  case "$w" in
    sieve|hash|qsort|matmul|memstr) if [ -n "$r" ]; then echo "$r $OUT/rv/$w $SCALE"; else echo "$OUT/native/$w $SCALE"; fi ;;
    xz)     [ -n "$r" ] && echo "$r $L $SYSROOT/usr/bin/xz -9 -T1 -c $D/in20m.bin" ;;
    gzip)   [ -n "$r" ] && echo "$r $L $SYSROOT/usr/bin/gzip -9 -c $D/in20m.bin" ;;
    sha256) [ -n "$r" ] && echo "$r $L $SYSROOT/usr/bin/sha256sum $D/in200m.bin" ;;
    lua)    [ -n "$r" ] && echo "$r $L $SYSROOT/usr/bin/lua5.4 $D/bench.lua" ;;
  esac
  return 0
}

# time_runs CMD TAG → prints "min median" (seconds); checksum of stdout in $OUT/log/TAG.sum
time_runs() {
  local cmd=$1 tag=$2 ts=() i t0 t1 rc
  for ((i = 0; i < RUNS; i++)); do
    t0=$(date +%s.%N)
    set +e; $cmd > "$OUT/log/$tag.out" 2> "$OUT/log/$tag.err"; rc=$?; set -e
    t1=$(date +%s.%N)
    [ $rc -eq 0 ] || { echo "FAIL(rc=$rc)"; return 0; }
    ts+=("$(echo "$t1 - $t0" | bc -l)")
  done
  sha256sum < "$OUT/log/$tag.out" | cut -c1-16 > "$OUT/log/$tag.sum"
  printf '%s\n' "${ts[@]}" | sort -g | awk '{a[NR]=$1} END{m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.3f %.3f\n",a[1],m}'
}

echo "jemu vs QEMU user mode — $(date -u '+%Y-%m-%d %H:%M UTC'), runs=$RUNS scale=$SCALE, $(nproc) host cores"
echo "qemu: $($QEMU --version | head -1)"
echo "jemu: $JEMU ${JEMU_JAVA_OPTS:+(JEMU_JAVA_OPTS=$JEMU_JAVA_OPTS)}"
printf '%-8s %16s %16s %16s %10s %s\n' workload "native min/med" "qemu min/med" "jemu min/med" "jemu/qemu" output
logsum=0; n=0
for w in $WORK; do
  nat="-"
  cn=$(cmd_for "$w" "")
  if [ -n "$cn" ] && [ -x "$OUT/native/$w" ]; then nat=$(time_runs "$cn" "$w.native"); fi
  q=$(time_runs "$(cmd_for "$w" "$QEMU")" "$w.qemu")
  j=$(time_runs "$(cmd_for "$w" "$JEMU")" "$w.jemu")
  same="match"
  if [[ "$j" == FAIL* ]]; then same="jemu failed (see $OUT/log/$w.jemu.err)"
  elif ! cmp -s "$OUT/log/$w.qemu.sum" "$OUT/log/$w.jemu.sum"; then same="DIFFERS"; fi
  ratio="-"
  if [[ "$q" != FAIL* && "$j" != FAIL* ]]; then
    qm=$(echo "$q" | cut -d' ' -f2); jm=$(echo "$j" | cut -d' ' -f2)
    ratio=$(echo "$jm / $qm" | bc -l | xargs printf '%.2f')
    logsum=$(echo "$logsum + l($jm / $qm)" | bc -l); n=$((n + 1))
  fi
  printf '%-8s %16s %16s %16s %10s %s\n' "$w" "${nat/ //}" "${q/ //}" "${j/ //}" "$ratio" "$same"
done
if [ $n -gt 0 ]; then printf 'geomean jemu/qemu over %d workloads: %.2f\n' "$n" "$(echo "e($logsum / $n)" | bc -l)"; fi
