package org.jemu.cli;

import org.jemu.testutil.Jemu;
import org.jemu.testutil.Need;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code -M virt,dumpdtb=F} against qemu-system-riscv64's for the same options, compared as dtc
 * prints them: same nodes, properties, reg/interrupts/phandles. Expected differences, removed before
 * comparing: rng-seed (random), the fw-cfg and cfi-flash nodes (devices jemu does not have), and
 * riscv,isa, which names what jemu's CPU implements (checked separately: no H, no Zbc).
 */
class VirtDtbTest {
    @TempDir Path dir;

    String dts(Path dtb) throws Exception {
        Jemu.Result r = Jemu.run(List.of(Need.tool("dtc").toString(), "-q", "-I", "dtb", "-O", "dts", dtb.toString()), 30);
        assertEquals(0, r.exit(), r.toString());
        return r.stdout();
    }

    static String normalize(String dts) {
        List<String> out = new ArrayList<>();
        int skipDepth = -1, depth = 0;
        for (String line : dts.split("\n")) {
            String t = line.trim();
            if (skipDepth < 0 && (t.startsWith("fw-cfg@") || t.startsWith("flash@"))) skipDepth = depth;
            if (t.endsWith("{")) depth++;
            if (t.startsWith("};")) depth--;
            if (skipDepth >= 0) {
                if (depth == skipDepth && t.startsWith("};")) skipDepth = -1;
                continue;
            }
            if (t.startsWith("rng-seed") || t.startsWith("riscv,isa")) continue;
            out.add(line);
        }
        return String.join("\n", out).replaceAll("\n\n+", "\n\n");
    }

    void compare(String... opts) throws Exception {
        Path qemu = Need.tool("qemu-system-riscv64");
        Path q = dir.resolve("q.dtb"), j = dir.resolve("j.dtb");
        List<String> cmd = new ArrayList<>(List.of(qemu.toString(), "-M", "virt,dumpdtb=" + q, "-nographic", "-bios", "none"));
        cmd.addAll(List.of(opts));
        Jemu.Result r = Jemu.run(cmd, 60);
        assertEquals(0, r.exit(), r.toString());
        List<String> ours = new ArrayList<>(List.of("-M", "virt,dumpdtb=" + j, "-nographic", "-bios", "none"));
        ours.addAll(List.of(opts));
        assertEquals(0, SystemRiscv64.run(ours.toArray(new String[0])));
        assertEquals(normalize(dts(q)), normalize(dts(j)));
        String isa = dts(j).lines().filter(l -> l.contains("riscv,isa")).findFirst().orElseThrow();
        assertTrue(isa.contains("\"" + SystemRiscv64.ISA + "\""), isa);
    }

    @Test
    void defaultMachine() throws Exception { compare(); }

    @Test
    void twoHartsOneGig() throws Exception { compare("-smp", "2", "-m", "1G"); }

    @Test
    void fourHartsWithKernelInitrdAppend() throws Exception {
        Path kernel = dir.resolve("k.bin"), initrd = dir.resolve("i.bin");
        Files.write(kernel, new byte[8192]);
        Files.write(initrd, new byte[12345]);
        compare("-smp", "4", "-m", "512M", "-kernel", kernel.toString(), "-initrd", initrd.toString(), "-append", "console=ttyS0 quiet");
    }
}
