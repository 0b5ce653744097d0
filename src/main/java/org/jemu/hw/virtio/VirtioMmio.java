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
 * The device status, feature negotiation, queue validation (sizes must be powers of two ≤ QueueNumMax)
 * and the NEEDS_RESET rules are {@link VirtioCore}'s; this class maps the register layout onto it and
 * drives the slot's PLIC line from the interrupt status. Queue registers can only be changed while
 * QueueReady is 0; writing QueueReady 0 disables the queue.
 */
public final class VirtioMmio implements MmioHandler, org.jemu.hw.Resettable {
    public static final long SIZE = 0x1000;
    static final int MAGIC = 0x74726976, VENDOR = 0x554d4551;

    private final IrqLine irq;
    private final String name;
    /** Null for an empty slot. */
    private final VirtioCore core;

    /** {@code dev} may be null: an empty slot. */
    public VirtioMmio(String name, AddressSpace mem, IrqLine irq, VirtioDevice dev) {
        this.name = name;
        this.irq = irq;
        this.core = dev == null ? null : new VirtioCore(name, mem, dev, isr -> irq.set(isr != 0));
    }

    @Override public void reset() { if (core != null) core.reset(); }

    public VirtioDevice device() { return core == null ? null : core.device(); }

    /** The transport-independent device state (null for an empty slot). */
    public VirtioCore core() { return core; }

    @Override
    public long read(long off, int size) {
        VirtioCore c = core;
        if (c == null) {
            return switch ((int) off) { case 0x000 -> MAGIC; case 0x004 -> 2; case 0x00c -> VENDOR; default -> 0; };
        }
        if (off >= 0x100) return c.readConfig((int) (off - 0x100), size);
        if (size != 4) { bad("read", off, size); return 0; }
        return switch ((int) off) {
            case 0x000 -> MAGIC;
            case 0x004 -> 2;
            case 0x008 -> c.device().deviceId();
            case 0x00c -> VENDOR;
            case 0x010 -> c.deviceFeatureWord();
            case 0x034 -> c.queueMaxSize();
            case 0x044 -> c.queueEnabled() ? 1 : 0;
            case 0x060 -> c.isr();
            case 0x070 -> c.status();
            case 0x0fc -> c.configGeneration();
            default -> { bad("read", off, size); yield 0; }
        };
    }

    @Override
    public void write(long off, int size, long value) {
        VirtioCore c = core;
        if (c == null) return;
        int v = (int) value;
        if (off >= 0x100) {
            c.writeConfig((int) (off - 0x100), size, value);
            return;
        }
        if (size != 4) { bad("write", off, size); return; }
        switch ((int) off) {
            case 0x014 -> c.selectDeviceFeatures(v);
            case 0x020 -> c.writeDriverFeatureWord(v);
            case 0x024 -> c.selectDriverFeatures(v);
            case 0x030 -> c.selectQueue(v);
            case 0x038 -> c.setQueueSize(v);
            case 0x044 -> { if ((v & 1) != 0) c.enableQueue(); else c.disableQueue(); }
            case 0x050 -> c.notifyQueue(v);
            case 0x064 -> c.ackIsr(v);
            case 0x070 -> c.writeStatus(v);
            case 0x080 -> c.setQueueAddrHalf(0, false, v);
            case 0x084 -> c.setQueueAddrHalf(0, true, v);
            case 0x090 -> c.setQueueAddrHalf(1, false, v);
            case 0x094 -> c.setQueueAddrHalf(1, true, v);
            case 0x0a0 -> c.setQueueAddrHalf(2, false, v);
            case 0x0a4 -> c.setQueueAddrHalf(2, true, v);
            default -> bad("write", off, size);
        }
        c.afterRegisterWrite();
    }

    private void bad(String what, long off, int size) {
        if (Log.on(Log.Item.GUEST_ERRORS)) Log.logf("%s: invalid %s offset 0x%x size %d%n", name, what, off, size);
    }
}
