package org.jemu.target.riscv.softmmu;

import org.jemu.memory.AddressSpace;
import org.jemu.target.riscv.RiscvCpu;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Which physical RAM pages hold code some hart has decoded (QEMU's dirty-code tracking), and from
 * which virtual pages it was fetched. Harts cache decoded blocks by virtual pc; a write to such a
 * page — by a hart, a device's DMA or a loader — clears the mark and makes every hart drop the blocks
 * of those virtual pages (all blocks if the page was seen under many) before its next block. Harts
 * never keep a store-TLB entry for a marked page, so the check costs nothing on the fast path.
 *
 * <p>Translated code ({@link SoftmmuTcg}) is keyed by physical page: each page has a version, bumped
 * (under this object's lock) whenever a write clears its mark. A translation records the version it
 * was made from while the page is marked, so a unit whose version is still current has seen no write
 * since: every later write goes through {@link #written} and bumps it.
 */
public final class CodePages implements AddressSpace.CodeWriteListener {
    static final int MAX_ALIASES = 8;
    private final long ramBase;
    private final byte[] marks;
    /** Per RAM page: bumped whenever a write to the (marked) page drops the code decoded from it. */
    private final int[] versions;
    /** Told the physical page of every code write (translated units on it are stale). */
    private volatile java.util.function.LongConsumer translated = p -> { };
    /** Physical page number → the virtual pages code was fetched through (null entry = too many). */
    private final Map<Integer, long[]> aliases = new HashMap<>();
    private final List<RiscvCpu> harts = new CopyOnWriteArrayList<>();
    private final List<Softmmu> mmus = new CopyOnWriteArrayList<>();

    public CodePages(AddressSpace as) {
        this.ramBase = as.ramBase();
        this.marks = new byte[(int) (as.ramSize() >>> 12)];
        this.versions = new int[marks.length];
        as.setCodeWriteListener(this);
    }

    public void register(RiscvCpu cpu, Softmmu mmu) {
        harts.add(cpu);
        mmus.add(mmu);
    }

    /** Sets who drops translated units when their physical page is written. */
    public void onTranslatedWrite(java.util.function.LongConsumer l) { translated = l; }

    /**
     * Marks RAM page {@code ppage} as holding code about to be translated (seen through {@code vpage}) and
     * returns its version; the translation is valid while {@link #version} still answers the same.
     */
    int markForTranslation(long ppage, long vpage) {
        markCode(ppage, vpage);
        synchronized (this) {
            long p = (ppage - ramBase) >>> 12;
            if (marks[(int) p] == 0) return -1;  // written meanwhile: never matches (versions are >= 0)
            return versions[(int) p];
        }
    }

    /** The version of the RAM page at offset {@code ppOff} (a plain read: the hart's own check at unit entry). */
    int version(long ppOff) { return versions[(int) (ppOff >>> 12)]; }

    boolean isCode(long ppage) {
        long p = (ppage - ramBase) >>> 12;
        return p >= 0 && p < marks.length && marks[(int) p] != 0;
    }

    /** Code at physical page {@code ppage} is being decoded through virtual page {@code vpage}. */
    void markCode(long ppage, long vpage) {
        long p = (ppage - ramBase) >>> 12;
        if (p < 0 || p >= marks.length) return;
        boolean fresh;
        synchronized (this) {
            fresh = marks[(int) p] == 0;
            marks[(int) p] = 1;
            long[] a = aliases.get((int) p);
            if (fresh || (a != null && indexOf(a, vpage) < 0)) {
                if (fresh) a = new long[0];
                if (a != null) {
                    if (a.length >= MAX_ALIASES) a = null;
                    else { a = java.util.Arrays.copyOf(a, a.length + 1); a[a.length - 1] = vpage; }
                }
                aliases.put((int) p, a);
            }
        }
        if (fresh) for (Softmmu m : mmus) m.dropStoresTo(ppage);
    }

    private static int indexOf(long[] a, long v) {
        for (int i = 0; i < a.length; i++) if (a[i] == v) return i;
        return -1;
    }

    /** A store to {@code [pa, pa+len)}: invalidates decoded code if it touches a code page. */
    void written(long pa, int len) {
        long first = (pa - ramBase) >> 12, last = (pa + Math.max(len, 1) - 1 - ramBase) >> 12;
        if (last < 0 || first >= marks.length) return;
        boolean any = false;
        for (long p = Math.max(first, 0); p <= last && p < marks.length; p++) if (marks[(int) p] != 0) { any = true; break; }
        if (!any) return;
        long[] drop = new long[0];
        long[] cleared = new long[(int) (last - first + 1)];
        int nCleared = 0;
        boolean all = false;
        synchronized (this) {
            for (long p = Math.max(first, 0); p <= last && p < marks.length; p++) {
                if (marks[(int) p] == 0) continue;
                marks[(int) p] = 0;
                versions[(int) p] = (versions[(int) p] + 1) & Integer.MAX_VALUE;
                cleared[nCleared++] = ramBase + (p << 12);
                long[] a = aliases.remove((int) p);
                if (a == null) { all = true; continue; }
                int n = drop.length;
                drop = java.util.Arrays.copyOf(drop, n + a.length);
                System.arraycopy(a, 0, drop, n, a.length);
            }
        }
        java.util.function.LongConsumer tl = translated;
        for (int k = 0; k < nCleared; k++) tl.accept(cleared[k]);
        for (RiscvCpu c : harts) {
            if (all || drop.length > MAX_ALIASES) c.invalidateCode(0, -1L);
            else for (long v : drop) c.invalidateCode(v, 4096);
        }
    }

    @Override
    public void codeWritten(long paddr, int size) { written(paddr, size); }
}
