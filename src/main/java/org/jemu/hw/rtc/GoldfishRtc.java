package org.jemu.hw.rtc;

import org.jemu.hw.IrqLine;
import org.jemu.hw.timer.HostTimers;
import org.jemu.memory.MmioHandler;
import org.jemu.util.Log;

/**
 * Goldfish RTC (Android emulator RTC; QEMU hw/rtc/goldfish_rtc.c) as on the virt board at 0x101000,
 * PLIC source 11. Time is nanoseconds since the Unix epoch, following the host clock.
 *
 * <p>Guest-facing contract (32-bit registers):
 * <pre>
 * 0x00 TIME_LOW         read: low 32 bits of now (latches the high half); write: sets low half
 * 0x04 TIME_HIGH        read: the latched high half; write: sets the clock to (value&lt;&lt;32 | low)
 * 0x08 ALARM_LOW        write: arms the alarm at (ALARM_HIGH&lt;&lt;32 | value); read: alarm low bits
 * 0x0c ALARM_HIGH       alarm high half
 * 0x10 IRQ_ENABLED      bit 0 enables the alarm interrupt
 * 0x14 CLEAR_ALARM      write: disarms the alarm
 * 0x18 ALARM_STATUS     1 while an alarm is armed
 * 0x1c CLEAR_INTERRUPT  write: lowers the interrupt
 * </pre>
 */
public final class GoldfishRtc implements MmioHandler, org.jemu.hw.Resettable {
    public static final long SIZE = 0x1000;
    private final IrqLine irq;
    private final HostTimers.Timer timer;
    /** guest time = host realtime + offset (ns). */
    private long offset;
    private long timeHighLatch, alarmNext, alarmHigh;
    private boolean alarmRunning, irqPending, irqEnabled;
    private int timeLowWrite;

    public GoldfishRtc(IrqLine irq) {
        this.irq = irq;
        this.timer = new HostTimers.Timer(this::alarmFired);
    }

    /** System reset: the alarm stops and the interrupt is cleared and disabled; the time keeps running. */
    @Override
    public synchronized void reset() {
        timer.del();
        alarmRunning = irqPending = irqEnabled = false;
        alarmNext = alarmHigh = timeHighLatch = 0;
        timeLowWrite = 0;
        update();
    }

    private static long hostNow() {
        java.time.Instant i = java.time.Instant.now();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    public synchronized long now() { return hostNow() + offset; }

    @Override
    public synchronized long read(long off, int size) {
        return switch ((int) off) {
            case 0x00 -> {
                long t = now();
                timeHighLatch = t >>> 32;
                yield t & 0xffffffffL;
            }
            case 0x04 -> timeHighLatch;
            case 0x08 -> alarmNext & 0xffffffffL;
            case 0x0c -> alarmNext >>> 32;
            case 0x10 -> irqEnabled ? 1 : 0;
            case 0x18 -> alarmRunning ? 1 : 0;
            default -> { bad("read", off); yield 0; }
        };
    }

    @Override
    public synchronized void write(long off, int size, long value) {
        long v = value & 0xffffffffL;
        switch ((int) off) {
            case 0x00 -> timeLowWrite = (int) v;
            case 0x04 -> offset = ((v << 32) | (timeLowWrite & 0xffffffffL)) - hostNow();
            case 0x08 -> {
                alarmNext = (alarmHigh << 32) | v;
                alarmRunning = true;
                long delta = alarmNext - now();
                timer.mod(HostTimers.nanos() + Math.max(0, delta));
            }
            case 0x0c -> alarmHigh = v;
            case 0x10 -> { irqEnabled = (v & 1) != 0; update(); }
            case 0x14 -> { timer.del(); alarmRunning = false; }
            case 0x1c -> { irqPending = false; update(); }
            default -> bad("write", off);
        }
    }

    private synchronized void alarmFired() {
        if (!alarmRunning) return;
        alarmRunning = false;
        irqPending = true;
        update();
    }

    private void update() { irq.set(irqPending && irqEnabled); }

    private static void bad(String what, long off) {
        if (Log.on(Log.Item.GUEST_ERRORS)) Log.logf("goldfish_rtc: bad %s offset 0x%x%n", what, off);
    }
}
