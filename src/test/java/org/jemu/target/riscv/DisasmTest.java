package org.jemu.target.riscv;

import org.jemu.testutil.Jemu;
import org.jemu.testutil.Need;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The decoder + disassembler against binutils: every table row is assembled by GAS and printed by objdump. */
@Timeout(120)
class DisasmTest {
    /** At least one line per {@link Insn} row that binutils 2.40 knows (everything but Zicond). */
    static final String ALL = """
            target:
            lui a0, 0x12345
            lui t6, 0xfffff
            auipc t1, 0x80000
            jal ra, target
            jal zero, 1f
            1: jalr ra, 8(a5)
            jalr zero, -2048(s11)
            beq a0, a1, target
            bne t0, zero, 1b
            blt s0, s1, 2f
            bge a2, a3, 2f
            bltu a4, a5, 2f
            bgeu a6, a7, 2f
            2: lb a0, -1(sp)
            lh a1, 2047(gp)
            lw a2, 0(tp)
            ld a3, 8(s0)
            lbu a4, 1(s1)
            lhu a5, 2(t2)
            lwu a6, 4(t3)
            sb a0, -1(sp)
            sh a1, 2(s2)
            sw a2, -2048(s3)
            sd a3, 2040(s4)
            addi a0, a1, -5
            slti a0, a1, 7
            sltiu t4, t5, -1
            xori s5, s6, 0x7ff
            ori s7, s8, -2048
            andi s9, s10, 255
            slli a0, a1, 63
            srli a0, a1, 1
            srai a0, a1, 33
            add a0, a1, a2
            sub a0, a1, a2
            sll a0, a1, a2
            slt a0, a1, a2
            sltu a0, a1, a2
            xor a0, a1, a2
            srl a0, a1, a2
            sra a0, a1, a2
            or a0, a1, a2
            and a0, a1, a2
            addiw a0, a1, -1
            slliw a0, a1, 31
            srliw a0, a1, 5
            sraiw a0, a1, 17
            addw a0, a1, a2
            subw a0, a1, a2
            sllw a0, a1, a2
            srlw a0, a1, a2
            sraw a0, a1, a2
            fence.tso
            fence
            fence rw, w
            fence i, o
            fence.i
            ecall
            ebreak
            sret
            mret
            wfi
            sfence.vma a0, a1
            sfence.vma zero, zero
            csrrw a0, fcsr, a1
            csrrs a0, cycle, zero
            csrrc t0, fflags, t1
            csrrwi a0, frm, 2
            csrrsi a0, instret, 0
            csrrci a0, 0x7c0, 31
            csrrs a0, time, zero
            mul a0, a1, a2
            mulh a0, a1, a2
            mulhsu a0, a1, a2
            mulhu a0, a1, a2
            div a0, a1, a2
            divu a0, a1, a2
            rem a0, a1, a2
            remu a0, a1, a2
            mulw a0, a1, a2
            divw a0, a1, a2
            divuw a0, a1, a2
            remw a0, a1, a2
            remuw a0, a1, a2
            lr.w a0, (a1)
            sc.w a0, a2, (a1)
            amoswap.w.aq a0, a1, (a2)
            amoadd.w a0, a1, (a2)
            amoxor.w.rl a0, a1, (a2)
            amoand.w.aqrl a0, a1, (a2)
            amoor.w a0, a1, (a2)
            amomin.w a0, a1, (a2)
            amomax.w a0, a1, (a2)
            amominu.w a0, a1, (a2)
            amomaxu.w a0, a1, (a2)
            lr.d.aqrl a0, (a1)
            sc.d.rl a0, a2, (a1)
            amoswap.d a0, a1, (a2)
            amoadd.d a0, a1, (a2)
            amoxor.d a0, a1, (a2)
            amoand.d a0, a1, (a2)
            amoor.d a0, a1, (a2)
            amomin.d a0, a1, (a2)
            amomax.d a0, a1, (a2)
            amominu.d a0, a1, (a2)
            amomaxu.d a0, a1, (a2)
            flw fa0, 4(a0)
            fsw fa1, -4(sp)
            fmadd.s fa0, fa1, fa2, fa3
            fmsub.s fa0, fa1, fa2, fa3, rtz
            fnmsub.s ft0, ft1, ft2, ft3, rdn
            fnmadd.s fs0, fs1, fs2, fs3, rup
            fadd.s fa0, fa1, fa2
            fsub.s fa0, fa1, fa2, rmm
            fmul.s fa0, fa1, fa2
            fdiv.s fa0, fa1, fa2
            fsqrt.s fa0, fa1
            fsqrt.s fa0, fa1, rne
            fsgnj.s fa0, fa1, fa2
            fsgnjn.s fa0, fa1, fa2
            fsgnjx.s fa0, fa1, fa2
            fmin.s fa0, fa1, fa2
            fmax.s fa0, fa1, fa2
            fcvt.w.s a0, fa0, rtz
            fcvt.wu.s a0, fa0
            fcvt.l.s a0, fa0
            fcvt.lu.s a0, fa0, rup
            fmv.x.w a0, fa0
            feq.s a0, fa0, fa1
            flt.s a0, fa0, fa1
            fle.s a0, fa0, fa1
            fclass.s a0, fa0
            fcvt.s.w fa0, a0
            fcvt.s.wu fa0, a0, rtz
            fcvt.s.l fa0, a0
            fcvt.s.lu fa0, a0
            fmv.w.x fa0, a0
            fld fa0, 8(a0)
            fsd fa1, -8(sp)
            fmadd.d fa0, fa1, fa2, fa3
            fmsub.d fa0, fa1, fa2, fa3
            fnmsub.d fa0, fa1, fa2, fa3
            fnmadd.d fa0, fa1, fa2, fa3, rne
            fadd.d fa0, fa1, fa2
            fsub.d fa0, fa1, fa2
            fmul.d ft8, ft9, ft10
            fdiv.d ft11, fs10, fs11
            fsqrt.d fa0, fa1
            fsgnj.d fa0, fa1, fa2
            fsgnjn.d fa0, fa1, fa2
            fsgnjx.d fa0, fa1, fa2
            fmin.d fa0, fa1, fa2
            fmax.d fa0, fa1, fa2
            fcvt.s.d fa0, fa1
            fcvt.d.s fa0, fa1
            feq.d a0, fa0, fa1
            flt.d a0, fa0, fa1
            fle.d a0, fa0, fa1
            fclass.d a0, fa0
            fcvt.w.d a0, fa0, rtz
            fcvt.wu.d a0, fa0
            fcvt.l.d a0, fa0
            fcvt.lu.d a0, fa0
            fmv.x.d a0, fa0
            fcvt.d.w fa0, a0
            fcvt.d.wu fa0, a0
            fcvt.d.l fa0, a0
            fcvt.d.lu fa0, a0, rdn
            fmv.d.x fa0, a0
            add.uw a0, a1, a2
            sh1add a0, a1, a2
            sh2add a0, a1, a2
            sh3add a0, a1, a2
            sh1add.uw a0, a1, a2
            sh2add.uw a0, a1, a2
            sh3add.uw a0, a1, a2
            slli.uw a0, a1, 40
            andn a0, a1, a2
            orn a0, a1, a2
            xnor a0, a1, a2
            clz a0, a1
            ctz a0, a1
            cpop a0, a1
            clzw a0, a1
            ctzw a0, a1
            cpopw a0, a1
            max a0, a1, a2
            maxu a0, a1, a2
            min a0, a1, a2
            minu a0, a1, a2
            sext.b a0, a1
            sext.h a0, a1
            zext.h a0, a1
            rol a0, a1, a2
            ror a0, a1, a2
            rori a0, a1, 63
            rolw a0, a1, a2
            rorw a0, a1, a2
            roriw a0, a1, 31
            orc.b a0, a1
            rev8 a0, a1
            bclr a0, a1, a2
            bclri a0, a1, 63
            bext a0, a1, a2
            bexti a0, a1, 1
            binv a0, a1, a2
            binvi a0, a1, 32
            bset a0, a1, a2
            bseti a0, a1, 0
            """;

