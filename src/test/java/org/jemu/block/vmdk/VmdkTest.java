package org.jemu.block.vmdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.jemu.block.BlockException;
import org.jemu.block.BlockNode;
import org.jemu.block.BlockStatus;
import org.jemu.block.fmttest.Images;
import org.jemu.block.fmttest.TestContext;
import org.jemu.testutil.Jemu;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** VMDK specifics: parents, multi-extent split images, footers, zeroed grains, descriptor validation. */
@Timeout(120)
class VmdkTest {
    static final long M = 1 << 20;
    final VmdkDriver drv = new VmdkDriver();

    static JsonNode qinfo(Path dir, Path img) throws Exception {
        return new ObjectMapper().readTree(Images.qemuImgOk(dir, "info", "--output=json", img.toString()).stdout());
    }

    @Test
    void childOverQemuParent(@TempDir Path dir) throws Exception {
        byte[] base = Images.pattern(4 * M, 1);
        Images.qemuImgOk(dir, "convert", "-f", "raw", "-O", "vmdk", Images.writeRaw(dir, "base.raw", base).toString(), "base.vmdk");
        Path child = dir.resolve("child.vmdk");
        Images.createWith(drv, child, 0, "backing_file=base.vmdk,backing_fmt=vmdk");
        byte[] exp = base.clone();
        try (BlockNode n = TestContext.open(drv, child, false)) {
            assertEquals(4 * M, n.size(), "size taken from the parent");
            assertEquals("base.vmdk", n.backingFilename());
            // a partial grain write must copy the rest of the grain from the parent
            byte[] d = new byte[1000];
            Arrays.fill(d, (byte) 0x77);
            n.write(1 * M + 300, ByteBuffer.wrap(d));
            System.arraycopy(d, 0, exp, (int) M + 300, d.length);
            Images.assertSame(exp, Images.readAll(n), "child read");
            BlockStatus s = n.blockStatus(2 * M, 64 * 1024);
            assertTrue(!s.allocated(), "unwritten range comes from the parent");
        }
        JsonNode ci = qinfo(dir, child), bi = qinfo(dir, dir.resolve("base.vmdk"));
        assertEquals(bi.at("/format-specific/data/cid").asLong(), ci.at("/format-specific/data/parent-cid").asLong(), "parentCID = parent's CID");
        assertEquals("base.vmdk", ci.get("backing-filename").asText());
        Path expRaw = Images.writeRaw(dir, "exp.raw", exp);
        assertEquals(0, Images.qemuImg(dir, "compare", "-F", "raw", child.toString(), expRaw.toString()).exit());
        // and the reverse: qemu's child over jemu's parent
        Images.qemuImgOk(dir, "create", "-f", "vmdk", "-b", "child.vmdk", "-F", "vmdk", "grandchild.vmdk");
        Images.qemuImgOk(dir, "info", dir.resolve("grandchild.vmdk").toString());
        try (BlockNode n = TestContext.open(drv, dir.resolve("grandchild.vmdk"), true)) {
            Images.assertSame(exp, Images.readAll(n), "grandchild read");
            BlockStatus s = n.blockStatus(1 * M, 64 * 1024);
            assertEquals(1, s.depth(), "data of the child is one level down");
        }
    }

    @Test
    void cidChangesOnFirstWrite(@TempDir Path dir) throws Exception {
        Path p = dir.resolve("c.vmdk");
        Images.createWith(drv, p, 2 * M, "");
        long before = qinfo(dir, p).at("/format-specific/data/cid").asLong();
        try (BlockNode n = TestContext.open(drv, p, false)) {
            n.write(0, ByteBuffer.wrap(new byte[512]));
        }
        long after = qinfo(dir, p).at("/format-specific/data/cid").asLong();
        assertNotEquals(before, after);
        assertTrue(Images.qemuImgOk(dir, "check", p.toString()).stdout().contains("No errors"));
    }

    @Test
    void splitImagesAcrossExtents(@TempDir Path dir) throws Exception {
        for (String sub : new String[]{"twoGbMaxExtentSparse", "twoGbMaxExtentFlat"}) {
            long size = (4L << 30) + 3 * M;
            Path p = dir.resolve(sub + ".vmdk");
            Images.createWith(drv, p, size, "subformat=" + sub);
            Path raw = dir.resolve(sub + ".raw");
            long[] at = {0, (2L << 30) - 700, (4L << 30) - 5000, size - 4096};
            try (BlockNode n = TestContext.open(drv, p, false); RandomAccessFile rf = new RandomAccessFile(raw.toFile(), "rw")) {
                assertEquals(size, n.size());
                rf.setLength(size);
                for (int i = 0; i < at.length; i++) {
                    byte[] d = new byte[(int) Math.min(9000, size - at[i])];
                    Arrays.fill(d, (byte) (0x31 + i));
                    n.write(at[i], ByteBuffer.wrap(d));
                    rf.seek(at[i]);
                    rf.write(d);
                }
                byte[] back = new byte[9000];
                n.read(at[1], ByteBuffer.wrap(back));
                for (byte b : back) assertEquals(0x32, b);
            }
            Jemu.Result cmp = Images.qemuImg(dir, "compare", "-F", "raw", p.toString(), raw.toString());
            assertEquals(0, cmp.exit(), sub + ": " + cmp);
            assertEquals(3, qinfo(dir, p).at("/format-specific/data/extents").size());
            if (sub.endsWith("Sparse")) assertTrue(Images.qemuImgOk(dir, "check", p.toString()).stdout().contains("No errors"));
            Files.delete(raw);
        }
    }

