package org.jemu.target.riscv.fpu;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every operation, every rounding mode, edge-heavy random operands, checked bit for bit (result and flags)
 * against the independent BigDecimal reference {@link FpuRef}.
 */
@Timeout(600)
class FpuRandomTest {
    static final int N = Integer.getInteger("fpu.cases", 1500);
    static final FpuRef.Fmt S = FpuRef.S, D = FpuRef.D;

    private final List<String> failures = new ArrayList<>();
    private int checked;

    private void check(String what, long got, int gotFlags, FpuRef.Res exp) {
        checked++;
        if (got != exp.bits() || gotFlags != exp.flags()) {
            if (failures.size() < 25) {
                failures.add(what + ": got " + new FpuRef.Res(got, gotFlags) + " expected " + exp);
            }
        }
    }

    private void done() {
        if (!failures.isEmpty()) fail(failures.size() + " mismatches of " + checked + " checks, first:\n" + String.join("\n", failures));
    }

    private static String hd(long a) { return String.format("%016x", a); }
    private static String hs(int a) { return String.format("%08x", a); }

    interface D2 { long op(long a, long b, int rm, FpState st); }
    interface S2 { int op(int a, int b, int rm, FpState st); }
    interface R2 { FpuRef.Res op(FpuRef.Fmt f, long a, long b, int rm); }

    private void binaryD(String name, int kind, D2 op, R2 ref) {
        Gen g = new Gen(name.hashCode() * 31L + 1);
        for (int i = 0; i < N; i++) {
            long a = g.d(), b = g.pairD(a, kind);
            if (g.r.nextBoolean()) { long t = a; a = b; b = t; }
            for (int rm = 0; rm <= 4; rm++) {
                FpState st = new FpState();
                long got = op.op(a, b, rm, st);
                check(name + "(" + hd(a) + ", " + hd(b) + ") rm=" + rm, got, st.flags, ref.op(D, a, b, rm));
            }
        }
        done();
    }

    private void binaryS(String name, int kind, S2 op, R2 ref) {
        Gen g = new Gen(name.hashCode() * 31L + 2);
        for (int i = 0; i < N * 3; i++) {
            int a = g.s(), b = g.pairS(a, kind);
            if (g.r.nextBoolean()) { int t = a; a = b; b = t; }
            for (int rm = 0; rm <= 4; rm++) {
                FpState st = new FpState();
                int got = op.op(a, b, rm, st);
                check(name + "(" + hs(a) + ", " + hs(b) + ") rm=" + rm, got & 0xffffffffL, st.flags, ref.op(S, a & 0xffffffffL, b & 0xffffffffL, rm));
            }
        }
        done();
    }

    @Test void addD() { binaryD("addD", 0, Fpu::addD, FpuRef::add); }
    @Test void subD() { binaryD("subD", 0, Fpu::subD, FpuRef::sub); }
    @Test void mulD() { binaryD("mulD", 1, Fpu::mulD, FpuRef::mul); }
    @Test void divD() { binaryD("divD", 2, Fpu::divD, FpuRef::div); }
    @Test void addS() { binaryS("addS", 0, Fpu::addS, FpuRef::add); }
    @Test void subS() { binaryS("subS", 0, Fpu::subS, FpuRef::sub); }
    @Test void mulS() { binaryS("mulS", 1, Fpu::mulS, FpuRef::mul); }
    @Test void divS() { binaryS("divS", 2, Fpu::divS, FpuRef::div); }

    @Test void sqrtD() {
        Gen g = new Gen(11);
        for (int i = 0; i < N; i++) {
            long a = g.d();
            if (g.r.nextInt(3) > 0) a &= Long.MAX_VALUE;
            for (int rm = 0; rm <= 4; rm++) {
                FpState st = new FpState();
                long got = Fpu.sqrtD(a, rm, st);
                check("sqrtD(" + hd(a) + ") rm=" + rm, got, st.flags, FpuRef.sqrt(D, a, rm));
            }
        }
        done();
    }

    @Test void sqrtS() {
        Gen g = new Gen(12);
        for (int i = 0; i < N * 3; i++) {
            int a = g.s();
            if (g.r.nextInt(3) > 0) a &= Integer.MAX_VALUE;
            for (int rm = 0; rm <= 4; rm++) {
                FpState st = new FpState();
                int got = Fpu.sqrtS(a, rm, st);
                check("sqrtS(" + hs(a) + ") rm=" + rm, got & 0xffffffffL, st.flags, FpuRef.sqrt(S, a & 0xffffffffL, rm));
            }
        }
        done();
    }

