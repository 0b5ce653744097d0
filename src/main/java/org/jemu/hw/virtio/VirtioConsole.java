package org.jemu.hw.virtio;

import org.jemu.chardev.CharFrontend;
import org.jemu.chardev.Chardev;

/**
 * virtio-console (virtio 1.2 spec, 5.3), device ID 3, a single port: no VIRTIO_CONSOLE_F_MULTIPORT,
 * no F_SIZE, no F_EMERG_WRITE (so Linux makes port 0 a console, /dev/hvc0). Queue 0 (receiveq)
 * carries host input into device-writable buffers; queue 1 (transmitq) carries guest output, which
 * goes to the attached character backend (or nowhere when none is attached). Configuration space:
 * struct virtio_console_config {cols u16, rows u16, max_nr_ports u32, emerg_wr u32}, read as zeros
 * and 1 port; writes are ignored.
 *
 * <p>Input is buffered (4 KiB) and copied into receive buffers as the driver provides them; while the
 * buffer is full the backend's input thread waits, so no input is lost.
 */
public final class VirtioConsole implements VirtioDevice, CharFrontend {
    static final int RX = 0, TX = 1, INPUT_BUF = 4096;

    private volatile Chardev chr;
    private VirtioTransport transport;
    private final byte[] input = new byte[INPUT_BUF];
    private int inHead, inCount;

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
    @Override public long features() { return 0; }
    @Override public int numQueues() { return 2; }
    @Override public int configSize() { return 12; }

    @Override public int readConfig(int offset) { return offset == 4 ? 1 : 0; } // max_nr_ports = 1

    @Override
    public void handleQueue(int index, VirtQueue q) throws VirtQueue.DescriptorError {
        if (index == TX) transmit(q);
        else if (index == RX) receive(q);
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

    private void receive(VirtQueue q) throws VirtQueue.DescriptorError {
        boolean any = false;
        while (true) {
            byte[] b;
            synchronized (input) {
                if (inCount == 0) break;
                if (!q.hasWork()) break;
                VirtQueue.Element e = q.pop();
                if (e == null) break;
                int n = (int) Math.min(e.writableLength(), inCount);
                b = new byte[n];
                for (int i = 0; i < n; i++) b[i] = input[(inHead + i) % INPUT_BUF];
                inHead = (inHead + n) % INPUT_BUF;
                inCount -= n;
                e.write(0, b, 0, n);
                q.push(e, n);
                any = true;
            }
        }
        if (any && !q.interruptSuppressed()) transport.notifyUsed();
    }

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
    }
}
