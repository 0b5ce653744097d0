package org.jemu.target.riscv.translate;

import org.jemu.tcg.PagePermMemory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** A guest address space [0, size) at a host segment, all pages RWX except as changed by the test. */
final class TestMemory {
    final MemorySegment seg;
    final byte[] perms;
    final PagePermMemory model;

    TestMemory(Arena arena, int pages) {
        seg = arena.allocate((long) pages << 12, 4096);
        perms = new byte[pages];
        java.util.Arrays.fill(perms, (byte) (PagePermMemory.R | PagePermMemory.W | PagePermMemory.X));
        model = new PagePermMemory(seg.address(), perms);
    }

    void put(long guest, byte[] code) { MemorySegment.copy(code, 0, seg, ValueLayout.JAVA_BYTE, guest, code.length); }
    long ld(long guest) { return seg.get(ValueLayout.JAVA_LONG_UNALIGNED, guest); }
}
