package org.jemu.hw;

/** What a machine offers devices that end or restart it (sifive_test, the monitor's quit). */
public interface SystemControl {
    /** Powers the machine off; the emulator exits with {@code status}. */
    void poweroff(int status);

    /** Resets the machine (or exits with 0 under -no-reboot). */
    void reset();
}
