#!/usr/bin/env bash
# Host CPU used by an idle guest: boots Debian's kernel + busybox initramfs, lets /init run
# `sleep SECS`, and samples the emulator's CPU time (utime+stime from /proc) over the middle of the
# sleep. Prints the idle CPU share (100% = one host core busy). Compares with QEMU.
# usage: [SECS=60] bench/system/idle-cpu.sh  (the window is the middle half of the sleep: with SECS=20 it
# still catches the JIT compiling the boot code, about 10–20 s after BOOT-OK under load)
set -eu
here="$(cd "$(dirname "$0")" && pwd)"; root="$(cd "$here/../.." && pwd)"
C="${JEMU_CACHE:-$HOME/.cache/jemu}/riscv64"
SECS="${SECS:-60}"
measure() {
  python3 - "$SECS" "$@" <<'PY'
import os, subprocess, sys, time, threading
secs = int(sys.argv[1]); cmd = sys.argv[2:]
p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
tick = os.sysconf('SC_CLK_TCK')
def cpu():
    # the emulator and its children (the launcher execs java, so the pid is java's)
    with open(f'/proc/{p.pid}/stat') as f: v = f.read().rsplit(')', 1)[1].split()
    return (int(v[11]) + int(v[12])) / tick
got = threading.Event()
def reader():
    for line in p.stdout:
        if b'CMD: sleep' in line: got.set()
threading.Thread(target=reader, daemon=True).start()
if not got.wait(900): print('no CMD marker'); p.kill(); sys.exit(1)
time.sleep(secs * 0.25)
c0, t0 = cpu(), time.time()
time.sleep(secs * 0.5)
c1, t1 = cpu(), time.time()
p.wait(900)
print(f'idle guest: {100 * (c1 - c0) / (t1 - t0):.1f}% of one host CPU over {t1 - t0:.1f} s')
PY
}
args=(-M virt -m 512M -nographic -kernel "$C/Image" -initrd "$C/initrd.gz" -append "console=ttyS0 quiet jemu.cmd=sleep,$SECS")
echo -n "qemu-system-riscv64: "; measure qemu-system-riscv64 "${args[@]}"
echo -n "jemu-system-riscv64: "; measure "$root/bin/jemu-system-riscv64" "${args[@]}"
