package org.jemu.hw.virtio;

import org.jemu.block.BlockDrivers;
import org.jemu.block.BlockNode;
import org.jemu.hw.IrqLine;
import org.jemu.hw.pci.GpexHost;
import org.jemu.memory.AddressSpace;
import org.jemu.memory.MemoryRegion;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.*;

/**
 * virtio-pci (modern) behind the gpex host bridge, driven as Linux's virtio_pci_modern does: ECAM
 * config accesses, capability walk, BAR sizing and assignment, then the common configuration, ISR
 * and notify registers in BAR 4 with rings in guest RAM.
 */
class VirtioPciTest {
    static final long RAM = 0x80000000L, ECAM = 0x30000000L, WINDOW = 0x40000000L, BARADDR = 0x40010000L;
    static final long DESC = RAM + 0x1000, AVAIL = RAM + 0x2000, USED = RAM + 0x3000, BUF = RAM + 0x10000;
    static final int QSIZE = 16, SLOT = 1;

    @TempDir Path dir;
    AddressSpace mem;
    final AtomicBoolean[] plic = {new AtomicBoolean(), new AtomicBoolean(), new AtomicBoolean(), new AtomicBoolean()};
    GpexHost host;
    VirtioPci fn;
    BlockNode node;
    DriverRing ring;
    /** cfg_type → capability offset in config space. */
    final Map<Integer, Integer> caps = new HashMap<>();
    long common, isr, notify, device;
    int notifyMult;

    @BeforeEach
    void setUp() throws Exception {
        mem = new AddressSpace();
        mem.add(MemoryRegion.ram("ram", RAM, AddressSpace.allocateRam(1 << 20)));
        ring = new DriverRing(mem, DESC, AVAIL, USED, QSIZE);
        host = new GpexHost(new IrqLine[] {plic[0]::set, plic[1]::set, plic[2]::set, plic[3]::set});
        mem.add(MemoryRegion.mmio("ecam", ECAM, 0x10000000L, host));
        mem.add(MemoryRegion.mmio("window", WINDOW, 0x40000000L, host.window(WINDOW)));
        Path disk = dir.resolve("disk.raw");
        byte[] content = new byte[64 * 1024];
        for (int i = 0; i < content.length; i++) content[i] = (byte) (i * 7 + (i >> 9));
        Files.write(disk, content);
        node = BlockDrivers.open(disk.toString(), "raw", false, BlockDrivers.Options.DEFAULT);
    }

    @AfterEach
    void tearDown() throws Exception { node.close(); }

    long cfgAddr(int reg) { return ECAM | (long) SLOT << 15 | reg; }
    long cr(int reg, int size) { return mem.read(cfgAddr(reg), size); }
    void cw(int reg, int size, long v) { mem.write(cfgAddr(reg), size, v); }

    /** Plugs the device, walks its capabilities, sizes and places BAR 4, enables MEM (and BME if asked). */
    void plug(VirtioDevice d, boolean busMaster) {
        fn = new VirtioPci("test", mem, d);
        fn.connectIntx(host.intx(SLOT, 1));
        host.plug(SLOT, fn);
        assertEquals(0x1af4, cr(0, 2));
        assertEquals(0x1040 + d.deviceId(), cr(2, 2));
        assertEquals(1, cr(8, 1), "revision 1: modern only");
        assertEquals(1, cr(0x3d, 1), "INTA");
        assertEquals(0x10, cr(6, 2) & 0x10, "capability list");
        for (int p = (int) cr(0x34, 1); p != 0; p = (int) cr(p + 1, 1)) {
            assertEquals(0x09, cr(p, 1), "vendor-specific capability (no MSI-X)");
            assertEquals(4, cr(p + 4, 1), "BAR 4");
            caps.put((int) cr(p + 3, 1), p);
        }
        assertTrue(caps.keySet().containsAll(java.util.List.of(1, 2, 3)), "common, notify, ISR caps: " + caps);
        // BAR sizing as the PCI spec says: write all ones, read back the mask
        assertEquals(0x0c, cr(0x20, 4) & 0xf, "64-bit prefetchable memory BAR");
        cw(0x20, 4, 0xffffffffL);
        cw(0x24, 4, 0xffffffffL);
        long mask = (cr(0x20, 4) & ~0xfL) | cr(0x24, 4) << 32;
        assertEquals(VirtioPci.BAR_SIZE, -mask);
        assertEquals(-1L >>> 32, mem.read(WINDOW + 0x10000, 4) & 0xffffffffL, "nothing decoded before MEM is on");
        cw(0x20, 4, BARADDR);
        cw(0x24, 4, 0);
        cw(0x04, 2, busMaster ? 0x06 : 0x02);
        common = BARADDR + cr(caps.get(1) + 8, 4);
        notify = BARADDR + cr(caps.get(2) + 8, 4);
        notifyMult = (int) cr(caps.get(2) + 16, 4);
        isr = BARADDR + cr(caps.get(3) + 8, 4);
        device = caps.containsKey(4) ? BARADDR + cr(caps.get(4) + 8, 4) : -1;
    }

