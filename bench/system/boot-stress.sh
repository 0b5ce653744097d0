#!/usr/bin/env bash
# Boots Linux N times with BootLinuxTest's -smp 2 command line (a raw virtio-mmio disk and a qcow2 one) and
# catches a boot that stays silent: when Linux has printed nothing (no "Linux version") after SILENT seconds,
# the JVM's threads are dumped twice (jcmd Thread.print, 5 s apart) beside the run's console log, so a hang
# shows where each hart's thread is. Written for the open "-smp 2 boot silent after OpenSBI" report (README,
# Known bugs). Run several at once to reproduce the load it was seen under.
#
# usage: bench/system/boot-stress.sh [N]     env: SMP (2)  SILENT (280 s)  LIMIT (420 s per boot)  OUT (dir)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
. "$root/scripts/jdk.sh"
N="${1:-10}"; SMP="${SMP:-2}"; SILENT="${SILENT:-280}"; LIMIT="${LIMIT:-420}"
C="${JEMU_CACHE:-$HOME/.cache/jemu}/riscv64"
OUT="${OUT:-$(mktemp -d /tmp/boot-stress.XXXXXX)}"; mkdir -p "$OUT"
[ -f "$C/Image" ] && [ -f "$C/initrd.gz" ] || { echo "boot-stress: run scripts/fetch-guests.sh first" >&2; exit 2; }
fails=0
for i in $(seq 1 "$N"); do
  rm -f "$OUT/d1.raw" "$OUT/d2.qcow2"
  truncate -s 4M "$OUT/d1.raw"
  "$root/bin/jemu-img" create -q -f qcow2 "$OUT/d2.qcow2" 4M
  log="$OUT/run$i.log"
  "$root/bin/jemu-system-riscv64" -M virt -nographic -smp "$SMP" -m 1G -kernel "$C/Image" -initrd "$C/initrd.gz" \
      -append "console=ttyS0 jemu.cmd=insmod,/lib/modules/virtio_mmio.ko;insmod,/lib/modules/virtio_blk.ko;head,-c,9,/dev/vda;echo" \
      -drive "file=$OUT/d1.raw,format=raw,if=virtio" -drive "file=$OUT/d2.qcow2,format=qcow2,if=none,id=q" \
      -device virtio-blk-device,drive=q < /dev/null > "$log" 2>&1 &
  pid=$!
  result="timeout"
  for s in $(seq 1 "$LIMIT"); do
    sleep 1
    if grep -aq "BOOT-OK" "$log"; then result="ok ${s}s"; break; fi
    kill -0 "$pid" 2>/dev/null || { result="exited"; break; }
    if [ "$s" = "$SILENT" ] && ! grep -aq "Linux version" "$log"; then
      # the launcher execs java, so $pid is the JVM
      "$JAVA_HOME/bin/jcmd" "$pid" Thread.print > "$OUT/run$i.stack1" 2>&1 || true
      sleep 5
      "$JAVA_HOME/bin/jcmd" "$pid" Thread.print > "$OUT/run$i.stack2" 2>&1 || true
      echo "run $i: silent after ${SILENT}s, threads dumped to $OUT/run$i.stack1/2"
    fi
  done
  kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  case "$result" in ok*) ;; *) fails=$((fails + 1)) ;; esac
  echo "run $i: $result"
done
echo "boot-stress: $fails of $N boots did not reach BOOT-OK (logs in $OUT)"
[ "$fails" = 0 ]
