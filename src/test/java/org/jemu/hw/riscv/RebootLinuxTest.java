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
 * A guest {@code reboot -f} resets the machine and Linux boots again, as under QEMU: OpenSBI's system
 * reset (sifive_test) restarts both harts at the reset vector with the devices at their power-on state
 * (the virtio-pci disk is found and re-initialised by the second kernel) and RAM images reloaded. The
 * first boot writes a marker to the disk and reboots; the second finds it and powers off. -smp 2.
 */
class RebootLinuxTest {
    @TempDir Path dir;

    @Test
    void guestRebootBootsAgain() throws Exception {
        LinuxGuest guest = LinuxGuest.need();
        Path raw = dir.resolve("d.raw");
        BlockDrivers.create(raw.toString(), "raw", 1 << 20, null);
        String cmd = "insmod,/lib/modules/virtio_blk.ko;if,grep,-q,REBOOTED,/dev/vda;then,echo,SECOND-BOOT;"
                + "else,echo,FIRST-BOOT;echo,REBOOTED|dd,of=/dev/vda,conv=fsync;reboot,-f;fi";
        Jemu.Result r = Jemu.run(guest.command(cmd, "-smp", "2", "-m", "512M", "-drive", "file=" + raw + ",format=raw,if=virtio"),
                new byte[0], 900, null);
        String out = r.stdout();
        assertEquals(0, r.exit(), r.toString());
        int first = out.indexOf("FIRST-BOOT\r\n") >= 0 ? out.indexOf("FIRST-BOOT\r\n") : out.indexOf("FIRST-BOOT\n");
        assertTrue(first > 0, out);
        assertTrue(out.indexOf("reboot: Restarting system", first) > 0, out);
        int second = out.indexOf("SECOND-BOOT", first);
        assertTrue(second > 0, out);
        assertTrue(out.lastIndexOf("OpenSBI v", second) > first, "OpenSBI ran again after the reset:\n" + out);
        assertTrue(out.indexOf("smp: Brought up 1 node, 2 CPUs", first) > 0, "both harts up after the reset:\n" + out);
        assertTrue(out.indexOf("reboot: Power down", second) > 0, out);
        try (BlockNode n = BlockDrivers.open(raw.toString(), "raw", true, BlockDrivers.Options.DEFAULT)) {
            ByteBuffer b = ByteBuffer.allocate(9);
            n.read(0, b);
            assertEquals("REBOOTED\n", new String(b.array(), StandardCharsets.US_ASCII));
        }
    }
}
