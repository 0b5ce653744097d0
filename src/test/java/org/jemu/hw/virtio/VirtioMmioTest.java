package org.jemu.hw.virtio;

import org.jemu.block.BlockDrivers;
import org.jemu.block.BlockNode;
import org.jemu.memory.AddressSpace;
import org.jemu.memory.MemoryRegion;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.*;

/** virtio-mmio + virtio-blk/rng driven through MMIO registers and rings in guest RAM, as a driver would. */
class VirtioMmioTest {
    static final long RAM = 0x80000000L;
    static final long DESC = RAM + 0x1000, AVAIL = RAM + 0x2000, USED = RAM + 0x3000, BUF = RAM + 0x10000;
    static final int QSIZE = 16;

    @TempDir Path dir;
    AddressSpace mem;
    final AtomicBoolean irq = new AtomicBoolean();
    VirtioMmio dev;
    BlockNode node;
    Path disk;
    DriverRing ring;

    @BeforeEach
    void setUp() throws Exception {
        mem = new AddressSpace();
        mem.add(MemoryRegion.ram("ram", RAM, AddressSpace.allocateRam(1 << 20)));
        ring = new DriverRing(mem, DESC, AVAIL, USED, QSIZE);
        disk = dir.resolve("disk.raw");
        byte[] content = new byte[64 * 1024];
        for (int i = 0; i < content.length; i++) content[i] = (byte) (i * 7 + (i >> 9));
        Files.write(disk, content);
        node = BlockDrivers.open(disk.toString(), "raw", false, BlockDrivers.Options.DEFAULT);
    }

    @AfterEach
    void tearDown() throws Exception { node.close(); }

    void w(long off, int v) { dev.write(off, 4, v & 0xffffffffL); }
    int r(long off) { return (int) dev.read(off, 4); }

    /** The driver's init sequence (virtio 1.2, 3.1.1) with queue 0 at DESC/AVAIL/USED. */
    void initDriver(VirtioDevice d) {
        dev = new VirtioMmio("test", mem, irq::set, d);
        assertEquals(0x74726976, r(0));
        assertEquals(2, r(4));
        assertEquals(d.deviceId(), r(8));
        w(0x70, 1);
        w(0x70, 3);
        w(0x14, 1);
        assertEquals(1, r(0x10) & 1, "VERSION_1 offered");
        w(0x24, 0); w(0x20, (int) d.features() | 1 << 28); // + VIRTIO_RING_F_INDIRECT_DESC
        w(0x24, 1); w(0x20, 1);
        w(0x70, 3 | 8);
        assertEquals(8, r(0x70) & 8, "FEATURES_OK accepted");
        w(0x30, 0);
        assertTrue(r(0x34) >= QSIZE);
        w(0x38, QSIZE);
        w(0x80, (int) DESC); w(0x84, (int) (DESC >>> 32));
        w(0x90, (int) AVAIL); w(0x94, (int) (AVAIL >>> 32));
        w(0xa0, (int) USED); w(0xa4, (int) (USED >>> 32));
        w(0x44, 1);
        assertEquals(1, r(0x44));
        w(0x70, 3 | 8 | 4);
    }

    void desc(int i, long addr, int len, int flags, int next) { ring.desc(i, addr, len, flags, next); }

    void submit(int head) {
        ring.publish(head);
        w(0x50, 0);
    }

    int usedIdx() { return ring.usedIdx(); }

    void blkHeader(long at, int type, long sector) { DriverRing.blkHeader(mem, at, type, sector); }

