package org.jemu.hw.virtio;

import org.jemu.hw.IrqLine;
import org.jemu.hw.pci.PciConfigSpace;
import org.jemu.memory.AddressSpace;
import org.jemu.memory.MmioHandler;
import org.jemu.util.Log;

/**
 * virtio-pci transport, modern only (virtio 1.2 spec, 4.1), as QEMU's {@code disable-legacy=on} devices.
 *
 * <p>Guest-facing contract. Configuration space: vendor 0x1af4, device 0x1040 + virtio device ID,
 * revision 1, subsystem 0x1af4:0x1100, class by device type (block 0x010000, entropy 0x00ff00,
 * console 0x078000), interrupt pin INTA; BAR 4 is a 64-bit prefetchable memory BAR of 16 KiB which
 * the guest sizes and places itself. The capability list (status bit 4, pointer at 0x34) holds four
 * vendor capabilities (cap_vndr 0x09, struct virtio_pci_cap), all in BAR 4, and no MSI-X capability:
 * <pre>
 * 0x40 COMMON_CFG (type 1) offset 0x0000 length 0x38
 * 0x50 ISR_CFG    (type 3) offset 0x1000 length 1
 * 0x60 DEVICE_CFG (type 4) offset 0x2000 length = the device's config size (absent if 0)
 * 0x70 NOTIFY_CFG (type 2) offset 0x3000 length 0x1000, notify_off_multiplier 4 (queue n at 4n)
 * 0x88 PCI_CFG    (type 5) window: cap.bar/offset/length writable, pci_cfg_data at 0x98 accesses BAR 4
 * </pre>
 * Common configuration (struct virtio_pci_common_cfg, accessed with its fields' own widths; the
 * 64-bit queue addresses also as two 32-bit halves): 0x00 device_feature_select, 0x04
 * device_feature, 0x08 driver_feature_select, 0x0c driver_feature, 0x10 config_msix_vector (always
 * reads NO_VECTOR 0xffff), 0x12 num_queues, 0x14 device_status, 0x15 config_generation, 0x16
 * queue_select, 0x18 queue_size, 0x1a queue_msix_vector (NO_VECTOR), 0x1c queue_enable, 0x1e
 * queue_notify_off (= queue index), 0x20 queue_desc, 0x28 queue_driver, 0x30 queue_device.
 * Reading the ISR byte returns bit 0 (used buffer) / bit 1 (configuration change) and clears it.
 * Interrupts are legacy INTx, level-triggered, reflected in status bit 3 and masked by command bit
 * 10 (INTx disable). Queues run only while command bit 2 (bus master) is set: notifications that
 * arrive without it are dropped. BAR accesses only decode while command bit 1 (memory) is set.
 *
 * <p>Hostile input: the device status, feature negotiation, queue validation (size ≤ maximum, power
 * of two, rings in RAM and aligned) and NEEDS_RESET rules are {@link VirtioCore}'s, shared with
 * virtio-mmio; this class keeps the PCI register layout, bus mastering and INTx delivery.
 * Notifications for absent queues, unknown registers and odd access widths are ignored (logged
 * under {@code -d guest_errors}).
 */
public final class VirtioPci extends PciConfigSpace implements VirtioCore.Bus, org.jemu.hw.Resettable {
    public static final long BAR_SIZE = 0x4000;
    static final int BAR = 4;
    static final int COMMON = 0x0000, ISR = 0x1000, DEVICE = 0x2000, NOTIFY = 0x3000, NOTIFY_MULT = 4;
    static final int CAP_COMMON_CFG = 1, CAP_NOTIFY_CFG = 2, CAP_ISR_CFG = 3, CAP_DEVICE_CFG = 4;
    static final int NO_VECTOR = 0xffff;
    static final int CAP_PCI_CFG = 5, PCI_CFG_CAP = 0x88, PCI_CFG_DATA = PCI_CFG_CAP + 16;

    private final String name;
    private final MmioHandler bar = new Bar();
    private volatile IrqLine irq = IrqLine.NONE;
    private final VirtioCore core;

