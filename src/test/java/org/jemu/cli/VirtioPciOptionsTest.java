package org.jemu.cli;

import org.jemu.util.OptionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import java.nio.file.Files;
import java.nio.file.Path;
import static org.junit.jupiter.api.Assertions.*;

/** -device virtio-*-pci / virtio-serial / virtconsole and -chardev: what is accepted, and one clear error for the rest. */
class VirtioPciOptionsTest {
    @TempDir Path dir;

    String error(String... args) {
        OptionException e = assertThrows(OptionException.class, () -> SystemRiscv64.run(args));
        return e.getMessage();
    }

    @Test
    void acceptedCombinations() throws Exception {
        Path img = dir.resolve("d.raw");
        Files.write(img, new byte[4096]);
        String dtb = "virt,dumpdtb=" + dir.resolve("x.dtb");
        assertEquals(0, SystemRiscv64.run(new String[] {"-M", dtb, "-bios", "none",
                "-drive", "file=" + img + ",format=raw,if=none,id=d0", "-device", "virtio-blk-pci,drive=d0,id=blk0",
                "-device", "virtio-rng-pci", "-chardev", "file,id=c0,path=" + dir.resolve("c0.log"), "-chardev", "null,id=c1",
                "-device", "virtio-serial-pci", "-device", "virtconsole,chardev=c0",
                "-device", "virtio-serial-device", "-device", "virtconsole,chardev=c1"}));
    }

    @Test
    void unsupportedCombinationsAreNamed() throws Exception {
        Path img = dir.resolve("d.raw");
        Files.write(img, new byte[4096]);
        String dtb = "virt,dumpdtb=" + dir.resolve("x.dtb");
        String drive = "file=" + img + ",format=raw,if=none,id=d0";
        assertTrue(error("-M", dtb, "-bios", "none", "-drive", drive, "-device", "virtio-blk-pci,drive=d0,addr=3").contains("addr="));
        assertTrue(error("-M", dtb, "-bios", "none", "-device", "virtio-blk-pci").contains("drive property not set"));
        assertTrue(error("-M", dtb, "-bios", "none", "-device", "virtio-rng-pci,bogus=1").contains("bogus"));
        assertTrue(error("-M", dtb, "-bios", "none", "-device", "virtconsole").contains("virtio-serial-bus"));
        assertTrue(error("-M", dtb, "-bios", "none", "-device", "virtio-serial-pci", "-device", "virtconsole",
                "-device", "virtconsole").contains("one virtconsole"));
        assertTrue(error("-M", dtb, "-bios", "none", "-device", "virtio-serial-pci", "-device", "virtconsole,chardev=nope").contains("nope"));
        assertTrue(error("-M", dtb, "-bios", "none", "-device", "virtio-serial-pci,max_ports=4").contains("multiport"));
        assertTrue(error("-M", dtb, "-bios", "none", "-device", "virtio-serial-pci", "-device", "virtserialport").contains("virtserialport"));
        assertTrue(error("-M", dtb, "-bios", "none", "-chardev", "socket,id=s0,path=/tmp/x").contains("socket"));
        assertTrue(error("-M", dtb, "-bios", "none", "-chardev", "file,path=/tmp/x").contains("'id' is missing"));
        assertTrue(error("-M", dtb, "-bios", "none", "-chardev", "file,id=f0").contains("no filename"));
        assertTrue(error("-M", dtb, "-bios", "none", "-chardev", "null,id=n0,bogus=1").contains("bogus"));
        assertTrue(error("-M", dtb, "-bios", "none", "-serial", "mon:stdio", "-chardev", "stdio,id=s0").contains("stdio"));
        assertTrue(error("-M", dtb, "-bios", "none", "-chardev", "null,id=n0", "-device", "virtio-serial-device",
                "-device", "virtconsole,chardev=n0", "-device", "virtio-serial-pci", "-device", "virtconsole,chardev=n0").contains("in use"));
    }
}
