package org.jemu.hw.virtio;

import org.jemu.chardev.Chardev;
import org.jemu.memory.AddressSpace;
import org.jemu.memory.MemoryRegion;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.*;

/** virtio-serial (one console port) on virtio-mmio: guest output reaches the backend, host input fills receive buffers, the multiport control handshake. */
class VirtioConsoleTest {
    static final long RAM = 0x80000000L;
    static final int QSIZE = 8;
    /** Per queue: desc, avail, used. */
    static final long[][] RING = {{RAM + 0x1000, RAM + 0x2000, RAM + 0x3000}, {RAM + 0x4000, RAM + 0x5000, RAM + 0x6000},
            {RAM + 0x7000, RAM + 0x8000, RAM + 0x9000}, {RAM + 0xa000, RAM + 0xb000, RAM + 0xc000}};
    static final long BUF = RAM + 0x10000;

    AddressSpace mem;
    final AtomicBoolean irq = new AtomicBoolean();
    final ByteArrayOutputStream host = new ByteArrayOutputStream();
    Chardev chr;
    VirtioConsole con;
    VirtioMmio dev;
    final int[] availIdx = new int[4];

    void w(long off, int v) { dev.write(off, 4, v & 0xffffffffL); }
    int r(long off) { return (int) dev.read(off, 4); }

    @BeforeEach
    void setUp() {
        mem = new AddressSpace();
        mem.add(MemoryRegion.ram("ram", RAM, AddressSpace.allocateRam(1 << 20)));
        chr = new Chardev("c0", host, null);
        con = new VirtioConsole(chr);
        dev = new VirtioMmio("test", mem, irq::set, con);
        start(true);
    }

    void start(boolean driverOk) { start(driverOk, false); }

    /** The driver's set-up; with {@code multiport} it accepts VIRTIO_CONSOLE_F_MULTIPORT and enables the control queues. */
    void start(boolean driverOk, boolean multiport) {
        assertEquals(3, r(8));
        w(0x70, 1); w(0x70, 3);
        w(0x14, 0);
        assertEquals(2, r(0x10) & 2, "MULTIPORT offered, as QEMU");
        w(0x24, 0); w(0x20, multiport ? 2 : 0);
        w(0x24, 1); w(0x20, 1);
        w(0x70, 3 | 8);
        assertEquals(8, r(0x70) & 8);
        assertEquals(31, dev.read(0x104, 4), "max_nr_ports (QEMU's default)");
        for (int q = 0; q < (multiport ? 4 : 2); q++) {
            w(0x30, q);
            w(0x38, QSIZE);
            w(0x80, (int) RING[q][0]); w(0x84, 0);
            w(0x90, (int) RING[q][1]); w(0x94, 0);
            w(0xa0, (int) RING[q][2]); w(0xa4, 0);
            w(0x44, 1);
        }
        if (driverOk) w(0x70, 3 | 8 | 4);
    }

    void post(int q, int i, long addr, int len, int flags) {
        long d = RING[q][0] + 16L * i;
        mem.write(d, 8, addr);
        mem.write(d + 8, 4, len);
        mem.write(d + 12, 2, flags);
        mem.write(d + 14, 2, 0);
        mem.write(RING[q][1] + 4 + 2L * (availIdx[q] % QSIZE), 2, i);
        availIdx[q]++;
        mem.write(RING[q][1] + 2, 2, availIdx[q]);
    }

    int used(int q) { return (int) mem.read(RING[q][2] + 2, 2); }

    @Test
    void guestOutputReachesTheBackend() {
        byte[] msg = "hello from hvc0\n".getBytes(StandardCharsets.US_ASCII);
        mem.writeBytes(BUF, msg, 0, msg.length);
        post(1, 0, BUF, msg.length, 0);
        w(0x50, 1);
        assertEquals(1, used(1));
        assertEquals("hello from hvc0\n", host.toString(StandardCharsets.US_ASCII));
        assertTrue(irq.get());
    }

    @Test
    void hostInputIsBufferedUntilTheDriverPostsBuffers() {
        for (byte b : "ab".getBytes(StandardCharsets.US_ASCII)) con.receive(b);
        assertEquals(0, used(0), "no receive buffer yet");
        post(0, 0, BUF, 1, 2);
        post(0, 1, BUF + 0x100, 64, 2);
        w(0x50, 0);
        assertEquals(2, used(0));
        assertEquals('a', mem.read(BUF, 1));
        assertEquals('b', mem.read(BUF + 0x100, 1));
        assertEquals(1, mem.read(RING[0][2] + 4 + 8 + 4, 4), "second element: 1 byte");
        post(0, 2, BUF + 0x200, 64, 2);
        w(0x50, 0);
        assertEquals(2, used(0), "nothing to deliver");
        con.receive((byte) 'c');                      // host input kicks the queue itself
        assertEquals(3, used(0));
        assertEquals('c', mem.read(BUF + 0x200, 1));
        assertTrue(con.canReceive() == VirtioConsole.INPUT_BUF);
    }

