package org.jemu.target.riscv.translate;

import org.jemu.target.riscv.fpu.FpState;
import org.jemu.target.riscv.fpu.Fpu;

/**
 * The F/D instructions for translated code: one static function per {@link org.jemu.target.riscv.Insn} row,
 * named exactly as the row, of raw register bits (NaN-boxed singles), the resolved rounding mode and the
 * hart's {@link FpState}; they call the FPU's {@link Fpu} operations (which raise the exact flags) with the
 * same NaN-boxing rules as the interpreter's FpExec. Signatures by operand format:
 * FRM/FR/XFF {@code (a, b, rm, st)}, FR4 {@code (a, b, c, rm, st)}, the unary ones {@code (a, rm, st)}.
 * {@code TranslatorFuzzTest} runs them against the interpreter with every rounding mode.
 */
public final class FpOps {
    private FpOps() {}

    private static final long BOX = 0xffffffff00000000L;
    private static final int SIGN_S = 0x80000000;
    private static final long SIGN_D = Long.MIN_VALUE;

    static int unbox(long v) { return (v & BOX) == BOX ? (int) v : Fpu.CANON_NAN_S; }
    static long box(int s) { return BOX | (s & 0xffffffffL); }

    // ---- single ----
    public static long FMADD_S(long a, long b, long c, int rm, FpState st) { return box(Fpu.mulAddS(unbox(a), unbox(b), unbox(c), rm, st)); }
    public static long FMSUB_S(long a, long b, long c, int rm, FpState st) { return box(Fpu.mulAddS(unbox(a), unbox(b), unbox(c) ^ SIGN_S, rm, st)); }
    public static long FNMSUB_S(long a, long b, long c, int rm, FpState st) { return box(Fpu.mulAddS(unbox(a) ^ SIGN_S, unbox(b), unbox(c), rm, st)); }
    public static long FNMADD_S(long a, long b, long c, int rm, FpState st) { return box(Fpu.mulAddS(unbox(a) ^ SIGN_S, unbox(b), unbox(c) ^ SIGN_S, rm, st)); }
    public static long FADD_S(long a, long b, int rm, FpState st) { return box(Fpu.addS(unbox(a), unbox(b), rm, st)); }
    public static long FSUB_S(long a, long b, int rm, FpState st) { return box(Fpu.subS(unbox(a), unbox(b), rm, st)); }
    public static long FMUL_S(long a, long b, int rm, FpState st) { return box(Fpu.mulS(unbox(a), unbox(b), rm, st)); }
    public static long FDIV_S(long a, long b, int rm, FpState st) { return box(Fpu.divS(unbox(a), unbox(b), rm, st)); }
    public static long FSQRT_S(long a, int rm, FpState st) { return box(Fpu.sqrtS(unbox(a), rm, st)); }
    public static long FSGNJ_S(long a, long b, int rm, FpState st) { return box(unbox(a) & ~SIGN_S | unbox(b) & SIGN_S); }
    public static long FSGNJN_S(long a, long b, int rm, FpState st) { return box(unbox(a) & ~SIGN_S | ~unbox(b) & SIGN_S); }
    public static long FSGNJX_S(long a, long b, int rm, FpState st) { return box(unbox(a) ^ unbox(b) & SIGN_S); }
    public static long FMIN_S(long a, long b, int rm, FpState st) { return box(Fpu.minS(unbox(a), unbox(b), st)); }
    public static long FMAX_S(long a, long b, int rm, FpState st) { return box(Fpu.maxS(unbox(a), unbox(b), st)); }
    public static long FCVT_W_S(long a, int rm, FpState st) { return Fpu.cvtWS(unbox(a), rm, st); }
    public static long FCVT_WU_S(long a, int rm, FpState st) { return Fpu.cvtWUS(unbox(a), rm, st); }
    public static long FCVT_L_S(long a, int rm, FpState st) { return Fpu.cvtLS(unbox(a), rm, st); }
    public static long FCVT_LU_S(long a, int rm, FpState st) { return Fpu.cvtLUS(unbox(a), rm, st); }
    public static long FMV_X_W(long a, int rm, FpState st) { return (int) a; }
    public static long FEQ_S(long a, long b, int rm, FpState st) { return Fpu.eqS(unbox(a), unbox(b), st); }
    public static long FLT_S(long a, long b, int rm, FpState st) { return Fpu.ltS(unbox(a), unbox(b), st); }
    public static long FLE_S(long a, long b, int rm, FpState st) { return Fpu.leS(unbox(a), unbox(b), st); }
    public static long FCLASS_S(long a, int rm, FpState st) { return Fpu.classS(unbox(a)); }
    public static long FCVT_S_W(long a, int rm, FpState st) { return box(Fpu.cvtSW(a, rm, st)); }
    public static long FCVT_S_WU(long a, int rm, FpState st) { return box(Fpu.cvtSWU(a, rm, st)); }
    public static long FCVT_S_L(long a, int rm, FpState st) { return box(Fpu.cvtSL(a, rm, st)); }
    public static long FCVT_S_LU(long a, int rm, FpState st) { return box(Fpu.cvtSLU(a, rm, st)); }
    public static long FMV_W_X(long a, int rm, FpState st) { return box((int) a); }