    public VirtioPci(String name, AddressSpace mem, VirtioDevice dev) {
        super(0x1af4, 0x1040 + dev.deviceId(), classCode(dev.deviceId()), 1, 0x1af4, 0x1100);
        this.name = name;
        memoryBar(BAR, BAR_SIZE, true);
        cfg[0x10 + 4 * BAR] |= 0x08; // prefetchable, as QEMU's modern BAR
        setInterruptPin(1);
        cfg[0x06] |= 0x10; // capabilities list
        cfg[0x34] = 0x40;
        cap(0x40, 0x50, CAP_COMMON_CFG, COMMON, 0x38, 16);
        int next = dev.configSize() > 0 ? 0x60 : 0x70;
        cap(0x50, next, CAP_ISR_CFG, ISR, 1, 16);
        if (dev.configSize() > 0) cap(0x60, 0x70, CAP_DEVICE_CFG, DEVICE, dev.configSize(), 16);
        cap(0x70, PCI_CFG_CAP, CAP_NOTIFY_CFG, NOTIFY, 0x1000, 20);
        put32(0x70 + 16, NOTIFY_MULT);
        cap(PCI_CFG_CAP, 0, CAP_PCI_CFG, 0, 0, 20);
        wmask[PCI_CFG_CAP + 4] = (byte) 0xff;                                  // cap.bar
        for (int i = 8; i < 16; i++) wmask[PCI_CFG_CAP + i] = (byte) 0xff;     // cap.offset, cap.length
        core = new VirtioCore(name, mem, dev, this);
        savePowerOnState();
    }

    /** System reset: the power-on configuration header (BAR unassigned, decoding off) and the device reset. */
    @Override
    public void reset() {
        core.reset();
        resetConfig();
        updateIrq();
    }

    private static int classCode(int id) {
        return switch (id) { case 2 -> 0x010000; case 3 -> 0x078000; default -> 0x00ff00; };
    }

    /** struct virtio_pci_cap { cap_vndr, cap_next, cap_len, cfg_type, bar, id, padding[2], offset, length }. */
    private void cap(int at, int next, int type, int offset, int length, int len) {
        cfg[at] = 0x09;
        cfg[at + 1] = (byte) next;
        cfg[at + 2] = (byte) len;
        cfg[at + 3] = (byte) type;
        cfg[at + 4] = BAR;
        put32(at + 8, offset);
        put32(at + 12, length);
    }

    /** Connects the INTx wire (the host bridge's swizzled line for this slot's INTA). */
    public void connectIntx(IrqLine line) { irq = line; updateIrq(); }

    public VirtioDevice device() { return core.device(); }

    /** The transport-independent device state. */
    public VirtioCore core() { return core; }

    @Override public boolean dmaEnabled() { return busMaster(); }

    @Override public void interruptChanged(int isr) { updateIrq(); }

    @Override protected MmioHandler barHandler(int index) { return index == BAR ? bar : null; }

    private boolean busMaster() { return (cfg[0x04] & 0x04) != 0; }

    /**
     * VIRTIO_PCI_CAP_PCI_CFG (virtio 1.2, 4.1.4.9): an access to pci_cfg_data reaches BAR cap.bar at
     * cap.offset with cap.length bytes (1, 2 or 4, aligned); anything else reads 0 and drops writes.
     */
    private int[] cfgWindow(int offset, int size) {
        if (offset + size <= PCI_CFG_DATA || offset >= PCI_CFG_DATA + 4) return null;
        int bar = cfg[PCI_CFG_CAP + 4] & 0xff, off = get32(PCI_CFG_CAP + 8), len = get32(PCI_CFG_CAP + 12);
        if (offset != PCI_CFG_DATA || size < len || bar != BAR || !(len == 1 || len == 2 || len == 4)
                || (off & (len - 1)) != 0 || off < 0 || off + len > BAR_SIZE) return new int[] {-1, 0};
        return new int[] {off, len};
    }

    @Override
    public long readConfig(int offset, int size) {
        int[] w;
        synchronized (this) { w = cfgWindow(offset, size); }
        if (w == null) return super.readConfig(offset, size);
        if (w[0] < 0) { bad("pci_cfg read", offset, size); return 0; }
        return bar.read(w[0], w[1]);
    }

    @Override
    public void writeConfig(int offset, int size, long value) {
        int[] w;
        synchronized (this) { w = cfgWindow(offset, size); }
        if (w == null) { super.writeConfig(offset, size, value); return; }
        if (w[0] < 0) { bad("pci_cfg write", offset, size); return; }
        bar.write(w[0], w[1], w[1] == 4 ? value & 0xffffffffL : value & ((1L << (8 * w[1])) - 1));
    }

    @Override
    protected void configWritten(int offset, int size) {
        if (offset <= 0x05 && offset + size > 0x04) updateIrq(); // INTx disable may have changed
    }

    /** The BAR 4 register block. */
    private final class Bar implements MmioHandler {
        @Override
        public long read(long off, int size) {
            if (off < ISR) return common((int) off, size);
            if (off == ISR && size == 1) return core.takeIsr();
            if (off >= DEVICE && off < DEVICE + core.device().configSize()) return core.readConfig((int) (off - DEVICE), size);
            bad("read", off, size);
            return 0;
        }