    /** Instructions GAS compresses (with the C extension on); each must expand to what GAS emits without it. */
    static final String COMPRESSIBLE = """
            addi s0, sp, 1020
            fld fa0, 248(a5)
            lw a0, 124(a1)
            ld a5, 248(s1)
            fsd fs1, 8(a0)
            sw a4, 0(a3)
            sd s0, 128(a5)
            addi a0, a0, -32
            addi zero, zero, 0
            addiw a0, a0, 31
            addi a5, zero, -1
            addi sp, sp, -512
            addi sp, sp, 496
            lui a0, 0x1f
            lui t0, 0xfffe0
            srli a0, a0, 63
            srai s1, s1, 1
            andi a2, a2, -17
            sub a0, a0, a1
            xor a3, a3, a4
            or a5, a5, s0
            and s1, s1, a0
            subw a0, a0, a1
            addw a2, a2, a3
            c.j target => jal zero, target
            beq a0, zero, target
            bne s1, zero, target
            slli t6, t6, 17
            fld fs11, 504(sp)
            lw ra, 252(sp)
            ld t0, 504(sp)
            c.jr ra => jalr zero, 0(ra)
            add a0, zero, a1
            ebreak
            c.jalr t1 => jalr ra, 0(t1)
            add s2, s2, t3
            fsd ft11, 504(sp)
            sw t6, 252(sp)
            sd ra, 0(sp)
            """;

