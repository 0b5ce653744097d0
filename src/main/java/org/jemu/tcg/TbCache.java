package org.jemu.tcg;

import org.jemu.util.Log;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.function.LongFunction;

/**
 * The translation cache shared by all vCPU threads of a guest: guest pc → translated unit. The interpreter
 * counts entries to blocks ({@link Jumps#count}); a block entered {@code threshold} times is queued for the
 * background translator thread, which installs the result for every entry pc of the unit. Each executing
 * thread looks units up through its own direct-mapped {@link Jumps} cache, which it flushes when the
 * cache's {@link #generation} moves (invalidation, flush).
 *
 * @param <U> the unit type of the front end
 */
public final class TbCache<U> {
    private static final Object NONE = new Object();

    private final LongFunction<Translation<U>> translator;
    private final TcgOptions opts;
    private final TbStats stats = new TbStats();
    private final ConcurrentHashMap<Long, Object> units = new ConcurrentHashMap<>();
    /** Queued requests: pc → install sequence number when requested. */
    private final ConcurrentHashMap<Long, Long> pending = new ConcurrentHashMap<>();
    /** Block starts run inside installed units (not their entries): pc → install sequence number. */
    private final Map<Long, Long> coveredAt = new HashMap<>();
    private long installs;
    private final Map<Long, List<Translation<U>>> byPage = new HashMap<>();
    private final Set<Translation<U>> live = new HashSet<>();
    private long liveBytes;
    private volatile int generation;
    /** Counts flushes and invalidations that dropped something (not installs). */
    private volatile int drops;
    /** Moves at every flush and invalidation call, whether or not it dropped a unit. */
    private volatile int epoch;
    private final LinkedBlockingDeque<Long> queue = new LinkedBlockingDeque<>();
    private Thread worker;

    /** {@code translator} returns null when nothing at that pc can be translated. */
    public TbCache(LongFunction<Translation<U>> translator, TcgOptions opts) {
        this.translator = translator;
        this.opts = opts;
    }

    public TcgOptions options() { return opts; }
    public TbStats stats() { return stats; }
    public int generation() { return generation; }
    /** Moves whenever translations are dropped (flush, invalidation); code suspended in a nested call checks it. */
    public int drops() { return drops; }

    /** The unit entered at {@code pc}, or null (not translated, or not translatable). */
    @SuppressWarnings("unchecked")
    public U get(long pc) {
        Object o = units.get(pc);
        return o == null || o == NONE ? null : (U) o;
    }

    /** Queues (or, when synchronous, performs) the translation of the code at {@code pc}. */
    public void request(long pc) {
        if (units.containsKey(pc) || pending.putIfAbsent(pc, installSeq()) != null) return;
        if (opts.synchronous()) {
            try { translateNow(pc); } finally { pending.remove(pc); }
            return;
        }
        synchronized (this) {
            if (worker == null) {
                worker = Thread.ofPlatform().daemon().name("jemu-tcg").unstarted(this::work);
                worker.setPriority(Thread.NORM_PRIORITY - 1);
                worker.start();
            }
        }
        queue.offerFirst(pc); // newest first: the hottest code is usually the most recent
    }

