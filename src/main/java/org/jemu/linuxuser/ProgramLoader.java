package org.jemu.linuxuser;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;

/**
 * Builds a fresh process image: the program (and its interpreter) mapped by {@link ElfLoader}, the stack
 * with argc/argv/envp/auxv laid out as Linux's create_elf_tables does (QEMU's order of auxv entries), and
 * the initial brk.
 */
public final class ProgramLoader {
    public static final int AT_NULL = 0, AT_PHDR = 3, AT_PHENT = 4, AT_PHNUM = 5, AT_PAGESZ = 6, AT_BASE = 7,
            AT_FLAGS = 8, AT_ENTRY = 9, AT_UID = 11, AT_EUID = 12, AT_GID = 13, AT_EGID = 14, AT_HWCAP = 16,
            AT_CLKTCK = 17, AT_SECURE = 23, AT_RANDOM = 25, AT_EXECFN = 31;

    /** rv64 IMAFDC: one bit per single-letter extension (bit 'X' - 'A'). */
    public static final long HWCAP_IMAFDC = (1L << ('I' - 'A')) | (1L << ('M' - 'A')) | (1L << ('A' - 'A'))
            | (1L << ('F' - 'A')) | (1L << ('D' - 'A')) | (1L << ('C' - 'A'));

    /** Top of the stack (Sv39's TASK_SIZE, as a riscv64 Linux process sees it). */
    public static final long STACK_TOP = 0x40_0000_0000L;

    public record Result(long entry, long sp, long brk, long interpBase, Path exe) {}

    private ProgramLoader() {}

    /**
     * Resolves a path the guest names (the interpreter, an exec'd file) under the -L prefix first, as
     * QEMU's path() does: the prefixed file when it exists, else the path itself.
     */
    public static Path resolve(String guestPath, String prefix) {
        if (prefix != null && guestPath.startsWith("/")) {
            Path p = Path.of(prefix + guestPath);
            if (Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return p;
        }
        return Path.of(guestPath);
    }

    public static Result load(GuestMemory mem, Path exe, String shownName, ElfLoader.Image img, List<byte[]> argv,
                              List<byte[]> envp, String ldPrefix, long stackSize) {
        ElfLoader.Loaded main = ElfLoader.load(mem, img, img.interp() != null ? ElfLoader.ELF_ET_DYN_BASE : 0, shownName);
        long entry = main.entry();
        long interpBase = 0;
        // the stack first (below STACK_TOP), then everything else mmaps below it
        long stackLen = GuestMemory.pageAlign(stackSize);
        long stackBottom = STACK_TOP - stackLen;
        long r = mem.mapAnon(stackBottom, stackLen, Host.PROT_READ | Host.PROT_WRITE);
        if (r < 0) throw new LinuxUserException("Unable to allocate the stack: " + Errno.message((int) -r), 255);
        mem.setMmapTop(stackBottom - 0x1000_0000L);
        if (img.interp() != null) {
            Path ip = resolve(img.interp(), ldPrefix);
            ElfLoader.Image ii;
            try {
                ii = ElfLoader.parse(Files.readAllBytes(ip), img.interp());
            } catch (java.nio.file.NoSuchFileException e) {
                throw new LinuxUserException("Could not open '" + img.interp() + "': No such file or directory", 255);
            } catch (java.io.IOException e) {
                throw new LinuxUserException("Could not open '" + img.interp() + "': " + e.getMessage(), 255);
            } catch (LinuxUserException e) {
                throw new LinuxUserException(img.interp() + ": Invalid ELF image for this architecture", 255);
            }
            ElfLoader.Loaded li = ElfLoader.load(mem, ii, 0, img.interp());
            interpBase = li.bias();
            entry = li.entry();
        }
        long brk = GuestMemory.pageAlign(main.hiEnd());
        // ---- the stack contents
        long sp = STACK_TOP;
        byte[] execfn = shownName.getBytes(StandardCharsets.UTF_8);
        sp = pushString(mem, sp, execfn);
        long execfnAddr = sp;
        long[] envAddr = new long[envp.size()];
        for (int i = envp.size() - 1; i >= 0; i--) { sp = pushString(mem, sp, envp.get(i)); envAddr[i] = sp; }
        long[] argAddr = new long[argv.size()];
        for (int i = argv.size() - 1; i >= 0; i--) { sp = pushString(mem, sp, argv.get(i)); argAddr[i] = sp; }
        sp &= ~15L;
        byte[] rnd = random16();
        sp -= 16;
        mem.write(sp, rnd);
        long randomAddr = sp;
        long[][] aux = {
            {AT_PHDR, main.phdrAddr()}, {AT_PHENT, main.phent()}, {AT_PHNUM, main.phnum()},
            {AT_PAGESZ, GuestMemory.PAGE_SIZE}, {AT_BASE, interpBase}, {AT_FLAGS, 0}, {AT_ENTRY, main.entry()},
            {AT_UID, Host.syscall(Host.GETUID)}, {AT_EUID, Host.syscall(Host.GETEUID)},
            {AT_GID, Host.syscall(Host.GETGID)}, {AT_EGID, Host.syscall(Host.GETEGID)},
            {AT_HWCAP, HWCAP_IMAFDC}, {AT_CLKTCK, 100}, {AT_RANDOM, randomAddr}, {AT_SECURE, 0},
            {AT_EXECFN, execfnAddr}, {AT_NULL, 0},
        };
        int words = 1 + argv.size() + 1 + envp.size() + 1 + aux.length * 2;
        sp -= (long) words * 8;
        sp &= ~15L;
        ByteBuffer b = ByteBuffer.allocate(words * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(argv.size());
        for (long a : argAddr) b.putLong(a);
        b.putLong(0);
        for (long a : envAddr) b.putLong(a);
        b.putLong(0);
        for (long[] a : aux) { b.putLong(a[0]); b.putLong(a[1]); }
        mem.write(sp, b.array());
        return new Result(entry, sp, brk, interpBase, exe);
    }

    /** 16 bytes from the host's getrandom (SecureRandom's start-up costs a JVM ~100 ms). */
    static byte[] random16() {
        try (java.lang.foreign.Arena a = java.lang.foreign.Arena.ofConfined()) {
            java.lang.foreign.MemorySegment s = a.allocate(16);
            if (Host.syscall(Host.GETRANDOM, s.address(), 16, 0) == 16) return s.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        }
        byte[] b = new byte[16];
        new SecureRandom().nextBytes(b);
        return b;
    }

    private static long pushString(GuestMemory mem, long sp, byte[] s) {
        sp -= s.length + 1;
        byte[] z = new byte[s.length + 1];
        System.arraycopy(s, 0, z, 0, s.length);
        mem.write(sp, z);
        return sp;
    }
}
