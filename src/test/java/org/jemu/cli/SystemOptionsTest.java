package org.jemu.cli;

import org.jemu.util.OptionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** Command-line errors are one clear message naming the option, as QEMU words them. */
class SystemOptionsTest {
    @TempDir Path dir;

    String error(String... args) {
        OptionException e = assertThrows(OptionException.class, () -> SystemRiscv64.run(args));
        return e.getMessage();
    }

    @Test
    void unknownOptionsAreNamed() {
        assertEquals("-foo: invalid option", error("-foo"));
        assertEquals("Property 'virt-machine.foo' not found", error("-M", "virt,foo=1,dumpdtb=" + dir.resolve("x")));
        assertTrue(error("-M", "sifive_u").contains("unsupported machine type 'sifive_u'"));
        assertTrue(error("-cpu", "rv32").contains("unable to find CPU model 'rv32'"));
        assertTrue(error("-smp", "0").contains("greater than zero"));
        assertTrue(error("-m").contains("requires an argument"));
        assertTrue(error("-serial", "tcp:1234").contains("tcp:1234"));
        assertTrue(error("-display", "gtk").contains("gtk"));
        assertTrue(error("-d", "nosuch").contains("nosuch"));
    }

    @Test
    void accelErrors() {
        assertEquals("-accel kvm: invalid accelerator kvm", error("-accel", "kvm"));
        assertTrue(error("-accel", "tcg,thread=single").contains("thread=single is not supported"));
        assertTrue(error("-accel", "tcg,thread=many").contains("'thread'"));
        assertTrue(error("-accel", "tcg,foo=1").contains("'foo'"));
        assertTrue(error("-accel", "tcg,thresh=x").contains("invalid translation threshold 'x'"));
        assertTrue(error("-accel", "tcg,tb-size=big").contains("tb-size"));
        assertTrue(error("-accel").contains("requires an argument"));
    }

    @Test
    void driveErrors() throws Exception {
        Path img = dir.resolve("d.raw");
        Files.write(img, new byte[4096]);
        String dtb = "virt,dumpdtb=" + dir.resolve("x.dtb");
        assertTrue(error("-M", dtb, "-bios", "none", "-drive", "file=" + img + ",format=raw,if=virtio,bogus=1").contains("bogus"));
        assertTrue(error("-M", dtb, "-bios", "none", "-drive", "file=" + dir.resolve("missing") + ",format=raw").contains("missing"));
        assertTrue(error("-M", dtb, "-bios", "none", "-drive", "file=" + img + ",if=ide").contains("if=ide"));
        assertTrue(error("-M", dtb, "-bios", "none", "-device", "virtio-blk-device,drive=nope").contains("nope"));
        assertTrue(error("-M", dtb, "-bios", "none", "-device", "e1000").contains("e1000"));
        assertTrue(error("-M", dtb, "-bios", "none", "-drive", "file=" + img + ",format=raw,if=none,id=d0",
                "-device", "virtio-blk-device,drive=d0", "-device", "virtio-blk-device,drive=d0").contains("already in use"));
        assertEquals(0, SystemRiscv64.run(new String[] {"-M", dtb, "-bios", "none", "-drive", "file=" + img + ",format=raw,if=none,id=d0",
                "-device", "virtio-blk-device,drive=d0", "-device", "virtio-rng-device", "-blockdev",
                "driver=raw,node-name=n1,file.driver=file,file.filename=" + img, "-device", "virtio-blk-device,drive=n1"}));
    }

    @Test
    void kernelErrors() throws Exception {
        String dtb = "virt,dumpdtb=" + dir.resolve("x.dtb");
        assertTrue(error("-M", dtb, "-bios", "none", "-kernel", dir.resolve("nokernel").toString()).contains("nokernel"));
        assertTrue(error("-M", dtb, "-bios", "none", "-append", "x").contains("-append only allowed with -kernel"));
        Path big = dir.resolve("big");
        Files.write(big, new byte[12 << 20]);
        assertTrue(error("-M", dtb, "-m", "16M", "-bios", "none", "-kernel", big.toString(), "-initrd", big.toString(),
                "-append", "x").contains("initrd"));
        Path elf = dir.resolve("bad.elf");
        Files.write(elf, new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 62, 0});
        assertTrue(error("-M", dtb, "-bios", "none", "-kernel", elf.toString()).contains("ELF"));
    }

    @Test
    void versionAndHelp() throws Exception {
        assertEquals(0, SystemRiscv64.run(new String[] {"-version"}));
        assertEquals(0, SystemRiscv64.run(new String[] {"-help"}));
    }
}
