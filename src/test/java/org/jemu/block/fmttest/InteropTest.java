package org.jemu.block.fmttest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.jemu.block.BlockDriver;
import org.jemu.block.BlockNode;
import org.jemu.block.vdi.VdiDriver;
import org.jemu.block.vpc.VpcDriver;
import org.jemu.block.vmdk.VmdkDriver;
import org.jemu.block.vhdx.VhdxDriver;
import org.jemu.testutil.Jemu;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Interop both ways with Debian's qemu-img for every format and subformat: images jemu writes pass
 * {@code qemu-img check} (where the format has one) and {@code qemu-img compare} against the source;
 * images qemu-img writes read back identically through our drivers; sizes agree with qemu-img info.
 */
@Timeout(120)
class InteropTest {
    record Case(String name, BlockDriver driver, String qfmt, String opts, boolean qemuCheck, long size) {
        @Override public String toString() { return name; }
    }

    static final List<Case> CASES = new ArrayList<>(List.of(
            new Case("vdi-dynamic", new VdiDriver(), "vdi", "", true, 7 << 20),
            new Case("vdi-static", new VdiDriver(), "vdi", "static=on", true, (5 << 20) + (1 << 19)),
            new Case("vpc-dynamic", new VpcDriver(), "vpc", "", false, 9 << 20),
            new Case("vpc-fixed", new VpcDriver(), "vpc", "subformat=fixed", false, 6 << 20),
            new Case("vpc-dynamic-force", new VpcDriver(), "vpc", "force_size=on", false, (5 << 20) + 4096),
            new Case("vpc-fixed-force", new VpcDriver(), "vpc", "subformat=fixed,force_size=on", false, 3 << 20),
            new Case("vmdk-monolithicSparse", new VmdkDriver(), "vmdk", "", true, (9 << 20) + 4096),
            new Case("vmdk-zeroed-grain", new VmdkDriver(), "vmdk", "zeroed_grain=on,adapter_type=lsilogic", true, 5 << 20),
            new Case("vmdk-monolithicFlat", new VmdkDriver(), "vmdk", "subformat=monolithicFlat", true, 6 << 20),
            new Case("vmdk-twoGbMaxExtentSparse", new VmdkDriver(), "vmdk", "subformat=twoGbMaxExtentSparse", true, 7 << 20),
            new Case("vmdk-twoGbMaxExtentFlat", new VmdkDriver(), "vmdk", "subformat=twoGbMaxExtentFlat,compat6=on", true, 4 << 20),
            new Case("vmdk-streamOptimized", new VmdkDriver(), "vmdk", "subformat=streamOptimized", true, (8 << 20) + 512),
            new Case("vhdx-dynamic", new VhdxDriver(), "vhdx", "", true, 9 << 20),
            new Case("vhdx-dynamic-1M", new VhdxDriver(), "vhdx", "block_size=1M,log_size=2M", true, (5 << 20) + 4096),
            new Case("vhdx-dynamic-nozero", new VhdxDriver(), "vhdx", "block_state_zero=off", true, 3 << 20),
            new Case("vhdx-fixed", new VhdxDriver(), "vhdx", "subformat=fixed", true, 10 << 20),
            new Case("vhdx-fixed-nozero", new VhdxDriver(), "vhdx", "subformat=fixed,block_state_zero=off,block_size=2M", true, 7 << 20)));

    static Stream<Case> cases() { return CASES.stream(); }

    static BlockDriver[] allDrivers() { return Drivers.ALL; }

    @ParameterizedTest
    @MethodSource("cases")
    void jemuWritesQemuReads(Case c, @TempDir Path dir) throws Exception {
        byte[] data = Images.pattern(c.size, c.name.hashCode());
        Path img = dir.resolve("j." + c.qfmt);
        Images.createWith(c.driver, img, c.size, c.opts);
        try (BlockNode n = TestContext.open(c.driver, img, false, allDrivers())) {
            Images.writeAll(n, data, 192 * 1024);
            // rewrite a part of an allocated area
            n.write(4096, java.nio.ByteBuffer.wrap(new byte[]{1, 2, 3, 4}));
            data[4096] = 1; data[4097] = 2; data[4098] = 3; data[4099] = 4;
            n.flush();
        }
        try (BlockNode n = TestContext.open(c.driver, img, true, allDrivers())) {
            Images.assertSame(data, Images.readAll(n), c.name + " reread");
            Images.checkStatus(n, data);
        }
        Path raw = Images.writeRaw(dir, "src.raw", data);
        if (c.qemuCheck) {
            Jemu.Result r = Images.qemuImgOk(dir, "check", "-f", c.qfmt, img.toString());
            assertTrue(r.stdout().contains("No errors were found"), r.toString());
        }
        Jemu.Result cmp = Images.qemuImg(dir, "compare", "-f", c.qfmt, "-F", "raw", img.toString(), raw.toString());
        assertEquals(0, cmp.exit(), cmp.toString());
        assertTrue(cmp.stdout().contains("Images are identical"), cmp.toString());
        compareInfo(c, img, dir);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void qemuWritesJemuReads(Case c, @TempDir Path dir) throws Exception {
        byte[] data = Images.pattern(c.size, c.name.hashCode() * 31L);
        Path raw = Images.writeRaw(dir, "src.raw", data);
        Path img = dir.resolve("q." + c.qfmt);
        List<String> args = new ArrayList<>(List.of("convert", "-f", "raw", "-O", c.qfmt));
        if (!c.opts.isEmpty()) { args.add("-o"); args.add(c.opts); }
        args.add(raw.toString());
        args.add(img.toString());
        Images.qemuImgOk(dir, args.toArray(String[]::new));
        try (BlockNode n = TestContext.open(c.driver, img, true, allDrivers())) {
            Images.assertSame(data, Images.readAll(n), c.name + " read of qemu-img's image");
            Images.checkStatus(n, data);
        }
        compareInfo(c, img, dir);
        // and jemu can keep writing into qemu's image, which qemu still reads
        try (BlockNode n = TestContext.open(c.driver, img, false, allDrivers())) {
            byte[] more = new byte[70000];
            new java.util.Random(5).nextBytes(more);
            long at = Math.max(0, n.size() / 2 - 12345) & ~511L;
            n.write(at, java.nio.ByteBuffer.wrap(more));
            System.arraycopy(more, 0, data, (int) at, (int) Math.min(more.length, data.length - at));
        }
        Files.write(raw, data);
        Jemu.Result cmp = Images.qemuImg(dir, "compare", "-f", c.qfmt, "-F", "raw", img.toString(), raw.toString());
        assertEquals(0, cmp.exit(), cmp.toString());
    }

    static void compareInfo(Case c, Path img, Path dir) throws Exception {
        Jemu.Result r = Images.qemuImgOk(dir, "info", "--output=json", "-f", c.qfmt, img.toString());
        JsonNode q = new ObjectMapper().readTree(r.stdout());
        try (BlockNode n = TestContext.open(c.driver, img, true, allDrivers())) {
            assertEquals(q.get("virtual-size").asLong(), n.size(), c.name + " virtual size vs qemu-img info");
            long cs = Drivers.clusterSize(n);
            if (q.has("cluster-size")) assertEquals(q.get("cluster-size").asLong(), cs, c.name + " cluster size");
            else assertEquals(0, cs, c.name + " cluster size (qemu-img prints none)");
            InfoCheck.compareFormatSpecific(q.get("format-specific"), n.formatSpecificInfo(), c.name);
        }
    }
}
