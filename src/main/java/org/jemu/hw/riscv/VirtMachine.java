package org.jemu.hw.riscv;

import org.jemu.chardev.Chardev;
import org.jemu.hw.IrqLine;
import org.jemu.hw.SystemControl;
import org.jemu.hw.intc.Aclint;
import org.jemu.hw.intc.Plic;
import org.jemu.hw.misc.SifiveTest;
import org.jemu.hw.pci.GpexHost;
import org.jemu.hw.rtc.GoldfishRtc;
import org.jemu.hw.serial.Serial16550;
import org.jemu.hw.virtio.VirtioBlk;
import org.jemu.hw.virtio.VirtioDevice;
import org.jemu.hw.virtio.VirtioMmio;
import org.jemu.hw.virtio.VirtioPci;
import org.jemu.memory.AddressSpace;
import org.jemu.memory.MemoryRegion;
import org.jemu.target.riscv.priv.InterruptPending;
import org.jemu.util.Fdt;
import org.jemu.util.OptionException;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.jemu.hw.riscv.VirtMemMap.*;

/**
 * QEMU's {@code -M virt} RISC-V board: DRAM at 0x80000000, mask ROM with the reset vector at 0x1000,
 * sifive_test, goldfish RTC, CLINT, PLIC, NS16550A UART, eight virtio-mmio slots, a PCIe host
 * bridge, and the device tree describing them. Harts are attached by the CPU side
 * ({@link #interrupts(int)} gives the hardware interrupt lines of each).
 */
public final class VirtMachine {
    /** Machine options. {@code bios} null means {@code -bios none}. */
    public record Config(long ramSize, int harts, Path bios, Path kernel, Path initrd, String append, String isa, String mmuType) {}

    public final Config config;
    public final AddressSpace mem = new AddressSpace();
    public final InterruptPending[] interrupts;
    public final Aclint clint;
    public final Plic plic;
    public final Serial16550 uart;
    public final GoldfishRtc rtc;
    public final GpexHost pcie;
    private final VirtioMmio[] virtio = new VirtioMmio[VIRTIO_COUNT];
    private final List<VirtioDevice> virtioDevices = new ArrayList<>();
    /** The subset of {@link #virtioDevices} on virtio-mmio slots. */
    private final List<VirtioDevice> mmioDevices = new ArrayList<>();
    private final SystemControl control;
    private Fdt fdt;
    private byte[] dtb;
    private long fdtAddr, entry;

    public VirtMachine(Config config, Chardev serial, SystemControl control) {
        this.config = config;
        this.control = control;
        if (config.harts < 1 || config.harts > 512) throw new OptionException("Invalid SMP CPUs " + config.harts + ". The max CPUs supported by machine 'virt' is 512");
        if (config.ramSize < (16L << 20) || config.ramSize > (1L << 40)) throw new OptionException("invalid RAM size " + config.ramSize);
        interrupts = new InterruptPending[config.harts];
        IrqLine[] msip = new IrqLine[config.harts], mtip = new IrqLine[config.harts], ext = new IrqLine[2 * config.harts];
        for (int h = 0; h < config.harts; h++) {
            interrupts[h] = new InterruptPending();
            msip[h] = interrupts[h].line(InterruptPending.MSIP);
            mtip[h] = interrupts[h].line(InterruptPending.MTIP);
            ext[2 * h] = interrupts[h].line(InterruptPending.MEIP);
            ext[2 * h + 1] = interrupts[h].line(InterruptPending.SEIP);
        }
        MemorySegment ram;
        try {
            ram = AddressSpace.allocateRam(config.ramSize);
        } catch (OutOfMemoryError | IllegalArgumentException e) {
            throw new OptionException("cannot set up guest memory 'riscv_virt_board.ram': Cannot allocate memory");
        }
        mem.add(MemoryRegion.ram("riscv_virt_board.ram", DRAM, ram));
        mem.add(MemoryRegion.rom("riscv_virt_board.mrom", MROM, AddressSpace.allocateRam(MROM_SIZE)));
        mem.add(MemoryRegion.mmio("riscv.sifive.test", TEST, TEST_SIZE, new SifiveTest(control)));
        clint = new Aclint(config.harts, msip, mtip);
        mem.add(MemoryRegion.mmio("riscv.aclint", CLINT, CLINT_SIZE, clint));
        plic = new Plic(ext);
        mem.add(MemoryRegion.mmio("riscv.sifive.plic", PLIC, PLIC_SIZE, plic));
        rtc = new GoldfishRtc(plic.input(RTC_IRQ));
        mem.add(MemoryRegion.mmio("goldfish_rtc", RTC, RTC_SIZE, rtc));
        uart = new Serial16550(serial, plic.input(UART0_IRQ));
        mem.add(MemoryRegion.mmio("serial", UART0, UART0_SIZE, uart));
        pcie = new GpexHost(new IrqLine[] {plic.input(PCIE_IRQ), plic.input(PCIE_IRQ + 1), plic.input(PCIE_IRQ + 2), plic.input(PCIE_IRQ + 3)});
        mem.add(MemoryRegion.mmio("pcie-mmcfg-mmio", PCIE_ECAM, PCIE_ECAM_SIZE, pcie));
        mem.add(MemoryRegion.mmio("gpex-mmio-window", PCIE_MMIO, PCIE_MMIO_SIZE, pcie.window(PCIE_MMIO)));
        mem.add(MemoryRegion.mmio("gpex-mmio-window-high", PCIE_MMIO_HIGH, PCIE_MMIO_HIGH_SIZE, pcie.window(PCIE_MMIO_HIGH)));
    }

