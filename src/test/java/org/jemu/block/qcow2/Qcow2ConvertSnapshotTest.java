package org.jemu.block.qcow2;

import org.jemu.testutil.Jemu;
import org.jemu.testutil.Need;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.jemu.block.qcow2.ImgTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * jemu-img convert -l (from an internal snapshot) against qemu-img convert -l: same content for every
 * form of the snapshot parameter, the same errors and exit codes.
 */
class Qcow2ConvertSnapshotTest {
    static Path dir;

    @BeforeAll
    static void setup() throws Exception {
        Need.tool("qemu-img");
        Need.tool("qemu-io");
        dir = Jemu.home().resolve("target/qcow2-convert-snapshot");
        if (Files.exists(dir)) try (var w = Files.walk(dir)) { w.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete()); }
        Files.createDirectories(dir);
        makeRaw(dir.resolve("src.raw"), 24L << 20, 11);
        // s.qcow2: snapshot s1 (id 1) of src.raw, then the active layer changes; snapshot s2 (id 2) after that
        assertEquals(0, tool(dir, "qemu-img", "convert", "-O", "qcow2", "-o", "cluster_size=4k", "@src.raw", "@s.qcow2").rc());
        assertEquals(0, tool(dir, "qemu-img", "snapshot", "-c", "s1", "@s.qcow2").rc());
        assertEquals(0, tool(dir, "qemu-io", "-c", "write -P 0x44 0 1M", "-c", "write -z 4M 2M", "@s.qcow2").rc());
        assertEquals(0, tool(dir, "qemu-img", "snapshot", "-c", "s2", "@s.qcow2").rc());
        assertEquals(0, tool(dir, "qemu-io", "-c", "write -P 0x55 8M 1M", "@s.qcow2").rc());
    }

    private void sameAsQemu(String param, String fmt) throws Exception {
        String out = "j-" + fmt, ref = "q-" + fmt;
        Files.deleteIfExists(dir.resolve(out));
        Files.deleteIfExists(dir.resolve(ref));
        Res q = tool(dir, "qemu-img", "convert", "-l", param, "-O", fmt, "@s.qcow2", "@" + ref);
        assertEquals(0, q.rc(), q.toString());
        Res j = jemu(dir, "convert", "-l", param, "-O", fmt, "@s.qcow2", "@" + out);
        assertEquals(0, j.rc(), j.toString());
        if (fmt.equals("qcow2")) assertEquals(0, tool(dir, "qemu-img", "check", "@" + out).rc());
        Res c = tool(dir, "qemu-img", "compare", "@" + ref, "@" + out);
        assertEquals(0, c.rc(), "-l " + param + " -O " + fmt + ":\n" + c);
    }

    @Test
    void everyFormOfTheParameter() throws Exception {
        sameAsQemu("s1", "qcow2");
        sameAsQemu("1", "raw");
        sameAsQemu("snapshot.name=s2", "qcow2");
        sameAsQemu("snapshot.id=2", "raw");
        sameAsQemu("snapshot.id=1,snapshot.name=s1", "qcow2");
        // the snapshot s1 is the original data, not the changed active layer
        assertEquals(0, tool(dir, "qemu-img", "compare", "@src.raw", "@j-qcow2").rc());
        assertEquals(1, tool(dir, "qemu-img", "compare", "-q", "@src.raw", "@s.qcow2").rc());
    }

    private void sameError(String... args) throws Exception {
        String[] q = new String[args.length + 1];
        q[0] = "qemu-img";
        System.arraycopy(args, 0, q, 1, args.length);
        Res qr = tool(dir, q);
        Res jr = jemu(dir, args);
        assertEquals(qr.rc(), jr.rc(), String.join(" ", args) + "\nqemu-img: " + qr + "\njemu-img: " + jr);
        assertEquals(qr.err().replace("qemu-img:", "jemu-img:"), jr.err(), String.join(" ", args));
    }

    @Test
    void errorsAsQemuImg() throws Exception {
        sameError("convert", "-l", "nope", "-O", "raw", "@s.qcow2", "@e.raw");
        sameError("convert", "-l", "snapshot.name=nope", "-O", "raw", "@s.qcow2", "@e.raw");
        sameError("convert", "-l", "snapshot.id=1,snapshot.name=s2", "-O", "raw", "@s.qcow2", "@e.raw");
        sameError("convert", "-l", "snapshot.foo=1", "-O", "raw", "@s.qcow2", "@e.raw");
        sameError("convert", "-l", "s1", "-O", "raw", "@s.qcow2", "@src.raw", "@e.raw");
        sameError("convert", "-l", "s1", "-O", "raw", "@src.raw", "@e.raw");
    }
}
