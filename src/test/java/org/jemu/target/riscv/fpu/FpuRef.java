package org.jemu.target.riscv.fpu;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;

/**
 * An independent, slow, exact reference for IEEE 754 binary32/binary64 arithmetic with RISC-V conventions,
 * written from the standard and the ISA manual without sharing code with {@link Fpu}. Real values are
 * BigDecimals; quotients and square roots, which BigDecimal cannot hold exactly, are given by a comparator
 * (sign of X - t for any t), and rounding finds the result by bisection over representable numbers.
 * Results carry the bit pattern (int formats widened to long) and the flags.
 */
final class FpuRef {
    private FpuRef() {}

    record Res(long bits, int flags) {
        @Override public String toString() { return String.format("%016x flags=%s", bits, flagNames(flags)); }
    }

    static String flagNames(int f) {
        StringBuilder sb = new StringBuilder();
        if ((f & FpState.NV) != 0) sb.append("NV ");
        if ((f & FpState.DZ) != 0) sb.append("DZ ");
        if ((f & FpState.OF) != 0) sb.append("OF ");
        if ((f & FpState.UF) != 0) sb.append("UF ");
        if ((f & FpState.NX) != 0) sb.append("NX ");
        return sb.isEmpty() ? "-" : sb.toString().trim();
    }

    /** A binary interchange format. */
    record Fmt(int p, int emin, int emax, int width) {
        int fracBits() { return p - 1; }
        int expBits() { return width - p; }
        long signBit() { return 1L << (width - 1); }
        long infBits() { return ((1L << expBits()) - 1) << fracBits(); }
        long maxBits() { return infBits() - 1; }
        long canonNaN() { return infBits() | 1L << (fracBits() - 1); }
        long mask() { return width == 64 ? -1L : (1L << width) - 1; }
    }

    static final Fmt S = new Fmt(24, -126, 127, 32);
    static final Fmt D = new Fmt(53, -1022, 1023, 64);

    // ------------------------------------------------------------ decoding

    static boolean isNaN(Fmt f, long a) { return (a & (f.signBit() - 1)) > f.infBits(); }
    static boolean isSNaN(Fmt f, long a) { return isNaN(f, a) && (a & 1L << (f.fracBits() - 1)) == 0; }
    static boolean isInf(Fmt f, long a) { return (a & (f.signBit() - 1)) == f.infBits(); }
    static boolean neg(Fmt f, long a) { return (a & f.signBit()) != 0; }
    static boolean isZero(Fmt f, long a) { return (a & (f.signBit() - 1)) == 0; }

    /** Exact value of a finite encoding. */
    static BigDecimal value(Fmt f, long a) {
        long frac = a & ((1L << f.fracBits()) - 1);
        long be = (a >>> f.fracBits()) & ((1L << f.expBits()) - 1);
        BigInteger m = BigInteger.valueOf(be == 0 ? frac : frac | 1L << f.fracBits());
        int bias = f.emax();
        int q = (be == 0 ? 1 : (int) be) - bias - f.fracBits();
        BigDecimal v = new BigDecimal(m).multiply(pow2(q));
        return neg(f, a) ? v.negate() : v;
    }

    private static final int POW_RANGE = 2500;
    private static final BigDecimal[] POW2 = new BigDecimal[2 * POW_RANGE + 1];

    static BigDecimal pow2(int k) {
        BigDecimal v = POW2[k + POW_RANGE];
        if (v == null) {
            v = k >= 0 ? new BigDecimal(BigInteger.ONE.shiftLeft(k)) : new BigDecimal(BigInteger.valueOf(5).pow(-k), -k);
            POW2[k + POW_RANGE] = v;
        }
        return v;
    }

    // ------------------------------------------------------------ rounding a real number

    /** A nonzero real number known through comparisons: cmp(t) = sign(X - t). */
    interface Real {
        int cmp(BigDecimal t);
    }

    static Real exact(BigDecimal x) { return x::compareTo; }

