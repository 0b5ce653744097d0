package org.jemu.hw.virtio;

import org.jemu.memory.AddressSpace;
import org.jemu.util.Log;

/**
 * The transport-independent state of a virtio device (QEMU's VirtIODevice; virtio 1.2 spec, 2 and 3):
 * the device status byte and its transitions, feature negotiation, the queue registers and their
 * validation, the interrupt status bits, and running the device's queue handlers. A transport
 * (virtio-mmio, virtio-pci) owns one, maps its register layout onto these operations, and delivers
 * the interrupt ({@link Bus#interruptChanged}). The device sees this object as its {@link VirtioTransport}.
 *
 * <p>Rules enforced here for every transport (the driver is hostile):
 * <ul>
 * <li>Feature bits can only be written before FEATURES_OK; FEATURES_OK is refused (reads back 0) if
 *     the driver accepted a bit the device does not offer or did not accept VERSION_1.
 * <li>Queue registers (size, ring addresses) are frozen while the queue is enabled or when the selected
 *     queue does not exist.
 * <li>Enabling a queue validates it: 0 &lt; size ≤ the device maximum and a power of two (split
 *     virtqueues, 2.7), rings aligned and inside guest RAM. A bad queue or a malformed descriptor chain
 *     sets DEVICE_NEEDS_RESET and raises the configuration-change interrupt (2.1.2); the device then
 *     ignores notifications until the driver resets it (status 0). The machine runs on.
 * <li>Queues run only after DRIVER_OK (3.1.1); buffers made available before are served when it is set.
 * </ul>
 * Locking: the core's monitor guards its state; {@link Bus#interruptChanged} is called with it held, so
 * a transport must not call into the core while holding a lock of its own that the callback takes.
 */
public final class VirtioCore implements VirtioTransport {
    public static final int STATUS_ACKNOWLEDGE = 1, STATUS_DRIVER = 2, STATUS_DRIVER_OK = 4, STATUS_FEATURES_OK = 8,
            STATUS_NEEDS_RESET = 0x40, STATUS_FAILED = 0x80;
    /** Interrupt status bits (mmio InterruptStatus, pci ISR). */
    public static final int INT_USED = 1, INT_CONFIG = 2;

    /** What the transport provides. */
    public interface Bus {
        /** The interrupt status changed to {@code isr} (0 = lower the line). Called with the core locked. */
        void interruptChanged(int isr);

        /** Whether the device may access guest memory now (virtio-pci: bus mastering enabled). */
        default boolean dmaEnabled() { return true; }
    }

    private final String name;
    private final AddressSpace mem;
    private final VirtioDevice dev;
    private final Bus bus;

    private int deviceFeaturesSel, driverFeaturesSel, queueSel, status, configGeneration;
    private volatile int isr;
    private volatile long driverFeatures;
    private final int[] qnum;
    private final boolean[] qready;
    private final long[] qdesc, qdriver, qdevice;
    private final VirtQueue[] queues;
    /** Set by the DRIVER_OK transition: buffers made available before it are served once the lock is released. */
    private boolean kickAfterDriverOk;

    public VirtioCore(String name, AddressSpace mem, VirtioDevice dev, Bus bus) {
        this.name = name;
        this.mem = mem;
        this.dev = dev;
        this.bus = bus;
        int n = dev.numQueues();
        qnum = new int[n];
        qready = new boolean[n];
        qdesc = new long[n];
        qdriver = new long[n];
        qdevice = new long[n];
        queues = new VirtQueue[n];
        dev.attach(this);
        resetState();
    }

    public VirtioDevice device() { return dev; }

    public String name() { return name; }

    // ------------------------------------------------------------------------------ features

    public long deviceFeatures() {
        return dev.features() | VirtioDevice.VIRTIO_F_VERSION_1 | VirtioDevice.VIRTIO_RING_F_INDIRECT_DESC;
    }

    public synchronized void selectDeviceFeatures(int sel) { deviceFeaturesSel = sel; }

    public synchronized int deviceFeaturesSel() { return deviceFeaturesSel; }

    /** The 32 feature bits the driver selected (0 beyond bit 63). */
    public synchronized long deviceFeatureWord() {
        return deviceFeaturesSel == 0 ? deviceFeatures() & 0xffffffffL : deviceFeaturesSel == 1 ? deviceFeatures() >>> 32 : 0;
    }

    public synchronized void selectDriverFeatures(int sel) { driverFeaturesSel = sel; }

