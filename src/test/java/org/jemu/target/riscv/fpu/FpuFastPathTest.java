package org.jemu.target.riscv.fpu;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * High-volume check of the double fast paths (host arithmetic + error-free transformations) against the
 * exact BigInteger software path, which itself is checked against the BigDecimal reference in
 * {@link FpuRandomTest}. Also checks that the generators really exercise the fast paths.
 */
@Timeout(600)
class FpuFastPathTest {
    static final int N = Integer.getInteger("fpu.fastcases", 150_000);

    interface Op { long op(long a, long b, long c, int rm, FpState st); }

    private static void run(String name, int kind, Op fast, Op soft) {
        Gen g = new Gen(name.hashCode());
        List<String> bad = new ArrayList<>();
        int inexact = 0;
        for (int i = 0; i < N && bad.size() < 20; i++) {
            long a = g.d(), b = g.pairD(a, kind), c;
            if (g.r.nextInt(3) == 0) {                                   // mostly ordinary numbers: the fast path's domain
                a = g.withExp(g.r.nextInt(1023 - 900, 1023 + 900));
                b = g.withExp(g.r.nextInt(1023 - 100, 1023 + 100));
            }
            double p = Double.longBitsToDouble(a) * Double.longBitsToDouble(b);
            long pb = Double.doubleToRawLongBits(p);
            int ep = (int) (pb >>> 52) & 0x7ff;
            c = switch (g.r.nextInt(5)) {
                case 0 -> g.d();
                case 1 -> (pb ^ Long.MIN_VALUE) + g.r.nextLong(-2, 3);
                case 2 -> g.withExp(Math.max(0, Math.min(0x7fe, ep - g.r.nextInt(45, 110))));
                case 3 -> Double.doubleToRawLongBits(-Math.fma(Double.longBitsToDouble(a), Double.longBitsToDouble(b), -p));
                default -> g.withExp(Math.max(0, Math.min(0x7fe, ep + g.r.nextInt(-3, 60))));
            };
            for (int rm = 0; rm <= 4; rm++) {
                FpState s1 = new FpState(), s2 = new FpState();
                long r1 = fast.op(a, b, c, rm, s1), r2 = soft.op(a, b, c, rm, s2);
                if ((s1.flags & FpState.NX) != 0) inexact++;
                if (r1 != r2 || s1.flags != s2.flags) {
                    bad.add(String.format("%s(%016x, %016x, %016x) rm=%d: fast %016x %s, soft %016x %s", name, a, b, c, rm,
                            r1, FpuRef.flagNames(s1.flags), r2, FpuRef.flagNames(s2.flags)));
                }
            }
        }
        if (!bad.isEmpty()) fail(String.join("\n", bad));
        assertTrue(inexact > N, name + ": generator produced too few inexact results (" + inexact + ")");
    }

    @Test void add() { run("add", 0, (a, b, c, rm, st) -> Fpu.addD(a, b, rm, st), (a, b, c, rm, st) -> Fpu.softAddD(a, b, rm, st)); }
    @Test void mul() { run("mul", 1, (a, b, c, rm, st) -> Fpu.mulD(a, b, rm, st), (a, b, c, rm, st) -> Fpu.softMulD(a, b, rm, st)); }
    @Test void div() { run("div", 2, (a, b, c, rm, st) -> Fpu.divD(a, b, rm, st), (a, b, c, rm, st) -> Fpu.softDivD(a, b, rm, st)); }
    @Test void sqrt() { run("sqrt", 0, (a, b, c, rm, st) -> Fpu.sqrtD(a & Long.MAX_VALUE, rm, st), (a, b, c, rm, st) -> Fpu.softSqrtD(a & Long.MAX_VALUE, rm, st)); }
    @Test void fma() { run("fma", 1, Fpu::mulAddD, Fpu::softMulAddD); }
}
