package org.jemu.target.riscv.fpu;

import org.jemu.testutil.GuestPrograms;
import org.jemu.testutil.Jemu;
import org.jemu.testutil.Need;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Runs tests/guest/fpu_corners under qemu-riscv64 (real RISC-V F/D instructions executed by QEMU's softfloat)
 * and recomputes every printed line with {@link Fpu}: results and accrued flags must match bit for bit. Nothing
 * is recorded; QEMU is run each time.
 */
@Timeout(300)
class FpuQemuOracleTest {
    static final Map<String, Integer> RM = Map.of("rne", 0, "rtz", 1, "rdn", 2, "rup", 3, "rmm", 4);
    static final long SD = Long.MIN_VALUE;
    static final int SS = Integer.MIN_VALUE;

    private final List<String> bad = new ArrayList<>();
    private int checked;

    private static long h(String s) { return Long.parseUnsignedLong(s, 16); }
    private static int hs(String s) { return Integer.parseUnsignedInt(s, 16); }

    private void expect(String line, String what, long got, int gotFlags, String expBits, String expFlags) {
        checked++;
        if (got != h(expBits) || gotFlags != Integer.parseInt(expFlags, 16)) {
            if (bad.size() < 30) bad.add(line + "\n    " + what + ": Fpu gives " + String.format("%x", got) + " flags " + String.format("%02x", gotFlags));
        }
    }

    interface R { long run(FpState st); }

    private void ex(String line, String what, R op, String expBits, String expFlags) {
        FpState st = new FpState();
        long r = op.run(st);
        expect(line, what, r, st.flags, expBits, expFlags);
    }

    @Test
    void fpuMatchesQemu() throws Exception {
        Path qemu = Need.tool("qemu-riscv64");
        Path prog = GuestPrograms.build("fpu_corners");
        Jemu.Result res = Jemu.run(List.of(qemu.toString(), prog.toString()), 240);
        assertEquals(0, res.exit(), res.stderr());
        String[] lines = res.stdout().split("\n");
        assertEquals("fpu_corners done", lines[lines.length - 1]);
        for (String line : lines) replay(line);
        if (!bad.isEmpty()) fail(bad.size() + "+ mismatches of " + checked + " checks:\n" + String.join("\n", bad));
        assertTrue(checked > 40000, "only " + checked + " checks");
    }

    private void replay(String line) {
        String[] t = line.split(" ");
        String op = t[0];
        switch (op) {
            case "fadd.d", "fsub.d", "fmul.d", "fdiv.d" -> {
                int rm = RM.get(t[1]);
                long a = h(t[2]), b = h(t[3]);
                ex(line, op, st -> switch (op) {
                    case "fadd.d" -> Fpu.addD(a, b, rm, st);
                    case "fsub.d" -> Fpu.subD(a, b, rm, st);
                    case "fmul.d" -> Fpu.mulD(a, b, rm, st);
                    default -> Fpu.divD(a, b, rm, st);
                }, t[5], t[6]);
            }
            case "fadd.s", "fsub.s", "fmul.s", "fdiv.s" -> {
                int rm = RM.get(t[1]);
                int a = hs(t[2]), b = hs(t[3]);
                ex(line, op, st -> 0xffffffffL & switch (op) {
                    case "fadd.s" -> Fpu.addS(a, b, rm, st);
                    case "fsub.s" -> Fpu.subS(a, b, rm, st);
                    case "fmul.s" -> Fpu.mulS(a, b, rm, st);
                    default -> Fpu.divS(a, b, rm, st);
                }, t[5], t[6]);
            }
            case "fmadd.d", "fmsub.d", "fnmsub.d", "fnmadd.d" -> {
                int rm = RM.get(t[1]);
                long a = h(t[2]), b = h(t[3]), c = h(t[4]);
                long na = op.startsWith("fn") ? a ^ SD : a;
                long nc = op.equals("fmsub.d") || op.equals("fnmadd.d") ? c ^ SD : c;
                ex(line, op, st -> Fpu.mulAddD(na, b, nc, rm, st), t[6], t[7]);
            }
            case "fmadd.s", "fmsub.s", "fnmsub.s", "fnmadd.s" -> {
                int rm = RM.get(t[1]);
                int a = hs(t[2]), b = hs(t[3]), c = hs(t[4]);
                int na = op.startsWith("fn") ? a ^ SS : a;
                int nc = op.equals("fmsub.s") || op.equals("fnmadd.s") ? c ^ SS : c;
                ex(line, op, st -> 0xffffffffL & Fpu.mulAddS(na, b, nc, rm, st), t[6], t[7]);
            }
            case "fmadd.d*" -> {
                int rm = RM.get(t[1]);
                long a = h(t[2]), b = h(t[3]), c = h(t[4]);
                ex(line, op, st -> Fpu.mulAddD(a, b, c, rm, st), t[6], t[7]);
            }
            case "fmadd.s*" -> {
                int rm = RM.get(t[1]);
                int a = hs(t[2]), b = hs(t[3]), c = hs(t[4]);
                ex(line, op, st -> 0xffffffffL & Fpu.mulAddS(a, b, c, rm, st), t[6], t[7]);
            }
            case "fsqrt.d" -> ex(line, op, st -> Fpu.sqrtD(h(t[2]), RM.get(t[1]), st), t[4], t[5]);
            case "fsqrt.s" -> ex(line, op, st -> 0xffffffffL & Fpu.sqrtS(hs(t[2]), RM.get(t[1]), st), t[4], t[5]);
            case "fclass.d" -> ex(line, op, st -> Fpu.classD(h(t[1])), t[3], "0");
            case "fclass.s" -> ex(line, op, st -> Fpu.classS(hs(t[1])), t[3], "0");
            case "cmp.d" -> {
                long a = h(t[1]), b = h(t[2]);
                ex(line, "feq", st -> Fpu.eqD(a, b, st), t[5], t[6]);
                ex(line, "flt", st -> Fpu.ltD(a, b, st), t[8], t[9]);
                ex(line, "fle", st -> Fpu.leD(a, b, st), t[11], t[12]);
                ex(line, "fmin", st -> Fpu.minD(a, b, st), t[14], t[15]);
                ex(line, "fmax", st -> Fpu.maxD(a, b, st), t[17], t[18]);
            }
            case "cmp.s" -> {
                int a = hs(t[1]), b = hs(t[2]);
                ex(line, "feq", st -> Fpu.eqS(a, b, st), t[5], t[6]);
                ex(line, "flt", st -> Fpu.ltS(a, b, st), t[8], t[9]);
                ex(line, "fle", st -> Fpu.leS(a, b, st), t[11], t[12]);
                ex(line, "fmin", st -> 0xffffffffL & Fpu.minS(a, b, st), t[14], t[15]);
                ex(line, "fmax", st -> 0xffffffffL & Fpu.maxS(a, b, st), t[17], t[18]);
            }
            case "cvt.d" -> {
                int rm = RM.get(t[1]);
                long a = h(t[2]);
                ex(line, "w", st -> Fpu.cvtWD(a, rm, st), t[5], t[6]);
                ex(line, "wu", st -> Fpu.cvtWUD(a, rm, st), t[8], t[9]);
                ex(line, "l", st -> Fpu.cvtLD(a, rm, st), t[11], t[12]);
                ex(line, "lu", st -> Fpu.cvtLUD(a, rm, st), t[14], t[15]);
                ex(line, "s", st -> 0xffffffffL & Fpu.cvtSD(a, rm, st), t[17], t[18]);
            }
            case "cvt.s" -> {
                int rm = RM.get(t[1]);
                int a = hs(t[2]);
                ex(line, "w", st -> Fpu.cvtWS(a, rm, st), t[5], t[6]);
                ex(line, "wu", st -> Fpu.cvtWUS(a, rm, st), t[8], t[9]);
                ex(line, "l", st -> Fpu.cvtLS(a, rm, st), t[11], t[12]);
                ex(line, "lu", st -> Fpu.cvtLUS(a, rm, st), t[14], t[15]);
            }
            case "fcvt.d.s" -> ex(line, op, st -> Fpu.cvtDS(hs(t[1]), st), t[3], t[4]);
            case "fcvt.s.d" -> ex(line, op, st -> 0xffffffffL & Fpu.cvtSD(h(t[2]), RM.get(t[1]), st), t[4], t[5]);
            case "cvt.i" -> {
                int rm = RM.get(t[1]);
                long x = h(t[2]);
                ex(line, "d.l", st -> Fpu.cvtDL(x, rm, st), t[5], t[6]);
                ex(line, "d.lu", st -> Fpu.cvtDLU(x, rm, st), t[8], t[9]);
                ex(line, "s.l", st -> 0xffffffffL & Fpu.cvtSL(x, rm, st), t[11], t[12]);
                ex(line, "s.lu", st -> 0xffffffffL & Fpu.cvtSLU(x, rm, st), t[14], t[15]);
                ex(line, "s.w", st -> 0xffffffffL & Fpu.cvtSW(x, rm, st), t[17], t[18]);
                ex(line, "s.wu", st -> 0xffffffffL & Fpu.cvtSWU(x, rm, st), t[20], t[21]);
            }
            case "fadd.d/static" -> {
                long a = h(t[1]), b = h(t[2]);
                for (int rm = 0; rm < 5; rm++) {
                    int m = rm;
                    ex(line, "rm " + rm, st -> Fpu.addD(a, b, m, st), t[5 + 3 * rm], t[6 + 3 * rm]);
                }
            }
            case "accrued" -> {
                FpState st = new FpState();
                Fpu.divD(Double.doubleToRawLongBits(1.0), 0, 0, st);
                Fpu.addD(0x7ff4000000000000L, Double.doubleToRawLongBits(1.0), 0, st);
                Fpu.mulD(1, Double.doubleToRawLongBits(0.5), 0, st);
                expect(line, "accrued", 0, st.flags, "0", t[1]);
            }
            case "fpu_corners" -> { }
            default -> fail("unknown line " + line);
        }
    }
}
