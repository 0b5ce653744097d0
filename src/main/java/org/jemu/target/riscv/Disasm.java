package org.jemu.target.riscv;

import java.util.Map;

/**
 * objdump-like text for decoded instructions (the canonical forms {@code riscv64-linux-gnu-objdump -M
 * no-aliases} prints, with ABI register names; compressed instructions print as the base instruction
 * they expand to). Used by {@code -d in_asm}.
 */
public final class Disasm {
    private Disasm() {}

    public static final String[] XREG = {
        "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5",
        "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6"};
    public static final String[] FREG = {
        "ft0", "ft1", "ft2", "ft3", "ft4", "ft5", "ft6", "ft7", "fs0", "fs1", "fa0", "fa1", "fa2", "fa3", "fa4", "fa5",
        "fa6", "fa7", "fs2", "fs3", "fs4", "fs5", "fs6", "fs7", "fs8", "fs9", "fs10", "fs11", "ft8", "ft9", "ft10", "ft11"};
    private static final String[] RM = {"rne", "rtz", "rdn", "rup", "rmm", "0x5", "0x6", "dyn"};

    static final Map<Integer, String> CSR_NAMES = Map.ofEntries(
            Map.entry(0x001, "fflags"), Map.entry(0x002, "frm"), Map.entry(0x003, "fcsr"),
            Map.entry(0xc00, "cycle"), Map.entry(0xc01, "time"), Map.entry(0xc02, "instret"),
            Map.entry(0x100, "sstatus"), Map.entry(0x104, "sie"), Map.entry(0x105, "stvec"), Map.entry(0x106, "scounteren"),
            Map.entry(0x10a, "senvcfg"), Map.entry(0x140, "sscratch"), Map.entry(0x141, "sepc"), Map.entry(0x142, "scause"),
            Map.entry(0x143, "stval"), Map.entry(0x144, "sip"), Map.entry(0x180, "satp"),
            Map.entry(0x300, "mstatus"), Map.entry(0x301, "misa"), Map.entry(0x302, "medeleg"), Map.entry(0x303, "mideleg"),
            Map.entry(0x304, "mie"), Map.entry(0x305, "mtvec"), Map.entry(0x306, "mcounteren"), Map.entry(0x30a, "menvcfg"),
            Map.entry(0x340, "mscratch"), Map.entry(0x341, "mepc"), Map.entry(0x342, "mcause"), Map.entry(0x343, "mtval"),
            Map.entry(0x344, "mip"), Map.entry(0x3a0, "pmpcfg0"), Map.entry(0x3b0, "pmpaddr0"),
            Map.entry(0xb00, "mcycle"), Map.entry(0xb02, "minstret"),
            Map.entry(0xf11, "mvendorid"), Map.entry(0xf12, "marchid"), Map.entry(0xf13, "mimpid"), Map.entry(0xf14, "mhartid"));

    public static String csrName(int csr) {
        String n = CSR_NAMES.get(csr);
        return n != null ? n : String.format("0x%x", csr);
    }

    /** The instruction text (mnemonic, tab, operands); branch/jump targets print as absolute hex addresses. */
    public static String format(Decoder.Op op, long pc) {
        Insn in = op.insn();
        if (in == Insn.ILLEGAL) return op.len() == 2 ? String.format(".2byte\t0x%x", op.raw()) : String.format(".4byte\t0x%x", op.raw());
        StringBuilder sb = new StringBuilder(in.mnemonic);
        if (in.fmt == Insn.Fmt.AMO || in.fmt == Insn.Fmt.LR) {
            int aqrl = op.imm();
            sb.append(aqrl == 3 ? ".aqrl" : aqrl == 2 ? ".aq" : aqrl == 1 ? ".rl" : "");
        }
        String t = in.fmt.template;
        if (t.isEmpty()) return sb.toString();
        sb.append('\t');
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            switch (c) {
                case 'd' -> sb.append(XREG[op.rd()]);
                case 's' -> sb.append(XREG[op.rs1()]);
                case 't' -> sb.append(XREG[op.rs2()]);
                case 'D' -> sb.append(FREG[op.rd()]);
                case 'S' -> sb.append(FREG[op.rs1()]);
                case 'T' -> sb.append(FREG[op.rs2()]);
                case 'R' -> sb.append(FREG[op.rs3()]);
                case 'j', 'o' -> sb.append(op.imm());
                case '>' -> sb.append(String.format("0x%x", op.imm()));
                case 'u' -> sb.append(String.format("0x%x", (op.imm() >>> 12) & 0xfffff));
                case 'p' -> sb.append(Long.toHexString(pc + op.imm()));
                case 'E' -> sb.append(csrName(op.imm() & 0xfff));
                case 'Z' -> sb.append(op.rs1());
                case 'P' -> sb.append(fenceSet((op.imm() >>> 4) & 15));
                case 'Q' -> sb.append(fenceSet(op.imm() & 15));
                case 'm' -> {
                    if (op.imm() == 7) sb.setLength(sb.length() - 1); // dynamic rounding: objdump omits it (and the comma)
                    else sb.append(RM[op.imm()]);
                }
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    private static String fenceSet(int s) {
        if (s == 0) return "0";
        StringBuilder b = new StringBuilder();
        if ((s & 8) != 0) b.append('i');
        if ((s & 4) != 0) b.append('o');
        if ((s & 2) != 0) b.append('r');
        if ((s & 1) != 0) b.append('w');
        return b.toString();
    }

    /** One line per instruction in objdump's layout: address, raw bits, text. */
    public static String line(long pc, Decoder.Op op) {
        String raw = op.len() == 2 ? String.format("%04x    ", op.raw()) : String.format("%08x", op.raw());
        return String.format("0x%016x:  %s  %s", pc, raw, format(op, pc));
    }
}
