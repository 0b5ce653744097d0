package org.jemu.target.riscv;

import java.util.ArrayList;
import java.util.List;

import static org.jemu.target.riscv.Insn.Fmt.*;

/**
 * The RISC-V instruction set jemu executes (RV64IMAFDC + Zicsr + Zifencei + Zba/Zbb/Zbs/Zicond and the
 * privileged instructions whose meaning a {@link Csrs} hook supplies), declared once in the style of
 * QEMU's decodetree: each constant is an encoding pattern (MSB first; '0'/'1' fixed bits, any other
 * character a field bit, spaces ignored) and an operand format. The table drives the {@link Decoder},
 * the {@link Disasm disassembler} and the translator; the mnemonic is the constant's name in lower case
 * with '_' read as '.'. Compressed (RVC) instructions have no rows: the decoder expands them to the
 * base instruction they stand for ({@link Rvc}).
 *
 * <p>{@link #fn} names the pure static function in {@link Alu} that computes an integer instruction's
 * result from its operand values ({@code x[rs1]} and {@code x[rs2]}, or {@code x[rs1]} and the
 * immediate for the {@link Fmt#I I}/{@link Fmt#SHAMT SHAMT} formats, or {@code x[rs1]} alone for {@link Fmt#R1});
 * for branches it names the {@code boolean} condition function. Interpreter and translator share them.
 */