    /** An addend that makes a*b + c interesting: cancelling the product, near its rounding boundaries, tiny. */
    private static long addendD(Gen g, long a, long b) {
        double p = Double.longBitsToDouble(a) * Double.longBitsToDouble(b);
        long pb = Double.doubleToRawLongBits(p);
        int ep = (int) (pb >>> 52) & 0x7ff;
        return switch (g.r.nextInt(6)) {
            case 0 -> g.d();
            case 1 -> (pb ^ Long.MIN_VALUE) + g.r.nextLong(-2, 3);                // cancel the product
            case 2 -> g.withExp(Math.max(0, Math.min(0x7fe, ep - g.r.nextInt(50, 110))));
            case 3 -> g.withExp(Math.max(0, Math.min(0x7fe, ep + g.r.nextInt(50, 60))));
            case 4 -> g.withExp(Math.max(0, Math.min(0x7fe, ep + g.r.nextInt(-2, 3))));
            default -> Double.doubleToRawLongBits(Math.fma(Double.longBitsToDouble(a), Double.longBitsToDouble(b), 0) - p)
                    ^ (g.r.nextBoolean() ? Long.MIN_VALUE : 0);                    // the product's own error scale
        };
    }

    @Test void mulAddD() {
        Gen g = new Gen(13);
        for (int i = 0; i < N; i++) {
            long a = g.d(), b = g.pairD(a, 1), c = addendD(g, a, b);
            if (g.r.nextInt(4) == 0) {                                             // exact product error as addend
                double x = Double.longBitsToDouble(a), y = Double.longBitsToDouble(b);
                c = Double.doubleToRawLongBits(-Math.fma(x, y, -(x * y)) + (g.r.nextBoolean() ? 0 : Math.ulp(x * y) * g.r.nextInt(-2, 3) / 2));
            }
            for (int rm = 0; rm <= 4; rm++) {
                FpState st = new FpState();
                long got = Fpu.mulAddD(a, b, c, rm, st);
                check("mulAddD(" + hd(a) + ", " + hd(b) + ", " + hd(c) + ") rm=" + rm, got, st.flags, FpuRef.fma(D, a, b, c, rm));
            }
        }
        done();
    }

    @Test void mulAddS() {
        Gen g = new Gen(14);
        for (int i = 0; i < N * 3; i++) {
            int a = g.s(), b = g.pairS(a, 1);
            float p = Float.intBitsToFloat(a) * Float.intBitsToFloat(b);
            int pb = Float.floatToRawIntBits(p);
            int ep = (pb >>> 23) & 0xff;
            int c = switch (g.r.nextInt(6)) {
                case 0 -> g.s();
                case 1 -> (pb ^ Integer.MIN_VALUE) + g.r.nextInt(-2, 3);
                case 2 -> g.withExpS(Math.max(0, Math.min(0xfe, ep - g.r.nextInt(20, 50))));
                case 3 -> g.withExpS(Math.max(0, Math.min(0xfe, ep + g.r.nextInt(20, 27))));
                case 4 -> g.withExpS(Math.max(0, Math.min(0xfe, ep + g.r.nextInt(-2, 3))));
                default -> Float.floatToRawIntBits((float) -((double) Float.intBitsToFloat(a) * Float.intBitsToFloat(b) - p));
            };
            for (int rm = 0; rm <= 4; rm++) {
                FpState st = new FpState();
                int got = Fpu.mulAddS(a, b, c, rm, st);
                check("mulAddS(" + hs(a) + ", " + hs(b) + ", " + hs(c) + ") rm=" + rm, got & 0xffffffffL, st.flags,
                        FpuRef.fma(S, a & 0xffffffffL, b & 0xffffffffL, c & 0xffffffffL, rm));
            }
        }
        done();
    }

