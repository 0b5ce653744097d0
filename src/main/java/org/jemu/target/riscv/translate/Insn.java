package org.jemu.target.riscv.translate;

/**
 * One guest instruction as the translator sees it: operation, operand fields and length (2 for RVC, which
 * is expanded to its base-ISA form). {@code imm} is already sign-extended / scaled as the ISA defines it.
 */
public record Insn(Op op, int rd, int rs1, int rs2, int rs3, long imm, int rm, int len, int raw) {

    /** The operations the translator emits inline; any other instruction ends a block and runs in the interpreter. */
    public enum Op {
        LUI, AUIPC, JAL, JALR, BEQ, BNE, BLT, BGE, BLTU, BGEU,
        LB, LH, LW, LD, LBU, LHU, LWU, SB, SH, SW, SD,
        ADDI, SLTI, SLTIU, XORI, ORI, ANDI, SLLI, SRLI, SRAI,
        ADD, SUB, SLL, SLT, SLTU, XOR, SRL, SRA, OR, AND,
        ADDIW, SLLIW, SRLIW, SRAIW, ADDW, SUBW, SLLW, SRLW, SRAW,
        MUL, MULH, MULHSU, MULHU, DIV, DIVU, REM, REMU, MULW, DIVW, DIVUW, REMW, REMUW,
        FENCE,
        // Zba / Zbb / Zbs subset
        SH1ADD, SH2ADD, SH3ADD, ADD_UW, SH1ADD_UW, SH2ADD_UW, SH3ADD_UW, SLLI_UW,
        ANDN, ORN, XNOR, CLZ, CTZ, CPOP, CLZW, CTZW, CPOPW, MAX, MAXU, MIN, MINU, SEXT_B, SEXT_H, ZEXT_H,
        ROL, ROR, RORI, ROLW, RORW, RORIW, ORC_B, REV8, BCLR, BCLRI, BEXT, BEXTI, BINV, BINVI, BSET, BSETI,
        // F / D: loads, stores, moves and sign injection are bit operations; the rest call the FPU.
        FLW, FLD, FSW, FSD,
        FMV_X_W, FMV_W_X, FMV_X_D, FMV_D_X,
        FSGNJ_S, FSGNJN_S, FSGNJX_S, FSGNJ_D, FSGNJN_D, FSGNJX_D,
        FADD_S, FSUB_S, FMUL_S, FDIV_S, FSQRT_S, FMIN_S, FMAX_S,
        FADD_D, FSUB_D, FMUL_D, FDIV_D, FSQRT_D, FMIN_D, FMAX_D,
        FMADD_S, FMSUB_S, FNMSUB_S, FNMADD_S, FMADD_D, FMSUB_D, FNMSUB_D, FNMADD_D,
        FEQ_S, FLT_S, FLE_S, FEQ_D, FLT_D, FLE_D, FCLASS_S, FCLASS_D,
        FCVT_W_S, FCVT_WU_S, FCVT_L_S, FCVT_LU_S, FCVT_S_W, FCVT_S_WU, FCVT_S_L, FCVT_S_LU,
        FCVT_W_D, FCVT_WU_D, FCVT_L_D, FCVT_LU_D, FCVT_D_W, FCVT_D_WU, FCVT_D_L, FCVT_D_LU,
        FCVT_S_D, FCVT_D_S;

        public boolean isBranch() { return ordinal() >= BEQ.ordinal() && ordinal() <= BGEU.ordinal(); }
        public boolean isLoad() { return ordinal() >= LB.ordinal() && ordinal() <= LWU.ordinal() || this == FLW || this == FLD; }
        public boolean isStore() { return ordinal() >= SB.ordinal() && ordinal() <= SD.ordinal() || this == FSW || this == FSD; }
        public boolean isFp() { return ordinal() >= FLW.ordinal(); }
    }
}
