package org.jemu.target.riscv.fpu;

import java.math.BigInteger;

import static org.jemu.target.riscv.fpu.FpState.DZ;
import static org.jemu.target.riscv.fpu.FpState.NV;
import static org.jemu.target.riscv.fpu.FpState.NX;
import static org.jemu.target.riscv.fpu.FpState.OF;
import static org.jemu.target.riscv.fpu.FpState.RDN;
import static org.jemu.target.riscv.fpu.FpState.RMM;
import static org.jemu.target.riscv.fpu.FpState.RNE;
import static org.jemu.target.riscv.fpu.FpState.RTZ;
import static org.jemu.target.riscv.fpu.FpState.RUP;
import static org.jemu.target.riscv.fpu.FpState.UF;

/**
 * Exact IEEE 754-2019 arithmetic for the RISC-V F and D extensions, on raw bit patterns (int = binary32,
 * long = binary64). {@code rm} is a resolved rounding mode (RNE, RTZ, RDN, RUP, RMM = 0..4); the flags an
 * operation raises are ORed into {@link FpState#flags}. NaN results are always the canonical NaN; tininess is
 * detected after rounding (UF only when the result is tiny and inexact), as RISC-V requires.
 *
 * <h2>Why the fast paths are exact</h2>
 * The host's double operations ({@code + - * /}, {@link Math#sqrt}, {@link Math#fma}) are correctly rounded to
 * nearest-even with gradual underflow. Each fast path computes that RNE result r and, with error-free
 * transformations, the exact error E = X - r of the true value X (or at least its sign):
 * <ul>
 * <li>add/sub: TwoSum gives E exactly (an addition error is always representable). An inexact sum has
 *     |X| >= 2^-1021 (X is a multiple of 2^-1074), so it is never tiny and neighbours of r are normal.</li>
 * <li>mul: E = fma(a, b, -r) is exact when |r| >= 2^-968 (the product error is a multiple of
 *     2^(ea+eb-104) >= 2^-1073 and has at most 53 bits).</li>
 * <li>div: the remainder a - r*b = fma(-r, b, a) is representable when |a| >= 2^-968 (Boldo-Daumas); sign(E) =
 *     sign(rem) * sign(b). A quotient of two p-bit numbers is never a midpoint in the normal range, so no ties.</li>
 * <li>sqrt: rem = fma(-r, r, a) is representable; inputs below 2^-968 are first scaled by 2^108 (exact), the
 *     root scaled back by 2^-54 (exact, it is normal). Roots are never midpoints.</li>
 * <li>fma: Boldo-Muller ErrFma: with u1 + u2 = a*b (TwoProd), a1 + a2 = c + u2, b1 + b2 = u1 + a1 (TwoSum),
 *     g = (b1 - r) + b2 is exact and E = g + a2 exactly; guarded so that no step under- or overflows.</li>
 * </ul>
 * Knowing sign(E) (and for RMM whether E is exactly half the gap to the neighbour), the result in a directed
 * mode is r or its neighbour (nextUp/nextDown); NX = (E != 0). The guards keep |r| in [2^-1021, 2^1020], so
 * no result of the fast path is tiny and only nextUp(MAX) can overflow (then OF is raised). Everything else
 * (NaN/inf/zero operands, tiny or huge results, exact cancellation under RDN) takes the software path.
 *
 * <p>Single precision runs on doubles: products of floats are exact in double, TwoSum/fma give the exact error
 * of sums, quotients and roots, and the fma of floats is a*b (exact) + c with a TwoSum error. So every single
 * operation knows d = RN53(X) and the sign of E = X - d. Then f = (float) d is one of the two floats around X;
 * when f is comfortably normal (2^-125 <= |f| <= 2^127) the neighbour n of f towards X and the midpoint
 * m = (f + n) / 2 (exact in double) decide every mode: sign(X - f) and sign(X - m) are the signs of d - f and
 * d - m (exact differences which, when nonzero, exceed |E|), else the sign of E. In RNE the cast itself is
 * the answer for + - * / sqrt, since double rounding 53 -> 24 bits is innocuous when 53 >= 2*24 + 2
 * (Figueroa); for fma only when E = 0. Results near the subnormal range or overflow are rounded by integer
 * arithmetic ({@link #roundPack}), which also decides tininess and overflow.
 *
 * <p>The software path ({@code soft*}) is exact integer arithmetic on BigInteger significands (value =
 * M * 2^Q, quotients and roots with a sticky bit), then the same {@link #roundPack}.
 */
public final class Fpu {
    private Fpu() {}

    public static final int CANON_NAN_S = 0x7fc00000;
    public static final long CANON_NAN_D = 0x7ff8000000000000L;

