package org.jemu.target.riscv.priv;

/**
 * Physical memory protection (RISC-V privileged spec 3.7): 16 entries, pmpcfg0/pmpcfg2 (RV64) and
 * pmpaddr0..15, granularity 4 bytes, address matching OFF/TOR/NA4/NAPOT, lock bit.
 *
 * <p>The lowest-numbered matching entry decides; an access that matches partially fails. M-mode
 * accesses are checked only against locked entries; an S/U access no entry matches fails (also when
 * no entry is enabled: firmware must open memory before it drops privilege).
 */
public final class Pmp {
    public static final int ENTRIES = 16;
    static final int R = 1, W = 2, X = 4, A_SHIFT = 3, L = 0x80;
    static final int OFF = 0, TOR = 1, NA4 = 2, NAPOT = 3;

    private final byte[] cfg = new byte[ENTRIES];
    private final long[] addr = new long[ENTRIES];
    /** Decoded [lo, hi) byte ranges per entry (hi = lo for OFF). */
    private final long[] lo = new long[ENTRIES], hi = new long[ENTRIES];
    private boolean anyActive;

    public long readCfg(int reg) {
        long v = 0;
        int first = reg * 4; // pmpcfg0 → entries 0..7, pmpcfg2 → 8..15
        for (int i = 0; i < 8; i++) v |= (long) (cfg[first + i] & 0xff) << (8 * i);
        return v;
    }

    /** Writes pmpcfg{reg} (reg 0 or 2). Locked entries keep their configuration. */
    public void writeCfg(int reg, long v) {
        int first = reg * 4;
        for (int i = 0; i < 8; i++) {
            int e = first + i;
            if ((cfg[e] & L) != 0) continue;
            int b = (int) (v >>> (8 * i)) & 0xff;
            b &= 0x9f;                              // bits 5-6 are reserved
            if ((b & (R | W)) == W) b &= ~W;        // R=0 W=1 is reserved: drop W
            cfg[e] = (byte) b;
        }
        decode();
    }

    public long readAddr(int i) { return i < ENTRIES ? addr[i] : 0; }

    public void writeAddr(int i, long v) {
        if (i >= ENTRIES) return;
        if ((cfg[i] & L) != 0) return;
        if (i + 1 < ENTRIES && (cfg[i + 1] & L) != 0 && ((cfg[i + 1] >> A_SHIFT) & 3) == TOR) return;
        addr[i] = v & ((1L << 54) - 1);
        decode();
    }

    private void decode() {
        anyActive = false;
        for (int i = 0; i < ENTRIES; i++) {
            int a = (cfg[i] >> A_SHIFT) & 3;
            switch (a) {
                case TOR -> { lo[i] = i == 0 ? 0 : addr[i - 1] << 2; hi[i] = addr[i] << 2; }
                case NA4 -> { lo[i] = addr[i] << 2; hi[i] = lo[i] + 4; }
                case NAPOT -> {
                    int ones = Long.numberOfTrailingZeros(~addr[i]);
                    long size = ones >= 54 ? 1L << 56 : 1L << (ones + 3);
                    lo[i] = (addr[i] << 2) & -size;
                    hi[i] = lo[i] + size;
                }
                default -> { lo[i] = hi[i] = 0; }
            }
            if (a != OFF) anyActive = true;
        }
    }

    /**
     * The permissions (R|W|X bits) that apply to all of {@code [pa, pa+len)} for privilege {@code priv},
     * or -1 if the range straddles an entry boundary (check every access separately).
     */
    public int permissions(long pa, long len, int priv) {
        if (!anyActive) return priv == 3 ? R | W | X : 0;
        long end = pa + len;
        for (int i = 0; i < ENTRIES; i++) {
            if (((cfg[i] >> A_SHIFT) & 3) == OFF || Long.compareUnsigned(lo[i], hi[i]) >= 0) continue;
            boolean startIn = Long.compareUnsigned(pa, lo[i]) >= 0 && Long.compareUnsigned(pa, hi[i]) < 0;
            boolean endIn = Long.compareUnsigned(end - 1, lo[i]) >= 0 && Long.compareUnsigned(end - 1, hi[i]) < 0;
            if (startIn && endIn) {
                if (priv == 3 && (cfg[i] & L) == 0) return R | W | X;
                return cfg[i] & (R | W | X);
            }
            if (startIn || endIn || (Long.compareUnsigned(pa, lo[i]) < 0 && Long.compareUnsigned(end, hi[i]) > 0)) {
                return len <= 8 ? 0 : -1; // partial match: an access fails; a page must be checked per access
            }
        }
        return priv == 3 ? R | W | X : 0;
    }
}