    @Test void minMaxCompareClass() {
        Gen g = new Gen(15);
        for (int i = 0; i < N * 5; i++) {
            long a = g.d(), b = g.r.nextInt(4) == 0 ? a ^ (g.r.nextBoolean() ? Long.MIN_VALUE : 0) : g.pairD(a, 0);
            int x = g.s(), y = g.r.nextInt(4) == 0 ? x ^ (g.r.nextBoolean() ? Integer.MIN_VALUE : 0) : g.pairS(x, 0);
            long xs = x & 0xffffffffL, ys = y & 0xffffffffL;
            String dd = "(" + hd(a) + ", " + hd(b) + ")", ss = "(" + hs(x) + ", " + hs(y) + ")";
            FpState st;
            st = new FpState(); check("minD" + dd, Fpu.minD(a, b, st), st.flags, FpuRef.minMax(D, a, b, true));
            st = new FpState(); check("maxD" + dd, Fpu.maxD(a, b, st), st.flags, FpuRef.minMax(D, a, b, false));
            st = new FpState(); check("minS" + ss, Fpu.minS(x, y, st) & 0xffffffffL, st.flags, FpuRef.minMax(S, xs, ys, true));
            st = new FpState(); check("maxS" + ss, Fpu.maxS(x, y, st) & 0xffffffffL, st.flags, FpuRef.minMax(S, xs, ys, false));
            st = new FpState(); check("eqD" + dd, Fpu.eqD(a, b, st), st.flags, FpuRef.compare(D, a, b, 0));
            st = new FpState(); check("ltD" + dd, Fpu.ltD(a, b, st), st.flags, FpuRef.compare(D, a, b, 1));
            st = new FpState(); check("leD" + dd, Fpu.leD(a, b, st), st.flags, FpuRef.compare(D, a, b, 2));
            st = new FpState(); check("eqS" + ss, Fpu.eqS(x, y, st), st.flags, FpuRef.compare(S, xs, ys, 0));
            st = new FpState(); check("ltS" + ss, Fpu.ltS(x, y, st), st.flags, FpuRef.compare(S, xs, ys, 1));
            st = new FpState(); check("leS" + ss, Fpu.leS(x, y, st), st.flags, FpuRef.compare(S, xs, ys, 2));
            check("classD(" + hd(a) + ")", Fpu.classD(a), 0, new FpuRef.Res(FpuRef.fclass(D, a), 0));
            check("classS(" + hs(x) + ")", Fpu.classS(x), 0, new FpuRef.Res(FpuRef.fclass(S, xs), 0));
        }
        done();
    }

    /** Operands for float-to-integer conversions: near the range limits, halves, small, negative fractions. */
    private static double convOperand(Gen g) {
        double[] limits = {0x1p31, 0x1p32, 0x1p63, 0x1p64, 0x1p24, 0x1p53, 0x1p52, 1, 0};
        return switch (g.r.nextInt(6)) {
            case 0 -> Double.longBitsToDouble(g.d());
            case 1 -> {
                double l = limits[g.r.nextInt(limits.length)];
                double v = l + g.r.nextInt(-3, 4) * (g.r.nextBoolean() ? 0.5 : 0.25) * (l >= 0x1p52 ? Math.ulp(l) * 4 : 1);
                yield g.r.nextBoolean() ? -v : v;
            }
            case 2 -> (g.r.nextInt(-40, 40) + 0.5 * g.r.nextInt(0, 2)) * (g.r.nextBoolean() ? 1 : 0.5);
            case 3 -> g.r.nextDouble(-1, 1);
            case 4 -> Math.nextUp(Math.scalb(1.0, g.r.nextInt(-2, 66))) * (g.r.nextBoolean() ? -1 : 1) - (g.r.nextBoolean() ? 0.5 : 0);
            default -> g.r.nextDouble(-1e20, 1e20);
        };
    }

    @Test void floatToInt() {
        Gen g = new Gen(16);
        for (int i = 0; i < N * 2; i++) {
            double v = convOperand(g);
            long a = Double.doubleToRawLongBits(v);
            if (g.r.nextInt(10) == 0) a = g.special();
            float fv = (float) v;
            int s = g.r.nextInt(10) == 0 ? g.specialS() : Float.floatToRawIntBits(fv);
            if (g.r.nextInt(4) == 0) s = g.s();
            long ss = s & 0xffffffffL;
            for (int rm = 0; rm <= 4; rm++) {
                FpState st;
                String dd = "(" + hd(a) + ") rm=" + rm, sd = "(" + hs(s) + ") rm=" + rm;
                st = new FpState(); check("cvtWD" + dd, Fpu.cvtWD(a, rm, st), st.flags, FpuRef.toInt(D, a, rm, 32, false));
                st = new FpState(); check("cvtWUD" + dd, Fpu.cvtWUD(a, rm, st), st.flags, FpuRef.toInt(D, a, rm, 32, true));
                st = new FpState(); check("cvtLD" + dd, Fpu.cvtLD(a, rm, st), st.flags, FpuRef.toInt(D, a, rm, 64, false));
                st = new FpState(); check("cvtLUD" + dd, Fpu.cvtLUD(a, rm, st), st.flags, FpuRef.toInt(D, a, rm, 64, true));
                st = new FpState(); check("cvtWS" + sd, Fpu.cvtWS(s, rm, st), st.flags, FpuRef.toInt(S, ss, rm, 32, false));
                st = new FpState(); check("cvtWUS" + sd, Fpu.cvtWUS(s, rm, st), st.flags, FpuRef.toInt(S, ss, rm, 32, true));
                st = new FpState(); check("cvtLS" + sd, Fpu.cvtLS(s, rm, st), st.flags, FpuRef.toInt(S, ss, rm, 64, false));
                st = new FpState(); check("cvtLUS" + sd, Fpu.cvtLUS(s, rm, st), st.flags, FpuRef.toInt(S, ss, rm, 64, true));
            }
        }
        done();
    }

