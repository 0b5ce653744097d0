package org.jemu.hw.riscv;

import org.jemu.testutil.Jemu;
import org.jemu.testutil.Need;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Our own bare-metal programs (tests/guest/baremetal/*.S, cross-compiled here with
 * riscv64-linux-gnu-gcc -nostdlib) run with {@code -M virt -bios none -kernel X.elf}: each checks
 * one part of the privileged architecture and powers off through sifive_test with status 0 (PASS)
 * or the number of the failed check. The same programs pass on qemu-system-riscv64.
 */
class BareMetalTest {
    static Path build(String name) throws IOException, InterruptedException {
        Path cc = Need.tool("riscv64-linux-gnu-gcc");
        Path dir = Jemu.home().resolve("tests/guest/baremetal");
        Path src = dir.resolve(name + ".S");
        Path out = Jemu.home().resolve("target/guest-bin/baremetal-" + name + ".elf");
        Files.createDirectories(out.getParent());
        long newest = Math.max(Files.getLastModifiedTime(src).toMillis(), Files.getLastModifiedTime(dir.resolve("common.h")).toMillis());
        if (Files.exists(out) && Files.getLastModifiedTime(out).toMillis() >= newest) return out;
        Jemu.Result r = Jemu.run(List.of(cc.toString(), "-nostdlib", "-static", "-Wl,-N", "-Wl,-Ttext=0x80000000",
                "-Wl,--build-id=none", "-Wl,--no-warn-rwx-segments", "-o", out.toString(), src.toString()), 60);
        assertEquals(0, r.exit(), r.toString());
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"traps", "deleg", "counters", "timer", "extint", "mipseip", "pmp", "paging", "reset"})
    void runs(String name) throws Exception {
        run(name, null);
    }

    /** The same programs with every block translated before it runs (the translator's softmmu model). */
    @ParameterizedTest
    @ValueSource(strings = {"traps", "deleg", "counters", "timer", "extint", "pmp", "paging"})
    void runsTranslated(String name) throws Exception {
        run(name, "tcg,thresh=all");
    }

    /**
     * Translated code in system mode (tests/guest/baremetal/tcg_*.S, which also pass on QEMU): writes to
     * code (patched hot function + fence.i, a loop patching its own body, data stores into the running
     * loop's page, code replaced in a page), remapping a virtual page to other code (sfence.vma), aliases,
     * fetch faults, timer interrupts reaching translated spin loops, precise page faults inside translated
     * loops. Each runs translated synchronously (thresh=all), with the background translator (thresh=2),
     * and in the interpreter (thresh=off).
     */
    @ParameterizedTest
    @CsvSource({"tcg_smc,all", "tcg_smc,2", "tcg_smc,off", "tcg_remap,all", "tcg_remap,2", "tcg_remap,off",
            "tcg_irq,all", "tcg_irq,2", "tcg_irq,off", "tcg_fault,all", "tcg_fault,2", "tcg_fault,off"})
    void translatedCode(String name, String thresh) throws Exception {
        run(name, "tcg,thresh=" + thresh);
    }

    private static void run(String name, String accel) throws Exception {
        Path elf = build(name);
        List<String> cmd = new java.util.ArrayList<>(List.of(Jemu.bin("jemu-system-riscv64").toString(), "-M", "virt", "-nographic",
                "-bios", "none", "-kernel", elf.toString()));
        if (accel != null) cmd.addAll(List.of("-accel", accel));
        Jemu.Result r = Jemu.run(cmd, new byte[0], 120, null);
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.stdout().contains("PASS"), r.toString());
    }

    /** A guest reset under -no-reboot ends jemu with status 0 instead of booting again (QEMU's behaviour). */
    @org.junit.jupiter.api.Test
    void resetWithNoRebootExits() throws Exception {
        Path elf = build("reset");
        Jemu.Result r = Jemu.run(List.of(Jemu.bin("jemu-system-riscv64").toString(), "-M", "virt", "-nographic",
                "-bios", "none", "-no-reboot", "-kernel", elf.toString()), new byte[0], 120, null);
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.stdout().contains("BOOT1"), r.toString());
        assertFalse(r.stdout().contains("BOOT2"), r.toString());
    }
}
