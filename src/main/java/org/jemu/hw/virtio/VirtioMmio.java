package org.jemu.hw.virtio;

import org.jemu.hw.IrqLine;
import org.jemu.memory.AddressSpace;
import org.jemu.memory.MmioHandler;
import org.jemu.util.Log;

/**
 * virtio-mmio transport, version 2 (virtio 1.2 spec, 4.2.2), one 0x1000 slot on the virt board
 * (0x10001000 + 0x1000*n, PLIC source n+1). An empty slot reports DeviceID 0.
 *
 * <p>Guest-facing contract (32-bit registers; the config space at 0x100 also takes 8/16-bit accesses):
 * <pre>
 * 0x000 MagicValue 0x74726976 "virt"   0x004 Version 2        0x008 DeviceID     0x00c VendorID "QEMU"
 * 0x010 DeviceFeatures[sel]            0x014 DeviceFeaturesSel
 * 0x020 DriverFeatures[sel]            0x024 DriverFeaturesSel
 * 0x030 QueueSel  0x034 QueueNumMax  0x038 QueueNum  0x044 QueueReady  0x050 QueueNotify
 * 0x060 InterruptStatus (bit0 used buffer, bit1 config change)  0x064 InterruptACK
 * 0x070 Status (0 = reset)
 * 0x080/0x084 QueueDesc  0x090/0x094 QueueDriver  0x0a0/0x0a4 QueueDevice
 * 0x0fc ConfigGeneration   0x100+ device configuration
 * </pre>
 * Queue registers can only be changed while QueueReady is 0. Enabling a queue validates its rings;
 * a bad ring or a malformed descriptor chain sets DEVICE_NEEDS_RESET (0x40) and raises the
 * configuration-change interrupt; the device then ignores notifications until the driver resets it.
 */
public final class VirtioMmio implements MmioHandler, VirtioTransport {
    public static final long SIZE = 0x1000;
    static final int MAGIC = 0x74726976, VENDOR = 0x554d4551;
    public static final int STATUS_ACKNOWLEDGE = 1, STATUS_DRIVER = 2, STATUS_DRIVER_OK = 4, STATUS_FEATURES_OK = 8,
            STATUS_NEEDS_RESET = 0x40, STATUS_FAILED = 0x80;

    private final AddressSpace mem;
    private final IrqLine irq;
    private final VirtioDevice dev;
    private final String name;

    private int deviceFeaturesSel, driverFeaturesSel, queueSel, status, interruptStatus, configGeneration;
    private long driverFeatures;
    private final int[] qnum;
    private final boolean[] qready;
    private final long[] qdesc, qdriver, qdevice;
    private final VirtQueue[] queues;

    /** {@code dev} may be null: an empty slot. */
    public VirtioMmio(String name, AddressSpace mem, IrqLine irq, VirtioDevice dev) {
        this.name = name;
        this.mem = mem;
        this.irq = irq;
        this.dev = dev;
        int n = dev == null ? 0 : dev.numQueues();
        qnum = new int[n];
        qready = new boolean[n];
        qdesc = new long[n];
        qdriver = new long[n];
        qdevice = new long[n];
        queues = new VirtQueue[n];
        if (dev != null) {
            dev.attach(this);
            resetState();
        }
    }

    public VirtioDevice device() { return dev; }

    private long deviceFeatures() {
        return dev.features() | VirtioDevice.VIRTIO_F_VERSION_1 | VirtioDevice.VIRTIO_RING_F_INDIRECT_DESC;
    }

    private void resetState() {
        deviceFeaturesSel = driverFeaturesSel = queueSel = status = interruptStatus = 0;
        driverFeatures = 0;
        for (int i = 0; i < qnum.length; i++) {
            qnum[i] = dev.queueMaxSize();
            qready[i] = false;
            qdesc[i] = qdriver[i] = qdevice[i] = 0;
            queues[i] = null;
        }
        irq.set(false);
    }

    @Override
    public synchronized long read(long off, int size) {
        if (dev == null) {
            return switch ((int) off) { case 0x000 -> MAGIC; case 0x004 -> 2; case 0x00c -> VENDOR; default -> 0; };
        }
        if (off >= 0x100) {
            int o = (int) (off - 0x100);
            long v = 0;
            for (int i = 0; i < size; i++) {
                if (o + i < dev.configSize()) v |= (long) (dev.readConfig(o + i) & 0xff) << (8 * i);
            }
            return v;
        }
        if (size != 4) { bad("read", off, size); return 0; }
        boolean qok = queueSel < qnum.length;
        return switch ((int) off) {
            case 0x000 -> MAGIC;
            case 0x004 -> 2;
            case 0x008 -> dev.deviceId();
            case 0x00c -> VENDOR;
            case 0x010 -> deviceFeaturesSel == 0 ? deviceFeatures() & 0xffffffffL
                    : deviceFeaturesSel == 1 ? deviceFeatures() >>> 32 : 0;
            case 0x034 -> qok ? dev.queueMaxSize() : 0;
            case 0x044 -> qok && qready[queueSel] ? 1 : 0;
            case 0x060 -> interruptStatus;
            case 0x070 -> status;
            case 0x0fc -> configGeneration;
            default -> { bad("read", off, size); yield 0; }
        };
    }

