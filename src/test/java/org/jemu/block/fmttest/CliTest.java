package org.jemu.block.fmttest;

import org.jemu.testutil.Jemu;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * jemu-img with every format and subformat, against qemu-img: convert both ways, info (human and
 * JSON, byte for byte), map, check, compare, create.
 */
@Timeout(300)
public class CliTest {
    record Case(String name, String fmt, String opts, boolean check, boolean sameMap) {
        @Override public String toString() { return name; }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("vmdk", "vmdk", "", true, true),
                new Case("vmdk-stream", "vmdk", "subformat=streamOptimized", true, true),
                new Case("vmdk-flat", "vmdk", "subformat=monolithicFlat", true, true),
                new Case("vmdk-2gb-sparse", "vmdk", "subformat=twoGbMaxExtentSparse", true, true),
                new Case("vmdk-2gb-flat", "vmdk", "subformat=twoGbMaxExtentFlat", true, true),
                new Case("vdi", "vdi", "", true, true),
                new Case("vdi-static", "vdi", "static=on", true, true),
                new Case("vpc", "vpc", "", false, true),
                new Case("vpc-fixed", "vpc", "subformat=fixed", false, true),
                new Case("vhdx", "vhdx", "", true, false),
                new Case("vhdx-fixed", "vhdx", "subformat=fixed,block_size=1M", true, false));
    }

    public record Out(int rc, String out, String err) {}

    /** Runs jemu-img in this JVM with its output captured. */
    public static synchronized Out jemuImg(String... args) throws Exception {
        Class<?> img = Class.forName("org.jemu.cli.Img");
        Field fo = img.getDeclaredField("out"), fe = img.getDeclaredField("err");
        fo.setAccessible(true);
        fe.setAccessible(true);
        Object oldOut = fo.get(null), oldErr = fe.get(null);
        ByteArrayOutputStream bo = new ByteArrayOutputStream(), be = new ByteArrayOutputStream();
        fo.set(null, new PrintStream(bo, true, StandardCharsets.UTF_8));
        fe.set(null, new PrintStream(be, true, StandardCharsets.UTF_8));
        try {
            int rc = (int) img.getMethod("run", String[].class).invoke(null, (Object) args);
            return new Out(rc, bo.toString(StandardCharsets.UTF_8), be.toString(StandardCharsets.UTF_8));
        } finally {
            fo.set(null, oldOut);
            fe.set(null, oldErr);
        }
    }

    static Out ok(String... args) throws Exception {
        Out o = jemuImg(args);
        assertEquals(0, o.rc, "jemu-img " + String.join(" ", args) + ": " + o);
        return o;
    }

    static String[] convertArgs(String from, String to, String opts, String src, String dst) {
        List<String> a = new ArrayList<>(List.of("convert", "-f", from, "-O", to));
        if (!opts.isEmpty()) { a.add("-o"); a.add(opts); }
        a.add(src);
        a.add(dst);
        return a.toArray(String[]::new);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void jemuImgWithFormat(Case c, @TempDir Path dir) throws Exception {
        byte[] src = Images.pattern(6 << 20, c.name.hashCode());
        String raw = Images.writeRaw(dir, "src.raw", src).toString();
        String q = dir.resolve("q." + c.fmt).toString(), j = dir.resolve("j." + c.fmt).toString();

        // qemu-img writes, jemu-img reads
        Images.qemuImgOk(dir, convertArgs("raw", c.fmt, c.opts, raw, q));
        for (String output : new String[]{"--output=json", "--output=human"}) {
            Jemu.Result qi = Images.qemuImgOk(dir, "info", output, q);
            assertEquals(qi.stdout(), ok("info", output, q).out, c.name + ": jemu-img info " + output + " of qemu's image");
        }
        Path back = dir.resolve("back.raw");
        ok(convertArgs(c.fmt, "raw", "", q, back.toString()));
        Images.assertSame(src, Files.readAllBytes(back), c.name + ": jemu-img convert -O raw");
        if (c.sameMap) {
            assertEquals(Images.qemuImgOk(dir, "map", "--output=json", q).stdout(), ok("map", "--output=json", q).out, c.name + ": map");
        }

        // jemu-img writes, qemu-img reads
        ok(convertArgs("raw", c.fmt, c.opts, raw, j));
        Jemu.Result cmp = Images.qemuImg(dir, "compare", "-f", c.fmt, "-F", "raw", j, raw);
        assertEquals(0, cmp.exit(), c.name + ": qemu-img compare of jemu's image: " + cmp);
        for (String output : new String[]{"--output=json", "--output=human"}) {
            Jemu.Result qi = Images.qemuImgOk(dir, "info", output, j);
            assertEquals(qi.stdout(), ok("info", output, j).out, c.name + ": jemu-img info " + output + " of jemu's image");
        }
        if (c.check) {
            assertTrue(Images.qemuImgOk(dir, "check", j).stdout().contains("No errors were found"));
            assertEquals(Images.qemuImgOk(dir, "check", "--output=json", q).stdout(), ok("check", "--output=json", q).out);
            assertTrue(ok("check", j).out.contains("No errors were found"));
        } else {
            Out o = jemuImg("check", j);
            assertTrue(o.rc != 0 && o.err.contains("does not support checks"), o.toString());
        }
        assertEquals(0, jemuImg("compare", "-f", c.fmt, "-F", c.fmt, q, j).rc, c.name + ": jemu-img compare");

        // create: same virtual size as qemu-img's, and qemu-img accepts it
        String jc = dir.resolve("jc." + c.fmt).toString(), qc = dir.resolve("qc." + c.fmt).toString();
        List<String> a = new ArrayList<>(List.of("create", "-q", "-f", c.fmt));
        if (!c.opts.isEmpty()) { a.add("-o"); a.add(c.opts); }
        List<String> qa = new ArrayList<>(a);
        a.add(jc); a.add("5M");
        qa.add(qc); qa.add("5M");
        ok(a.toArray(String[]::new));
        Images.qemuImgOk(dir, qa.toArray(String[]::new));
        String vsQ = Images.qemuImgOk(dir, "info", "--output=json", qc).stdout().replaceAll("(?s).*\"virtual-size\": (\\d+).*", "$1");
        String vsJ = Images.qemuImgOk(dir, "info", "--output=json", jc).stdout().replaceAll("(?s).*\"virtual-size\": (\\d+).*", "$1");
        assertEquals(vsQ, vsJ, c.name + ": created size");
        if (c.check) assertTrue(Images.qemuImgOk(dir, "check", jc).stdout().contains("No errors were found"));
    }
}
