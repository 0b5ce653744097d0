package org.jemu.target.riscv.translate;

import org.jemu.target.riscv.translate.Insn.Op;

import static org.jemu.target.riscv.translate.Insn.Op.*;

/**
 * Field extraction for the instructions the translator emits inline (RV64IMFD + Zba/Zbb/Zbs and their RVC
 * forms). Anything else — system instructions, CSRs, atomics, reserved encodings — decodes to {@code null}
 * and is left to the CPU's interpreter, which owns the architectural definition (illegal-instruction traps
 * included). {@code TranslatorFuzzTest} checks both tiers agree on every instruction decoded here.
 */
public final class Decoder {
    private Decoder() {}

    /** Decodes the instruction whose low 16 bits are in {@code lo} (and high 16 in {@code hi} for 32-bit ones). */
    public static Insn decode(int raw) {
        if ((raw & 3) != 3) return decodeC(raw & 0xffff);
        return decode32(raw);
    }

    private static Insn i(Op op, int rd, int rs1, int rs2, long imm, int raw) { return new Insn(op, rd, rs1, rs2, 0, imm, 0, 4, raw); }

    private static long immI(int r) { return r >> 20; }
    private static long immS(int r) { return ((r >> 25) << 5) | ((r >>> 7) & 0x1f); }
    private static long immB(int r) {
        return ((long) (r >> 31) << 12) | (((r >>> 7) & 1) << 11) | (((r >>> 25) & 0x3f) << 5) | (((r >>> 8) & 0xf) << 1);
    }
    private static long immJ(int r) {
        return ((long) (r >> 31) << 20) | (r & 0xff000) | (((r >>> 20) & 1) << 11) | (((r >>> 21) & 0x3ff) << 1);
    }

