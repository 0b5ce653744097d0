package org.jemu.block.fmttest;

import org.jemu.block.BlockDriver;
import org.jemu.block.BlockNode;
import org.jemu.block.BlockStatus;
import org.jemu.testutil.Jemu;
import org.jemu.testutil.Need;
import org.jemu.util.QemuOpts;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Helpers shared by the format tests: patterned raw images, qemu-img runs, whole-image comparisons. */
public final class Images {
    private Images() {}

    /** A raw image of {@code size} bytes with random data in a few scattered runs (seeded), rest holes. */
    public static byte[] pattern(long size, long seed) {
        byte[] d = new byte[(int) size];
        Random r = new Random(seed);
        int runs = 6;
        for (int i = 0; i < runs; i++) {
            int len = 512 * (1 + r.nextInt(600));
            int off = (int) (r.nextLong(size - len) & ~511L);
            byte[] x = new byte[len];
            r.nextBytes(x);
            System.arraycopy(x, 0, d, off, len);
        }
        // the last sector and a run crossing a 1 MiB boundary
        for (int i = 0; i < 512; i++) d[(int) size - 512 + i] = (byte) (i * 7 + 1);
        if (size > (2 << 20)) for (int i = 0; i < 8192; i++) d[(1 << 20) - 4096 + i] = (byte) (i ^ 0x5a);
        return d;
    }

    public static QemuOpts opts(String text) { return QemuOpts.parse("create", text == null ? "" : text, null); }

    /** Writes {@code data} into {@code node} in the pieces a converter would use, skipping zero 64 KiB runs. */
    public static void writeAll(BlockNode node, byte[] data, int chunk) throws IOException {
        for (int off = 0; off < data.length; off += chunk) {
            int n = Math.min(chunk, data.length - off);
            if (isZero(data, off, n)) continue;
            node.write(off, ByteBuffer.wrap(data, off, n));
        }
    }

    public static boolean isZero(byte[] d, int off, int n) {
        for (int i = off; i < off + n; i++) if (d[i] != 0) return false;
        return true;
    }

    public static byte[] readAll(BlockNode node) throws IOException {
        byte[] d = new byte[(int) node.size()];
        ByteBuffer b = ByteBuffer.wrap(d);
        // odd-sized reads to cross block boundaries
        int step = 333 * 1024 + 512;
        for (int off = 0; off < d.length; off += step) {
            node.read(off, b.slice(off, Math.min(step, d.length - off)));
        }
        return d;
    }

    /** Checks that blockStatus covers the image contiguously and that every range it calls zero reads as zeroes. */
    public static void checkStatus(BlockNode node, byte[] expected) throws IOException {
        long off = 0;
        int answers = 0;
        while (off < node.size()) {
            BlockStatus s = node.blockStatus(off, node.size() - off);
            assertTrue(s.length() > 0 && s.length() <= node.size() - off, "status length " + s.length() + " at " + off);
            if (s.zero()) {
                for (long i = off; i < off + s.length() && i < expected.length; i++) {
                    if (expected[(int) i] != 0) throw new AssertionError("status says zero at " + i + " but data is not");
                }
            }
            off += s.length();
            assertTrue(++answers < 10_000_000);
        }
        assertEquals(node.size(), off);
    }

    public static void assertSame(byte[] expected, byte[] actual, String what) {
        assertTrue(actual.length >= expected.length, what + ": image shorter (" + actual.length + ") than source (" + expected.length + ")");
        for (int i = 0; i < expected.length; i++) {
            if (expected[i] != actual[i]) throw new AssertionError(what + ": first difference at byte " + i);
        }
        for (int i = expected.length; i < actual.length; i++) {
            if (actual[i] != 0) throw new AssertionError(what + ": non-zero byte " + i + " after the source's end");
        }
    }

    public static Jemu.Result qemuImg(Path dir, String... args) throws IOException, InterruptedException {
        Path tool = Need.tool("qemu-img");
        List<String> cmd = new ArrayList<>();
        cmd.add(tool.toString());
        cmd.addAll(List.of(args));
        return Jemu.run(cmd, null, 120, dir);
    }

    public static Jemu.Result qemuImgOk(Path dir, String... args) throws IOException, InterruptedException {
        Jemu.Result r = qemuImg(dir, args);
        if (r.exit() != 0) throw new AssertionError("qemu-img " + String.join(" ", args) + " failed: " + r);
        return r;
    }

    public static Path writeRaw(Path dir, String name, byte[] data) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, data);
        return p;
    }

    public static void createWith(BlockDriver d, Path p, long size, String opts) throws IOException {
        QemuOpts o = opts(opts);
        d.create(p, size, o, new TestContext(p, false, d));
    }

    public static void assertArraysSame(byte[] a, byte[] b) { assertArrayEquals(a, b); }
}
