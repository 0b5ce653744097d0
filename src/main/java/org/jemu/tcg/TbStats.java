package org.jemu.tcg;

import java.io.PrintStream;
import java.util.concurrent.atomic.LongAdder;

/** Translation-cache counters, printed by {@code -d tb_stats} at exit. */
public final class TbStats {
    public final LongAdder unitsTranslated = new LongAdder();
    public final LongAdder guestInsnsTranslated = new LongAdder();
    public final LongAdder bytecodeBytes = new LongAdder();
    public final LongAdder translateNanos = new LongAdder();
    public final LongAdder failedTranslations = new LongAdder();
    public final LongAdder splitRetries = new LongAdder();
    /** Units whose own stack map frames could not be used (built with the JDK's generator instead). */
    public final LongAdder frameFallbacks = new LongAdder();
    /** Requests dropped because a unit installed after them runs through that pc. */
    public final LongAdder droppedRequests = new LongAdder();
    public final LongAdder flushes = new LongAdder();
    public final LongAdder invalidations = new LongAdder();
    /** Dispatches into translated code, and blocks run by the interpreter instead. */
    public final LongAdder unitEntries = new LongAdder();
    public final LongAdder interpretedBlocks = new LongAdder();
    /** Exits from translated code to run one instruction in the interpreter (unsupported insn or slow memory path). */
    public final LongAdder helperExits = new LongAdder();
    /** Calls out of a unit run nested on the Java stack (translated code calling translated code). */
    public final LongAdder nestedCalls = new LongAdder();

    public void print(PrintStream out, TcgOptions opts) {
        long units = unitsTranslated.sum(), hits = unitEntries.sum(), misses = interpretedBlocks.sum();
        out.println("TB statistics (jemu tcg)");
        out.printf("  translation threshold   %s%s%n", opts.threshold() < 0 ? "off" : Integer.toString(opts.threshold()),
                opts.synchronous() ? " (synchronous)" : " (background thread)");
        out.printf("  units translated        %d (%d failed, %d re-split for size, %d requests dropped as covered)%n", units,
                failedTranslations.sum(), splitRetries.sum(), droppedRequests.sum());
        out.printf("  guest insns translated  %d (%.1f per unit)%n", guestInsnsTranslated.sum(),
                units == 0 ? 0.0 : (double) guestInsnsTranslated.sum() / units);
        out.printf("  bytecode emitted        %d bytes (%.0f per unit)%n", bytecodeBytes.sum(),
                units == 0 ? 0.0 : (double) bytecodeBytes.sum() / units);
        out.printf("  time translating        %.1f ms (%.0f us per unit)%n", translateNanos.sum() / 1e6,
                units == 0 ? 0.0 : translateNanos.sum() / 1e3 / units);
        out.printf("  stack map fallbacks     %d (units built with the JDK's frame generator)%n", frameFallbacks.sum());
        out.printf("  dispatches              %d into translated code, %d interpreted blocks (hit rate %.2f%%)%n",
                hits, misses, hits + misses == 0 ? 0.0 : 100.0 * hits / (hits + misses));
        out.printf("  exits to interpreter    %d%n", helperExits.sum());
        out.printf("  nested calls            %d%n", nestedCalls.sum());
        out.printf("  flushes / invalidations %d / %d%n", flushes.sum(), invalidations.sum());
    }
}