    // ---- double ----
    public static long FMADD_D(long a, long b, long c, int rm, FpState st) { return Fpu.mulAddD(a, b, c, rm, st); }
    public static long FMSUB_D(long a, long b, long c, int rm, FpState st) { return Fpu.mulAddD(a, b, c ^ SIGN_D, rm, st); }
    public static long FNMSUB_D(long a, long b, long c, int rm, FpState st) { return Fpu.mulAddD(a ^ SIGN_D, b, c, rm, st); }
    public static long FNMADD_D(long a, long b, long c, int rm, FpState st) { return Fpu.mulAddD(a ^ SIGN_D, b, c ^ SIGN_D, rm, st); }
    public static long FADD_D(long a, long b, int rm, FpState st) { return Fpu.addD(a, b, rm, st); }
    public static long FSUB_D(long a, long b, int rm, FpState st) { return Fpu.subD(a, b, rm, st); }
    public static long FMUL_D(long a, long b, int rm, FpState st) { return Fpu.mulD(a, b, rm, st); }
    public static long FDIV_D(long a, long b, int rm, FpState st) { return Fpu.divD(a, b, rm, st); }
    public static long FSQRT_D(long a, int rm, FpState st) { return Fpu.sqrtD(a, rm, st); }
    public static long FSGNJ_D(long a, long b, int rm, FpState st) { return a & ~SIGN_D | b & SIGN_D; }
    public static long FSGNJN_D(long a, long b, int rm, FpState st) { return a & ~SIGN_D | ~b & SIGN_D; }
    public static long FSGNJX_D(long a, long b, int rm, FpState st) { return a ^ b & SIGN_D; }
    public static long FMIN_D(long a, long b, int rm, FpState st) { return Fpu.minD(a, b, st); }
    public static long FMAX_D(long a, long b, int rm, FpState st) { return Fpu.maxD(a, b, st); }
    public static long FCVT_S_D(long a, int rm, FpState st) { return box(Fpu.cvtSD(a, rm, st)); }
    public static long FCVT_D_S(long a, int rm, FpState st) { return Fpu.cvtDS(unbox(a), rm, st); }
    public static long FEQ_D(long a, long b, int rm, FpState st) { return Fpu.eqD(a, b, st); }
    public static long FLT_D(long a, long b, int rm, FpState st) { return Fpu.ltD(a, b, st); }
    public static long FLE_D(long a, long b, int rm, FpState st) { return Fpu.leD(a, b, st); }
    public static long FCLASS_D(long a, int rm, FpState st) { return Fpu.classD(a); }
    public static long FCVT_W_D(long a, int rm, FpState st) { return Fpu.cvtWD(a, rm, st); }
    public static long FCVT_WU_D(long a, int rm, FpState st) { return Fpu.cvtWUD(a, rm, st); }
    public static long FCVT_L_D(long a, int rm, FpState st) { return Fpu.cvtLD(a, rm, st); }
    public static long FCVT_LU_D(long a, int rm, FpState st) { return Fpu.cvtLUD(a, rm, st); }
    public static long FMV_X_D(long a, int rm, FpState st) { return a; }
    public static long FCVT_D_W(long a, int rm, FpState st) { return Fpu.cvtDW(a, rm, st); }
    public static long FCVT_D_WU(long a, int rm, FpState st) { return Fpu.cvtDWU(a, rm, st); }
    public static long FCVT_D_L(long a, int rm, FpState st) { return Fpu.cvtDL(a, rm, st); }
    public static long FCVT_D_LU(long a, int rm, FpState st) { return Fpu.cvtDLU(a, rm, st); }
    public static long FMV_D_X(long a, int rm, FpState st) { return a; }
}