    record Line(long pc, int raw, int len, String text) {}

    static final Pattern OBJDUMP = Pattern.compile("^\\s*([0-9a-f]+):\\s+([0-9a-f]+)\\s+(.*)$");

    static List<Line> objdump(String name, String src, boolean rvc) throws Exception {
        Path as = Need.tool("riscv64-linux-gnu-as");
        Path od = Need.tool("riscv64-linux-gnu-objdump");
        Path dir = Jemu.home().resolve("target/cpu-snippets");
        Files.createDirectories(dir);
        Path s = dir.resolve(name + ".s"), o = dir.resolve(name + ".o");
        Files.writeString(s, (rvc ? ".option rvc\n" : ".option norvc\n") + ".option norelax\n.text\n" + src);
        Jemu.Result r = Jemu.run(List.of(as.toString(), "-march=rv64gc_zba_zbb_zbs", "-o", o.toString(), s.toString()), 60);
        assertEquals(0, r.exit(), r::toString);
        r = Jemu.run(List.of(od.toString(), "-d", "-M", "no-aliases", o.toString()), 60);
        assertEquals(0, r.exit(), r::toString);
        List<Line> out = new ArrayList<>();
        for (String l : r.stdout().split("\n")) {
            Matcher m = OBJDUMP.matcher(l);
            if (!m.matches()) continue;
            String hex = m.group(2);
            String text = m.group(3).replaceAll("\\s*<[^>]*>", "").replaceAll("\\s*#.*$", "").strip();
            out.add(new Line(Long.parseLong(m.group(1), 16), (int) Long.parseLong(hex, 16), hex.length() / 2, text));
        }
        return out;
    }

    static String mine(Line l) {
        Decoder.Op op = Decoder.decode(l.raw);
        assertEquals(l.len, op.len(), () -> "length of " + l);
        return Disasm.format(op, l.pc);
    }