    void cc(int off, int size, long v) { mem.write(common + off, size, v); }
    long ccr(int off, int size) { return mem.read(common + off, size); }

    /** virtio 1.2, 3.1.1 over the common configuration, queue 0 at DESC/AVAIL/USED. */
    void initDriver(VirtioDevice d, boolean busMaster) {
        plug(d, busMaster);
        startDriver(d, QSIZE, DESC);
    }

    void startDriver(VirtioDevice d, int qsize, long desc) {
        cc(0x14, 1, 0);
        cc(0x14, 1, 1);
        cc(0x14, 1, 3);
        cc(0x00, 4, 1);
        assertEquals(1, ccr(0x04, 4) & 1, "VERSION_1 offered");
        cc(0x08, 4, 0); cc(0x0c, 4, d.features() & 0xffffffffL | 1 << 28);
        cc(0x08, 4, 1); cc(0x0c, 4, 1);
        cc(0x14, 1, 3 | 8);
        assertEquals(8, ccr(0x14, 1) & 8, "FEATURES_OK accepted");
        assertEquals(d.numQueues(), ccr(0x12, 2));
        cc(0x10, 2, 0); // config vector 0: no MSI-X, reads back NO_VECTOR
        assertEquals(0xffff, ccr(0x10, 2));
        cc(0x16, 2, 0);
        assertTrue(ccr(0x18, 2) >= QSIZE);
        cc(0x18, 2, qsize);
        cc(0x20, 4, desc & 0xffffffffL); cc(0x24, 4, desc >>> 32); // two-part, as Linux writes them
        cc(0x28, 8, AVAIL);
        cc(0x30, 4, USED & 0xffffffffL); cc(0x34, 4, USED >>> 32);
        cc(0x1c, 2, 1);
        cc(0x14, 1, 3 | 8 | 4);
    }

    void desc(int i, long addr, int len, int flags, int next) { ring.desc(i, addr, len, flags, next); }

    void submit(int head) {
        ring.publish(head);
        int off = (int) ccr(0x1e, 2) * notifyMult;
        mem.write(notify + off, 2, 0);
    }

    int usedIdx() { return ring.usedIdx(); }

    void blkHeader(long at, int type, long sector) { DriverRing.blkHeader(mem, at, type, sector); }

    /** Slot 1 INTA → PLIC 32 + (1 + 0) % 4 = 33, as the device tree's interrupt-map says. */
    boolean intx() { return plic[(SLOT + 0) % 4].get(); }

