package org.jemu.hw.serial;

import org.jemu.chardev.Chardev;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.*;

class Serial16550Test {
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final AtomicBoolean irq = new AtomicBoolean();
    final Chardev chr = new Chardev("t", out, null);
    final Serial16550 u = new Serial16550(chr, irq::set);

    int r(int off) { return (int) u.read(off, 1); }
    void w(int off, int v) { u.write(off, 1, v); }

    @Test
    void transmitsAndReportsThrEmpty() {
        assertEquals(0x60, r(5) & 0x60);
        w(0, 'h'); w(0, 'i');
        assertEquals("hi", out.toString());
        assertEquals(0x60, r(5) & 0x60);
        assertFalse(irq.get(), "no interrupts enabled");
    }

    @Test
    void thrEmptyInterruptRaisedOnEnableAndClearedByIirRead() {
        w(2, 0x07); // enable + reset FIFOs
        w(1, 0x02);
        assertTrue(irq.get());
        assertEquals(0xc2, r(2));
        assertFalse(irq.get(), "reading IIR clears the THRE interrupt");
        assertEquals(0xc1, r(2));
        w(0, 'x');
        assertTrue(irq.get(), "THR empty again after a write");
    }

    @Test
    void receiveFifoAndRxInterrupt() {
        w(2, 0x01);
        w(1, 0x01);
        assertEquals(16, u.canReceive());
        u.receive((byte) 'a');
        u.receive((byte) 'b');
        assertTrue(irq.get());
        assertEquals(1, r(5) & 1);
        assertEquals(0xc4, r(2), "trigger level 1 reached");
        w(2, 0x81); // trigger level 8
        assertEquals(0xcc, r(2), "below trigger level: character timeout");
        assertEquals('a', r(0));
        assertEquals('b', r(0));
        assertEquals(0, r(5) & 1);
        assertFalse(irq.get());
    }

    @Test
    void fifoOverrunSetsOverrunError() {
        w(2, 0x01);
        for (int i = 0; i < 16; i++) u.receive((byte) i);
        assertEquals(0, u.canReceive());
        u.receive((byte) 99);
        assertEquals(2, r(5) & 2);
        assertEquals(0, r(5) & 2, "OE clears on read");
        for (int i = 0; i < 16; i++) assertEquals(i, r(0));
    }

    @Test
    void loopbackAndDivisorLatch() {
        w(3, 0x80);
        w(0, 0x34); w(1, 0x12);
        assertEquals(0x34, r(0));
        assertEquals(0x12, r(1));
        w(3, 0x03);
        w(4, 0x10 | 0x0b);
        w(0, 'z');
        assertEquals("", out.toString(), "loopback keeps output off the line");
        assertEquals('z', r(0));
        assertEquals(0xb0, r(6) & 0xf0, "MSR mirrors DTR/RTS/OUT2");
        w(7, 0x5a);
        assertEquals(0x5a, r(7));
    }

    @Test
    void badOffsetsAreHarmless() {
        assertEquals(0, u.read(0x40, 4));
        u.write(0x99, 8, -1);
    }

    /**
     * Host input longer than the 16-byte FIFO: the backend's input thread waits (parked, woken by the
     * guest's RBR reads) and no byte is lost or reordered.
     */
    @Test
    void inputLongerThanTheFifoWaitsAndArrivesComplete() throws Exception {
        byte[] msg = new byte[200];
        for (int i = 0; i < msg.length; i++) msg[i] = (byte) ('a' + i % 26);
        Chardev in = new Chardev("in", new ByteArrayOutputStream(), new java.io.ByteArrayInputStream(msg));
        Serial16550 s = new Serial16550(in, l -> { });
        s.write(2, 1, 0x01);                      // FIFOs on
        in.start();
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (got.size() < msg.length && System.nanoTime() < deadline) {
            if ((s.read(5, 1) & 1) != 0) got.write((int) s.read(0, 1));
            else Thread.onSpinWait();
        }
        assertArrayEquals(msg, got.toByteArray());
    }
}
