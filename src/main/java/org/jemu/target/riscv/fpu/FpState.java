package org.jemu.target.riscv.fpu;

/**
 * The floating-point part of a RISC-V hart's state: the accrued exception flags (fflags) and the dynamic
 * rounding mode (frm), which together form the fcsr CSR (fcsr = frm << 5 | fflags).
 *
 * <p>Plain data: the CPU owns one instance per hart; {@link Fpu} ORs the flags an operation raises into
 * {@link #flags}. Flag bit values and rounding-mode numbers are the ISA manual's encodings.
 */
public final class FpState {
    /** fflags bits (ISA manual "Accrued exception flag encoding"). */
    public static final int NX = 1;   // inexact
    public static final int UF = 2;   // underflow
    public static final int OF = 4;   // overflow
    public static final int DZ = 8;   // divide by zero
    public static final int NV = 16;  // invalid operation
    public static final int FLAGS_MASK = 0x1f;

    /** Rounding modes (the rm instruction field and frm). 5 and 6 are reserved; DYN (7) selects frm. */
    public static final int RNE = 0;  // round to nearest, ties to even
    public static final int RTZ = 1;  // round towards zero
    public static final int RDN = 2;  // round down (towards -infinity)
    public static final int RUP = 3;  // round up (towards +infinity)
    public static final int RMM = 4;  // round to nearest, ties to max magnitude
    public static final int DYN = 7;

    /** Accrued exception flags (5 bits). */
    public int flags;
    /** Dynamic rounding mode (3 bits; may hold a reserved value, which makes DYN instructions illegal). */
    public int frm;

    /** The fcsr CSR value: frm in bits 7:5, fflags in bits 4:0. */
    public int fcsr() { return (frm & 7) << 5 | (flags & FLAGS_MASK); }

    public void setFcsr(int v) {
        flags = v & FLAGS_MASK;
        frm = (v >>> 5) & 7;
    }

    /**
     * The rounding mode an instruction uses: its static rm, or frm when rm is DYN; -1 when the result is a
     * reserved mode (the instruction is then illegal).
     */
    public int resolve(int rm) {
        int m = rm == DYN ? frm : rm;
        return m <= RMM ? m : -1;
    }
}