    public synchronized int driverFeaturesSel() { return driverFeaturesSel; }

    public synchronized long driverFeatureWord() {
        return driverFeaturesSel == 0 ? driverFeatures & 0xffffffffL : driverFeaturesSel == 1 ? driverFeatures >>> 32 : 0;
    }

    public synchronized void writeDriverFeatureWord(int v) {
        if ((status & STATUS_FEATURES_OK) != 0) { bad("driver features written after FEATURES_OK"); return; }
        if (driverFeaturesSel == 0) driverFeatures = (driverFeatures & ~0xffffffffL) | (v & 0xffffffffL);
        else if (driverFeaturesSel == 1) driverFeatures = (driverFeatures & 0xffffffffL) | ((long) v << 32);
    }

    // ------------------------------------------------------------------------------ status

    public synchronized int status() { return status; }

    public synchronized int configGeneration() { return configGeneration; }

    /** A write of the device status: 0 resets the device; FEATURES_OK is checked; DRIVER_OK starts the queues. */
    public synchronized void writeStatus(int v) {
        if (v == 0) {
            resetState();
            dev.reset();
            return;
        }
        int old = status;
        if ((v & STATUS_FEATURES_OK) != 0 && (old & STATUS_FEATURES_OK) == 0) {
            long offered = deviceFeatures();
            if ((driverFeatures & ~offered) != 0 || (driverFeatures & VirtioDevice.VIRTIO_F_VERSION_1) == 0) {
                v &= ~STATUS_FEATURES_OK; // refused: the driver reads FEATURES_OK back and gives up
            }
        }
        status = (v & ~STATUS_NEEDS_RESET) | (old & STATUS_NEEDS_RESET);
        if ((status & STATUS_DRIVER_OK) != 0 && (old & STATUS_DRIVER_OK) == 0) {
            dev.driverOk(this);
            kickAfterDriverOk = true;
        }
    }

    /**
     * System reset: as a driver's write of status 0, after any queue handler running on another thread
     * (console input) has finished, so nothing writes to the old rings afterwards.
     */
    public void reset() {
        synchronized (dev) { writeStatus(0); }
    }

    private void resetState() {
        deviceFeaturesSel = driverFeaturesSel = queueSel = status = 0;
        driverFeatures = 0;
        for (int i = 0; i < qnum.length; i++) {
            qnum[i] = dev.queueMaxSize();
            qready[i] = false;
            qdesc[i] = qdriver[i] = qdevice[i] = 0;
            queues[i] = null;
        }
        setIsr(0);
    }

    /**
     * Call after every driver register write, outside the core's and the transport's locks: serves
     * the queues once after the DRIVER_OK transition.
     */
    public void afterRegisterWrite() {
        boolean kick;
        synchronized (this) { kick = kickAfterDriverOk; kickAfterDriverOk = false; }
        if (kick) for (int q = 0; q < queues.length; q++) notifyQueue(q);
    }

    // ------------------------------------------------------------------------------ queues

    public synchronized int numQueues() { return qnum.length; }

    public synchronized void selectQueue(int q) { queueSel = q; }

    public synchronized int queueSel() { return queueSel; }

    private boolean queueExists() { return queueSel >= 0 && queueSel < qnum.length; }

    /** Whether the selected queue's registers may change (it exists and is not enabled). */
    private boolean queueWritable(String what) {
        if (queueExists() && !qready[queueSel]) return true;
        bad(what + " written while queue " + queueSel + (queueExists() ? " is enabled" : " does not exist"));
        return false;
    }

    public synchronized int queueMaxSize() { return queueExists() ? dev.queueMaxSize() : 0; }

    public synchronized int queueSize() { return queueExists() ? qnum[queueSel] : 0; }

    public synchronized void setQueueSize(int n) { if (queueWritable("queue size")) qnum[queueSel] = n; }

    public synchronized boolean queueEnabled() { return queueExists() && qready[queueSel]; }

    /** Ring addresses of the selected queue: 0 descriptor table, 1 driver (avail) area, 2 device (used) area. */
    public synchronized long queueAddr(int which) {
        if (!queueExists()) return 0;
        return (which == 0 ? qdesc : which == 1 ? qdriver : qdevice)[queueSel];
    }