    @Test
    void blkReadWriteFlushGetId() throws Exception {
        initDriver(new VirtioBlk(node, false, "jemu-serial"));
        assertEquals(64 * 1024 / 512, dev.read(0x100, 8), "capacity in sectors");
        // read sectors 1..2 into BUF+0x100
        blkHeader(BUF, 0, 1);
        desc(0, BUF, 16, 1, 1);
        desc(1, BUF + 0x100, 1024, 2 | 1, 2);
        desc(2, BUF + 0x80, 1, 2, 0);
        submit(0);
        assertEquals(1, usedIdx());
        assertEquals(0, mem.read(BUF + 0x80, 1), "status OK");
        assertEquals(1025, mem.read(USED + 8, 4), "used length = data + status");
        byte[] want = Files.readAllBytes(disk);
        byte[] got = new byte[1024];
        mem.readBytes(BUF + 0x100, got, 0, 1024);
        assertArrayEquals(java.util.Arrays.copyOfRange(want, 512, 1536), got);
        assertTrue(irq.get());
        assertEquals(1, r(0x60));
        w(0x64, 1);
        assertFalse(irq.get());

        // write sector 5 from a two-buffer chain
        blkHeader(BUF, 1, 5);
        for (int i = 0; i < 512; i++) mem.write(BUF + 0x400 + i, 1, 0xa5);
        desc(3, BUF, 16, 1, 4);
        desc(4, BUF + 0x400, 256, 1, 5);
        desc(5, BUF + 0x500, 256, 1, 6);
        desc(6, BUF + 0x80, 1, 2, 0);
        submit(3);
        assertEquals(0, mem.read(BUF + 0x80, 1));
        blkHeader(BUF, 4, 0);
        desc(7, BUF, 16, 1, 8);
        desc(8, BUF + 0x80, 1, 2, 0);
        submit(7);
        assertEquals(0, mem.read(BUF + 0x80, 1));
        byte[] after = Files.readAllBytes(disk);
        for (int i = 0; i < 512; i++) assertEquals((byte) 0xa5, after[5 * 512 + i]);
        assertEquals(want[4 * 512 + 3], after[4 * 512 + 3]);

        // GET_ID
        blkHeader(BUF, 8, 0);
        desc(9, BUF, 16, 1, 10);
        desc(10, BUF + 0x200, 20, 2 | 1, 11);
        desc(11, BUF + 0x80, 1, 2, 0);
        submit(9);
        byte[] id = new byte[11];
        mem.readBytes(BUF + 0x200, id, 0, 11);
        assertEquals("jemu-serial", new String(id, 0, 11));

        // out-of-range read → IOERR, unknown type → UNSUPP
        blkHeader(BUF, 0, 1000);
        desc(12, BUF, 16, 1, 13);
        desc(13, BUF + 0x100, 512, 2 | 1, 14);
        desc(14, BUF + 0x80, 1, 2, 0);
        submit(12);
        assertEquals(1, mem.read(BUF + 0x80, 1));
        blkHeader(BUF, 99, 0);
        desc(15, BUF, 16, 1, 0);
        desc(0, BUF + 0x80, 1, 2, 0);
        desc(15, BUF, 16, 1, 0);
        mem.write(DESC + 16 * 15 + 12, 2, 1);
        mem.write(DESC + 16 * 15 + 14, 2, 0);
        submit(15);
        assertEquals(2, mem.read(BUF + 0x80, 1));
        assertEquals(0, r(0x70) & VirtioCore.STATUS_NEEDS_RESET);
    }

    @Test
    void blkDiscardAndWriteZeroes() throws Exception {
        initDriver(new VirtioBlk(node, false, null));
        blkHeader(BUF, 13, 0);
        mem.write(BUF + 16, 8, 2);      // sector
        mem.write(BUF + 24, 4, 3);      // num_sectors
        mem.write(BUF + 28, 4, 0);      // flags
        desc(0, BUF, 32, 1, 1);
        desc(1, BUF + 0x80, 1, 2, 0);
        submit(0);
        assertEquals(0, mem.read(BUF + 0x80, 1));
        byte[] after = Files.readAllBytes(disk);
        for (int i = 2 * 512; i < 5 * 512; i++) assertEquals(0, after[i], "zeroed at " + i);
        assertNotEquals(0, after[5 * 512 + 1] | after[5 * 512 + 2]);
    }

