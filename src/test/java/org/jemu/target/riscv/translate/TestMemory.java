package org.jemu.target.riscv.translate;

import org.jemu.tcg.PageTableMemory;
import org.jemu.target.riscv.FlatMemory;
import org.jemu.target.riscv.RiscvCpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A guest address space for translator tests: the CPU's {@link FlatMemory} [base, base+size) for the
 * interpreter, and the same bytes as a user-mode {@link PageTableMemory} (all pages RWX unless a test
 * changes {@link #setPerm}) for translated code.
 */
final class TestMemory {
    static final int L2 = 16;
    final FlatMemory flat;
    final byte[][] flags;
    final PageTableMemory model;

    TestMemory(long base, long size) {
        flat = new FlatMemory(base, size);
        long end = base + size;
        long pages = end >>> 12;
        flags = new byte[(int) ((pages + (1 << L2) - 1) >>> L2)][];
        table = Arena.ofAuto().allocate(pages);
        for (long p = base >>> 12; p < pages; p++) setPerm(p << 12, PageTableMemory.R | PageTableMemory.W | PageTableMemory.X);
        model = new PageTableMemory(flat.seg.address() - base, end, flags, L2, new Object(), table.address());
    }

    /** The flat copy of {@link #flags} (one byte per page) that translated code reads. */
    final MemorySegment table;

    void setPerm(long addr, int perm) {
        long p = addr >>> 12;
        int i = (int) (p >>> L2);
        if (flags[i] == null) flags[i] = new byte[1 << L2];
        flags[i][(int) (p & ((1 << L2) - 1))] = (byte) perm;
        table.set(ValueLayout.JAVA_BYTE, p, (byte) perm);
    }

    void put(long guest, byte[] code) { flat.write(guest, code); }
    long ld(long guest) { return flat.seg.get(ValueLayout.JAVA_LONG_UNALIGNED, guest - flat.base); }

    RiscvCpu cpu(long pc) {
        RiscvCpu c = new RiscvCpu(0, flat);
        c.pc = pc;
        return c;
    }
}
