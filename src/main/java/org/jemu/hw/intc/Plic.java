package org.jemu.hw.intc;

import org.jemu.hw.IrqLine;
import org.jemu.memory.MmioHandler;
import org.jemu.util.Log;

/**
 * SiFive PLIC (platform-level interrupt controller) as on the virt board at 0xc000000: sources
 * 1..96 ("riscv,ndev" = 96; 0 means "none"), 7 priority levels, two contexts per hart (2h = M-mode, 2h+1 =
 * S-mode), level-triggered inputs.
 *
 * <p>Guest-facing contract (32-bit registers):
 * <pre>
 * 0x000000 + 4*src          priority (0..7; 0 = never interrupts)
 * 0x001000 + 4*word         pending bits (read-only)
 * 0x002000 + 0x80*ctx + 4*w enable bits of a context
 * 0x200000 + 0x1000*ctx     priority threshold (0..7)
 * 0x200004 + 0x1000*ctx     claim (read: highest-priority pending enabled source above threshold, 0 if
 *                           none; clears its pending bit) / complete (write the source id back)
 * </pre>
 * A context's external-interrupt output (MEIP/SEIP) is high while some pending, enabled, unclaimed
 * source has priority &gt; threshold. A source whose line is still high when completed becomes pending
 * again. Bad offsets and widths read 0 / are ignored (logged under -d guest_errors).
 */
public final class Plic implements MmioHandler, org.jemu.hw.Resettable {
    public static final int NUM_SOURCES = 97;
    public static final int NUM_PRIORITIES = 7;
    public static final long SIZE = 0x600000;
    static final long PENDING = 0x1000, ENABLE = 0x2000, CONTEXT = 0x200000;
    static final int WORDS = (NUM_SOURCES + 31) / 32;

    private final int contexts;
    private final IrqLine[] outputs;
    private final int[] priority = new int[NUM_SOURCES];
    private final int[] pending = new int[WORDS];
    private final int[] claimed = new int[WORDS];
    private final int[] level = new int[WORDS];
    private final int[][] enable;
    private final int[] threshold;
    private final boolean[] outState;

    /** {@code outputs[ctx]}: 2*hart → the hart's MEIP, 2*hart+1 → SEIP. */
    public Plic(IrqLine[] outputs) {
        this.contexts = outputs.length;
        this.outputs = outputs;
        this.enable = new int[contexts][WORDS];
        this.threshold = new int[contexts];
        this.outState = new boolean[contexts];
    }

    /** System reset: priorities, enables, thresholds 0; nothing pending or claimed (input levels stay as the devices drive them). */
    @Override
    public synchronized void reset() {
        java.util.Arrays.fill(priority, 0);
        java.util.Arrays.fill(claimed, 0);
        for (int w = 0; w < WORDS; w++) pending[w] = level[w];
        for (int[] e : enable) java.util.Arrays.fill(e, 0);
        java.util.Arrays.fill(threshold, 0);
        update();
    }

    /** The input wire of source {@code src} (1..NUM_SOURCES-1). */
    public IrqLine input(int src) {
        if (src <= 0 || src >= NUM_SOURCES) throw new IllegalArgumentException("PLIC source " + src);
        return lvl -> setLevel(src, lvl);
    }

    synchronized void setLevel(int src, boolean high) {
        int w = src >> 5, bit = 1 << (src & 31);
        if (high) {
            level[w] |= bit;
            if ((claimed[w] & bit) == 0) pending[w] |= bit;
        } else {
            level[w] &= ~bit;
            pending[w] &= ~bit;
        }
        update();
    }

    @Override
    public synchronized long read(long off, int size) {
        if (size != 4 || (off & 3) != 0) { bad("read", off, size); return 0; }
        if (off < 4L * NUM_SOURCES) return priority[(int) (off >> 2)];
        if (off >= PENDING && off < PENDING + 4L * WORDS) return pending[(int) ((off - PENDING) >> 2)] & 0xffffffffL;
        if (off >= ENABLE && off < ENABLE + 0x80L * contexts) {
            int ctx = (int) ((off - ENABLE) / 0x80), w = (int) (((off - ENABLE) % 0x80) >> 2);
            return w < WORDS ? enable[ctx][w] & 0xffffffffL : 0;
        }
        if (off >= CONTEXT && off < CONTEXT + 0x1000L * contexts) {
            int ctx = (int) ((off - CONTEXT) >> 12);
            long reg = (off - CONTEXT) & 0xfff;
            if (reg == 0) return threshold[ctx];
            if (reg == 4) return claim(ctx);
        }
        bad("read", off, size);
        return 0;
    }

    @Override
    public synchronized void write(long off, int size, long value) {
        if (size != 4 || (off & 3) != 0) { bad("write", off, size); return; }
        int v = (int) value;
        if (off < 4L * NUM_SOURCES) {
            if (off != 0) priority[(int) (off >> 2)] = v & 7;
            update();
            return;
        }
        if (off >= ENABLE && off < ENABLE + 0x80L * contexts) {
            int ctx = (int) ((off - ENABLE) / 0x80), w = (int) (((off - ENABLE) % 0x80) >> 2);
            if (w < WORDS) {
                enable[ctx][w] = w == 0 ? v & ~1 : v; // source 0 does not exist
                update();
                return;
            }
        }
        if (off >= CONTEXT && off < CONTEXT + 0x1000L * contexts) {
            int ctx = (int) ((off - CONTEXT) >> 12);
            long reg = (off - CONTEXT) & 0xfff;
            if (reg == 0) { threshold[ctx] = v & 7; update(); return; }
            if (reg == 4) { complete(ctx, v); return; }
        }
        bad("write", off, size);
    }

    private int best(int ctx) {
        int bestSrc = 0, bestPrio = threshold[ctx];
        for (int w = 0; w < WORDS; w++) {
            int cand = pending[w] & enable[ctx][w] & ~claimed[w];
            while (cand != 0) {
                int b = Integer.numberOfTrailingZeros(cand);
                cand &= cand - 1;
                int src = w * 32 + b;
                if (src < NUM_SOURCES && priority[src] > bestPrio) { bestPrio = priority[src]; bestSrc = src; }
            }
        }
        return bestSrc;
    }

    private int claim(int ctx) {
        int src = best(ctx);
        if (src != 0) {
            pending[src >> 5] &= ~(1 << (src & 31));
            claimed[src >> 5] |= 1 << (src & 31);
            update();
        }
        return src;
    }

    private void complete(int ctx, int src) {
        if (src <= 0 || src >= NUM_SOURCES) { bad("complete", src, 4); return; }
        int w = src >> 5, bit = 1 << (src & 31);
        if ((enable[ctx][w] & bit) == 0) return; // the spec ignores completion of a source the context does not enable
        claimed[w] &= ~bit;
        if ((level[w] & bit) != 0) pending[w] |= bit;
        update();
    }

    private void update() {
        for (int c = 0; c < contexts; c++) {
            boolean on = best(c) != 0;
            if (on != outState[c]) {
                outState[c] = on;
                outputs[c].set(on);
            }
        }
    }

    private static void bad(String what, long off, int size) {
        if (Log.on(Log.Item.GUEST_ERRORS)) Log.logf("plic: invalid %s at 0x%x size %d%n", what, off, size);
    }
}
