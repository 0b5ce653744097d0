package org.jemu.target.riscv.translate;

/**
 * RV64 semantics that are more than one JVM instruction, as pure static functions of operand values, called
 * from translated code (C2 inlines them). Division by zero and overflow follow the ISA (no traps).
 */
public final class Ops {
    private Ops() {}

    public static long slt(long a, long b) { return a < b ? 1 : 0; }
    public static long sltu(long a, long b) { return Long.compareUnsigned(a, b) < 0 ? 1 : 0; }
    public static long mulh(long a, long b) { return Math.multiplyHigh(a, b); }
    public static long mulhu(long a, long b) { return Math.unsignedMultiplyHigh(a, b); }
    public static long mulhsu(long a, long b) { return Math.multiplyHigh(a, b) + ((b >> 63) & a); }
    public static long div(long a, long b) { return b == 0 ? -1 : a / b; }
    public static long divu(long a, long b) { return b == 0 ? -1 : Long.divideUnsigned(a, b); }
    public static long rem(long a, long b) { return b == 0 ? a : a % b; }
    public static long remu(long a, long b) { return b == 0 ? a : Long.remainderUnsigned(a, b); }
    public static long mulw(long a, long b) { return (int) a * (int) b; }
    public static long divw(long a, long b) { int x = (int) a, y = (int) b; return y == 0 ? -1 : x / y; }
    public static long divuw(long a, long b) { int x = (int) a, y = (int) b; return y == 0 ? -1 : Integer.divideUnsigned(x, y); }
    public static long remw(long a, long b) { int x = (int) a, y = (int) b; return y == 0 ? x : x % y; }
    public static long remuw(long a, long b) { int x = (int) a, y = (int) b; return y == 0 ? x : Integer.remainderUnsigned(x, y); }

    // Zba
    public static long sh1add(long a, long b) { return (a << 1) + b; }
    public static long sh2add(long a, long b) { return (a << 2) + b; }
    public static long sh3add(long a, long b) { return (a << 3) + b; }
    public static long addUw(long a, long b) { return (a & 0xffffffffL) + b; }
    public static long sh1addUw(long a, long b) { return ((a & 0xffffffffL) << 1) + b; }
    public static long sh2addUw(long a, long b) { return ((a & 0xffffffffL) << 2) + b; }
    public static long sh3addUw(long a, long b) { return ((a & 0xffffffffL) << 3) + b; }
    public static long slliUw(long a, long sh) { return (a & 0xffffffffL) << sh; }
    // Zbb
    public static long andn(long a, long b) { return a & ~b; }
    public static long orn(long a, long b) { return a | ~b; }
    public static long xnor(long a, long b) { return ~(a ^ b); }
    public static long clz(long a, long unused) { return Long.numberOfLeadingZeros(a); }
    public static long ctz(long a, long unused) { return Long.numberOfTrailingZeros(a); }
    public static long cpop(long a, long unused) { return Long.bitCount(a); }
    public static long clzw(long a, long unused) { return Integer.numberOfLeadingZeros((int) a); }
    public static long ctzw(long a, long unused) { return Integer.numberOfTrailingZeros((int) a); }
    public static long cpopw(long a, long unused) { return Integer.bitCount((int) a); }
    public static long max(long a, long b) { return Math.max(a, b); }
    public static long min(long a, long b) { return Math.min(a, b); }
    public static long maxu(long a, long b) { return Long.compareUnsigned(a, b) >= 0 ? a : b; }
    public static long minu(long a, long b) { return Long.compareUnsigned(a, b) <= 0 ? a : b; }
    public static long sextB(long a, long unused) { return (byte) a; }
    public static long sextH(long a, long unused) { return (short) a; }
    public static long zextH(long a, long unused) { return a & 0xffff; }
    public static long rol(long a, long b) { return Long.rotateLeft(a, (int) b); }
    public static long ror(long a, long b) { return Long.rotateRight(a, (int) b); }
    public static long rolw(long a, long b) { return Integer.rotateLeft((int) a, (int) b); }
    public static long rorw(long a, long b) { return Integer.rotateRight((int) a, (int) b); }
    public static long orcB(long a, long unused) {
        long r = 0;
        for (int i = 0; i < 64; i += 8) if (((a >>> i) & 0xff) != 0) r |= 0xffL << i;
        return r;
    }
    public static long rev8(long a, long unused) { return Long.reverseBytes(a); }
    public static long bclr(long a, long b) { return a & ~(1L << b); }
    public static long bext(long a, long b) { return (a >>> b) & 1; }
    public static long binv(long a, long b) { return a ^ (1L << b); }
    public static long bset(long a, long b) { return a | (1L << b); }

    // F/D sign injection on raw register bits (single precision operands are NaN-boxed).
    private static final long BOX = 0xffffffff00000000L;
    private static int unbox(long v) { return (v & BOX) == BOX ? (int) v : 0x7fc00000; }
    public static long fsgnjS(long a, long b) { return BOX | ((unbox(a) & 0x7fffffffL) | (unbox(b) & 0x80000000L)); }
    public static long fsgnjnS(long a, long b) { return BOX | ((unbox(a) & 0x7fffffffL) | (~unbox(b) & 0x80000000L)); }
    public static long fsgnjxS(long a, long b) { return BOX | ((unbox(a) ^ (unbox(b) & 0x80000000)) & 0xffffffffL); }
    public static long fsgnjD(long a, long b) { return (a & Long.MAX_VALUE) | (b & Long.MIN_VALUE); }
    public static long fsgnjnD(long a, long b) { return (a & Long.MAX_VALUE) | (~b & Long.MIN_VALUE); }
    public static long fsgnjxD(long a, long b) { return a ^ (b & Long.MIN_VALUE); }
}
