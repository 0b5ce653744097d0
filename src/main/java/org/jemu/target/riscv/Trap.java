package org.jemu.target.riscv;

/**
 * The codes {@link RiscvExec#run} returns: RISC-V synchronous exception causes (the ISA manual's mcause
 * encoding, so a system-mode trap handler can use them as they are) and the jemu-specific event
 * {@link #EXIT_REQUEST}. {@link RiscvCpu#tval} holds the faulting address or instruction bits.
 */
public final class Trap {
    private Trap() {}

    public static final int INSN_MISALIGNED = 0;
    public static final int INSN_ACCESS_FAULT = 1;
    /** Illegal instruction; tval = the instruction bits (the 16-bit parcel for a compressed one). */
    public static final int ILLEGAL_INSN = 2;
    public static final int BREAKPOINT = 3;
    public static final int LOAD_MISALIGNED = 4;
    public static final int LOAD_ACCESS_FAULT = 5;
    /** Store/AMO address misaligned. */
    public static final int STORE_MISALIGNED = 6;
    public static final int STORE_ACCESS_FAULT = 7;
    public static final int ECALL_U = 8;
    public static final int ECALL_S = 9;
    public static final int ECALL_M = 11;
    public static final int INSN_PAGE_FAULT = 12;
    public static final int LOAD_PAGE_FAULT = 13;
    /** Store/AMO page fault. */
    public static final int STORE_PAGE_FAULT = 15;

    /** Not a RISC-V cause: another thread (signal delivery, interrupt, shutdown) asked the hart to stop. */
    public static final int EXIT_REQUEST = 0x10000;
    /** Not a RISC-V cause: a privileged hook (wfi) asked the outer loop to wait for an interrupt. */
    public static final int HALT = 0x10001;

    public static String name(int cause) {
        return switch (cause) {
            case INSN_MISALIGNED -> "instruction address misaligned";
            case INSN_ACCESS_FAULT -> "instruction access fault";
            case ILLEGAL_INSN -> "illegal instruction";
            case BREAKPOINT -> "breakpoint";
            case LOAD_MISALIGNED -> "load address misaligned";
            case LOAD_ACCESS_FAULT -> "load access fault";
            case STORE_MISALIGNED -> "store/AMO address misaligned";
            case STORE_ACCESS_FAULT -> "store/AMO access fault";
            case ECALL_U -> "environment call from U-mode";
            case ECALL_S -> "environment call from S-mode";
            case ECALL_M -> "environment call from M-mode";
            case INSN_PAGE_FAULT -> "instruction page fault";
            case LOAD_PAGE_FAULT -> "load page fault";
            case STORE_PAGE_FAULT -> "store/AMO page fault";
            case EXIT_REQUEST -> "exit request";
            case HALT -> "halt";
            default -> "cause " + cause;
        };
    }
}
