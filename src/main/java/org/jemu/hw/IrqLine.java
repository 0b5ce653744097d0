package org.jemu.hw;

/** An interrupt wire from a device to an interrupt controller input (QEMU's qemu_irq): level-triggered. */
@FunctionalInterface
public interface IrqLine {
    void set(boolean level);

    IrqLine NONE = level -> { };
}