    /** VMware writes streamOptimized images with the grain directory at the end, behind a footer. */
    @Test
    void streamOptimizedWithFooter(@TempDir Path dir) throws Exception {
        byte[] src = Images.pattern(3 * M, 8);
        Path s = dir.resolve("s.vmdk");
        Images.qemuImgOk(dir, "convert", "-f", "raw", "-O", "vmdk", "-o", "subformat=streamOptimized",
                Images.writeRaw(dir, "s.raw", src).toString(), s.toString());
        try (FileChannel ch = FileChannel.open(s, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer hb = ByteBuffer.allocate(512);
            ch.read(hb, 0);
            long end = (ch.size() + 511) & ~511L;
            ByteBuffer marker = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN).putInt(12, SparseExtent.MARKER_FOOTER);
            ch.write(marker, end);
            ch.write(hb.duplicate().clear(), end + 512);
            ch.write(ByteBuffer.allocate(512), end + 1024); // EOS
            hb.order(ByteOrder.LITTLE_ENDIAN).putLong(56, SparseExtentHeader.GD_AT_END);
            ch.write(hb.clear(), 0);
        }
        Jemu.Result cmp = Images.qemuImg(dir, "compare", "-f", "vmdk", "-F", "raw", s.toString(), dir.resolve("s.raw").toString());
        assertEquals(0, cmp.exit(), "qemu-img reads the footer form: " + cmp);
        try (BlockNode n = TestContext.open(drv, s, true)) {
            Images.assertSame(src, Images.readAll(n), "footer form");
        }
        try (BlockNode n = TestContext.open(drv, s, false)) {
            BlockException e = assertThrows(BlockException.class, () -> n.write(0, ByteBuffer.wrap(new byte[512])));
            assertTrue(e.getMessage().contains("grain directory at the end"), e.getMessage());
        }
    }

    @Test
    void streamOptimizedGrainsAreWrittenOnce(@TempDir Path dir) throws Exception {
        Path p = dir.resolve("so.vmdk");
        Images.createWith(drv, p, 2 * M, "subformat=streamOptimized");
        try (BlockNode n = TestContext.open(drv, p, false)) {
            n.write(0, ByteBuffer.wrap(new byte[64 * 1024]));
            n.write(128 * 1024, ByteBuffer.wrap(new byte[4096])); // partial grain: completed with zeroes
            BlockException e = assertThrows(BlockException.class, () -> n.write(0, ByteBuffer.wrap(new byte[512])));
            assertTrue(e.getMessage().contains("allocated grain"), e.getMessage());
        }
        assertTrue(Images.qemuImgOk(dir, "check", p.toString()).stdout().contains("No errors"));
    }

    @Test
    void zeroedGrains(@TempDir Path dir) throws Exception {
        Path p = dir.resolve("z.vmdk");
        Images.createWith(drv, p, 4 * M, "zeroed_grain=on");
        byte[] exp = new byte[(int) (4 * M)];
        Arrays.fill(exp, (byte) 0x5a);
        try (BlockNode n = TestContext.open(drv, p, false)) {
            n.write(0, ByteBuffer.wrap(exp));
            long sizeBefore = Files.size(p);
            n.writeZeroes(100_000, 1_500_000);
            Arrays.fill(exp, 100_000, 1_600_000, (byte) 0);
            assertEquals(sizeBefore, Files.size(p), "whole grains are zeroed through the grain table, not written");
            BlockStatus s = n.blockStatus(131072, 65536);
            assertTrue(s.zero() && s.allocated());
            Images.assertSame(exp, Images.readAll(n), "after writeZeroes");
        }
        Path raw = Images.writeRaw(dir, "z.raw", exp);
        assertEquals(0, Images.qemuImg(dir, "compare", "-F", "raw", p.toString(), raw.toString()).exit());
    }

