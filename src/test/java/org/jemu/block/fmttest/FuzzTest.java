package org.jemu.block.fmttest;

import org.jemu.block.BlockDriver;
import org.jemu.block.BlockNode;
import org.jemu.block.BlockStatus;
import org.jemu.block.vdi.VdiDriver;
import org.jemu.block.vhdx.VhdxDriver;
import org.jemu.block.vmdk.VmdkDriver;
import org.jemu.block.vpc.VpcDriver;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Mutates the metadata of real images (made by qemu-img) and demands either a clean refusal (an
 * IOException with a message) or an image that reads, maps and takes writes without an unchecked
 * exception, a hang or an unbounded allocation. Each image's pristine form must read back the source.
 */
@Timeout(300)
class FuzzTest {
    record Target(String name, BlockDriver driver, String qfmt, String opts, long[][] hot) {
        @Override public String toString() { return name; }
    }

    static final long K = 1024, M = K * K;

    static Stream<Target> targets() {
        return Stream.of(
                new Target("vdi", new VdiDriver(), "vdi", "", new long[][]{{0, 0x200 + 64}}),
                new Target("vdi-static", new VdiDriver(), "vdi", "static=on", new long[][]{{0, 0x200 + 64}}),
                new Target("vpc", new VpcDriver(), "vpc", "", new long[][]{{0, 1536 + 64}, {-512, 0}}),
                new Target("vpc-fixed", new VpcDriver(), "vpc", "subformat=fixed", new long[][]{{-512, 0}}),
                new Target("vmdk", new VmdkDriver(), "vmdk", "", new long[][]{{0, 80}, {512, 1536}, {21 * 512, 21 * 512 + 64}, {26 * 512, 27 * 512}}),
                new Target("vmdk-stream", new VmdkDriver(), "vmdk", "subformat=streamOptimized", new long[][]{{0, 80}, {512, 1536}, {21 * 512, 27 * 512}, {64 * K, 64 * K + 64}}),
                new Target("vhdx", new VhdxDriver(), "vhdx", "block_size=1M", new long[][]{{0, 16}, {64 * K, 64 * K + 80}, {128 * K, 128 * K + 80},
                        {192 * K, 192 * K + 80}, {256 * K, 256 * K + 80}, {2 * M, 2 * M + 64}, {3 * M, 3 * M + 200}, {3 * M + 64 * K, 3 * M + 64 * K + 40}}));
    }