    @Test
    void readOnlyDiskRefusesWrites() throws Exception {
        initDriver(new VirtioBlk(node, true, null));
        w(0x14, 0);
        assertEquals(1 << 5, r(0x10) & (1 << 5), "VIRTIO_BLK_F_RO");
        blkHeader(BUF, 1, 0);
        desc(0, BUF, 16, 1, 1);
        desc(1, BUF + 0x400, 512, 1, 2);
        desc(2, BUF + 0x80, 1, 2, 0);
        submit(0);
        assertEquals(1, mem.read(BUF + 0x80, 1));
    }

    void assertNeedsReset() {
        assertEquals(VirtioCore.STATUS_NEEDS_RESET, r(0x70) & VirtioCore.STATUS_NEEDS_RESET);
        assertEquals(2, r(0x60) & 2, "config-change interrupt");
        assertTrue(irq.get());
    }

    @Test
    void descriptorLoopNeedsReset() {
        initDriver(new VirtioBlk(node, false, null));
        blkHeader(BUF, 0, 0);
        desc(0, BUF, 16, 1, 1);
        desc(1, BUF + 0x100, 512, 2 | 1, 0); // loops back to 0
        submit(0);
        assertNeedsReset();
        assertEquals(0, usedIdx());
        // the device ignores further notifications until reset, and a reset brings it back
        submit(0);
        assertEquals(0, usedIdx());
        w(0x70, 0);
        assertEquals(0, r(0x70));
        ring.reset();
        mem.write(USED + 2, 2, 0);
        initDriver(dev.device());
        desc(0, BUF, 16, 1, 1);
        desc(1, BUF + 0x100, 512, 2 | 1, 2);
        desc(2, BUF + 0x80, 1, 2, 0);
        submit(0);
        assertEquals(1, usedIdx());
    }

    @Test
    void bufferOutsideRamNeedsReset() {
        initDriver(new VirtioBlk(node, false, null));
        blkHeader(BUF, 0, 0);
        desc(0, BUF, 16, 1, 1);
        desc(1, 0x1000, 512, 2 | 1, 2); // not RAM
        desc(2, BUF + 0x80, 1, 2, 0);
        submit(0);
        assertNeedsReset();
    }

    @Test
    void hugeLengthAndBadIndexNeedReset() {
        initDriver(new VirtioBlk(node, false, null));
        desc(0, BUF, 16, 1, 1);
        desc(1, BUF + 0x100, 0xfffffff0, 2 | 1, 2);
        desc(2, BUF + 0x80, 1, 2, 0);
        submit(0);
        assertNeedsReset();
    }

    @Test
    void nextIndexOutOfRangeNeedsReset() {
        initDriver(new VirtioBlk(node, false, null));
        desc(0, BUF, 16, 1, 200);
        submit(0);
        assertNeedsReset();
    }

    @Test
    void headIndexOutOfRangeNeedsReset() {
        initDriver(new VirtioRng());
        submit(QSIZE + 3);
        assertNeedsReset();
    }

    @Test
    void missingStatusByteNeedsReset() {
        initDriver(new VirtioBlk(node, false, null));
        blkHeader(BUF, 0, 0);
        desc(0, BUF, 16, 0, 0);
        submit(0);
        assertNeedsReset();
    }

    @Test
    void readableAfterWritableNeedsReset() {
        initDriver(new VirtioBlk(node, false, null));
        desc(0, BUF + 0x80, 1, 2 | 1, 1);
        desc(1, BUF, 16, 0, 0);
        submit(0);
        assertNeedsReset();
    }

    @Test
    void nestedIndirectNeedsReset() {
        initDriver(new VirtioRng());
        long table = BUF + 0x800;
        mem.write(table, 8, table);
        mem.write(table + 8, 4, 16);
        mem.write(table + 12, 2, 4);
        desc(0, table, 16, 4, 0);
        submit(0);
        assertNeedsReset();
    }

