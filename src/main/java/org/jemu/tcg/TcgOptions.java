package org.jemu.tcg;

import org.jemu.util.OptionException;
import org.jemu.util.QemuOpts;

/**
 * When guest code is translated. {@code threshold} is the number of times the interpreter must enter a block
 * before it is translated: 0 translates everything on first sight (synchronously), a negative value turns the
 * translator off (interpreter only).
 *
 * <p>Set with {@code -accel tcg,thresh=N} / {@code -accel tcg,thresh=off} on the command line, or the
 * system property {@code jemu.tcg.thresh} (e.g. {@code JEMU_JAVA_OPTS=-Djemu.tcg.thresh=0}); the command line
 * wins. {@code jemu.tcg.sync=true} translates on the executing thread instead of the background thread
 * (deterministic; used by tests). {@code jemu.tcg.budget} caps the bytes of bytecode kept before the
 * translation cache is flushed.
 */
public record TcgOptions(int threshold, boolean synchronous, long budgetBytes, int maxRegionInsns) {
    public static final int DEFAULT_THRESHOLD = 50;
    public static final long DEFAULT_BUDGET = 64L << 20;
    /** Guest instructions per region. 600 left C1 out of virtual registers; 24 split loops such as glibc's
     *  28-instruction unaligned memcpy body over two units (two dispatches per iteration); 48 measured best
     *  of 24/48/96/128 over memstr, qsort and sha256sum (docs/tcg.md). */
    public static final int DEFAULT_REGION_INSNS = 48;

    public boolean enabled() { return threshold >= 0; }

    public TcgOptions withThreshold(int t) { return new TcgOptions(t, synchronous, budgetBytes, maxRegionInsns); }
    public TcgOptions withSynchronous(boolean s) { return new TcgOptions(threshold, s, budgetBytes, maxRegionInsns); }

    /** Defaults, overridden by the jemu.tcg.* system properties. */
    public static TcgOptions fromSystemProperties() {
        int t = parseThreshold(System.getProperty("jemu.tcg.thresh", Integer.toString(DEFAULT_THRESHOLD)));
        boolean sync = Boolean.parseBoolean(System.getProperty("jemu.tcg.sync", "false"));
        long budget = DEFAULT_BUDGET;
        String b = System.getProperty("jemu.tcg.budget");
        if (b != null) budget = org.jemu.util.Sizes.parse(b, "jemu.tcg.budget");
        int insns = Integer.getInteger("jemu.tcg.region-insns", DEFAULT_REGION_INSNS);
        return new TcgOptions(t, sync || t == 0, budget, Math.max(1, insns));
    }

    /**
     * Applies an {@code -accel} argument: {@code tcg[,thresh=N|off][,sync=on|off][,tb-size=MiB]}. Other
     * accelerators are an error naming them (user mode has only TCG).
     */
    public TcgOptions withAccel(String arg) {
        QemuOpts o = QemuOpts.parse("accel", arg, "accel");
        String accel = o.take("accel", null);
        if (accel != null && !accel.equals("tcg")) throw new OptionException("invalid accelerator " + accel);
        TcgOptions r = this;
        String t = o.take("thresh", null);
        if (t != null) r = r.withThreshold(parseThreshold(t));
        String s = o.take("sync", null);
        if (s != null) r = r.withSynchronous(s.equals("on") || s.equals("true"));
        String tb = o.take("tb-size", null);
        if (tb != null) {
            try {
                r = new TcgOptions(r.threshold, r.synchronous, Long.parseLong(tb) << 20, r.maxRegionInsns);
            } catch (NumberFormatException e) {
                throw new OptionException("accel: invalid tb-size '" + tb + "'");
            }
        }
        o.rejectUnknown();
        if (r.threshold == 0) r = r.withSynchronous(true);
        return r;
    }

    private static int parseThreshold(String t) {
        if (t.equals("off") || t.equals("none")) return -1;
        if (t.equals("all") || t.equals("always")) return 0;
        try {
            return Integer.parseInt(t);
        } catch (NumberFormatException e) {
            throw new OptionException("tcg: invalid translation threshold '" + t + "' (a number, 'all' or 'off')");
        }
    }
}
