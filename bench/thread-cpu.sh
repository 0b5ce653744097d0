#!/usr/bin/env bash
# Per-thread CPU seconds of one jemu run: the guest thread ("java" = the main vCPU thread), HotSpot's C1/C2
# compiler threads and the translator thread (jemu-tcg). On a loaded host, wall time says little; the guest
# thread's CPU is the steady-state cost and the compiler threads' CPU the JIT warm-up (docs/tcg.md).
#
# usage: bench/thread-cpu.sh COMMAND [ARGS...]      e.g. bench/thread-cpu.sh bin/jemu-riscv64 target/bench/rv/qsort 0.1
# The command's stdout/stderr go to $OUT.out/$OUT.err (default /tmp/thread-cpu). Samples /proc every 0.3 s and
# reports the last sample taken while the compiler threads were still alive (the process is gone at exit).
set -u
OUT="${OUT:-/tmp/thread-cpu}"
"$@" > "$OUT.out" 2> "$OUT.err" &
pid=$!
last=""; best=0
while kill -0 "$pid" 2>/dev/null; do
  s=$(cat /proc/"$pid"/task/*/stat 2>/dev/null)
  n=$(printf '%s\n' "$s" | grep -c Compiler)
  if [ -n "$s" ] && [ "$n" -ge "$best" ]; then last="$s"; best=$n; fi
  sleep 0.3
done
wait "$pid"; rc=$?
printf '%s\n' "$last" | python3 -c '
import sys, re, collections
hz = 100
d = collections.Counter()
for l in sys.stdin:
    if "(" not in l: continue
    a, b = l.index("("), l.rindex(")")
    f = l[b + 2:].split()
    d[re.sub(r"[0-9]+$", "#", l[a + 1:b])] += (int(f[11]) + int(f[12])) / hz
print(" ".join("%s=%.2f" % (k.strip(), v) for k, v in d.most_common(5)), "total=%.2f" % sum(d.values()))
'
exit $rc
