package org.jemu.cli;

import org.jemu.testutil.Jemu;
import org.jemu.testutil.Need;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code -drive if=virtio} and the aliases {@code virtio-blk}, {@code virtio-rng}, {@code virtio-serial} create
 * virtio-pci functions, in the slots QEMU 7.2 gives them (every -device in command-line order, then the
 * if=virtio drives): {@code info qtree} of jemu and of qemu-system-riscv64 for the same command line.
 */
class VirtioPciSlotsTest {
    @TempDir Path dir;

    static final Pattern DEV = Pattern.compile("dev: (virtio-[a-z]+-pci), id \"[^\"]*\"\\n(?:.*\\n)*?\\s+addr = ([0-9a-f]{2}\\.[0-9])");

    /** PCI address → device type, from an {@code info qtree} listing. */
    static Map<String, String> slots(String qtree) {
        Map<String, String> m = new TreeMap<>();
        Matcher mm = DEV.matcher(qtree.replace("\r", ""));
        while (mm.find()) m.put(mm.group(2), mm.group(1));
        return m;
    }

    static List<Integer> pciDevices(String infoPci) {
        List<Integer> l = new ArrayList<>();
        Matcher m = Pattern.compile("Bus  0, device +(\\d+), function 0:").matcher(infoPci);
        while (m.find()) l.add(Integer.parseInt(m.group(1)));
        return l;
    }

    @Test
    void sameSlotsAsQemu() throws Exception {
        Path qemu = Need.tool("qemu-system-riscv64");
        Path a = dir.resolve("a.raw"), b = dir.resolve("b.raw");
        Files.write(a, new byte[1 << 20]);
        Files.write(b, new byte[1 << 20]);
        List<String> devs = List.of("-drive", "file=" + a + ",format=raw,if=virtio", "-device", "virtio-rng-pci",
                "-drive", "file=" + b + ",format=raw,if=none,id=d2", "-device", "virtio-blk,drive=d2",
                "-device", "virtio-serial", "-device", "virtio-rng");
        byte[] in = "info qtree\ninfo pci\nquit\n".getBytes(StandardCharsets.US_ASCII);
        List<String> q = new ArrayList<>(List.of(qemu.toString(), "-M", "virt", "-S", "-display", "none", "-monitor", "stdio", "-serial", "none"));
        q.addAll(devs);
        Jemu.Result qr = Jemu.run(q, in, 60, null);
        assertEquals(0, qr.exit(), qr.toString());
        List<String> j = new ArrayList<>(List.of(Jemu.bin("jemu-system-riscv64").toString(), "-M", "virt", "-bios", "none",
                "-display", "none", "-monitor", "stdio", "-serial", "none"));
        j.addAll(devs);
        Jemu.Result jr = Jemu.run(j, in, 60, null);
        assertEquals(0, jr.exit(), jr.toString());
        Map<String, String> want = slots(qr.stdout());
        assertEquals(Map.of("01.0", "virtio-rng-pci", "02.0", "virtio-blk-pci", "03.0", "virtio-serial-pci",
                "04.0", "virtio-rng-pci", "05.0", "virtio-blk-pci"), want, qr.stdout());
        assertEquals(want, slots(jr.stdout()), jr.stdout());
        // info pci lists the same bus 0 devices (QEMU's are transitional, so only the numbers are compared)
        assertEquals(pciDevices(qr.stdout()), pciDevices(jr.stdout()), jr.stdout());
        assertEquals(List.of(0, 1, 2, 3, 4, 5), pciDevices(jr.stdout()));
    }
}