    private static final long SIGN_D = 0x8000000000000000L;
    private static final int SIGN_S = 0x80000000;
    private static final long SNAN_D = 0x7ff0000000000001L;

    // binary64 / binary32 format parameters for roundPack
    private static final int P_D = 53, EMIN_D = -1022, EMAX_D = 1023;
    private static final int P_S = 24, EMIN_S = -126, EMAX_S = 127;

    // ---------------------------------------------------------------- classification

    public static boolean isNaNS(int a) { return (a & 0x7fffffff) > 0x7f800000; }
    public static boolean isSNaNS(int a) { return isNaNS(a) && (a & 0x00400000) == 0; }
    public static boolean isNaND(long a) { return (a & 0x7fffffffffffffffL) > 0x7ff0000000000000L; }
    public static boolean isSNaND(long a) { return isNaND(a) && (a & 0x0008000000000000L) == 0; }

    private static double d(long bits) { return Double.longBitsToDouble(bits); }
    private static long bits(double x) { return Double.doubleToRawLongBits(x); }
    private static boolean specialS(int a) { return (a & 0x7f800000) == 0x7f800000; }

    // ---------------------------------------------------------------- double: add / sub

    public static long addD(long a, long b, int rm, FpState st) {
        double x = d(a), y = d(b);
        double r = x + y;
        double ar = Math.abs(r);
        if (ar >= 0x1p-1021 && ar <= 0x1p1020) {
            double t = r - x;
            double e = (x - (r - t)) + (y - t);
            return e == 0 ? bits(r) : finishD(r, e, true, rm, st);
        }
        if (ar < 0x1p-1021) {
            if (r != 0) return bits(r);              // |X| < 2^-1021: a multiple of 2^-1074, hence exact
            if (rm != RDN) return bits(r);           // exact zero: Java's sign rule is the RNE/RTZ/RUP/RMM one
            return (a == 0 && b == 0) ? 0 : SIGN_D;  // RDN: +0 only for (+0) + (+0)
        }
        return softAddD(a, b, rm, st);
    }

    public static long subD(long a, long b, int rm, FpState st) {
        return addD(a, b ^ SIGN_D, rm, st);
    }

    // ---------------------------------------------------------------- double: mul

    public static long mulD(long a, long b, int rm, FpState st) {
        double x = d(a), y = d(b);
        double r = x * y;
        double ar = Math.abs(r);
        if (ar >= 0x1p-968 && ar <= 0x1p1020) {
            double e = Math.fma(x, y, -r);
            return e == 0 ? bits(r) : finishD(r, e, true, rm, st);
        }
        if (r == 0 && (x == 0 || y == 0)) return bits(r); // exact signed zero (0 * inf is NaN, not here)
        return softMulD(a, b, rm, st);
    }

    // ---------------------------------------------------------------- double: div

    public static long divD(long a, long b, int rm, FpState st) {
        double x = d(a), y = d(b);
        double r = x / y;
        double ar = Math.abs(r);
        if (ar >= 0x1p-1021 && ar <= 0x1p1020 && Math.abs(x) >= 0x1p-968) {
            double rem = Math.fma(-r, y, x);
            return rem == 0 ? bits(r) : finishD(r, y > 0 ? rem : -rem, false, rm, st);
        }
        return softDivD(a, b, rm, st);
    }

    // ---------------------------------------------------------------- double: sqrt

    public static long sqrtD(long a, int rm, FpState st) {
        double x = d(a);
        if (x > 0 && x < Double.POSITIVE_INFINITY) {
            boolean small = x < 0x1p-968;
            double sx = small ? x * 0x1p108 : x;
            double r = Math.sqrt(sx);
            double rem = Math.fma(-r, r, sx);
            if (small) r *= 0x1p-54;
            return rem == 0 ? bits(r) : finishD(r, rem, false, rm, st);
        }
        return softSqrtD(a, rm, st);
    }

    // ---------------------------------------------------------------- double: fused multiply-add

    public static long mulAddD(long a, long b, long c, int rm, FpState st) {
        double x = d(a), y = d(b), z = d(c);
        double r = Math.fma(x, y, z);
        double p = x * y;
        double ar = Math.abs(r), ap = Math.abs(p);
        if (ar >= 0x1p-1021 && ar <= 0x1p1020 && ap >= 0x1p-968 && ap <= 0x1p1020 && Math.abs(z) <= 0x1p1020) {
            double u2 = Math.fma(x, y, -p);
            double a1 = z + u2;                           // TwoSum(z, u2)
            double t = a1 - z;
            double a2 = (z - (a1 - t)) + (u2 - t);
            double b1 = p + a1;                           // TwoSum(p, a1)
            t = b1 - p;
            double b2 = (p - (b1 - t)) + (a1 - t);
            double g = (b1 - r) + b2;
            double e = g + a2;                            // RN(E): same sign, zero iff E == 0
            if (e == 0) return bits(r);
            if (rm == RMM) {                              // a tie needs E itself: E = e + err(g + a2)
                t = e - g;
                double e2 = (g - (e - t)) + (a2 - t);
                if (e2 != 0) return finishD(r, e, false, rm, st);
            }
            return finishD(r, e, true, rm, st);
        }
        return softMulAddD(a, b, c, rm, st);
    }

