package org.jemu.block.fmttest;

import org.jemu.block.BlockDriver;
import org.jemu.block.BlockException;
import org.jemu.block.vdi.VdiDriver;
import org.jemu.block.vhdx.VhdxDriver;
import org.jemu.block.vpc.VpcDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hand-made hostile vdi/vpc/vhdx images: each refused with a message naming the problem (vmdk: VmdkTest). */
@Timeout(60)
class HostileTest {
    static byte[] made(Path dir, BlockDriver d, String opts, long size, boolean withData) throws Exception {
        Path p = dir.resolve("h." + d.name());
        Images.createWith(d, p, size, opts);
        if (withData) {
            try (var n = TestContext.open(d, p, false)) {
                byte[] b = new byte[(int) size];
                Arrays.fill(b, (byte) 7);
                n.write(0, ByteBuffer.wrap(b));
            }
        }
        return Files.readAllBytes(p);
    }

    static void refused(BlockDriver d, byte[] img, Consumer<ByteBuffer> damage, String needle) {
        byte[] m = img.clone();
        damage.accept(ByteBuffer.wrap(m));
        BlockException e = assertThrows(BlockException.class,
                () -> d.open(new MemFile(m, true), MemFile.context(Path.of("h"), true, Map.of())).close());
        assertTrue(e.getMessage().contains(needle), "expected '" + needle + "' in: " + e.getMessage());
    }

    static Consumer<ByteBuffer> le32(int off, int v) { return b -> b.order(ByteOrder.LITTLE_ENDIAN).putInt(off, v); }
    static Consumer<ByteBuffer> le64(int off, long v) { return b -> b.order(ByteOrder.LITTLE_ENDIAN).putLong(off, v); }
    static Consumer<ByteBuffer> be32(int off, int v) { return b -> b.order(ByteOrder.BIG_ENDIAN).putInt(off, v); }
    static Consumer<ByteBuffer> be64(int off, long v) { return b -> b.order(ByteOrder.BIG_ENDIAN).putLong(off, v); }

    @Test
    void vdi(@TempDir Path dir) throws Exception {
        VdiDriver d = new VdiDriver();
        byte[] img = made(dir, d, "", 3 << 20, true);
        refused(d, Arrays.copyOf(img, 100), b -> {}, "truncated");
        refused(d, img, le32(0x40, 0x12345678), "bad signature");
        refused(d, img, le32(0x44, 0x00020000), "version");
        refused(d, img, le32(0x178, 4096), "block size");
        refused(d, img, le64(0x170, Long.MAX_VALUE), "size");
        refused(d, img, le64(0x170, 5L << 20), "room for");
        refused(d, img, le32(0x180, 0x7fffffff), "block");
        refused(d, img, le32(0x154, 0x7ffffe00), "block map");
        refused(d, img, le32(0x200, 2000), "beyond the");
        refused(d, img, le32(0x1a8, 1), "link UUID");
        refused(d, Arrays.copyOf(img, 0x400 + (1 << 20)), b -> {}, "truncated image");
    }

    @Test
    void vpc(@TempDir Path dir) throws Exception {
        VpcDriver d = new VpcDriver();
        byte[] img = made(dir, d, "", 5 << 20, true);
        int foot = img.length - 512;
        refused(d, Arrays.copyOf(img, 100), b -> {}, "truncated");
        refused(d, img, b -> { b.put(0, (byte) 'x'); b.put(foot, (byte) 'x'); }, "invalid VPC image");
        refused(d, img, be32(60, 4), "differencing");
        refused(d, img, be32(60, 9), "disk type");
        refused(d, img, be64(16, 1L << 50), "Dynamic Disk Header");
        refused(d, img, b -> b.put(512, (byte) 'X'), "cxsparse");
        refused(d, img, be32(512 + 32, 3000), "block size");
        refused(d, img, be32(512 + 28, 0x7fffffff), "Max Table Entries");
        refused(d, img, be32(512 + 28, 1), "too small");
        refused(d, img, be64(512 + 16, 1L << 40), "outside the file");
        refused(d, img, be32(1536, 0x100000), "truncated");
        refused(d, img, be32(1536, 1), "metadata");
        byte[] fixed = made(dir, d, "subformat=fixed", 2 << 20, false);
        refused(d, Arrays.copyOfRange(fixed, 1 << 20, fixed.length), b -> {}, "truncated");
    }

    @Test
    void vhdx(@TempDir Path dir) throws Exception {
        VhdxDriver d = new VhdxDriver();
        byte[] img = made(dir, d, "block_size=1M", 3 << 20, true);
        int h1 = 64 * 1024, h2 = 128 * 1024, rt = 192 * 1024, rt2 = 256 * 1024, meta = 3 << 20, bat = 2 << 20;
        refused(d, Arrays.copyOf(img, 4096), b -> {}, "truncated");
        refused(d, img, b -> b.put(0, (byte) 'X'), "vhdxfile");
        refused(d, img, b -> { b.put(h1 + 20, (byte) 1); b.put(h2 + 20, (byte) 1); }, "no valid VHDX header");
        refused(d, img, b -> { b.put(rt + 100, (byte) 1); b.put(rt2 + 100, (byte) 1); }, "region table");
        refused(d, img, b -> b.put(meta, (byte) 'X'), "metadata");
        refused(d, img, le32(meta + 64 * 1024, 3000), "block size");          // file parameters: block size
        refused(d, img, le32(meta + 64 * 1024 + 4, 2), "differencing");       // HasParent
        refused(d, img, le64(meta + 64 * 1024 + 8, 1L << 50), "64 TiB");      // virtual disk size
        refused(d, img, le64(meta + 64 * 1024 + 8, 1L << 40), "too small");   // BAT cannot hold it
        refused(d, img, le32(meta + 64 * 1024 + 32, 1000), "logical sector size");
        refused(d, img, le32(meta + 32 + 20, 1 << 30), "outside the metadata region");
        refused(d, img, le64(bat, (4000L << 20) | 6), "after the end of the file");
        refused(d, img, le64(bat, (2L << 20) | 6), "overlaps");
        refused(d, img, le64(bat, 7), "PARTIALLY_PRESENT");
        refused(d, img, le64(bat, 5), "invalid state");
    }
}
