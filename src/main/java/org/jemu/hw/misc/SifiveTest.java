package org.jemu.hw.misc;

import org.jemu.hw.SystemControl;
import org.jemu.memory.MmioHandler;
import org.jemu.util.Log;

/**
 * SiFive test finisher (QEMU hw/misc/sifive_test.c) at 0x100000: the virt board's poweroff/reboot
 * (the device tree's syscon-poweroff writes 0x5555, syscon-reboot 0x7777).
 *
 * <p>Guest-facing contract: a 32-bit write at offset 0 with low 16 bits
 * <pre>
 * 0x3333  FAIL:  power off, exit status = value &gt;&gt; 16
 * 0x5555  PASS:  power off, exit status 0
 * 0x7777  RESET: reboot
 * </pre>
 * Anything else is ignored (logged under -d guest_errors); reads return 0.
 */
public final class SifiveTest implements MmioHandler {
    public static final long SIZE = 0x1000;
    private final SystemControl sys;

    public SifiveTest(SystemControl sys) { this.sys = sys; }

    @Override public long read(long offset, int size) { return 0; }

    @Override
    public void write(long offset, int size, long value) {
        if (offset == 0) {
            int status = (int) (value >>> 16) & 0xffff;
            switch ((int) value & 0xffff) {
                case 0x3333 -> { sys.poweroff(status); return; }
                case 0x5555 -> { sys.poweroff(0); return; }
                case 0x7777 -> { sys.reset(); return; }
                default -> { }
            }
        }
        if (Log.on(Log.Item.GUEST_ERRORS)) Log.logf("sifive_test: write 0x%x at offset 0x%x%n", value, offset);
    }
}