    /**
     * The translator thread. It takes what was queued since its last round as one batch and translates it in
     * ascending pc order, each unit followed at once by its continuations (see {@link Translation}): when a
     * long straight-line run was interpreted, all its interpreter blocks got hot together; taken from its
     * start, the run becomes one chain of units and the requests inside it are dropped as covered, where
     * taking the newest first made one overlapping chain per block.
     */
    private void work() {
        try {
            List<Long> batch = new ArrayList<>();
            while (true) {
                batch.add(queue.takeFirst());
                queue.drainTo(batch);
                batch.sort(null);
                for (long pc : batch) {
                    try { translateChain(pc); } finally { pending.remove(pc); }
                }
                batch.clear();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Translates {@code pc}, then the continuations of what it installed, and theirs. */
    private void translateChain(long pc) {
        java.util.ArrayDeque<Long> next = new java.util.ArrayDeque<>();
        for (long c : translateNow(pc)) next.push(c);
        while (!next.isEmpty()) {
            long c = next.pop();
            if (units.containsKey(c) || pending.putIfAbsent(c, installSeq()) != null) continue;
            try {
                for (long d : translateNow(c)) next.push(d);
            } finally {
                pending.remove(c);
            }
        }
    }

    private synchronized long installSeq() { return installs; }

    /** Whether pc became hot only while a unit that runs through it was not installed yet. */
    private synchronized boolean coveredSince(long pc) {
        Long c = coveredAt.get(pc), r = pending.get(pc);
        return c != null && r != null && c > r;
    }

    private static final long[] NO_PCS = {};

    /** Translates and installs the unit at {@code pc}; returns its continuations (none when nothing was installed). */
    private long[] translateNow(long pc) {
        if (units.containsKey(pc)) return NO_PCS; // an entry of a unit installed since the request
        if (!opts.synchronous() && coveredSince(pc)) { stats.droppedRequests.increment(); return NO_PCS; }
        long t0 = System.nanoTime();
        // An invalidation (munmap, mprotect, exec, a write to code) may land while the translator reads the
        // old code: such a result must not be installed, or stale code would run (and a failure caused by
        // the race must not mark the pc untranslatable).
        int epoch0 = epoch;
        Translation<U> t;
        try {
            t = translator.apply(pc);
        } catch (RuntimeException | LinkageError | StackOverflowError e) {
            // A translator bug must not take the guest down: the interpreter keeps running this code.
            if (Log.on(Log.Item.TB_STATS)) Log.log("tcg: translation at 0x" + Long.toHexString(pc) + " failed: " + e);
            t = null;
        }
        stats.translateNanos.add(System.nanoTime() - t0);
        if (t == null) {
            stats.failedTranslations.increment();
            synchronized (this) { if (epoch == epoch0) units.putIfAbsent(pc, NONE); }
            return NO_PCS;
        }
        return install(t, epoch0) ? t.continuations() : NO_PCS;
    }

    private synchronized boolean install(Translation<U> t, int epoch0) {
        if (epoch != epoch0) { stats.droppedRequests.increment(); return false; } // raced with an invalidation
        if (liveBytes + t.bytecodeBytes() > opts.budgetBytes()) flush();
        stats.unitsTranslated.increment();
        stats.guestInsnsTranslated.add(t.guestInsns());
        stats.bytecodeBytes.add(t.bytecodeBytes());
        live.add(t);
        liveBytes += t.bytecodeBytes();
        for (long p : t.pages()) byPage.computeIfAbsent(p, k -> new ArrayList<>()).add(t);
        for (long e : t.entryPcs()) units.put(e, t.unit());
        installs++;
        for (long c : t.covered()) coveredAt.put(c, installs);
        generation++;
        return true;
    }

    /** Drops every translation (cache budget exhausted, or fence.i). Hidden classes become unloadable. */
    public synchronized void flush() {
        stats.flushes.increment();
        epoch++;
        units.clear();
        coveredAt.clear();
        byPage.clear();
        live.clear();
        liveBytes = 0;
        queue.clear();
        drops++;
        generation++;
    }

    /** Drops translations of code in guest [start, start+len) — for munmap/mprotect/writes to code pages. */
    public synchronized void invalidate(long start, long len, int pageShift) {
        if (len <= 0) return;
        epoch++;
        long first = start >>> pageShift, last = (start + len - 1) >>> pageShift;
        boolean any = false;
        if (last - first > byPage.size()) {
            for (var it = byPage.entrySet().iterator(); it.hasNext(); ) {
                var e = it.next();
                if (e.getKey() >= first && e.getKey() <= last) { any |= drop(e.getValue()); it.remove(); }
            }
        } else {
            for (long p = first; p <= last; p++) {
                List<Translation<U>> l = byPage.remove(p);
                if (l != null) any |= drop(l);
            }
        }
        // "not translatable" marks may be stale too
        units.values().removeIf(v -> v == NONE);
        if (any) {
            stats.invalidations.increment();
            drops++;
            generation++;
        }
    }

    private boolean drop(List<Translation<U>> l) {
        boolean any = false;
        for (Translation<U> t : l) {
            if (!live.remove(t)) continue;
            any = true;
            liveBytes -= t.bytecodeBytes();
            for (long e : t.entryPcs()) units.remove(e, t.unit());
            for (long c : t.covered()) coveredAt.remove(c);
        }
        return any;
    }

    /** The thread whose counts asked for the latest translation (read racily by the translator: a heuristic). */
    private volatile Jumps heatSource;

    /**
     * How often the interpreter has entered the block at {@code pc} (on the thread that requested the latest
     * translation; hashed, so collisions may over-count): 0 for code the interpreter never ran. The region
     * discovery explores hot blocks first, so a loop whose blocks are scattered among cold paths stays in one
     * unit.
     */
    public int heat(long pc) {
        Jumps j = heatSource;
        return j == null ? 0 : j.counts[j.slot(pc)];
    }

    /** Stops the background thread (end of the guest). */
    public void shutdown() {
        Thread w;
        synchronized (this) { w = worker; }
        if (w != null) w.interrupt();
    }

    /**
     * A vCPU thread's view: a direct-mapped pc → unit cache in front of the shared map, and the hotness
     * counters of the blocks this thread interprets. Not thread-safe; one per executing thread.
     */
    public final class Jumps {
        private static final int BITS = 12;
        private final long[] tags = new long[1 << BITS];
        private final Object[] vals = new Object[1 << BITS];
        private final int[] counts = new int[1 << 14];
        private int gen = -1;
        public long entries, interpreted, interpExits, nested;

        public Jumps() { java.util.Arrays.fill(tags, 1); } // odd pcs never occur

        /** The unit for {@code pc}, or null to interpret. */
        @SuppressWarnings("unchecked")
        public U lookup(long pc) {
            int g = generation;
            if (g != gen) {
                java.util.Arrays.fill(tags, 1);
                java.util.Arrays.fill(vals, null);
                gen = g;
            }
            int i = (int) (pc >>> 1) & ((1 << BITS) - 1);
            if (tags[i] == pc) { Object v = vals[i]; return v == NONE ? null : (U) v; }
            // misses are cached too (until the generation moves: an install or invalidation)
            U u = get(pc);
            tags[i] = pc;
            vals[i] = u == null ? NONE : u;
            return u;
        }

        /**
         * Notes that the interpreter is about to run the block at {@code pc}; may queue its translation.
         * Returns true when a translation was installed meanwhile (synchronous mode): look up again.
         */
        public boolean count(long pc) {
            int t = opts.threshold();
            if (t < 0) return false;
            int i = slot(pc);
            int c = counts[i] + 1;
            if (c < 0) c = t;   // saturates (the count is also the block's heat, see TbCache#heat)
            counts[i] = c;
            if (t <= 1 || c % t == 0) {
                if (!units.containsKey(pc)) {
                    heatSource = this;
                    request(pc);
                    return opts.synchronous();
                }
            }
            return false;
        }

        private int slot(long pc) { return (int) ((pc >>> 1) ^ (pc >>> 13)) & (counts.length - 1); }

        /** Adds this thread's dispatch counts to the statistics. */
        public void publish() {
            stats.unitEntries.add(entries);
            stats.interpretedBlocks.add(interpreted);
            stats.helperExits.add(interpExits);
            stats.nestedCalls.add(nested);
            entries = interpreted = interpExits = nested = 0;
        }
    }
}