public enum Insn {
    // ---- RV64I ----
    LUI     ("....................  ..... 0110111", U),
    AUIPC   ("....................  ..... 0010111", U),
    JAL     ("....................  ..... 1101111", J),
    JALR    ("............ ..... 000 ..... 1100111", JR),
    BEQ     ("....... ..... ..... 000 ..... 1100011", B, "beq"),
    BNE     ("....... ..... ..... 001 ..... 1100011", B, "bne"),
    BLT     ("....... ..... ..... 100 ..... 1100011", B, "blt"),
    BGE     ("....... ..... ..... 101 ..... 1100011", B, "bge"),
    BLTU    ("....... ..... ..... 110 ..... 1100011", B, "bltu"),
    BGEU    ("....... ..... ..... 111 ..... 1100011", B, "bgeu"),
    LB      ("............ ..... 000 ..... 0000011", LOAD),
    LH      ("............ ..... 001 ..... 0000011", LOAD),
    LW      ("............ ..... 010 ..... 0000011", LOAD),
    LD      ("............ ..... 011 ..... 0000011", LOAD),
    LBU     ("............ ..... 100 ..... 0000011", LOAD),
    LHU     ("............ ..... 101 ..... 0000011", LOAD),
    LWU     ("............ ..... 110 ..... 0000011", LOAD),
    SB      ("....... ..... ..... 000 ..... 0100011", STORE),
    SH      ("....... ..... ..... 001 ..... 0100011", STORE),
    SW      ("....... ..... ..... 010 ..... 0100011", STORE),
    SD      ("....... ..... ..... 011 ..... 0100011", STORE),
    ADDI    ("............ ..... 000 ..... 0010011", I, "add"),
    SLTI    ("............ ..... 010 ..... 0010011", I, "slt"),
    SLTIU   ("............ ..... 011 ..... 0010011", I, "sltu"),
    XORI    ("............ ..... 100 ..... 0010011", I, "xor"),
    ORI     ("............ ..... 110 ..... 0010011", I, "or"),
    ANDI    ("............ ..... 111 ..... 0010011", I, "and"),
    SLLI    ("000000 ...... ..... 001 ..... 0010011", SHAMT, "sll"),
    SRLI    ("000000 ...... ..... 101 ..... 0010011", SHAMT, "srl"),
    SRAI    ("010000 ...... ..... 101 ..... 0010011", SHAMT, "sra"),
    ADD     ("0000000 ..... ..... 000 ..... 0110011", R, "add"),
    SUB     ("0100000 ..... ..... 000 ..... 0110011", R, "sub"),
    SLL     ("0000000 ..... ..... 001 ..... 0110011", R, "sll"),
    SLT     ("0000000 ..... ..... 010 ..... 0110011", R, "slt"),
    SLTU    ("0000000 ..... ..... 011 ..... 0110011", R, "sltu"),
    XOR     ("0000000 ..... ..... 100 ..... 0110011", R, "xor"),
    SRL     ("0000000 ..... ..... 101 ..... 0110011", R, "srl"),
    SRA     ("0100000 ..... ..... 101 ..... 0110011", R, "sra"),
    OR      ("0000000 ..... ..... 110 ..... 0110011", R, "or"),
    AND     ("0000000 ..... ..... 111 ..... 0110011", R, "and"),
    ADDIW   ("............ ..... 000 ..... 0011011", I, "addw"),
    SLLIW   ("0000000 ..... ..... 001 ..... 0011011", SHW, "sllw"),
    SRLIW   ("0000000 ..... ..... 101 ..... 0011011", SHW, "srlw"),
    SRAIW   ("0100000 ..... ..... 101 ..... 0011011", SHW, "sraw"),
    ADDW    ("0000000 ..... ..... 000 ..... 0111011", R, "addw"),
    SUBW    ("0100000 ..... ..... 000 ..... 0111011", R, "subw"),
    SLLW    ("0000000 ..... ..... 001 ..... 0111011", R, "sllw"),
    SRLW    ("0000000 ..... ..... 101 ..... 0111011", R, "srlw"),
    SRAW    ("0100000 ..... ..... 101 ..... 0111011", R, "sraw"),
    FENCE_TSO("1000 0011 0011 ..... 000 ..... 0001111", NONE),
    FENCE   ("............ ..... 000 ..... 0001111", FENCE_F),
    FENCE_I ("............ ..... 001 ..... 0001111", NONE),
    ECALL   ("000000000000 00000 000 00000 1110011", NONE),
    EBREAK  ("000000000001 00000 000 00000 1110011", NONE),
    // ---- privileged (meaning supplied by the Csrs hook; illegal in user mode) ----
    SRET    ("0001000 00010 00000 000 00000 1110011", NONE),
    MRET    ("0011000 00010 00000 000 00000 1110011", NONE),
    WFI     ("0001000 00101 00000 000 00000 1110011", NONE),
    SFENCE_VMA("0001001 ..... ..... 000 00000 1110011", SFENCE),
    // ---- Zicsr ----
    CSRRW   ("............ ..... 001 ..... 1110011", CSR),
    CSRRS   ("............ ..... 010 ..... 1110011", CSR),
    CSRRC   ("............ ..... 011 ..... 1110011", CSR),
    CSRRWI  ("............ ..... 101 ..... 1110011", CSRI),
    CSRRSI  ("............ ..... 110 ..... 1110011", CSRI),
    CSRRCI  ("............ ..... 111 ..... 1110011", CSRI),
    // ---- M ----
    MUL     ("0000001 ..... ..... 000 ..... 0110011", R, "mul"),
    MULH    ("0000001 ..... ..... 001 ..... 0110011", R, "mulh"),
    MULHSU  ("0000001 ..... ..... 010 ..... 0110011", R, "mulhsu"),
    MULHU   ("0000001 ..... ..... 011 ..... 0110011", R, "mulhu"),
    DIV     ("0000001 ..... ..... 100 ..... 0110011", R, "div"),
    DIVU    ("0000001 ..... ..... 101 ..... 0110011", R, "divu"),
    REM     ("0000001 ..... ..... 110 ..... 0110011", R, "rem"),
    REMU    ("0000001 ..... ..... 111 ..... 0110011", R, "remu"),
    MULW    ("0000001 ..... ..... 000 ..... 0111011", R, "mulw"),
    DIVW    ("0000001 ..... ..... 100 ..... 0111011", R, "divw"),
    DIVUW   ("0000001 ..... ..... 101 ..... 0111011", R, "divuw"),
    REMW    ("0000001 ..... ..... 110 ..... 0111011", R, "remw"),
    REMUW   ("0000001 ..... ..... 111 ..... 0111011", R, "remuw"),
    // ---- A ----
    LR_W     ("00010 .. 00000 ..... 010 ..... 0101111", LR),
    SC_W     ("00011 .. ..... ..... 010 ..... 0101111", AMO),
    AMOSWAP_W("00001 .. ..... ..... 010 ..... 0101111", AMO),
    AMOADD_W ("00000 .. ..... ..... 010 ..... 0101111", AMO),
    AMOXOR_W ("00100 .. ..... ..... 010 ..... 0101111", AMO),
    AMOAND_W ("01100 .. ..... ..... 010 ..... 0101111", AMO),
    AMOOR_W  ("01000 .. ..... ..... 010 ..... 0101111", AMO),
    AMOMIN_W ("10000 .. ..... ..... 010 ..... 0101111", AMO),
    AMOMAX_W ("10100 .. ..... ..... 010 ..... 0101111", AMO),
    AMOMINU_W("11000 .. ..... ..... 010 ..... 0101111", AMO),
    AMOMAXU_W("11100 .. ..... ..... 010 ..... 0101111", AMO),
    LR_D     ("00010 .. 00000 ..... 011 ..... 0101111", LR),
    SC_D     ("00011 .. ..... ..... 011 ..... 0101111", AMO),
    AMOSWAP_D("00001 .. ..... ..... 011 ..... 0101111", AMO),
    AMOADD_D ("00000 .. ..... ..... 011 ..... 0101111", AMO),
    AMOXOR_D ("00100 .. ..... ..... 011 ..... 0101111", AMO),
    AMOAND_D ("01100 .. ..... ..... 011 ..... 0101111", AMO),
    AMOOR_D  ("01000 .. ..... ..... 011 ..... 0101111", AMO),
    AMOMIN_D ("10000 .. ..... ..... 011 ..... 0101111", AMO),
    AMOMAX_D ("10100 .. ..... ..... 011 ..... 0101111", AMO),
    AMOMINU_D("11000 .. ..... ..... 011 ..... 0101111", AMO),
    AMOMAXU_D("11100 .. ..... ..... 011 ..... 0101111", AMO),
    // ---- F ----
    FLW      ("............ ..... 010 ..... 0000111", FLOAD),
    FSW      ("....... ..... ..... 010 ..... 0100111", FSTORE),
    FMADD_S  ("..... 00 ..... ..... ... ..... 1000011", FR4),
    FMSUB_S  ("..... 00 ..... ..... ... ..... 1000111", FR4),
    FNMSUB_S ("..... 00 ..... ..... ... ..... 1001011", FR4),
    FNMADD_S ("..... 00 ..... ..... ... ..... 1001111", FR4),
    FADD_S   ("0000000 ..... ..... ... ..... 1010011", FRM),
    FSUB_S   ("0000100 ..... ..... ... ..... 1010011", FRM),
    FMUL_S   ("0001000 ..... ..... ... ..... 1010011", FRM),
    FDIV_S   ("0001100 ..... ..... ... ..... 1010011", FRM),
    FSQRT_S  ("0101100 00000 ..... ... ..... 1010011", F1M),
    FSGNJ_S  ("0010000 ..... ..... 000 ..... 1010011", FR),
    FSGNJN_S ("0010000 ..... ..... 001 ..... 1010011", FR),
    FSGNJX_S ("0010000 ..... ..... 010 ..... 1010011", FR),
    FMIN_S   ("0010100 ..... ..... 000 ..... 1010011", FR),
    FMAX_S   ("0010100 ..... ..... 001 ..... 1010011", FR),
    FCVT_W_S ("1100000 00000 ..... ... ..... 1010011", XFM),
    FCVT_WU_S("1100000 00001 ..... ... ..... 1010011", XFM),
    FCVT_L_S ("1100000 00010 ..... ... ..... 1010011", XFM),
    FCVT_LU_S("1100000 00011 ..... ... ..... 1010011", XFM),
    FMV_X_W  ("1110000 00000 ..... 000 ..... 1010011", XF),
    FEQ_S    ("1010000 ..... ..... 010 ..... 1010011", XFF),
    FLT_S    ("1010000 ..... ..... 001 ..... 1010011", XFF),
    FLE_S    ("1010000 ..... ..... 000 ..... 1010011", XFF),
    FCLASS_S ("1110000 00000 ..... 001 ..... 1010011", XF),
    FCVT_S_W ("1101000 00000 ..... ... ..... 1010011", FXM),
    FCVT_S_WU("1101000 00001 ..... ... ..... 1010011", FXM),
    FCVT_S_L ("1101000 00010 ..... ... ..... 1010011", FXM),
    FCVT_S_LU("1101000 00011 ..... ... ..... 1010011", FXM),
    FMV_W_X  ("1111000 00000 ..... 000 ..... 1010011", FX),
    // ---- D ----
    FLD      ("............ ..... 011 ..... 0000111", FLOAD),
    FSD      ("....... ..... ..... 011 ..... 0100111", FSTORE),
    FMADD_D  ("..... 01 ..... ..... ... ..... 1000011", FR4),
    FMSUB_D  ("..... 01 ..... ..... ... ..... 1000111", FR4),
    FNMSUB_D ("..... 01 ..... ..... ... ..... 1001011", FR4),
    FNMADD_D ("..... 01 ..... ..... ... ..... 1001111", FR4),
    FADD_D   ("0000001 ..... ..... ... ..... 1010011", FRM),
    FSUB_D   ("0000101 ..... ..... ... ..... 1010011", FRM),
    FMUL_D   ("0001001 ..... ..... ... ..... 1010011", FRM),
    FDIV_D   ("0001101 ..... ..... ... ..... 1010011", FRM),
    FSQRT_D  ("0101101 00000 ..... ... ..... 1010011", F1M),
    FSGNJ_D  ("0010001 ..... ..... 000 ..... 1010011", FR),
    FSGNJN_D ("0010001 ..... ..... 001 ..... 1010011", FR),
    FSGNJX_D ("0010001 ..... ..... 010 ..... 1010011", FR),
    FMIN_D   ("0010101 ..... ..... 000 ..... 1010011", FR),
    FMAX_D   ("0010101 ..... ..... 001 ..... 1010011", FR),
    FCVT_S_D ("0100000 00001 ..... ... ..... 1010011", F1M),
    FCVT_D_S ("0100001 00000 ..... ... ..... 1010011", F1),
    FEQ_D    ("1010001 ..... ..... 010 ..... 1010011", XFF),
    FLT_D    ("1010001 ..... ..... 001 ..... 1010011", XFF),
    FLE_D    ("1010001 ..... ..... 000 ..... 1010011", XFF),
    FCLASS_D ("1110001 00000 ..... 001 ..... 1010011", XF),
    FCVT_W_D ("1100001 00000 ..... ... ..... 1010011", XFM),
    FCVT_WU_D("1100001 00001 ..... ... ..... 1010011", XFM),
    FCVT_L_D ("1100001 00010 ..... ... ..... 1010011", XFM),
    FCVT_LU_D("1100001 00011 ..... ... ..... 1010011", XFM),
    FMV_X_D  ("1110001 00000 ..... 000 ..... 1010011", XF),
    FCVT_D_W ("1101001 00000 ..... ... ..... 1010011", FX),
    FCVT_D_WU("1101001 00001 ..... ... ..... 1010011", FX),
    FCVT_D_L ("1101001 00010 ..... ... ..... 1010011", FXM),
    FCVT_D_LU("1101001 00011 ..... ... ..... 1010011", FXM),
    FMV_D_X  ("1111001 00000 ..... 000 ..... 1010011", FX),
    // ---- Zba ----
    ADD_UW   ("0000100 ..... ..... 000 ..... 0111011", R, "addUw"),
    SH1ADD   ("0010000 ..... ..... 010 ..... 0110011", R, "sh1add"),
    SH2ADD   ("0010000 ..... ..... 100 ..... 0110011", R, "sh2add"),
    SH3ADD   ("0010000 ..... ..... 110 ..... 0110011", R, "sh3add"),
    SH1ADD_UW("0010000 ..... ..... 010 ..... 0111011", R, "sh1addUw"),
    SH2ADD_UW("0010000 ..... ..... 100 ..... 0111011", R, "sh2addUw"),
    SH3ADD_UW("0010000 ..... ..... 110 ..... 0111011", R, "sh3addUw"),
    SLLI_UW  ("000010 ...... ..... 001 ..... 0011011", SHAMT, "slliUw"),
    // ---- Zbb ----
    ANDN     ("0100000 ..... ..... 111 ..... 0110011", R, "andn"),
    ORN      ("0100000 ..... ..... 110 ..... 0110011", R, "orn"),
    XNOR     ("0100000 ..... ..... 100 ..... 0110011", R, "xnor"),
    CLZ      ("0110000 00000 ..... 001 ..... 0010011", R1, "clz"),
    CTZ      ("0110000 00001 ..... 001 ..... 0010011", R1, "ctz"),
    CPOP     ("0110000 00010 ..... 001 ..... 0010011", R1, "cpop"),
    CLZW     ("0110000 00000 ..... 001 ..... 0011011", R1, "clzw"),
    CTZW     ("0110000 00001 ..... 001 ..... 0011011", R1, "ctzw"),
    CPOPW    ("0110000 00010 ..... 001 ..... 0011011", R1, "cpopw"),
    MAX      ("0000101 ..... ..... 110 ..... 0110011", R, "max"),
    MAXU     ("0000101 ..... ..... 111 ..... 0110011", R, "maxu"),
    MIN      ("0000101 ..... ..... 100 ..... 0110011", R, "min"),
    MINU     ("0000101 ..... ..... 101 ..... 0110011", R, "minu"),
    SEXT_B   ("0110000 00100 ..... 001 ..... 0010011", R1, "sextB"),
    SEXT_H   ("0110000 00101 ..... 001 ..... 0010011", R1, "sextH"),
    ZEXT_H   ("0000100 00000 ..... 100 ..... 0111011", R1, "zextH"),
    ROL      ("0110000 ..... ..... 001 ..... 0110011", R, "rol"),
    ROR      ("0110000 ..... ..... 101 ..... 0110011", R, "ror"),
    RORI     ("011000 ...... ..... 101 ..... 0010011", SHAMT, "ror"),
    ROLW     ("0110000 ..... ..... 001 ..... 0111011", R, "rolw"),
    RORW     ("0110000 ..... ..... 101 ..... 0111011", R, "rorw"),
    RORIW    ("0110000 ..... ..... 101 ..... 0011011", SHW, "rorw"),
    ORC_B    ("001010 000111 ..... 101 ..... 0010011", R1, "orcB"),
    REV8     ("011010 111000 ..... 101 ..... 0010011", R1, "rev8"),
    // ---- Zbs ----
    BCLR     ("0100100 ..... ..... 001 ..... 0110011", R, "bclr"),
    BCLRI    ("010010 ...... ..... 001 ..... 0010011", SHAMT, "bclr"),
    BEXT     ("0100100 ..... ..... 101 ..... 0110011", R, "bext"),
    BEXTI    ("010010 ...... ..... 101 ..... 0010011", SHAMT, "bext"),
    BINV     ("0110100 ..... ..... 001 ..... 0110011", R, "binv"),
    BINVI    ("011010 ...... ..... 001 ..... 0010011", SHAMT, "binv"),
    BSET     ("0010100 ..... ..... 001 ..... 0110011", R, "bset"),
    BSETI    ("001010 ...... ..... 001 ..... 0010011", SHAMT, "bset"),
    // ---- Zicond ----
    CZERO_EQZ("0000111 ..... ..... 101 ..... 0110011", R, "czeroEqz"),
    CZERO_NEZ("0000111 ..... ..... 111 ..... 0110011", R, "czeroNez"),
    /** Not an encoding: what the decoder yields for a reserved/unsupported one (raises illegal instruction). */
    ILLEGAL  (null, NONE);

