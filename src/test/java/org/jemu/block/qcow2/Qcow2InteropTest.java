package org.jemu.block.qcow2;

import org.jemu.block.BlockDrivers;
import org.jemu.block.BlockNode;
import org.jemu.testutil.Need;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.jemu.block.qcow2.ImgTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/** qcow2 interop both ways against Debian's qemu-img / qemu-io. */
class Qcow2InteropTest {
    static final long SIZE = 24L << 20;
    static Path dir;

    @BeforeAll
    static void source() throws Exception {
        Need.tool("qemu-img");
        // a fixed place under target/ so that a failure leaves the images to look at
        dir = org.jemu.testutil.Jemu.home().resolve("target/qcow2-interop");
        if (Files.exists(dir)) try (var w = Files.walk(dir)) { w.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete()); }
        Files.createDirectories(dir);
        makeRaw(dir.resolve("src.raw"), SIZE, 42);
    }

    /** Random partial writes through the block API, mirrored into a raw copy. */
    static void scribble(String image, Path mirror, long seed, int n) throws Exception {
        Random r = new Random(seed);
        try (BlockNode q = BlockDrivers.open(image, null, false, BlockDrivers.Options.DEFAULT);
             RandomAccessFile m = new RandomAccessFile(mirror.toFile(), "rw")) {
            for (int i = 0; i < n; i++) {
                int len = 1 + r.nextInt(i % 4 == 0 ? 300_000 : 9000);
                long off = (long) (r.nextDouble() * (q.size() - len));
                byte[] b = new byte[len];
                if (i % 5 != 0 && i % 7 != 3) r.nextBytes(b); // else zeroes
                if (i % 7 == 3) q.writeZeroes(off, len); else q.write(off, ByteBuffer.wrap(b));
                m.seek(off);
                m.write(b);
            }
            q.flush();
        }
    }

    static void qemuClean(String image) throws Exception {
        Res c = tool(dir, "qemu-img", "check", image);
        assertEquals(0, c.rc(), "qemu-img check " + image + ":\n" + c);
    }

    static void qemuSame(String a, String b) throws Exception {
        Res c = tool(dir, "qemu-img", "compare", a, b);
        assertEquals(0, c.rc(), "qemu-img compare " + a + " " + b + ":\n" + c);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "compat=0.10", "cluster_size=4096", "cluster_size=512,refcount_bits=64", "refcount_bits=1",
            "refcount_bits=2", "refcount_bits=4", "refcount_bits=8", "refcount_bits=32", "refcount_bits=64", "extended_l2=on",
            "extended_l2=on,cluster_size=16k", "lazy_refcounts=on", "preallocation=metadata", "-c", "-c compression_type=zstd",
            "-c cluster_size=4096", "-c extended_l2=on", "-c compat=0.10"})
    void jemuWritesPassQemuCheck(String spec) throws Exception {
        boolean c = spec.startsWith("-c");
        String o = c ? spec.substring(2).trim() : spec;
        String name = "j" + Integer.toHexString(spec.hashCode()) + ".qcow2";
        List<String> args = new ArrayList<>(List.of("convert", "-f", "raw", "-O", "qcow2"));
        if (c) args.add("-c");
        if (!o.isEmpty()) { args.add("-o"); args.add(o); }
        args.add("@src.raw");
        args.add("@" + name);
        Res r = jemu(dir, args.toArray(String[]::new));
        assertEquals(0, r.rc(), r.toString());
        qemuClean("@" + name);
        qemuSame("@src.raw", "@" + name);
        // then partial writes (COW of compressed clusters, subclusters, zero clusters), checked against a mirror
        Path mirror = dir.resolve(name + ".mirror");
        Files.copy(dir.resolve("src.raw"), mirror);
        scribble(dir.resolve(name).toString(), mirror, spec.hashCode(), 60);
        qemuClean("@" + name);
        qemuSame("@" + name + ".mirror", "@" + name);
        Res jc = jemu(dir, "check", "@" + name);
        assertEquals(0, jc.rc(), jc.toString());
    }

    @Test
    void backingChainSnapshotsCommitRebase() throws Exception {
        assertEquals(0, jemu(dir, "convert", "-O", "qcow2", "@src.raw", "@base.qcow2").rc());
        Res cr = jemu(dir, "create", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", "@top.qcow2");
        assertEquals(0, cr.rc(), cr.toString());
        Path mirror = dir.resolve("top.mirror");
        Files.copy(dir.resolve("src.raw"), mirror);
        scribble(dir.resolve("top.qcow2").toString(), mirror, 7, 40);
        qemuClean("@top.qcow2");
        qemuSame("@top.mirror", "@top.qcow2");
        // info agrees with qemu-img on a backing chain
        assertEquals(tool(dir, "qemu-img", "info", "--backing-chain", "--output=json", "@top.qcow2").out(),
                jemu(dir, "info", "--backing-chain", "--output=json", "@top.qcow2").out());
        // internal snapshot: data as of the snapshot comes back with -a
        assertEquals(0, jemu(dir, "snapshot", "-c", "s1", "@top.qcow2").rc());
        Files.copy(mirror, dir.resolve("s1.mirror"));
        scribble(dir.resolve("top.qcow2").toString(), mirror, 8, 30);
        qemuClean("@top.qcow2");
        qemuSame("@top.mirror", "@top.qcow2");
        Res l = tool(dir, "qemu-img", "snapshot", "-l", "@top.qcow2");
        assertTrue(l.out().contains(" s1 "), l.toString());
        assertEquals(l.out(), jemu(dir, "snapshot", "-l", "@top.qcow2").out());
        assertEquals(0, jemu(dir, "snapshot", "-a", "s1", "@top.qcow2").rc());
        qemuClean("@top.qcow2");
        qemuSame("@s1.mirror", "@top.qcow2");
        assertEquals(0, jemu(dir, "snapshot", "-d", "s1", "@top.qcow2").rc());
        qemuClean("@top.qcow2");
        assertEquals("", tool(dir, "qemu-img", "snapshot", "-l", "@top.qcow2").out());
        // snapshots made by qemu-img apply and delete through jemu-img
        assertEquals(0, tool(dir, "qemu-img", "snapshot", "-c", "q1", "@top.qcow2").rc());
        scribble(dir.resolve("top.qcow2").toString(), dir.resolve("scratch.mirror").toFile().exists() ? dir.resolve("scratch.mirror") : Files.copy(mirror, dir.resolve("scratch.mirror")), 9, 10);
        assertEquals(0, jemu(dir, "snapshot", "-a", "q1", "@top.qcow2").rc());
        qemuSame("@s1.mirror", "@top.qcow2");
        assertEquals(0, jemu(dir, "snapshot", "-d", "q1", "@top.qcow2").rc());
        qemuClean("@top.qcow2");
        // commit into the base, which then reads like the top did
        Res cm = jemu(dir, "commit", "@top.qcow2");
        assertEquals(0, cm.rc(), cm.toString());
        assertEquals("Image committed.\n", cm.out());
        qemuClean("@base.qcow2");
        qemuSame("@s1.mirror", "@base.qcow2");
        qemuSame("@s1.mirror", "@top.qcow2");
        // rebase onto nothing (safe): the image stands alone with the same content
        assertEquals(0, jemu(dir, "create", "-q", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", "@t2.qcow2").rc());
        Res rb = jemu(dir, "rebase", "-b", "", "@t2.qcow2");
        assertEquals(0, rb.rc(), rb.toString());
        qemuClean("@t2.qcow2");
        assertFalse(tool(dir, "qemu-img", "info", "@t2.qcow2").out().contains("backing file"));
        qemuSame("@s1.mirror", "@t2.qcow2");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "compat=0.10", "cluster_size=512", "refcount_bits=1", "extended_l2=on", "-c", "-c compression_type=zstd",
            "cluster_size=2M", "lazy_refcounts=on"})
    void qemuWritesJemuReads(String spec) throws Exception {
        Need.tool("qemu-io");
        boolean c = spec.startsWith("-c");
        String o = c ? spec.substring(2).trim() : spec;
        String name = "q" + Integer.toHexString(spec.hashCode()) + ".qcow2";
        List<String> args = new ArrayList<>(List.of("qemu-img", "convert", "-f", "raw", "-O", "qcow2"));
        if (c) args.add("-c");
        if (!o.isEmpty()) { args.add("-o"); args.add(o); }
        args.add("@src.raw");
        args.add("@" + name);
        assertEquals(0, tool(dir, args.toArray(String[]::new)).rc());
        // unaligned partial writes and zero writes by QEMU itself (subclusters, COW, zero clusters)
        Res io = tool(dir, "qemu-io", "-f", "qcow2", "-c", "write -P 0x33 1000 70000", "-c", "write -z 3145728 131072",
                "-c", "write -P 0x44 8388000 5000", "-c", "discard 16777216 65536", "@" + name);
        assertEquals(0, io.rc(), io.toString());
        Res r = jemu(dir, "convert", "-O", "raw", "@" + name, "@" + name + ".raw");
        assertEquals(0, r.rc(), r.toString());
        qemuSame("@" + name, "@" + name + ".raw");
        Res jc = jemu(dir, "check", "@" + name);
        assertEquals(0, jc.rc(), jc.toString());
        assertEquals(tool(dir, "qemu-img", "check", "@" + name).out(), jc.out());
        assertEquals(tool(dir, "qemu-img", "info", "--output=json", "@" + name).out(), jemu(dir, "info", "--output=json", "@" + name).out());
        assertEquals(tool(dir, "qemu-img", "map", "--output=json", "@" + name).out(), jemu(dir, "map", "--output=json", "@" + name).out());
        assertEquals(0, jemu(dir, "compare", "@src.raw", "@" + name).rc() == 0 ? 1 : 0, "the image was modified, compare must see it");
    }

    @Test
    void outputsMatchQemuImg() throws Exception {
        assertEquals(0, tool(dir, "qemu-img", "convert", "-O", "qcow2", "@src.raw", "@o.qcow2").rc());
        assertEquals(0, tool(dir, "qemu-img", "convert", "-c", "-O", "qcow2", "@src.raw", "@oc.qcow2").rc());
        assertEquals(0, tool(dir, "qemu-img", "convert", "-O", "qcow2", "@src.raw", "@os.qcow2").rc());
        assertEquals(0, tool(dir, "qemu-img", "snapshot", "-c", "snap one", "@os.qcow2").rc());
        assertEquals(0, tool(dir, "qemu-img", "create", "-q", "-f", "qcow2", "-o", "compat=0.10", "@v2.qcow2", "100M").rc());
        for (String img : List.of("@src.raw", "@o.qcow2", "@oc.qcow2", "@os.qcow2", "@v2.qcow2")) {
            for (String[] c : List.of(new String[]{"info"}, new String[]{"info", "--output=json"}, new String[]{"check"},
                    new String[]{"check", "--output=json"}, new String[]{"map", "--output=json"}, new String[]{"map"},
                    new String[]{"measure", "-O", "qcow2"}, new String[]{"measure", "--output=json", "-O", "qcow2"},
                    new String[]{"snapshot", "-l"}, new String[]{"compare", "@src.raw"})) {
                List<String> q = new ArrayList<>(List.of("qemu-img"));
                q.addAll(List.of(c));
                q.add(img);
                Res a = tool(dir, q.toArray(String[]::new));
                List<String> j = new ArrayList<>(List.of(c));
                j.add(img);
                Res b = jemu(dir, j.toArray(String[]::new));
                String what = String.join(" ", j);
                assertEquals(a.out(), b.out(), what);
                assertEquals(a.rc(), b.rc(), what);
                assertEquals(a.err(), b.err().replace("jemu-img", "qemu-img"), what);
            }
        }
    }

    @Test
    void createMatchesQemuImg() throws Exception {
        for (String[] c : List.of(new String[]{"-f", "qcow2", "X", "1G"}, new String[]{"-f", "qcow2", "-o", "compat=0.10,cluster_size=4k", "X", "64M"},
                new String[]{"-f", "qcow2", "-o", "extended_l2=on,compression_type=zstd,lazy_refcounts=on", "X", "1G"},
                new String[]{"-f", "raw", "X", "10M"}, new String[]{"-f", "qcow2", "-o", "refcount_bits=1", "X", "3G"})) {
            List<String> q = new ArrayList<>(List.of("qemu-img", "create"));
            List<String> j = new ArrayList<>(List.of("create"));
            for (String s : c) { q.add(s.equals("X") ? "@cq.img" : s); j.add(s.equals("X") ? "@cj.img" : s); }
            Res a = tool(dir, q.toArray(String[]::new)), b = jemu(dir, j.toArray(String[]::new));
            assertEquals(a.rc(), b.rc());
            assertEquals(a.out().replace("cq.img", "cj.img"), b.out());
            if (c[1].equals("qcow2")) qemuClean("@cj.img");
            assertEquals(tool(dir, "qemu-img", "info", "--output=json", "@cq.img").out().replaceAll("\"actual-size\": \\d+", "").replace("cq.img", "cj.img"),
                    tool(dir, "qemu-img", "info", "--output=json", "@cj.img").out().replaceAll("\"actual-size\": \\d+", ""));
        }
    }
}
