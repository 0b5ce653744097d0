package org.jemu.memory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The guest-physical address space of a machine (QEMU's address_space_memory): non-overlapping RAM,
 * ROM and MMIO regions. Accesses are little-endian. An address nothing maps raises {@link BusError}.
 *
 * <p>Main RAM is one off-heap segment; {@link #ramSegment()}, {@link #ramBase()} and {@link #ramSize()}
 * give translated code and the softmmu TLB a direct path to it without going through region lookup.
 * Multi-byte accesses to RAM must be naturally aligned or lie within RAM entirely (the CPU splits
 * misaligned accesses before they get here).
 */
public final class AddressSpace {
    static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    private final List<MemoryRegion> regions = new ArrayList<>();
    private MemoryRegion[] sorted = new MemoryRegion[0];
    private MemoryRegion ram;
    private MemorySegment ramSeg = MemorySegment.NULL;
    private long ramBase = -1, ramSize = 0;
    /** Called with the physical address of every store to RAM that may hit cached code (set by the CPU side). */
    private volatile CodeWriteListener codeWriteListener;

    /** Notified of writes that reach RAM pages holding translated/cached code. */
    public interface CodeWriteListener { void codeWritten(long paddr, int size); }

    /**
     * Allocates zeroed off-heap RAM of {@code size} bytes, shared between threads. Uses an anonymous
     * mmap (pages are zero-filled by the host kernel when first touched, so a large guest RAM costs
     * nothing until used); falls back to an arena allocation where mmap is unavailable.
     */
    public static MemorySegment allocateRam(long size) {
        MemorySegment m = Mmap.anonymous(size);
        return m != null ? m : Arena.ofShared().allocate(size, 4096);
    }

    /**
     * libc mmap through the FFM linker. The mapping starts on a 2 MiB boundary and is marked
     * MADV_HUGEPAGE, as QEMU marks guest RAM: with the host's transparent huge pages in "madvise" mode
     * (the common default) the guest's RAM is then backed by 2 MiB pages, so the interpreter's and the
     * translated code's accesses to guest memory miss the host's TLB far less, and loading a kernel
     * takes 16 page faults instead of ~7 600.
     */
    static final class Mmap {
        private static final java.lang.invoke.MethodHandle MMAP, MADVISE;
        private static final long HUGE = 2L << 20;

        static {
            java.lang.invoke.MethodHandle h = null, a = null;
            try {
                java.lang.foreign.Linker l = java.lang.foreign.Linker.nativeLinker();
                h = l.defaultLookup().find("mmap").map(f -> l.downcallHandle(f, java.lang.foreign.FunctionDescriptor.of(
                        ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG))).orElse(null);
                a = l.defaultLookup().find("madvise").map(f -> l.downcallHandle(f, java.lang.foreign.FunctionDescriptor.of(
                        ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT))).orElse(null);
            } catch (RuntimeException | LinkageError e) {
                h = null;
            }
            MMAP = h;
            MADVISE = a;
        }

        static MemorySegment anonymous(long size) {
            if (MMAP == null || !System.getProperty("os.name", "").equals("Linux")) return null;
            final int PROT_READ = 1, PROT_WRITE = 2, MAP_PRIVATE = 2, MAP_ANONYMOUS = 0x20, MAP_NORESERVE = 0x4000;
            final int MADV_HUGEPAGE = 14;
            boolean huge = size >= HUGE && MADVISE != null && !Boolean.getBoolean("jemu.ram.no-hugepages");
            try {
                // one huge page more than asked, so that the RAM can start on a huge-page boundary (the
                // unused head and tail are never touched and cost nothing under MAP_NORESERVE)
                long len = huge ? size + HUGE : size;
                MemorySegment p = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, len, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0L);
                if (p.address() == -1L || p.address() == 0) return null;
                if (!huge) return p.reinterpret(size);
                MemorySegment r = MemorySegment.ofAddress((p.address() + HUGE - 1) & -HUGE).reinterpret(size);
                int ignored = (int) MADVISE.invokeExact(r, size, MADV_HUGEPAGE);   // only advice: 4 KiB pages otherwise
                return r;
            } catch (Throwable t) {
                return null;
            }
        }
    }

    public synchronized void add(MemoryRegion r) {
        for (MemoryRegion o : regions) {
            if (Long.compareUnsigned(r.base, o.end()) < 0 && Long.compareUnsigned(o.base, r.end()) < 0) {
                throw new IllegalArgumentException("region " + r.name + " overlaps " + o.name);
            }
        }
        regions.add(r);
        List<MemoryRegion> s = new ArrayList<>(regions);
        s.sort(Comparator.comparingLong((MemoryRegion x) -> x.base));
        sorted = s.toArray(new MemoryRegion[0]);
        if (r.kind == MemoryRegion.Kind.RAM && (ram == null || r.size > ram.size)) {
            ram = r;
            ramSeg = r.segment;
            ramBase = r.base;
            ramSize = r.size;
        }
    }

    public List<MemoryRegion> regions() { return List.of(sorted); }

    public MemorySegment ramSegment() { return ramSeg; }
    public long ramBase() { return ramBase; }
    public long ramSize() { return ramSize; }

    public void setCodeWriteListener(CodeWriteListener l) { codeWriteListener = l; }

    /** The region containing {@code addr}, or null. */
    public MemoryRegion find(long addr) {
        MemoryRegion[] s = sorted;
        int lo = 0, hi = s.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            MemoryRegion r = s[mid];
            if (Long.compareUnsigned(addr, r.base) < 0) hi = mid - 1;
            else if (Long.compareUnsigned(addr - r.base, r.size) >= 0) lo = mid + 1;
            else return r;
        }
        return null;
    }

    /** True if {@code [addr, addr+len)} lies in main RAM. */
    public boolean isRam(long addr, long len) {
        long off = addr - ramBase;
        return off >= 0 && len >= 0 && off <= ramSize - len && ramBase >= 0;
    }

    /** Reads {@code size} (1/2/4/8) bytes, zero-extended. */
    public long read(long addr, int size) {
        long off = addr - ramBase;
        if (off >= 0 && off <= ramSize - size) return load(ramSeg, off, size);
        MemoryRegion r = find(addr);
        if (r == null || Long.compareUnsigned(addr - r.base + size, r.size) > 0) throw new BusError(addr, false);
        if (r.kind == MemoryRegion.Kind.MMIO) return r.mmio.read(addr - r.base, size);
        return load(r.segment, addr - r.base, size);
    }

    /** Writes the low {@code size} bytes of {@code value}. */
    public void write(long addr, int size, long value) {
        long off = addr - ramBase;
        if (off >= 0 && off <= ramSize - size) {
            store(ramSeg, off, size, value);
            CodeWriteListener l = codeWriteListener;
            if (l != null) l.codeWritten(addr, size);
            return;
        }
        MemoryRegion r = find(addr);
        if (r == null || Long.compareUnsigned(addr - r.base + size, r.size) > 0) throw new BusError(addr, true);
        switch (r.kind) {
            case MMIO -> r.mmio.write(addr - r.base, size, value);
            case RAM -> store(r.segment, addr - r.base, size, value);
            case ROM -> throw new BusError(addr, true);
        }
    }

    static long load(MemorySegment s, long off, int size) {
        return switch (size) {
            case 1 -> s.get(ValueLayout.JAVA_BYTE, off) & 0xffL;
            case 2 -> s.get(LE16, off) & 0xffffL;
            case 4 -> s.get(LE32, off) & 0xffffffffL;
            case 8 -> s.get(LE64, off);
            default -> throw new IllegalArgumentException("access size " + size);
        };
    }

    static void store(MemorySegment s, long off, int size, long v) {
        switch (size) {
            case 1 -> s.set(ValueLayout.JAVA_BYTE, off, (byte) v);
            case 2 -> s.set(LE16, off, (short) v);
            case 4 -> s.set(LE32, off, (int) v);
            case 8 -> s.set(LE64, off, v);
            default -> throw new IllegalArgumentException("access size " + size);
        }
    }

    /** Copies bytes from guest memory (RAM/ROM only; DMA). Throws BusError if the range is not memory. */
    public void readBytes(long addr, byte[] dst, int dstOff, int len) {
        MemorySegment.copy(memoryRange(addr, len, false), ValueLayout.JAVA_BYTE, 0, dst, dstOff, len);
    }

    /** Copies bytes into guest memory (RAM only; DMA and loaders). */
    public void writeBytes(long addr, byte[] src, int srcOff, int len) {
        MemorySegment.copy(src, srcOff, memoryRange(addr, len, true), ValueLayout.JAVA_BYTE, 0, len);
        CodeWriteListener l = codeWriteListener;
        if (l != null && len > 0) l.codeWritten(addr, len);
    }

    /** Tells the code cache that a device wrote {@code [addr, addr+len)} of RAM behind the CPU's back (DMA). */
    public void dmaWritten(long addr, long len) {
        CodeWriteListener l = codeWriteListener;
        if (l != null && len > 0) l.codeWritten(addr, (int) Math.min(len, Integer.MAX_VALUE));
    }

    /**
     * Loads firmware/ROM contents, ROM included (board setup only). The image is remembered (QEMU's ROM
     * blobs) and copied in again by {@link #reloadImages} at a system reset; {@code src} must not change.
     */
    public void loadImage(long addr, byte[] src) {
        loadImage(addr, MemorySegment.ofArray(src), src.length);
    }

    /**
     * Loads {@code src} at {@code addr} followed by zeros up to {@code size} bytes (an ELF segment's bss),
     * remembered for {@link #reloadImages} as {@link #loadImage(long, byte[])}; {@code src} may be a mapped
     * file (no copy on the Java heap) and must stay valid.
     */
    public void loadImage(long addr, MemorySegment src, long size) {
        MemoryRegion r = find(addr);
        if (r == null || !r.isMemory() || size < src.byteSize() || Long.compareUnsigned(addr - r.base + size, r.size) > 0) {
            throw new BusError(addr, true);
        }
        Image i = new Image(addr, src, size);
        copyIn(r, i);
        images.add(i);
    }

    /**
     * Copies an image into its region. A mapped file that was truncated since it was mapped faults
     * (SIGBUS, which the JVM raises as an InternalError in the copy): reported as an {@link IllegalStateException}
     * naming the image, not as a JVM error. (A file rewritten in place is reloaded with its new contents.)
     */
    private static void copyIn(MemoryRegion r, Image i) {
        long off = i.addr - r.base, n = i.data.byteSize();
        try {
            MemorySegment.copy(i.data, 0, r.segment, off, n);
        } catch (InternalError e) {
            throw new IllegalStateException(String.format(
                    "the image loaded at 0x%x (%d bytes) can no longer be read: its file was truncated after it was loaded", i.addr, n));
        }
        if (i.size > n) r.segment.asSlice(off + n, i.size - n).fill((byte) 0);
    }

    private record Image(long addr, MemorySegment data, long size) {}
    private final java.util.List<Image> images = new java.util.ArrayList<>();

    /** System reset: copies every image loaded by {@link #loadImage} in again, in load order (RAM is not cleared, as QEMU). */
    public void reloadImages() {
        for (Image i : images) copyIn(find(i.addr), i);
        CodeWriteListener l = codeWriteListener;
        if (l != null) for (Image i : images) if (i.size > 0) l.codeWritten(i.addr, (int) Math.min(i.size, Integer.MAX_VALUE));
    }

    /**
     * A view of {@code [addr, addr+len)} in RAM (or ROM for reads), for zero-copy DMA.
     * Throws BusError if the range is not entirely inside one memory region.
     */
    public MemorySegment memoryRange(long addr, long len, boolean write) {
        if (isRam(addr, len)) return ramSeg.asSlice(addr - ramBase, len);
        MemoryRegion r = find(addr);
        if (r == null || !r.isMemory() || (write && r.kind == MemoryRegion.Kind.ROM)
                || Long.compareUnsigned(addr - r.base + len, r.size) > 0 || len < 0) {
            throw new BusError(addr, write);
        }
        return r.segment.asSlice(addr - r.base, len);
    }

    /** QEMU's "info mtree" listing. */
    public String mtree() {
        StringBuilder sb = new StringBuilder("address-space: memory\n  0000000000000000-ffffffffffffffff (prio 0, i/o): system\n");
        for (MemoryRegion r : sorted) sb.append("    ").append(r).append('\n');
        return sb.toString();
    }
}
