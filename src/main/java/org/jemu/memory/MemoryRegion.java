package org.jemu.memory;

import java.lang.foreign.MemorySegment;

/**
 * A range of guest-physical addresses: RAM/ROM backed by an off-heap {@link MemorySegment}, or an MMIO
 * region whose accesses go to a device's {@link MmioHandler}.
 */
public final class MemoryRegion {
    public enum Kind { RAM, ROM, MMIO }

    public final String name;
    public final long base;
    public final long size;
    public final Kind kind;
    /** Backing memory of RAM/ROM regions, {@code size} bytes; null for MMIO. */
    public final MemorySegment segment;
    public final MmioHandler mmio;

    private MemoryRegion(String name, long base, long size, Kind kind, MemorySegment segment, MmioHandler mmio) {
        if (size <= 0) throw new IllegalArgumentException("empty region " + name);
        this.name = name;
        this.base = base;
        this.size = size;
        this.kind = kind;
        this.segment = segment;
        this.mmio = mmio;
    }

    public static MemoryRegion ram(String name, long base, MemorySegment segment) {
        return new MemoryRegion(name, base, segment.byteSize(), Kind.RAM, segment, null);
    }

    public static MemoryRegion rom(String name, long base, MemorySegment segment) {
        return new MemoryRegion(name, base, segment.byteSize(), Kind.ROM, segment, null);
    }

    public static MemoryRegion mmio(String name, long base, long size, MmioHandler h) {
        return new MemoryRegion(name, base, size, Kind.MMIO, null, h);
    }

    public long end() { return base + size; }

    public boolean contains(long addr) { return Long.compareUnsigned(addr - base, size) < 0; }

    public boolean isMemory() { return kind != Kind.MMIO; }

    @Override public String toString() {
        return String.format("%016x-%016x (prio 0, %s): %s", base, base + size - 1,
                kind == Kind.MMIO ? "i/o" : kind == Kind.ROM ? "rom" : "ram", name);
    }
}
