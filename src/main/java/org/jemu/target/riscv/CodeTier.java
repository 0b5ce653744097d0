package org.jemu.target.riscv;

/**
 * A hart's translated-code tier behind the interpreter (QEMU's TCG). {@link RiscvExec#run} calls
 * {@link #enter} at every block boundary; user mode plugs in {@code translate.RvTcg.Hart} (translation
 * cache keyed by guest virtual pc), system mode {@code softmmu.SoftmmuTcg.Hart} (keyed by virtual pc and
 * the physical page it maps to, probed through the softmmu TLB).
 */
public interface CodeTier {
    /**
     * Runs translated code for {@code pc} if there is any: returns true with {@code cpu.pc} at the next guest
     * pc; false when the interpreter should run the block at {@code pc}.
     */
    boolean enter(RiscvCpu cpu, long pc);

    /**
     * A translated call out of its unit whose return address {@code ret} is in the unit: runs translated code
     * from {@code target} on the Java stack and answers {@code ret} when the callee returned there, or the pc
     * (with bit 0 set when the interpreter must run the instruction there) where it stopped. The default
     * answers {@code target}: the caller leaves its unit and the dispatcher continues.
     */
    default long callNested(RiscvCpu cpu, long target, long ret) { return target; }

    /**
     * How hot a block must be before the interpreter asks {@link #enterHot} about it: 0 (the default) = ask
     * {@link #enter} at every block boundary; N &gt; 0 = the interpreter counts executions per decoded block,
     * chains cold blocks without asking, and calls {@link #enterHot} for blocks executed N times or more.
     */
    default int blockThreshold() { return 0; }

    /**
     * Runs translated code for the hot block at {@code pc} (only with {@link #blockThreshold()} &gt; 0):
     * 1 = ran, {@code cpu.pc} is the next guest pc; 0 = interpret the block this time; -1 = no translation
     * for it yet (the interpreter asks again after a while).
     */
    default int enterHot(RiscvCpu cpu, long pc) { return enter(cpu, pc) ? 1 : -1; }

    /** fence.i on this hart. */
    void flush();

    /** Translations of guest code at virtual [addr, addr+len) may be stale (the executing thread). */
    void invalidate(long addr, long len);
}
