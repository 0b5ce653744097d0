package org.jemu.testutil;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Debian's riscv64 kernel, the busybox initramfs and OpenSBI's fw_dynamic.bin, as scripts/fetch-guests.sh
 * leaves them in the guest cache; {@link #need()} skips the test (with the reason) when one is missing.
 * The initramfs' /init runs {@code jemu.cmd=a,b,c} from the kernel command line and prints BOOT-OK.
 */
public record LinuxGuest(Path kernel, Path initrd) {
    public static LinuxGuest need() {
        Path cache = Jemu.cache().resolve("riscv64");
        Path kernel = Need.file(cache.resolve("Image"), "Debian riscv64 kernel");
        Path initrd = Need.file(cache.resolve("initrd.gz"), "busybox initramfs");
        Need.file(cache.resolve("fw_dynamic.bin"), "OpenSBI fw_dynamic.bin");
        return new LinuxGuest(kernel, initrd);
    }

    /**
     * {@code jemu-system-riscv64 -M virt -nographic -kernel Image -initrd initrd.gz -append "console=ttyS0
     * jemu.cmd=CMD"} followed by {@code options} (-smp, -m, drives, devices…).
     */
    public List<String> command(String cmd, String... options) {
        List<String> argv = new ArrayList<>(List.of(Jemu.bin("jemu-system-riscv64").toString(), "-M", "virt", "-nographic",
                "-kernel", kernel.toString(), "-initrd", initrd.toString(), "-append", "console=ttyS0 jemu.cmd=" + cmd));
        argv.addAll(List.of(options));
        return argv;
    }
}