    private static long intOperand(Gen g) {
        return switch (g.r.nextInt(6)) {
            case 0 -> g.r.nextLong();
            case 1 -> g.r.nextLong() >> g.r.nextInt(64);
            case 2 -> (1L << g.r.nextInt(64)) + g.r.nextLong(-3, 4);
            case 3 -> g.r.nextBoolean() ? Long.MIN_VALUE + g.r.nextInt(3) : Long.MAX_VALUE - g.r.nextInt(3);
            case 4 -> ((g.r.nextLong() >>> g.r.nextInt(1, 64)) | 1L << 62 >>> g.r.nextInt(40)) & -(1L << g.r.nextInt(30));
            default -> g.r.nextInt();
        };
    }

    @Test void intToFloat() {
        Gen g = new Gen(17);
        BigInteger two64 = BigInteger.ONE.shiftLeft(64);
        for (int i = 0; i < N * 2; i++) {
            long x = intOperand(g);
            BigInteger sw = BigInteger.valueOf((int) x), uw = BigInteger.valueOf(x & 0xffffffffL);
            BigInteger sl = BigInteger.valueOf(x), ul = x < 0 ? sl.add(two64) : sl;
            for (int rm = 0; rm <= 4; rm++) {
                FpState st;
                String xd = "(" + hd(x) + ") rm=" + rm;
                st = new FpState(); check("cvtSW" + xd, Fpu.cvtSW(x, rm, st) & 0xffffffffL, st.flags, FpuRef.fromInt(S, sw, rm));
                st = new FpState(); check("cvtSWU" + xd, Fpu.cvtSWU(x, rm, st) & 0xffffffffL, st.flags, FpuRef.fromInt(S, uw, rm));
                st = new FpState(); check("cvtSL" + xd, Fpu.cvtSL(x, rm, st) & 0xffffffffL, st.flags, FpuRef.fromInt(S, sl, rm));
                st = new FpState(); check("cvtSLU" + xd, Fpu.cvtSLU(x, rm, st) & 0xffffffffL, st.flags, FpuRef.fromInt(S, ul, rm));
                st = new FpState(); check("cvtDW" + xd, Fpu.cvtDW(x, rm, st), st.flags, FpuRef.fromInt(D, sw, rm));
                st = new FpState(); check("cvtDWU" + xd, Fpu.cvtDWU(x, rm, st), st.flags, FpuRef.fromInt(D, uw, rm));
                st = new FpState(); check("cvtDL" + xd, Fpu.cvtDL(x, rm, st), st.flags, FpuRef.fromInt(D, sl, rm));
                st = new FpState(); check("cvtDLU" + xd, Fpu.cvtDLU(x, rm, st), st.flags, FpuRef.fromInt(D, ul, rm));
            }
        }
        done();
    }

    @Test void floatToFloat() {
        Gen g = new Gen(18);
        for (int i = 0; i < N * 2; i++) {
            long a = switch (g.r.nextInt(4)) {
                case 0 -> g.d();
                case 1 -> g.withExp(g.r.nextInt(1023 - 160, 1023 - 120));   // around the float subnormal range
                case 2 -> g.withExp(g.r.nextInt(1023 + 125, 1023 + 130));   // around the float overflow threshold
                default -> Double.doubleToRawLongBits(Float.intBitsToFloat(g.s())) + g.r.nextLong(-2, 3) * (1L << 28);
            };
            int s = g.s();
            for (int rm = 0; rm <= 4; rm++) {
                FpState st = new FpState();
                check("cvtSD(" + hd(a) + ") rm=" + rm, Fpu.cvtSD(a, rm, st) & 0xffffffffL, st.flags, FpuRef.convert(D, S, a, rm));
                st = new FpState();
                check("cvtDS(" + hs(s) + ") rm=" + rm, Fpu.cvtDS(s, rm, st), st.flags, FpuRef.convert(S, D, s & 0xffffffffL, rm));
            }
        }
        done();
    }

}
