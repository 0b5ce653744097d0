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
        if (HEAT) tr[0].withHeat(cache::heat);
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
        if (PROFILE) printProfile();
        cache.shutdown();
    }

    /** Region discovery guided by the interpreter's block counts (-Djemu.tcg.heat=true; off by default: fewer dispatches but more OSR compiles, measured slower, docs/tcg.md). */
    static final boolean HEAT = Boolean.parseBoolean(System.getProperty("jemu.tcg.heat", "false"));

    /** -Djemu.tcg.profile=true: counts unit → next pc transitions of the dispatcher, printed at exit (debugging). */
    static final boolean PROFILE = Boolean.getBoolean("jemu.tcg.profile");
    private static final java.util.concurrent.ConcurrentHashMap<String, long[]> TRANSITIONS = new java.util.concurrent.ConcurrentHashMap<>();
    static void profile(long from, long to) {
        TRANSITIONS.computeIfAbsent(Long.toHexString(from) + " -> " + Long.toHexString(to), k -> new long[1])[0]++;
    }
    static void printProfile() {
        TRANSITIONS.entrySet().stream()
                .sorted((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0])).limit(40)
                .forEach(e -> Log.out().println("tcg-profile " + e.getValue()[0] + " " + e.getKey()));
    }

    /** Nesting depth of {@link #nest} per hart (bounds the Java stack a guest's call chain may use). */
    static final int MAX_NEST = 48;

    /**
     * A translated call out of its unit (the registers are in the hart): runs translated code from
     * {@code target} on this Java stack until the callee returns to {@code ret} and answers {@code ret}, or
     * answers where it stopped otherwise — a pc without translated code, an instruction for the interpreter
     * (with {@link RvUnit#INTERP}), an exit request. The caller continues at {@code ret} only on an exact
     * match; anything else leaves its unit with that pc, so the dispatcher and the interpreter take over with
     * precise state. Translations dropped meanwhile (munmap, mprotect, fence.i) could include the caller:
     * then the answer is {@code ret | INTERP}, which makes the caller leave and the interpreter run the
     * instruction at ret. Without a hart from this translator (tests, other modes) it answers the target.
     */
    public static long nest(RiscvCpu cpu, long target, long ret) {
        if (cpu.tcg instanceof Hart h) return h.nest(cpu, target, ret);
        return cpu.tcg != null ? cpu.tcg.callNested(cpu, target, ret) : target;   // system mode's tier (softmmu.SoftmmuTcg)
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
            // trampoline: follow units into units without going back to the interpreter's loop
            for (;;) {
                jumps.entries++;
                long r = u.exec(cpu, pc);
                if ((r & RvUnit.INTERP) != 0) {
                    interpretNext = true;
                    jumps.interpExits++;
                    cpu.pc = r & ~RvUnit.INTERP;
                    return true;
                }
                if (PROFILE) profile(u.entryPc(), r);
                pc = r;
                // the VarHandle itself, not CpuAccess.exitRequest: C2 judged that call site cold ("low call site
                // frequency") and left a real call in every dispatch
                if ((int) CpuAccess.EXIT_REQUEST.getVolatile(cpu) != 0 || (u = jumps.lookup(pc)) == null) break;
            }
            cpu.pc = pc;
            return true;
        }

        private int depth;

        long nest(RiscvCpu cpu, long target, long ret) {
            if (depth >= MAX_NEST) return target;
            int drops = cache.drops();
            depth++;
            jumps.nested++;
            try {
                long pc = target;
                for (;;) {
                    if (CpuAccess.exitRequest(cpu) != 0) return pc;
                    RvUnit u = jumps.lookup(pc);
                    if (u == null) return pc;
                    jumps.entries++;
                    long r = u.exec(cpu, pc);
                    if ((r & RvUnit.INTERP) != 0) return r;
                    if (r == ret) return cache.drops() == drops ? ret : ret | RvUnit.INTERP;
                    pc = r;
                }
            } finally {
                depth--;
            }
        }

        /** fence.i on this hart: every translation goes (other harts' too: the cache is shared). */
        @Override
        public void flush() { cache.flush(); }

        @Override
        public void invalidate(long addr, long len) { cache.invalidate(addr, len, 12); }
    }
}
