package org.jemu.hw;

/**
 * A device with a power-on state (QEMU's Resettable): {@link #reset} puts every guest-visible register
 * back to it and lowers the interrupt lines the device drives. Called by the machine's system reset
 * with every hart stopped.
 */
public interface Resettable {
    void reset();
}
