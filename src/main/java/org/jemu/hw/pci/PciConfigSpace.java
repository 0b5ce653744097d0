package org.jemu.hw.pci;

/**
 * A type-0 PCI configuration header with the writable-bit masks the PCI Local Bus spec gives
 * (vendor/device/class read-only; command, BARs, interrupt line writable; BAR sizing by writing all
 * ones). Used by the host bridge and by endpoint devices.
 */
public class PciConfigSpace implements PciFunction {
    protected final byte[] cfg = new byte[4096];
    protected final byte[] wmask = new byte[4096];
    /** BAR sizes (0 = not implemented), memory BARs 32-bit or 64-bit (using two slots). */
    protected final long[] barSize = new long[6];
    protected final boolean[] bar64 = new boolean[6];

    public PciConfigSpace(int vendor, int device, int classCode, int revision, int subVendor, int subDevice) {
        put16(0x00, vendor);
        put16(0x02, device);
        cfg[0x08] = (byte) revision;
        put16(0x0a, classCode >> 8);
        cfg[0x09] = (byte) classCode;
        put16(0x2c, subVendor);
        put16(0x2e, subDevice);
        wmask[0x04] = (byte) 0x47; // command: IO, MEM, BME, parity
        wmask[0x05] = (byte) 0x05; // SERR, INTx disable
        wmask[0x0c] = (byte) 0xff; // cache line size
        wmask[0x0d] = (byte) 0xff; // latency timer
        wmask[0x3c] = (byte) 0xff; // interrupt line
    }

    private byte[] powerOn;

    /** Records the current header as the power-on state {@link #resetConfig} restores (call at the end of construction). */
    protected void savePowerOnState() { powerOn = cfg.clone(); }

    /** Restores the power-on header: command 0 (no decoding, no bus mastering), BARs unassigned. */
    public synchronized void resetConfig() {
        if (powerOn != null) System.arraycopy(powerOn, 0, cfg, 0, cfg.length);
    }

    protected void put16(int off, int v) { cfg[off] = (byte) v; cfg[off + 1] = (byte) (v >> 8); }
    protected void put32(int off, int v) { put16(off, v); put16(off + 2, v >>> 16); }
    protected int get16(int off) { return (cfg[off] & 0xff) | (cfg[off + 1] & 0xff) << 8; }
    protected int get32(int off) { return get16(off) | get16(off + 2) << 16; }

    /** Declares a memory BAR of {@code size} bytes (a power of two ≥ 16). */
    protected void memoryBar(int index, long size, boolean is64) {
        barSize[index] = size;
        bar64[index] = is64;
        int off = 0x10 + 4 * index;
        cfg[off] = (byte) (is64 ? 0x04 : 0x00);
        long mask = ~(size - 1);
        for (int i = 0; i < 4; i++) wmask[off + i] = (byte) (mask >>> (8 * i));
        wmask[off] &= (byte) 0xf0;
        if (is64) for (int i = 0; i < 4; i++) wmask[off + 4 + i] = (byte) (mask >>> (32 + 8 * i));
    }

    /** The guest-programmed address of a memory BAR, or -1 if memory decoding is off or unassigned. */
    public long barAddress(int index) {
        if ((cfg[0x04] & 0x02) == 0 || barSize[index] == 0) return -1;
        int off = 0x10 + 4 * index;
        long a = get32(off) & 0xfffffff0L;
        if (bar64[index]) a |= (long) get32(off + 4) << 32;
        return a == 0 ? -1 : a;
    }

    public void setInterruptPin(int pin) {
        cfg[0x3d] = (byte) pin;
    }

    public boolean intxDisabled() { return (cfg[0x05] & 0x04) != 0; }

    @Override
    public synchronized long readConfig(int offset, int size) {
        long v = 0;
        for (int i = 0; i < size; i++) v |= (long) (cfg[offset + i] & 0xff) << (8 * i);
        return v;
    }

    @Override
    public synchronized void writeConfig(int offset, int size, long value) {
        for (int i = 0; i < size; i++) {
            int o = offset + i;
            int m = wmask[o] & 0xff;
            int b = (int) (value >>> (8 * i)) & 0xff;
            cfg[o] = (byte) ((cfg[o] & ~m) | (b & m));
        }
        configWritten(offset, size);
    }

    /** The register block behind memory BAR {@code index}, or null (no BAR or not decoded by a handler). */
    protected org.jemu.memory.MmioHandler barHandler(int index) { return null; }

    /** The handler and offset for a physical address inside one of this function's decoded memory BARs, or null. */
    public BarHit decode(long addr) {
        for (int i = 0; i < 6; i++) {
            if (barSize[i] == 0) continue;
            long base = barAddress(i);
            if (base == -1 || Long.compareUnsigned(addr - base, barSize[i]) >= 0) continue;
            org.jemu.memory.MmioHandler h = barHandler(i);
            if (h != null) return new BarHit(h, addr - base);
        }
        return null;
    }

    /** A decoded BAR access. */
    public record BarHit(org.jemu.memory.MmioHandler handler, long offset) {}

    /** Hook for subclasses (BAR remapping, capability registers). */
    protected void configWritten(int offset, int size) { }
}
