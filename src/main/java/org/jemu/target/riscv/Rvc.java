package org.jemu.target.riscv;

/**
 * The compressed (RVC, RV64) instruction set, expressed as what it is: a 16-bit encoding of a base
 * instruction. {@link #expand} returns the equivalent 32-bit instruction, which the ordinary decoder
 * then handles; reserved encodings expand to 0 (illegal).
 */
public final class Rvc {
    private Rvc() {}

    private static int bit(int c, int i) { return (c >>> i) & 1; }
    private static int bits(int c, int hi, int lo) { return (c >>> lo) & ((1 << (hi - lo + 1)) - 1); }
    /** The 3-bit compressed register fields name x8..x15 / f8..f15. */
    private static int r3(int c, int lo) { return 8 + bits(c, lo + 2, lo); }

    static int r(int f7, int rs2, int rs1, int f3, int rd, int op) { return f7 << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op; }
    static int i(int imm, int rs1, int f3, int rd, int op) { return (imm & 0xfff) << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op; }
    static int s(int imm, int rs2, int rs1, int f3, int op) {
        return ((imm >> 5) & 0x7f) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | (imm & 31) << 7 | op;
    }
    static int b(int imm, int rs2, int rs1, int f3, int op) {
        return bit(imm, 12) << 31 | bits(imm, 10, 5) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12
                | bits(imm, 4, 1) << 8 | bit(imm, 11) << 7 | op;
    }
    static int j(int imm, int rd, int op) {
        return bit(imm, 20) << 31 | bits(imm, 10, 1) << 21 | bit(imm, 11) << 20 | bits(imm, 19, 12) << 12 | rd << 7 | op;
    }
    private static int sext(int v, int width) { return v << (32 - width) >> (32 - width); }

