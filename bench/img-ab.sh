#!/usr/bin/env bash
# jemu-img against qemu-img, interleaved (q j q j ...), same files, same run: convert raw<->qcow2, -> vmdk,
# compressed (zlib, zstd), bench 4 KiB reads/writes (raw, qcow2), info. For a shared, loaded machine:
# reports the median user+sys CPU seconds and the median wall time of each tool and their ratios, and the
# load average before and after. Every converted image is checked with qemu-img check / compare.
# Source image: the shared benchmark's src.raw / src.qcow2 (2 GiB, 1 GiB of random data), made by
# ../shared/bench/img/img-bench.sh if missing.
# JB=/path/to/other/bin/jemu-img adds a second jemu-img build (tool "b": q j b q j b ...) for before/after runs.
# env: BENCH_SHARED_IMG (../shared/bench/img)  NOSYNC=1 (no sync before each timed run)  RUNS (3) RUNS_SLOW (1, for -c) ONLY (op names) BENCH_CACHE (~/.cache/emu-bench) WORK (a private dir)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
RUNS="${RUNS:-3}"; RUNS_SLOW="${RUNS_SLOW:-1}"
ONLY="${ONLY:-raw-to-qcow2 qcow2-to-raw raw-to-vmdk raw-to-qcow2-c raw-to-qcow2-c-zstd bench-read-raw bench-read-qcow2 bench-write-raw bench-write-qcow2 info-qcow2}"
CACHE="${BENCH_CACHE:-$HOME/.cache/emu-bench}/img/work"
WORK="${WORK:-${TMPDIR:-/tmp}/jemu-img-ab}"
J="$ROOT/bin/jemu-img"; Q=qemu-img
[ -f "$ROOT/target/jemu.jar" ] || (cd "$ROOT" && . scripts/jdk.sh && mvn -B -q -DskipTests package)
if [ ! -s "$CACHE/src.raw" ] || [ ! -s "$CACHE/src.qcow2" ]; then
  shared="${BENCH_SHARED_IMG:-$ROOT/../shared/bench/img}/img-bench.sh"
  [ -f "$shared" ] || { echo "img-ab: $shared not found (set BENCH_SHARED_IMG to the shared img benchmark's folder)" >&2; exit 2; }
  ONLY=create-qcow2 bash "$shared" >/dev/null
fi
mkdir -p "$WORK"; cd "$WORK"
ln -sf "$CACHE/src.raw" src.raw; ln -sf "$CACHE/src.qcow2" src.qcow2
for jb in "$J" ${JB:+"$JB"}; do
  "$jb" info src.qcow2 >/dev/null   # records the AOT cache if the jar is new
  while [ -d "$(dirname "$(dirname "$jb")")/target/jemu-img.aot.lock" ]; do sleep 1; done
