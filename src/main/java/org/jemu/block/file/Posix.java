package org.jemu.block.file;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The few libc calls the file protocol needs that FileChannel does not offer, through FFM: open/close
 * of a side descriptor, lseek(SEEK_DATA/SEEK_HOLE) for sparse files, fstat's st_blocks (disk size) and
 * fallocate(PUNCH_HOLE) for discard. errno is captured with Linker.Option.captureCallState.
 */
final class Posix {
    private Posix() {}

    static final int O_RDONLY = 0, O_RDWR = 2, O_CLOEXEC = 0x80000;
    static final int SEEK_DATA = 3, SEEK_HOLE = 4;
    static final int FALLOC_FL_KEEP_SIZE = 1, FALLOC_FL_PUNCH_HOLE = 2;
    static final int ENXIO = 6, EOPNOTSUPP = 95, EINVAL = 22;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final Linker.Option CCS = Linker.Option.captureCallState("errno");
    private static final java.lang.foreign.StructLayout CS_LAYOUT = Linker.Option.captureStateLayout();
    private static final java.lang.invoke.VarHandle ERRNO =
            CS_LAYOUT.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));

    // Each downcall is linked on first use (linking costs start-up time); preload() links the common
    // ones on a background thread while the program parses its command line and opens files.
    private static final class Open { static final MethodHandle H = h("open", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT)); }
    private static final class Close { static final MethodHandle H = h("close", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT)); }
    private static final class Lseek { static final MethodHandle H = h("lseek", FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT)); }
    private static final class Fstat { static final MethodHandle H = h("fstat", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS)); }
    private static final class Fallocate { static final MethodHandle H = h("fallocate", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG)); }
    private static final class Ftruncate { static final MethodHandle H = h("ftruncate", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG)); }

    private static volatile boolean preloading;

    /** Links open/close/lseek/fstat on a daemon thread (idempotent); callers block on class initialisation if they get there first. */
    static void preload() {
        if (preloading) return;
        preloading = true;
        Thread t = new Thread(() -> {
            try {
                MethodHandle a = Open.H, b = Lseek.H, c = Close.H, d = Fstat.H;
                assert a != null || b != null || c != null || d != null;
            } catch (Throwable ignored) {
                // the caller that needs the call reports the failure
            }
        }, "posix-preload");
        t.setDaemon(true);
        t.start();
    }

    /** ftruncate; returns 0 or -errno (extends sparsely). */
    static int ftruncate(int fd, long len) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cs = a.allocate(CS_LAYOUT);
            int r = (int) Ftruncate.H.invokeExact(cs, fd, len);
            return r < 0 ? -(int) ERRNO.get(cs, 0L) : 0;
        } catch (Throwable t) { throw new IllegalStateException(t); }
    }

    private static MethodHandle h(String name, FunctionDescriptor fd) {
        return LIBC.find(name).map(s -> LINKER.downcallHandle(s, fd, CCS)).orElse(null);
    }

    /** Result of a call: value, or -errno when negative. */
    static int open(String path, int flags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cs = a.allocate(CS_LAYOUT);
            int r = (int) Open.H.invokeExact(cs, a.allocateFrom(path), flags | O_CLOEXEC, 0);
            return r < 0 ? -(int) ERRNO.get(cs, 0L) : r;
        } catch (Throwable t) { throw new IllegalStateException(t); }
    }

    static void close(int fd) {
        try (Arena a = Arena.ofConfined()) {
            int r = (int) Close.H.invokeExact(a.allocate(CS_LAYOUT), fd);
            assert r >= 0 || r < 0;
        } catch (Throwable t) { throw new IllegalStateException(t); }
    }

    /** lseek; returns the offset or -errno. */
    static long lseek(int fd, long off, int whence) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cs = a.allocate(CS_LAYOUT);
            long r = (long) Lseek.H.invokeExact(cs, fd, off, whence);
            return r < 0 ? -(long) (int) ERRNO.get(cs, 0L) : r;
        } catch (Throwable t) { throw new IllegalStateException(t); }
    }

    /** st_blocks * 512 (bytes allocated on the host), or -1. struct stat on x86-64 and aarch64 Linux holds st_blocks at offset 64. */
    static long allocatedBytes(int fd) {
        String arch = System.getProperty("os.arch");
        if (!arch.equals("amd64") && !arch.equals("x86_64") && !arch.equals("aarch64")) return -1;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(256, 16);
            int r = (int) Fstat.H.invokeExact(a.allocate(CS_LAYOUT), fd, st);
            if (r < 0) return -1;
            return st.get(ValueLayout.JAVA_LONG, 64) * 512;
        } catch (Throwable t) { throw new IllegalStateException(t); }
    }

    /** fallocate; returns 0 or -errno. */
    static int fallocate(int fd, int mode, long off, long len) {
        if (Fallocate.H == null) return -EOPNOTSUPP;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cs = a.allocate(CS_LAYOUT);
            int r = (int) Fallocate.H.invokeExact(cs, fd, mode, off, len);
            return r < 0 ? -(int) ERRNO.get(cs, 0L) : 0;
        } catch (Throwable t) { throw new IllegalStateException(t); }
    }

    static String strerror(int errno) {
        return switch (errno) {
            case 2 -> "No such file or directory";
            case 13 -> "Permission denied";
            case 21 -> "Is a directory";
            case 22 -> "Invalid argument";
            case 28 -> "No space left on device";
            case 30 -> "Read-only file system";
            case 95 -> "Operation not supported";
            default -> "errno " + errno;
        };
    }
}
