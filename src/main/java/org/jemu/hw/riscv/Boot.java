package org.jemu.hw.riscv;

import org.jemu.memory.AddressSpace;
import org.jemu.memory.BusError;
import org.jemu.util.OptionException;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Loading firmware, kernel and initrd the way QEMU's hw/riscv/boot.c does: ELF images by their
 * physical load addresses, anything else as a flat image at the given address; the reset vector
 * in the mask ROM jumps to the firmware with a0 = mhartid, a1 = FDT address, a2 = fw_dynamic_info.
 */
public final class Boot {
    private Boot() {}

    /** Where an image landed: [start, end) and its entry point. */
    public record Loaded(long start, long end, long entry) {}

    static final int FW_DYNAMIC_INFO_MAGIC = 0x4942534f; // "OSBI"
    static final int FW_DYNAMIC_INFO_VERSION = 2;
    static final int FW_DYNAMIC_INFO_NEXT_MODE_S = 1;

    /**
     * Loads {@code file} at {@code addr} (flat) or by its ELF program headers. The file is mapped, not read
     * onto the Java heap: a 31 MB kernel Image took ~0.35 s to read and copy, ~0.05 s to map and copy.
     */
    public static Loaded load(AddressSpace mem, Path file, long addr, String what) {
        MemorySegment data;
        try {
            data = map(file);
        } catch (IOException e) {
            throw new OptionException("could not load " + what + " '" + file + "': " + e.getMessage());
        }
        long n = data.byteSize();
        if (n >= 4 && data.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 0) == 0x7f454c46) {
            return loadElf(mem, data, file, what);
        }
        try {
            mem.loadImage(addr, data, n);
        } catch (BusError e) {
            throw new OptionException(what + " '" + file + "' (" + n + " bytes) does not fit in memory at 0x" + Long.toHexString(addr));
        }
        return new Loaded(addr, addr + n, addr);
    }

    /**
     * The file's contents as a read-only mapping (kept for a system reset, which copies the images in
     * again); what cannot be mapped (a pipe, a character device) is read into memory instead.
     */
    private static MemorySegment map(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            if (Files.isRegularFile(file)) {
                long size = ch.size();
                return size == 0 ? MemorySegment.ofArray(new byte[0]) : ch.map(FileChannel.MapMode.READ_ONLY, 0, size, Arena.ofAuto());
            }
        }
        return MemorySegment.ofArray(Files.readAllBytes(file));
    }

    static Loaded loadElf(AddressSpace mem, MemorySegment data, Path file, String what) {
        long size = data.byteSize();
        String bad = "could not load " + what + " '" + file + "': ";
        if (size > Integer.MAX_VALUE) throw new OptionException(bad + "file too large");
        ByteBuffer b = data.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        if (size < 64 || b.get(4) != 2 || b.get(5) != 1) throw new OptionException(bad + "not a 64-bit little-endian ELF");
        if ((b.getShort(18) & 0xffff) != 243) throw new OptionException(bad + "not a RISC-V ELF (e_machine " + (b.getShort(18) & 0xffff) + ")");
        long entry = b.getLong(24);
        long phoff = b.getLong(32);
        int phentsize = b.getShort(54) & 0xffff, phnum = b.getShort(56) & 0xffff;
        if (phentsize < 56 || phoff < 0 || phoff + (long) phnum * phentsize > size) throw new OptionException(bad + "bad program headers");
        long lo = Long.MAX_VALUE, hi = 0;
        for (int i = 0; i < phnum; i++) {
            int p = (int) (phoff + (long) i * phentsize);
            if (b.getInt(p) != 1) continue; // PT_LOAD
            long off = b.getLong(p + 8), paddr = b.getLong(p + 24), filesz = b.getLong(p + 32), memsz = b.getLong(p + 40);
            if (off < 0 || filesz < 0 || filesz > memsz || off + filesz > size || memsz > Integer.MAX_VALUE) {
                throw new OptionException(bad + "bad PT_LOAD segment " + i);
            }
            try {
                mem.loadImage(paddr, data.asSlice(off, filesz), memsz);
            } catch (BusError e) {
                throw new OptionException(bad + String.format("segment at 0x%x+0x%x is outside memory", paddr, memsz));
            }
            lo = Math.min(lo, paddr);
            hi = Math.max(hi, paddr + memsz);
        }
        if (lo == Long.MAX_VALUE) throw new OptionException(bad + "no loadable segments");
        return new Loaded(lo, hi, entry);
    }

    /** QEMU's riscv_calc_kernel_start_addr for RV64: the firmware's end rounded up to 2 MiB. */
    public static long kernelStart(long firmwareEnd) {
        return (firmwareEnd + 0x1fffff) & ~0x1fffffL;
    }

    /** QEMU's riscv_compute_fdt_addr: the top of RAM below 3 GiB, rounded down to 2 MiB. */
    public static long fdtAddress(long dramBase, long ramSize, int fdtSize) {
        long dramEnd = dramBase + ramSize;
        long top = dramBase < 3072L << 20 ? Math.min(dramEnd, 3072L << 20) : dramEnd;
        return (top - fdtSize) & ~0x1fffffL;
    }

    /** QEMU's riscv_load_initrd placement: kernel entry + min(ram/2, 128 MiB). */
    public static long initrdStart(long kernelEntry, long ramSize) {
        return kernelEntry + Math.min(ramSize / 2, 128L << 20);
    }

    /**
     * Writes the reset vector and fw_dynamic_info into the mask ROM at {@code rom}: every hart starts
     * at {@code rom} and jumps to {@code startAddr} with a0 = mhartid, a1 = fdtAddr, a2 = &amp;fw_dynamic_info.
     */
    public static void writeResetVector(AddressSpace mem, long rom, long startAddr, long fdtAddr, long nextAddr) {
        ByteBuffer b = ByteBuffer.allocate(0x28 + 6 * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0x00000297);   // 1: auipc t0, %pcrel_hi(fw_dyn)
        b.putInt(0x02828613);   //    addi  a2, t0, %pcrel_lo(1b)   (a2 = rom + 0x28)
        b.putInt(0xf1402573);   //    csrr  a0, mhartid
        b.putInt(0x0202b583);   //    ld    a1, 32(t0)
        b.putInt(0x0182b283);   //    ld    t0, 24(t0)
        b.putInt(0x00028067);   //    jr    t0
        b.putLong(startAddr);   // start:     .dword
        b.putLong(fdtAddr);     // fdt_laddr: .dword
        // fw_dyn: struct fw_dynamic_info
        b.putLong(FW_DYNAMIC_INFO_MAGIC);
        b.putLong(FW_DYNAMIC_INFO_VERSION);
        b.putLong(nextAddr);
        b.putLong(FW_DYNAMIC_INFO_NEXT_MODE_S);
        b.putLong(0);           // options
        b.putLong(0);           // boot_hart: hart 0 boots, the others wait for it (as QEMU)
        mem.loadImage(rom, b.array());
    }
}