    /**
     * Result of a fast path: r is the RNE result (finite, 2^-1021 <= |r| <= 2^1020), e != 0 has the sign of the
     * exact error X - r and, when {@code canTie}, is exactly X - r.
     */
    private static long finishD(double r, double e, boolean canTie, int rm, FpState st) {
        st.flags |= NX;
        double res = r;
        switch (rm) {
            case RTZ -> { if ((e < 0) != (r < 0)) res = e < 0 ? Math.nextDown(r) : Math.nextUp(r); }
            case RDN -> { if (e < 0) res = Math.nextDown(r); }
            case RUP -> {
                if (e > 0) {
                    res = Math.nextUp(r);
                    if (res == Double.POSITIVE_INFINITY) st.flags |= OF;
                }
            }
            case RMM -> {
                if (canTie) {
                    double n = e > 0 ? Math.nextUp(r) : Math.nextDown(r);
                    if (Math.abs(n) > Math.abs(r) && 2 * Math.abs(e) == Math.abs(n - r)) res = n;
                }
            }
            default -> { }
        }
        return bits(res);
    }

    // ---------------------------------------------------------------- single precision

    private static double f2d(int a) { return Float.intBitsToFloat(a); }

    /** A float operand as a double bit pattern for the shared special-value code (sNaN stays signaling). */
    private static long widen(int a) {
        if (isNaNS(a)) return isSNaNS(a) ? SNAN_D : CANON_NAN_D;
        return bits(f2d(a));
    }

    /** A special (NaN, infinite or zero, hence exact) double result as float bits. */
    private static int narrowExact(long r) {
        return isNaND(r) ? CANON_NAN_S : Float.floatToRawIntBits((float) d(r));
    }

    public static int addS(int a, int b, int rm, FpState st) {
        if (specialS(a) || specialS(b)) return narrowExact(softAddD(widen(a), widen(b), rm, st));
        double x = f2d(a), y = f2d(b);
        double r = x + y;
        if (r == 0) {
            if (rm != RDN) return Float.floatToRawIntBits((float) r);
            return (a == 0 && b == 0) ? 0 : SIGN_S;
        }
        double t = r - x;
        double e = (x - (r - t)) + (y - t);
        return roundS(r, e, true, rm, st);
    }

    public static int subS(int a, int b, int rm, FpState st) {
        return addS(a, b ^ SIGN_S, rm, st);
    }

    public static int mulS(int a, int b, int rm, FpState st) {
        if (specialS(a) || specialS(b)) return narrowExact(softMulD(widen(a), widen(b), rm, st));
        double r = f2d(a) * f2d(b);                       // exact: 48-bit product, exponent within double range
        if (r == 0) return Float.floatToRawIntBits((float) r);
        return roundS(r, 0, true, rm, st);
    }

    public static int divS(int a, int b, int rm, FpState st) {
        double x = f2d(a), y = f2d(b);
        if (specialS(a) || specialS(b) || x == 0 || y == 0) return narrowExact(softDivD(widen(a), widen(b), rm, st));
        double r = x / y;
        double rem = Math.fma(-r, y, x);
        return roundS(r, y > 0 ? rem : -rem, true, rm, st);
    }

    public static int sqrtS(int a, int rm, FpState st) {
        double x = f2d(a);
        if (specialS(a) || x <= 0) return narrowExact(softSqrtD(widen(a), rm, st));
        double r = Math.sqrt(x);
        return roundS(r, Math.fma(-r, r, x), true, rm, st);
    }

    public static int mulAddS(int a, int b, int c, int rm, FpState st) {
        if (specialS(a) || specialS(b) || specialS(c)) {
            return narrowExact(softMulAddD(widen(a), widen(b), widen(c), rm, st));
        }
        double p = f2d(a) * f2d(b);                       // exact
        double z = f2d(c);
        double r = p + z;
        if (r == 0) {
            if (rm != RDN) return Float.floatToRawIntBits((float) r);
            // RDN: +0 only when both addends are +0
            return (bits(p) == 0 && c == 0) ? 0 : SIGN_S;
        }
        double t = r - p;
        double e = (p - (r - t)) + (z - t);
        return roundS(r, e, e == 0, rm, st);
    }

