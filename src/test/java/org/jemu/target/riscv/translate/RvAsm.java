package org.jemu.target.riscv.translate;

import java.io.ByteArrayOutputStream;

/** A tiny RV64 encoder for tests (base formats; 32-bit encodings only unless {@link #c} is used). */
final class RvAsm {
    final ByteArrayOutputStream out = new ByteArrayOutputStream();

    int pc() { return out.size(); }

    RvAsm w32(int v) { for (int i = 0; i < 4; i++) out.write(v >>> (8 * i)); return this; }
    RvAsm c(int v) { out.write(v); out.write(v >>> 8); return this; }

    static int r(int f7, int rs2, int rs1, int f3, int rd, int opc) { return f7 << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | rd << 7 | opc; }
    static int i(int imm, int rs1, int f3, int rd, int opc) { return (imm & 0xfff) << 20 | rs1 << 15 | f3 << 12 | rd << 7 | opc; }
    static int s(int imm, int rs2, int rs1, int f3, int opc) { return ((imm >> 5) & 0x7f) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | (imm & 0x1f) << 7 | opc; }
    static int b(int imm, int rs2, int rs1, int f3) {
        return ((imm >> 12) & 1) << 31 | ((imm >> 5) & 0x3f) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | ((imm >> 1) & 0xf) << 8 | ((imm >> 11) & 1) << 7 | 0x63;
    }
    static int j(int imm, int rd) {
        return ((imm >> 20) & 1) << 31 | ((imm >> 1) & 0x3ff) << 21 | ((imm >> 11) & 1) << 20 | ((imm >> 12) & 0xff) << 12 | rd << 7 | 0x6f;
    }
    static int u(int imm20, int rd, int opc) { return imm20 << 12 | rd << 7 | opc; }

    RvAsm addi(int rd, int rs1, int imm) { return w32(i(imm, rs1, 0, rd, 0x13)); }
    RvAsm add(int rd, int rs1, int rs2) { return w32(r(0, rs2, rs1, 0, rd, 0x33)); }
    RvAsm sub(int rd, int rs1, int rs2) { return w32(r(0x20, rs2, rs1, 0, rd, 0x33)); }
    RvAsm mul(int rd, int rs1, int rs2) { return w32(r(1, rs2, rs1, 0, rd, 0x33)); }
    RvAsm ld(int rd, int rs1, int imm) { return w32(i(imm, rs1, 3, rd, 0x03)); }
    RvAsm sd(int rs2, int rs1, int imm) { return w32(s(imm, rs2, rs1, 3, 0x23)); }
    RvAsm lbu(int rd, int rs1, int imm) { return w32(i(imm, rs1, 4, rd, 0x03)); }
    RvAsm sb(int rs2, int rs1, int imm) { return w32(s(imm, rs2, rs1, 0, 0x23)); }
    RvAsm beq(int rs1, int rs2, int target) { return w32(b(target - pc(), rs2, rs1, 0)); }
    RvAsm bne(int rs1, int rs2, int target) { return w32(b(target - pc(), rs2, rs1, 1)); }
    RvAsm blt(int rs1, int rs2, int target) { return w32(b(target - pc(), rs2, rs1, 4)); }
    RvAsm bltu(int rs1, int rs2, int target) { return w32(b(target - pc(), rs2, rs1, 6)); }
    RvAsm jal(int rd, int target) { return w32(j(target - pc(), rd)); }
    RvAsm jalr(int rd, int rs1, int imm) { return w32(i(imm, rs1, 0, rd, 0x67)); }
    RvAsm lui(int rd, int imm20) { return w32(u(imm20, rd, 0x37)); }
    RvAsm ecall() { return w32(0x73); }
    RvAsm ebreak() { return w32(0x00100073); }

    byte[] bytes() { return out.toByteArray(); }
}
