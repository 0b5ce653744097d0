package org.jemu.linuxuser;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Path;

/**
 * Loads riscv64 ELF executables (ET_EXEC and ET_DYN/PIE) and their PT_INTERP program interpreter into a
 * {@link GuestMemory}, as Linux's binfmt_elf and QEMU's linux-user/elfload.c do: every PT_LOAD segment is
 * mapped at its page-aligned address with its protection, file bytes copied in, the rest zero (bss).
 */
public final class ElfLoader {
    public static final int EM_RISCV = 243;
    public static final int ET_EXEC = 2, ET_DYN = 3;
    public static final int PT_LOAD = 1, PT_INTERP = 3, PT_PHDR = 6, PT_GNU_STACK = 0x6474e551;
    /** Where Linux puts a PIE that has an interpreter: 2/3 of a Sv39 user space. */
    public static final long ELF_ET_DYN_BASE = 0x2aaaaaa000L;

    /** The ELF header and program headers of one file. */
    public record Image(byte[] data, int type, long entry, long phoff, int phentsize, int phnum, long[][] phdrs, String interp) {}

    /** One loaded object: where it landed. */
    public record Loaded(long bias, long entry, long phdrAddr, int phent, int phnum, long loEnd, long hiEnd) {}

    /** Reads and validates an ELF file; throws with QEMU's messages. */
    public static Image parse(Path file, String shownName) {
        byte[] data;
        try {
            data = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new LinuxUserException("Error while loading " + shownName + ": No such file or directory", 1);
        } catch (AccessDeniedException e) {
            throw new LinuxUserException("Error while loading " + shownName + ": Permission denied", 1);
        } catch (IOException e) {
            String m = e.getMessage() != null && e.getMessage().contains("directory") ? "Is a directory" : "Input/output error";
            throw new LinuxUserException("Error while loading " + shownName + ": " + m, 1);
        }
        return parse(data, shownName);
    }

    public static boolean isElf(byte[] d) {
        return d.length >= 4 && d[0] == 0x7f && d[1] == 'E' && d[2] == 'L' && d[3] == 'F';
    }

    public static Image parse(byte[] data, String shownName) {
        if (!isElf(data)) throw new LinuxUserException("Error while loading " + shownName + ": Exec format error", 1);
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        if (data.length < 64 || data[4] != 2 || data[5] != 1 || b.getShort(18) != EM_RISCV) {
            throw new LinuxUserException(shownName + ": Invalid ELF image for this architecture", 255);
        }
        int type = b.getShort(16);
        if (type != ET_EXEC && type != ET_DYN) {
            throw new LinuxUserException(shownName + ": Invalid ELF image for this architecture", 255);
        }
        long entry = b.getLong(24);
        long phoff = b.getLong(32);
        int phentsize = b.getShort(54) & 0xffff;
        int phnum = b.getShort(56) & 0xffff;
        if (phentsize != 56 || phnum == 0 || phnum > 4096 || phoff < 0 || phoff + (long) phnum * 56 > data.length) {
            throw new LinuxUserException(shownName + ": Invalid ELF image for this architecture", 255);
        }
        long[][] ph = new long[phnum][];
        String interp = null;
        for (int i = 0; i < phnum; i++) {
            int o = (int) phoff + i * 56;
            long ptype = b.getInt(o) & 0xffffffffL;
            long flags = b.getInt(o + 4) & 0xffffffffL;
            long off = b.getLong(o + 8), vaddr = b.getLong(o + 16), filesz = b.getLong(o + 32), memsz = b.getLong(o + 40),
                    align = b.getLong(o + 48);
            ph[i] = new long[] {ptype, flags, off, vaddr, filesz, memsz, align};
            if (ptype == PT_LOAD || ptype == PT_INTERP) {
                if (off < 0 || filesz < 0 || off + filesz > data.length || filesz > memsz && ptype == PT_LOAD
                        || memsz < 0 || vaddr < 0 || ((vaddr - off) & GuestMemory.PAGE_MASK) != 0 && ptype == PT_LOAD) {
                    throw new LinuxUserException(shownName + ": Invalid ELF image for this architecture", 255);
                }
            }
            if (ptype == PT_INTERP) {
                int n = (int) filesz;
                while (n > 0 && data[(int) off + n - 1] == 0) n--;
                interp = new String(data, (int) off, n, java.nio.charset.StandardCharsets.UTF_8);
            }
        }
        return new Image(data, type, entry, phoff, phentsize, phnum, ph, interp);
    }

