package org.jemu.target.riscv;

/**
 * Integer semantics: one pure static function per operation, of operand values. The interpreter and the
 * translator share them; {@link Insn#fn} names them. The translator copies the bytecode of the straight-line
 * ones into its units and calls the others ({@code translate.AluBodies}), so keep them pure functions of their
 * parameters.
 * Word ("w") operations compute on the low 32 bits and sign-extend the result, as RV64 defines.
 */
public final class Alu {
    private Alu() {}

    // ---- RV64I ----
    public static long add(long a, long b) { return a + b; }
    public static long sub(long a, long b) { return a - b; }
    public static long sll(long a, long b) { return a << b; }           // Java masks the count to 6 bits, as RV64 does
    public static long srl(long a, long b) { return a >>> b; }
    public static long sra(long a, long b) { return a >> b; }
    public static long slt(long a, long b) { return a < b ? 1 : 0; }
    public static long sltu(long a, long b) { return Long.compareUnsigned(a, b) < 0 ? 1 : 0; }
    public static long xor(long a, long b) { return a ^ b; }
    public static long or(long a, long b) { return a | b; }
    public static long and(long a, long b) { return a & b; }
    public static long addw(long a, long b) { return (int) (a + b); }
    public static long subw(long a, long b) { return (int) (a - b); }
    public static long sllw(long a, long b) { return (int) a << b; }   // int shifts mask the count to 5 bits
    public static long srlw(long a, long b) { return (int) a >>> b; }
    public static long sraw(long a, long b) { return (int) a >> b; }

    // ---- branch conditions ----
    public static boolean beq(long a, long b) { return a == b; }
    public static boolean bne(long a, long b) { return a != b; }
    public static boolean blt(long a, long b) { return a < b; }
    public static boolean bge(long a, long b) { return a >= b; }
    public static boolean bltu(long a, long b) { return Long.compareUnsigned(a, b) < 0; }
    public static boolean bgeu(long a, long b) { return Long.compareUnsigned(a, b) >= 0; }

    // ---- M ----
    public static long mul(long a, long b) { return a * b; }
    public static long mulh(long a, long b) { return Math.multiplyHigh(a, b); }
    public static long mulhu(long a, long b) { return Math.unsignedMultiplyHigh(a, b); }
    /** High half of signed a times unsigned b. */
    public static long mulhsu(long a, long b) { return Math.multiplyHigh(a, b) + (b < 0 ? a : 0); }
    /** Division by zero gives all ones; overflow (MIN / -1) gives MIN (no trap, as the ISA says). */
    public static long div(long a, long b) {
        if (b == 0) return -1;
        if (b == -1) return -a;
        return a / b;
    }
    public static long divu(long a, long b) { return b == 0 ? -1 : Long.divideUnsigned(a, b); }
    /** Remainder by zero gives the dividend; overflow gives 0. */
    public static long rem(long a, long b) {
        if (b == 0) return a;
        if (b == -1) return 0;
        return a % b;
    }
    public static long remu(long a, long b) { return b == 0 ? a : Long.remainderUnsigned(a, b); }
    public static long mulw(long a, long b) { return (int) a * (int) b; }
    public static long divw(long a, long b) {
        int x = (int) a, y = (int) b;
        if (y == 0) return -1;
        if (y == -1) return -x;                                         // int negation wraps MIN to MIN
        return x / y;
    }
    public static long divuw(long a, long b) { return (int) b == 0 ? -1 : Integer.divideUnsigned((int) a, (int) b); }
    public static long remw(long a, long b) {
        int x = (int) a, y = (int) b;
        if (y == 0) return x;
        if (y == -1) return 0;
        return x % y;
    }
    public static long remuw(long a, long b) { return (int) b == 0 ? (int) a : Integer.remainderUnsigned((int) a, (int) b); }

    // ---- Zba ----
    public static long addUw(long a, long b) { return (a & 0xffffffffL) + b; }
    public static long sh1add(long a, long b) { return (a << 1) + b; }
    public static long sh2add(long a, long b) { return (a << 2) + b; }
    public static long sh3add(long a, long b) { return (a << 3) + b; }
    public static long sh1addUw(long a, long b) { return ((a & 0xffffffffL) << 1) + b; }
    public static long sh2addUw(long a, long b) { return ((a & 0xffffffffL) << 2) + b; }
    public static long sh3addUw(long a, long b) { return ((a & 0xffffffffL) << 3) + b; }
    public static long slliUw(long a, long b) { return (a & 0xffffffffL) << b; }

    // ---- Zbb ----
    public static long andn(long a, long b) { return a & ~b; }
    public static long orn(long a, long b) { return a | ~b; }
    public static long xnor(long a, long b) { return ~(a ^ b); }
    public static long clz(long a) { return Long.numberOfLeadingZeros(a); }
    public static long ctz(long a) { return Long.numberOfTrailingZeros(a); }
    public static long cpop(long a) { return Long.bitCount(a); }
    public static long clzw(long a) { return Integer.numberOfLeadingZeros((int) a); }
    public static long ctzw(long a) { return Integer.numberOfTrailingZeros((int) a); }
    public static long cpopw(long a) { return Integer.bitCount((int) a); }
    public static long max(long a, long b) { return Math.max(a, b); }
    public static long maxu(long a, long b) { return Long.compareUnsigned(a, b) >= 0 ? a : b; }
    public static long min(long a, long b) { return Math.min(a, b); }
    public static long minu(long a, long b) { return Long.compareUnsigned(a, b) <= 0 ? a : b; }
    public static long sextB(long a) { return (byte) a; }
    public static long sextH(long a) { return (short) a; }
    public static long zextH(long a) { return a & 0xffff; }
    public static long rol(long a, long b) { return Long.rotateLeft(a, (int) b); }
    public static long ror(long a, long b) { return Long.rotateRight(a, (int) b); }
    public static long rolw(long a, long b) { return Integer.rotateLeft((int) a, (int) b); }
    public static long rorw(long a, long b) { return Integer.rotateRight((int) a, (int) b); }
    /** Each byte becomes 0xff if it was non-zero, else 0. */
    public static long orcB(long a) {
        long t = (a & 0x7f7f7f7f7f7f7f7fL) + 0x7f7f7f7f7f7f7f7fL;   // high bit set where low 7 bits non-zero
        t = (t | a) & 0x8080808080808080L;                            // ... or the high bit itself
        return (t >>> 7) * 0xff;
    }
    public static long rev8(long a) { return Long.reverseBytes(a); }

    // ---- Zbs ----
    public static long bclr(long a, long b) { return a & ~(1L << b); }
    public static long bext(long a, long b) { return (a >>> b) & 1; }
    public static long binv(long a, long b) { return a ^ (1L << b); }
    public static long bset(long a, long b) { return a | (1L << b); }

    // ---- Zicond ----
    public static long czeroEqz(long a, long b) { return b == 0 ? 0 : a; }
    public static long czeroNez(long a, long b) { return b != 0 ? 0 : a; }
}
