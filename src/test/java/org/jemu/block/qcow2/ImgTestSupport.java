package org.jemu.block.qcow2;

import org.jemu.cli.Img;
import org.jemu.testutil.Jemu;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Runs jemu-img in-process and qemu-img / qemu-io as processes; makes sparse random test images. */
public final class ImgTestSupport {
    private ImgTestSupport() {}

    public record Res(int rc, String out, String err) {
        @Override public String toString() { return "rc=" + rc + "\n--- out ---\n" + out + "--- err ---\n" + err; }
    }

    /** jemu-img in this JVM (output captured). */
    public static synchronized Res jemu(Path dir, String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        PrintStream so = Img.out(), se = Img.err();
        String[] a = args.clone();
        for (int i = 0; i < a.length; i++) a[i] = a[i].replace("@", dir.toString() + "/");
        try {
            Img.redirect(new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8));
            int rc = Img.run(a);
            return new Res(rc, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            Img.redirect(so, se);
        }
    }

    /** {@code target/<dirName>/<file>} under the project, its directory created and the file itself removed. */
    public static Path freshFile(String dirName, String file) throws IOException {
        Path dir = Jemu.home().resolve("target/" + dirName);
        java.nio.file.Files.createDirectories(dir);
        Path p = dir.resolve(file);
        java.nio.file.Files.deleteIfExists(p);
        return p;
    }

    /** The command line of jemu-img in a fresh JVM (this JVM's java and class path); "@" in arguments stands for {@code dir} + "/". */
    public static List<String> processCommand(Path dir, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("org.jemu.cli.Img");
        for (String a : args) cmd.add(a.replace("@", dir + "/"));
        return cmd;
    }

    /** A host tool (qemu-img, qemu-io); "@" in arguments stands for the test directory + "/". */
    public static Res tool(Path dir, String... cmd) throws IOException, InterruptedException {
        List<String> c = new ArrayList<>();
        for (String s : cmd) c.add(s.replace("@", dir.toString() + "/"));
        Jemu.Result r = Jemu.run(c, null, 120, dir);
        return new Res(r.exit(), r.stdout(), r.stderr());
    }

    /** A sparse raw file of {@code size} bytes with random extents (some compressible), seeded. */
    public static void makeRaw(Path p, long size, long seed) throws IOException {
        Random r = new Random(seed);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(size);
            for (int i = 0; i < 24; i++) {
                int len = 1 + r.nextInt(200_000);
                long off = (long) (r.nextDouble() * (size - len));
                byte[] b = new byte[len];
                if (i % 3 == 0) { for (int k = 0; k < len; k++) b[k] = (byte) ("jemu" + i).charAt(k % 5); }
                else r.nextBytes(b);
                f.seek(off);
                f.write(b);
            }
        }
    }
}
