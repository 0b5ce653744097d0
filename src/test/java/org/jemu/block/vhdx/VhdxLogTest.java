package org.jemu.block.vhdx;

import org.jemu.block.BlockException;
import org.jemu.block.BlockNode;
import org.jemu.block.fmttest.Images;
import org.jemu.block.fmttest.TestContext;
import org.jemu.testutil.Jemu;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * VHDX log replay: images with a log written the way a crashed writer leaves it are replayed on a
 * read-write open exactly as qemu-img replays them ({@code qemu-img check -r all}); read-only opens are
 * refused; logs that lie are refused with a message naming the problem; torn entries are ignored.
 */
@Timeout(120)
class VhdxLogTest {
    static final long MiB = 1 << 20;
    static final long BLOCK = MiB;

    record Img(Path path, long batOffset, long logOffset, long logLength, long block0) {}

    /** A dynamic 4 MiB vhdx (1 MiB blocks) with block 0 allocated and filled with 0x11. */
    static Img base(Path dir, String name) throws Exception {
        Path p = dir.resolve(name);
        VhdxDriver d = new VhdxDriver();
        Images.createWith(d, p, 4 * MiB, "block_size=1M");
        try (BlockNode n = TestContext.open(d, p, false)) {
            byte[] b = new byte[(int) BLOCK];
            Arrays.fill(b, (byte) 0x11);
            n.write(0, ByteBuffer.wrap(b));
        }
        long bat = VhdxDriver.MiB * 2, log = MiB;
        long e0 = readLong(p, bat);
        return new Img(p, bat, log, MiB, (e0 >>> 20) * MiB);
    }

    static long readLong(Path p, long off) throws IOException {
        try (FileChannel ch = FileChannel.open(p)) {
            ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(b, off);
            return b.getLong(0);
        }
    }

    static byte[] sector(int fill, long seqMark) {
        byte[] s = new byte[4096];
        Arrays.fill(s, (byte) fill);
        s[0] = (byte) seqMark; // make leading bytes distinctive
        s[4095] = (byte) (fill + 1);
        return s;
    }

