package org.jemu.block.qcow2;

import org.jemu.testutil.Jemu;
import org.jemu.testutil.Need;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("org.jemu.cli.Img");
        for (String a : args) cmd.add(a.replace("@", dir + "/"));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    static boolean isQcow2(Path p) throws IOException {
        if (!Files.exists(p) || Files.size(p) < 4) return false;
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "r")) { return f.readInt() == 0x514649fb; }
    }

    /** Runs {@code prep} then {@code args} and kills the writer after a random delay; checks the image. */
    void crashLoop(String name, String image, String[] prep, String[] args, long seed) throws Exception {
        int count = Integer.getInteger("jemu.crash.count", 2);
        Random r = new Random(seed);
        int killed = 0;
        for (int i = 0; i < count; i++) {
            Files.deleteIfExists(dir.resolve(image));
            if (prep != null) {
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

    @Test
    void killCowWrites() throws Exception {
        // a base, an overlay with a snapshot: 4 KiB writes at a 20 KiB stride copy clusters on write
        assertEquals(0, jemu(dir, "convert", "-O", "qcow2", "@src.raw", "@wbase.qcow2").rc());
        crashLoop("cow writes", "w.qcow2", new String[]{"create", "-q", "-f", "qcow2", "-b", "wbase.qcow2", "-F", "qcow2", "@w.qcow2"},
                new String[]{"bench", "-q", "-w", "-c", "100000", "-d", "1", "-s", "4k", "-S", "20k", "@w.qcow2"}, 3);
        assertEquals(0, jemu(dir, "convert", "-O", "qcow2", "-o", "extended_l2=on", "@src.raw", "@xbase.qcow2").rc());
        crashLoop("subcluster writes", "x.qcow2", new String[]{"convert", "-O", "qcow2", "-o", "extended_l2=on", "@src.raw", "@x.qcow2"},
                new String[]{"bench", "-q", "-w", "-c", "100000", "-d", "1", "-s", "1k", "-S", "7k", "@x.qcow2"}, 4);
    }
}