    /** Rounds a nonzero real to the format in mode rm. */
    static Res round(Real x, Fmt f, int rm) {
        int s = x.cmp(BigDecimal.ZERO);
        if (s == 0) throw new IllegalArgumentException("zero");
        boolean neg = s < 0;
        Real ax = neg ? t -> -x.cmp(t.negate()) : x;      // |X| compared with t >= 0
        // largest e with 2^e <= |X|
        int lo = -POW_RANGE + 10, hi = POW_RANGE - 10;    // 2^lo <= |X| < 2^hi
        while (hi - lo > 1) {
            int mid = Math.floorDiv(lo + hi, 2);
            if (ax.cmp(pow2(mid)) >= 0) lo = mid; else hi = mid;
        }
        int e = lo;
        // unbounded-exponent rounding (for tininess and overflow)
        int lsbU = e - (f.p() - 1);
        long[] nu = floorAt(ax, lsbU, f.p());
        long ru = roundInt(nu[0], (int) nu[1], neg, rm);
        int eU = ru == 1L << f.p() ? e + 1 : e;           // exponent of the unbounded result
        // bounded rounding
        int lsb = Math.max(e, f.emin()) - (f.p() - 1);
        long[] nb = floorAt(ax, lsb, f.p());
        boolean inexact = nb[1] != 0;
        long n = roundInt(nb[0], (int) nb[1], neg, rm);
        int flags = inexact ? FpState.NX : 0;
        long sign = neg ? f.signBit() : 0;
        if (eU > f.emax()) {
            flags |= FpState.OF | FpState.NX;
            boolean toInf = rm == FpState.RNE || rm == FpState.RMM || (rm == FpState.RUP && !neg) || (rm == FpState.RDN && neg);
            return new Res(sign | (toInf ? f.infBits() : f.maxBits()), flags);
        }
        if (eU < f.emin() && inexact) flags |= FpState.UF;
        if (n == 1L << f.p()) {
            n >>= 1;
            lsb++;
        }
        long bits;
        if (n >= 1L << f.fracBits()) {
            long be = lsb + f.fracBits() + f.emax();
            bits = be << f.fracBits() | (n & ((1L << f.fracBits()) - 1));
        } else {
            bits = n;
        }
        return new Res(sign | bits, flags);
    }

    /**
     * n = floor(|X| / 2^lsb) (|X| < 2^(lsb+p) assumed) by bisection, and the position of the rest:
     * 0 exact, 1 below half, 2 half, 3 above half.
     */
    private static long[] floorAt(Real ax, int lsb, int p) {
        BigDecimal unit = pow2(lsb);
        long lo = 0, hi = 1L << p;                        // lo*unit <= |X| < hi*unit
        while (hi - lo > 1) {
            long mid = (lo + hi) >>> 1;
            if (ax.cmp(BigDecimal.valueOf(mid).multiply(unit)) >= 0) lo = mid; else hi = mid;
        }
        BigDecimal base = BigDecimal.valueOf(lo).multiply(unit);
        if (ax.cmp(base) == 0) return new long[] {lo, 0};
        int h = ax.cmp(base.add(pow2(lsb - 1)));
        return new long[] {lo, h < 0 ? 1 : h == 0 ? 2 : 3};
    }

    private static long roundInt(long n, int rest, boolean neg, int rm) {
        if (rest == 0) return n;
        boolean up = switch (rm) {
            case FpState.RNE -> rest == 3 || (rest == 2 && (n & 1) == 1);
            case FpState.RMM -> rest >= 2;
            case FpState.RTZ -> false;
            case FpState.RDN -> neg;
            case FpState.RUP -> !neg;
            default -> throw new IllegalArgumentException("rm " + rm);
        };
        return up ? n + 1 : n;
    }

    // ------------------------------------------------------------ operations

    private static Res nan(Fmt f, boolean invalid) { return new Res(f.canonNaN(), invalid ? FpState.NV : 0); }

    private static Res zero(Fmt f, boolean neg) { return new Res(neg ? f.signBit() : 0, 0); }

    private static Res inf(Fmt f, boolean neg) { return new Res((neg ? f.signBit() : 0) | f.infBits(), 0); }

    /** The sign of an exact zero sum x + y where x, y have signs nx, ny (IEEE 754 6.3). */
    private static boolean zeroSumNeg(boolean nx, boolean ny, int rm) {
        return nx && ny || (nx != ny && rm == FpState.RDN);
    }

