package org.jemu.target.riscv.softmmu;

import org.jemu.memory.AddressSpace;
import org.jemu.target.riscv.RiscvCpu;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Which physical RAM pages hold code some hart has decoded (QEMU's dirty-code tracking). Harts cache
 * decoded blocks by virtual pc; a write to such a page — by a hart, a device's DMA or a loader —
 * clears the mark and makes every hart drop its decoded code before its next block. Harts never keep
 * a store-TLB entry for a marked page, so the check costs nothing on the fast path.
 */
public final class CodePages implements AddressSpace.CodeWriteListener {
    private final long ramBase;
    private final byte[] marks;
    private final List<RiscvCpu> harts = new CopyOnWriteArrayList<>();
    private final List<Softmmu> mmus = new CopyOnWriteArrayList<>();

    public CodePages(AddressSpace as) {
        this.ramBase = as.ramBase();
        this.marks = new byte[(int) (as.ramSize() >>> 12)];
        as.setCodeWriteListener(this);
    }

    public void register(RiscvCpu cpu, Softmmu mmu) {
        harts.add(cpu);
        mmus.add(mmu);
    }

    boolean isCode(long ppage) {
        long p = (ppage - ramBase) >>> 12;
        return p >= 0 && p < marks.length && marks[(int) p] != 0;
    }

    void markCode(long ppage) {
        long p = (ppage - ramBase) >>> 12;
        if (p < 0 || p >= marks.length || marks[(int) p] != 0) return;
        marks[(int) p] = 1;
        for (Softmmu m : mmus) m.dropStoresTo(ppage);
    }

    /** A store to {@code [pa, pa+len)}: invalidates decoded code if it touches a code page. */
    void written(long pa, int len) {
        long first = (pa - ramBase) >> 12, last = (pa + Math.max(len, 1) - 1 - ramBase) >> 12;
        boolean hit = false;
        for (long p = Math.max(first, 0); p <= last && p < marks.length; p++) {
            if (marks[(int) p] != 0) { marks[(int) p] = 0; hit = true; }
        }
        if (hit) for (RiscvCpu c : harts) c.invalidateCode(0, -1L);
    }

    @Override
    public void codeWritten(long paddr, int size) { written(paddr, size); }
}