    @Test
    void blkReadWriteFlushThroughBar4() throws Exception {
        initDriver(new VirtioBlk(node, false, "pci-serial"), true);
        assertEquals(0x010000, cr(0x08, 4) >>> 8, "class: mass storage");
        assertEquals(64 * 1024 / 512, mem.read(device, 8), "capacity in sectors");
        // read sector 1
        blkHeader(BUF, 0, 1);
        desc(0, BUF, 16, 1, 1);
        desc(1, BUF + 0x100, 512, 2 | 1, 2);
        desc(2, BUF + 0x80, 1, 2, 0);
        mem.write(BUF + 0x80, 1, 0xff);
        submit(0);
        assertEquals(1, usedIdx());
        assertEquals(0, mem.read(BUF + 0x80, 1), "VIRTIO_BLK_S_OK");
        byte[] got = new byte[512];
        mem.readBytes(BUF + 0x100, got, 0, 512);
        for (int i = 0; i < 512; i++) assertEquals((byte) ((512 + i) * 7 + 1), got[i]);
        assertTrue(intx(), "INTx asserted on PLIC 33");
        assertFalse(plic[0].get() || plic[2].get() || plic[3].get());
        assertEquals(0x08, cr(6, 2) & 0x08, "status: interrupt pending");
        assertEquals(1, mem.read(isr, 1), "ISR: used buffer");
        assertFalse(intx(), "reading the ISR deasserts INTx");
        assertEquals(0, mem.read(isr, 1), "read-to-clear");
        // write sector 3, then flush
        blkHeader(BUF, 1, 3);
        for (int i = 0; i < 512; i++) mem.write(BUF + 0x100 + i, 1, 0xa5);
        desc(1, BUF + 0x100, 512, 1, 2);
        submit(0);
        assertEquals(2, usedIdx());
        blkHeader(BUF, 4, 0);
        desc(0, BUF, 16, 1, 2);
        submit(0);
        assertEquals(3, usedIdx());
        assertEquals(0, mem.read(BUF + 0x80, 1));
        byte[] disk = new byte[512];
        node.read(3 * 512, java.nio.ByteBuffer.wrap(disk));
        for (byte b : disk) assertEquals((byte) 0xa5, b);
        // INTx disable masks the line but keeps the pending bit
        cw(0x04, 2, 0x06 | 0x400);
        assertFalse(intx());
        assertEquals(0x08, cr(6, 2) & 0x08);
        cw(0x04, 2, 0x06);
        assertTrue(intx());
    }

    @Test
    void rngFillsBuffers() {
        initDriver(new VirtioRng(), true);
        assertEquals(0x1044, cr(2, 2));
        assertFalse(caps.containsKey(4), "no device config for rng");
        for (int i = 0; i < 64; i++) mem.write(BUF + i, 1, 0);
        desc(0, BUF, 64, 2, 0);
        submit(0);
        assertEquals(1, usedIdx());
        assertEquals(64, mem.read(USED + 8, 4), "used length");
        boolean nonZero = false;
        for (int i = 0; i < 64; i++) nonZero |= mem.read(BUF + i, 1) != 0;
        assertTrue(nonZero);
    }

    @Test
    void busMasteringOffStopsTheQueues() {
        initDriver(new VirtioRng(), false);
        desc(0, BUF, 64, 2, 0);
        submit(0);
        assertEquals(0, usedIdx(), "no DMA without bus mastering");
        cw(0x04, 2, 0x06);
        submit(0);
        assertEquals(2, usedIdx(), "both buffers served once BME is on");
        cw(0x04, 2, 0x00);
        assertEquals(-1L >>> 32, mem.read(common + 0x14, 4) & 0xffffffffL, "BAR not decoded with MEM off");
    }

    void assertNeedsReset() {
        assertEquals(VirtioCore.STATUS_NEEDS_RESET, ccr(0x14, 1) & VirtioCore.STATUS_NEEDS_RESET);
        assertTrue(intx(), "config interrupt");
        assertEquals(2, mem.read(isr, 1) & 2, "ISR: configuration change");
    }

    @Test
    void descriptorLoopNeedsResetAndResetRecovers() {
        VirtioBlk blk = new VirtioBlk(node, false, null);
        initDriver(blk, true);
        blkHeader(BUF, 0, 0);
        desc(0, BUF, 16, 1, 1);
        desc(1, BUF + 0x100, 512, 2 | 1, 0);
        submit(0);
        assertNeedsReset();
        submit(0);
        assertEquals(0, usedIdx(), "ignored until reset");
        ring.reset();
        startDriver(blk, QSIZE, DESC); // writes status 0 first
        assertEquals(0, ccr(0x14, 1) & VirtioCore.STATUS_NEEDS_RESET);
        desc(1, BUF + 0x100, 512, 2 | 1, 2);
        desc(2, BUF + 0x80, 1, 2, 0);
        submit(0);
        assertEquals(1, usedIdx());
    }