    static Insn decode32(int r) {
        int opc = r & 0x7f, rd = (r >>> 7) & 31, f3 = (r >>> 12) & 7, rs1 = (r >>> 15) & 31, rs2 = (r >>> 20) & 31, f7 = r >>> 25;
        switch (opc) {
            case 0x37: return i(LUI, rd, 0, 0, (long) (r & 0xfffff000), r);
            case 0x17: return i(AUIPC, rd, 0, 0, (long) (r & 0xfffff000), r);
            case 0x6f: return i(JAL, rd, 0, 0, immJ(r), r);
            case 0x67: return f3 == 0 ? i(JALR, rd, rs1, 0, immI(r), r) : null;
            case 0x63: {
                Op op = switch (f3) { case 0 -> BEQ; case 1 -> BNE; case 4 -> BLT; case 5 -> BGE; case 6 -> BLTU; case 7 -> BGEU; default -> null; };
                return op == null ? null : i(op, 0, rs1, rs2, immB(r), r);
            }
            case 0x03: {
                Op op = switch (f3) { case 0 -> LB; case 1 -> LH; case 2 -> LW; case 3 -> LD; case 4 -> LBU; case 5 -> LHU; case 6 -> LWU; default -> null; };
                return op == null ? null : i(op, rd, rs1, 0, immI(r), r);
            }
            case 0x23: {
                Op op = switch (f3) { case 0 -> SB; case 1 -> SH; case 2 -> SW; case 3 -> SD; default -> null; };
                return op == null ? null : i(op, 0, rs1, rs2, immS(r), r);
            }
            case 0x13: {
                int sh = (r >>> 20) & 63, f6 = r >>> 26;
                switch (f3) {
                    case 0: return i(ADDI, rd, rs1, 0, immI(r), r);
                    case 2: return i(SLTI, rd, rs1, 0, immI(r), r);
                    case 3: return i(SLTIU, rd, rs1, 0, immI(r), r);
                    case 4: return i(XORI, rd, rs1, 0, immI(r), r);
                    case 6: return i(ORI, rd, rs1, 0, immI(r), r);
                    case 7: return i(ANDI, rd, rs1, 0, immI(r), r);
                    case 1:
                        if (f6 == 0) return i(SLLI, rd, rs1, 0, sh, r);
                        if (f6 == 0x12) return i(BCLRI, rd, rs1, 0, sh, r);
                        if (f6 == 0x1a) return i(BINVI, rd, rs1, 0, sh, r);
                        if (f6 == 0x0a) return i(BSETI, rd, rs1, 0, sh, r);
                        if (f7 == 0x30) {
                            return switch (rs2) { case 0 -> i(CLZ, rd, rs1, 0, 0, r); case 1 -> i(CTZ, rd, rs1, 0, 0, r);
                                case 2 -> i(CPOP, rd, rs1, 0, 0, r); case 4 -> i(SEXT_B, rd, rs1, 0, 0, r);
                                case 5 -> i(SEXT_H, rd, rs1, 0, 0, r); default -> null; };
                        }
                        return null;
                    case 5:
                        if (f6 == 0) return i(SRLI, rd, rs1, 0, sh, r);
                        if (f6 == 0x10) return i(SRAI, rd, rs1, 0, sh, r);
                        if (f6 == 0x18) return i(RORI, rd, rs1, 0, sh, r);
                        if (f6 == 0x12) return i(BEXTI, rd, rs1, 0, sh, r);
                        if ((r >>> 20) == 0x287) return i(ORC_B, rd, rs1, 0, 0, r);
                        if ((r >>> 20) == 0x6b8) return i(REV8, rd, rs1, 0, 0, r);
                        return null;
                    default: return null;
                }
            }
            case 0x1b: {
                int sh = rs2;
                switch (f3) {
                    case 0: return i(ADDIW, rd, rs1, 0, immI(r), r);
                    case 1:
                        if (f7 == 0) return i(SLLIW, rd, rs1, 0, sh, r);
                        if ((r >>> 26) == 0x02) return i(SLLI_UW, rd, rs1, 0, (r >>> 20) & 63, r);
                        if (f7 == 0x30) return switch (rs2) { case 0 -> i(CLZW, rd, rs1, 0, 0, r); case 1 -> i(CTZW, rd, rs1, 0, 0, r);
                            case 2 -> i(CPOPW, rd, rs1, 0, 0, r); default -> null; };
                        return null;
                    case 5:
                        if (f7 == 0) return i(SRLIW, rd, rs1, 0, sh, r);
                        if (f7 == 0x20) return i(SRAIW, rd, rs1, 0, sh, r);
                        if (f7 == 0x30) return i(RORIW, rd, rs1, 0, sh, r);
                        return null;
                    default: return null;
                }
            }
            case 0x33: {
                Op op = switch (f7 << 3 | f3) {
                    case 0 -> ADD; case 0x20 << 3 -> SUB; case 1 -> SLL; case 2 -> SLT; case 3 -> SLTU; case 4 -> XOR;
                    case 5 -> SRL; case 0x20 << 3 | 5 -> SRA; case 6 -> OR; case 7 -> AND;
                    case 8 -> MUL; case 8 | 1 -> MULH; case 8 | 2 -> MULHSU; case 8 | 3 -> MULHU; case 8 | 4 -> DIV;
                    case 8 | 5 -> DIVU; case 8 | 6 -> REM; case 8 | 7 -> REMU;
                    case 0x10 << 3 | 2 -> SH1ADD; case 0x10 << 3 | 4 -> SH2ADD; case 0x10 << 3 | 6 -> SH3ADD;
                    case 0x20 << 3 | 7 -> ANDN; case 0x20 << 3 | 6 -> ORN; case 0x20 << 3 | 4 -> XNOR;
                    case 0x05 << 3 | 6 -> MAX; case 0x05 << 3 | 7 -> MAXU; case 0x05 << 3 | 4 -> MIN; case 0x05 << 3 | 5 -> MINU;
                    case 0x30 << 3 | 1 -> ROL; case 0x30 << 3 | 5 -> ROR;
                    case 0x24 << 3 | 1 -> BCLR; case 0x24 << 3 | 5 -> BEXT; case 0x34 << 3 | 1 -> BINV; case 0x14 << 3 | 1 -> BSET;
                    default -> null;
                };
                return op == null ? null : i(op, rd, rs1, rs2, 0, r);
            }
            case 0x3b: {
                if (f7 == 0x04 && f3 == 4 && rs2 == 0) return i(ZEXT_H, rd, rs1, 0, 0, r);
                Op op = switch (f7 << 3 | f3) {
                    case 0 -> ADDW; case 0x20 << 3 -> SUBW; case 1 -> SLLW; case 5 -> SRLW; case 0x20 << 3 | 5 -> SRAW;
                    case 8 -> MULW; case 8 | 4 -> DIVW; case 8 | 5 -> DIVUW; case 8 | 6 -> REMW; case 8 | 7 -> REMUW;
                    case 0x04 << 3 -> ADD_UW; case 0x10 << 3 | 2 -> SH1ADD_UW; case 0x10 << 3 | 4 -> SH2ADD_UW; case 0x10 << 3 | 6 -> SH3ADD_UW;
                    case 0x30 << 3 | 1 -> ROLW; case 0x30 << 3 | 5 -> RORW;
                    default -> null;
                };
                return op == null ? null : i(op, rd, rs1, rs2, 0, r);
            }
            case 0x0f: return f3 == 0 ? i(FENCE, 0, 0, 0, 0, r) : null;
            case 0x07: return f3 == 2 ? i(FLW, rd, rs1, 0, immI(r), r) : f3 == 3 ? i(FLD, rd, rs1, 0, immI(r), r) : null;
            case 0x27: return f3 == 2 ? i(FSW, 0, rs1, rs2, immS(r), r) : f3 == 3 ? i(FSD, 0, rs1, rs2, immS(r), r) : null;
            case 0x43: case 0x47: case 0x4b: case 0x4f: {
                int fmt = f7 & 3;
                if (fmt > 1) return null;
                boolean d = fmt == 1;
                Op op = switch (opc) {
                    case 0x43 -> d ? FMADD_D : FMADD_S; case 0x47 -> d ? FMSUB_D : FMSUB_S;
                    case 0x4b -> d ? FNMSUB_D : FNMSUB_S; default -> d ? FNMADD_D : FNMADD_S;
                };
                return new Insn(op, rd, rs1, rs2, r >>> 27, 0, f3, 4, r);
            }
            case 0x53: return decodeOpFp(r, rd, f3, rs1, rs2, f7);
            default: return null;
        }
    }

