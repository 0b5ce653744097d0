package org.jemu.hw.pci;

import org.jemu.hw.IrqLine;
import org.jemu.memory.MmioHandler;
import org.jemu.util.Log;

/**
 * Generic PCIe host bridge (QEMU hw/pci-host/gpex.c) as on the virt board: the ECAM window at
 * 0x30000000 (256 buses × 32 devices × 8 functions × 4 KiB), device 00:00.0 the host bridge
 * (vendor 0x1b36 Red Hat, device 0x0008, class 0x0600), MMIO window 0x40000000 and PIO window
 * 0x3000000 for BARs, INTx of slot s pin p routed to PLIC source 32 + (s + p) % 4.
 *
 * <p>Guest-facing contract: ECAM offset = bus&lt;&lt;20 | dev&lt;&lt;15 | fn&lt;&lt;12 | reg. Reads of
 * absent functions return all ones (the spec's "no device"); writes to them are dropped. Accesses
 * must be naturally aligned and 1, 2 or 4 bytes wide.
 *
 * <p>The MMIO windows ({@link #window()}) decode to the memory BARs the guest programmed (with memory
 * decoding enabled in the function's command register); addresses no BAR claims read as all ones and
 * drop writes. INTx lines of functions sharing a PLIC source are wire-ORed.
 */
public final class GpexHost implements MmioHandler, org.jemu.hw.Resettable {
    private final PciFunction[] bus0 = new PciFunction[32];
    private final IrqLine[] plicLines;
    /** Per PLIC line (0..3), a bitmask of the slot/pin sources asserting it. */
    private final long[] asserted = new long[4];

    public GpexHost() { this(new IrqLine[] {IrqLine.NONE, IrqLine.NONE, IrqLine.NONE, IrqLine.NONE}); }

    /** {@code plicLines}: the four interrupt controller inputs (PLIC 32..35 on virt). */
    public GpexHost(IrqLine[] plicLines) {
        if (plicLines.length != 4) throw new IllegalArgumentException("gpex needs 4 INTx lines");
        this.plicLines = plicLines.clone();
        bridge = new PciConfigSpace(0x1b36, 0x0008, 0x060000, 0, 0x1af4, 0x1100);
        bridge.savePowerOnState();
        bus0[0] = bridge;
    }

    private final PciConfigSpace bridge;

    /** System reset: every function on the bus is reset (the host bridge's header back to its power-on values). */
    @Override
    public void reset() {
        bridge.resetConfig();
        for (int d = 1; d < 32; d++) if (bus0[d] instanceof org.jemu.hw.Resettable r) r.reset();
    }

    /**
     * The wire for INTx pin {@code pin} (1 = INTA … 4 = INTD) of slot {@code dev}: the swizzle of the
     * device tree's interrupt-map, PLIC input 32 + (dev + pin - 1) % 4.
     */
    public IrqLine intx(int dev, int pin) {
        int line = (dev + pin - 1) & 3;
        long bit = 1L << dev; // each slot reaches a given line through exactly one of its pins
        return level -> {
            boolean any;
            synchronized (asserted) {
                asserted[line] = level ? asserted[line] | bit : asserted[line] & ~bit;
                any = asserted[line] != 0;
            }
            plicLines[line].set(any);
        };
    }

    /** The function in slot {@code dev} of bus 0, or null. */
    public PciFunction function(int dev) { return bus0[dev]; }

    /** The handler for an MMIO window based at {@code windowBase}: dispatches to the BARs. */
    public MmioHandler window(long windowBase) {
        return new MmioHandler() {
            @Override public long read(long off, int size) {
                PciConfigSpace.BarHit h = hit(windowBase + off);
                return h != null ? h.handler().read(h.offset(), size) : size == 8 ? -1L : (1L << (8 * size)) - 1;
            }

            @Override public void write(long off, int size, long value) {
                PciConfigSpace.BarHit h = hit(windowBase + off);
                if (h != null) h.handler().write(h.offset(), size, value);
            }
        };
    }

    private PciConfigSpace.BarHit hit(long addr) {
        for (PciFunction f : bus0) {
            if (f instanceof PciConfigSpace c) {
                PciConfigSpace.BarHit h = c.decode(addr);
                if (h != null) return h;
            }
        }
        return null;
    }

    /** Plugs a function into slot {@code dev} (fn 0) of bus 0. */
    public void plug(int dev, PciFunction f) {
        if (bus0[dev] != null) throw new IllegalArgumentException("PCI slot " + dev + " is taken");
        bus0[dev] = f;
    }

    /** The first free slot, or -1. */
    public int freeSlot() {
        for (int i = 1; i < 32; i++) if (bus0[i] == null) return i;
        return -1;
    }

    private PciFunction function(long off) {
        int bus = (int) (off >> 20) & 0xff, dev = (int) (off >> 15) & 0x1f, fn = (int) (off >> 12) & 7;
        return bus == 0 && fn == 0 ? bus0[dev] : null;
    }

    @Override
    public long read(long off, int size) {
        if (size > 4 || (off & (size - 1)) != 0) { bad(off, size); return -1L >>> (64 - 8 * Math.min(size, 8)); }
        PciFunction f = function(off);
        if (f == null) return size == 4 ? 0xffffffffL : (1L << (8 * size)) - 1;
        return f.readConfig((int) (off & 0xfff), size);
    }

    @Override
    public void write(long off, int size, long value) {
        if (size > 4 || (off & (size - 1)) != 0) { bad(off, size); return; }
        PciFunction f = function(off);
        if (f != null) f.writeConfig((int) (off & 0xfff), size, value);
    }

    private static void bad(long off, int size) {
        if (Log.on(Log.Item.GUEST_ERRORS)) Log.logf("gpex: bad ECAM access at 0x%x size %d%n", off, size);
    }
}
