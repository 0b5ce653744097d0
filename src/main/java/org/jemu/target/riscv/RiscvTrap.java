package org.jemu.target.riscv;

/**
 * A guest trap raised from inside an instruction (a memory fault from {@link CpuMemory}, an illegal CSR
 * access from {@link Csrs}). Stackless and allocated only when a fault happens, so it costs nothing on
 * hot paths; the interpreter catches it, sets {@link RiscvCpu#pc} to the faulting instruction and
 * {@link RiscvCpu#tval}, and returns {@link #cause} from {@link RiscvExec#run}.
 */
public final class RiscvTrap extends RuntimeException {
    /** One of the {@link Trap} causes. */
    public final int cause;
    /** The faulting address (memory faults) or 0 (filled with the instruction bits for illegal instructions). */
    public final long tval;

    public RiscvTrap(int cause, long tval) {
        super(null, null, false, false);
        this.cause = cause;
        this.tval = tval;
    }

    @Override public String getMessage() { return Trap.name(cause) + String.format(" (tval 0x%x)", tval); }
}
