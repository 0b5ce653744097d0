#!/usr/bin/env bash
# Per-thread CPU seconds of one jemu run: the guest thread ("java" = the main vCPU thread), HotSpot's C1/C2
# compiler threads and the translator thread (jemu-tcg). On a loaded host, wall time says little; the guest
# thread's CPU is the steady-state cost and the compiler threads' CPU the JIT warm-up (docs/tcg.md).
#
# usage: bench/thread-cpu.sh COMMAND [ARGS...]      e.g. bench/thread-cpu.sh bin/jemu-riscv64 target/bench/rv/qsort 0.1
# The command's stdout/stderr go to $OUT.out/$OUT.err (default /tmp/thread-cpu). Samples /proc every 0.3 s and
# keeps, per thread, the largest CPU time seen (a thread's CPU time only grows; compiler threads that HotSpot
# stops when idle, and every thread at exit, take their counts with them). So the last ≤ 0.3 s of each thread
# are missing from the figures. KEEP_SAMPLES=1 keeps the raw samples in $OUT.samples.
set -u
OUT="${OUT:-/tmp/thread-cpu}"
"$@" > "$OUT.out" 2> "$OUT.err" &
pid=$!
samples="$OUT.samples"; : > "$samples"
while kill -0 "$pid" 2>/dev/null; do
  cat /proc/"$pid"/task/*/stat >> "$samples" 2>/dev/null
  sleep 0.3
done
wait "$pid"; rc=$?
python3 -c '
import sys, re, collections
hz = 100
best = {}
for l in open(sys.argv[1]):
    if "(" not in l: continue
    a, b = l.index("("), l.rindex(")")
    f = l[b + 2:].split()
    tid = l[:a].strip()
    name = re.sub(r"[0-9]+$", "#", l[a + 1:b])
    cpu = (int(f[11]) + int(f[12])) / hz
    if cpu >= best.get(tid, ("", -1))[1]: best[tid] = (name, cpu)
d = collections.Counter()
for name, cpu in best.values(): d[name] += cpu
print(" ".join("%s=%.2f" % (k.strip(), v) for k, v in d.most_common(5)), "total=%.2f" % sum(d.values()))
' "$samples"
[ -n "${KEEP_SAMPLES:-}" ] || rm -f "$samples"
exit $rc