    private static Insn fp(Op op, int rd, int rs1, int rs2, int rm, int r) { return new Insn(op, rd, rs1, rs2, 0, 0, rm, 4, r); }

    private static Insn decodeOpFp(int r, int rd, int f3, int rs1, int rs2, int f7) {
        switch (f7) {
            case 0x00: return fp(FADD_S, rd, rs1, rs2, f3, r);
            case 0x01: return fp(FADD_D, rd, rs1, rs2, f3, r);
            case 0x04: return fp(FSUB_S, rd, rs1, rs2, f3, r);
            case 0x05: return fp(FSUB_D, rd, rs1, rs2, f3, r);
            case 0x08: return fp(FMUL_S, rd, rs1, rs2, f3, r);
            case 0x09: return fp(FMUL_D, rd, rs1, rs2, f3, r);
            case 0x0c: return fp(FDIV_S, rd, rs1, rs2, f3, r);
            case 0x0d: return fp(FDIV_D, rd, rs1, rs2, f3, r);
            case 0x2c: return rs2 == 0 ? fp(FSQRT_S, rd, rs1, 0, f3, r) : null;
            case 0x2d: return rs2 == 0 ? fp(FSQRT_D, rd, rs1, 0, f3, r) : null;
            case 0x10: return f3 > 2 ? null : fp(f3 == 0 ? FSGNJ_S : f3 == 1 ? FSGNJN_S : FSGNJX_S, rd, rs1, rs2, 0, r);
            case 0x11: return f3 > 2 ? null : fp(f3 == 0 ? FSGNJ_D : f3 == 1 ? FSGNJN_D : FSGNJX_D, rd, rs1, rs2, 0, r);
            case 0x14: return f3 > 1 ? null : fp(f3 == 0 ? FMIN_S : FMAX_S, rd, rs1, rs2, 0, r);
            case 0x15: return f3 > 1 ? null : fp(f3 == 0 ? FMIN_D : FMAX_D, rd, rs1, rs2, 0, r);
            case 0x20: return rs2 == 1 ? fp(FCVT_S_D, rd, rs1, 0, f3, r) : null;
            case 0x21: return rs2 == 0 ? fp(FCVT_D_S, rd, rs1, 0, f3, r) : null;
            case 0x50: return f3 > 2 ? null : fp(f3 == 2 ? FEQ_S : f3 == 1 ? FLT_S : FLE_S, rd, rs1, rs2, 0, r);
            case 0x51: return f3 > 2 ? null : fp(f3 == 2 ? FEQ_D : f3 == 1 ? FLT_D : FLE_D, rd, rs1, rs2, 0, r);
            case 0x60: return rs2 > 3 ? null : fp(new Op[]{FCVT_W_S, FCVT_WU_S, FCVT_L_S, FCVT_LU_S}[rs2], rd, rs1, 0, f3, r);
            case 0x61: return rs2 > 3 ? null : fp(new Op[]{FCVT_W_D, FCVT_WU_D, FCVT_L_D, FCVT_LU_D}[rs2], rd, rs1, 0, f3, r);
            case 0x68: return rs2 > 3 ? null : fp(new Op[]{FCVT_S_W, FCVT_S_WU, FCVT_S_L, FCVT_S_LU}[rs2], rd, rs1, 0, f3, r);
            case 0x69: return rs2 > 3 ? null : fp(new Op[]{FCVT_D_W, FCVT_D_WU, FCVT_D_L, FCVT_D_LU}[rs2], rd, rs1, 0, f3, r);
            case 0x70: return rs2 != 0 ? null : f3 == 0 ? fp(FMV_X_W, rd, rs1, 0, 0, r) : f3 == 1 ? fp(FCLASS_S, rd, rs1, 0, 0, r) : null;
            case 0x71: return rs2 != 0 ? null : f3 == 0 ? fp(FMV_X_D, rd, rs1, 0, 0, r) : f3 == 1 ? fp(FCLASS_D, rd, rs1, 0, 0, r) : null;
            case 0x78: return rs2 == 0 && f3 == 0 ? fp(FMV_W_X, rd, rs1, 0, 0, r) : null;
            case 0x79: return rs2 == 0 && f3 == 0 ? fp(FMV_D_X, rd, rs1, 0, 0, r) : null;
            default: return null;
        }
    }

