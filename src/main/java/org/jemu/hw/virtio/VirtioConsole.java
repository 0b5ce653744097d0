package org.jemu.hw.virtio;

import org.jemu.chardev.CharFrontend;
import org.jemu.chardev.Chardev;
import org.jemu.util.Log;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;

/**
 * virtio-serial with one console port (virtio 1.2 spec, 5.3), device ID 3, as QEMU's
 * {@code virtio-serial} + {@code virtconsole}: it offers VIRTIO_CONSOLE_F_MULTIPORT (bit 1) with
 * max_nr_ports = 31 (QEMU's default), and port 0 is the console (Linux: /dev/hvc0).
 *
 * <p>Queues: port 0 receiveq 0 (host input into device-writable buffers) and transmitq 1 (guest output
 * to the character backend); control receiveq 2 (device → driver) and control transmitq 3 (driver →
 * device); ports n ≥ 1 would use 2n+2, 2n+3 and stay unused. Configuration space: struct
 * virtio_console_config {cols u16, rows u16, max_nr_ports u32, emerg_wr u32}, read as 0, 0, 31, 0;
 * writes are ignored (no F_SIZE, no F_EMERG_WRITE).
 *
 * <p>Control messages (struct virtio_console_control {id u32, event u16, value u16}): on DEVICE_READY
 * the device announces port 0 (DEVICE_ADD); on PORT_READY for it, CONSOLE_PORT and, when a backend is
 * attached, PORT_OPEN 1 (the host side is connected); the driver's PORT_OPEN value says whether the
 * guest has the port open. Host input is delivered only while the guest has it open: Linux discards
 * data that arrives for a port it has not finished adding, so input typed before the driver is ready
 * waits here. Messages to the driver wait for control receive buffers. A driver that does not accept
 * MULTIPORT gets the single-port device of the spec (port 0 console, input delivered as soon as
 * receive buffers exist).
 *
 * <p>Input is buffered (4 KiB) and copied into receive buffers as the driver provides them; while the
 * buffer is full the backend's input thread waits, so no input is lost.
 */
public final class VirtioConsole implements VirtioDevice, CharFrontend {
    static final int RX = 0, TX = 1, CTRL_RX = 2, CTRL_TX = 3, INPUT_BUF = 4096;
    public static final long F_MULTIPORT = 1L << 1;
    static final int MAX_PORTS = 31;
    /** Control events (virtio 1.2, 5.3.6.2). */
    static final int DEVICE_READY = 0, DEVICE_ADD = 1, DEVICE_REMOVE = 2, PORT_READY = 3, CONSOLE_PORT = 4, RESIZE = 5,
            PORT_OPEN = 6, PORT_NAME = 7;

    private volatile Chardev chr;
    private VirtioTransport transport;
    private final byte[] input = new byte[INPUT_BUF];
    private int inHead, inCount;
    /** Multiport: the driver has port 0 open (PORT_OPEN 1). */
    private volatile boolean guestOpen;
    /**
     * Control messages waiting for a control receive buffer. Guarded by {@link #ctl}, which is taken
     * after the transport's lock (reset) and never held while calling into the transport.
     */
    private final ArrayDeque<byte[]> controlOut = new ArrayDeque<>();
    private final Object ctl = new Object();

    /** A console with no backend yet: output is dropped and there is no input until {@link #connect}. */
    public VirtioConsole() { }

    public VirtioConsole(Chardev chr) { connect(chr); }

    /** Attaches the port to a character backend (the virtconsole's chardev=); null detaches. */
    public void connect(Chardev c) {
        chr = c;
        if (c != null) c.attach(this);
    }

    @Override public int deviceId() { return 3; }
    @Override public String name() { return "virtio-serial"; }
    @Override public void attach(VirtioTransport t) { transport = t; }
    @Override public long features() { return F_MULTIPORT; }
    @Override public int numQueues() { return 2 * (MAX_PORTS + 1); }
    @Override public int configSize() { return 12; }

    @Override public int readConfig(int offset) { return offset == 4 ? MAX_PORTS : 0; }

    private boolean multiport() { return (transport.driverFeatures() & F_MULTIPORT) != 0; }

    @Override
    public void handleQueue(int index, VirtQueue q) throws VirtQueue.DescriptorError {
        switch (index) {
            case TX -> transmit(q);
            case RX -> receive(q);
            case CTRL_TX -> { if (multiport()) controlFromDriver(q); else drop(q); }
            case CTRL_RX -> { if (multiport()) flushControl(); }
            default -> drop(q);   // queues of ports that do not exist: return their buffers unused
        }
    }

    private void drop(VirtQueue q) throws VirtQueue.DescriptorError {
        boolean any = false;
        VirtQueue.Element e;
        while ((e = q.pop()) != null) { q.push(e, 0); any = true; }
        if (any && !q.interruptSuppressed()) transport.notifyUsed();
    }

