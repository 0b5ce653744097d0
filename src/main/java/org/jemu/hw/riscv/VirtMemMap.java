package org.jemu.hw.riscv;

/** The virt board's memory map and interrupt numbers (QEMU hw/riscv/virt.c, virt_memmap). */
public final class VirtMemMap {
    private VirtMemMap() {}

    public static final long MROM = 0x1000, MROM_SIZE = 0xf000;
    public static final long TEST = 0x100000, TEST_SIZE = 0x1000;
    public static final long RTC = 0x101000, RTC_SIZE = 0x1000;
    public static final long CLINT = 0x2000000, CLINT_SIZE = 0x10000;
    public static final long PCIE_PIO = 0x3000000, PCIE_PIO_SIZE = 0x10000;
    public static final long PLATFORM_BUS = 0x4000000, PLATFORM_BUS_SIZE = 0x2000000;
    public static final long PLIC = 0xc000000, PLIC_SIZE = 0x600000;
    public static final long UART0 = 0x10000000, UART0_SIZE = 0x100;
    public static final long VIRTIO = 0x10001000, VIRTIO_SIZE = 0x1000;
    public static final int VIRTIO_COUNT = 8;
    public static final long PCIE_ECAM = 0x30000000, PCIE_ECAM_SIZE = 0x10000000;
    public static final long PCIE_MMIO = 0x40000000, PCIE_MMIO_SIZE = 0x40000000;
    public static final long DRAM = 0x80000000L;
    public static final long PCIE_MMIO_HIGH = 0x400000000L, PCIE_MMIO_HIGH_SIZE = 0x400000000L;

    public static final int UART0_IRQ = 10, RTC_IRQ = 11, VIRTIO_IRQ = 1, PCIE_IRQ = 32;
}
