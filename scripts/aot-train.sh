#!/usr/bin/env bash
# Builds the JDK's AOT cache for jemu-system-riscv64 (JEP 483/514/515: classes loaded and linked ahead of
# time, plus the method profiles of a training run, so HotSpot compiles the interpreter with a complete
# profile from the start instead of warming up and deoptimising through the first seconds of every run).
# The training run boots Debian's kernel + busybox initramfs (scripts/fetch-guests.sh) to poweroff.
# bin/jemu-launcher uses target/aot/<main class>.aot when it is newer than target/jemu.jar; a rebuilt jar
# (or JEMU_AOT=0) runs without it. Run it again after each `mvn package`.
# usage: scripts/aot-train.sh            (idempotent: does nothing when the cache is newer than the jar)
set -eu
root="$(cd "$(dirname "$0")/.." && pwd)"
C="${JEMU_GUESTS:-$HOME/.cache/jemu/riscv64}"
main=org.jemu.cli.SystemRiscv64
out="$root/target/aot/$main.aot"
jar="$root/target/jemu.jar"
[ -f "$jar" ] || { echo "aot-train: $jar is missing: build first (mvn -q -DskipTests package)" >&2; exit 1; }
for f in Image initrd.gz; do
  [ -f "$C/$f" ] || { echo "aot-train: $C/$f is missing: run scripts/fetch-guests.sh" >&2; exit 1; }
done
if [ -f "$out" ] && [ "$out" -nt "$jar" ] && [ "${FORCE:-0}" = 0 ]; then echo "aot-train: $out is up to date"; exit 0; fi
mkdir -p "$root/target/aot"
rm -f "$out" "$out.config"
log="$root/target/aot/train.log"
echo "aot-train: training run (Linux boot to poweroff, ~30-60 s), log in $log"
# JEMU_AOT=0: the training JVM must not map an older cache; the launcher adds the same JVM options as
# in normal runs (the cache is only used with the options it was created with)
JEMU_AOT=0 JEMU_JAVA_OPTS="-XX:AOTCacheOutput=$out ${JEMU_JAVA_OPTS:-}" timeout 600 \
  "$root/bin/jemu-system-riscv64" -M virt -smp 1 -m 512M -nographic -no-reboot \
  -kernel "$C/Image" -initrd "$C/initrd.gz" -append "console=ttyS0 jemu.mods=1" </dev/null >"$log" 2>&1 || {
  echo "aot-train: the training run failed (see $log)" >&2; rm -f "$out"; exit 1; }
grep -q BOOT-OK "$log" || { echo "aot-train: the training boot did not reach BOOT-OK (see $log)" >&2; rm -f "$out"; exit 1; }
[ -f "$out" ] || { echo "aot-train: no cache written (see $log)" >&2; exit 1; }
echo "aot-train: wrote $out ($(du -h "$out" | cut -f1))"