    /** Operand layouts: which fields an instruction uses, how its immediate is formed, how it prints. */
    public enum Fmt {
        /** rd, rs1, rs2 (integer). */ R("d,s,t", Imm.NONE),
        /** rd, rs1 (integer unary). */ R1("d,s", Imm.NONE),
        /** rd, rs1, sign-extended 12-bit immediate. */ I("d,s,j", Imm.I),
        /** rd, rs1, 6-bit shift amount. */ SHAMT("d,s,>", Imm.SH6),
        /** rd, rs1, 5-bit shift amount (word shifts). */ SHW("d,s,>", Imm.SH5),
        LOAD("d,o(s)", Imm.I), STORE("t,o(s)", Imm.S),
        /** rs1, rs2, pc-relative target. */ B("s,t,p", Imm.B),
        /** rd, imm[31:12] (imm holds the shifted, sign-extended value). */ U("d,u", Imm.U),
        J("d,p", Imm.J), JR("d,o(s)", Imm.I),
        /** rd, csr (imm, unsigned), rs1. */ CSR("d,E,s", Imm.CSR),
        /** rd, csr (imm), 5-bit zero-extended immediate in the rs1 field. */ CSRI("d,E,Z", Imm.CSR),
        /** rd, rs2, (rs1); imm = aq<<1|rl. */ AMO("d,t,(s)", Imm.AQRL),
        LR("d,(s)", Imm.AQRL),
        /** imm = fm<<8 | pred<<4 | succ. */ FENCE_F("P,Q", Imm.FENCE),
        SFENCE("s,t", Imm.NONE),
        NONE("", Imm.NONE),
        FLOAD("D,o(s)", Imm.I), FSTORE("T,o(s)", Imm.S),
        /** fd, fs1, fs2 (no rounding mode). */ FR("D,S,T", Imm.NONE),
        /** fd, fs1, fs2, rm (imm = rm). */ FRM("D,S,T,m", Imm.RM),
        /** fd, fs1, fs2, fs3, rm. */ FR4("D,S,T,R,m", Imm.RM),
        /** fd, fs1, rm. */ F1M("D,S,m", Imm.RM),
        /** fd, fs1 (exact conversion; rm ignored). */ F1("D,S", Imm.RM),
        /** rd, fs1 (moves, classify). */ XF("d,S", Imm.NONE),
        /** rd, fs1, rm (float to integer). */ XFM("d,S,m", Imm.RM),
        /** rd, fs1, fs2 (comparisons). */ XFF("d,S,T", Imm.NONE),
        /** fd, rs1 (moves, exact int to double). */ FX("D,s", Imm.RM),
        /** fd, rs1, rm (int to float). */ FXM("D,s,m", Imm.RM);