    /**
     * Maps the image. For ET_DYN, {@code preferredBase} is where to try first (0: anywhere in the mmap
     * area). Returns where it went.
     */
    public static Loaded load(GuestMemory mem, Image img, long preferredBase, String shownName) {
        long lo = Long.MAX_VALUE, hi = 0;
        for (long[] p : img.phdrs()) {
            if (p[0] != PT_LOAD) continue;
            lo = Math.min(lo, p[3] & ~GuestMemory.PAGE_MASK);
            hi = Math.max(hi, p[3] + p[5]);
        }
        if (lo == Long.MAX_VALUE) throw new LinuxUserException(shownName + ": Invalid ELF image for this architecture", 255);
        long span = GuestMemory.pageAlign(hi) - lo;
        long bias = 0;
        if (img.type() == ET_DYN) {
            long at = mem.findFree(preferredBase, span);
            if (at < 0) throw new LinuxUserException("Unable to map " + shownName + ": Cannot allocate memory", 255);
            bias = at - lo;
        } else if (!mem.isFree(lo, span)) {
            throw new LinuxUserException(shownName + ": requested address range is not available", 255);
        }
        if (Long.compareUnsigned(lo + bias + span, mem.size) > 0) {
            throw new LinuxUserException(shownName + ": Invalid ELF image for this architecture", 255);
        }
        long phdrAddr = 0;
        long hiEnd = 0, loEnd = 0;
        for (long[] p : img.phdrs()) {
            if (p[0] == PT_PHDR) phdrAddr = p[3] + bias;
            if (p[0] != PT_LOAD) continue;
            long start = (p[3] & ~GuestMemory.PAGE_MASK) + bias;
            long end = GuestMemory.pageAlign(p[3] + p[5]) + bias;
            int prot = (int) (((p[1] & 4) != 0 ? Host.PROT_READ : 0) | ((p[1] & 2) != 0 ? Host.PROT_WRITE : 0)
                    | ((p[1] & 1) != 0 ? Host.PROT_EXEC : 0));
            // pages shared with an earlier segment keep the union of both protections
            int firstFlags = mem.pageFlags(start) & 7;
            if (mem.pageFlags(start) == 0 || !mem.check(start, PAGE, GuestMemory.PAGE_VALID)) {
                long r = mem.mapAnon(start, end - start, prot);
                if (r < 0) throw new LinuxUserException("Unable to map " + shownName + ": " + Errno.message((int) -r), 255);
            } else {
                if (end - start > PAGE) {
                    long r = mem.mapAnon(start + PAGE, end - start - PAGE, prot);
                    if (r < 0) throw new LinuxUserException("Unable to map " + shownName + ": " + Errno.message((int) -r), 255);
                }
                mem.protect(start, PAGE, prot | firstFlags);
            }
            mem.poke(p[3] + bias, img.data(), (int) p[2], (int) p[4]);
            if (p[2] <= img.phoff() && img.phoff() + (long) img.phnum() * 56 <= p[2] + p[4] && phdrAddr == 0) {
                phdrAddr = p[3] + bias + (img.phoff() - p[2]);
            }
            hiEnd = Math.max(hiEnd, p[3] + p[5] + bias);
            loEnd = Math.max(loEnd, p[3] + p[4] + bias);
        }
        return new Loaded(bias, img.entry() + bias, phdrAddr, img.phentsize(), img.phnum(), loEnd, hiEnd);
    }

    private static final long PAGE = GuestMemory.PAGE_SIZE;

    private ElfLoader() {}
}