    @Test
    void ringsOutsideRamNeedReset() {
        dev = new VirtioMmio("test", mem, irq::set, new VirtioRng());
        w(0x70, 3); w(0x24, 1); w(0x20, 1); w(0x70, 11);
        w(0x30, 0); w(0x38, QSIZE);
        w(0x80, 0x1000); w(0x90, (int) AVAIL); w(0x94, (int) (AVAIL >>> 32)); w(0xa0, (int) USED); w(0xa4, (int) (USED >>> 32));
        w(0x44, 1);
        assertEquals(0, r(0x44));
        assertEquals(VirtioCore.STATUS_NEEDS_RESET, r(0x70) & VirtioCore.STATUS_NEEDS_RESET);
    }

    /** virtio 1.2 2.7: a split virtqueue's size is a power of two; 0 and sizes above QueueNumMax are refused too. */
    @Test
    void queueSizeNotPowerOfTwoNeedsResetThenRecovers() {
        for (int bad : new int[] {3, 12, 0, 1024}) {
            dev = new VirtioMmio("test", mem, irq::set, new VirtioRng());
            irq.set(false);
            w(0x70, 3); w(0x24, 1); w(0x20, 1); w(0x70, 11);
            w(0x30, 0); w(0x38, bad);
            w(0x80, (int) DESC); w(0x90, (int) AVAIL); w(0x94, (int) (AVAIL >>> 32)); w(0xa0, (int) USED); w(0xa4, (int) (USED >>> 32));
            w(0x44, 1);
            assertEquals(0, r(0x44), "queue of size " + bad + " not enabled");
            assertNeedsReset();
            // notifications are ignored while NEEDS_RESET; the driver resets and sets the device up properly
            w(0x50, 0);
            w(0x70, 0);
            assertEquals(0, r(0x70));
            assertFalse(irq.get());
            w(0x70, 3); w(0x24, 1); w(0x20, 1); w(0x70, 11);
            w(0x30, 0); w(0x38, QSIZE);
            w(0x80, (int) DESC); w(0x90, (int) AVAIL); w(0x94, (int) (AVAIL >>> 32)); w(0xa0, (int) USED); w(0xa4, (int) (USED >>> 32));
            w(0x44, 1);
            assertEquals(1, r(0x44));
            assertEquals(0, r(0x70) & VirtioCore.STATUS_NEEDS_RESET);
        }
    }

    @Test
    void rngFillsWritableBuffersIncludingIndirect() {
        initDriver(new VirtioRng());
        desc(0, BUF, 64, 2, 0);
        submit(0);
        assertEquals(1, usedIdx());
        assertEquals(64, mem.read(USED + 8, 4));
        long nz = 0;
        for (int i = 0; i < 64; i += 8) nz |= mem.read(BUF + i, 8);
        assertNotEquals(0, nz);
        long table = BUF + 0x800;
        mem.write(table, 8, BUF + 0x100);
        mem.write(table + 8, 4, 32);
        mem.write(table + 12, 2, 2 | 1);
        mem.write(table + 14, 2, 1);
        mem.write(table + 16, 8, BUF + 0x200);
        mem.write(table + 24, 4, 32);
        mem.write(table + 28, 2, 2);
        desc(1, table, 32, 4, 0);
        submit(1);
        assertEquals(2, usedIdx());
        assertEquals(64, mem.read(USED + 16, 4));
    }

    @Test
    void emptySlotReportsDeviceIdZero() {
        VirtioMmio empty = new VirtioMmio("empty", mem, irq::set, null);
        assertEquals(0x74726976, empty.read(0, 4));
        assertEquals(0, empty.read(8, 4));
        empty.write(0x70, 4, 1);
        empty.write(0x50, 4, 0);
        assertEquals(0, empty.read(0x70, 4));
    }

    @Test
    void featuresNotOfferedAreRefused() {
        dev = new VirtioMmio("test", mem, irq::set, new VirtioRng());
        w(0x70, 3);
        w(0x24, 0); w(0x20, 1 << 30); // a feature the device does not offer
        w(0x24, 1); w(0x20, 1);
        w(0x70, 11);
        assertEquals(0, r(0x70) & 8);
    }
}
