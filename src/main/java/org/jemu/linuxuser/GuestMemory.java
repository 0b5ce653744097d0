package org.jemu.linuxuser;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * A user-mode guest's address space: guest address {@code a} is host address {@code guestBase + a} inside
 * one host reservation (PROT_NONE, MAP_NORESERVE) of {@link #size} bytes; what the guest maps is mapped
 * there for real, so syscalls hand guest buffers straight to the host kernel.
 *
 * <p>Jemu never touches a host page the guest has not mapped: every access from the CPU and every
 * pointer a syscall passes to the host is checked first against the guest page table ({@link #flags}), a
 * two-level byte table of {@code PAGE_*} bits per 4 KiB page. A failed check is a guest fault (SIGSEGV
 * with the faulting address) or -EFAULT, never a host SIGSEGV inside the JVM.
 *
 * <p>Private mappings are host read/write whatever the guest protection (the table enforces it); shared
 * file mappings carry the guest's read/write protection on the host too, since the host kernel must
 * refuse what Linux would refuse.
 */
public final class GuestMemory {
    public static final int PAGE_BITS = 12;
    public static final long PAGE_SIZE = 1L << PAGE_BITS;
    public static final long PAGE_MASK = PAGE_SIZE - 1;

    /** Page-table bits: the guest's PROT_* plus bookkeeping. */
    public static final byte PAGE_READ = 1, PAGE_WRITE = 2, PAGE_EXEC = 4, PAGE_VALID = 8, PAGE_SHARED = 16;

    private static final int L2_BITS = 16;
    private static final int L2_SIZE = 1 << L2_BITS;

    public final long guestBase;
    public final long size;
    /** flags[page >>> 16][page & 0xffff]; a null second level means nothing mapped there. */
    public final byte[][] flags;
    /**
     * The same bits as one flat byte per page outside the Java heap ({@code size >>> PAGE_BITS} bytes of
     * MAP_NORESERVE memory: only the parts covering mapped pages are ever touched), at this host address:
     * translated code reads a page's bits with one load and no Java array checks
     * ({@link org.jemu.tcg.PageTableMemory}). Written together with {@link #flags}.
     */
    public final long pageTable;
    private final MemorySegment seg;

    /** Bottom of the mmap search area (as Linux's mmap_base, allocations grow down from it). */
    private long mmapTop;
    private volatile BiConsumer<Long, Long> codeInvalidator = (a, b) -> {};

    private GuestMemory(long guestBase, long size) {
        this.guestBase = guestBase;
        this.size = size;
        this.flags = new byte[(int) ((size >>> PAGE_BITS) + L2_SIZE - 1) >>> L2_BITS][];
        long t = Host.mmap(0, size >>> PAGE_BITS, Host.PROT_READ | Host.PROT_WRITE,
                Host.MAP_PRIVATE | Host.MAP_ANONYMOUS | Host.MAP_NORESERVE, -1, 0);
        if (t < 0 && t > -4096) {
            throw new LinuxUserException("Unable to reserve the guest page table (" + Errno.message((int) -t) + ")");
        }
        this.pageTable = t;
        this.seg = Host.ALL;
        this.mmapTop = size;
    }

    /**
     * Reserves {@code size} bytes of host address space. {@code wantBase} = -1 lets the host choose
     * (QEMU's default); otherwise the reservation must land exactly there (-B).
     */
    public static GuestMemory reserve(long size, long wantBase) {
        int fl = Host.MAP_PRIVATE | Host.MAP_ANONYMOUS | Host.MAP_NORESERVE;
        long hint = 0;
        if (wantBase >= 0) { fl |= Host.MAP_FIXED_NOREPLACE; hint = wantBase; }
        long r = Host.mmap(hint, size, Host.PROT_NONE, fl, -1, 0);
        if (r < 0 && r > -4096) {
            throw new LinuxUserException("Unable to reserve 0x" + Long.toHexString(size)
                    + " bytes of virtual address space at " + (wantBase >= 0 ? "0x" + Long.toHexString(wantBase) : "any address")
                    + " (" + Errno.message((int) -r) + ")");
        }
        if (wantBase >= 0 && r != wantBase) {
            throw new LinuxUserException("Unable to reserve guest address space at 0x" + Long.toHexString(wantBase));
        }
        return new GuestMemory(r, size);
    }

    public void setCodeInvalidator(BiConsumer<Long, Long> inv) { codeInvalidator = inv; }

    public void setMmapTop(long top) { mmapTop = top; }
    public long mmapTop() { return mmapTop; }

    // ---------------------------------------------------------------- page table

    public int pageFlags(long addr) {
        if (Long.compareUnsigned(addr, size) >= 0) return 0;
        long p = addr >>> PAGE_BITS;
        byte[] l2 = flags[(int) (p >>> L2_BITS)];
        return l2 == null ? 0 : l2[(int) (p & (L2_SIZE - 1))];
    }

    private void setFlags(long start, long len, int f) {
        for (long p = start >>> PAGE_BITS, end = (start + len) >>> PAGE_BITS; p < end; p++) {
            int i1 = (int) (p >>> L2_BITS);
            byte[] l2 = flags[i1];
            if (l2 == null) {
                if (f == 0) { p = (((long) i1 + 1) << L2_BITS) - 1; continue; }
                l2 = flags[i1] = new byte[L2_SIZE];
            }
            l2[(int) (p & (L2_SIZE - 1))] = (byte) f;
            Host.ALL.set(ValueLayout.JAVA_BYTE, pageTable + p, (byte) f);
        }
    }

    /** Is [addr, addr+len) entirely mapped with all the bits of {@code need}? */
    public boolean check(long addr, long len, int need) {
        if (len == 0) return true;
        if (len < 0 || Long.compareUnsigned(addr, size) >= 0 || Long.compareUnsigned(addr + len, size) > 0
                || addr + len < addr) return false;
        for (long p = addr >>> PAGE_BITS, end = (addr + len - 1) >>> PAGE_BITS; p <= end; p++) {
            byte[] l2 = flags[(int) (p >>> L2_BITS)];
            if (l2 == null || (l2[(int) (p & (L2_SIZE - 1))] & need) != need) return false;
        }
        return true;
    }

    /** First address in [addr, addr+len) that lacks {@code need}, or -1. */
    public long firstBad(long addr, long len, int need) {
        for (long a = addr; Long.compareUnsigned(a, addr + len) < 0; a = (a & ~PAGE_MASK) + PAGE_SIZE) {
            if ((pageFlags(a) & need) != need) return a;
            if (a + PAGE_SIZE < a) break;
        }
        return -1;
    }

    public long host(long guestAddr) { return guestBase + guestAddr; }

    // ---------------------------------------------------------------- accesses (checked)

    /** A guest access failed the page-table check (stackless: it is a guest event, not a jemu bug). */
    public static final class Fault extends RuntimeException {
        public final long addr;
        public final boolean write;
        public Fault(long addr, boolean write) {
            super(null, null, false, false);
            this.addr = addr;
            this.write = write;
        }
    }

    private void need(long addr, int len, int bits, boolean write) {
        if (!check(addr, len, bits)) {
            long bad = firstBad(addr, len, bits);
            throw new Fault(bad < 0 ? addr : bad, write);
        }
    }

    public byte read8(long a) { need(a, 1, PAGE_READ, false); return seg.get(ValueLayout.JAVA_BYTE, guestBase + a); }
    public short read16(long a) { need(a, 2, PAGE_READ, false); return seg.get(ValueLayout.JAVA_SHORT_UNALIGNED, guestBase + a); }
    public int read32(long a) { need(a, 4, PAGE_READ, false); return seg.get(ValueLayout.JAVA_INT_UNALIGNED, guestBase + a); }
    public long read64(long a) { need(a, 8, PAGE_READ, false); return seg.get(ValueLayout.JAVA_LONG_UNALIGNED, guestBase + a); }
    public void write8(long a, byte v) { need(a, 1, PAGE_WRITE, true); seg.set(ValueLayout.JAVA_BYTE, guestBase + a, v); }
    public void write16(long a, short v) { need(a, 2, PAGE_WRITE, true); seg.set(ValueLayout.JAVA_SHORT_UNALIGNED, guestBase + a, v); }
    public void write32(long a, int v) { need(a, 4, PAGE_WRITE, true); seg.set(ValueLayout.JAVA_INT_UNALIGNED, guestBase + a, v); }
    public void write64(long a, long v) { need(a, 8, PAGE_WRITE, true); seg.set(ValueLayout.JAVA_LONG_UNALIGNED, guestBase + a, v); }

    public byte[] read(long a, int len) {
        need(a, len, PAGE_READ, false);
        byte[] b = new byte[len];
        MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, guestBase + a, b, 0, len);
        return b;
    }

    public void write(long a, byte[] b) { write(a, b, 0, b.length); }

    public void write(long a, byte[] b, int off, int len) {
        need(a, len, PAGE_WRITE, true);
        MemorySegment.copy(b, off, seg, ValueLayout.JAVA_BYTE, guestBase + a, len);
    }

    /** Writes ignoring guest protection (the loader filling read-only segments); the pages must be mapped. */
    public void poke(long a, byte[] b, int off, int len) {
        need(a, len, PAGE_VALID, true);
        MemorySegment.copy(b, off, seg, ValueLayout.JAVA_BYTE, guestBase + a, len);
    }

    public void pokeZero(long a, long len) {
        need(a, (int) len, PAGE_VALID, true);
        seg.asSlice(guestBase + a, len).fill((byte) 0);
    }

    /** Reads a NUL-terminated string of at most {@code max} bytes; null if it runs into unmapped memory. */
    public String readCString(long a, int max) {
        byte[] b = readCBytes(a, max);
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    public byte[] readCBytes(long a, int max) {
        var out = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < max; i++) {
            if ((i == 0 || ((a + i) & PAGE_MASK) == 0) && (pageFlags(a + i) & PAGE_READ) == 0) return null;
            byte c = seg.get(ValueLayout.JAVA_BYTE, guestBase + a + i);
            if (c == 0) return out.toByteArray();
            out.write(c);
        }
        return null;
    }

    /** Length of the C string at {@code a} (without NUL), or -1 if unmapped / longer than max. */
    public long cstrlen(long a, long max) {
        for (long i = 0; i < max; i++) {
            if ((i == 0 || ((a + i) & PAGE_MASK) == 0) && (pageFlags(a + i) & PAGE_READ) == 0) return -1;
            if (seg.get(ValueLayout.JAVA_BYTE, guestBase + a + i) == 0) return i;
        }
        return -1;
    }

    // ---------------------------------------------------------------- mapping

    public static long pageAlign(long v) { return (v + PAGE_MASK) & ~PAGE_MASK; }

    /** Host mmap at guest {@code addr} (page aligned); returns 0 or -errno. */
    public synchronized long map(long addr, long len, int prot, int flags, int fd, long off) {
        len = pageAlign(len);
        if (len == 0 || (addr & PAGE_MASK) != 0 || Long.compareUnsigned(addr + len, size) > 0 || addr + len < addr) return -Errno.ENOMEM;
        boolean shared = (flags & 3) != Host.MAP_PRIVATE && (flags & Host.MAP_ANONYMOUS) == 0;
        int hprot = shared ? ((prot & (Host.PROT_READ | Host.PROT_WRITE)) | Host.PROT_READ) : Host.PROT_READ | Host.PROT_WRITE;
        int hflags = (flags & ~(Host.MAP_FIXED_NOREPLACE | 0x100 /* GROWSDOWN */ | 0x8000 /* POPULATE */)) | Host.MAP_FIXED;
        long r = Host.mmap(guestBase + addr, len, hprot, hflags, fd, off);
        if (r < 0 && r > -4096) return r;
        codeInvalidator.accept(addr, len);
        setFlags(addr, len, (prot & 7) | PAGE_VALID | (shared ? PAGE_SHARED : 0) | ((prot & Host.PROT_WRITE) != 0 ? PAGE_READ : 0));
        return 0;
    }

    public long mapAnon(long addr, long len, int prot) {
        return map(addr, len, prot, Host.MAP_PRIVATE | Host.MAP_ANONYMOUS, -1, 0);
    }

    /** Returns pages to the reservation (PROT_NONE, no backing). */
    public synchronized long unmap(long addr, long len) {
        len = pageAlign(len);
        if ((addr & PAGE_MASK) != 0 || len == 0) return -Errno.EINVAL;
        if (Long.compareUnsigned(addr, size) >= 0) return 0;
        if (Long.compareUnsigned(addr + len, size) > 0 || addr + len < addr) len = size - addr;
        long r = Host.mmap(guestBase + addr, len, Host.PROT_NONE,
                Host.MAP_PRIVATE | Host.MAP_ANONYMOUS | Host.MAP_NORESERVE | Host.MAP_FIXED, -1, 0);
        if (r < 0 && r > -4096) return r;
        codeInvalidator.accept(addr, len);
        setFlags(addr, len, 0);
        return 0;
    }

    public synchronized long protect(long addr, long len, int prot) {
        if ((addr & PAGE_MASK) != 0) return -Errno.EINVAL;
        len = pageAlign(len);
        if (len == 0) return 0;
        if (Long.compareUnsigned(addr + len, size) > 0 || addr + len < addr) return -Errno.ENOMEM;
        if (!check(addr, len, PAGE_VALID)) return -Errno.ENOMEM;
        // shared mappings carry their protection on the host too
        for (long a = addr; a < addr + len; a += PAGE_SIZE) {
            int f = pageFlags(a);
            if ((f & PAGE_SHARED) != 0) {
                long r = Host.syscall(Host.MPROTECT, guestBase + a, PAGE_SIZE, (prot & 3) | Host.PROT_READ);
                if (r < 0) return r;
            }
        }
        for (long a = addr; a < addr + len; a += PAGE_SIZE) {
            int f = pageFlags(a);
            setFlags(a, PAGE_SIZE, (f & (PAGE_VALID | PAGE_SHARED)) | (prot & 7) | ((prot & Host.PROT_WRITE) != 0 ? PAGE_READ : 0));
        }
        codeInvalidator.accept(addr, len);
        return 0;
    }

    /** Records pages the host already mapped (mremap moved or grew them) with the given table bits. */
    public synchronized void adopt(long addr, long len, int f) {
        setFlags(addr, pageAlign(len), f);
        codeInvalidator.accept(addr, len);
    }

    /** Is every page of the range free (not mapped)? */
    public boolean isFree(long addr, long len) {
        if (Long.compareUnsigned(addr + len, size) > 0 || addr + len < addr) return false;
        for (long a = addr; a < addr + len; a += PAGE_SIZE) if (pageFlags(a) != 0) return false;
        return true;
    }

    /** Finds a free range of {@code len} bytes, top-down below the mmap top (Linux's default layout). */
    public synchronized long findFree(long hint, long len) {
        len = pageAlign(len);
        if (hint != 0) {
            hint = pageAlign(hint);
            if (isFree(hint, len)) return hint;
        }
        long a = (mmapTop - len) & ~PAGE_MASK;
        while (a >= 0x10000L) {
            long bad = -1;
            for (long p = a + len - PAGE_SIZE; p >= a; p -= PAGE_SIZE) {
                if (pageFlags(p) != 0) { bad = p; break; }
                // skip whole empty second-level tables quickly
            }
            if (bad < 0) return a;
            a = (bad - len) & ~PAGE_MASK;
        }
        return -Errno.ENOMEM;
    }

    /** The mapped ranges, for /proc/self/maps and fork. */
    public synchronized List<long[]> regions() {
        List<long[]> out = new ArrayList<>();
        long start = -1; int cur = 0;
        for (int i1 = 0; i1 < flags.length; i1++) {
            byte[] l2 = flags[i1];
            for (int i2 = 0; i2 < L2_SIZE; i2++) {
                int f = l2 == null ? 0 : l2[i2];
                long a = (((long) i1 << L2_BITS) | i2) << PAGE_BITS;
                if (f != cur) {
                    if (cur != 0) out.add(new long[] {start, a, cur});
                    start = a; cur = f;
                }
                if (l2 == null) { i2 = L2_SIZE; }
            }
            if (l2 == null && cur != 0) {
                long a = ((long) i1 << L2_BITS) << PAGE_BITS;
                out.add(new long[] {start, a, cur});
                cur = 0;
            }
        }
        if (cur != 0) out.add(new long[] {start, size, cur});
        return out;
    }

    public MemorySegment segment() { return seg; }
}
