package org.jemu.target.riscv.translate;

import org.jemu.tcg.GuestMemoryModel;
import org.jemu.tcg.TbCache;
import org.jemu.tcg.TcgOptions;
import org.jemu.target.riscv.RiscvCpu;
import org.jemu.util.Log;

import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The RISC-V translator of one guest (all its harts share the translation cache): the second tier behind the
 * CPU's interpreter. Wiring: create one per guest with its memory model, and give each hart its own
 * {@link #attach attached} {@link Hart}; {@code RiscvExec.run} calls {@link Hart#enter} at every block
 * boundary.
 */
public final class RvTcg {
    private final TbCache<RvUnit> cache;
    private final TcgOptions opts;
    private final List<Hart> harts = new CopyOnWriteArrayList<>();

    public RvTcg(GuestMemoryModel mem, TcgOptions opts) {
        this.opts = opts;
        TbCache<RvUnit>[] self = new TbCache[1];
        RvTranslator[] tr = new RvTranslator[1];
        this.cache = new TbCache<>(pc -> tr[0].translate(pc), opts);
        tr[0] = new RvTranslator(mem, opts, cache.stats());
        self[0] = cache;
    }

    public TbCache<RvUnit> cache() { return cache; }
    public TcgOptions options() { return opts; }

    /** Gives {@code cpu} a translated-code tier backed by this cache (no-op when the translator is off). */
    public Hart attach(RiscvCpu cpu) {
        if (!opts.enabled()) { cpu.tcg = null; return null; }
        Hart h = new Hart();
        harts.add(h);
        cpu.tcg = h;
        return h;
    }

    /** Drops translations of guest code in [addr, addr+len) (munmap, mprotect, writes into code). */
    public void invalidate(long addr, long len) { cache.invalidate(addr, len, 12); }

    /** Drops every translation (fence.i). */
    public void flush() { cache.flush(); }

    /** Prints the {@code -d tb_stats} report. */
    public void printStats(PrintStream out) {
        for (Hart h : harts) h.jumps.publish();
        cache.stats().print(out, opts);
    }

    /** Prints the statistics if {@code -d tb_stats} is on, and stops the translator thread. */
    public void shutdown() {
        if (Log.on(Log.Item.TB_STATS)) printStats(Log.out());
        cache.shutdown();
    }

    /** One hart's entry into translated code (owned by the hart's thread). */
    public final class Hart implements org.jemu.target.riscv.CodeTier {
        final TbCache<RvUnit>.Jumps jumps = cache.new Jumps();
        private boolean interpretNext;

        /**
         * Runs translated code for {@code pc} if there is any: returns true with {@code cpu.pc} at the next
         * guest pc. Returns false when the interpreter should run the block at pc (not translated yet — the
         * entry is counted and may get queued for translation — or the translated code stopped at an
         * instruction it leaves to the interpreter).
         */
        @Override
        public boolean enter(RiscvCpu cpu, long pc) {
            if (interpretNext) {
                interpretNext = false;
                return false;
            }
            RvUnit u = jumps.lookup(pc);
            if (u == null && (!jumps.count(pc) || (u = jumps.lookup(pc)) == null)) {
                jumps.interpreted++;
                return false;
            }
            jumps.entries++;
            long r = u.exec(cpu, pc);
            if ((r & RvUnit.INTERP) != 0) {
                interpretNext = true;
                jumps.interpExits++;
                r &= ~RvUnit.INTERP;
            }
            cpu.pc = r;
            return true;
        }

        /** fence.i on this hart: every translation goes (other harts' too: the cache is shared). */
        @Override
        public void flush() { cache.flush(); }

        @Override
        public void invalidate(long addr, long len) { cache.invalidate(addr, len, 12); }
    }
}