    static String descriptor(String createType, String extents) {
        return "# Disk DescriptorFile\nversion=1\nCID=12345678\nparentCID=ffffffff\ncreateType=\"" + createType + "\"\n\n# Extent description\n"
                + extents + "\n\n# The Disk Data Base\n#DDB\n\nddb.adapterType = \"ide\"\n";
    }

    void refused(Path dir, String text, String needle) throws Exception {
        Path p = dir.resolve("d.vmdk");
        Files.writeString(p, text);
        BlockException e = assertThrows(BlockException.class, () -> TestContext.open(drv, p, true).close());
        assertTrue(e.getMessage().contains(needle), "expected '" + needle + "' in: " + e.getMessage());
    }

    @Test
    void badDescriptorsAreRefused(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("f.img"), new byte[4096]);
        refused(dir, descriptor("monolithicFlat", "RW 8 FLAT \"missing.img\" 0"), "No such file");
        refused(dir, descriptor("monolithicFlat", "RW x FLAT \"f.img\" 0"), "Invalid extent line");
        refused(dir, descriptor("monolithicFlat", "RW 8 FLAT \"f.img\""), "needs an offset");
        refused(dir, descriptor("monolithicFlat", "RW 99999999999999999 FLAT \"f.img\" 0"), "Invalid extent size");
        refused(dir, descriptor("monolithicFlat", "RW 8 FLAT \"f.img\" 0\nRW 18014398509481983 FLAT \"f.img\" 0"), "absurd");
        refused(dir, descriptor("monolithicFlat", "RW 8 SESPARSE \"f.img\""), "Unsupported extent type");
        refused(dir, descriptor("custom", "RW 8 FLAT \"f.img\" 0"), "Unsupported image type");
        refused(dir, descriptor("monolithicFlat", ""), "no extents");
        refused(dir, descriptor("twoGbMaxExtentSparse", "RW 8 SPARSE \"f.img\""), "not a hosted sparse extent");
        refused(dir, descriptor("monolithicFlat", "RW 8 FLAT \"f.img 0"), "Invalid extent line");
        refused(dir, "# Disk DescriptorFile\nversion=1\nCID=zz\ncreateType=\"monolithicFlat\"\n", "CID");
        // a sparse extent described as larger than its capacity
        Path s = dir.resolve("small.vmdk");
        Images.createWith(drv, s, M, "");
        refused(dir, descriptor("twoGbMaxExtentSparse", "RW 4096 SPARSE \"small.vmdk\""), "capacity");
        // and a good one with a ZERO extent in the middle reads
        Path p = dir.resolve("ok.vmdk");
        Files.writeString(p, descriptor("monolithicFlat", "RW 8 FLAT \"f.img\" 0\nRW 8 ZERO\nRW 8 FLAT \"f.img\" 0"));
        try (BlockNode n = TestContext.open(drv, p, true)) {
            assertEquals(24 * 512, n.size());
        }
    }

    @Test
    void hostileSparseHeaders(@TempDir Path dir) throws Exception {
        Path p = dir.resolve("h.vmdk");
        Images.createWith(drv, p, 8 * M, "");
        byte[] good = Files.readAllBytes(p);
        Object[][] cases = {
                {12, Long.MAX_VALUE, "capacity"},          // capacity
                {20, 3L, "grainSize"},                      // grain size not a power of two
                {20, 1L << 40, "grainSize"},
                {44, 4096L, "numGTEsPerGT"},
                {56, 1L << 40, "grain directory"},          // gdOffset outside the file
                {4, 9L, "version"},
        };
        for (Object[] c : cases) {
            byte[] b = good.clone();
            ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
            if ((Integer) c[0] == 44 || (Integer) c[0] == 4) bb.putInt((Integer) c[0], (int) (long) (Long) c[1]);
            else bb.putLong((Integer) c[0], (Long) c[1]);
            Files.write(p, b);
            BlockException e = assertThrows(BlockException.class, () -> TestContext.open(drv, p, true).close());
            assertTrue(e.getMessage().contains((String) c[2]), "expected '" + c[2] + "' in: " + e.getMessage());
        }
        // a grain table entry pointing far beyond the end of the file
        byte[] b = good.clone();
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        long gd = bb.getLong(56);
        int gt = bb.getInt((int) (gd * 512));
        bb.putInt(gt * 512 + 8, 0x7fffffff);
        Files.write(p, b);
        try (BlockNode n = TestContext.open(drv, p, true)) {
            BlockException e = assertThrows(BlockException.class, () -> n.read(0, ByteBuffer.allocate(4096)));
            assertTrue(e.getMessage().contains("beyond the end of the file"), e.getMessage());
        }
        // truncated file
        Files.write(p, Arrays.copyOf(good, 300));
        assertThrows(BlockException.class, () -> TestContext.open(drv, p, true).close());
    }
}
