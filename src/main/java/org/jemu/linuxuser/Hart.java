package org.jemu.linuxuser;

/**
 * What linux-user needs from a RISC-V hart: its user-visible state and QEMU's cpu_exec (run until
 * something the OS must handle). Implemented over the CPU package's RiscvCpu/RiscvExec by
 * {@link RiscvHart}; tests may substitute their own.
 */
public interface Hart {
    long x(int i);
    void x(int i, long v);
    long f(int i);
    void f(int i, long v);
    long pc();
    void pc(long v);
    int fcsr();
    void fcsr(int v);

    /** Runs guest code until an exception or an exit request; returns the cause (see Trap). */
    int run();

    /** The faulting address / instruction bits of the last exception. */
    long tval();

    /** Asks a running {@link #run} (on another thread) to return soon with EXIT_REQUEST. */
    void requestExit();

    /** A new hart for a new guest thread, sharing memory and code cache, with a copy of this state. */
    Hart fork();

    /** Drops translated code for guest [start, start+len) (munmap/mprotect/fence.i). */
    void invalidate(long start, long len);

    /** Forgets the reservation set of LR (signal delivery, context switch). */
    default void clearReservation() {}

    /** Cause codes (RISC-V mcause) the loop acts on. */
    int ILLEGAL_INSN = 2, BREAKPOINT = 3, ECALL_U = 8, INSN_MISALIGNED = 0, LOAD_MISALIGNED = 4, STORE_MISALIGNED = 6,
            INSN_ACCESS = 1, LOAD_ACCESS = 5, STORE_ACCESS = 7, INSN_PAGE_FAULT = 12, LOAD_PAGE_FAULT = 13,
            STORE_PAGE_FAULT = 15, EXIT_REQUEST = 0x10000;
}