    @Test
    void inputAndBuffersBeforeDriverOkAreServedAtDriverOk() {
        w(0x70, 0);
        start(false);
        post(0, 0, BUF, 16, 2);
        w(0x50, 0);                                   // before DRIVER_OK: the device must not use it yet
        con.receive((byte) 'z');
        assertEquals(0, used(0));
        w(0x70, 3 | 8 | 4);
        assertEquals(1, used(0));
        assertEquals('z', mem.read(BUF, 1));
    }

    /** Posts an 8-byte control message on the control transmit queue and notifies. */
    void sendControl(int slot, int id, int event, int value) {
        long at = BUF + 0x800 + 16L * slot;
        mem.write(at, 4, id);
        mem.write(at + 4, 2, event);
        mem.write(at + 6, 2, value);
        post(3, slot, at, 8, 0);
        w(0x50, 3);
    }

    /** The control message in used element {@code n} of the control receive queue: {id, event, value}. */
    int[] controlReceived(int n) {
        long id = mem.read(RING[2][2] + 4 + 8L * n, 4);
        long addr = BUF + 0x400 + 16L * id;
        assertEquals(8, mem.read(RING[2][2] + 8 + 8L * n, 4), "control message length");
        return new int[] {(int) mem.read(addr, 4), (int) mem.read(addr + 4, 2), (int) mem.read(addr + 6, 2)};
    }

    /**
     * Linux's multiport handshake: DEVICE_READY → DEVICE_ADD(0); PORT_READY(0) → CONSOLE_PORT(0),
     * PORT_OPEN(0, 1); host input waits until the driver's PORT_OPEN(0, 1), even though receive buffers
     * exist (Linux discards data for a port it has not finished adding).
     */
    @Test
    void multiportHandshakeHoldsInputUntilTheGuestOpensThePort() {
        w(0x70, 0);
        start(true, true);
        for (int i = 0; i < 4; i++) post(2, i, BUF + 0x400 + 16L * i, 8, 2);   // control receive buffers
        w(0x50, 2);
        for (byte b : "early".getBytes(StandardCharsets.US_ASCII)) con.receive(b);
        post(0, 0, BUF, 64, 2);
        w(0x50, 0);
        assertEquals(0, used(0), "port not open: input waits");
        sendControl(0, 0, VirtioConsole.DEVICE_READY, 1);
        assertEquals(1, used(2));
        assertArrayEquals(new int[] {0, VirtioConsole.DEVICE_ADD, 1}, controlReceived(0));
        sendControl(1, 0, VirtioConsole.PORT_READY, 1);
        assertEquals(3, used(2));
        assertArrayEquals(new int[] {0, VirtioConsole.CONSOLE_PORT, 1}, controlReceived(1));
        assertArrayEquals(new int[] {0, VirtioConsole.PORT_OPEN, 1}, controlReceived(2));
        assertEquals(0, used(0), "still not open");
        sendControl(2, 0, VirtioConsole.PORT_OPEN, 1);
        assertEquals(1, used(0), "delivered once the guest opened the port");
        byte[] got = new byte[5];
        mem.readBytes(BUF, got, 0, 5);
        assertEquals("early", new String(got, StandardCharsets.US_ASCII));
        assertEquals(3, used(3), "control transmit buffers returned");
        // unknown ports and events are ignored; the device keeps working
        sendControl(3, 7, VirtioConsole.PORT_OPEN, 1);
        assertEquals(0, r(0x70) & VirtioCore.STATUS_NEEDS_RESET);
    }

    @Test
    void controlMessagesWaitForControlReceiveBuffers() {
        w(0x70, 0);
        start(true, true);
        sendControl(0, 0, VirtioConsole.DEVICE_READY, 1);
        assertEquals(0, used(2), "no control receive buffer yet");
        post(2, 0, BUF + 0x400, 8, 2);
        w(0x50, 2);
        assertEquals(1, used(2));
        assertArrayEquals(new int[] {0, VirtioConsole.DEVICE_ADD, 1}, controlReceived(0));
    }

    @Test
    void shortControlMessageIsIgnored() {
        w(0x70, 0);
        start(true, true);
        post(3, 0, BUF + 0x800, 4, 0);
        w(0x50, 3);
        assertEquals(1, used(3));
        assertEquals(0, r(0x70) & VirtioCore.STATUS_NEEDS_RESET);
    }

    @Test
    void readOnlyReceiveBufferNeedsNoResetButGetsNothing() {
        con.receive((byte) 'x');
        post(0, 0, BUF, 16, 0); // device-readable: nowhere to write
        w(0x50, 0);
        assertEquals(1, used(0));
        assertEquals(0, mem.read(RING[0][2] + 4 + 4, 4), "0 bytes written");
        assertEquals(0, r(0x70) & VirtioCore.STATUS_NEEDS_RESET);
    }

    @Test
    void hostileTransmitChainNeedsReset() {
        post(1, 0, 0x1000, 16, 0); // not RAM
        w(0x50, 1);
        assertEquals(VirtioCore.STATUS_NEEDS_RESET, r(0x70) & VirtioCore.STATUS_NEEDS_RESET);
        assertEquals("", host.toString(StandardCharsets.US_ASCII));
    }
}