        /** objdump-style operand template (see {@link Disasm}). */
        public final String template;
        public final Imm imm;
        Fmt(String template, Imm imm) { this.template = template; this.imm = imm; }
    }

    /** How the immediate field is assembled from the instruction bits. */
    public enum Imm { NONE, I, S, B, U, J, SH6, SH5, CSR, AQRL, FENCE, RM }

    /** Fixed-bit mask and value; (insn & mask) == match selects this row. */
    public final int mask, match;
    public final Fmt fmt;
    /** The {@link Alu} function giving the result (or branch condition), or null. */
    public final String fn;
    public final String mnemonic;

    Insn(String pattern, Fmt fmt) { this(pattern, fmt, null); }

    Insn(String pattern, Fmt fmt, String fn) {
        this.fmt = fmt;
        this.fn = fn;
        this.mnemonic = name().toLowerCase().replace('_', '.');
        int m = 0, v = 0;
        if (pattern != null) {
            String p = pattern.replace(" ", "");
            if (p.length() != 32) throw new AssertionError(name() + ": pattern has " + p.length() + " bits");
            for (int i = 0; i < 32; i++) {
                char c = p.charAt(i);
                int bit = 1 << (31 - i);
                if (c == '0' || c == '1') { m |= bit; if (c == '1') v |= bit; }
            }
        }
        this.mask = m;
        this.match = v;
    }

    private static final Insn[] VALUES = values();

    public static Insn of(int ordinal) { return VALUES[ordinal]; }

    public boolean isBranch() { return fmt == B; }
    public boolean isFloat() { return name().startsWith("F") && this != FENCE && this != FENCE_I && this != FENCE_TSO; }

    /** Rows that can match, grouped by major opcode (bits 6:0), in table order. */
    static final Insn[][] BY_OPCODE = new Insn[128][];
    static {
        List<List<Insn>> l = new ArrayList<>();
        for (int i = 0; i < 128; i++) l.add(new ArrayList<>());
        for (Insn in : VALUES) if (in != ILLEGAL) l.get(in.match & 0x7f).add(in);
        for (int i = 0; i < 128; i++) BY_OPCODE[i] = l.get(i).toArray(new Insn[0]);
    }
}