done
want() { [[ " $ONLY " == *" $1 "* ]]; }
T=$(mktemp)
# run NAME TOOL CMD...: appends "name tool cpu wall" to $T
run() {
  local name="$1" tool="$2"; shift 2
  # write back the previous run's dirty pages first (untimed), so that neither tool is throttled by the
  # other's writeback (without it qemu-img's wall time doubled while its CPU time stayed the same)
  [ -n "${NOSYNC:-}" ] || sync
  /usr/bin/time -f "%U %S %e" -o "$T.t" "$@" >/dev/null 2>"$T.e" || { echo "FAILED: $name $tool: $*"; cat "$T.e"; }
  read -r u s e < <(tail -1 "$T.t")
  echo "$name $tool $(echo "$u + $s" | bc) $e" >> "$T"
}
verify() { # image source
  case "$1" in *.raw) ;; *) qemu-img check -q "$1" || { echo "CHECK FAILED: $1"; exit 1; } ;; esac
  qemu-img compare -q "$2" "$1" || { echo "COMPARE FAILED: $1 vs $2"; exit 1; }
}
conv() { # name runs out-file source verify-source args...
  local name="$1" runs="$2" out="$3" src="$4" vsrc="$5"; shift 5
  want "$name" || return 0
  echo "--- $name"
  for ((i = 0; i < runs; i++)); do
    for tool in q j ${JB:+b}; do
      rm -f "$out"; local bin=$Q; [ $tool = j ] && bin=$J; [ $tool = b ] && bin=$JB
      run "$name" $tool $bin convert "$@" "$src" "$out"
      [ $i = 0 ] && verify "$out" "$vsrc"
    done
  done
  rm -f "$out"
}
ben() { # name file args...
  local name="$1" f="$2"; shift 2
  want "$name" || return 0
  echo "--- $name"
  for ((i = 0; i < RUNS; i++)); do
    run "$name" q $Q bench "$@" "$f"; run "$name" j $J bench "$@" "$f"
  done
}
load0=$(cut -d' ' -f1-3 /proc/loadavg)
conv raw-to-qcow2 "$RUNS" o.qcow2 src.raw src.raw -f raw -O qcow2
conv qcow2-to-raw "$RUNS" o.raw src.qcow2 src.raw -f qcow2 -O raw
conv raw-to-vmdk "$RUNS" o.vmdk src.raw src.raw -f raw -O vmdk
conv raw-to-qcow2-c "$RUNS_SLOW" oc.qcow2 src.raw src.raw -c -f raw -O qcow2
conv raw-to-qcow2-c-zstd "$RUNS_SLOW" oz.qcow2 src.raw src.raw -c -f raw -O qcow2 -o compression_type=zstd
if want bench-read-raw || want bench-write-raw; then cp --sparse=always src.raw io.raw; fi
if want bench-read-qcow2 || want bench-write-qcow2; then cp --sparse=always src.qcow2 io.qcow2; fi
ben bench-read-raw io.raw -f raw -c 200000 -d 32 -s 4k
ben bench-read-qcow2 io.qcow2 -f qcow2 -c 200000 -d 32 -s 4k
ben bench-write-raw io.raw -w -f raw -c 200000 -d 32 -s 4k
ben bench-write-qcow2 io.qcow2 -w -f qcow2 -c 200000 -d 32 -s 4k
if want info-qcow2; then
  echo "--- info-qcow2"
  for ((i = 0; i < RUNS; i++)); do run info-qcow2 q $Q info src.qcow2; run info-qcow2 j $J info src.qcow2; done
fi
load1=$(cut -d' ' -f1-3 /proc/loadavg)
rm -f io.raw io.qcow2
echo
echo "load average: before $load0, after $load1; $(nproc) cores; medians of interleaved runs"
python3 - "$T" <<'EOF'
import sys, statistics as st
rows = {}
for line in open(sys.argv[1]):
    n, t, cpu, wall = line.split()
    rows.setdefault(n, {}).setdefault(t, []).append((float(cpu), float(wall)))
print("| operation | runs | qemu-img cpu s | jemu-img cpu s | cpu ratio j/q | qemu-img wall s | jemu-img wall s | wall ratio j/q | wall min-max q / j |")
print("|---|---|---|---|---|---|---|---|---|")
for n, d in rows.items():
    q, j = d.get("q", []), d.get("j", [])
    if not q or not j: continue
    if d.get("b"):
        b = d["b"]; bs = sorted(w for _, w in b)
        print(f"  {n}: JB (before) cpu {st.median(c for c, _ in b):.2f} wall {st.median(w for _, w in b):.2f} ({bs[0]:.2f}-{bs[-1]:.2f}); j cpu {st.median(c for c, _ in j):.2f} wall {st.median(w for _, w in j):.2f}")
    qc, jc = st.median(c for c, _ in q), st.median(c for c, _ in j)
    qw, jw = st.median(w for _, w in q), st.median(w for _, w in j)
    qs, js = sorted(w for _, w in q), sorted(w for _, w in j)
    print(f"| {n} | {len(q)} | {qc:.2f} | {jc:.2f} | {jc/max(qc,1e-3):.2f} | {qw:.2f} | {jw:.2f} | {jw/max(qw,1e-3):.2f} | {qs[0]:.2f}-{qs[-1]:.2f} / {js[0]:.2f}-{js[-1]:.2f} |")
EOF
[ -n "${KEEP:-}" ] && cp "$T" "$KEEP"   # KEEP=file: every run's "op tool cpu wall"
rm -f "$T" "$T.t" "$T.e"