    /** The 32-bit instruction a 16-bit parcel stands for, or 0 for a reserved/illegal encoding. */
    public static int expand(int c) {
        c &= 0xffff;
        int op = c & 3, f3 = c >>> 13, rd = bits(c, 11, 7), rs2 = bits(c, 6, 2);
        int imm6 = sext(bit(c, 12) << 5 | bits(c, 6, 2), 6);
        switch (op << 3 | f3) {
            // ---- quadrant 0 ----
            case 0: { // c.addi4spn
                int u = bits(c, 12, 11) << 4 | bits(c, 10, 7) << 6 | bit(c, 6) << 2 | bit(c, 5) << 3;
                return u == 0 ? 0 : i(u, 2, 0, r3(c, 2), 0x13);
            }
            case 1: return i(ldOff(c), r3(c, 7), 3, r3(c, 2), 0x07);                    // c.fld
            case 2: return i(lwOff(c), r3(c, 7), 2, r3(c, 2), 0x03);                    // c.lw
            case 3: return i(ldOff(c), r3(c, 7), 3, r3(c, 2), 0x03);                    // c.ld
            case 5: return s(ldOff(c), r3(c, 2), r3(c, 7), 3, 0x27);                    // c.fsd
            case 6: return s(lwOff(c), r3(c, 2), r3(c, 7), 2, 0x23);                    // c.sw
            case 7: return s(ldOff(c), r3(c, 2), r3(c, 7), 3, 0x23);                    // c.sd
            // ---- quadrant 1 ----
            case 8: return i(imm6, rd, 0, rd, 0x13);                                     // c.addi / c.nop
            case 9: return rd == 0 ? 0 : i(imm6, rd, 0, rd, 0x1b);                       // c.addiw
            case 10: return i(imm6, 0, 0, rd, 0x13);                                      // c.li
            case 11: {
                if (rd == 2) { // c.addi16sp
                    int n = sext(bit(c, 12) << 9 | bit(c, 6) << 4 | bit(c, 5) << 6 | bits(c, 4, 3) << 7 | bit(c, 2) << 5, 10);
                    return n == 0 ? 0 : i(n, 2, 0, 2, 0x13);
                }
                return imm6 == 0 ? 0 : (imm6 << 12) | rd << 7 | 0x37;                 // c.lui
            }
            case 12: {
                int rdp = r3(c, 7), shamt = bit(c, 12) << 5 | bits(c, 6, 2);
                switch (bits(c, 11, 10)) {
                    case 0: return i(shamt, rdp, 5, rdp, 0x13);                          // c.srli
                    case 1: return i(0x400 | shamt, rdp, 5, rdp, 0x13);                  // c.srai
                    case 2: return i(imm6, rdp, 7, rdp, 0x13);                           // c.andi
                    default: {
                        int rs2p = r3(c, 2);
                        if (bit(c, 12) == 0) return switch (bits(c, 6, 5)) {
                            case 0 -> r(0x20, rs2p, rdp, 0, rdp, 0x33);                  // c.sub
                            case 1 -> r(0, rs2p, rdp, 4, rdp, 0x33);                     // c.xor
                            case 2 -> r(0, rs2p, rdp, 6, rdp, 0x33);                     // c.or
                            default -> r(0, rs2p, rdp, 7, rdp, 0x33);                    // c.and
                        };
                        return switch (bits(c, 6, 5)) {
                            case 0 -> r(0x20, rs2p, rdp, 0, rdp, 0x3b);                  // c.subw
                            case 1 -> r(0, rs2p, rdp, 0, rdp, 0x3b);                     // c.addw
                            default -> 0;
                        };
                    }
                }
            }
            case 13: { // c.j
                int off = sext(bit(c, 12) << 11 | bit(c, 11) << 4 | bits(c, 10, 9) << 8 | bit(c, 8) << 10 | bit(c, 7) << 6
                        | bit(c, 6) << 7 | bits(c, 5, 3) << 1 | bit(c, 2) << 5, 12);
                return j(off, 0, 0x6f);
            }
            case 14: case 15: { // c.beqz / c.bnez
                int off = sext(bit(c, 12) << 8 | bits(c, 11, 10) << 3 | bits(c, 6, 5) << 6 | bits(c, 4, 3) << 1 | bit(c, 2) << 5, 9);
                return b(off, 0, r3(c, 7), f3 == 6 ? 0 : 1, 0x63);
            }
            // ---- quadrant 2 ----
            case 16: return i(bit(c, 12) << 5 | rs2, rd, 1, rd, 0x13);                   // c.slli
            case 17: return i(ldspOff(c), 2, 3, rd, 0x07);                               // c.fldsp
            case 18: return rd == 0 ? 0 : i(bit(c, 12) << 5 | bits(c, 6, 4) << 2 | bits(c, 3, 2) << 6, 2, 2, rd, 0x03); // c.lwsp
            case 19: return rd == 0 ? 0 : i(ldspOff(c), 2, 3, rd, 0x03);                 // c.ldsp
            case 20: {
                if (bit(c, 12) == 0) {
                    if (rs2 == 0) return rd == 0 ? 0 : i(0, rd, 0, 0, 0x67);             // c.jr
                    return r(0, rs2, 0, 0, rd, 0x33);                                    // c.mv
                }
                if (rs2 == 0) return rd == 0 ? 0x00100073 : i(0, rd, 0, 1, 0x67);        // c.ebreak / c.jalr
                return r(0, rs2, rd, 0, rd, 0x33);                                       // c.add
            }
            case 21: return s(sdspOff(c), rs2, 2, 3, 0x27);                              // c.fsdsp
            case 22: return s(bits(c, 12, 9) << 2 | bits(c, 8, 7) << 6, rs2, 2, 2, 0x23); // c.swsp
            case 23: return s(sdspOff(c), rs2, 2, 3, 0x23);                              // c.sdsp
            default: return 0;
        }
    }

    private static int ldOff(int c) { return bits(c, 12, 10) << 3 | bits(c, 6, 5) << 6; }
    private static int lwOff(int c) { return bits(c, 12, 10) << 3 | bit(c, 6) << 2 | bit(c, 5) << 6; }
    private static int ldspOff(int c) { return bit(c, 12) << 5 | bits(c, 6, 5) << 3 | bits(c, 4, 2) << 6; }
    private static int sdspOff(int c) { return bits(c, 12, 10) << 3 | bits(c, 9, 7) << 6; }
}
