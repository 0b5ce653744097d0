package org.jemu.block;

import org.jemu.block.file.FileNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class FileRawTest {
    @TempDir Path dir;

    @Test
    void rawCreateWriteReadAndHoles() throws Exception {
        Path img = dir.resolve("a.raw");
        BlockDrivers.create(img.toString(), "raw", 8 << 20, null);
        assertEquals(8 << 20, Files.size(img));
        try (BlockNode n = BlockDrivers.open(img.toString(), null, false, (org.jemu.util.QemuOpts) null)) {
            assertEquals("raw", n.formatName());
            ByteBuffer b = ByteBuffer.allocate(65536);
            for (int i = 0; i < b.capacity(); i++) b.put(i, (byte) (i * 7));
            n.write(1 << 20, b);
            n.flush();
            ByteBuffer r = ByteBuffer.allocate(65536);
            n.read(1 << 20, r);
            assertEquals(b.rewind(), r.flip());
            BlockStatus s0 = n.blockStatus(0, 8 << 20);
            assertTrue(s0.data(), "QEMU reports the first 4 KiB of a file as data");
            assertEquals(4096, s0.length());
            BlockStatus sh = n.blockStatus(4096, 8 << 20);
            assertFalse(sh.data(), "the rest of a sparse file is a hole");
            assertEquals((1 << 20) - 4096, sh.length());
            BlockStatus s1 = n.blockStatus(1 << 20, 8 << 20);
            assertTrue(s1.data());
            assertEquals(65536, s1.length());
            // past the last data: SEEK_DATA fails (ENXIO), the rest of the file is one hole
            BlockStatus tail = n.blockStatus((1 << 20) + 65536, 8 << 20);
            assertFalse(tail.data(), "the trailing hole");
            assertTrue(tail.zero());
            assertEquals((7 << 20) - 65536, tail.length());
            assertTrue(n.allocatedFileSize() >= 65536 + 4096, "st_blocks counts the written data: " + n.allocatedFileSize());
            assertTrue(n.allocatedFileSize() < 8 << 20, "the holes are not allocated: " + n.allocatedFileSize());
            n.discard(1 << 20, 65536);
            assertFalse(n.blockStatus(1 << 20, 65536).data(), "discard punched a hole");
            r.clear();
            n.read(1 << 20, r);
            assertEquals(ByteBuffer.allocate(65536), r.flip());
            assertThrows(BlockException.class, () -> n.write((8 << 20) - 10, ByteBuffer.allocate(20)));
        }
        try (FileNode f = FileNode.open(img, false, CacheMode.WRITEBACK)) {
            // a failing ftruncate reports errno's text (the errno-capturing path)
            BlockException e = assertThrows(BlockException.class, () -> f.truncate(-1));
            assertEquals("Could not resize file: Invalid argument", e.getMessage());
            f.truncate(16 << 20);
            assertEquals(16 << 20, Files.size(img));
        }
        // the side descriptor is opened on first need, by name: a file renamed over the path in between
        // is not taken for the node's file (its holes and size are not reported as ours)
        Path other = dir.resolve("other.raw");
        try (FileNode f = FileNode.open(img, true, CacheMode.WRITEBACK)) {
            FileNode.create(other, 32 << 20);
            Files.move(other, img, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            assertEquals(-1, f.allocatedFileSize(), "no side descriptor on another file");
            assertTrue(f.blockStatus(4 << 20, 4096).data(), "without it everything is data");
        }
        try (FileNode f = FileNode.open(img, true, CacheMode.WRITEBACK)) {
            assertFalse(f.blockStatus(4 << 20, 4096).data(), "the replacing file's own hole");
        }
    }

    @Test
    void cacheModesAndErrors() throws Exception {
        Path img = dir.resolve("b.raw");
        FileNode.create(img, 1 << 20);
        for (CacheMode m : CacheMode.values()) {
            BlockNode n;
            try {
                n = BlockDrivers.open(img.toString(), "raw", false, new BlockDrivers.Options(m, true, false));
            } catch (BlockException e) { // O_DIRECT unsupported on this file system (tmpfs)
                assertTrue(m.direct, e.getMessage());
                continue;
            }
            try (n) {
                ByteBuffer w = ByteBuffer.wrap("hello".getBytes());
                n.write(1000 + m.ordinal(), w);
                n.flush();
                ByteBuffer r = ByteBuffer.allocate(5);
                n.read(1000 + m.ordinal(), r);
                assertEquals("hello", new String(r.array()));
            }
        }
        assertEquals(1 << 20, Files.size(img));
        BlockException e = assertThrows(BlockException.class, () -> BlockDrivers.open(dir.resolve("nope").toString(), null, true, (org.jemu.util.QemuOpts) null));
        assertTrue(e.getMessage().contains("No such file or directory"), e.getMessage());
        e = assertThrows(BlockException.class, () -> BlockDrivers.open(img.toString(), "bogus", true, (org.jemu.util.QemuOpts) null));
        assertEquals("Unknown driver 'bogus'", e.getMessage());
        assertThrows(BlockException.class, () -> CacheMode.parse("fast"));
    }

    /**
     * convert's target (prepareBulkWrites): large writes allocate their range first (fallocate on ext4
     * and XFS). The file must come out as the writes alone make it: content, length, holes where nothing
     * was written, no more allocated than without it.
     */
    @Test
    void bulkWritesAllocateOnlyWhatTheyWrite() throws Exception {
        FileNode.preloadNative();
        long[] alloc = new long[2];
        for (int bulk = 0; bulk < 2; bulk++) {
            Path img = dir.resolve("bulk" + bulk + ".raw");
            FileNode.create(img, 0);
            ByteBuffer big = ByteBuffer.allocateDirect(2 << 20);
            for (int i = 0; i < big.capacity(); i++) big.put(i, (byte) (i * 31 + 7));
            try (FileNode f = FileNode.open(img, false, CacheMode.UNSAFE)) {
                if (bulk == 1) f.prepareBulkWrites();
                f.write(4L << 20, big.clear());                       // past the end: extends the file
                f.write(1L << 20, big.clear().limit(1 << 20));        // inside, into a hole
                f.write(12L << 20, ByteBuffer.allocate(4096));        // small: written as it is
                assertEquals((12L << 20) + 4096, f.size());
                assertEquals((12L << 20) + 4096, Files.size(img));
                ByteBuffer r = ByteBuffer.allocate(2 << 20);
                f.read(4L << 20, r);
                assertEquals(big.clear(), r.flip());
                assertFalse(f.blockStatus(2L << 20, 2L << 20).data(), "the gap between the writes stays a hole");
                assertEquals(2L << 20, f.blockStatus(2L << 20, 16L << 20).length());
                assertTrue(f.blockStatus(4L << 20, 2L << 20).data());
                assertFalse(f.blockStatus(6L << 20, 1L << 20).data(), "nothing allocated past a write");
                f.flush();
                alloc[bulk] = f.allocatedFileSize();
            }
        }
        assertEquals(alloc[0], alloc[1], "allocated bytes with and without prepareBulkWrites");
    }
}