    /**
     * Rounds X = r + E to binary32, where r is a finite nonzero double and e has the sign of E (E is far below
     * half an ulp of r). {@code castOk}: in RNE, {@code (float) r} is the correctly rounded result.
     */
    private static int roundS(double r, double e, boolean castOk, int rm, FpState st) {
        float f = (float) r;
        float af = Math.abs(f);
        if (af >= 0x1p-125f && af <= 0x1p127f) {
            // f is one of the two floats around X (or X itself) and both are normal and finite, nothing is tiny
            if ((double) f == r && e == 0) return Float.floatToRawIntBits(f);
            st.flags |= NX;
            if (rm == RNE && castOk) return Float.floatToRawIntBits(f);
            return neighbourS(f, r, e, rm);
        }
        return packS(r, e, rm, st);
    }

    /** The correctly rounded float when X = r + E is inexact and f = (float) r is a normal float next to X. */
    private static int neighbourS(float f, double r, double e, int rm) {
        // sign(X - f): r - f is exact and, when nonzero, larger than |E| (which is below half an ulp of r)
        double df = f;
        boolean up = df != r ? r > df : e > 0;            // X > f
        int fb = Float.floatToRawIntBits(f);
        boolean away = up == (fb >= 0);                   // X is farther from zero than f
        int nb = away ? fb + 1 : fb - 1;                  // the float on X's other side (normal, finite)
        switch (rm) {
            case RUP: return up ? nb : fb;
            case RDN: return up ? fb : nb;
            case RTZ: return away ? fb : nb;
            default: {
                double m = (df + Float.intBitsToFloat(nb)) * 0.5;   // the midpoint, exact in double
                if (r == m && e == 0) {                               // a tie
                    if (rm == RMM) return away ? nb : fb;
                    return (fb & 1) == 0 ? fb : nb;
                }
                boolean aboveM = r != m ? r > m : e > 0;              // X > m
                return aboveM == up ? nb : fb;
            }
        }
    }

    /** Rounds X = r + E to binary32 by integer arithmetic (any magnitude; decides tininess and overflow). */
    private static int packS(double r, double e, int rm, FpState st) {
        long rb = bits(r);
        boolean neg = rb < 0;
        int be = (int) (rb >>> 52) & 0x7ff;
        long m = rb & 0xfffffffffffffL;
        int q;
        if (be == 0) q = -1074; else { m |= 1L << 52; q = be - 1075; }
        if (e != 0) {                                     // encode the error below r's last bit as a sticky bit
            m = (m << 2) + (((e > 0) != neg) ? 1 : -1);
            q -= 2;
        }
        return (int) roundPack(neg, m, q, P_S, EMIN_S, EMAX_S, rm, st);
    }

    // ---------------------------------------------------------------- min / max / compare / classify

    private static int keyS(int a) { return a ^ ((a >> 31) & 0x7fffffff); }
    private static long keyD(long a) { return a ^ ((a >> 63) & 0x7fffffffffffffffL); }

    public static int minS(int a, int b, FpState st) { return minMaxS(a, b, true, st); }
    public static int maxS(int a, int b, FpState st) { return minMaxS(a, b, false, st); }
    public static long minD(long a, long b, FpState st) { return minMaxD(a, b, true, st); }
    public static long maxD(long a, long b, FpState st) { return minMaxD(a, b, false, st); }

    private static int minMaxS(int a, int b, boolean min, FpState st) {
        boolean na = isNaNS(a), nb = isNaNS(b);
        if (na || nb) {
            if (isSNaNS(a) || isSNaNS(b)) st.flags |= NV;
            return na && nb ? CANON_NAN_S : na ? b : a;
        }
        return (keyS(a) < keyS(b)) == min ? a : b;
    }

    private static long minMaxD(long a, long b, boolean min, FpState st) {
        boolean na = isNaND(a), nb = isNaND(b);
        if (na || nb) {
            if (isSNaND(a) || isSNaND(b)) st.flags |= NV;
            return na && nb ? CANON_NAN_D : na ? b : a;
        }
        return (keyD(a) < keyD(b)) == min ? a : b;
    }

    public static int eqS(int a, int b, FpState st) {
        if (isNaNS(a) || isNaNS(b)) {
            if (isSNaNS(a) || isSNaNS(b)) st.flags |= NV;
            return 0;
        }
        return f2d(a) == f2d(b) ? 1 : 0;
    }

    public static int ltS(int a, int b, FpState st) {
        if (isNaNS(a) || isNaNS(b)) { st.flags |= NV; return 0; }
        return f2d(a) < f2d(b) ? 1 : 0;
    }