    @Test
    void everyTableRowMatchesObjdump() throws Exception {
        List<Line> lines = objdump("disasm-all", ALL, false);
        Set<Insn> seen = EnumSet.noneOf(Insn.class);
        List<String> bad = new ArrayList<>();
        for (Line l : lines) {
            String m = mine(l);
            if (!m.equals(l.text)) bad.add(String.format("%x: %08x objdump '%s' jemu '%s'", l.pc, l.raw, l.text, m));
            seen.add(Decoder.decode(l.raw).insn());
        }
        assertTrue(bad.isEmpty(), () -> String.join("\n", bad));
        Set<Insn> missing = EnumSet.allOf(Insn.class);
        missing.removeAll(seen);
        missing.removeAll(EnumSet.of(Insn.CZERO_EQZ, Insn.CZERO_NEZ, Insn.ILLEGAL));   // binutils 2.40 has no Zicond
        assertTrue(missing.isEmpty(), () -> "rows not covered: " + missing);
    }

    @Test
    void zicondDecodes() {
        // czero.eqz a0,a1,a2 / czero.nez a0,a1,a2 (Zicond 1.0 encodings)
        Decoder.Op eqz = Decoder.decode(0x0ec5d533);
        assertEquals(Insn.CZERO_EQZ, eqz.insn());
        assertEquals("czero.eqz\ta0,a1,a2", Disasm.format(eqz, 0));
        assertEquals("czero.nez\ta0,a1,a2", Disasm.format(Decoder.decode(0x0ec5f533), 0));
    }

    @Test
    void compressedExpandToTheirBaseInstruction() throws Exception {
        String rvc = COMPRESSIBLE.replaceAll("(?m) => .*$", ""), norvc = COMPRESSIBLE.replaceAll("(?m)^.* => ", "");
        List<Line> c = objdump("disasm-rvc", "target:\n" + rvc, true);
        List<Line> base = objdump("disasm-norvc", "target:\n" + norvc, false);
        assertEquals(base.size(), c.size());
        List<String> bad = new ArrayList<>();
        for (int i = 0; i < c.size(); i++) {
            Line lc = c.get(i), lb = base.get(i);
            if (lc.len != 2) { bad.add("not compressed by GAS: " + lb.text); continue; }
            Decoder.Op op = Decoder.decode(lc.raw);
            // same instruction bits as the uncompressed form (the branch offsets differ: compare text at its own pc)
            String m = Disasm.format(op, lc.pc);
            String expect = lb.text;
            if (op.insn().isBranch() || op.insn() == Insn.JAL) expect = expect.replaceAll(",[0-9a-f]+$", ",0");
            if (!m.equals(expect)) bad.add(String.format("%04x: jemu '%s' base '%s'", lc.raw, m, expect));
        }
        assertTrue(bad.isEmpty(), () -> String.join("\n", bad));
    }

    @Test
    void reservedEncodingsAreIllegal() {
        int[] reserved16 = {0x0000, 0x0004 /* c.addi4spn 0 */, 0x8000 /* Q0 100 */, 0x6101 /* c.addi16sp 0 */, 0x6501 /* c.lui 0 */,
                0x2005 /* c.addiw x0 */, 0x4002 /* c.lwsp x0 */, 0x6002 /* c.ldsp x0 */, 0x8002 /* c.jr x0 */, 0x9c41 /* Q1 reserved */};
        for (int c : reserved16) {
            Decoder.Op op = Decoder.decode(c);
            assertEquals(Insn.ILLEGAL, op.insn(), () -> String.format("%04x", c));
            assertEquals(2, op.len());
        }
        int[] reserved32 = {0xffffffff, 0x0000707f, 0xfe007033, 0x0000600b, 0x02a5d00f ^ 0x1000 | 0x2000, 0x10500073 | 0x8000};
        for (int w : reserved32) {
            Decoder.Op op = Decoder.decode(w);
            assertEquals(Insn.ILLEGAL, op.insn(), () -> String.format("%08x -> %s", w, op.insn()));
            assertEquals(4, op.len());
        }
    }
}