    static Res add(Fmt f, long a, long b, int rm) {
        if (isNaN(f, a) || isNaN(f, b)) return nan(f, isSNaN(f, a) || isSNaN(f, b));
        if (isInf(f, a) && isInf(f, b)) return neg(f, a) == neg(f, b) ? inf(f, neg(f, a)) : nan(f, true);
        if (isInf(f, a)) return inf(f, neg(f, a));
        if (isInf(f, b)) return inf(f, neg(f, b));
        BigDecimal x = value(f, a).add(value(f, b));
        if (x.signum() == 0) return zero(f, zeroSumNeg(neg(f, a), neg(f, b), rm));
        return round(exact(x), f, rm);
    }

    static Res sub(Fmt f, long a, long b, int rm) { return add(f, a, b ^ f.signBit(), rm); }

    static Res mul(Fmt f, long a, long b, int rm) {
        if (isNaN(f, a) || isNaN(f, b)) return nan(f, isSNaN(f, a) || isSNaN(f, b));
        boolean n = neg(f, a) != neg(f, b);
        if (isInf(f, a) || isInf(f, b)) return isZero(f, a) || isZero(f, b) ? nan(f, true) : inf(f, n);
        BigDecimal x = value(f, a).multiply(value(f, b));
        if (x.signum() == 0) return zero(f, n);
        return round(exact(x), f, rm);
    }

    static Res div(Fmt f, long a, long b, int rm) {
        if (isNaN(f, a) || isNaN(f, b)) return nan(f, isSNaN(f, a) || isSNaN(f, b));
        boolean n = neg(f, a) != neg(f, b);
        if (isInf(f, a)) return isInf(f, b) ? nan(f, true) : inf(f, n);
        if (isInf(f, b)) return zero(f, n);
        if (isZero(f, b)) return isZero(f, a) ? nan(f, true) : new Res(inf(f, n).bits(), FpState.DZ);
        if (isZero(f, a)) return zero(f, n);
        BigDecimal x = value(f, a), y = value(f, b);
        int sy = y.signum();
        return round(t -> x.compareTo(t.multiply(y)) * sy, f, rm);
    }

    static Res sqrt(Fmt f, long a, int rm) {
        if (isNaN(f, a)) return nan(f, isSNaN(f, a));
        if (isZero(f, a)) return new Res(a, 0);
        if (neg(f, a)) return nan(f, true);
        if (isInf(f, a)) return new Res(a, 0);
        BigDecimal x = value(f, a);
        return round(t -> t.signum() < 0 ? 1 : x.compareTo(t.multiply(t)), f, rm);
    }

    static Res fma(Fmt f, long a, long b, long c, int rm) {
        boolean invProduct = (isInf(f, a) && isZero(f, b)) || (isZero(f, a) && isInf(f, b));
        if (isNaN(f, a) || isNaN(f, b) || isNaN(f, c)) {
            return nan(f, isSNaN(f, a) || isSNaN(f, b) || isSNaN(f, c) || invProduct);
        }
        if (invProduct) return nan(f, true);
        boolean pn = neg(f, a) != neg(f, b);
        if (isInf(f, a) || isInf(f, b)) {
            if (isInf(f, c) && neg(f, c) != pn) return nan(f, true);
            return inf(f, pn);
        }
        if (isInf(f, c)) return inf(f, neg(f, c));
        BigDecimal p = value(f, a).multiply(value(f, b));
        BigDecimal x = p.add(value(f, c));
        if (x.signum() == 0) return zero(f, zeroSumNeg(pn, neg(f, c), rm));
        return round(exact(x), f, rm);
    }

    static Res minMax(Fmt f, long a, long b, boolean min) {
        boolean na = isNaN(f, a), nb = isNaN(f, b);
        int fl = isSNaN(f, a) || isSNaN(f, b) ? FpState.NV : 0;
        if (na && nb) return new Res(f.canonNaN(), fl);
        if (na) return new Res(b, fl);
        if (nb) return new Res(a, fl);
        int c = value(f, a).compareTo(value(f, b));
        if (c == 0) c = Boolean.compare(!neg(f, a), !neg(f, b)); // -0 < +0
        return new Res(min == (c <= 0) ? a : b, 0);
    }