    public static int leS(int a, int b, FpState st) {
        if (isNaNS(a) || isNaNS(b)) { st.flags |= NV; return 0; }
        return f2d(a) <= f2d(b) ? 1 : 0;
    }

    public static int eqD(long a, long b, FpState st) {
        if (isNaND(a) || isNaND(b)) {
            if (isSNaND(a) || isSNaND(b)) st.flags |= NV;
            return 0;
        }
        return d(a) == d(b) ? 1 : 0;
    }

    public static int ltD(long a, long b, FpState st) {
        if (isNaND(a) || isNaND(b)) { st.flags |= NV; return 0; }
        return d(a) < d(b) ? 1 : 0;
    }

    public static int leD(long a, long b, FpState st) {
        if (isNaND(a) || isNaND(b)) { st.flags |= NV; return 0; }
        return d(a) <= d(b) ? 1 : 0;
    }

    /** fclass.s: bit 0 -inf, 1 negative normal, 2 negative subnormal, 3 -0, 4 +0, 5 +subnormal, 6 +normal,
     *  7 +inf, 8 signaling NaN, 9 quiet NaN. */
    public static int classS(int a) {
        return classify(a < 0, (a >>> 23) & 0xff, 0xff, a & 0x7fffff, (a & 0x400000) != 0);
    }

    public static int classD(long a) {
        return classify(a < 0, (int) (a >>> 52) & 0x7ff, 0x7ff, a & 0xfffffffffffffL, (a & 0x8000000000000L) != 0);
    }

    private static int classify(boolean neg, int exp, int expMax, long frac, boolean quiet) {
        if (exp == expMax) {
            if (frac == 0) return neg ? 1 : 1 << 7;
            return quiet ? 1 << 9 : 1 << 8;
        }
        if (exp == 0) {
            if (frac == 0) return neg ? 1 << 3 : 1 << 4;
            return neg ? 1 << 2 : 1 << 5;
        }
        return neg ? 1 << 1 : 1 << 6;
    }

    // ---------------------------------------------------------------- conversions: float -> integer

    public static long cvtWS(int a, int rm, FpState st) { return cvtWD(widen(a), rm, st); }
    public static long cvtWUS(int a, int rm, FpState st) { return cvtWUD(widen(a), rm, st); }
    public static long cvtLS(int a, int rm, FpState st) { return cvtLD(widen(a), rm, st); }
    public static long cvtLUS(int a, int rm, FpState st) { return cvtLUD(widen(a), rm, st); }

    /** fcvt.w.d: result sign-extended to 64 bits. NaN and +overflow give 2^31-1, -overflow -2^31 (NV). */
    public static long cvtWD(long a, int rm, FpState st) {
        if (isNaND(a)) { st.flags |= NV; return Integer.MAX_VALUE; }
        double x = d(a), t = roundIntegral(x, rm);
        if (t < -0x1p31) { st.flags |= NV; return Integer.MIN_VALUE; }
        if (t >= 0x1p31) { st.flags |= NV; return Integer.MAX_VALUE; }
        if (t != x) st.flags |= NX;
        return (long) t;
    }

    /** fcvt.wu.d: the 32-bit result sign-extended. NaN and +overflow give 2^32-1, negative overflow 0 (NV). */
    public static long cvtWUD(long a, int rm, FpState st) {
        if (isNaND(a)) { st.flags |= NV; return -1L; }
        double x = d(a), t = roundIntegral(x, rm);
        if (t < 0) { st.flags |= NV; return 0; }
        if (t >= 0x1p32) { st.flags |= NV; return -1L; }
        if (t != x) st.flags |= NX;
        return (int) (long) t;
    }

    /** fcvt.l.d: NaN and +overflow give 2^63-1, -overflow -2^63 (NV). */
    public static long cvtLD(long a, int rm, FpState st) {
        if (isNaND(a)) { st.flags |= NV; return Long.MAX_VALUE; }
        double x = d(a), t = roundIntegral(x, rm);
        if (t < -0x1p63) { st.flags |= NV; return Long.MIN_VALUE; }
        if (t >= 0x1p63) { st.flags |= NV; return Long.MAX_VALUE; }
        if (t != x) st.flags |= NX;
        return (long) t;
    }

    /** fcvt.lu.d: NaN and +overflow give 2^64-1, negative overflow 0 (NV). */
    public static long cvtLUD(long a, int rm, FpState st) {
        if (isNaND(a)) { st.flags |= NV; return -1L; }
        double x = d(a), t = roundIntegral(x, rm);
        if (t < 0) { st.flags |= NV; return 0; }
        if (t >= 0x1p64) { st.flags |= NV; return -1L; }
        if (t != x) st.flags |= NX;
        return t >= 0x1p63 ? (long) (t - 0x1p63) ^ Long.MIN_VALUE : (long) t;
    }