    /** Sets 32 bits ({@code high}: 63..32) of a ring address of the selected queue. */
    public synchronized void setQueueAddrHalf(int which, boolean high, int v) {
        if (!queueWritable("queue address")) return;
        long[] a = which == 0 ? qdesc : which == 1 ? qdriver : qdevice;
        long old = a[queueSel];
        a[queueSel] = high ? (old & 0xffffffffL) | ((long) v << 32) : (old & ~0xffffffffL) | (v & 0xffffffffL);
    }

    public synchronized void setQueueAddr(int which, long v) {
        if (!queueWritable("queue address")) return;
        (which == 0 ? qdesc : which == 1 ? qdriver : qdevice)[queueSel] = v;
    }

    /** Enables the selected queue after validating it (a bad queue makes the device NEEDS_RESET). */
    public synchronized void enableQueue() {
        if (!queueExists() || qready[queueSel]) return;
        int q = queueSel, n = qnum[q];
        try {
            if (n == 0 || n > dev.queueMaxSize() || (n & (n - 1)) != 0)
                throw new VirtQueue.DescriptorError("queue " + q + " size " + n + " invalid (max " + dev.queueMaxSize() + ", a power of two)");
            queues[q] = new VirtQueue(mem, n, qdesc[q], qdriver[q], qdevice[q],
                    (driverFeatures & VirtioDevice.VIRTIO_RING_F_INDIRECT_DESC) != 0);
            qready[q] = true;
        } catch (VirtQueue.DescriptorError e) {
            needsReset(e.getMessage());
        }
    }

    /** Disables the selected queue (virtio-mmio QueueReady = 0). */
    public synchronized void disableQueue() {
        if (!queueExists()) return;
        qready[queueSel] = false;
        queues[queueSel] = null;
    }

    /** A driver notification for queue {@code q}: runs the device's handler on the calling thread. */
    public void notifyQueue(int q) {
        VirtQueue vq;
        synchronized (this) {
            if (q < 0 || q >= queues.length) { bad("notification for absent queue " + q); return; }
            if ((status & STATUS_NEEDS_RESET) != 0 || (status & STATUS_DRIVER_OK) == 0) return;
            if (!bus.dmaEnabled()) { bad("notification with bus mastering off"); return; }
            vq = queues[q];
        }
        if (vq == null) return;
        synchronized (dev) {
            try {
                dev.handleQueue(q, vq);
            } catch (VirtQueue.DescriptorError e) {
                needsReset(e.getMessage());
            }
        }
    }

    // ------------------------------------------------------------------------------ configuration space

    public synchronized long readConfig(int off, int size) {
        long v = 0;
        for (int i = 0; i < size; i++) if (off + i >= 0 && off + i < dev.configSize()) v |= (long) (dev.readConfig(off + i) & 0xff) << (8 * i);
        return v;
    }

    public synchronized void writeConfig(int off, int size, long value) {
        for (int i = 0; i < size; i++) if (off + i >= 0 && off + i < dev.configSize()) dev.writeConfig(off + i, (int) (value >>> (8 * i)) & 0xff);
    }

    // ------------------------------------------------------------------------------ interrupts

    public int isr() { return isr; }

    /** Reads and clears the interrupt status (virtio-pci ISR read). */
    public synchronized int takeIsr() {
        int v = isr;
        setIsr(0);
        return v;
    }

    /** Clears the acknowledged bits (virtio-mmio InterruptACK). */
    public synchronized void ackIsr(int bits) { setIsr(isr & ~bits); }

    private void setIsr(int v) {
        isr = v;
        bus.interruptChanged(v);
    }

    // ------------------------------------------------------------------------------ VirtioTransport (the device's view)

    @Override public synchronized VirtQueue queue(int index) {
        return index >= 0 && index < queues.length && (status & STATUS_NEEDS_RESET) == 0 && bus.dmaEnabled() ? queues[index] : null;
    }

    @Override public synchronized void notifyUsed() { setIsr(isr | INT_USED); }

    @Override public synchronized void notifyConfig() {
        configGeneration++;
        setIsr(isr | INT_CONFIG);
    }

    @Override public void kick(int index) { notifyQueue(index); }

    @Override public long driverFeatures() { return driverFeatures; }

    @Override public synchronized void needsReset(String why) {
        bad(why + ": device needs reset");
        if ((status & STATUS_NEEDS_RESET) != 0) return;
        status |= STATUS_NEEDS_RESET;
        setIsr(isr | INT_CONFIG);
    }

    private void bad(String what) {
        if (Log.on(Log.Item.GUEST_ERRORS)) Log.logf("%s: %s%n", name, what);
    }
}
