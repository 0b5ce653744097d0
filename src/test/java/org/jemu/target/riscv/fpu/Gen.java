package org.jemu.target.riscv.fpu;

import java.util.SplittableRandom;

/** Edge-heavy random operands: subnormals, near-overflow, ties, signed zeros, NaNs/sNaNs, infinities. */
final class Gen {
    final SplittableRandom r;

    Gen(long seed) { r = new SplittableRandom(seed); }

    // ------------------------------------------------------------ binary64

    long sign() { return r.nextBoolean() ? Long.MIN_VALUE : 0; }

    /** A significand fraction (52 bits) with a random shape. */
    long frac52() {
        return switch (r.nextInt(8)) {
            case 0 -> 0;
            case 1 -> 0xfffffffffffffL;
            case 2 -> 1L << r.nextInt(52);
            case 3 -> r.nextLong() & 0xfffffffffffffL & -(1L << (52 - r.nextInt(1, 12)));  // few significant bits
            case 4 -> (0xfffffffffffffL >>> r.nextInt(52)) ^ (r.nextBoolean() ? 1 : 0);
            case 5 -> r.nextLong(1, 16);
            default -> r.nextLong() & 0xfffffffffffffL;
        };
    }

    long withExp(int be) { return sign() | (long) be << 52 | frac52(); }

    long special() {
        return switch (r.nextInt(10)) {
            case 0 -> sign();                                              // ±0
            case 1 -> sign() | 0x7ff0000000000000L;                        // ±inf
            case 2 -> sign() | 0x7ff8000000000000L | (r.nextLong() & 0x7ffffffffffffL); // qNaN
            case 3 -> sign() | 0x7ff0000000000000L | r.nextLong(1, 1L << 51);   // sNaN
            case 4 -> sign() | 1;                                          // ±MIN_VALUE
            case 5 -> sign() | 0x7fefffffffffffffL;                        // ±MAX
            case 6 -> sign() | 0x0010000000000000L;                        // ±MIN_NORMAL
            case 7 -> sign() | 0x000fffffffffffffL;                        // largest subnormal
            case 8 -> sign() | 0x3ff0000000000000L;                        // ±1
            default -> sign() | 0x7fe0000000000000L;                       // 2^1023
        };
    }

    long d() {
        return switch (r.nextInt(10)) {
            case 0 -> r.nextLong();
            case 1 -> special();
            case 2 -> withExp(0);                                          // subnormal
            case 3 -> withExp(1023 + r.nextInt(-4, 5));                    // near 1
            case 4 -> withExp(r.nextInt(1, 60));                           // just above the subnormals
            case 5 -> withExp(0x7fe - r.nextInt(60));                      // near overflow
            case 6 -> withExp(r.nextInt(1023 - 600, 1023 + 600));
            default -> withExp(r.nextInt(1, 0x7ff));
        };
    }

    /** A second operand related to the first so that interesting sums, products and quotients arise. */
    long pairD(long a, int op) {
        int ea = (int) (a >>> 52) & 0x7ff;
        switch (r.nextInt(6)) {
            case 0: return d();
            case 1: {                                                      // cancellation: -a +- a few ulps
                long b = a ^ Long.MIN_VALUE;
                return b + r.nextLong(-3, 4);
            }
            case 2: {                                                      // exponent difference near p
                int eb = ea - r.nextInt(48, 58);
                if (op == 1) eb = 1023 * 2 - ea + r.nextInt(-3, 4);        // product near 1
                return withExp(Math.max(0, Math.min(0x7fe, eb)));
            }
            case 3: {                                                      // product / quotient near the underflow threshold
                int target = 1023 - 1022 + r.nextInt(-60, 3);
                int eb = op == 2 ? ea - target + 1023 : target - ea + 1023;
                return withExp(Math.max(0, Math.min(0x7fe, eb)));
            }
            case 4: {                                                      // product / quotient near overflow
                int target = 1023 + 1023 + r.nextInt(-2, 2);
                int eb = op == 2 ? ea - target + 1023 : target - ea + 1023;
                return withExp(Math.max(0, Math.min(0x7fe, eb)));
            }
            default: return withExp(Math.max(0, Math.min(0x7fe, ea + r.nextInt(-2, 3))));
        }
    }

    // ------------------------------------------------------------ binary32

    int signS() { return r.nextBoolean() ? Integer.MIN_VALUE : 0; }

    int frac23() {
        return switch (r.nextInt(8)) {
            case 0 -> 0;
            case 1 -> 0x7fffff;
            case 2 -> 1 << r.nextInt(23);
            case 3 -> r.nextInt() & 0x7fffff & -(1 << (23 - r.nextInt(1, 8)));
            case 4 -> (0x7fffff >>> r.nextInt(23)) ^ (r.nextBoolean() ? 1 : 0);
            case 5 -> r.nextInt(1, 16);
            default -> r.nextInt() & 0x7fffff;
        };
    }

    int withExpS(int be) { return signS() | be << 23 | frac23(); }

    int specialS() {
        return switch (r.nextInt(10)) {
            case 0 -> signS();
            case 1 -> signS() | 0x7f800000;
            case 2 -> signS() | 0x7fc00000 | (r.nextInt() & 0x3fffff);
            case 3 -> signS() | 0x7f800000 | r.nextInt(1, 1 << 22);
            case 4 -> signS() | 1;
            case 5 -> signS() | 0x7f7fffff;
            case 6 -> signS() | 0x00800000;
            case 7 -> signS() | 0x007fffff;
            case 8 -> signS() | 0x3f800000;
            default -> signS() | 0x7f000000;
        };
    }

    int s() {
        return switch (r.nextInt(10)) {
            case 0 -> r.nextInt();
            case 1 -> specialS();
            case 2 -> withExpS(0);
            case 3 -> withExpS(127 + r.nextInt(-4, 5));
            case 4 -> withExpS(r.nextInt(1, 30));
            case 5 -> withExpS(0xfe - r.nextInt(30));
            default -> withExpS(r.nextInt(1, 0xff));
        };
    }

    int pairS(int a, int op) {
        int ea = (a >>> 23) & 0xff;
        switch (r.nextInt(6)) {
            case 0: return s();
            case 1: return (a ^ Integer.MIN_VALUE) + r.nextInt(-3, 4);
            case 2: {
                int eb = ea - r.nextInt(20, 28);
                if (op == 1) eb = 127 * 2 - ea + r.nextInt(-3, 4);
                return withExpS(Math.max(0, Math.min(0xfe, eb)));
            }
            case 3: {
                int target = 127 - 126 + r.nextInt(-30, 3);
                int eb = op == 2 ? ea - target + 127 : target - ea + 127;
                return withExpS(Math.max(0, Math.min(0xfe, eb)));
            }
            case 4: {
                int target = 127 + 127 + r.nextInt(-2, 2);
                int eb = op == 2 ? ea - target + 127 : target - ea + 127;
                return withExpS(Math.max(0, Math.min(0xfe, eb)));
            }
            default: return withExpS(Math.max(0, Math.min(0xfe, ea + r.nextInt(-2, 3))));
        }
    }
}
