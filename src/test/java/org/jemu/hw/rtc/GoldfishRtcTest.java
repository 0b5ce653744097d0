package org.jemu.hw.rtc;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

class GoldfishRtcTest {
    final CountDownLatch irq = new CountDownLatch(1);
    final GoldfishRtc rtc = new GoldfishRtc(l -> { if (l) irq.countDown(); });

    long now() {
        long lo = rtc.read(0, 4);
        long hi = rtc.read(4, 4);
        return (hi << 32) | lo;
    }

    @Test
    void readsHostTime() {
        long t = now();
        long host = System.currentTimeMillis() * 1_000_000L;
        assertTrue(Math.abs(t - host) < 2_000_000_000L, "within 2 s of the host clock");
    }

    @Test
    void settableTime() {
        long target = 1_000_000_000_000_000_000L;
        rtc.write(0, 4, target & 0xffffffffL);
        rtc.write(4, 4, target >>> 32);
        long t = now();
        assertTrue(t >= target && t < target + 1_000_000_000L);
    }

    @Test
    void alarmInterrupt() throws Exception {
        rtc.write(0x10, 4, 1);
        long at = now() + 5_000_000;
        rtc.write(0x0c, 4, at >>> 32);
        rtc.write(0x08, 4, at & 0xffffffffL);
        assertEquals(1, rtc.read(0x18, 4));
        assertTrue(irq.await(5, TimeUnit.SECONDS));
        assertEquals(0, rtc.read(0x18, 4));
        rtc.write(0x1c, 4, 1);
    }
}