    /** Puts {@code entries} in the log (back to back from log offset 0) and a log GUID in both headers. */
    static void installLog(Img img, UUID guid, byte[]... entries) throws IOException {
        try (FileChannel ch = FileChannel.open(img.path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long pos = img.logOffset;
            for (byte[] e : entries) { ch.write(ByteBuffer.wrap(e), pos); pos += e.length; }
            byte[] raw = new byte[VhdxHeader.SIZE];
            ch.read(ByteBuffer.wrap(raw), VhdxHeader.OFFSET_1);
            VhdxHeader h1 = VhdxHeader.decode(raw);
            ch.read(ByteBuffer.wrap(raw), VhdxHeader.OFFSET_2);
            VhdxHeader h2 = VhdxHeader.decode(raw);
            VhdxHeader h = Long.compareUnsigned(h1.sequenceNumber, h2.sequenceNumber) >= 0 ? h1 : h2;
            h.logGuid = guid;
            h.sequenceNumber++;
            ch.write(h.encode(), VhdxHeader.OFFSET_1);
            h.sequenceNumber++;
            ch.write(h.encode(), VhdxHeader.OFFSET_2);
        }
    }

    /**
     * Two entries: data into block 0, a zero run, and a BAT update allocating block 2 past the end of
     * the file with data in its last sector (QEMU's replay does not grow the file to LastFileOffset, so
     * the logged data reaches the block's end to keep both replays comparable).
     */
    static byte[][] goodLog(Img img, UUID guid) throws IOException {
        long fileSize = Files.size(img.path);
        long newBlock = (fileSize + MiB - 1) / MiB * MiB + MiB; // beyond the current end: replay must extend the file
        byte[] batSector = new byte[4096];
        try (FileChannel ch = FileChannel.open(img.path)) { ch.read(ByteBuffer.wrap(batSector), img.batOffset); }
        ByteBuffer bs = ByteBuffer.wrap(batSector).order(ByteOrder.LITTLE_ENDIAN);
        bs.putLong(2 * 8, (newBlock / MiB) << 20 | VhdxNode.PAYLOAD_BLOCK_FULLY_PRESENT);
        byte[] e1 = VhdxLog.buildEntry(guid, 41, 0, fileSize, fileSize, List.of(
                new VhdxLog.Descriptor(img.block0 + 8192, 4096, sector(0x22, 1)),
                new VhdxLog.Descriptor(img.block0 + 65536, 16384, null)));
        byte[] e2 = VhdxLog.buildEntry(guid, 42, 0, fileSize, newBlock + BLOCK, List.of(
                new VhdxLog.Descriptor(img.batOffset, 4096, batSector),
                new VhdxLog.Descriptor(newBlock + BLOCK - 4096, 4096, sector(0x33, 2))));
        return new byte[][]{e1, e2};
    }

    static byte[] expected() {
        byte[] d = new byte[(int) (4 * MiB)];
        Arrays.fill(d, 0, (int) BLOCK, (byte) 0x11);
        System.arraycopy(sector(0x22, 1), 0, d, 8192, 4096);
        Arrays.fill(d, 65536, 65536 + 16384, (byte) 0);
        System.arraycopy(sector(0x33, 2), 0, d, (int) (3 * BLOCK - 4096), 4096);
        return d;
    }

    @Test
    void replayMatchesQemu(@TempDir Path dir) throws Exception {
        Img img = base(dir, "j.vhdx");
        UUID guid = UUID.randomUUID();
        installLog(img, guid, goodLog(img, guid));
        Path q = dir.resolve("q.vhdx");
        Files.copy(img.path, q);
        if (System.getenv("VHDX_DEBUG") != null) { Files.copy(img.path, Path.of(System.getenv("VHDX_DEBUG"), "pre.vhdx"), java.nio.file.StandardCopyOption.REPLACE_EXISTING); }

        // read-only: refused as QEMU refuses it
        BlockException ro = assertThrows(BlockException.class, () -> TestContext.open(new VhdxDriver(), img.path, true).close());
        assertTrue(ro.getMessage().contains("needs to be replayed"), ro.getMessage());
        Jemu.Result qi = Images.qemuImg(dir, "info", "-f", "vhdx", q.toString());
        assertTrue(qi.exit() != 0 && qi.stderr().contains("replay"), "qemu-img refuses it too: " + qi);

        try (BlockNode n = TestContext.open(new VhdxDriver(), img.path, false)) {
            assertEquals(2, ((VhdxNode) n).replayedLogEntries());
            Images.assertSame(expected(), Images.readAll(n), "replayed image");
        }
        // reopened read-only: the log is gone
        try (BlockNode n = TestContext.open(new VhdxDriver(), img.path, true)) {
            Images.assertSame(expected(), Images.readAll(n), "replayed image, reopened");
        }
        Images.qemuImgOk(dir, "check", "-r", "all", "-f", "vhdx", q.toString());
        Jemu.Result cmp = Images.qemuImg(dir, "compare", "-f", "vhdx", "-F", "vhdx", img.path.toString(), q.toString());
        assertEquals(0, cmp.exit(), "jemu's replay equals qemu-img's: " + cmp);
        Images.qemuImgOk(dir, "check", "-f", "vhdx", img.path.toString());
    }

    @Test
    void jemuImgCheckRepairsLikeQemuImg(@TempDir Path dir) throws Exception {
        Img img = base(dir, "c.vhdx");
        UUID guid = UUID.randomUUID();
        installLog(img, guid, goodLog(img, guid));
        Path q = dir.resolve("cq.vhdx");
        Files.copy(img.path, q);
        org.jemu.block.fmttest.CliTest.Out info = org.jemu.block.fmttest.CliTest.jemuImg("info", img.path.toString());
        assertTrue(info.rc() != 0 && info.err().contains("needs to be replayed"), info.toString());
        org.jemu.block.fmttest.CliTest.Out ours = org.jemu.block.fmttest.CliTest.jemuImg("check", "-r", "all", img.path.toString());
        Jemu.Result theirs = Images.qemuImg(dir, "check", "-r", "all", q.toString());
        assertEquals(theirs.exit(), ours.rc(), ours + " vs " + theirs);
        assertEquals(theirs.stdout(), ours.out());
        assertEquals(0, Images.qemuImg(dir, "compare", img.path.toString(), q.toString()).exit());
    }

    /** Our own writer logs its BAT updates: a crash after the log write is repaired by replay (ours and qemu-img's). */
    @Test
    void ownLogSurvivesCrash(@TempDir Path dir) throws Exception {
        Path p = dir.resolve("own.vhdx");
        VhdxDriver d = new VhdxDriver();
        Images.createWith(d, p, 8 * MiB, "block_size=1M");
        byte[] exp = new byte[(int) (8 * MiB)];
        VhdxNode n = (VhdxNode) TestContext.open(d, p, false);
        byte[] a = new byte[300_000];
        Arrays.fill(a, (byte) 0x61);
        n.write(3 * MiB - 1000, ByteBuffer.wrap(a));
        System.arraycopy(a, 0, exp, (int) (3 * MiB - 1000), a.length);
        n.flush();                    // logged and applied
        byte[] b = new byte[5000];
        Arrays.fill(b, (byte) 0x62);
        n.write(6 * MiB + 10, ByteBuffer.wrap(b));
        System.arraycopy(b, 0, exp, (int) (6 * MiB + 10), b.length);
        n.crashAfterLogWrite = true;
        assertThrows(BlockException.class, n::flush);
        n.close();                    // the process "dies": BAT of block 6 only in the log
        Path q = dir.resolve("own-q.vhdx");
        Files.copy(p, q);
        assertThrows(BlockException.class, () -> TestContext.open(d, p, true).close(), "needs replay");
        try (BlockNode r = TestContext.open(d, p, false)) {
            assertEquals(1, ((VhdxNode) r).replayedLogEntries());
            Images.assertSame(exp, Images.readAll(r), "after replay of our own log");
        }
        Images.qemuImgOk(dir, "check", "-r", "all", q.toString());
        assertEquals(0, Images.qemuImg(dir, "compare", p.toString(), q.toString()).exit());
        assertEquals(0, Images.qemuImg(dir, "compare", "-F", "raw", q.toString(), Images.writeRaw(dir, "own.raw", exp).toString()).exit());
        assertTrue(Images.qemuImgOk(dir, "check", p.toString()).stdout().contains("No errors"));
    }

    @Test
    void tornEntryIsIgnored(@TempDir Path dir) throws Exception {
        Img img = base(dir, "t.vhdx");
        UUID guid = UUID.randomUUID();
        byte[][] log = goodLog(img, guid);
        log[1][200] ^= 1; // second entry torn: checksum fails, only the first replays
        installLog(img, guid, log);
        try (BlockNode n = TestContext.open(new VhdxDriver(), img.path, false)) {
            assertEquals(1, ((VhdxNode) n).replayedLogEntries());
            byte[] exp = expected();
            Arrays.fill(exp, (int) (2 * BLOCK), (int) (3 * BLOCK), (byte) 0);
            Images.assertSame(exp, Images.readAll(n), "image after the first entry only");
        }
    }

    @Test
    void otherLogGuidIsStale(@TempDir Path dir) throws Exception {
        Img img = base(dir, "s.vhdx");
        UUID guid = UUID.randomUUID();
        byte[][] log = goodLog(img, UUID.randomUUID());
        installLog(img, guid, log);
        try (BlockNode n = TestContext.open(new VhdxDriver(), img.path, false)) {
            assertEquals(0, ((VhdxNode) n).replayedLogEntries());
            byte[] d = new byte[(int) BLOCK];
            n.read(0, ByteBuffer.wrap(d));
            for (byte b : d) assertEquals(0x11, b);
        }
    }

    static void assertRefused(Img img, String needle) {
        BlockException e = assertThrows(BlockException.class, () -> TestContext.open(new VhdxDriver(), img.path, false).close());
        assertTrue(e.getMessage().contains(needle), e.getMessage());
    }

    @Test
    void lyingDataSectorRefused(@TempDir Path dir) throws Exception {
        Img img = base(dir, "l.vhdx");
        UUID guid = UUID.randomUUID();
        byte[][] log = goodLog(img, guid);
        // the data sector claims another sequence; the checksum is made to match the lie
        ByteBuffer e = ByteBuffer.wrap(log[0]).order(ByteOrder.LITTLE_ENDIAN);
        e.putInt(4096 + 4092, 7);
        rechecksum(log[0]);
        installLog(img, guid, log);
        assertRefused(img, "data sector");
    }

    @Test
    void lyingTailRefused(@TempDir Path dir) throws Exception {
        Img img = base(dir, "tail.vhdx");
        UUID guid = UUID.randomUUID();
        byte[][] log = goodLog(img, guid);
        ByteBuffer.wrap(log[1]).order(ByteOrder.LITTLE_ENDIAN).putInt(12, 512 * 1024);
        rechecksum(log[1]);
        installLog(img, guid, log);
        assertRefused(img, "tail");
    }

    @Test
    void logOverwritingHeadersRefused(@TempDir Path dir) throws Exception {
        Img img = base(dir, "h.vhdx");
        UUID guid = UUID.randomUUID();
        byte[] e = VhdxLog.buildEntry(guid, 5, 0, Files.size(img.path), Files.size(img.path),
                List.of(new VhdxLog.Descriptor(VhdxHeader.OFFSET_1, 4096, sector(0x44, 3))));
        installLog(img, guid, e);
        assertRefused(img, "overwrite");
    }

    @Test
    void truncatedFileRefused(@TempDir Path dir) throws Exception {
        Img img = base(dir, "f.vhdx");
        UUID guid = UUID.randomUUID();
        byte[] e = VhdxLog.buildEntry(guid, 5, 0, Files.size(img.path) + 64 * MiB, Files.size(img.path) + 64 * MiB,
                List.of(new VhdxLog.Descriptor(img.block0, 4096, sector(0x44, 3))));
        installLog(img, guid, e);
        assertRefused(img, "truncated");
    }

    static void rechecksum(byte[] entry) {
        ByteBuffer b = ByteBuffer.wrap(entry).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(4, 0);
        java.util.zip.CRC32C c = new java.util.zip.CRC32C();
        c.update(entry);
        b.putInt(4, (int) c.getValue());
    }
}
