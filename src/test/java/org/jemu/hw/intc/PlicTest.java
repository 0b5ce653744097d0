package org.jemu.hw.intc;

import org.jemu.hw.IrqLine;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.*;

class PlicTest {
    final AtomicBoolean m0 = new AtomicBoolean(), s0 = new AtomicBoolean(), m1 = new AtomicBoolean(), s1 = new AtomicBoolean();
    final Plic p = new Plic(new IrqLine[] {m0::set, s0::set, m1::set, s1::set});

    int r(long off) { return (int) p.read(off, 4); }
    void w(long off, int v) { p.write(off, 4, v); }

    @Test
    void claimCompleteFlow() {
        w(4 * 10, 1);
        w(0x2000 + 0x80, 1 << 10);          // ctx 1 (hart 0 S) enables source 10
        p.input(10).set(true);
        assertTrue(s0.get());
        assertFalse(m0.get());
        assertEquals(1 << 10, r(0x1000));
        assertEquals(10, r(0x201004));
        assertFalse(s0.get(), "claimed");
        assertEquals(0, r(0x201004));
        p.input(10).set(false);
        w(0x201004, 10);
        assertFalse(s0.get());
        p.input(10).set(true);
        assertTrue(s0.get());
    }

    @Test
    void levelStillHighAtCompleteIsPendingAgain() {
        w(4 * 3, 2);
        w(0x2000, 1 << 3);
        p.input(3).set(true);
        assertTrue(m0.get());
        assertEquals(3, r(0x200004));
        w(0x200004, 3);
        assertTrue(m0.get());
    }

    @Test
    void thresholdAndPriority() {
        w(4 * 5, 3);
        w(4 * 6, 5);
        w(0x2000 + 0x80 * 2, (1 << 5) | (1 << 6)); // hart 1 M
        w(0x200000 + 0x1000 * 2, 4);
        p.input(5).set(true);
        assertFalse(m1.get(), "priority 3 <= threshold 4");
        p.input(6).set(true);
        assertTrue(m1.get());
        assertEquals(6, r(0x202004));
        w(0x200000 + 0x1000 * 2, 0);
        assertEquals(5, r(0x202004));
        assertEquals(0, r(0x202004));
    }

    @Test
    void priorityZeroNeverInterruptsAndSourceZeroIsNotEnablable() {
        w(0x2000, -1);
        assertEquals(0xfffffffe, r(0x2000));
        p.input(7).set(true);
        assertFalse(m0.get());
        assertEquals(0, r(0x200004));
    }

    @Test
    void badAccessesAreHarmless() {
        assertEquals(0, p.read(0x3ffff0, 4));
        p.write(0x200008, 4, 1);
        p.write(1, 1, 1);
        p.write(0x200004, 4, 5000); // complete of a nonexistent source
        assertThrows(IllegalArgumentException.class, () -> p.input(0));
    }
}
