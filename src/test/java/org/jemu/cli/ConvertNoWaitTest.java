package org.jemu.cli;

import org.jemu.testutil.Need;
import org.junit.jupiter.api.Test;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.jemu.block.qcow2.ImgTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * convert copies a raw source as all data until the native calls (SEEK_DATA) are linked, relying on its
 * zero detection: the output must then be what qemu-img convert makes — same content, same allocation
 * (qemu-img map) — for qcow2 and raw targets, with holes, zero blocks written as data, data, and an
 * unaligned tail.
 */
class ConvertNoWaitTest {
    @Test
    void rawSourceAsDataGivesQemuImgsAllocation() throws Exception {
        Need.tool("qemu-img");
        Path src = freshFile("convert-nowait", "s.raw");
        Random r = new Random(3);
        try (RandomAccessFile f = new RandomAccessFile(src.toFile(), "rw")) {
            byte[] d = new byte[300_000];
            r.nextBytes(d);
            f.write(d);                                   // data, unaligned end
            f.seek(5 << 20); f.write(new byte[64 << 10]); // zero blocks written as data
            f.seek((5 << 20) + (80 << 10)); f.write(d, 0, 12_345);
            f.seek(9L << 20); f.write(d, 0, 4096);        // one data block between holes
            f.setLength((16L << 20) + 1000);              // trailing hole, unaligned size
        }
        convertBothWaysLikeQemuImg(src, "raw");
    }

    /**
     * Converts {@code src} (format {@code srcFmt}) to qcow2 and raw with jemu-img, with and without
     * {@link Convert#rawAsDataForTest} (the pieces read before the native link), and with qemu-img: the
     * content must equal the source and the allocation ({@code qemu-img map}) qemu-img's output's.
     */
    private static void convertBothWaysLikeQemuImg(Path src, String srcFmt) throws Exception {
        Path dir = src.getParent();
        try {
            for (String fmt : new String[]{"qcow2", "raw"}) {
                for (boolean beforeLink : new boolean[]{true, false}) {
                    Convert.rawAsDataForTest = beforeLink;
                    Path j = dir.resolve("j-" + beforeLink + "." + fmt), q = dir.resolve("q." + fmt);
                    Files.deleteIfExists(j); Files.deleteIfExists(q);
                    assertEquals(0, Img.run(new String[]{"convert", "-f", srcFmt, "-O", fmt, src.toString(), j.toString()}));
                    assertEquals(0, tool(dir, "qemu-img", "convert", "-f", srcFmt, "-O", fmt, src.toString(), q.toString()).rc());
                    assertEquals(0, tool(dir, "qemu-img", "compare", "-f", srcFmt, "-F", fmt, src.toString(), j.toString()).rc());
                    Res mj = tool(dir, "qemu-img", "map", "-f", fmt, "--output=json", j.toString());
                    Res mq = tool(dir, "qemu-img", "map", "-f", fmt, "--output=json", q.toString());
                    assertEquals(mq.out(), mj.out(), srcFmt + " -> " + fmt + " allocation, before the link: " + beforeLink);
                }
            }
        } finally {
            Convert.rawAsDataForTest = false;
        }
    }

    /**
     * A qcow2 source is read without asking its host file for holes until the native calls are linked:
     * with metadata preallocation (allocated clusters over host holes, which qemu-img reports as zero) the
     * output must still be qemu-img's, content and allocation.
     */
    @Test
    void qcow2SourceWithoutHostHolesGivesQemuImgsAllocation() throws Exception {
        Need.tool("qemu-img");
        Need.tool("qemu-io");
        Path src = freshFile("convert-nowait-q", "s.qcow2"), dir = src.getParent();
        assertEquals(0, tool(dir, "qemu-img", "create", "-q", "-f", "qcow2", "-o", "preallocation=metadata", src.toString(), "24M").rc());
        assertEquals(0, tool(dir, "qemu-io", "-f", "qcow2", "-c", "write -P 0x5a 1M 3M", "-c", "write -P 0 6M 1M",
                "-c", "write -P 0x17 9M 12345", src.toString()).rc());
        convertBothWaysLikeQemuImg(src, "qcow2");
    }

    /** -Djemu.convert.parallel-writes=true (writes on the pool threads): the same images as qemu-img's. */
    @Test
    void parallelWritesGiveQemuImgsImage() throws Exception {
        Need.tool("qemu-img");
        Path src = freshFile("convert-parallel", "p.raw"), dir = src.getParent();
        Random r = new Random(4);
        try (RandomAccessFile f = new RandomAccessFile(src.toFile(), "rw")) {
            byte[] d = new byte[5 << 20];
            r.nextBytes(d);
            f.write(d);
            f.seek(7L << 20); f.write(d, 0, 3 << 20);
            f.seek(12L << 20); f.write(new byte[1 << 20]);
            f.seek(14L << 20); f.write(d, 0, 777_777);
            f.setLength((24L << 20) + 512);
        }
        System.setProperty("jemu.convert.parallel-writes", "true");
        try {
            for (String fmt : new String[]{"qcow2", "raw"}) {
                for (String[] extra : new String[][]{{}, {"-m", "1"}, {"-m", "16", "-W"}}) {
                    Path j = dir.resolve("j." + fmt), q = dir.resolve("q." + fmt);
                    Files.deleteIfExists(j); Files.deleteIfExists(q);
                    java.util.List<String> a = new java.util.ArrayList<>(java.util.List.of("convert", "-f", "raw", "-O", fmt));
                    a.addAll(java.util.List.of(extra));
                    a.add(src.toString()); a.add(j.toString());
                    assertEquals(0, Img.run(a.toArray(String[]::new)));
                    assertEquals(0, tool(dir, "qemu-img", "convert", "-f", "raw", "-O", fmt, src.toString(), q.toString()).rc());
                    assertEquals(0, tool(dir, "qemu-img", "compare", "-f", "raw", "-F", fmt, src.toString(), j.toString()).rc());
                    if (fmt.equals("qcow2")) assertEquals(0, tool(dir, "qemu-img", "check", j.toString()).rc());
                    if (extra.length == 0) {
                        Res mj = tool(dir, "qemu-img", "map", "-f", fmt, "--output=json", j.toString());
                        Res mq = tool(dir, "qemu-img", "map", "-f", fmt, "--output=json", q.toString());
                        assertEquals(mq.out(), mj.out(), fmt + " allocation and layout");
                    }
                }
            }
        } finally {
            System.clearProperty("jemu.convert.parallel-writes");
        }
    }
}
