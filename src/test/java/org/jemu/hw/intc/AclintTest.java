package org.jemu.hw.intc;

import org.jemu.hw.IrqLine;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.*;

class AclintTest {
    final AtomicBoolean msip0 = new AtomicBoolean(), msip1 = new AtomicBoolean();
    final AtomicBoolean mtip0 = new AtomicBoolean();
    final CountDownLatch fired = new CountDownLatch(1);
    final Aclint c = new Aclint(2, new IrqLine[] {msip0::set, msip1::set},
            new IrqLine[] {l -> { mtip0.set(l); if (l) fired.countDown(); }, IrqLine.NONE});

    @Test
    void msipPerHart() {
        c.write(4, 4, 1);
        assertTrue(msip1.get());
        assertFalse(msip0.get());
        assertEquals(1, c.read(4, 4));
        c.write(4, 4, 0);
        assertFalse(msip1.get());
    }

    @Test
    void mtimeAdvancesAt10MHz() throws Exception {
        long a = c.read(0xbff8, 8);
        Thread.sleep(20);
        long b = c.read(0xbff8, 8);
        assertTrue(b - a >= 150_000, "20 ms is at least 150000 ticks, got " + (b - a));
        long lo = c.read(0xbff8, 4), hi = c.read(0xbffc, 4);
        assertTrue(((hi << 32) | lo) >= b);
    }

    @Test
    void mtimecmpRaisesTimerInterrupt() throws Exception {
        assertFalse(mtip0.get(), "mtimecmp resets to all ones");
        long now = c.read(0xbff8, 8);
        c.write(0x4000, 8, now + 50_000); // 5 ms
        assertTrue(fired.await(5, TimeUnit.SECONDS));
        assertTrue(mtip0.get());
        c.write(0x4004, 4, 0xffffffffL); // high half: far future
        assertFalse(mtip0.get());
        assertEquals(0xffffffffL, c.read(0x4004, 4));
    }

    @Test
    void mtimeIsWritable() {
        c.write(0xbff8, 8, 1L << 40);
        long t = c.read(0xbff8, 8);
        assertTrue(t >= 1L << 40 && t < (1L << 40) + 10_000_000);
    }

    @Test
    void badAccessesAreHarmless() {
        assertEquals(0, c.read(0x8000, 4));
        c.write(0x4001, 2, 5);
        assertEquals(0, c.read(0x4002, 2));
    }
}
