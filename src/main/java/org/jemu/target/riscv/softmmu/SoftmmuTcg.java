package org.jemu.target.riscv.softmmu;

import org.jemu.memory.AddressSpace;
import org.jemu.tcg.TbCache;
import org.jemu.tcg.TcgOptions;
import org.jemu.tcg.Translation;
import org.jemu.target.riscv.CodeTier;
import org.jemu.target.riscv.RiscvCpu;
import org.jemu.target.riscv.translate.CpuAccess;
import org.jemu.target.riscv.translate.RvTranslator;
import org.jemu.target.riscv.translate.RvUnit;
import org.jemu.util.Log;

import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The translator in system mode: hot guest code runs as JVM bytecode ({@link RvTranslator}) with loads and
 * stores probing the softmmu TLB inline ({@link SoftmmuModel}). One instance per machine; every hart has
 * its own {@link Hart} (jump cache, hotness counters) over the shared translation cache.
 *
 * <p><b>What a unit is keyed by.</b> A unit is the translation of a region inside one virtual page, made
 * from the physical RAM page that virtual page mapped to: its identity is (virtual entry pc, physical
 * page) and the physical page's write version ({@link CodePages}). Before running a unit the hart looks
 * the pc up in its <em>fetch</em> TLB for the current privilege and address space — the same check an
 * instruction fetch makes — and runs the unit only when the page is executable now, maps to the unit's
 * physical page, and that page was not written since the translation. So a satp write, an ASID switch,
 * an sfence.vma after a page-table change, a privilege change (U vs S fetch permission) or a remap of the
 * same virtual address to other memory all simply make the check fail or pass as they should, without
 * flushing translations; the unit's code itself depends on nothing else (data accesses read the hart's
 * current regime at run time). Code outside RAM (the mask ROM, MMIO) is never translated.
 *
 * <p><b>Writes to code.</b> The request marks the physical page as code (its store-TLB entries go, on all
 * harts), so every store to it — translated code leaves to the interpreter, whose slow path reports it —
 * and every device DMA or page-table A/D update reaches {@link CodePages#written}, which bumps the page's
 * version and drops its units. A store by a running unit into its own page therefore leaves the unit
 * before the store; the next dispatch sees the new version. fence.i has nothing to flush: translations
 * are coherent with writes.
 *
 * <p><b>Interrupts.</b> Loop heads and indirect jumps inside units read the hart's exit-request word,
 * which the CLINT, PLIC, Sstc timer, IPIs and invalidations raise; the unit returns to the dispatcher,
 * which takes the interrupt.
 */
public final class SoftmmuTcg {
    /**
     * System mode's default translation threshold: high. A Linux boot runs a flat profile (thousands of
     * lukewarm blocks) where HotSpot's cost of compiling a translated unit exceeds what it saves; only
     * blocks entered 1 000 000 times are translated: at 100 000 the boot spent ~9 s of C2 CPU on ~190 units
     * for no gain on the hart (and at -smp 2 the compiler threads compete with the harts for the cores);
     * long-running guest loops still reach it within a fraction of a second (docs/system-tcg.md).
     * {@code -accel tcg,thresh=N|off} changes it.
     */
    public static final int DEFAULT_THRESHOLD = 1_000_000;

    /** The options before {@code -accel}: the jemu.tcg.* properties, with system mode's default threshold. */
    public static TcgOptions defaultOptions() {
        TcgOptions o = TcgOptions.fromSystemProperties();
        return System.getProperty("jemu.tcg.thresh") == null ? o.withThreshold(DEFAULT_THRESHOLD) : o;
    }

    /** A translated unit and what it was translated from. */
    record Unit(RvUnit code, long vpc, long ppOff, int version, int insns) {}

    private final TbCache<Unit> cache;
    private final TcgOptions opts;
    private final SoftmmuModel model;
    private final RvTranslator translator;
    private final CodePages pages;
    private final long ramBase;
    /** Translation requests: key → {virtual pc, RAM page offset, version}. */
    private final ConcurrentHashMap<Long, long[]> requests = new ConcurrentHashMap<>();
    private final List<Hart> harts = new CopyOnWriteArrayList<>();

    public SoftmmuTcg(AddressSpace as, CodePages pages, TcgOptions opts) {
        this.opts = opts;
        this.pages = pages;
        this.ramBase = as.ramBase();
        this.model = new SoftmmuModel(as.ramSegment());
        this.cache = new TbCache<>(this::translate, opts);
        this.translator = new RvTranslator(model, opts, cache.stats());
        pages.onTranslatedWrite(this::pageWritten);
    }

    public TcgOptions options() { return opts; }

    /** The cache key of (virtual pc, RAM page offset); collisions are harmless (units are verified at entry). */
    static long key(long vpc, long ppOff) { return vpc ^ (ppOff << 28); }

    private Translation<Unit> translate(long key) {
        long[] rq = requests.remove(key);
        if (rq == null) return null;
        long vpc = rq[0], ppOff = rq[1];
        model.begin(vpc & ~0xfffL, ppOff);
        Translation<RvUnit> t;
        try {
            t = translator.translate(vpc);
        } finally {
            model.end();
        }
        if (t == null) return null;
        return new Translation<>(new Unit(t.unit(), vpc, ppOff, (int) rq[2], t.guestInsns()), new long[] {key},
                new long[] {(ramBase + ppOff) >>> 12}, t.guestInsns(), t.bytecodeBytes(), t.name());
    }

    /** A write reached a code page: its units are stale (any thread). */
    private void pageWritten(long ppage) { cache.invalidate(ppage, 4096, 12); }

    /** Gives {@code cpu} (whose memory is {@code mmu}) the translated tier; no-op when the translator is off. */
    public Hart attach(RiscvCpu cpu, Softmmu mmu) {
        if (!opts.enabled()) { cpu.tcg = null; return null; }
        Hart h = new Hart(mmu);
        harts.add(h);
        cpu.tcg = h;
        return h;
    }

    /** Prints the {@code -d tb_stats} report. */
    public void printStats(PrintStream out) {
        for (Hart h : harts) h.publish();
        cache.stats().print(out, opts);
    }

    /** Prints the statistics if {@code -d tb_stats} is on, and stops the translator thread. */
    public void shutdown() {
        if (Log.on(Log.Item.TB_STATS)) printStats(Log.out());
        cache.shutdown();
    }

    /** One hart's entry into translated code (owned by the hart's thread). */
    public final class Hart implements CodeTier {
        private static final int JC_BITS = 12;
        private final Softmmu mmu;
        private final Unit[] jumpCache = new Unit[1 << JC_BITS];
        private final int[] counts = new int[1 << 14];
        private final int threshold = opts.threshold();
        /**
         * The interpreter counts executions per decoded block and asks {@link #enterHot} about blocks run
         * {@code threshold} times (cheaper than a lookup at every block boundary); synchronous translation
         * ({@code thresh=all}) still looks at every boundary.
         */
        private final int gate = opts.synchronous() ? 0 : Math.max(1, threshold);
        /** Lookups asked for by the interpreter's hot-block count request the translation at once. */
        private final int countThreshold = gate > 0 ? 1 : threshold;
        private final int patience = gate > 0 ? 256 : PATIENCE;
        private boolean interpretNext;
        /** Lookups of a requested block before its counter starts over (a translation that never comes). */
        private static final int PATIENCE = 1 << 20;
        /** Nesting depth of {@link #nest} (bounds the Java stack a guest's call chain may use). */
        private static final int MAX_NEST = 48;
        private long entries, interpreted, interpExits, nested;

        Hart(Softmmu mmu) { this.mmu = mmu; }

        @Override
        public int blockThreshold() { return gate; }

        @Override
        public int enterHot(RiscvCpu cpu, long pc) {
            if (interpretNext) {
                interpretNext = false;
                return 0;
            }
            Unit u = find(pc, true);
            if (u == null) { interpreted++; return -1; }
            run(cpu, pc, u);
            return 1;
        }

        @Override
        public boolean enter(RiscvCpu cpu, long pc) {
            if (interpretNext) {
                interpretNext = false;
                return false;
            }
            Unit u = find(pc, true);
            if (u == null) { interpreted++; return false; }
            run(cpu, pc, u);
            return true;
        }

        /** Runs unit {@code u} at {@code pc} and the units it leads to; leaves cpu.pc at where to continue. */
        private void run(RiscvCpu cpu, long pc, Unit u) {
            // trampoline: from unit to unit without going back to the interpreter's loop
            for (;;) {
                entries++;
                long r = u.code.exec(cpu, pc);
                cpu.instret += u.insns;
                if ((r & RvUnit.INTERP) != 0) {
                    interpretNext = true;
                    interpExits++;
                    cpu.pc = r & ~RvUnit.INTERP;
                    return;
                }
                pc = r;
                if (CpuAccess.exitRequest(cpu) != 0 || (u = find(pc, false)) == null) break;
            }
            cpu.pc = pc;
        }

        /**
         * The unit to run at {@code pc} now, or null: the pc's page must be in the fetch TLB (executable in the
         * current privilege and address space), map to the unit's physical page, and that page must not have
         * been written since the translation. {@code count}: an interpreted entry is counted towards hotness.
         */
        private Unit find(long pc, boolean count) {
            Softmmu m = mmu;
            long vpage = pc & ~0xfffL;
            int i = m.fetchMode << Softmmu.TLB_BITS | (int) (pc >>> 12) & (Softmmu.TLB_SIZE - 1);
            if (m.fetchTag[i] != vpage) return null;   // the interpreter's fetch fills it
            long ppOff = vpage + m.fetchAddend[i];
            int h = (int) (pc >>> 1) & ((1 << JC_BITS) - 1);
            Unit u = jumpCache[h];
            if (u == null || u.vpc != pc || u.ppOff != ppOff) {
                // the shared cache is only asked about blocks whose counter reached the threshold (requested)
                int c = (int) ((pc >>> 1) ^ (pc >>> 13)) & (counts.length - 1);
                if (counts[c] >= 0) {
                    if (!count || threshold < 0 || ++counts[c] < countThreshold) return null;
                    counts[c] = -1;   // from now on: look the unit up (it may arrive any time from the background thread)
                    if (!request(pc, ppOff)) { counts[c] = 0; return null; }
                }
                u = cache.get(key(pc, ppOff));
                if (u == null || u.vpc != pc || u.ppOff != ppOff) {
                    // not there yet, not translatable, or another (pc, page) sharing the counter: count again
                    if (--counts[c] < -patience) counts[c] = 0;
                    return null;
                }
                counts[c] = -1;   // stays in lookup mode: after an eviction from the jump cache, found again at once
                jumpCache[h] = u;
            }
            if (u.version != pages.version(ppOff)) {
                // translated from bytes that were overwritten (a write raced with the translation): drop it
                jumpCache[h] = null;
                cache.invalidate(ramBase + ppOff, 4096, 12);
                return null;
            }
            return u;
        }

        private int depth;

        /**
         * A translated call out of its unit (RvTcg.nest → CodeTier.callNested): runs translated code from {@code target} on this
         * Java stack until the callee returns to {@code ret}; answers {@code ret} then, else where it stopped
         * (no unit there, an instruction for the interpreter with INTERP, an exit request). Every unit is
         * checked through the fetch TLB as at dispatch. The caller's own page cannot have changed meanwhile:
         * stores into code pages, sfence.vma, satp and privilege changes all go through the interpreter,
         * which ends the nesting.
         */
        @Override
        public long callNested(RiscvCpu cpu, long target, long ret) {
            if (depth >= MAX_NEST) return target;
            depth++;
            nested++;
            try {
                long pc = target;
                for (;;) {
                    if (CpuAccess.exitRequest(cpu) != 0) return pc;
                    Unit u = find(pc, false);
                    if (u == null) return pc;
                    entries++;
                    long r = u.code.exec(cpu, pc);
                    cpu.instret += u.insns;
                    if ((r & RvUnit.INTERP) != 0 || r == ret) return r;
                    pc = r;
                }
            } finally {
                depth--;
            }
        }

        /** Marks the code page and queues the translation of (pc, page); false when the page was written meanwhile. */
        private boolean request(long pc, long ppOff) {
            int version = pages.markForTranslation(ramBase + ppOff, pc & ~0xfffL);
            if (version < 0) return false;
            long key = key(pc, ppOff);
            requests.put(key, new long[] {pc, ppOff, version});
            cache.request(key);
            return true;
        }

        /** fence.i: translations follow writes to code pages already (CodePages), nothing to drop. */
        @Override
        public void flush() { }

        /** Virtual-address invalidations (sfence.vma, code-page aliases): units are verified through the fetch TLB at entry. */
        @Override
        public void invalidate(long addr, long len) { }

        void publish() {
            var s = cache.stats();
            s.unitEntries.add(entries);
            s.interpretedBlocks.add(interpreted);
            s.helperExits.add(interpExits);
            s.nestedCalls.add(nested);
            entries = interpreted = interpExits = nested = 0;
        }
    }
}