    /** x rounded to an integral value in mode rm (exact; infinities pass through). */
    static double roundIntegral(double x, int rm) {
        if (!(Math.abs(x) < 0x1p52)) return x;
        return switch (rm) {
            case RNE -> Math.rint(x);
            case RTZ -> x < 0 ? Math.ceil(x) : Math.floor(x);
            case RDN -> Math.floor(x);
            case RUP -> Math.ceil(x);
            default -> {
                double ax = Math.abs(x), t = Math.floor(ax);
                if (ax - t >= 0.5) t += 1;
                yield Math.copySign(t, x);
            }
        };
    }

    // ---------------------------------------------------------------- conversions: integer -> float

    /** fcvt.s.w: the low 32 bits of x, signed. */
    public static int cvtSW(long x, int rm, FpState st) { int v = (int) x; return intToS(v < 0, Math.abs((long) v), rm, st); }
    /** fcvt.s.wu: the low 32 bits of x, unsigned. */
    public static int cvtSWU(long x, int rm, FpState st) { return intToS(false, x & 0xffffffffL, rm, st); }
    public static int cvtSL(long x, int rm, FpState st) { return intToS(x < 0, x < 0 ? -x : x, rm, st); }
    public static int cvtSLU(long x, int rm, FpState st) { return intToS(false, x, rm, st); }
    public static long cvtDW(long x, int rm, FpState st) { return bits((double) (int) x); }
    public static long cvtDWU(long x, int rm, FpState st) { return bits((double) (x & 0xffffffffL)); }
    public static long cvtDL(long x, int rm, FpState st) { return intToD(x < 0, x < 0 ? -x : x, rm, st); }
    public static long cvtDLU(long x, int rm, FpState st) { return intToD(false, x, rm, st); }

    /** mag is an unsigned 64-bit magnitude (2^63 for Long.MIN_VALUE). */
    private static int intToS(boolean neg, long mag, int rm, FpState st) {
        if (mag >= 0 && mag <= 1L << 24) {
            float f = mag;
            return Float.floatToRawIntBits(neg ? -f : f);
        }
        return (int) roundPack(neg, jam64(mag), (mag & 0xc000000000000000L) != 0 ? 2 : 0, P_S, EMIN_S, EMAX_S, rm, st);
    }

    private static long intToD(boolean neg, long mag, int rm, FpState st) {
        if (mag >= 0 && mag <= 1L << 53) {
            double f = mag;
            return bits(neg ? -f : f);
        }
        return roundPack(neg, jam64(mag), (mag & 0xc000000000000000L) != 0 ? 2 : 0, P_D, EMIN_D, EMAX_D, rm, st);
    }

    /** An unsigned 64-bit magnitude brought to at most 62 bits: shifted right by 2 with a sticky bit if it is wider. */
    private static long jam64(long mag) {
        if ((mag & 0xc000000000000000L) == 0) return mag;
        return (mag >>> 2) | ((mag & 3) != 0 ? 1 : 0);
    }

    // ---------------------------------------------------------------- conversions: float <-> double

    /** fcvt.s.d: rounds. */
    public static int cvtSD(long a, int rm, FpState st) {
        if (isNaND(a)) {
            if (isSNaND(a)) st.flags |= NV;
            return CANON_NAN_S;
        }
        double x = d(a);
        if (x == 0 || Double.isInfinite(x)) return Float.floatToRawIntBits((float) x);
        return roundS(x, 0, true, rm, st);
    }

    /** fcvt.d.s: exact (rm is accepted for uniformity and ignored). */
    public static long cvtDS(int a, int rm, FpState st) { return cvtDS(a, st); }

    /** fcvt.d.s: exact. */
    public static long cvtDS(int a, FpState st) {
        if (isNaNS(a)) {
            if (isSNaNS(a)) st.flags |= NV;
            return CANON_NAN_D;
        }
        return bits(f2d(a));
    }

    // ================================================================ software path (exact, BigInteger)