    @Test
    void badQueueSizeNeedsReset() {
        plug(new VirtioRng(), true);
        startDriver(new VirtioRng(), 12, DESC); // not a power of two
        assertNeedsReset();
        assertEquals(0, ccr(0x1c, 2), "queue not enabled");
    }

    @Test
    void oversizedQueueNeedsReset() {
        plug(new VirtioRng(), true);
        startDriver(new VirtioRng(), 4096, DESC);
        assertNeedsReset();
    }

    @Test
    void ringOutsideRamNeedsReset() {
        plug(new VirtioRng(), true);
        startDriver(new VirtioRng(), QSIZE, 0x1000);
        assertNeedsReset();
    }

    @Test
    void hostileRegisterAccessesAreHarmless() {
        initDriver(new VirtioRng(), true);
        mem.write(notify + 5 * notifyMult, 2, 5);      // notification for an absent queue
        mem.write(notify + 0xffe, 2, 0xffff);
        mem.write(notify + 1, 1, 0);                    // odd width
        cc(0x16, 2, 7);                                 // select an absent queue
        assertEquals(0, ccr(0x18, 2));
        cc(0x18, 2, 8); cc(0x20, 8, 0xdead0000L); cc(0x1c, 2, 1);
        assertEquals(0, ccr(0x1c, 2));
        cc(0x16, 2, 0);
        cc(0x20, 8, 0x1234);                            // queue 0 is enabled: frozen
        assertEquals(DESC, ccr(0x20, 8));
        mem.write(common + 0x3c, 4, 1);                 // past the structure
        mem.write(common + 0x13, 1, 1);                 // middle of a field
        mem.write(BARADDR + 0x2000, 4, 1);              // device config of a device without one
        assertEquals(0, mem.read(BARADDR + 0x1001, 1));
        assertEquals(0, ccr(0x14, 1) & VirtioCore.STATUS_NEEDS_RESET, "nothing here breaks the device");
        desc(0, BUF, 64, 2, 0);
        submit(0);
        assertEquals(1, usedIdx());
    }

    @Test
    void pciCfgCapabilityWindowReachesBar4() {
        plug(new VirtioBlk(node, false, null), true);
        int c = caps.get(5);
        cw(c + 4, 1, 4);
        cw(c + 8, 4, 0x12);                 // num_queues
        cw(c + 12, 4, 2);
        assertEquals(1, cr(c + 16, 4) & 0xffff);
        cw(c + 8, 4, 0x14);                 // device_status
        cw(c + 12, 4, 1);
        cw(c + 16, 4, 1);                   // ACKNOWLEDGE through the window
        assertEquals(1, ccr(0x14, 1));
        cw(c + 8, 4, 0x2000);               // device config: capacity low word
        cw(c + 12, 4, 4);
        assertEquals(64 * 1024 / 512, cr(c + 16, 4));
        cw(0x04, 2, 0);                     // works without memory decoding, as the spec intends
        assertEquals(64 * 1024 / 512, cr(c + 16, 4));
        cw(c + 12, 4, 3);                   // bad length
        assertEquals(0, cr(c + 16, 4));
        cw(c + 12, 4, 4);
        cw(c + 8, 4, 0x3ffe);               // runs past the BAR
        assertEquals(0, cr(c + 16, 4));
        cw(c + 8, 4, 0);
        cw(c + 4, 1, 2);                    // another BAR
        assertEquals(0, cr(c + 16, 4));
    }

    @Test
    void intxSwizzleFollowsTheInterruptMap() {
        for (int slot = 0; slot < 4; slot++) {
            for (int pin = 1; pin <= 4; pin++) {
                IrqLine l = host.intx(slot, pin);
                l.set(true);
                int line = (slot + pin - 1) % 4;
                for (int i = 0; i < 4; i++) assertEquals(i == line, plic[i].get(), "slot " + slot + " pin " + pin);
                l.set(false);
                assertFalse(plic[line].get());
            }
        }
        // wire-OR: two slots sharing PLIC 32
        IrqLine a = host.intx(0, 1), b = host.intx(4, 1);
        a.set(true); b.set(true); a.set(false);
        assertTrue(plic[0].get());
        b.set(false);
        assertFalse(plic[0].get());
    }
}