    private void transmit(VirtQueue q) throws VirtQueue.DescriptorError {
        boolean any = false;
        VirtQueue.Element e;
        while ((e = q.pop()) != null) {
            int n = (int) Math.min(e.readableLength(), 1 << 20);
            byte[] b = e.read(0, n);
            Chardev c = chr;
            if (c != null) c.write(b, 0, n);
            q.push(e, 0);
            any = true;
        }
        if (any && !q.interruptSuppressed()) transport.notifyUsed();
    }

    private boolean inputAllowed() { return guestOpen || !multiport(); }

    private void receive(VirtQueue q) throws VirtQueue.DescriptorError {
        if (!inputAllowed()) return;
        boolean any = false;
        while (true) {
            synchronized (input) {
                if (inCount == 0) break;
                if (!q.hasWork()) break;
                VirtQueue.Element e = q.pop();
                if (e == null) break;
                int n = (int) Math.min(e.writableLength(), inCount);
                byte[] b = new byte[n];
                for (int i = 0; i < n; i++) b[i] = input[(inHead + i) % INPUT_BUF];
                inHead = (inHead + n) % INPUT_BUF;
                inCount -= n;
                e.write(0, b, 0, n);
                q.push(e, n);
                any = true;
            }
        }
        if (any) {
            Chardev c = chr;
            if (c != null) c.inputConsumed();
            if (!q.interruptSuppressed()) transport.notifyUsed();
        }
    }

    // ------------------------------------------------------------------------------ control queue

    private void controlFromDriver(VirtQueue q) throws VirtQueue.DescriptorError {
        boolean any = false;
        VirtQueue.Element e;
        while ((e = q.pop()) != null) {
            if (e.readableLength() >= 8) {
                ByteBuffer m = ByteBuffer.wrap(e.read(0, 8)).order(ByteOrder.LITTLE_ENDIAN);
                control(m.getInt(0), m.getShort(4) & 0xffff, m.getShort(6) & 0xffff);
            } else {
                bad("short control message (" + e.readableLength() + " bytes)");
            }
            q.push(e, 0);
            any = true;
        }
        if (any && !q.interruptSuppressed()) transport.notifyUsed();
        flushControl();
    }

    /** One message from the driver. */
    private void control(int id, int event, int value) {
        boolean kickRx = false;
        synchronized (ctl) {
            switch (event) {
                case DEVICE_READY -> {
                    if (value == 1) queueControl(0, DEVICE_ADD, 1);
                    else bad("driver failed to initialise");
                }
                case PORT_READY -> {
                    if (id != 0) { bad("PORT_READY for unknown port " + id); break; }
                    if (value != 1) { bad("driver failed to add port 0"); break; }
                    queueControl(0, CONSOLE_PORT, 1);
                    if (chr != null) queueControl(0, PORT_OPEN, 1);   // the host side is connected
                }
                case PORT_OPEN -> {
                    if (id != 0) { bad("PORT_OPEN for unknown port " + id); break; }
                    guestOpen = value != 0;
                    kickRx = guestOpen;
                }
                default -> bad("unexpected control event " + event + " for port " + id);
            }
        }
        if (kickRx) transport.kick(RX);   // input that waited for the guest to open the port
    }

    private void queueControl(int id, int event, int value) {
        byte[] m = new byte[8];
        ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN).putInt(0, id).putShort(4, (short) event).putShort(6, (short) value);
        controlOut.add(m);
    }

    /** Sends waiting control messages into the driver's control receive buffers. */
    private void flushControl() throws VirtQueue.DescriptorError {
        VirtQueue q = transport.queue(CTRL_RX);
        if (q == null) return;
        boolean any = false;
        synchronized (ctl) {
            while (!controlOut.isEmpty()) {
                VirtQueue.Element e = q.pop();
                if (e == null) break;
                byte[] m = controlOut.peek();
                if (e.writableLength() < m.length) {
                    bad("control receive buffer too small");
                    q.push(e, 0);
                } else {
                    controlOut.poll();
                    e.write(0, m, 0, m.length);
                    q.push(e, m.length);
                }
                any = true;
            }
        }
        if (any && !q.interruptSuppressed()) transport.notifyUsed();
    }

    // ------------------------------------------------------------------------------ host input

    @Override
    public int canReceive() {
        synchronized (input) { return INPUT_BUF - inCount; }
    }

    @Override
    public void receive(byte b) {
        synchronized (input) {
            if (inCount == INPUT_BUF) return; // never: the backend waits on canReceive()
            input[(inHead + inCount) % INPUT_BUF] = b;
            inCount++;
        }
        VirtioTransport t = transport;
        if (t != null) t.kick(RX);
    }

    @Override
    public void reset() {
        // buffered input stays: it is the host's, not the driver's
        synchronized (ctl) {
            guestOpen = false;
            controlOut.clear();
        }
    }

    private static void bad(String what) {
        if (Log.on(Log.Item.GUEST_ERRORS)) Log.logf("virtio-serial: %s%n", what);
    }
}
