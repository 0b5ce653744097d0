package org.jemu.memory;

/**
 * The callbacks of an MMIO region (QEMU's MemoryRegionOps). Offsets are relative to the region's base;
 * {@code size} is 1, 2, 4 or 8 bytes. Values are little-endian register contents, zero-extended.
 * Devices decide for themselves what an access of an unsupported width does (usually: ignore and log
 * a guest error); they must never throw for any offset/size the guest can produce.
 */
public interface MmioHandler {
    long read(long offset, int size);

    void write(long offset, int size, long value);
}