    /**
     * Rounds the exact (or sticky-jammed) value (-1)^neg * m * 2^q, m > 0 with at most 62 bits, to the format
     * with precision p and exponent range [emin, emax]. A jammed m has at least p + 2 bits, so its lowest bit
     * lies below the rounding position. Returns the packed bits; raises NX, UF (tiny after rounding and
     * inexact) and OF.
     */
    static long roundPack(boolean neg, long m, int q, int p, int emin, int emax, int rm, FpState st) {
        int nb = 64 - Long.numberOfLeadingZeros(m);
        int e = q + nb - 1;                               // exponent of the leading bit of X
        int lsb = Math.max(e, emin) - (p - 1);            // exponent of the result's last bit
        int sh = lsb - q;
        long n;
        boolean inexact;
        if (sh <= 0) {
            n = m << -sh;
            inexact = false;
        } else {
            n = shiftRound(m, sh, neg, rm);
            inexact = sh >= 64 || (m & ((1L << sh) - 1)) != 0;
        }
        if (n == 1L << p) {                               // rounded up into the next binade
            n >>>= 1;
            lsb++;
        }
        int fracBits = p - 1;
        int expBits = p == P_D ? 11 : 8;
        long sign = neg ? 1L << (fracBits + expBits) : 0;
        if (inexact) {
            int flags = NX;
            if (e < emin) {                               // tiny after rounding with an unbounded exponent?
                boolean tiny = true;
                if (e == emin - 1) {
                    int shu = e - (p - 1) - q;
                    long nu = shu <= 0 ? m << -shu : shiftRound(m, shu, neg, rm);
                    tiny = nu < 1L << p;
                }
                if (tiny) flags |= UF;
            }
            st.flags |= flags;
        }
        if (n >= 1L << fracBits) {
            int ee = lsb + fracBits;
            if (ee > emax) return sign | overflow(neg, p, rm, st);
            long be = ee + (1L << (expBits - 1)) - 1;
            return sign | be << fracBits | (n & ((1L << fracBits) - 1));
        }
        return sign | n;                                  // subnormal or zero
    }

    private static long shiftRound(long m, int sh, boolean neg, int rm) {
        if (sh >= 64) return (rm == RUP && !neg) || (rm == RDN && neg) ? 1 : 0;  // m < half an ulp, nonzero
        long n = m >>> sh;
        long rest = m & ((1L << sh) - 1);
        if (rest == 0) return n;
        long half = 1L << (sh - 1);
        return switch (rm) {
            case RNE -> rest > half || (rest == half && (n & 1) != 0) ? n + 1 : n;
            case RMM -> rest >= half ? n + 1 : n;
            case RDN -> neg ? n + 1 : n;
            case RUP -> neg ? n : n + 1;
            default -> n;
        };
    }

    /** Magnitude bits of an overflowed result: infinity or the largest finite number, by mode and sign. */
    private static long overflow(boolean neg, int p, int rm, FpState st) {
        st.flags |= OF | NX;
        boolean inf = switch (rm) {
            case RNE, RMM -> true;
            case RDN -> neg;
            case RUP -> !neg;
            default -> false;
        };
        if (p == P_D) return inf ? 0x7ff0000000000000L : 0x7fefffffffffffffL;
        return inf ? 0x7f800000L : 0x7f7fffffL;
    }

    private static long roundPackBig(boolean neg, BigInteger mag, int q, boolean sticky, int rm, FpState st) {
        int bl = mag.bitLength();
        int sh = bl - (sticky ? 60 : 62);                 // keep >= p + 2 bits above a sticky bit
        long m;
        if (sh > 0) {
            m = mag.shiftRight(sh).longValue();
            if (sticky || mag.getLowestSetBit() < sh) m |= 1;
            q += sh;
        } else {
            m = mag.longValue();
            if (sticky) {
                m = m << 2 | 1;
                q -= 2;
            }
        }
        return roundPack(neg, m, q, P_D, EMIN_D, EMAX_D, rm, st);
    }

    /** Significand of a finite double as an integer m (value = m * 2^exp(a)). */
    private static long sig(long a) {
        int be = (int) (a >>> 52) & 0x7ff;
        long f = a & 0xfffffffffffffL;
        return be == 0 ? f : f | 1L << 52;
    }

    private static int exp(long a) {
        int be = (int) (a >>> 52) & 0x7ff;
        return be == 0 ? -1074 : be - 1075;
    }

    private static boolean isInfD(long a) { return (a & 0x7fffffffffffffffL) == 0x7ff0000000000000L; }
    private static boolean isZeroD(long a) { return (a & 0x7fffffffffffffffL) == 0; }

    private static long nanResult(FpState st, boolean invalid) {
        if (invalid) st.flags |= NV;
        return CANON_NAN_D;
    }

    /** Exact zero sum of two addends whose signs are given: same sign keeps it, otherwise +0 (RDN: -0). */
    private static long zeroSum(boolean negA, boolean negB, int rm) {
        if (negA == negB) return negA ? SIGN_D : 0;
        return rm == RDN ? SIGN_D : 0;
    }

