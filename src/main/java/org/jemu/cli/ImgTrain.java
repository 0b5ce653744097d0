package org.jemu.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * {@code jemu-img --jemu-train}: exercises the common jemu-img paths (create, convert raw ↔ qcow2,
 * info, check, map, snapshot) on small images in a temporary directory, so that the launcher can record
 * a JDK AOT cache from it (bin/jemu-aot.sh). It touches no file of the user's.
 */
final class ImgTrain {
    private ImgTrain() {}

    static int run() {
        PrintStream oldOut = Img.out(), oldErr = Img.err();
        PrintStream sink = new PrintStream(OutputStream.nullOutputStream());
        Path dir = null;
        try {
            dir = Files.createTempDirectory("jemu-img-train");
            Path raw = dir.resolve("t.raw");
            byte[] data = new byte[1 << 20];
            for (int i = 0; i < data.length; i += 4096) data[i] = (byte) (i >>> 12 | 1);
            Files.write(raw, data);
            // a sparse raw image too (holes: SEEK_DATA/SEEK_HOLE paths)
            Path sparse = dir.resolve("s.raw");
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(sparse,
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE)) {
                ch.write(java.nio.ByteBuffer.wrap(data, 0, 256 << 10), 4L << 20);
                ch.truncate(8L << 20);
                ch.write(java.nio.ByteBuffer.wrap(new byte[1]), (8L << 20) - 1);
            }
            String s = sparse.toString();
            String r = raw.toString(), q = dir.resolve("t.qcow2").toString(), o = dir.resolve("o.raw").toString();
            Img.redirect(sink, sink);
            String[][] cmds = {
                {"create", "-f", "qcow2", dir.resolve("n.qcow2").toString(), "64M"},
                {"convert", "-f", "raw", "-O", "qcow2", r, q},
                {"info", q}, {"info", "--output=json", q}, {"check", q}, {"map", "--output=json", q},
                {"snapshot", "-c", "s1", q}, {"snapshot", "-l", q},
                {"convert", "-f", "qcow2", "-O", "raw", q, o}, {"compare", r, o}, {"info", r},
                {"convert", "-f", "raw", "-O", "qcow2", s, dir.resolve("s.qcow2").toString()},
                {"convert", "-f", "raw", "-O", "raw", s, dir.resolve("s2.raw").toString()},
                // -n: into the existing target (its zero runs are written as zeroes: CompletableFuture's classes)
                {"convert", "-n", "-f", "raw", "-O", "raw", s, dir.resolve("s2.raw").toString()},
                {"convert", "-c", "-f", "raw", "-O", "qcow2", r, dir.resolve("c.qcow2").toString()},
                {"convert", "-c", "-f", "raw", "-O", "qcow2", "-o", "compression_type=zstd", r, dir.resolve("z.qcow2").toString()},
                {"convert", "-f", "raw", "-O", "vmdk", s, dir.resolve("t.vmdk").toString()},
                {"bench", "-c", "2000", "-d", "32", "-s", "4k", q}, {"bench", "-w", "-c", "2000", "-d", "32", "-s", "4k", q},
                {"bench", "-f", "raw", "-c", "2000", "-d", "32", "-s", "4k", o},
            };
            for (String[] c : cmds) Img.run(c);
            return 0;
        } catch (IOException e) {
            oldErr.println("jemu-img: training failed: " + e.getMessage());
            return 1;
        } finally {
            Img.redirect(oldOut, oldErr);
            if (dir != null) {
                try (Stream<Path> s = Files.walk(dir)) {
                    s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                } catch (IOException ignored) {
                    // a temp directory left behind is harmless
                }
            }
        }
    }
}
