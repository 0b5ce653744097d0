package org.jemu.hw.intc;

import org.jemu.hw.IrqLine;
import org.jemu.hw.timer.HostTimers;
import org.jemu.memory.MmioHandler;
import org.jemu.util.Log;

/**
 * SiFive CLINT / RISC-V ACLINT (MSWI + MTIMER) as on the virt board at 0x2000000, size 0x10000.
 *
 * <p>Guest-facing contract:
 * <pre>
 * 0x0000 + 4*hart   msip[hart]      bit 0 drives the hart's MSIP (machine software interrupt)
 * 0x4000 + 8*hart   mtimecmp[hart]  64-bit, 32-bit halves writable separately; MTIP = mtime &gt;= mtimecmp
 * 0xbff8            mtime           64-bit counter at 10 MHz (timebase-frequency 10000000), writable
 * </pre>
 * Other offsets read 0 and ignore writes (logged under -d guest_errors). mtimecmp resets to all ones.
 */
public final class Aclint implements MmioHandler, org.jemu.hw.Resettable {
    public static final long TIMEBASE_HZ = 10_000_000L;
    public static final long SIZE = 0x10000;
    static final long MTIMECMP = 0x4000, MTIME = 0xbff8;

    private final int harts;
    private final IrqLine[] msipLines, mtipLines;
    private final int[] msip;
    private final long[] mtimecmp;
    private final HostTimers.Timer[] timers;
    /** mtime = ticks since start + offset (a guest write of mtime changes the offset). */
    private volatile long mtimeOffset;

    public Aclint(int harts, IrqLine[] msipLines, IrqLine[] mtipLines) {
        this.harts = harts;
        this.msipLines = msipLines;
        this.mtipLines = mtipLines;
        this.msip = new int[harts];
        this.mtimecmp = new long[harts];
        this.timers = new HostTimers.Timer[harts];
        for (int h = 0; h < harts; h++) {
            final int hart = h;
            mtimecmp[h] = -1L;
            timers[h] = new HostTimers.Timer(() -> updateTimer(hart));
        }
    }

    /** System reset: msip 0, mtimecmp all ones, mtime 0 (the ACLINT spec clears MTIME on reset, as QEMU 7.2). */
    @Override
    public synchronized void reset() {
        mtimeOffset -= mtime();
        for (int h = 0; h < harts; h++) {
            msip[h] = 0;
            msipLines[h].set(false);
            mtimecmp[h] = -1L;
            updateTimer(h);
        }
    }

    /** The current mtime (also what the time CSR reads). */
    public long mtime() {
        return HostTimers.nanos() / (1_000_000_000L / TIMEBASE_HZ) + mtimeOffset;
    }

    /** Host-clock nanosecond value at which mtime reaches {@code ticks}. */
    public long nanosAt(long ticks) {
        long rel = ticks - mtimeOffset;
        if (rel < 0) return 0;
        if (rel > Long.MAX_VALUE / 100) return Long.MAX_VALUE;
        return rel * (1_000_000_000L / TIMEBASE_HZ);
    }

    @Override
    public synchronized long read(long off, int size) {
        if (off < 4L * harts && size == 4 && (off & 3) == 0) return msip[(int) (off >> 2)];
        if (off >= MTIMECMP && off < MTIMECMP + 8L * harts) {
            long v = mtimecmp[(int) ((off - MTIMECMP) >> 3)];
            return part(v, off & 7, size);
        }
        if (off >= MTIME && off < MTIME + 8) return part(mtime(), off - MTIME, size);
        guestError("read", off, size);
        return 0;
    }

    @Override
    public synchronized void write(long off, int size, long value) {
        if (off < 4L * harts && size == 4 && (off & 3) == 0) {
            int h = (int) (off >> 2);
            msip[h] = (int) value & 1;
            msipLines[h].set(msip[h] != 0);
            return;
        }
        if (off >= MTIMECMP && off < MTIMECMP + 8L * harts && validPart(off & 7, size)) {
            int h = (int) ((off - MTIMECMP) >> 3);
            mtimecmp[h] = merge(mtimecmp[h], off & 7, size, value);
            updateTimer(h);
            return;
        }
        if (off >= MTIME && off < MTIME + 8 && validPart(off - MTIME, size)) {
            long nv = merge(mtime(), off - MTIME, size, value);
            mtimeOffset += nv - mtime();
            for (int h = 0; h < harts; h++) updateTimer(h);
            return;
        }
        guestError("write", off, size);
    }

    private synchronized void updateTimer(int h) {
        long now = mtime();
        if (Long.compareUnsigned(now, mtimecmp[h]) >= 0) {
            timers[h].del();
            mtipLines[h].set(true);
        } else {
            mtipLines[h].set(false);
            if (mtimecmp[h] != -1L) timers[h].mod(nanosAt(mtimecmp[h]));
            else timers[h].del();
        }
    }

    private static boolean validPart(long sub, int size) {
        return (size == 8 && sub == 0) || (size == 4 && (sub == 0 || sub == 4));
    }

    private static long part(long v, long sub, int size) {
        if (!validPart(sub, size)) return 0;
        return size == 8 ? v : (v >>> (sub * 8)) & 0xffffffffL;
    }

    private static long merge(long old, long sub, int size, long value) {
        if (size == 8) return value;
        if (sub == 0) return (old & 0xffffffff00000000L) | (value & 0xffffffffL);
        return (old & 0xffffffffL) | (value << 32);
    }

    private static void guestError(String what, long off, int size) {
        if (Log.on(Log.Item.GUEST_ERRORS)) Log.logf("aclint: invalid %s: offset 0x%x size %d%n", what, off, size);
    }
}
