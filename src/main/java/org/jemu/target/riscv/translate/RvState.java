package org.jemu.target.riscv.translate;

/**
 * The part of a hart's state that translated code works on: the integer and floating-point register files
 * (aliased with the CPU's own arrays, not copies), the exit-request flag and the way the last unit exited.
 */
public final class RvState {
    /** exitKind: the returned pc is the next block to run (look it up). */
    public static final int EXIT_NEXT = 0;
    /** exitKind: the interpreter must run the instruction at the returned pc (it is not on the fast path). */
    public static final int EXIT_INTERP = 1;

    public final long[] x;
    public final long[] f;
    /** Set by other threads (signals, exit, stop) to make translated loops return; read at every loop head. */
    public volatile int exitRequest;
    public int exitKind;
    /** Scratch for helpers called from translated code. */
    public Object cpu;

    public RvState(long[] x, long[] f) {
        if (x.length != 32 || f.length != 32) throw new IllegalArgumentException("register files must have 32 entries");
        this.x = x;
        this.f = f;
    }
}
