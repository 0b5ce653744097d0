package org.jemu.hw.riscv;

import org.jemu.hw.intc.Aclint;
import org.jemu.hw.intc.Plic;
import org.jemu.util.Fdt;

import java.security.SecureRandom;

import static org.jemu.hw.riscv.VirtMemMap.*;

/**
 * The virt board's device tree, node for node as QEMU 7.2's create_fdt() builds it for the same
 * options (phandles in the same allocation order: CPUs from the last to the first, each followed by
 * its interrupt controller, then the PLIC, then the test device). Differences: no fw-cfg and no
 * cfi-flash nodes (jemu has neither device).
 */
public final class VirtFdt {
    private VirtFdt() {}

    public record Options(int harts, long ramSize, String isa, String mmuType, String bootargs,
                          long initrdStart, long initrdEnd) {}

    public static Fdt build(Options o) {
        Fdt fdt = new Fdt();
        Fdt.Node root = fdt.root();
        root.u32("#address-cells", 2).u32("#size-cells", 2)
                .str("compatible", "riscv-virtio").str("model", "riscv-virtio,qemu");

        int[] cpuPhandle = new int[o.harts], intcPhandle = new int[o.harts];
        for (int h = o.harts - 1; h >= 0; h--) {
            cpuPhandle[h] = fdt.allocPhandle();
            intcPhandle[h] = fdt.allocPhandle();
        }
        int plicPhandle = fdt.allocPhandle();
        int testPhandle = fdt.allocPhandle();

        root.child("pmu").u32("riscv,event-to-mhpmcounters",
                        0x01, 0x01, 0x7fff9, 0x02, 0x02, 0x7fffc, 0x10019, 0x10019, 0x7fff8,
                        0x1001b, 0x1001b, 0x7fff8, 0x10021, 0x10021, 0x7fff8, 0, 0, 0, 0, 0)
                .str("compatible", "riscv,pmu");

        Fdt.Node chosen = root.child("chosen");
        if (o.initrdEnd > o.initrdStart) {
            chosen.u32("linux,initrd-end", o.initrdEnd).u32("linux,initrd-start", o.initrdStart);
        }
        byte[] seed = new byte[32];
        new SecureRandom().nextBytes(seed);
        chosen.prop("rng-seed", seed);
        if (o.bootargs != null) chosen.str("bootargs", o.bootargs);
        chosen.str("stdout-path", "/soc/serial@10000000");

        root.child("poweroff").u32("value", 0x5555).u32("offset", 0).u32("regmap", testPhandle).str("compatible", "syscon-poweroff");
        root.child("reboot").u32("value", 0x7777).u32("offset", 0).u32("regmap", testPhandle).str("compatible", "syscon-reboot");
        root.child("platform-bus@4000000").u32("interrupt-parent", plicPhandle)
                .u32("ranges", 0, 0, PLATFORM_BUS, PLATFORM_BUS_SIZE)
                .u32("#address-cells", 1).u32("#size-cells", 1).str("compatible", "qemu,platform", "simple-bus");
        root.child("memory@80000000").str("device_type", "memory").u64("reg", DRAM, o.ramSize);

        Fdt.Node cpus = root.child("cpus");
        cpus.u32("#address-cells", 1).u32("#size-cells", 0).u32("timebase-frequency", Aclint.TIMEBASE_HZ);
        for (int h = o.harts - 1; h >= 0; h--) {
            Fdt.Node c = cpus.child("cpu@" + Integer.toHexString(h));
            c.u32("phandle", cpuPhandle[h]).str("device_type", "cpu").u32("reg", h).str("status", "okay")
                    .str("compatible", "riscv").str("riscv,isa", o.isa).str("mmu-type", o.mmuType);
            c.child("interrupt-controller").u32("#interrupt-cells", 1).empty("interrupt-controller")
                    .str("compatible", "riscv,cpu-intc").u32("phandle", intcPhandle[h]);
        }
        // QEMU adds the nodes in reverse; keep cpu@0 first as dtc prints QEMU's blob
        reverseChildren(cpus);
        Fdt.Node cluster = cpus.child("cpu-map").child("cluster0");
        for (int h = 0; h < o.harts; h++) cluster.child("core" + h).u32("cpu", cpuPhandle[h]);

        Fdt.Node soc = root.child("soc");
        soc.u32("#address-cells", 2).u32("#size-cells", 2).str("compatible", "simple-bus").empty("ranges");
        soc.child("rtc@101000").u32("interrupts", RTC_IRQ).u32("interrupt-parent", plicPhandle)
                .u64("reg", RTC, RTC_SIZE).str("compatible", "google,goldfish-rtc");
        soc.child("serial@10000000").u32("interrupts", UART0_IRQ).u32("interrupt-parent", plicPhandle)
                .u32("clock-frequency", 0x384000).u64("reg", UART0, UART0_SIZE).str("compatible", "ns16550a");
        soc.child("test@100000").u32("phandle", testPhandle).u64("reg", TEST, TEST_SIZE)
                .str("compatible", "sifive,test1", "sifive,test0", "syscon");

        Fdt.Node pci = soc.child("pci@30000000");
        pci.u32("interrupt-map-mask", 0x1800, 0, 0, 7);
        long[] map = new long[16 * 6];
        int k = 0;
        for (int slot = 0; slot < 4; slot++) {
            for (int pin = 0; pin < 4; pin++) {
                map[k++] = (long) slot << 11; map[k++] = 0; map[k++] = 0; map[k++] = pin + 1;
                map[k++] = plicPhandle; map[k++] = PCIE_IRQ + ((pin + slot) % 4);
            }
        }
        pci.u32("interrupt-map", map);
        pci.u32("ranges", 0x1000000, 0, 0, 0, PCIE_PIO, 0, PCIE_PIO_SIZE,
                0x2000000, 0, PCIE_MMIO, 0, PCIE_MMIO, 0, PCIE_MMIO_SIZE,
                0x3000000, PCIE_MMIO_HIGH >>> 32, 0, PCIE_MMIO_HIGH >>> 32, 0, PCIE_MMIO_HIGH_SIZE >>> 32, 0);
        pci.u64("reg", PCIE_ECAM, PCIE_ECAM_SIZE).empty("dma-coherent").u32("bus-range", 0, 0xff)
                .u32("linux,pci-domain", 0).str("device_type", "pci").str("compatible", "pci-host-ecam-generic")
                .u32("#size-cells", 2).u32("#interrupt-cells", 1).u32("#address-cells", 3);

        for (int i = VIRTIO_COUNT - 1; i >= 0; i--) {
            long base = VIRTIO + i * VIRTIO_SIZE;
            soc.child("virtio_mmio@" + Long.toHexString(base)).u32("interrupts", VIRTIO_IRQ + i)
                    .u32("interrupt-parent", plicPhandle).u64("reg", base, VIRTIO_SIZE).str("compatible", "virtio,mmio");
        }

        long[] plicExt = new long[o.harts * 4];
        long[] clintExt = new long[o.harts * 4];
        for (int h = 0; h < o.harts; h++) {
            plicExt[h * 4] = intcPhandle[h]; plicExt[h * 4 + 1] = 11; // M external
            plicExt[h * 4 + 2] = intcPhandle[h]; plicExt[h * 4 + 3] = 9; // S external
            clintExt[h * 4] = intcPhandle[h]; clintExt[h * 4 + 1] = 3; // M software
            clintExt[h * 4 + 2] = intcPhandle[h]; clintExt[h * 4 + 3] = 7; // M timer
        }
        soc.child("plic@c000000").u32("phandle", plicPhandle).u32("riscv,ndev", Plic.NUM_SOURCES - 1)
                .u64("reg", PLIC, PLIC_SIZE).u32("interrupts-extended", plicExt).empty("interrupt-controller")
                .str("compatible", "sifive,plic-1.0.0", "riscv,plic0").u32("#address-cells", 0).u32("#interrupt-cells", 1);
        soc.child("clint@2000000").u32("interrupts-extended", clintExt).u64("reg", CLINT, CLINT_SIZE)
                .str("compatible", "sifive,clint0", "riscv,clint0");
        return fdt;
    }

    private static void reverseChildren(Fdt.Node n) {
        n.reverseChildren();
    }
}
