package org.jemu.hw.riscv;

import org.jemu.block.BlockDrivers;
import org.jemu.block.BlockNode;
import org.jemu.testutil.Jemu;
import org.jemu.testutil.LinuxGuest;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Debian's riscv64 kernel with the busybox initramfs boots on {@code -M virt} through OpenSBI (the
 * default -bios), insmods the virtio modules, reads a raw disk on virtio-blk-pci ({@code -drive if=virtio},
 * as QEMU) and a qcow2 disk on virtio-mmio ({@code -device virtio-blk-device}), writes to both, and powers
 * off; jemu exits 0 and the host sees what the guest wrote. -smp 1 and -smp 2.
 */
class BootLinuxTest {
    @TempDir Path dir;

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void bootsReadsWritesDisksAndPowersOff(int smp) throws Exception {
        boot(smp, System.getProperty("jemu.boot.accel"));
    }

    /** The same boot with the translator on (softmmu TLB model, units keyed by physical page). */
    @org.junit.jupiter.api.Test
    void bootsTranslated() throws Exception {
        boot(1, System.getProperty("jemu.boot.tcg-accel", "tcg,thresh=500"));
    }

    private void boot(int smp, String accel) throws Exception {
        LinuxGuest guest = LinuxGuest.need();
        Path raw = dir.resolve("d1.raw"), qcow = dir.resolve("d2.qcow2");
        BlockDrivers.create(raw.toString(), "raw", 8 << 20, null);
        BlockDrivers.create(qcow.toString(), "qcow2", 8 << 20, null);
        try (BlockNode n = BlockDrivers.open(raw.toString(), "raw", false, BlockDrivers.Options.DEFAULT)) {
            n.write(0, ByteBuffer.wrap("HOSTRAW-1".getBytes(StandardCharsets.US_ASCII)));
        }
        try (BlockNode n = BlockDrivers.open(qcow.toString(), "qcow2", false, BlockDrivers.Options.DEFAULT)) {
            n.write(0, ByteBuffer.wrap("QCOW".getBytes(StandardCharsets.US_ASCII)));
        }
        String cmd = "insmod,/lib/modules/virtio_mmio.ko;insmod,/lib/modules/virtio_blk.ko;insmod,/lib/modules/virtio-rng.ko;"
                + "head,-c,9,/dev/vda;echo;head,-c,4,/dev/vdb;echo;echo,GUEST1|dd,of=/dev/vda,bs=512,seek=8,conv=fsync;"
                + "echo,GUEST2|dd,of=/dev/vdb,bs=512,seek=8,conv=fsync;grep,-m1,isa,/proc/cpuinfo;grep,-c,processor,/proc/cpuinfo";
        List<String> argv = guest.command(cmd, "-smp", String.valueOf(smp), "-m", "1G",
                "-drive", "file=" + raw + ",format=raw,if=virtio",
                "-drive", "file=" + qcow + ",format=qcow2,if=none,id=q", "-device", "virtio-blk-device,drive=q");
        if (accel != null && !accel.isEmpty()) argv.addAll(List.of("-accel", accel));
        Jemu.Result r = Jemu.run(argv, new byte[0], 600, null);
        String out = r.stdout();
        assertEquals(0, r.exit(), r.toString());
        assertTrue(out.contains("BOOT-OK"), out);
        assertTrue(out.contains("[vda] 16384 512-byte logical blocks") && out.contains("[vdb] 16384 512-byte logical blocks"), out);
        assertTrue(out.contains("HOSTRAW-1"), out);
        assertTrue(out.contains("QCOW"), out);
        assertTrue(out.contains("isa\t\t: rv64imafdc_") && out.contains("_zicsr_zifencei_"), out);
        assertTrue(out.contains("\n" + smp + "\r\n") || out.contains("\n" + smp + "\n"), "processor count " + smp + ":\n" + out);
        assertTrue(out.contains("JEMU-DONE"), out);
        assertTrue(out.contains("reboot: Power down"), out);
        try (BlockNode n = BlockDrivers.open(raw.toString(), "raw", true, BlockDrivers.Options.DEFAULT)) {
            ByteBuffer b = ByteBuffer.allocate(7);
            n.read(4096, b);
            assertEquals("GUEST1\n", new String(b.array(), StandardCharsets.US_ASCII));
        }
        try (BlockNode n = BlockDrivers.open(qcow.toString(), "qcow2", true, BlockDrivers.Options.DEFAULT)) {
            ByteBuffer b = ByteBuffer.allocate(7);
            n.read(4096, b);
            assertEquals("GUEST2\n", new String(b.array(), StandardCharsets.US_ASCII));
        }
    }
}