        @Override
        public void write(long off, int size, long value) {
            if (off >= NOTIFY && off < NOTIFY + 0x1000) {
                if (size == 2 && (off - NOTIFY) % NOTIFY_MULT == 0) core.notifyQueue((int) value & 0xffff);
                else bad("write", off, size);
                return;
            }
            if (off < ISR) writeCommon((int) off, size, value);
            else if (off >= DEVICE && off < DEVICE + core.device().configSize()) core.writeConfig((int) (off - DEVICE), size, value);
            else bad("write", off, size);
            core.afterRegisterWrite();
        }
    }

    /** Width of the common-configuration field at {@code off}, or 0 for none. */
    private static int fieldWidth(int off) {
        return switch (off) {
            case 0x00, 0x04, 0x08, 0x0c -> 4;
            case 0x10, 0x12, 0x16, 0x18, 0x1a, 0x1c, 0x1e -> 2;
            case 0x14, 0x15 -> 1;
            case 0x20, 0x28, 0x30 -> 8;
            default -> 0;
        };
    }

    private boolean widthOk(int off, int size) {
        int w = fieldWidth(off);
        if (w == size) return true;
        if (w == 0 && size == 4 && off >= 0x20 && off < 0x38 && fieldWidth(off - 4) == 8) return true; // high half
        return w == 8 && size == 4;
    }

    private long common(int off, int size) {
        if (!widthOk(off, size)) { bad("read", off, size); return 0; }
        VirtioCore c = core;
        long v = switch (off & ~7) {
            case 0x20 -> c.queueAddr(0);
            case 0x28 -> c.queueAddr(1);
            case 0x30 -> c.queueAddr(2);
            default -> switch (off) {
                case 0x00 -> c.deviceFeaturesSel();
                case 0x04 -> c.deviceFeatureWord();
                case 0x08 -> c.driverFeaturesSel();
                case 0x0c -> c.driverFeatureWord();
                case 0x10, 0x1a -> NO_VECTOR;
                case 0x12 -> c.numQueues();
                case 0x14 -> c.status();
                case 0x15 -> c.configGeneration() & 0xff;
                case 0x16 -> c.queueSel();
                case 0x18 -> c.queueSize();
                case 0x1c -> c.queueEnabled() ? 1 : 0;
                case 0x1e -> c.queueSel() < c.numQueues() ? c.queueSel() : 0;
                default -> 0;
            };
        };
        if (size == 4 && (off & 7) == 4 && fieldWidth(off - 4) == 8) return v >>> 32;
        if (size == 4 && fieldWidth(off) == 8) return v & 0xffffffffL;
        return v;
    }

    private void writeCommon(int off, int size, long value) {
        if (!widthOk(off, size)) { bad("write", off, size); return; }
        VirtioCore c = core;
        int v = (int) value;
        int base = off & ~7;
        if (base >= 0x20 && base < 0x38) {
            int which = (base - 0x20) >> 3;
            if (size == 8) c.setQueueAddr(which, value);
            else c.setQueueAddrHalf(which, (off & 7) != 0, v);
            return;
        }
        switch (off) {
            case 0x00 -> c.selectDeviceFeatures(v);
            case 0x08 -> c.selectDriverFeatures(v);
            case 0x0c -> c.writeDriverFeatureWord(v);
            case 0x10, 0x1a -> { } // no MSI-X: the vector stays NO_VECTOR, which the driver reads back
            case 0x14 -> c.writeStatus(v & 0xff);
            case 0x16 -> c.selectQueue(v & 0xffff);
            case 0x18 -> c.setQueueSize(v & 0xffff);
            case 0x1c -> { if ((v & 1) != 0) c.enableQueue(); }
            // virtio 1.2 4.1.4.3.2: the driver MUST NOT write 0 to queue_enable; ignore it
            default -> bad("write", off, size);
        }
    }

    /** The device's status byte (for tests and the monitor). */
    public int status() { return core.status(); }

    private synchronized void updateIrq() {
        boolean pending = core != null && core.isr() != 0;
        if (pending) cfg[0x06] |= 0x08; else cfg[0x06] &= ~0x08;
        irq.set(pending && !intxDisabled());
    }

    private void bad(String what, long off, int size) {
        if (Log.on(Log.Item.GUEST_ERRORS)) Log.logf("%s: invalid %s offset 0x%x size %d%n", name, what, off, size);
    }
}
