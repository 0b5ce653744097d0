package org.jemu.block.qcow2;

import org.jemu.block.BlockDrivers;
import org.jemu.block.BlockException;
import org.jemu.block.BlockNode;
import org.jemu.block.BlockStatus;
import org.jemu.testutil.Jemu;
import org.jemu.testutil.Need;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Random;

import static org.jemu.block.qcow2.ImgTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Hostile images: real qcow2 images (plain, compressed, with a snapshot, extended L2) with their
 * header, header extensions, L1/L2 tables, refcount structures and snapshot table mutated (fixed seed;
 * -Djemu.fuzz.count=N), plus hand-made ones (absurd sizes, tables outside the file, truncation,
 * backing loops). Opening, reading everything, block status, check and writing must end in data or a
 * BlockException naming the problem — never another exception, a hang or an out-of-memory.
 */
class Qcow2FuzzTest {
    static Path dir;
    static final List<String> BASES = List.of("plain.qcow2", "comp.qcow2", "snap.qcow2", "ext.qcow2");

    @BeforeAll
    static void setup() throws Exception {
        Need.tool("qemu-img");
        dir = Jemu.home().resolve("target/qcow2-fuzz");
        if (Files.exists(dir)) try (var w = Files.walk(dir)) { w.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete()); }
        Files.createDirectories(dir);
        makeRaw(dir.resolve("src.raw"), 4L << 20, 11);
        assertEquals(0, tool(dir, "qemu-img", "convert", "-O", "qcow2", "-o", "cluster_size=4k", "@src.raw", "@plain.qcow2").rc());
        assertEquals(0, tool(dir, "qemu-img", "convert", "-c", "-O", "qcow2", "-o", "cluster_size=4k", "@src.raw", "@comp.qcow2").rc());
        assertEquals(0, tool(dir, "qemu-img", "convert", "-O", "qcow2", "-o", "cluster_size=4k,refcount_bits=4", "@src.raw", "@snap.qcow2").rc());
        assertEquals(0, tool(dir, "qemu-img", "snapshot", "-c", "s", "@snap.qcow2").rc());
        assertEquals(0, tool(dir, "qemu-img", "convert", "-O", "qcow2", "-o", "extended_l2=on,cluster_size=16k", "@src.raw", "@ext.qcow2").rc());
    }

    /** Everything a user can do with an image, each failure must be a BlockException. */
    static void exercise(Path img) {
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            try (BlockNode n = BlockDrivers.open(img.toString(), "qcow2", true, BlockDrivers.Options.DEFAULT)) {
                long size = n.size();
                long limit = Math.min(size, 32L << 20);
                ByteBuffer b = ByteBuffer.allocate(256 << 10);
                for (long off = 0; off < limit; off += b.capacity()) {
                    b.clear().limit((int) Math.min(b.capacity(), limit - off));
                    try { n.read(off, b); } catch (BlockException e) { break; }
                }
                long off = 0;
                for (int i = 0; i < 100_000 && off < limit; i++) {
                    BlockStatus s;
                    try { s = n.blockStatus(off, limit - off); } catch (BlockException e) { break; }
                    assertTrue(s.length() > 0, "block status must make progress");
                    off += s.length();
                }
                try { n.check(0); } catch (BlockException e) { /* named refusal */ }
            } catch (BlockException e) {
                assertFalse(e.getMessage() == null || e.getMessage().isBlank(), "error without a message");
            }
            // writable: a few writes must work or be refused cleanly
            Path w = img.resolveSibling(img.getFileName() + ".w");
            Files.copy(img, w, StandardCopyOption.REPLACE_EXISTING);
            try (BlockNode n = BlockDrivers.open(w.toString(), "qcow2", false, BlockDrivers.Options.DEFAULT)) {
                byte[] d = new byte[9000];
                java.util.Arrays.fill(d, (byte) 0x5a);
                for (long o : new long[]{0, 70_000, 1 << 20, 3 << 20}) {
                    if (o + d.length > n.size()) break;
                    try { n.write(o, ByteBuffer.wrap(d)); } catch (BlockException e) { break; }
                }
            } catch (BlockException e) {
                assertFalse(e.getMessage() == null || e.getMessage().isBlank());
            }
            Files.deleteIfExists(w);
        });
        // the CLI: one line, no stack trace
        Res r = jemu(dir, "info", img.toString());
        assertFalse(r.err().contains("Exception") || r.err().contains("internal error"), r.toString());
        Res c = jemu(dir, "check", img.toString());
        assertFalse(c.err().contains("Exception") || c.err().contains("internal error"), c.toString());
    }

    @Test
    void mutatedImages() throws Exception {
        int count = Integer.getInteger("jemu.fuzz.count", 120);
        Random r = new Random(1234);
        for (int i = 0; i < count; i++) {
            String base = BASES.get(i % BASES.size());
            Path img = dir.resolve("m" + i + ".qcow2");
            Files.copy(dir.resolve(base), img, StandardCopyOption.REPLACE_EXISTING);
            try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
                ByteBuffer h = ByteBuffer.allocate(104);
                f.getChannel().read(h, 0);
                long l1 = h.getLong(40), rt = h.getLong(48), snap = h.getLong(64);
                f.seek(rt);
                long rb = f.readLong();
                f.seek(l1);
                long l2 = f.readLong() & 0x00fffffffffffe00L;
                long[] targets = {0, 112, l1, l2, rt, rb, snap};
                int mutations = 1 + r.nextInt(4);
                for (int m = 0; m < mutations; m++) {
                    long t = targets[r.nextInt(targets.length)];
                    if (t == 0 && r.nextBoolean()) t = 0; // header
                    long pos = t + r.nextInt(t == 0 ? 104 : 512);
                    if (pos >= f.length()) pos = r.nextInt((int) Math.min(f.length(), 4096));
                    f.seek(pos);
                    switch (r.nextInt(4)) {
                        case 0 -> f.write(r.nextInt(256));
                        case 1 -> f.writeLong(r.nextLong());
                        case 2 -> f.writeLong(pos % 2 == 0 ? -1L : 0x7fffffffffffffffL);
                        default -> f.writeInt(r.nextInt(1 << 20) * 512);
                    }
                }
                if (r.nextInt(8) == 0) f.setLength(r.nextInt((int) f.length()));
            }
            final int n = i;
            try {
                exercise(img);
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("mutation " + n + " of " + base + ": " + e, e);
            }
            Files.deleteIfExists(img);
        }
    }

    static Path patched(String name, String base, long off, long value, int width) throws IOException {
        Path p = dir.resolve(name);
        Files.copy(dir.resolve(base), p, StandardCopyOption.REPLACE_EXISTING);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.seek(off);
            if (width == 4) f.writeInt((int) value); else f.writeLong(value);
        }
        return p;
    }

    static String openError(Path p) {
        BlockException e = assertThrows(BlockException.class, () -> {
            try (BlockNode n = BlockDrivers.open(p.toString(), null, true, BlockDrivers.Options.DEFAULT)) {
                n.read(0, ByteBuffer.allocate((int) Math.min(n.size(), 1 << 20)));
                n.check(0);
            }
        });
        return e.getMessage();
    }

    @Test
    void handMadeHostileImages() throws Exception {
        assertTrue(openError(patched("h1.qcow2", "plain.qcow2", 36, 0x7fffffff, 4)).contains("L1 table too large"));
        assertTrue(openError(patched("h2.qcow2", "plain.qcow2", 56, 0x7fffffff, 4)).contains("Reference count table too large"));
        assertTrue(openError(patched("h3.qcow2", "plain.qcow2", 20, 31, 4)).contains("Unsupported cluster size"));
        assertTrue(openError(patched("h4.qcow2", "plain.qcow2", 40, 1L << 40, 8)).contains("L1 table"));
        assertTrue(openError(patched("h5.qcow2", "plain.qcow2", 48, 12345, 8)).contains("Reference count table offset"));
        assertTrue(openError(patched("h6.qcow2", "snap.qcow2", 60, 1 << 30, 4)).contains("Too many snapshots"));
        assertTrue(openError(patched("h7.qcow2", "plain.qcow2", 24, -5, 8)).toLowerCase().contains("size"));
        assertTrue(openError(patched("h8.qcow2", "plain.qcow2", 72, 1L << 40, 8)).contains("Unsupported qcow2 feature"));
        // an L2 entry pointing far outside the file
        Path h9 = dir.resolve("h9.qcow2");
        Files.copy(dir.resolve("plain.qcow2"), h9, StandardCopyOption.REPLACE_EXISTING);
        try (RandomAccessFile f = new RandomAccessFile(h9.toFile(), "rw")) {
            f.seek(40);
            long l1 = f.readLong();
            f.seek(l1);
            long l2 = f.readLong() & 0x00fffffffffffe00L;
            for (int i = 0; i < 1024; i++) { f.seek(l2 + 8L * i); f.writeLong(0x8000_0000_0000_0000L | (1L << 50)); }
        }
        assertTrue(openError(h9).contains("beyond the end of the file"), openError(h9));
        // compressed clusters whose data lies past the end of the file
        Path h10 = dir.resolve("h10.qcow2");
        Files.copy(dir.resolve("comp.qcow2"), h10, StandardCopyOption.REPLACE_EXISTING);
        try (RandomAccessFile f = new RandomAccessFile(h10.toFile(), "rw")) { f.setLength(f.length() / 3); }
        exercise(h10);
        // truncated in the middle of the header
        Path h11 = dir.resolve("h11.qcow2");
        Files.copy(dir.resolve("plain.qcow2"), h11, StandardCopyOption.REPLACE_EXISTING);
        try (RandomAccessFile f = new RandomAccessFile(h11.toFile(), "rw")) { f.setLength(50); }
        assertThrows(BlockException.class, () -> BlockDrivers.open(h11.toString(), "qcow2", true, BlockDrivers.Options.DEFAULT));
        // backing loops: a -> b -> a, and an image that is its own backing file
        assertEquals(0, tool(dir, "qemu-img", "create", "-q", "-f", "qcow2", "@la.qcow2", "1M").rc());
        assertEquals(0, tool(dir, "qemu-img", "create", "-q", "-f", "qcow2", "-b", "la.qcow2", "-F", "qcow2", "@lb.qcow2").rc());
        assertEquals(0, tool(dir, "qemu-img", "rebase", "-u", "-b", "lb.qcow2", "-F", "qcow2", "@la.qcow2").rc());
        assertTrue(openError(dir.resolve("la.qcow2")).contains("infinite loop"));
        assertEquals(0, tool(dir, "qemu-img", "rebase", "-u", "-b", "la.qcow2", "-F", "qcow2", "@la.qcow2").rc());
        assertTrue(openError(dir.resolve("la.qcow2")).contains("infinite loop"));
        Res info = jemu(dir, "info", "--backing-chain", "@lb.qcow2");
        assertEquals(1, info.rc());
        assertTrue(info.err().contains("infinite loop"), info.toString());
        // refcount overflow: refcount_bits=1 cannot hold a snapshot's second reference
        assertEquals(0, jemu(dir, "convert", "-O", "qcow2", "-o", "refcount_bits=1", "@src.raw", "@r1.qcow2").rc());
        Res sn = jemu(dir, "snapshot", "-c", "s", "@r1.qcow2");
        assertEquals(1, sn.rc(), sn.toString());
        assertTrue(sn.err().contains("overflow"), sn.toString());
        assertEquals(0, tool(dir, "qemu-img", "check", "@r1.qcow2").rc(), "a refused snapshot leaves the image clean");
    }
}
