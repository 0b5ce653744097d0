package org.jemu.target.riscv;

/**
 * Instruction decoding driven by the {@link Insn} table: the row whose fixed bits match, then the operand
 * fields its {@link Insn.Fmt format} names. Compressed parcels are first expanded by {@link Rvc}.
 */
public final class Decoder {
    private Decoder() {}

    /**
     * One decoded instruction. {@code imm} is the immediate already assembled (sign-extended, shifted as
     * the ISA says) or, for FP formats, the rm field; {@code raw} is the instruction as fetched (16 bits for
     * a compressed one), {@code len} 2 or 4.
     */
    public record Op(Insn insn, int rd, int rs1, int rs2, int rs3, int imm, int len, int raw) {
        @Override public String toString() { return Disasm.format(this, 0); }
    }

    /** The table row a 32-bit instruction matches, or {@link Insn#ILLEGAL}. */
    public static Insn lookup(int w) {
        for (Insn in : Insn.BY_OPCODE[w & 0x7f]) if ((w & in.mask) == in.match) return in;
        return Insn.ILLEGAL;
    }

    /** Decodes the instruction whose first parcel is the low 16 bits of {@code w} (a whole word if 32-bit). */
    public static Op decode(int w) {
        if ((w & 3) != 3) {
            int raw = w & 0xffff;
            int e = Rvc.expand(raw);
            if (e == 0) return new Op(Insn.ILLEGAL, 0, 0, 0, 0, 0, 2, raw);
            Op o = decode32(e);
            return new Op(o.insn, o.rd, o.rs1, o.rs2, o.rs3, o.imm, 2, raw);
        }
        return decode32(w);
    }

    private static Op decode32(int w) {
        if ((w & 0x1f) == 0x1f) return new Op(Insn.ILLEGAL, 0, 0, 0, 0, 0, 4, w); // 48-bit and longer: not supported
        Insn in = lookup(w);
        if (in == Insn.ILLEGAL) return new Op(in, 0, 0, 0, 0, 0, 4, w);
        return new Op(in, (w >>> 7) & 31, (w >>> 15) & 31, (w >>> 20) & 31, w >>> 27, imm(in.fmt.imm, w), 4, w);
    }

    /** The immediate of kind {@code k} in instruction {@code w}. */
    public static int imm(Insn.Imm k, int w) {
        return switch (k) {
            case NONE -> 0;
            case I -> w >> 20;
            case S -> (w >> 25) << 5 | (w >>> 7) & 31;
            case B -> (w >> 31) << 12 | ((w >>> 7) & 1) << 11 | ((w >>> 25) & 0x3f) << 5 | ((w >>> 8) & 0xf) << 1;
            case U -> w & 0xfffff000;
            case J -> (w >> 31) << 20 | (w & 0xff000) | ((w >>> 20) & 1) << 11 | ((w >>> 21) & 0x3ff) << 1;
            case SH6 -> (w >>> 20) & 63;
            case SH5 -> (w >>> 20) & 31;
            case CSR, FENCE -> w >>> 20;
            case AQRL -> (w >>> 25) & 3;
            case RM -> (w >>> 12) & 7;
        };
    }
}