    @ParameterizedTest
    @MethodSource("targets")
    void mutatedImagesAreRefusedOrServed(Target t, @TempDir Path dir) throws Exception {
        byte[] src = Images.pattern(3 * M, 99);
        Path raw = Images.writeRaw(dir, "src.raw", src);
        Path img = dir.resolve("img." + t.qfmt);
        List<String> args = new ArrayList<>(List.of("convert", "-f", "raw", "-O", t.qfmt));
        if (!t.opts.isEmpty()) { args.add("-o"); args.add(t.opts); }
        args.add(raw.toString());
        args.add(img.toString());
        Images.qemuImgOk(dir, args.toArray(String[]::new));
        byte[] pristine = Files.readAllBytes(img);

        try (BlockNode n = t.driver.open(new MemFile(pristine, true), MemFile.context(img, true, Map.of()))) {
            Images.assertSame(src, Images.readAll(n), t.name + " pristine");
        }

        Random r = new Random(t.name.hashCode() + Long.getLong("fuzz.seed", 0));
        int refused = 0, served = 0;
        long deadline = System.nanoTime() + 3_000_000_000L;
        for (int iter = 0; iter < 200 && System.nanoTime() < deadline; iter++) {
            byte[] m = pristine.clone();
            int muts = 1 + r.nextInt(4);
            for (int k = 0; k < muts; k++) mutate(m, t.hot, r);
            if (r.nextInt(10) == 0) m = java.util.Arrays.copyOf(m, r.nextInt(m.length)); // truncation
            boolean rw = r.nextBoolean();
            try (BlockNode n = t.driver.open(new MemFile(m, !rw), MemFile.context(img, !rw, Map.of()))) {
                exercise(n, rw, r);
                served++;
            } catch (IOException e) {
                assertNotNull(e.getMessage(), "refusal without a message");
                assertTrue(!e.getMessage().isBlank(), "blank refusal message");
                refused++;
            } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
                throw new AssertionError(t.name + " iteration " + iter + ": unchecked " + e, e);
            }
        }
        System.err.println("fuzz " + t.name + ": " + refused + " refused, " + served + " served");
        assertTrue(refused > 0, "no mutation was ever refused: the fuzzer is not reaching the metadata");
    }

    /** Descriptor-based vmdk (split sparse extents): the descriptor text and the extents' headers are mutated. */
    @org.junit.jupiter.api.Test
    void mutatedVmdkDescriptors(@TempDir Path dir) throws Exception {
        byte[] src = Images.pattern(3 * M, 7);
        Path raw = Images.writeRaw(dir, "src.raw", src);
        Path img = dir.resolve("d.vmdk");
        Images.qemuImgOk(dir, "convert", "-f", "raw", "-O", "vmdk", "-o", "subformat=twoGbMaxExtentSparse", raw.toString(), img.toString());
        String desc = Files.readString(img);
        byte[] ext = Files.readAllBytes(dir.resolve("d-s001.vmdk"));
        VmdkDriver d = new VmdkDriver();
        try (BlockNode n = d.open(new MemFile(desc.getBytes(), true), MemFile.context(img, true, Map.of("d-s001.vmdk", ext)))) {
            Images.assertSame(src, Images.readAll(n), "pristine split vmdk");
        }
        String[] tokens = {"RW", "RDONLY", "NOACCESS", "SPARSE", "FLAT", "ZERO", "VMFS", "\"", "0", "-1", "99999999999999999999", "4096",
                "18014398509481983", "\n", "createType=\"monolithicFlat\"", "parentFileNameHint=\"x.vmdk\"", "CID=", "d-s001.vmdk", "other.vmdk", " "};
        Random r = new Random(Long.getLong("fuzz.seed", 3));
        int refused = 0, served = 0;
        long deadline = System.nanoTime() + 3_000_000_000L;
        for (int iter = 0; iter < 300 && System.nanoTime() < deadline; iter++) {
            StringBuilder t = new StringBuilder(desc);
            byte[] e = ext.clone();
            int muts = 1 + r.nextInt(3);
            for (int k = 0; k < muts; k++) {
                if (r.nextInt(4) == 0) { mutate(e, new long[][]{{0, 80}, {21 * 512, 23 * 512}}, r); continue; }
                int at = r.nextInt(t.length());
                int len = Math.min(t.length() - at, r.nextInt(12));
                t.replace(at, at + len, tokens[r.nextInt(tokens.length)]);
            }
            boolean rw = r.nextBoolean();
            try (BlockNode n = d.open(new MemFile(t.toString().getBytes(), !rw), MemFile.context(img, !rw, Map.of("d-s001.vmdk", e)))) {
                exercise(n, rw, r);
                served++;
            } catch (IOException x) {
                assertTrue(x.getMessage() != null && !x.getMessage().isBlank(), "refusal without a message");
                refused++;
            } catch (RuntimeException | StackOverflowError | OutOfMemoryError x) {
                throw new AssertionError("descriptor iteration " + iter + ": unchecked " + x + "\n" + t, x);
            }
        }
        System.err.println("fuzz vmdk descriptors: " + refused + " refused, " + served + " served");
        assertTrue(refused > 0 && served > 0);
    }

    static void mutate(byte[] m, long[][] hot, Random r) {
        if (m.length == 0) return;
        long[] h = hot[r.nextInt(hot.length)];
        long a = h[0] < 0 ? m.length + h[0] : h[0], b = h[1] <= 0 ? m.length + h[1] : h[1];
        a = Math.max(0, Math.min(a, m.length - 1));
        b = Math.max(a + 1, Math.min(b, m.length));
        int pos = (int) (a + r.nextLong(b - a));
        switch (r.nextInt(5)) {
            case 0 -> m[pos] ^= (byte) (1 << r.nextInt(8));
            case 1 -> m[pos] = (byte) r.nextInt(256);
            case 2 -> { for (int i = 0; i < 4 && pos + i < m.length; i++) m[pos + i] = (byte) 0xff; }
            case 3 -> { for (int i = 0; i < 8 && pos + i < m.length; i++) m[pos + i] = (byte) (i == 7 ? 0x7f : 0xff); }
            default -> { for (int i = 0; i < 4 && pos + i < m.length; i++) m[pos + i] = 0; }
        }
    }

    static void exercise(BlockNode n, boolean rw, Random r) throws IOException {
        long size = n.size();
        assertTrue(size >= 0);
        long step = Math.max(1, size / 64);
        ByteBuffer b = ByteBuffer.allocate(64 * 1024);
        for (long off = 0; off < size && off < (1L << 40); off += step) {
            b.clear().limit((int) Math.min(b.capacity(), size - off));
            n.read(off, b);
        }
        long off = 0;
        for (int i = 0; i < 200 && off < size; i++) {
            BlockStatus s = n.blockStatus(off, size - off);
            assertTrue(s.length() > 0 && s.length() <= size - off, "bad status length " + s.length());
            off += s.length();
        }
        if (rw && size > 0) {
            for (int i = 0; i < 3; i++) {
                long at = r.nextLong(size) & ~511L;
                byte[] d = new byte[(int) Math.min(70000, size - at)];
                r.nextBytes(d);
                n.write(at, ByteBuffer.wrap(d));
                byte[] back = new byte[d.length];
                n.read(at, ByteBuffer.wrap(back));
                if (!java.util.Arrays.equals(d, back)) throw new AssertionError("read after write differs at " + at);
            }
            n.flush();
        }
    }
}