    /** kind 0 = eq (quiet), 1 = lt, 2 = le. */
    static Res compare(Fmt f, long a, long b, int kind) {
        if (isNaN(f, a) || isNaN(f, b)) {
            boolean inv = kind != 0 || isSNaN(f, a) || isSNaN(f, b);
            return new Res(0, inv ? FpState.NV : 0);
        }
        int c = isInf(f, a) || isInf(f, b) ? infCompare(f, a, b) : value(f, a).compareTo(value(f, b));
        boolean r = switch (kind) { case 0 -> c == 0; case 1 -> c < 0; default -> c <= 0; };
        return new Res(r ? 1 : 0, 0);
    }

    private static int infCompare(Fmt f, long a, long b) {
        double x = isInf(f, a) ? (neg(f, a) ? -1 : 1) : 0, y = isInf(f, b) ? (neg(f, b) ? -1 : 1) : 0;
        if (x == y && x == 0) throw new AssertionError();
        if (x == 0) return neg(f, b) ? 1 : -1;
        if (y == 0) return neg(f, a) ? -1 : 1;
        return Double.compare(x, y);
    }

    static int fclass(Fmt f, long a) {
        boolean n = neg(f, a);
        if (isNaN(f, a)) return isSNaN(f, a) ? 0x100 : 0x200;
        if (isInf(f, a)) return n ? 0x001 : 0x080;
        if (isZero(f, a)) return n ? 0x008 : 0x010;
        boolean sub = ((a >>> f.fracBits()) & ((1L << f.expBits()) - 1)) == 0;
        if (sub) return n ? 0x004 : 0x020;
        return n ? 0x002 : 0x040;
    }

    private static RoundingMode bdMode(int rm) {
        return switch (rm) {
            case FpState.RNE -> RoundingMode.HALF_EVEN;
            case FpState.RTZ -> RoundingMode.DOWN;
            case FpState.RDN -> RoundingMode.FLOOR;
            case FpState.RUP -> RoundingMode.CEILING;
            case FpState.RMM -> RoundingMode.HALF_UP;
            default -> throw new IllegalArgumentException();
        };
    }

    /**
     * Float to integer: bits = the integer result as the ISA defines it (w/wu results sign-extended from 32
     * bits). width 32 or 64, unsigned or not.
     */
    static Res toInt(Fmt f, long a, int rm, int width, boolean unsigned) {
        BigInteger min = unsigned ? BigInteger.ZERO : BigInteger.ONE.shiftLeft(width - 1).negate();
        BigInteger max = unsigned ? BigInteger.ONE.shiftLeft(width).subtract(BigInteger.ONE)
                : BigInteger.ONE.shiftLeft(width - 1).subtract(BigInteger.ONE);
        BigInteger r;
        int flags = 0;
        if (isNaN(f, a)) { r = max; flags = FpState.NV; }
        else if (isInf(f, a)) { r = neg(f, a) ? min : max; flags = FpState.NV; }
        else {
            BigDecimal v = value(f, a);
            BigInteger i = v.setScale(0, bdMode(rm)).toBigIntegerExact();
            if (i.compareTo(min) < 0) { r = min; flags = FpState.NV; }
            else if (i.compareTo(max) > 0) { r = max; flags = FpState.NV; }
            else {
                r = i;
                if (new BigDecimal(i).compareTo(v) != 0) flags = FpState.NX;
            }
        }
        long bits = r.longValue();                         // two's complement low 64 bits
        if (width == 32) bits = (int) bits;                // sign-extend the 32-bit result
        return new Res(bits, flags);
    }

    /** Integer to float: x is the integer (already interpreted with its signedness). */
    static Res fromInt(Fmt f, BigInteger x, int rm) {
        if (x.signum() == 0) return new Res(0, 0);
        return round(exact(new BigDecimal(x)), f, rm);
    }

    /** Converts between formats (rounding when narrowing). */
    static Res convert(Fmt from, Fmt to, long a, int rm) {
        if (isNaN(from, a)) return nan(to, isSNaN(from, a));
        if (isInf(from, a)) return inf(to, neg(from, a));
        if (isZero(from, a)) return zero(to, neg(from, a));
        return round(exact(value(from, a)), to, rm);
    }
}
