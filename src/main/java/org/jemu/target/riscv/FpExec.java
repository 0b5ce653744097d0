package org.jemu.target.riscv;

import org.jemu.target.riscv.fpu.FpState;
import org.jemu.target.riscv.fpu.Fpu;

/**
 * The F and D instructions' plumbing around {@link Fpu}: NaN-boxing (a single-precision input that is
 * not NaN-boxed reads as the canonical NaN; single results are boxed), rounding-mode resolution (rm 7 =
 * frm; a reserved static rm or frm is an illegal instruction), and register classes. Loads, stores,
 * FMV and FSGNJ move bits without canonicalization.
 */
final class FpExec {
    private FpExec() {}

    private static final long BOX = 0xffffffff00000000L;
    private static final int SIGN_S = 0x80000000;

    /** A single-precision value in an FP register: the low half if NaN-boxed, else the canonical NaN. */
    static int unbox(long v) { return (v & BOX) == BOX ? (int) v : Fpu.CANON_NAN_S; }
    static long box(int s) { return BOX | (s & 0xffffffffL); }

    /**
     * Executes FP instruction {@code in} (operation word {@code w}, immediate {@code imm}); returns
     * {@link RiscvExec#NEXT} or a trap cause. Memory faults propagate as {@link RiscvTrap}.
     */
    static int exec(RiscvCpu cpu, Insn in, int w, int imm) {
        if (!cpu.csrs.fpEnabled(cpu)) return Trap.ILLEGAL_INSN;
        final long[] f = cpu.f, x = cpu.x;
        final FpState st = cpu.fp;
        final int rd = (w >>> 10) & 63, rs1 = (w >>> 16) & 31, rs2 = (w >>> 21) & 31, rs3 = (w >>> 26) & 31;
        int rm = 0;
        if (in.fmt.imm == Insn.Imm.RM) {
            rm = st.resolve(imm);
            if (rm < 0) return Trap.ILLEGAL_INSN;
        }
        switch (in) {
            case FLW -> f[rd] = box(cpu.mem.load32(x[rs1] + imm));
            case FLD -> f[rd] = cpu.mem.load64(x[rs1] + imm);
            case FSW -> { cpu.mem.store32(x[rs1] + imm, (int) f[rs2]); return RiscvExec.NEXT; }
            case FSD -> { cpu.mem.store64(x[rs1] + imm, f[rs2]); return RiscvExec.NEXT; }

            case FMADD_S -> f[rd] = box(Fpu.mulAddS(unbox(f[rs1]), unbox(f[rs2]), unbox(f[rs3]), rm, st));
            case FMSUB_S -> f[rd] = box(Fpu.mulAddS(unbox(f[rs1]), unbox(f[rs2]), unbox(f[rs3]) ^ SIGN_S, rm, st));
            case FNMSUB_S -> f[rd] = box(Fpu.mulAddS(unbox(f[rs1]) ^ SIGN_S, unbox(f[rs2]), unbox(f[rs3]), rm, st));
            case FNMADD_S -> f[rd] = box(Fpu.mulAddS(unbox(f[rs1]) ^ SIGN_S, unbox(f[rs2]), unbox(f[rs3]) ^ SIGN_S, rm, st));
            case FADD_S -> f[rd] = box(Fpu.addS(unbox(f[rs1]), unbox(f[rs2]), rm, st));
            case FSUB_S -> f[rd] = box(Fpu.subS(unbox(f[rs1]), unbox(f[rs2]), rm, st));
            case FMUL_S -> f[rd] = box(Fpu.mulS(unbox(f[rs1]), unbox(f[rs2]), rm, st));
            case FDIV_S -> f[rd] = box(Fpu.divS(unbox(f[rs1]), unbox(f[rs2]), rm, st));
            case FSQRT_S -> f[rd] = box(Fpu.sqrtS(unbox(f[rs1]), rm, st));
            case FSGNJ_S -> f[rd] = box(unbox(f[rs1]) & ~SIGN_S | unbox(f[rs2]) & SIGN_S);
            case FSGNJN_S -> f[rd] = box(unbox(f[rs1]) & ~SIGN_S | ~unbox(f[rs2]) & SIGN_S);
            case FSGNJX_S -> f[rd] = box(unbox(f[rs1]) ^ unbox(f[rs2]) & SIGN_S);
            case FMIN_S -> f[rd] = box(Fpu.minS(unbox(f[rs1]), unbox(f[rs2]), st));
            case FMAX_S -> f[rd] = box(Fpu.maxS(unbox(f[rs1]), unbox(f[rs2]), st));
            case FCVT_W_S -> x[rd] = Fpu.cvtWS(unbox(f[rs1]), rm, st);
            case FCVT_WU_S -> x[rd] = Fpu.cvtWUS(unbox(f[rs1]), rm, st);
            case FCVT_L_S -> x[rd] = Fpu.cvtLS(unbox(f[rs1]), rm, st);
            case FCVT_LU_S -> x[rd] = Fpu.cvtLUS(unbox(f[rs1]), rm, st);
            case FMV_X_W -> { x[rd] = (int) f[rs1]; return RiscvExec.NEXT; }
            case FEQ_S -> x[rd] = Fpu.eqS(unbox(f[rs1]), unbox(f[rs2]), st);
            case FLT_S -> x[rd] = Fpu.ltS(unbox(f[rs1]), unbox(f[rs2]), st);
            case FLE_S -> x[rd] = Fpu.leS(unbox(f[rs1]), unbox(f[rs2]), st);
            case FCLASS_S -> { x[rd] = Fpu.classS(unbox(f[rs1])); return RiscvExec.NEXT; }
            case FCVT_S_W -> f[rd] = box(Fpu.cvtSW(x[rs1], rm, st));
            case FCVT_S_WU -> f[rd] = box(Fpu.cvtSWU(x[rs1], rm, st));
            case FCVT_S_L -> f[rd] = box(Fpu.cvtSL(x[rs1], rm, st));
            case FCVT_S_LU -> f[rd] = box(Fpu.cvtSLU(x[rs1], rm, st));
            case FMV_W_X -> f[rd] = box((int) x[rs1]);

            case FMADD_D -> f[rd] = Fpu.mulAddD(f[rs1], f[rs2], f[rs3], rm, st);
            case FMSUB_D -> f[rd] = Fpu.mulAddD(f[rs1], f[rs2], f[rs3] ^ Long.MIN_VALUE, rm, st);
            case FNMSUB_D -> f[rd] = Fpu.mulAddD(f[rs1] ^ Long.MIN_VALUE, f[rs2], f[rs3], rm, st);
            case FNMADD_D -> f[rd] = Fpu.mulAddD(f[rs1] ^ Long.MIN_VALUE, f[rs2], f[rs3] ^ Long.MIN_VALUE, rm, st);
            case FADD_D -> f[rd] = Fpu.addD(f[rs1], f[rs2], rm, st);
            case FSUB_D -> f[rd] = Fpu.subD(f[rs1], f[rs2], rm, st);
            case FMUL_D -> f[rd] = Fpu.mulD(f[rs1], f[rs2], rm, st);
            case FDIV_D -> f[rd] = Fpu.divD(f[rs1], f[rs2], rm, st);
            case FSQRT_D -> f[rd] = Fpu.sqrtD(f[rs1], rm, st);
            case FSGNJ_D -> f[rd] = f[rs1] & Long.MAX_VALUE | f[rs2] & Long.MIN_VALUE;
            case FSGNJN_D -> f[rd] = f[rs1] & Long.MAX_VALUE | ~f[rs2] & Long.MIN_VALUE;
            case FSGNJX_D -> f[rd] = f[rs1] ^ f[rs2] & Long.MIN_VALUE;
            case FMIN_D -> f[rd] = Fpu.minD(f[rs1], f[rs2], st);
            case FMAX_D -> f[rd] = Fpu.maxD(f[rs1], f[rs2], st);
            case FCVT_S_D -> f[rd] = box(Fpu.cvtSD(f[rs1], rm, st));
            case FCVT_D_S -> f[rd] = Fpu.cvtDS(unbox(f[rs1]), rm, st);
            case FEQ_D -> x[rd] = Fpu.eqD(f[rs1], f[rs2], st);
            case FLT_D -> x[rd] = Fpu.ltD(f[rs1], f[rs2], st);
            case FLE_D -> x[rd] = Fpu.leD(f[rs1], f[rs2], st);
            case FCLASS_D -> { x[rd] = Fpu.classD(f[rs1]); return RiscvExec.NEXT; }
            case FCVT_W_D -> x[rd] = Fpu.cvtWD(f[rs1], rm, st);
            case FCVT_WU_D -> x[rd] = Fpu.cvtWUD(f[rs1], rm, st);
            case FCVT_L_D -> x[rd] = Fpu.cvtLD(f[rs1], rm, st);
            case FCVT_LU_D -> x[rd] = Fpu.cvtLUD(f[rs1], rm, st);
            case FMV_X_D -> { x[rd] = f[rs1]; return RiscvExec.NEXT; }
            case FCVT_D_W -> f[rd] = Fpu.cvtDW(x[rs1], rm, st);
            case FCVT_D_WU -> f[rd] = Fpu.cvtDWU(x[rs1], rm, st);
            case FCVT_D_L -> f[rd] = Fpu.cvtDL(x[rs1], rm, st);
            case FCVT_D_LU -> f[rd] = Fpu.cvtDLU(x[rs1], rm, st);
            case FMV_D_X -> f[rd] = x[rs1];
            default -> throw new IllegalStateException("not an FP instruction: " + in);
        }
        cpu.csrs.fpDirty(cpu);
        return RiscvExec.NEXT;
    }
}
