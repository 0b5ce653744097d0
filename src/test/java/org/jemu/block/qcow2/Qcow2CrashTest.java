package org.jemu.block.qcow2;

import org.jemu.testutil.Jemu;
import org.jemu.testutil.Need;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.jemu.block.qcow2.ImgTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Kills jemu-img writers (convert, compressed convert, 4 KiB writes with copy-on-write over a backing
 * file and a snapshot) with SIGKILL at random points (fixed seed) and checks every image with
 * qemu-img check and jemu-img check: it must be clean or have leaks only, and check -r leaks must make
 * it clean. -Djemu.crash.count=N runs N kills per writer (default 2).
 */
class Qcow2CrashTest {
    static Path dir;

    @BeforeAll
    static void setup() throws Exception {
        Need.tool("qemu-img");
        dir = Jemu.home().resolve("target/qcow2-crash");
        if (Files.exists(dir)) try (var w = Files.walk(dir)) { w.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete()); }
        Files.createDirectories(dir);
        makeRaw(dir.resolve("src.raw"), 96L << 20, 5);
    }

    /** jemu-img in a fresh JVM (same classpath as the tests), so it can be killed. */
    static Process spawn(String... args) throws IOException {
        return new ProcessBuilder(ImgTestSupport.processCommand(dir, args)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    static boolean isQcow2(Path p) throws IOException {
        if (!Files.exists(p) || Files.size(p) < 4) return false;
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "r")) { return f.readInt() == 0x514649fb; }
    }

    void crashLoop(String name, String image, String[] prep, String[] args, long seed) throws Exception {
        crashLoop(name, image, prep, args, seed, null, null);
    }

    /** As above with several preparation commands ({@code preps}) and the writer given as {@code writer}. */
    void crashLoop(String name, String image, String[] prep, String[] args, long seed, String[][] preps, String[] writer) throws Exception {
        if (preps != null) {
            crashLoop0(name, image, preps, writer, seed);
            return;
        }
        crashLoop0(name, image, prep == null ? null : new String[][]{prep}, args, seed);
    }

    /** Runs the preparation commands then {@code args} and kills the writer after a random delay; checks the image. */
    void crashLoop0(String name, String image, String[][] preps, String[] args, long seed) throws Exception {
        int count = Integer.getInteger("jemu.crash.count", 2);
        Random r = new Random(seed);
        int killed = 0;
        for (int i = 0; i < count; i++) {
            Files.deleteIfExists(dir.resolve(image));
            if (preps != null) for (String[] prep : preps) {
                Process p = spawn(prep);
                assertTrue(p.waitFor(120, TimeUnit.SECONDS));
                assertEquals(0, p.exitValue(), name + ": preparation failed");
            }
            Process p = spawn(args);
            long delay = 250 + r.nextInt(1500);
            boolean finished = p.waitFor(delay, TimeUnit.MILLISECONDS);
            if (!finished) {
                p.destroyForcibly();
                p.waitFor(30, TimeUnit.SECONDS);
                killed++;
            }
            Path img = dir.resolve(image);
            if (!isQcow2(img)) continue; // killed before the header was written: no image exists
            Res q = tool(dir, "qemu-img", "check", "@" + image);
            assertTrue(q.rc() == 0 || q.rc() == 3, name + " #" + i + " (killed after " + delay + " ms): qemu-img check:\n" + q);
            Res j = jemu(dir, "check", "@" + image);
            assertEquals(q.rc(), j.rc(), name + " #" + i + ": jemu-img check disagrees:\n" + j + "\nqemu-img:\n" + q);
            if (q.rc() == 3) {
                Res fix = jemu(dir, "check", "-r", "leaks", "@" + image);
                assertEquals(0, fix.rc(), fix.toString());
                Res again = tool(dir, "qemu-img", "check", "@" + image);
                assertEquals(0, again.rc(), name + ": after check -r leaks:\n" + again);
            }
        }
        System.err.println(name + ": " + killed + " of " + count + " writers killed mid-run");
    }

    @Test
    void killConvert() throws Exception {
        crashLoop("convert", "c.qcow2", null, new String[]{"convert", "-t", "writeback", "-O", "qcow2", "-o", "cluster_size=4k", "@src.raw", "@c.qcow2"}, 1);
    }

    @Test
    void killCompressedConvert() throws Exception {
        crashLoop("convert -c", "cc.qcow2", null, new String[]{"convert", "-c", "-O", "qcow2", "-o", "cluster_size=16k", "@src.raw", "@cc.qcow2"}, 2);
    }

    /**
     * Not a crash: many requests in flight on several threads, over a snapshot (copy on write) — every
     * written block must read back the pattern, every other byte the source, the snapshot the source.
     */
    @Test
    void parallelWritesReadBack() throws Exception {
        assertEquals(0, jemu(dir, "convert", "-O", "qcow2", "-o", "cluster_size=4k", "@src.raw", "@pr.qcow2").rc());
        assertEquals(0, jemu(dir, "snapshot", "-c", "s1", "@pr.qcow2").rc());
        Res b = jemu(dir, "bench", "-q", "-w", "-c", "6000", "-d", "32", "-s", "4k", "-S", "12k", "--pattern=90", "@pr.qcow2");
        assertEquals(0, b.rc(), b.toString());
        Res q = tool(dir, "qemu-img", "check", "@pr.qcow2");
        assertEquals(0, q.rc(), q.toString());
        assertEquals(0, tool(dir, "qemu-img", "convert", "-O", "raw", "@pr.qcow2", "@pr.raw").rc());
        byte[] src = Files.readAllBytes(dir.resolve("src.raw")), got = Files.readAllBytes(dir.resolve("pr.raw"));
        assertEquals(src.length, got.length);
        for (long i = 0; i < 6000; i++) {
            int off = (int) (i * 12288);
            for (int k = 0; k < 4096; k++) {
                if (got[off + k] != 90) fail("block " + i + " byte " + k + " reads " + got[off + k] + ", not the pattern");
            }
            for (int k = 4096; k < 12288; k++) {
                if (got[off + k] != src[off + k]) fail("byte " + (off + k) + " changed although it was not written");
            }
        }
        assertEquals(0, tool(dir, "qemu-img", "snapshot", "-a", "s1", "@pr.qcow2").rc());
        Res c = tool(dir, "qemu-img", "compare", "@src.raw", "@pr.qcow2");
        assertEquals(0, c.rc(), "the snapshot changed under the parallel writes:\n" + c);
    }

    @Test
    void killCowWrites() throws Exception {
        // a base, an overlay with a snapshot: 4 KiB writes at a 20 KiB stride copy clusters on write
        assertEquals(0, jemu(dir, "convert", "-O", "qcow2", "@src.raw", "@wbase.qcow2").rc());
        crashLoop("cow writes", "w.qcow2", new String[]{"create", "-q", "-f", "qcow2", "-b", "wbase.qcow2", "-F", "qcow2", "@w.qcow2"},
                new String[]{"bench", "-q", "-w", "-c", "100000", "-d", "1", "-s", "4k", "-S", "20k", "@w.qcow2"}, 3);
        assertEquals(0, jemu(dir, "convert", "-O", "qcow2", "-o", "extended_l2=on", "@src.raw", "@xbase.qcow2").rc());
        // 32 requests in flight on several threads (in-place writes outside the node lock, COW of the
        // snapshot's clusters, frees of the old L2 tables) over an image with 4 KiB clusters
        crashLoop("parallel writes", "pw.qcow2", null, null, 5, new String[][]{
                {"convert", "-O", "qcow2", "-o", "cluster_size=4k", "@src.raw", "@pw.qcow2"}, {"snapshot", "-c", "s1", "@pw.qcow2"}},
                new String[]{"bench", "-q", "-w", "-c", "400000", "-d", "32", "-s", "4k", "-S", "12k", "--pattern=90", "@pw.qcow2"});
        crashLoop("subcluster writes", "x.qcow2", new String[]{"convert", "-O", "qcow2", "-o", "extended_l2=on", "@src.raw", "@x.qcow2"},
                new String[]{"bench", "-q", "-w", "-c", "100000", "-d", "1", "-s", "1k", "-S", "7k", "@x.qcow2"}, 4);
    }
}
