#!/usr/bin/env bash
# The same CPU benchmarks inside a booted guest and in user mode: cross-compiles programs from the shared
# benchmark sources (../shared/bench/riscv64/src, -O2 -static), adds them to the project's busybox
# initramfs (/bench), boots Debian's kernel under qemu-system-riscv64 and jemu-system-riscv64 with
# /init running /bench/run NAME SCALE (times it with the guest's clock), then runs the same binary
# under qemu-riscv64 and jemu-riscv64 user mode. Prints seconds per program (guest clock for system
# mode, host wall clock for user mode) and the system/user ratio per emulator.
# usage: [BENCHES="sieve hash"] [SCALE=0.2] [SMP=1] [JEMU_SYS_ARGS="-accel tcg,thresh=500"] bench/system/guest-cpu.sh
set -eu
here="$(cd "$(dirname "$0")" && pwd)"; root="$(cd "$here/../.." && pwd)"
shared="${BENCH_SHARED:-}"
if [ -z "$shared" ]; then   # ../shared beside the repo (or beside the directory of worktrees)
  for d in "$root/../shared" "$root/../../shared"; do [ -d "$d/bench/riscv64" ] && { shared="$(cd "$d/bench/riscv64" && pwd)"; break; }; done
fi
C="${JEMU_CACHE:-$HOME/.cache/jemu}/riscv64"
BENCHES="${BENCHES:-sieve hash}"; SCALE="${SCALE:-0.2}"; SMP="${SMP:-1}"
for f in "$C/Image" "$C/initrd.gz" "$shared/src/sieve.c"; do
  [ -e "$f" ] || { echo "missing $f (run scripts/fetch-guests.sh; the shared bench sources sit beside the repo)" >&2; exit 1; }
done
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
mkdir -p "$work/root" "$work/bin"
( cd "$work/root" && gzip -dc "$C/initrd.gz" | cpio -id --quiet )
mkdir -p "$work/root/bench"
for b in $BENCHES; do
  riscv64-linux-gnu-gcc -O2 -static -o "$work/bin/$b" "$shared/src/$b.c"
  cp "$work/bin/$b" "$work/root/bench/$b"
done
cat > "$work/root/bench/run" <<'EOF'
#!/bin/sh
# run NAME SCALE: runs /bench/NAME SCALE and prints its duration by the guest's clock
t0=$(cut -d' ' -f1 /proc/uptime)
/bench/$1 $2
rc=$?
t1=$(cut -d' ' -f1 /proc/uptime)
echo "BENCH-RESULT $1 rc=$rc guest_seconds=$(awk "BEGIN{print $t1-$t0}")"
EOF
chmod 755 "$work/root/bench/run"
( cd "$work/root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -1 > "$work/initrd.gz" )

guest() {  # guest EMULATOR NAME [ARGS...] -> seconds by the guest clock
  local emu="$1" name="$2"; shift 2
  "$emu" "$@" -M virt -smp "$SMP" -m 512M -nographic -no-reboot -kernel "$C/Image" -initrd "$work/initrd.gz" \
    -append "console=ttyS0 quiet jemu.cmd=/bench/run,$name,$SCALE" </dev/null 2>&1 \
    | tr -d '\r' | sed -n 's/^BENCH-RESULT .* guest_seconds=\([0-9.]*\).*/\1/p' | head -1
}
user() {   # user EMULATOR NAME -> host wall seconds
  local t0 t1; t0=$(date +%s.%N); "$1" "$work/bin/$2" "$SCALE" >/dev/null; t1=$(date +%s.%N)
  awk "BEGIN{printf \"%.2f\", $t1-$t0}"
}
echo "load: $(cut -d' ' -f1-3 /proc/loadavg); scale=$SCALE smp=$SMP"
printf '%-8s %-12s %-12s %-12s %-12s %-10s %-10s\n' bench qemu-sys qemu-user jemu-sys jemu-user "qemu s/u" "jemu s/u"
for b in $BENCHES; do
  qs=$(guest qemu-system-riscv64 "$b"); qu=$(user qemu-riscv64 "$b")
  js=$(guest "$root/bin/jemu-system-riscv64" "$b" ${JEMU_SYS_ARGS:-}); ju=$(user "$root/bin/jemu-riscv64" "$b")
  printf '%-8s %-12s %-12s %-12s %-12s %-10s %-10s\n' "$b" "${qs:-NA}" "$qu" "${js:-NA}" "$ju" \
    "$(awk "BEGIN{if (\"$qs\"!=\"\") printf \"%.2fx\", $qs/$qu; else print \"NA\"}")" \
    "$(awk "BEGIN{if (\"$js\"!=\"\") printf \"%.2fx\", $js/$ju; else print \"NA\"}")"
done
