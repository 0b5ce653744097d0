package org.jemu.block.file;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The few Linux calls the file protocol needs that FileChannel does not offer, through FFM: openat/close
 * of a side descriptor, lseek(SEEK_DATA/SEEK_HOLE) for sparse files, fstat's st_blocks (disk size),
 * fallocate(PUNCH_HOLE) for discard and ftruncate.
 *
 * <p>All of them go through ONE downcall handle, libc's {@code syscall(long nr, ...)}: linking a
 * downcall is the dominant start-up cost of jemu-img (measured with JDK 25 and an AOT cache: the first
 * handle ~0.08 s of CPU, every further one ~0.04 s, capturing errno more), so one handle without
 * errno capture serves every call. Results are the kernel's convention seen through libc: the value,
 * or -1 on failure. Where a caller needs the reason ({@link #ftruncate}), the failed call is repeated
 * through a second, errno-capturing handle that is linked only then (ftruncate's failures — EFBIG,
 * ENOSPC, EPERM, EINVAL — repeat the same way).
 */
final class Posix {
    private Posix() {}

    static final int O_RDONLY = 0, O_RDWR = 2, O_CLOEXEC = 0x80000;
    static final int SEEK_DATA = 3, SEEK_HOLE = 4;
    static final int FALLOC_FL_KEEP_SIZE = 1, FALLOC_FL_PUNCH_HOLE = 2;
    static final int EOPNOTSUPP = 95;
    private static final long AT_FDCWD = -100;

    /** System call numbers: x86-64, and the asm-generic table of aarch64 and riscv64; null elsewhere. */
    private record Nr(long lseek, long openat, long close, long fstat, long fallocate, long ftruncate, long fstatfs) {
        static Nr host() {
            return switch (System.getProperty("os.arch")) {
                case "amd64", "x86_64" -> new Nr(8, 257, 3, 5, 285, 77, 138);
                case "aarch64", "riscv64" -> new Nr(62, 56, 57, 80, 47, 46, 44);
                default -> null;
            };
        }
    }

    private static final Nr NR = System.getProperty("os.name", "").startsWith("Linux") ? Nr.host() : null;

    /** True once the downcall is linked, or on a host without it (never blocks). */
    static boolean ready() { return linked || NR == null; }

    /** False on hosts without the calls (then the file node works without a side descriptor). */
    static boolean available() { return NR != null && Syscall.H != null; }

    /**
     * syscall(nr, a, b, c, d): linked on first use (see {@link #preload}). Everything of FFM's (the
     * descriptor too: its layouts and streams take ~10 ms to initialise, interpreted) is built in here,
     * on the thread that links, not on the caller's.
     *
     * <p>syscall() is variadic, but it is linked as a function of five named longs: on the three ABIs
     * listed in {@link Nr} (Linux x86-64, aarch64, riscv64) integer arguments after the named one travel
     * exactly as named arguments do (x86-64 also sets %al, the count of vector registers, for a variadic
     * call: glibc's syscall() is assembly that does not read it, and a variadic C callee reads it only to
     * decide whether to save the vector registers, none of which carries an argument here). Linking it
     * as variadic generated 33 instead of 26 classes and took 57 instead of 41 ms (medians of 8 converts,
     * class+load log and timestamps), on the critical path of convert's first SEEK_DATA.
     */
    private static final class Syscall {
        static final FunctionDescriptor SYSCALL = FunctionDescriptor.of(ValueLayout.JAVA_LONG,
                ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG);
        static final MethodHandle H = link();
        private static MethodHandle link() {
            if (NR == null) return null;
            Linker l = Linker.nativeLinker();
            MethodHandle h = l.defaultLookup().find("syscall").map(s -> l.downcallHandle(s, SYSCALL)).orElse(null);
            linked = true;
            return h;
        }
    }

    /** The same, capturing errno: linked only when a failure's reason is needed. */
    private static final class SyscallErrno {
        static final java.lang.foreign.StructLayout CS = Linker.Option.captureStateLayout();
        static final java.lang.invoke.VarHandle ERRNO = CS.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
        static final MethodHandle H = link();
        private static MethodHandle link() {
            Linker l = Linker.nativeLinker();
            return l.defaultLookup().find("syscall").map(s -> l.downcallHandle(s, Syscall.SYSCALL,
                    Linker.Option.captureCallState("errno"))).orElse(null);
        }
    }

    private static volatile boolean preloading;
    /** Set once linking is over (whatever its outcome): from then on the calls never wait. */
    private static volatile boolean linked;

    /**
     * Links the call on a daemon thread (idempotent); a caller that gets there first waits for the class
     * initialisation. A named class, not a lambda: a lambda's call site not resolved in the AOT training
     * run is bootstrapped at run time (LambdaMetafactory, interpreted: ~30 ms on the main thread).
     */
    static void preload() {
        if (preloading || NR == null) return;
        preloading = true;
        Thread t = new Preload();
        t.setDaemon(true);
        t.start();
    }

    private static final class Preload extends Thread {
        Preload() { super("posix-preload"); }

        @Override
        public void run() {
            try {
                MethodHandle h = Syscall.H;   // runs the class initialisation (the link) on this thread
                if (h == null) linked = true;
                else warmUp();
            } catch (Throwable ignored) {
                // the caller that needs the call reports the failure
            }
        }
    }

    /**
     * Native memory for a call's arguments and results: a direct ByteBuffer (native byte order) and its
     * address. Not an Arena: the first confined arena and {@code allocateFrom} bootstrap pattern-switch
     * call sites and spin up to 13 LambdaForm classes at run time, which the AOT cache does not keep (a test
     * program with its own cache, 6 runs: an arena and a segment 10-39 ms, allocateFrom 27-50 ms; a direct
     * buffer's address 1-3 ms, no class spun). The caller keeps the buffer reachable until the call returns.
     */
    private static ByteBuffer buffer(int size) {
        return ByteBuffer.allocateDirect(size).order(ByteOrder.nativeOrder());
    }

    private static long address(ByteBuffer b) {
        return MemorySegment.ofBuffer(b).address();
    }

    /** A NUL-terminated UTF-8 copy of {@code s} (what {@code Arena.allocateFrom(String)} makes). */
    private static ByteBuffer cString(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return buffer(b.length + 1).put(b).put((byte) 0).flip();
    }

    /**
     * The first use of each call path links its call sites (interpreted): done here, right after the
     * link, on the root directory (no effect), so that the first real calls (convert's first SEEK_DATA,
     * the target's first fallocate and file system check) do not pay for it.
     */
    private static void warmUp() {
        int fd = open("/", O_RDONLY);
        if (fd < 0) return;
        inode(fd);
        fsType(fd);
        lseek(fd, 0, SEEK_DATA);
        close(fd);
    }

    private static long call(long nr, long a, long b, long c, long d) {
        try {
            return (long) Syscall.H.invokeExact(nr, a, b, c, d);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** errno of the call repeated through the errno-capturing handle (0 if it now succeeds). */
    private static int errnoOf(long nr, long a, long b, long c, long d) {
        try (Arena ar = Arena.ofConfined()) {
            MemorySegment cs = ar.allocate(SyscallErrno.CS);
            long r = (long) SyscallErrno.H.invokeExact(cs, nr, a, b, c, d);
            return r == -1 ? (int) SyscallErrno.ERRNO.get(cs, 0L) : 0;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** openat(AT_FDCWD, path, flags | O_CLOEXEC): the descriptor, or -1. */
    static int open(String path, int flags) {
        if (!available()) return -1;
        ByteBuffer p = cString(path);
        try {
            return (int) call(NR.openat, AT_FDCWD, address(p), flags | O_CLOEXEC, 0);
        } finally {
            Reference.reachabilityFence(p);
        }
    }

    static void close(int fd) {
        call(NR.close, fd, 0, 0, 0);
    }

    /** lseek: the offset, or -1 (for SEEK_DATA past the last data: ENXIO, or the call is unsupported). */
    static long lseek(int fd, long off, int whence) {
        return call(NR.lseek, fd, off, whence, 0);
    }

    /** st_blocks * 512 (bytes allocated on the host), or -1. struct stat holds st_blocks at offset 64 on all three. */
    static long allocatedBytes(int fd) {
        long blocks = statField(NR.fstat, fd, 64);
        return blocks < 0 ? -1 : blocks * 512;
    }

    /** st_ino (offset 8 of struct stat on all three), or -1. */
    static long inode(int fd) {
        return statField(NR.fstat, fd, 8);
    }

    /** The 64-bit field at {@code offset} of the struct that fstat/fstatfs ({@code nr}) fills in for {@code fd}, or -1. */
    private static long statField(long nr, int fd, int offset) {
        ByteBuffer st = buffer(256);
        try {
            if (call(nr, fd, address(st), 0, 0) != 0) return -1;
            return st.getLong(offset);
        } finally {
            Reference.reachabilityFence(st);
        }
    }

    /** statfs f_type values (linux/magic.h). */
    static final long EXT4_SUPER_MAGIC = 0xEF53, XFS_SUPER_MAGIC = 0x58465342;

    /** fstatfs's f_type (the first field of struct statfs on all three), or -1. */
    static long fsType(int fd) {
        if (!available()) return -1;
        return statField(NR.fstatfs, fd, 0);
    }

    /** fallocate: 0, or -1 (callers fall back to writing zeroes whatever the reason). */
    static int fallocate(int fd, int mode, long off, long len) {
        return call(NR.fallocate, fd, mode, off, len) == 0 ? 0 : -1;
    }

    /** ftruncate: 0, or -errno (extends sparsely). */
    static int ftruncate(int fd, long len) {
        if (call(NR.ftruncate, fd, len, 0, 0) == 0) return 0;
        int e = errnoOf(NR.ftruncate, fd, len, 0, 0);
        return e == 0 ? 0 : -e;
    }

    static String strerror(int errno) {
        return switch (errno) {
            case 1 -> "Operation not permitted";
            case 2 -> "No such file or directory";
            case 13 -> "Permission denied";
            case 21 -> "Is a directory";
            case 22 -> "Invalid argument";
            case 27 -> "File too large";
            case 28 -> "No space left on device";
            case 30 -> "Read-only file system";
            case 95 -> "Operation not supported";
            default -> "errno " + errno;
        };
    }
}