    static long softAddD(long a, long b, int rm, FpState st) {
        if (isNaND(a) || isNaND(b)) return nanResult(st, isSNaND(a) || isSNaND(b));
        if (isInfD(a)) {
            if (isInfD(b) && (a ^ b) < 0) return nanResult(st, true);
            return a;
        }
        if (isInfD(b)) return b;
        return addExact(a < 0, BigInteger.valueOf(sig(a)), exp(a), b < 0, BigInteger.valueOf(sig(b)), exp(b), rm, st);
    }

    /** Rounds (-1)^na * ma * 2^qa + (-1)^nb * mb * 2^qb. */
    private static long addExact(boolean na, BigInteger ma, int qa, boolean nb, BigInteger mb, int qb, int rm, FpState st) {
        int q = Math.min(qa, qb);
        BigInteger x = ma.shiftLeft(qa - q), y = mb.shiftLeft(qb - q);
        if (na) x = x.negate();
        if (nb) y = y.negate();
        BigInteger s = x.add(y);
        if (s.signum() == 0) return zeroSum(na, nb, rm);
        return roundPackBig(s.signum() < 0, s.abs(), q, false, rm, st);
    }

    static long softMulD(long a, long b, int rm, FpState st) {
        if (isNaND(a) || isNaND(b)) return nanResult(st, isSNaND(a) || isSNaND(b));
        long sign = (a ^ b) & SIGN_D;
        if (isInfD(a) || isInfD(b)) {
            if (isZeroD(a) || isZeroD(b)) return nanResult(st, true);
            return sign | 0x7ff0000000000000L;
        }
        if (isZeroD(a) || isZeroD(b)) return sign;
        BigInteger m = BigInteger.valueOf(sig(a)).multiply(BigInteger.valueOf(sig(b)));
        return roundPackBig(sign != 0, m, exp(a) + exp(b), false, rm, st);
    }

    static long softDivD(long a, long b, int rm, FpState st) {
        if (isNaND(a) || isNaND(b)) return nanResult(st, isSNaND(a) || isSNaND(b));
        long sign = (a ^ b) & SIGN_D;
        if (isInfD(a)) {
            if (isInfD(b)) return nanResult(st, true);
            return sign | 0x7ff0000000000000L;
        }
        if (isInfD(b)) return sign;
        if (isZeroD(b)) {
            if (isZeroD(a)) return nanResult(st, true);
            st.flags |= DZ;
            return sign | 0x7ff0000000000000L;
        }
        if (isZeroD(a)) return sign;
        BigInteger n = BigInteger.valueOf(sig(a)).shiftLeft(120);
        BigInteger[] qr = n.divideAndRemainder(BigInteger.valueOf(sig(b)));
        return roundPackBig(sign != 0, qr[0], exp(a) - exp(b) - 120, qr[1].signum() != 0, rm, st);
    }

    static long softSqrtD(long a, int rm, FpState st) {
        if (isNaND(a)) return nanResult(st, isSNaND(a));
        if (isZeroD(a)) return a;
        if (a < 0) return nanResult(st, true);
        if (isInfD(a)) return a;
        BigInteger m = BigInteger.valueOf(sig(a));
        int q = exp(a);
        if ((q & 1) != 0) {
            m = m.shiftLeft(1);
            q--;
        }
        m = m.shiftLeft(128);
        BigInteger[] rr = m.sqrtAndRemainder();
        return roundPackBig(false, rr[0], (q - 128) / 2, rr[1].signum() != 0, rm, st);
    }

    static long softMulAddD(long a, long b, long c, int rm, FpState st) {
        boolean infTimesZero = (isInfD(a) && isZeroD(b)) || (isZeroD(a) && isInfD(b));
        if (isNaND(a) || isNaND(b) || isNaND(c)) {
            return nanResult(st, isSNaND(a) || isSNaND(b) || isSNaND(c) || infTimesZero);
        }
        if (infTimesZero) return nanResult(st, true);
        boolean pneg = (a ^ b) < 0;
        if (isInfD(a) || isInfD(b)) {
            if (isInfD(c) && (c < 0) != pneg) return nanResult(st, true);
            return (pneg ? SIGN_D : 0) | 0x7ff0000000000000L;
        }
        if (isInfD(c)) return c;
        if (isZeroD(a) || isZeroD(b)) {
            if (isZeroD(c)) return zeroSum(pneg, c < 0, rm);
            return c;
        }
        BigInteger p = BigInteger.valueOf(sig(a)).multiply(BigInteger.valueOf(sig(b)));
        if (isZeroD(c)) return roundPackBig(pneg, p, exp(a) + exp(b), false, rm, st);
        return addExact(pneg, p, exp(a) + exp(b), c < 0, BigInteger.valueOf(sig(c)), exp(c), rm, st);
    }
}