    // ---- RVC (RV64C), expanded to base operations ----

    private static Insn c(Op op, int rd, int rs1, int rs2, long imm, int raw) { return new Insn(op, rd, rs1, rs2, 0, imm, 0, 2, raw); }

    private static int bits(int v, int hi, int lo) { return (v >>> lo) & ((1 << (hi - lo + 1)) - 1); }
    private static long sext(long v, int width) { return (v << (64 - width)) >> (64 - width); }

    static Insn decodeC(int r) {
        if (r == 0) return null; // defined illegal
        int q = r & 3, f3 = r >>> 13;
        int rdp = 8 + bits(r, 4, 2), rs1p = 8 + bits(r, 9, 7);
        int rd = bits(r, 11, 7), rs2 = bits(r, 6, 2);
        if (q == 0) {
            switch (f3) {
                case 0: { // c.addi4spn
                    int imm = bits(r, 12, 11) << 4 | bits(r, 10, 7) << 6 | bits(r, 6, 6) << 2 | bits(r, 5, 5) << 3;
                    return imm == 0 ? null : c(ADDI, rdp, 2, 0, imm, r);
                }
                case 1: return c(FLD, rdp, rs1p, 0, bits(r, 12, 10) << 3 | bits(r, 6, 5) << 6, r);
                case 2: return c(LW, rdp, rs1p, 0, bits(r, 12, 10) << 3 | bits(r, 6, 6) << 2 | bits(r, 5, 5) << 6, r);
                case 3: return c(LD, rdp, rs1p, 0, bits(r, 12, 10) << 3 | bits(r, 6, 5) << 6, r);
                case 5: return c(FSD, 0, rs1p, rdp, bits(r, 12, 10) << 3 | bits(r, 6, 5) << 6, r);
                case 6: return c(SW, 0, rs1p, rdp, bits(r, 12, 10) << 3 | bits(r, 6, 6) << 2 | bits(r, 5, 5) << 6, r);
                case 7: return c(SD, 0, rs1p, rdp, bits(r, 12, 10) << 3 | bits(r, 6, 5) << 6, r);
                default: return null;
            }
        }
        if (q == 1) {
            long imm6 = sext(bits(r, 12, 12) << 5 | bits(r, 6, 2), 6);
            switch (f3) {
                case 0: return c(ADDI, rd, rd, 0, imm6, r); // c.nop / c.addi (hints are no-ops either way)
                case 1: return rd == 0 ? null : c(ADDIW, rd, rd, 0, imm6, r);
                case 2: return c(ADDI, rd, 0, 0, imm6, r); // c.li
                case 3:
                    if (rd == 2) {
                        long imm = sext(bits(r, 12, 12) << 9 | bits(r, 6, 6) << 4 | bits(r, 5, 5) << 6 | bits(r, 4, 3) << 7 | bits(r, 2, 2) << 5, 10);
                        return imm == 0 ? null : c(ADDI, 2, 2, 0, imm, r);
                    }
                    return imm6 == 0 ? null : c(LUI, rd, 0, 0, imm6 << 12, r);
                case 4: {
                    int f2 = bits(r, 11, 10);
                    int sh = bits(r, 12, 12) << 5 | bits(r, 6, 2);
                    if (f2 == 0) return c(SRLI, rs1p, rs1p, 0, sh, r);
                    if (f2 == 1) return c(SRAI, rs1p, rs1p, 0, sh, r);
                    if (f2 == 2) return c(ANDI, rs1p, rs1p, 0, imm6, r);
                    int rs2p = 8 + bits(r, 4, 2);
                    int sel = bits(r, 12, 12) << 2 | bits(r, 6, 5);
                    Op op = switch (sel) { case 0 -> SUB; case 1 -> XOR; case 2 -> OR; case 3 -> AND; case 4 -> SUBW; case 5 -> ADDW; default -> null; };
                    return op == null ? null : c(op, rs1p, rs1p, rs2p, 0, r);
                }
                case 5: {
                    long imm = sext(bits(r, 12, 12) << 11 | bits(r, 11, 11) << 4 | bits(r, 10, 9) << 8 | bits(r, 8, 8) << 10
                            | bits(r, 7, 7) << 6 | bits(r, 6, 6) << 7 | bits(r, 5, 3) << 1 | bits(r, 2, 2) << 5, 12);
                    return c(JAL, 0, 0, 0, imm, r);
                }
                default: { // 6 beqz, 7 bnez
                    long imm = sext(bits(r, 12, 12) << 8 | bits(r, 11, 10) << 3 | bits(r, 6, 5) << 6 | bits(r, 4, 3) << 1 | bits(r, 2, 2) << 5, 9);
                    return c(f3 == 6 ? BEQ : BNE, 0, rs1p, 0, imm, r);
                }
            }
        }
        if (q == 2) {
            switch (f3) {
                case 0: return c(SLLI, rd, rd, 0, bits(r, 12, 12) << 5 | bits(r, 6, 2), r);
                case 1: return c(FLD, rd, 2, 0, bits(r, 12, 12) << 5 | bits(r, 6, 5) << 3 | bits(r, 4, 2) << 6, r);
                case 2: return rd == 0 ? null : c(LW, rd, 2, 0, bits(r, 12, 12) << 5 | bits(r, 6, 4) << 2 | bits(r, 3, 2) << 6, r);
                case 3: return rd == 0 ? null : c(LD, rd, 2, 0, bits(r, 12, 12) << 5 | bits(r, 6, 5) << 3 | bits(r, 4, 2) << 6, r);
                case 4:
                    if (bits(r, 12, 12) == 0) {
                        if (rs2 == 0) return rd == 0 ? null : c(JALR, 0, rd, 0, 0, r); // c.jr
                        return c(ADD, rd, 0, rs2, 0, r); // c.mv
                    }
                    if (rs2 == 0) return rd == 0 ? null /* c.ebreak */ : c(JALR, 1, rd, 0, 0, r); // c.jalr
                    return c(ADD, rd, rd, rs2, 0, r);
                case 5: return c(FSD, 0, 2, rs2, bits(r, 12, 10) << 3 | bits(r, 9, 7) << 6, r);
                case 6: return c(SW, 0, 2, rs2, bits(r, 12, 9) << 2 | bits(r, 8, 7) << 6, r);
                default: return c(SD, 0, 2, rs2, bits(r, 12, 10) << 3 | bits(r, 9, 7) << 6, r);
            }
        }
        return null;
    }
}