    /** Adds a virtio device on the next free virtio-mmio slot (QEMU fills them from the highest address down). */
    public void addVirtioMmio(VirtioDevice d) {
        if (mmioDevices.size() == VIRTIO_COUNT) throw new OptionException("No 'virtio-bus' bus found for device '" + d.name() + "-device'");
        virtioDevices.add(d);
        mmioDevices.add(d);
    }

    /** Plugs a virtio device as a virtio-pci function into the next free slot of the PCIe root bus. */
    public VirtioPci addVirtioPci(VirtioDevice d) {
        int slot = pcie.freeSlot();
        if (slot < 0) throw new OptionException("-device " + d.name() + "-pci: PCI bus is full");
        VirtioPci p = new VirtioPci(d.name() + "-pci@00:" + String.format("%02x", slot) + ".0", mem, d);
        p.connectIntx(pcie.intx(slot, 1));
        pcie.plug(slot, p);
        virtioDevices.add(d);
        return p;
    }

    public List<VirtioDevice> virtioDevices() { return List.copyOf(virtioDevices); }

    /** Creates the virtio-mmio slots, builds the device tree and loads firmware, kernel, initrd. */
    public void realize() {
        for (int i = 0; i < VIRTIO_COUNT; i++) {
            int devIndex = VIRTIO_COUNT - 1 - i;
            VirtioDevice d = devIndex < mmioDevices.size() ? mmioDevices.get(devIndex) : null;
            long base = VIRTIO + (long) i * VIRTIO_SIZE;
            virtio[i] = new VirtioMmio("virtio-mmio@" + Long.toHexString(base), mem, plic.input(VIRTIO_IRQ + i), d);
            mem.add(MemoryRegion.mmio("virtio-mmio", base, VIRTIO_SIZE, virtio[i]));
        }
        long firmwareEnd = DRAM;
        long kernelEntry;
        long startAddr;
        if (config.bios != null) {
            Boot.Loaded fw = Boot.load(mem, config.bios, DRAM, "firmware");
            firmwareEnd = fw.end();
            startAddr = fw.entry();
        } else {
            startAddr = DRAM;
        }
        long initrdStart = 0, initrdEnd = 0;
        if (config.kernel != null) {
            long kstart = config.bios != null ? Boot.kernelStart(firmwareEnd) : DRAM;
            Boot.Loaded k = Boot.load(mem, config.kernel, kstart, "kernel");
            kernelEntry = k.entry();
            // -bios none: like QEMU, the reset vector jumps to the start of RAM, where the kernel was loaded
            if (config.initrd != null) {
                initrdStart = Boot.initrdStart(kernelEntry, config.ramSize);
                Boot.Loaded ird = Boot.load(mem, config.initrd, initrdStart, "initrd");
                if (ird.start() != initrdStart) throw new OptionException("qemu: could not load initial ram disk '" + config.initrd + "'");
                initrdEnd = ird.end();
            }
        } else {
            if (config.initrd != null) throw new OptionException("-initrd needs -kernel");
            kernelEntry = 0;
        }
        fdt = VirtFdt.build(new VirtFdt.Options(config.harts, config.ramSize, config.isa, config.mmuType,
                config.append != null && !config.append.isEmpty() ? config.append : null, initrdStart, initrdEnd));
        dtb = fdt.toDtb(0);
        fdtAddr = Boot.fdtAddress(DRAM, config.ramSize, dtb.length);
        mem.loadImage(fdtAddr, dtb);
        entry = startAddr;
        Boot.writeResetVector(mem, MROM, startAddr, fdtAddr, kernelEntry);
    }

    /**
     * System reset (a guest reboot, the monitor's system_reset), with every hart stopped: every device
     * back to its power-on state and the firmware, kernel, initrd, device tree and reset vector copied
     * into memory again. RAM is otherwise left as it was, as QEMU does.
     */
    public void reset() {
        for (Object d : resettable()) ((org.jemu.hw.Resettable) d).reset();
        mem.reloadImages();
    }

    private List<Object> resettable() {
        List<Object> l = new ArrayList<>(List.of(clint, plic, uart, rtc, pcie));
        for (VirtioMmio v : virtio) if (v != null) l.add(v);
        return l;
    }

    public Fdt fdt() { return fdt; }

    /** The device tree blob as loaded into guest memory. */
    public byte[] dtb() { return dtb; }

    public long fdtAddress() { return fdtAddr; }

    /** The address the reset vector jumps to (firmware, or the bare-metal kernel under -bios none). */
    public long firmwareEntry() { return entry; }

    /** Every hart starts here (the mask ROM's reset vector). */
    public long resetVector() { return MROM; }

    public VirtioMmio virtioSlot(int i) { return virtio[i]; }

    public SystemControl control() { return control; }

    /** Flushes every disk (C-a s, quit, poweroff). */
    public void flushDisks() {
        for (VirtioDevice d : virtioDevices) if (d instanceof VirtioBlk b) b.flush();
    }
}
