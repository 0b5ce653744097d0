#!/usr/bin/env bash
# Fetches the real guest software jemu is tested on from Debian's package archive into a cache outside
# the repository: ${JEMU_CACHE:-$HOME/.cache/jemu}. Nothing fetched here is ever committed.
#
#   riscv64/Image            Debian trixie's riscv64 kernel (flat Image with EFI stub)
#   riscv64/modules/         its virtio/ext4 modules, decompressed (.ko)
#   riscv64/busybox          busybox-static (riscv64)
#   riscv64/sysroot/         libc6, coreutils, xz-utils, gzip, lua5.4 … (for jemu-riscv64 -L)
#   riscv64/fw_dynamic.bin   OpenSBI generic fw_dynamic from Debian's opensbi package
#   riscv64/initrd.gz        busybox initramfs whose /init runs the commands given with jemu.cmd=
#
# Idempotent: what is already in the cache is kept. Exit status 0 only if everything is there.
set -euo pipefail
CACHE="${JEMU_CACHE:-$HOME/.cache/jemu}"
R="$CACHE/riscv64"; APTD="$CACHE/apt-trixie"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
mkdir -p "$R" "$APTD/state/lists/partial" "$APTD/cache/archives/partial" "$APTD/debs"
echo "deb [arch=riscv64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $MIRROR trixie main" > "$APTD/sources.list"
A=(-o Dir::Etc::SourceList="$APTD/sources.list" -o Dir::Etc::SourceParts=/dev/null
   -o Dir::State="$APTD/state" -o Dir::Cache="$APTD/cache" -o Debug::NoLocking=1 -o APT::Sandbox::User=root
   -o APT::Architectures::=riscv64 -o APT::Architecture=riscv64)
if [ ! -f "$APTD/updated" ] || [ -n "$(find "$APTD/updated" -mtime +6 2>/dev/null)" ]; then
  apt-get "${A[@]}" -q update >/dev/null && touch "$APTD/updated"
fi
dl() { ( cd "$APTD/debs" && apt-get "${A[@]}" -q download "$@" >/dev/null ); }
deb_of() { ls "$APTD/debs/${1}_"*.deb 2>/dev/null | head -1; }

# --- kernel: resolve the versioned image behind the meta package
KPKG=$(apt-cache "${A[@]}" depends linux-image-riscv64:riscv64 2>/dev/null | sed -n 's/.*Depends: \(linux-image-[0-9][^:]*\).*/\1/p' | head -1)
[ -n "$KPKG" ] || { echo "fetch-guests: cannot resolve linux-image-riscv64 in trixie" >&2; exit 1; }
KVER=${KPKG#linux-image-}
if [ ! -f "$R/Image" ] || [ "$(cat "$R/kernel-version" 2>/dev/null)" != "$KVER" ]; then
  [ -n "$(deb_of "$KPKG")" ] || dl "$KPKG:riscv64"
  rm -rf "$R/k"; dpkg-deb -x "$(deb_of "$KPKG")" "$R/k"
  cp "$R/k/boot/vmlinux-$KVER" "$R/Image"
  rm -rf "$R/modules"; mkdir -p "$R/modules"
  M="$R/k/usr/lib/modules/$KVER/kernel"
  for m in drivers/virtio/virtio_mmio drivers/block/virtio_blk drivers/net/net_failover net/core/failover \
           drivers/net/virtio_net drivers/char/hw_random/virtio-rng lib/crc16 fs/mbcache fs/jbd2/jbd2 \
           lib/crc32c_generic crypto/crc32c_generic fs/ext4/ext4; do
    for f in "$M/$m.ko.xz"; do [ -f "$f" ] && xz -dc "$f" > "$R/modules/$(basename "$m").ko"; done
  done
  rm -rf "$R/k"
  echo "$KVER" > "$R/kernel-version"
fi

# --- busybox
if [ ! -x "$R/busybox" ]; then
  [ -n "$(deb_of busybox-static)" ] || dl busybox-static:riscv64
  t=$(mktemp -d); dpkg-deb -x "$(deb_of busybox-static)" "$t"
  cp "$t/usr/bin/busybox" "$R/busybox" 2>/dev/null || cp "$t/bin/busybox" "$R/busybox"; rm -rf "$t"
fi

# --- sysroot for dynamically linked programs
PKGS="libc6 libgcc-s1 libstdc++6 xz-utils liblzma5 gzip coreutils libacl1 libattr1 libcap2 libgmp10
      libselinux1 libpcre2-8-0 libssl3t64 libzstd1 zlib1g lua5.4 liblua5.4-0 libreadline8t64 libtinfo6"
if [ ! -x "$R/sysroot/usr/bin/xz" ] || [ ! -x "$R/sysroot/usr/bin/lua5.4" ]; then
  need=(); for p in $PKGS; do [ -n "$(deb_of "$p")" ] || need+=("$p:riscv64"); done
  [ ${#need[@]} -eq 0 ] || dl "${need[@]}"
  rm -rf "$R/sysroot"; mkdir -p "$R/sysroot"
  for p in $PKGS; do dpkg-deb -x "$(deb_of "$p")" "$R/sysroot"; done
  for d in lib bin sbin; do [ -e "$R/sysroot/$d" ] || ln -s "usr/$d" "$R/sysroot/$d"; done
fi

# --- OpenSBI firmware (Debian's opensbi package, architecture all, from the host's own archive)
if [ ! -f "$R/fw_dynamic.bin" ]; then
  t=$(mktemp -d)
  ( cd "$t" && apt-get -q download opensbi >/dev/null ) && dpkg-deb -x "$t"/opensbi_*.deb "$t/x"
  cp "$t/x/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin" "$R/fw_dynamic.bin"; rm -rf "$t"
fi

# --- initramfs: busybox, the modules, and an /init that runs jemu.cmd=… then powers off
if [ ! -f "$R/initrd.gz" ] || [ "$0" -nt "$R/initrd.gz" ] || [ "$R/busybox" -nt "$R/initrd.gz" ]; then
  t=$(mktemp -d); mkdir -p "$t"/{bin,sbin,proc,sys,dev,tmp,mnt,lib/modules,etc}
  cp "$R/busybox" "$t/bin/busybox"; cp "$R"/modules/*.ko "$t/lib/modules/" 2>/dev/null || true
  cat > "$t/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin:/sbin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev 2>/dev/null
echo "BOOT-OK uptime=$(cut -d' ' -f1 /proc/uptime)"
for a in $(cat /proc/cmdline); do
  case "$a" in
    jemu.mods=1)
      for m in virtio_mmio virtio_blk virtio-rng crc16 mbcache jbd2 crc32c_generic ext4; do
        [ -f /lib/modules/$m.ko ] && { insmod /lib/modules/$m.ko 2>/dev/null && echo "MOD-OK $m" || echo "MOD-FAIL $m"; }
      done ;;
    jemu.cmd=*) c=$(echo "${a#jemu.cmd=}" | tr ',' ' '); echo "CMD: $c"; sh -c "$c"; echo "CMD-RC $?" ;;
    jemu.shell=1) setsid cttyhack sh; ;;
  esac
done
echo "JEMU-DONE"
poweroff -f
INIT
  chmod 755 "$t/init"
  ( cd "$t" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -9 > "$R/initrd.gz" )
  rm -rf "$t"
fi
echo "guest material in $R:"; ls "$R"