    @Override
    public void write(long off, int size, long value) {
        VirtioDevice d = dev;
        if (d == null) return;
        int v = (int) value;
        if (off == 0x050 && size == 4) { notifyQueue(v); return; }
        synchronized (this) {
            if (off >= 0x100) {
                int o = (int) (off - 0x100);
                for (int i = 0; i < size; i++) if (o + i < d.configSize()) d.writeConfig(o + i, (int) (value >>> (8 * i)) & 0xff);
                return;
            }
            if (size != 4) { bad("write", off, size); return; }
            boolean qok = queueSel < qnum.length;
            boolean qlocked = !qok || qready[queueSel];
            switch ((int) off) {
                case 0x014 -> deviceFeaturesSel = v;
                case 0x020 -> {
                    if ((status & STATUS_FEATURES_OK) != 0) { bad("write (features after FEATURES_OK)", off, size); break; }
                    if (driverFeaturesSel == 0) driverFeatures = (driverFeatures & ~0xffffffffL) | (v & 0xffffffffL);
                    else if (driverFeaturesSel == 1) driverFeatures = (driverFeatures & 0xffffffffL) | ((long) v << 32);
                }
                case 0x024 -> driverFeaturesSel = v;
                case 0x030 -> queueSel = v;
                case 0x038 -> { if (!qlocked) qnum[queueSel] = v; }
                case 0x044 -> {
                    if (!qok) break;
                    if ((v & 1) != 0 && !qready[queueSel]) enableQueue(queueSel);
                    else if ((v & 1) == 0) { qready[queueSel] = false; queues[queueSel] = null; }
                }
                case 0x064 -> { interruptStatus &= ~v; updateIrq(); }
                case 0x070 -> writeStatus(v);
                case 0x080 -> { if (!qlocked) qdesc[queueSel] = lo(qdesc[queueSel], v); }
                case 0x084 -> { if (!qlocked) qdesc[queueSel] = hi(qdesc[queueSel], v); }
                case 0x090 -> { if (!qlocked) qdriver[queueSel] = lo(qdriver[queueSel], v); }
                case 0x094 -> { if (!qlocked) qdriver[queueSel] = hi(qdriver[queueSel], v); }
                case 0x0a0 -> { if (!qlocked) qdevice[queueSel] = lo(qdevice[queueSel], v); }
                case 0x0a4 -> { if (!qlocked) qdevice[queueSel] = hi(qdevice[queueSel], v); }
                default -> bad("write", off, size);
            }
        }
        serveQueuesIfDriverOk();
    }

    private static long lo(long old, int v) { return (old & ~0xffffffffL) | (v & 0xffffffffL); }
    private static long hi(long old, int v) { return (old & 0xffffffffL) | ((long) v << 32); }

    private void writeStatus(int v) {
        if (v == 0) {
            resetState();
            dev.reset();
            return;
        }
        int old = status;
        if ((v & STATUS_FEATURES_OK) != 0 && (old & STATUS_FEATURES_OK) == 0) {
            long offered = deviceFeatures();
            if ((driverFeatures & ~offered) != 0 || (driverFeatures & VirtioDevice.VIRTIO_F_VERSION_1) == 0) {
                v &= ~STATUS_FEATURES_OK; // refuse: the driver reads FEATURES_OK back and gives up
            }
        }
        status = (v & ~STATUS_NEEDS_RESET) | (old & STATUS_NEEDS_RESET);
        if ((status & STATUS_DRIVER_OK) != 0 && (old & STATUS_DRIVER_OK) == 0) {
            dev.driverOk(this);
            kickAfterDriverOk = true;
        }
    }

    /** Set by the DRIVER_OK transition: buffers made available before it are served once the lock is released. */
    private boolean kickAfterDriverOk;

    private void serveQueuesIfDriverOk() {
        boolean kick;
        synchronized (this) { kick = kickAfterDriverOk; kickAfterDriverOk = false; }
        if (kick) for (int q = 0; q < queues.length; q++) notifyQueue(q);
    }

    private void enableQueue(int q) {
        try {
            if (qnum[q] > dev.queueMaxSize()) throw new VirtQueue.DescriptorError("QueueNum " + qnum[q] + " > QueueNumMax");
            queues[q] = new VirtQueue(mem, qnum[q], qdesc[q], qdriver[q], qdevice[q],
                    (driverFeatures & VirtioDevice.VIRTIO_RING_F_INDIRECT_DESC) != 0);
            qready[q] = true;
        } catch (VirtQueue.DescriptorError e) {
            needsReset(e.getMessage());
        }
    }

    private void notifyQueue(int q) {
        VirtQueue vq;
        synchronized (this) {
            if (q < 0 || q >= queues.length || (status & STATUS_NEEDS_RESET) != 0 || (status & STATUS_DRIVER_OK) == 0) return;
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

    /** Lets host-side events (console input) run a queue's handler as a notification would. */
    @Override public void kick(int q) { notifyQueue(q); }

    @Override public synchronized VirtQueue queue(int index) {
        return index < queues.length && (status & STATUS_NEEDS_RESET) == 0 ? queues[index] : null;
    }

    @Override public synchronized void notifyUsed() {
        interruptStatus |= 1;
        updateIrq();
    }

    @Override public synchronized void notifyConfig() {
        configGeneration++;
        interruptStatus |= 2;
        updateIrq();
    }

    @Override public synchronized void needsReset(String why) {
        if (Log.on(Log.Item.GUEST_ERRORS)) Log.logf("%s: %s: device needs reset%n", name, why);
        if ((status & STATUS_NEEDS_RESET) != 0) return;
        status |= STATUS_NEEDS_RESET;
        interruptStatus |= 2;
        updateIrq();
    }

    private void updateIrq() { irq.set(interruptStatus != 0); }

    private void bad(String what, long off, int size) {
        if (Log.on(Log.Item.GUEST_ERRORS)) Log.logf("%s: invalid %s offset 0x%x size %d%n", name, what, off, size);
    }
}
