package org.jemu.hw.riscv;

import org.jemu.block.BlockDrivers;
import org.jemu.block.BlockNode;
import org.jemu.testutil.Jemu;
import org.jemu.testutil.LinuxGuest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Debian's kernel finds a virtio-blk-pci and a virtio-rng-pci function behind the PCIe host bridge,
 * assigns their BARs itself, drives them with INTx through the PLIC (32 + swizzle), reads the disk,
 * writes a marker the host then finds in the image, reads the entropy device, and writes to /dev/hvc0
 * of a virtio-serial-pci console on {@code -chardev stdio} (serial port in a file) and reads from it a
 * line the host piped in at start-up, before the guest's driver was ready. One boot.
 */
class VirtioPciBootTest {
    @TempDir Path dir;

    @Test
    void linuxDrivesVirtioPciDevices() throws Exception {
        LinuxGuest guest = LinuxGuest.need();
        Path raw = dir.resolve("pci.raw");
        BlockDrivers.create(raw.toString(), "raw", 8 << 20, null);
        try (BlockNode n = BlockDrivers.open(raw.toString(), "raw", false, BlockDrivers.Options.DEFAULT)) {
            n.write(0, ByteBuffer.wrap("HOSTPCI-1".getBytes(StandardCharsets.US_ASCII)));
        }
        String cmd = "insmod,/lib/modules/virtio_blk.ko;insmod,/lib/modules/virtio-rng.ko;"
                + "cat,/sys/bus/pci/devices/0000:00:01.0/device,/sys/bus/pci/devices/0000:00:02.0/device;"
                + "head,-c,9,/dev/vda;echo;echo,GUESTPCI|dd,of=/dev/vda,bs=512,seek=8,conv=fsync;"
                + "cat,/sys/class/misc/hw_random/rng_current;head,-c,4096,/dev/hwrng|wc,-c;cat,/proc/interrupts;"
                + "head,-n,1,/dev/hvc0;echo,HVC-OVER-PCI>/dev/hvc0";
        Path serial = dir.resolve("ttyS0.log");
        Jemu.Result r = Jemu.run(guest.command(cmd, "-m", "512M", "-serial", "file:" + serial, "-monitor", "none",
                "-drive", "file=" + raw + ",format=raw,if=none,id=d0", "-device", "virtio-blk-pci,drive=d0",
                "-device", "virtio-rng-pci", "-chardev", "stdio,id=c0",
                "-device", "virtio-serial-pci", "-device", "virtconsole,chardev=c0"),
                "HOST-INPUT-1\n".getBytes(StandardCharsets.US_ASCII), 900, null);
        String out = java.nio.file.Files.readString(serial);
        assertEquals(0, r.exit(), r.toString());
        assertTrue(out.contains("pci 0000:00:01.0: [1af4:1042] type 00 class 0x010000"), out);
        assertTrue(out.contains("pci 0000:00:02.0: [1af4:1044] type 00 class 0x00ff00"), out);
        assertTrue(out.contains("0x1042") && out.contains("0x1044"), out);
        assertTrue(out.contains("[vda] 16384 512-byte logical blocks"), out);
        assertTrue(out.contains("HOSTPCI-1"), out);
        assertTrue(out.contains("virtio_rng.0"), out);
        assertTrue(out.contains("\n4096"), "4096 bytes from /dev/hwrng:\n" + out);
        assertTrue(out.contains("PLIC  33") && out.contains("PLIC  34"), "INTx of slots 1 and 2 on PLIC 33/34:\n" + out);
        assertTrue(out.contains("pci 0000:00:03.0: [1af4:1043] type 00 class 0x078000"), out);
        assertTrue(out.contains("JEMU-DONE"), out);
        // host input piped in at start-up reaches the guest's read of /dev/hvc0 (the tty echoes it back)
        assertTrue(out.contains("\nHOST-INPUT-1"), out);
        assertTrue(r.stdout().replace("\r\n", "\n").contains("HVC-OVER-PCI\n"), r.toString());
        try (BlockNode n = BlockDrivers.open(raw.toString(), "raw", true, BlockDrivers.Options.DEFAULT)) {
            ByteBuffer b = ByteBuffer.allocate(9);
            n.read(4096, b);
            assertEquals("GUESTPCI\n", new String(b.array(), StandardCharsets.US_ASCII));
        }
    }
}
