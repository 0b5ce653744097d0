package org.jemu.linuxuser;

import org.jemu.util.Log;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.jemu.linuxuser.GuestMemory.PAGE_READ;
import static org.jemu.linuxuser.GuestMemory.PAGE_WRITE;

/**
 * The riscv64 (asm-generic) syscall table: QEMU's do_syscall. Pointers are checked against the guest page
 * table and passed to the host kernel with guest_base added; only structures whose x86_64 layout differs
 * (struct stat, epoll_event) are converted. Unknown syscalls return -ENOSYS ("Unsupported syscall: N"
 * under {@code -d unimp}).
 */
public final class Syscalls {
    /** Returned by a handler that already set the registers (rt_sigreturn, execve). */
    public static final long NO_RETURN = Long.MIN_VALUE;
    /** Re-execute the ecall (a restartable syscall interrupted by a signal whose handler has SA_RESTART). */
    public static final long RESTART = Long.MIN_VALUE + 1;

    private final LinuxProcess p;
    private final GuestMemory m;
    /** Host fds the JVM itself uses: invisible to the guest (EBADF), so it can never close or clobber them. */
    private final boolean[] reservedFd = new boolean[65536];

    Syscalls(LinuxProcess p) {
        this.p = p;
        this.m = p.mem;
    }

    // ------------------------------------------------------------------ fd bookkeeping

    /** Marks every fd open now, except {@code guestFds}, as the JVM's own. */
    public void reserveHostFds(java.util.Set<Integer> guestFds) {
        for (int fd : openFds()) if (!guestFds.contains(fd) && fd < reservedFd.length) reservedFd[fd] = true;
    }

    /**
     * At first start: every fd open now that the launcher did not list as inherited (JEMU_GUEST_FDS) is the
     * JVM's. Without that list, a heuristic: fds on the JVM's runtime image and jars.
     */
    public void reserveJvmFds() {
        String inherited = System.getenv("JEMU_GUEST_FDS");
        if (inherited != null) {
            java.util.Set<Integer> guest = new java.util.HashSet<>();
            for (String f : inherited.split(",")) {
                try { guest.add(Integer.parseInt(f.trim())); } catch (NumberFormatException ignored) { /* skip */ }
            }
            reserveHostFds(guest);
            return;
        }
        String javaHome = System.getProperty("java.home");
        for (int fd : openFds()) {
            try {
                String target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
                if (target.startsWith(javaHome) || target.endsWith(".jar") || target.contains("hsperfdata")
                        || target.startsWith("/proc/") && target.endsWith("/fd")) {
                    reservedFd[fd] = true;
                }
            } catch (java.io.IOException ignored) {
                // closed meanwhile
            }
        }
    }

    /** The host fds open now (the directory stream used to list them is not among them). */
    public static List<Integer> openFds() {
        List<Integer> all = new ArrayList<>();
        try (var s = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path e : s) all.add(Integer.parseInt(e.getFileName().toString()));
        } catch (java.io.IOException | NumberFormatException e) {
            for (int i = 0; i < 3; i++) all.add(i);
        }
        List<Integer> out = new ArrayList<>();
        for (int fd : all) if (Host.syscall(Host.FCNTL, fd, 1 /* F_GETFD */) >= 0) out.add(fd);
        return out;
    }

    /** The fds that belong to the guest now. */
    public List<Integer> guestFds() {
        List<Integer> out = new ArrayList<>();
        for (int fd : openFds()) if (!isReserved(fd) && Host.syscall(Host.FCNTL, fd, 1 /* F_GETFD */) >= 0) out.add(fd);
        return out;
    }

    boolean isReserved(long fd) { return fd >= 0 && fd < reservedFd.length && reservedFd[(int) fd]; }

    private boolean badFd(long fd) { return (int) fd != fd || isReserved(fd); }

    // ------------------------------------------------------------------ helpers

    private long buf(long addr, long len, boolean write) {
        if (len == 0) return m.host(addr);
        if (!m.check(addr, len, write ? PAGE_WRITE : PAGE_READ)) throw new GuestMemory.Fault(addr, write);
        return m.host(addr);
    }

    /** Host pointer of a guest pointer that may be NULL. */
    private long bufOrNull(long addr, long len, boolean write) {
        return addr == 0 ? 0 : buf(addr, len, write);
    }

    private String str(long addr) {
        if (addr == 0) throw new GuestMemory.Fault(0, false);
        String s = m.readCString(addr, 4096);
        if (s == null) {
            if (m.cstrlen(addr, 4097) < 0 && m.firstBad(addr, 4097, PAGE_READ) >= 0) throw new GuestMemory.Fault(addr, false);
            throw new NameTooLong();
        }
        return s;
    }

    private static final class NameTooLong extends RuntimeException {
        NameTooLong() { super(null, null, false, false); }
    }

    /** QEMU's path(): absolute paths are looked up under the -L prefix first; /proc/self/exe is the program. */
    String hostPath(String guestPath) {
        if (guestPath.equals("/proc/self/exe") || guestPath.equals("/proc/" + p.pid + "/exe")) return p.exe.toString();
        if (p.opts.ldPrefix != null && guestPath.startsWith("/") && !guestPath.equals("/")) {
            Path q = Path.of(p.opts.ldPrefix + guestPath);
            if (Files.exists(q, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return q.toString();
        }
        return guestPath;
    }

    private long cpath(Arena a, long guestAddr) {
        return a.allocateFrom(hostPath(str(guestAddr))).address();
    }

    private long cstrRaw(Arena a, long guestAddr) {
        return a.allocateFrom(str(guestAddr)).address();
    }

    // ------------------------------------------------------------------ blocking calls and signals

    /** Makes a host call that may block; a guest signal interrupts it (see {@link Signals#WAKE_SIGNAL}). */
    private long blocking(GuestThread t, boolean restartable, long nr, long a, long b, long c, long d, long e, long f) {
        while (true) {
            if (p.hasDeliverable(t)) return interrupted(t, restartable);
            t.inSyscall = true;
            long r;
            try {
                if (p.hasDeliverable(t)) return interrupted(t, restartable);
                r = Host.syscall(nr, a, b, c, d, e, f);
            } finally {
                t.inSyscall = false;
            }
            if (r != -Errno.EINTR) return r;
            if (p.hasDeliverable(t)) return interrupted(t, restartable);
        }
    }

    long blockingCall(GuestThread t, boolean restartable, long nr, long a, long b, long c, long d, long e, long f) {
        return blocking(t, restartable, nr, a, b, c, d, e, f);
    }

    private long interrupted(GuestThread t, boolean restartable) {
        if (!restartable) return -Errno.EINTR;
        long ready = (t.pending() | p.processPending()) & ~t.blocked;
        int sig = Long.numberOfTrailingZeros(ready) + 1;
        long[] act = p.sigact[sig];
        if (act[0] != Sig.SIG_DFL && act[0] != Sig.SIG_IGN && (act[1] & Sig.SA_RESTART) != 0) return RESTART;
        return -Errno.EINTR;
    }

    /** Interrupts {@code t} if it sits in a blocking host call. */
    void wake(GuestThread t) {
        if (t.inSyscall && t.hostTid > 0) Host.syscall(Host.TGKILL, p.pid, t.hostTid, Signals.WAKE_SIGNAL);
    }

    // ------------------------------------------------------------------ dispatch

    public long call(GuestThread t, long nr, long a0, long a1, long a2, long a3, long a4, long a5) {
        boolean trace = p.opts.strace;
        if (trace) Strace.enter(p, t, (int) nr, a0, a1, a2, a3, a4, a5);
        long r;
        try {
            r = dispatch(t, (int) nr, a0, a1, a2, a3, a4, a5);
        } catch (GuestMemory.Fault f) {
            r = -Errno.EFAULT;
        } catch (NameTooLong e) {
            r = -Errno.ENAMETOOLONG;
        }
        if (trace) Strace.exit(p, t, (int) nr, r);
        if (r == -Errno.EPIPE && isWriteLike((int) nr)) p.signalThread(t, Sig.SIGPIPE, LinuxProcess.siginfo(Sig.SIGPIPE, 0, p.pid, 0));
        return r;
    }

    private static boolean isWriteLike(int nr) {
        return nr == 64 || nr == 66 || nr == 68 || nr == 70 || nr == 71 || nr == 206 || nr == 211 || nr == 285 || nr == 287;
    }

    @SuppressWarnings("fallthrough")
    private long dispatch(GuestThread t, int nr, long a0, long a1, long a2, long a3, long a4, long a5) {
        switch (nr) {
            // ---------------------------------------------------------- files
            case 56: { // openat
                if (badDirFd(a0)) return -Errno.EBADF;
                String path = str(a1);
                long special = openSpecial(path, (int) a2);
                if (special != Long.MIN_VALUE) return special;
                try (Arena a = Arena.ofConfined()) {
                    return blocking(t, true, Host.OPENAT, a0, a.allocateFrom(hostPath(path)).address(), a2, a3, 0, 0);
                }
            }
            case 57: // close
                if (badFd(a0)) return -Errno.EBADF;
                return Host.syscall(Host.CLOSE, a0);
            case 436: { // close_range
                if (Long.compareUnsigned(a0, a1) > 0) return -Errno.EINVAL;
                for (int fd : openFds()) {
                    if (Long.compareUnsigned(fd, a0) < 0 || Long.compareUnsigned(fd, a1) > 0 || isReserved(fd)) continue;
                    if ((a2 & 4) != 0) Host.syscall(Host.FCNTL, fd, 2, 1); // CLOSE_RANGE_CLOEXEC
                    else Host.syscall(Host.CLOSE, fd);
                }
                return 0;
            }
            case 63: // read
                if (badFd(a0)) return -Errno.EBADF;
                return blocking(t, true, Host.READ, a0, buf(a1, a2, true), a2, 0, 0, 0);
            case 64: // write
                if (badFd(a0)) return -Errno.EBADF;
                return blocking(t, true, Host.WRITE, a0, buf(a1, a2, false), a2, 0, 0, 0);
            case 65: case 66: case 69: case 70: case 286: case 287: { // readv writev preadv pwritev preadv2 pwritev2
                if (badFd(a0)) return -Errno.EBADF;
                boolean rd = nr == 65 || nr == 69 || nr == 286;
                if (a2 < 0 || a2 > 1024) return -Errno.EINVAL;
                checkIov(a1, (int) a2, rd);
                int hnr = switch (nr) { case 65 -> Host.READV; case 66 -> Host.WRITEV; case 69 -> Host.PREADV;
                    case 70 -> Host.PWRITEV; case 286 -> Host.PREADV2; default -> Host.PWRITEV2; };
                return blocking(t, true, hnr, a0, iovHost(a1, (int) a2), a2, a3, 0, a5 == 0 ? a4 : a4);
            }
            case 67: case 68: // pread64 pwrite64
                if (badFd(a0)) return -Errno.EBADF;
                return blocking(t, true, nr == 67 ? Host.PREAD64 : Host.PWRITE64, a0, buf(a1, a2, nr == 67), a2, a3, 0, 0);
            case 62: // lseek
                if (badFd(a0)) return -Errno.EBADF;
                return Host.syscall(Host.LSEEK, a0, a1, a2);
            case 79: { // newfstatat
                if (badDirFd(a0)) return -Errno.EBADF;
                buf(a2, 128, true);
                try (Arena a = Arena.ofConfined()) {
                    MemorySegment st = a.allocate(144);
                    long r = Host.syscall(Host.NEWFSTATAT, a0, cpath(a, a1), st.address(), a3);
                    if (r == 0) statOut(a2, st);
                    return r;
                }
            }
            case 80: { // fstat
                if (badFd(a0)) return -Errno.EBADF;
                buf(a1, 128, true);
                try (Arena a = Arena.ofConfined()) {
                    MemorySegment st = a.allocate(144);
                    long r = Host.syscall(Host.FSTAT, a0, st.address());
                    if (r == 0) statOut(a1, st);
                    return r;
                }
            }
            case 291: { // statx
                if (badDirFd(a0)) return -Errno.EBADF;
                try (Arena a = Arena.ofConfined()) {
                    return Host.syscall(Host.STATX, a0, cpath(a, a1), a2, a3, buf(a4, 256, true));
                }
            }
            case 61: // getdents64
                if (badFd(a0)) return -Errno.EBADF;
                return Host.syscall(Host.GETDENTS64, a0, buf(a1, a2, true), a2);
            case 78: { // readlinkat
                if (badDirFd(a0)) return -Errno.EBADF;
                String path = str(a1);
                if (a3 <= 0) return -Errno.EINVAL;
                if (path.equals("/proc/self/exe") || path.equals("/proc/" + p.pid + "/exe")) {
                    byte[] b = p.exe.toAbsolutePath().toString().getBytes(StandardCharsets.UTF_8);
                    int n = (int) Math.min(b.length, a3);
                    m.write(a2, b, 0, n);
                    return n;
                }
                try (Arena a = Arena.ofConfined()) {
                    return Host.syscall(Host.READLINKAT, a0, a.allocateFrom(hostPath(path)).address(), buf(a2, a3, true), a3);
                }
            }
            case 48: case 439: // faccessat faccessat2
                if (badDirFd(a0)) return -Errno.EBADF;
                try (Arena a = Arena.ofConfined()) {
                    return Host.syscall(nr == 48 ? Host.FACCESSAT : Host.FACCESSAT2, a0, cpath(a, a1), a2, a3);
                }
            case 34: // mkdirat
                try (Arena a = Arena.ofConfined()) { return Host.syscall(Host.MKDIRAT, a0, cstrRaw(a, a1), a2); }
            case 33: // mknodat
                try (Arena a = Arena.ofConfined()) { return Host.syscall(Host.MKNODAT, a0, cstrRaw(a, a1), a2, a3); }
            case 35: // unlinkat
                try (Arena a = Arena.ofConfined()) { return Host.syscall(Host.UNLINKAT, a0, cstrRaw(a, a1), a2); }
            case 36: // symlinkat
                try (Arena a = Arena.ofConfined()) { return Host.syscall(Host.SYMLINKAT, cstrRaw(a, a0), a1, cstrRaw(a, a2)); }
            case 37: // linkat
                try (Arena a = Arena.ofConfined()) { return Host.syscall(Host.LINKAT, a0, cstrRaw(a, a1), a2, cstrRaw(a, a3), a4); }
            case 38: // renameat
                try (Arena a = Arena.ofConfined()) { return Host.syscall(Host.RENAMEAT, a0, cstrRaw(a, a1), a2, cstrRaw(a, a3)); }
            case 276: // renameat2
                try (Arena a = Arena.ofConfined()) { return Host.syscall(Host.RENAMEAT2, a0, cstrRaw(a, a1), a2, cstrRaw(a, a3), a4); }
            case 52: // fchmod
                if (badFd(a0)) return -Errno.EBADF;
                return Host.syscall(Host.FCHMOD, a0, a1);
            case 53: // fchmodat
                try (Arena a = Arena.ofConfined()) { return Host.syscall(Host.FCHMODAT, a0, cstrRaw(a, a1), a2); }
            case 452: // fchmodat2
                try (Arena a = Arena.ofConfined()) { return Host.syscall(Host.FCHMODAT2, a0, cstrRaw(a, a1), a2, a3); }
            case 54: // fchownat
                try (Arena a = Arena.ofConfined()) { return Host.syscall(Host.FCHOWNAT, a0, cstrRaw(a, a1), a2, a3, a4); }
            case 55: // fchown
                if (badFd(a0)) return -Errno.EBADF;
                return Host.syscall(Host.FCHOWN, a0, a1, a2);
            case 88: // utimensat
                try (Arena a = Arena.ofConfined()) {
                    return Host.syscall(Host.UTIMENSAT, a0, a1 == 0 ? 0 : cstrRaw(a, a1), bufOrNull(a2, 32, false), a3);
                }
            case 45: // truncate
                try (Arena a = Arena.ofConfined()) { return Host.syscall(Host.TRUNCATE, cstrRaw(a, a0), a1); }
            case 46: // ftruncate
                if (badFd(a0)) return -Errno.EBADF;
                return Host.syscall(Host.FTRUNCATE, a0, a1);
            case 47: // fallocate
                if (badFd(a0)) return -Errno.EBADF;
                return Host.syscall(Host.FALLOCATE, a0, a1, a2, a3);
            case 82: case 83: // fsync fdatasync
                if (badFd(a0)) return -Errno.EBADF;
                return blocking(t, false, nr == 82 ? Host.FSYNC : Host.FDATASYNC, a0, 0, 0, 0, 0, 0);
            case 81: return Host.syscall(Host.SYNC);
            case 267: if (badFd(a0)) return -Errno.EBADF; return Host.syscall(Host.SYNCFS, a0);
            case 84: if (badFd(a0)) return -Errno.EBADF; return Host.syscall(Host.SYNC_FILE_RANGE, a0, a1, a2, a3);
            case 223: if (badFd(a0)) return -Errno.EBADF; return Host.syscall(Host.FADVISE64, a0, a1, a2, a3);
            case 213: if (badFd(a0)) return -Errno.EBADF; return Host.syscall(Host.READAHEAD, a0, a1, a2);
            case 32: if (badFd(a0)) return -Errno.EBADF; return blocking(t, true, Host.FLOCK, a0, a1, 0, 0, 0, 0);
            case 17: // getcwd
                return Host.syscall(Host.GETCWD, buf(a0, a1, true), a1);
            case 49: // chdir
                try (Arena a = Arena.ofConfined()) { return Host.syscall(Host.CHDIR, cstrRaw(a, a0)); }
            case 50: if (badFd(a0)) return -Errno.EBADF; return Host.syscall(Host.FCHDIR, a0);
            case 51: try (Arena a = Arena.ofConfined()) { return Host.syscall(Host.CHROOT, cstrRaw(a, a0)); }
            case 166: return Host.syscall(Host.UMASK, a0);
            case 43: // statfs
                try (Arena a = Arena.ofConfined()) { return Host.syscall(Host.STATFS, cpath(a, a0), buf(a1, 120, true)); }
            case 44: if (badFd(a0)) return -Errno.EBADF; return Host.syscall(Host.FSTATFS, a0, buf(a1, 120, true));
            case 71: { // sendfile
                if (badFd(a0) || badFd(a1)) return -Errno.EBADF;
                return blocking(t, true, Host.SENDFILE, a0, a1, bufOrNull(a2, 8, true), a3, 0, 0);
            }
            case 285: // copy_file_range
                if (badFd(a0) || badFd(a2)) return -Errno.EBADF;
                return blocking(t, true, Host.COPY_FILE_RANGE, a0, bufOrNull(a1, 8, true), a2, bufOrNull(a3, 8, true), a4, a5);
            case 76: // splice
                if (badFd(a0) || badFd(a2)) return -Errno.EBADF;
                return blocking(t, true, Host.SPLICE, a0, bufOrNull(a1, 8, true), a2, bufOrNull(a3, 8, true), a4, a5);
            case 77: if (badFd(a0) || badFd(a1)) return -Errno.EBADF; return blocking(t, true, Host.TEE, a0, a1, a2, a3, 0, 0);
            case 59: { // pipe2
                buf(a0, 8, true);
                return Host.syscall(Host.PIPE2, m.host(a0), a1);
            }
            case 23: // dup
                if (badFd(a0)) return -Errno.EBADF;
                return Host.syscall(Host.DUP, a0);
            case 24: // dup3
                if (badFd(a0) || badFd(a1)) return -Errno.EBADF;
                return Host.syscall(Host.DUP3, a0, a1, a2);
            case 25: // fcntl
                return fcntl(t, a0, (int) a1, a2);
            case 29: // ioctl
                return ioctl(a0, a1, a2);
            case 7: case 8: case 14: case 5: case 6: case 9: case 10: case 11: case 12: case 13: case 15: case 16:
                return xattr(nr, a0, a1, a2, a3, a4);
            case 19: return Host.syscall(Host.EVENTFD2, a0, a1);
            case 26: return Host.syscall(Host.INOTIFY_INIT1, a0);
            case 27: if (badFd(a0)) return -Errno.EBADF;
                try (Arena a = Arena.ofConfined()) { return Host.syscall(Host.INOTIFY_ADD_WATCH, a0, cpath(a, a1), a2); }
            case 28: if (badFd(a0)) return -Errno.EBADF; return Host.syscall(Host.INOTIFY_RM_WATCH, a0, a1);
            case 279: // memfd_create
                try (Arena a = Arena.ofConfined()) { return Host.syscall(Host.MEMFD_CREATE, cstrRaw(a, a0), a1); }
            case 85: return Host.syscall(Host.TIMERFD_CREATE, a0, a1);
            case 86: if (badFd(a0)) return -Errno.EBADF;
                return Host.syscall(Host.TIMERFD_SETTIME, a0, a1, buf(a2, 32, false), bufOrNull(a3, 32, true));
            case 87: if (badFd(a0)) return -Errno.EBADF; return Host.syscall(Host.TIMERFD_GETTIME, a0, buf(a1, 32, true));
            case 74: // signalfd4: the guest's signals are ours, not the host's
                return -Errno.ENOSYS;

            // ---------------------------------------------------------- polling
            case 73: { // ppoll
                if (a1 > 65536) return -Errno.EINVAL;
                buf(a0, a1 * 8, true);
                long r = sigmaskedWait(t, a3, a4, () -> blocking(t, false, Host.PPOLL, bufOrNull(a0, a1 * 8, true), a1,
                        bufOrNull(a2, 16, false), 0, 8, 0));
                return r;
            }
            case 72: { // pselect6
                long n = a0;
                if (n < 0 || n > 65536) return -Errno.EINVAL;
                long bytes = (n + 63) / 64 * 8;
                long sigmaskPtr = 0, sigsetSize = 8;
                if (a5 != 0) { sigmaskPtr = m.read64(a5); sigsetSize = m.read64(a5 + 8); }
                long ms = sigmaskPtr;
                return sigmaskedWait(t, ms, sigsetSize, () -> blocking(t, false, Host.PSELECT6, n, bufOrNull(a1, bytes, true),
                        bufOrNull(a2, bytes, true), bufOrNull(a3, bytes, true), bufOrNull(a4, 16, true), 0));
            }
            case 20: return Host.syscall(Host.EPOLL_CREATE1, a0);
            case 21: { // epoll_ctl
                if (badFd(a0) || badFd(a2)) return -Errno.EBADF;
                try (Arena a = Arena.ofConfined()) {
                    MemorySegment ev = a.allocate(12);
                    if (a3 != 0) {
                        ev.set(ValueLayout.JAVA_INT_UNALIGNED, 0, m.read32(a3));
                        ev.set(ValueLayout.JAVA_LONG_UNALIGNED, 4, m.read64(a3 + 8));
                    }
                    return Host.syscall(Host.EPOLL_CTL, a0, a1, a2, a3 == 0 ? 0 : ev.address());
                }
            }
            case 22: { // epoll_pwait
                if (badFd(a0)) return -Errno.EBADF;
                if (a2 <= 0 || a2 > 65536) return -Errno.EINVAL;
                buf(a1, a2 * 16, true);
                try (Arena a = Arena.ofConfined()) {
                    MemorySegment ev = a.allocate(12 * a2);
                    long r = sigmaskedWait(t, a4, a5, () -> blocking(t, false, Host.EPOLL_WAIT, a0, ev.address(), a2, a3, 0, 0));
                    for (int i = 0; i < r; i++) {
                        m.write32(a1 + 16L * i, ev.get(ValueLayout.JAVA_INT_UNALIGNED, 12L * i));
                        m.write32(a1 + 16L * i + 4, 0);
                        m.write64(a1 + 16L * i + 8, ev.get(ValueLayout.JAVA_LONG_UNALIGNED, 12L * i + 4));
                    }
                    return r;
                }
            }

            // ---------------------------------------------------------- memory
            case 214: return brk(a0);
            case 222: return mmap(a0, a1, (int) a2, (int) a3, (int) a4, a5);
            case 215: // munmap
                if ((a0 & GuestMemory.PAGE_MASK) != 0 || a1 == 0) return -Errno.EINVAL;
                invalidateAll(a0, a1);
                long ur = m.unmap(a0, a1);
                invalidateAll(a0, a1); // again: a translation that read the old code meanwhile is discarded
                return ur;
            case 226: // mprotect
                if ((a2 & ~7L) != 0) return -Errno.EINVAL;
                invalidateAll(a0, a1);
                long pr = m.protect(a0, a1, (int) a2);
                invalidateAll(a0, a1); // again: a translation that read the old code meanwhile is discarded
                return pr;
            case 216: return mremap(a0, a1, a2, (int) a3, a4);
            case 233: // madvise
                if (a2 == 4 /* MADV_DONTNEED */ && m.check(a0, a1, GuestMemory.PAGE_VALID)) {
                    return Host.syscall(Host.MADVISE, m.host(a0), a1, a2);
                }
                return 0;
            case 227: // msync
                if (!m.check(a0, a1, GuestMemory.PAGE_VALID)) return -Errno.ENOMEM;
                return Host.syscall(Host.MSYNC, m.host(a0), a1, a2);
            case 228: case 229: case 230: case 231: case 284: return 0; // mlock munlock mlockall munlockall mlock2
            case 232: // mincore
                if (!m.check(a0, a1, GuestMemory.PAGE_VALID)) return -Errno.ENOMEM;
                return Host.syscall(Host.MINCORE, m.host(a0), a1, buf(a2, (a1 + 4095) / 4096, true));
            case 259: // riscv_flush_icache
                invalidateAll(a0, a1 - a0);
                return 0;
            case 258: return -Errno.ENOSYS; // riscv_hwprobe

            // ---------------------------------------------------------- time
            case 113: return Host.syscall(Host.CLOCK_GETTIME, a0, buf(a1, 16, true));
            case 114: return Host.syscall(Host.CLOCK_GETRES, a0, bufOrNull(a1, 16, true));
            case 169: return Host.syscall(Host.GETTIMEOFDAY, bufOrNull(a0, 16, true), bufOrNull(a1, 8, true));
            case 101: // nanosleep
                return blocking(t, false, Host.NANOSLEEP, buf(a0, 16, false), bufOrNull(a1, 16, true), 0, 0, 0, 0);
            case 115: // clock_nanosleep
                return blocking(t, false, Host.CLOCK_NANOSLEEP, a0, a1, buf(a2, 16, false), bufOrNull(a3, 16, true), 0, 0);
            case 153: return Host.syscall(Host.TIMES, bufOrNull(a0, 32, true));
            case 102: return Host.syscall(Host.GETITIMER, a0, buf(a1, 32, true));
            case 103: return Host.syscall(Host.SETITIMER, a0, buf(a1, 32, false), bufOrNull(a2, 32, true));
            case 107: case 108: case 109: case 110: case 111: return -Errno.ENOSYS; // POSIX timers (host signals)
            case 266: case 171: return -Errno.EPERM;

            // ---------------------------------------------------------- identity and system
            case 160: return uname(a0);
            case 172: return p.pid;
            case 173: return Host.syscall(Host.GETPPID);
            case 178: return t.tid;
            case 174: return Host.syscall(Host.GETUID);
            case 175: return Host.syscall(Host.GETEUID);
            case 176: return Host.syscall(Host.GETGID);
            case 177: return Host.syscall(Host.GETEGID);
            case 148: return Host.syscall(Host.GETRESUID, buf(a0, 4, true), buf(a1, 4, true), buf(a2, 4, true));
            case 150: return Host.syscall(Host.GETRESGID, buf(a0, 4, true), buf(a1, 4, true), buf(a2, 4, true));
            case 158: return Host.syscall(Host.GETGROUPS, a0, a0 == 0 ? 0 : buf(a1, a0 * 4, true));
            case 143: return Host.syscall(Host.SETREGID, a0, a1);
            case 144: return Host.syscall(Host.SETGID, a0);
            case 145: return Host.syscall(Host.SETREUID, a0, a1);
            case 146: return Host.syscall(Host.SETUID, a0);
            case 147: return Host.syscall(Host.SETRESUID, a0, a1, a2);
            case 149: return Host.syscall(Host.SETRESGID, a0, a1, a2);
            case 151: return Host.syscall(Host.SETFSUID, a0);
            case 152: return Host.syscall(Host.SETFSGID, a0);
            case 159: return Host.syscall(Host.SETGROUPS, a0, buf(a1, a0 * 4, false));
            case 154: return Host.syscall(Host.SETPGID, a0, a1);
            case 155: return Host.syscall(Host.GETPGID, a0);
            case 156: return Host.syscall(Host.GETSID, a0);
            case 157: return Host.syscall(Host.SETSID);
            case 179: return Host.syscall(Host.SYSINFO, buf(a0, 112, true));
            case 163: case 164: // getrlimit setrlimit
                return Host.syscall(nr == 163 ? Host.GETRLIMIT : Host.SETRLIMIT, a0, buf(a1, 16, nr == 163));
            case 261: // prlimit64
                return Host.syscall(Host.PRLIMIT64, a0 == p.pid ? 0 : a0, a1, bufOrNull(a2, 16, false), bufOrNull(a3, 16, true));
            case 165: return Host.syscall(Host.GETRUSAGE, a0, buf(a1, 144, true));
            case 141: return Host.syscall(Host.GETPRIORITY, a0, a1);
            case 140: return Host.syscall(Host.SETPRIORITY, a0, a1, a2);
            case 167: return prctl(t, a0, a1, a2);
            case 168: // getcpu
                return Host.syscall(Host.GETCPU, bufOrNull(a0, 4, true), bufOrNull(a1, 4, true), 0);
            case 278: return blocking(t, true, Host.GETRANDOM, buf(a0, a1, true), a1, a2, 0, 0, 0);
            case 122: return Host.syscall(Host.SCHED_SETAFFINITY, a0 == t.tid ? 0 : a0, a1, buf(a2, a1, false));
            case 123: return Host.syscall(Host.SCHED_GETAFFINITY, a0 == t.tid ? 0 : a0, a1, buf(a2, a1, true));
            case 124: Thread.yield(); return 0;
            case 118: case 121: return Host.syscall(nr == 118 ? Host.SCHED_SETPARAM : Host.SCHED_GETPARAM, a0, buf(a1, 4, nr == 121));
            case 119: return Host.syscall(Host.SCHED_SETSCHEDULER, a0, a1, buf(a2, 4, false));
            case 120: return Host.syscall(Host.SCHED_GETSCHEDULER, a0);
            case 125: return Host.syscall(Host.SCHED_GET_PRIORITY_MAX, a0);
            case 126: return Host.syscall(Host.SCHED_GET_PRIORITY_MIN, a0);
            case 92: return a0 == 0xffffffffL ? 0 : (a0 == 0 ? 0 : -Errno.EINVAL); // personality
            case 90: return Host.syscall(Host.CAPGET, buf(a0, 8, false), bufOrNull(a1, 24, true));
            case 116: return -Errno.EPERM; // syslog
            case 283: return 0; // membarrier
            case 293: return -Errno.ENOSYS; // rseq
            case 96: // set_tid_address
                t.clearChildTid = a0;
                return t.tid;
            case 99: // set_robust_list
                if (a1 != 24) return -Errno.EINVAL;
                t.robustList = a0;
                return 0;
            case 100: return -Errno.ENOSYS; // get_robust_list

            // ---------------------------------------------------------- sockets (plain layouts)
            case 198: return Host.syscall(Host.SOCKET, a0, a1, a2);
            case 199: buf(a3, 8, true); return Host.syscall(Host.SOCKETPAIR, a0, a1, a2, m.host(a3));
            case 200: if (badFd(a0)) return -Errno.EBADF; return Host.syscall(Host.BIND, a0, buf(a1, a2, false), a2);
            case 201: if (badFd(a0)) return -Errno.EBADF; return Host.syscall(Host.LISTEN, a0, a1);
            case 203: if (badFd(a0)) return -Errno.EBADF; return blocking(t, true, Host.CONNECT, a0, buf(a1, a2, false), a2, 0, 0, 0);
            case 202: case 242: { // accept accept4
                if (badFd(a0)) return -Errno.EBADF;
                long lenp = bufOrNull(a2, 4, true);
                long addr = a1 == 0 ? 0 : buf(a1, m.read32(a2), true);
                return blocking(t, true, Host.ACCEPT4, a0, addr, lenp, nr == 242 ? a3 : 0, 0, 0);
            }
            case 204: case 205: { // getsockname getpeername
                if (badFd(a0)) return -Errno.EBADF;
                int len = m.read32(a2);
                return Host.syscall(nr == 204 ? Host.GETSOCKNAME : Host.GETPEERNAME, a0, buf(a1, len, true), buf(a2, 4, true));
            }
            case 206: if (badFd(a0)) return -Errno.EBADF;
                return blocking(t, true, Host.SENDTO, a0, buf(a1, a2, false), a2, a3, bufOrNull(a4, a5, false), a5);
            case 207: { if (badFd(a0)) return -Errno.EBADF;
                long alen = a5 == 0 ? 0 : m.read32(a5);
                return blocking(t, true, Host.RECVFROM, a0, buf(a1, a2, true), a2, a3, bufOrNull(a4, alen, true), bufOrNull(a5, 4, true)); }
            case 208: if (badFd(a0)) return -Errno.EBADF; return Host.syscall(Host.SETSOCKOPT, a0, a1, a2, buf(a3, a4, false), a4);
            case 209: { if (badFd(a0)) return -Errno.EBADF;
                int len = m.read32(a4);
                return Host.syscall(Host.GETSOCKOPT, a0, a1, a2, buf(a3, len, true), buf(a4, 4, true)); }
            case 210: if (badFd(a0)) return -Errno.EBADF; return Host.syscall(Host.SHUTDOWN, a0, a1);
            case 211: case 212: { // sendmsg recvmsg
                if (badFd(a0)) return -Errno.EBADF;
                try (Arena a = Arena.ofConfined()) {
                    MemorySegment h = msghdr(a, a1, nr == 212);
                    return blocking(t, true, nr == 211 ? Host.SENDMSG : Host.RECVMSG, a0, h.address(), a2, 0, 0, 0);
                } finally {
                    if (nr == 212) msghdrBack(a1);
                }
            }

            // ---------------------------------------------------------- signals
            case 134: return rtSigaction(a0, a1, a2, a3);
            case 135: return rtSigprocmask(t, a0, a1, a2, a3);
            case 136: // rt_sigpending
                m.write64(a0, (t.pending() | p.processPending()) & t.blocked);
                return 0;
            case 132: return sigaltstack(t, a0, a1);
            case 133: { // rt_sigsuspend
                if (a1 != 8) return -Errno.EINVAL;
                long mask = m.read64(a0) & ~Sig.UNBLOCKABLE;
                t.savedMask = t.blocked;
                t.blocked = mask;
                while (!p.hasDeliverable(t)) {
                    blocking(t, false, Host.PAUSE, 0, 0, 0, 0, 0, 0);
                }
                return -Errno.EINTR;
            }
            case 137: { // rt_sigtimedwait
                if (a3 != 8) return -Errno.EINVAL;
                long set = m.read64(a0);
                long deadline = a2 == 0 ? Long.MAX_VALUE : System.nanoTime() + m.read64(a2) * 1_000_000_000L + m.read64(a2 + 8);
                while (true) {
                    byte[][] info = new byte[1][];
                    int sig = t.take(~set, info);
                    if (sig != 0) {
                        if (a1 != 0) m.write(a1, info[0] != null ? info[0] : LinuxProcess.siginfo(sig, 0, 0, 0));
                        return sig;
                    }
                    if (((t.pending() | p.processPending()) & set) != 0) { p.claimFor(t, set); continue; }
                    if (p.hasDeliverable(t)) return -Errno.EINTR;
                    long left = deadline - System.nanoTime();
                    if (left <= 0) return -Errno.EAGAIN;
                    try (Arena a = Arena.ofConfined()) {
                        MemorySegment ts = a.allocate(16);
                        long chunk = Math.min(left, 50_000_000L);
                        ts.set(ValueLayout.JAVA_LONG, 0, chunk / 1_000_000_000L);
                        ts.set(ValueLayout.JAVA_LONG, 8, chunk % 1_000_000_000L);
                        t.waitingFor = set;
                        blocking(t, false, Host.NANOSLEEP, ts.address(), 0, 0, 0, 0, 0);
                        t.waitingFor = 0;
                    }
                }
            }
            case 139: // rt_sigreturn
                if (!Signals.sigreturn(p, t)) p.terminateBySignal(Sig.SIGSEGV, true);
                return NO_RETURN;
            case 129: return kill(t, a0, (int) a1);
            case 130: return tgkill(t, p.pid, a0, (int) a1);
            case 131: return tgkill(t, a0, a1, (int) a2);
            case 138: case 240: return -Errno.EPERM; // rt_sigqueueinfo, rt_tgsigqueueinfo

            // ---------------------------------------------------------- processes and threads
            case 93: // exit
                Threads.exitThread(p, t, (int) a0);
                return NO_RETURN;
            case 94: // exit_group
                p.exitGroup((int) a0);
                return NO_RETURN;
            case 220: return Threads.clone(p, t, a0, a1, a2, a3, a4);
            case 435: return -Errno.ENOSYS; // clone3: glibc falls back to clone
            case 221: return Exec.execve(p, t, a0, a1, a2);
            case 281: return -Errno.ENOSYS; // execveat
            case 260: // wait4
                return blocking(t, true, Host.WAIT4, a0, bufOrNull(a1, 4, true), a2, bufOrNull(a3, 144, true), 0, 0);
            case 95: // waitid
                return blocking(t, true, Host.WAITID, a0, a1, bufOrNull(a2, 128, true), a3, bufOrNull(a4, 144, true), 0);
            case 98: return Threads.futex(p, t, a0, (int) a1, a2, a3, a4, a5);
            case 97: return -Errno.EINVAL; // unshare
            case 142: return -Errno.EPERM; // reboot
            default:
                if (Log.on(Log.Item.UNIMP)) Log.log("Unsupported syscall: " + nr);
                return -Errno.ENOSYS;
        }
    }

    // ------------------------------------------------------------------ pieces

    private boolean badDirFd(long fd) {
        return (int) fd != -100 && badFd(fd);
    }

    private void checkIov(long iov, int n, boolean write) {
        for (int i = 0; i < n; i++) {
            long base = m.read64(iov + 16L * i), len = m.read64(iov + 16L * i + 8);
            if (len < 0) throw new GuestMemory.Fault(iov, false);
            buf(base, len, write);
        }
    }

    private final ThreadLocal<MemorySegment> iovScratch = ThreadLocal.withInitial(() -> Arena.global().allocate(16 * 1024));

    /** A host iovec array (guest bases + guest_base). */
    private long iovHost(long iov, int n) {
        MemorySegment s = iovScratch.get();
        for (int i = 0; i < n; i++) {
            s.set(ValueLayout.JAVA_LONG, 16L * i, m.host(m.read64(iov + 16L * i)));
            s.set(ValueLayout.JAVA_LONG, 16L * i + 8, m.read64(iov + 16L * i + 8));
        }
        return s.address();
    }

    /** struct msghdr (same layout on both): name, iov and control pointers rebased. */
    private MemorySegment msghdr(Arena a, long g, boolean write) {
        long name = m.read64(g), namelen = m.read32(g + 8), iov = m.read64(g + 16), iovlen = m.read64(g + 24),
                ctl = m.read64(g + 32), ctllen = m.read64(g + 40);
        if (iovlen < 0 || iovlen > 1024) throw new GuestMemory.Fault(g, false);
        checkIov(iov, (int) iovlen, write);
        MemorySegment h = a.allocate(56);
        MemorySegment hv = a.allocate(16 * Math.max(1, iovlen));
        for (int i = 0; i < iovlen; i++) {
            hv.set(ValueLayout.JAVA_LONG, 16L * i, m.host(m.read64(iov + 16L * i)));
            hv.set(ValueLayout.JAVA_LONG, 16L * i + 8, m.read64(iov + 16L * i + 8));
        }
        h.set(ValueLayout.JAVA_LONG, 0, name == 0 ? 0 : buf(name, namelen, write));
        h.set(ValueLayout.JAVA_INT, 8, (int) namelen);
        h.set(ValueLayout.JAVA_LONG, 16, hv.address());
        h.set(ValueLayout.JAVA_LONG, 24, iovlen);
        h.set(ValueLayout.JAVA_LONG, 32, ctl == 0 ? 0 : buf(ctl, ctllen, write));
        h.set(ValueLayout.JAVA_LONG, 40, ctllen);
        h.set(ValueLayout.JAVA_INT, 48, m.read32(g + 48));
        lastMsghdr.set(h);
        return h;
    }

    private final ThreadLocal<MemorySegment> lastMsghdr = new ThreadLocal<>();

    private void msghdrBack(long g) {
        MemorySegment h = lastMsghdr.get();
        if (h == null || !h.scope().isAlive()) return;
        m.write32(g + 8, h.get(ValueLayout.JAVA_INT, 8));
        m.write64(g + 40, h.get(ValueLayout.JAVA_LONG, 40));
        m.write32(g + 48, h.get(ValueLayout.JAVA_INT, 48));
    }

    /** Converts the x86_64 struct stat (144 bytes) to the asm-generic one (128 bytes). */
    private void statOut(long g, MemorySegment h) {
        byte[] o = new byte[128];
        var b = java.nio.ByteBuffer.wrap(o).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, h.get(ValueLayout.JAVA_LONG, 0));          // st_dev
        b.putLong(8, h.get(ValueLayout.JAVA_LONG, 8));          // st_ino
        b.putInt(16, h.get(ValueLayout.JAVA_INT, 24));          // st_mode
        b.putInt(20, (int) h.get(ValueLayout.JAVA_LONG, 16));   // st_nlink
        b.putInt(24, h.get(ValueLayout.JAVA_INT, 28));          // st_uid
        b.putInt(28, h.get(ValueLayout.JAVA_INT, 32));          // st_gid
        b.putLong(32, h.get(ValueLayout.JAVA_LONG, 40));        // st_rdev
        b.putLong(48, h.get(ValueLayout.JAVA_LONG, 48));        // st_size
        b.putInt(56, (int) h.get(ValueLayout.JAVA_LONG, 56));   // st_blksize
        b.putLong(64, h.get(ValueLayout.JAVA_LONG, 64));        // st_blocks
        for (int i = 0; i < 6; i++) b.putLong(72 + 8 * i, h.get(ValueLayout.JAVA_LONG, 72 + 8 * i)); // a/m/c time
        m.write(g, o);
    }

    private long openSpecial(String path, int flags) {
        String self = "/proc/self/";
        String pidDir = "/proc/" + p.pid + "/";
        String rest = path.startsWith(self) ? path.substring(self.length()) : path.startsWith(pidDir) ? path.substring(pidDir.length()) : null;
        if (rest == null) return Long.MIN_VALUE;
        byte[] content;
        switch (rest) {
            case "cmdline" -> {
                var o = new java.io.ByteArrayOutputStream();
                for (byte[] a : p.argv) { o.writeBytes(a); o.write(0); }
                content = o.toByteArray();
            }
            case "maps" -> content = maps().getBytes(StandardCharsets.UTF_8);
            case "exe" -> {
                try (Arena a = Arena.ofConfined()) {
                    return Host.syscall(Host.OPENAT, -100, a.allocateFrom(p.exe.toString()).address(), flags, 0);
                }
            }
            default -> { return Long.MIN_VALUE; }
        }
        try (Arena a = Arena.ofConfined()) {
            long fd = Host.syscall(Host.MEMFD_CREATE, a.allocateFrom("jemu-proc").address(), (flags & 0x80000) != 0 ? 1 : 0);
            if (fd < 0) return fd;
            MemorySegment s = a.allocate(Math.max(1, content.length));
            MemorySegment.copy(content, 0, s, ValueLayout.JAVA_BYTE, 0, content.length);
            Host.syscall(Host.WRITE, fd, s.address(), content.length);
            Host.syscall(Host.LSEEK, fd, 0, 0);
            return fd;
        }
    }

    private String maps() {
        StringBuilder sb = new StringBuilder();
        for (long[] r : m.regions()) {
            int f = (int) r[2];
            sb.append(String.format("%08x-%08x %c%c%c%c 00000000 00:00 0", r[0], r[1],
                    (f & PAGE_READ) != 0 ? 'r' : '-', (f & PAGE_WRITE) != 0 ? 'w' : '-',
                    (f & GuestMemory.PAGE_EXEC) != 0 ? 'x' : '-', (f & GuestMemory.PAGE_SHARED) != 0 ? 's' : 'p'));
            if (r[1] == ProgramLoader.STACK_TOP) sb.append("          [stack]");
            sb.append('\n');
        }
        return sb.toString();
    }

    private long fcntl(GuestThread t, long fd, int cmd, long arg) {
        if (badFd(fd)) return -Errno.EBADF;
        switch (cmd) {
            case 0, 1030 -> { // F_DUPFD, F_DUPFD_CLOEXEC
                long r;
                long start = arg;
                while (true) {
                    r = Host.syscall(Host.FCNTL, fd, cmd, start);
                    if (r >= 0 && isReserved(r)) { Host.syscall(Host.CLOSE, r); start = r + 1; continue; }
                    return r;
                }
            }
            case 1, 2, 3, 4, 8, 9, 1024, 1025, 1026, 1031, 1032, 1033, 1034 -> {
                return Host.syscall(Host.FCNTL, fd, cmd, arg);
            }
            case 5, 6, 7, 36, 37, 38 -> { // F_GETLK F_SETLK F_SETLKW (+ OFD variants): struct flock is the same
                long r = blocking(t, cmd == 7 || cmd == 38, Host.FCNTL, fd, cmd, buf(arg, 32, cmd == 5 || cmd == 36), 0, 0, 0);
                return r;
            }
            case 15, 16 -> { // F_SETOWN_EX/F_GETOWN_EX
                return Host.syscall(Host.FCNTL, fd, cmd, buf(arg, 8, cmd == 16));
            }
            default -> {
                if (Log.on(Log.Item.UNIMP)) Log.log("Unsupported fcntl cmd: " + cmd);
                return -Errno.EINVAL;
            }
        }
    }

    private long ioctl(long fd, long req, long arg) {
        if (badFd(fd)) return -Errno.EBADF;
        int r = (int) req;
        long hostArg;
        switch (r) {
            case 0x5401 -> hostArg = buf(arg, 36, true);                 // TCGETS
            case 0x5402, 0x5403, 0x5404 -> hostArg = buf(arg, 36, false); // TCSETS, TCSETSW, TCSETSF
            case 0x802c542a -> hostArg = buf(arg, 44, true);             // TCGETS2
            case 0x402c542b, 0x402c542c, 0x402c542d -> hostArg = buf(arg, 44, false);
            case 0x5409, 0x540A, 0x540B, 0x540E, 0x5422, 0x5450, 0x5451, 0x5441, 0x5425, 0x5427 -> hostArg = arg; // int / none
            case 0x540F, 0x5411, 0x541B, 0x5429, 0x80045430, 0x80045432 -> hostArg = buf(arg, 4, true); // TIOCGPGRP TIOCOUTQ FIONREAD TIOCGSID TIOCGPTN TIOCGDEV
            case 0x5410, 0x5421, 0x5452, 0x40045431 -> hostArg = buf(arg, 4, false); // TIOCSPGRP FIONBIO FIOASYNC TIOCSPTLCK
            case 0x5413 -> hostArg = buf(arg, 8, true);                  // TIOCGWINSZ
            case 0x5414 -> hostArg = buf(arg, 8, false);                 // TIOCSWINSZ
            case 0x80081272 -> hostArg = buf(arg, 8, true);              // BLKGETSIZE64
            case 0x1260 -> hostArg = buf(arg, 8, true);                  // BLKGETSIZE
            case 0x80086601 -> hostArg = buf(arg, 4, true);              // FS_IOC_GETFLAGS (int in practice)
            case 0x40086602 -> hostArg = buf(arg, 4, false);
            default -> {
                if (Log.on(Log.Item.UNIMP)) Log.log(String.format("Unsupported ioctl: cmd=0x%04x", req));
                return -Errno.ENOTTY;
            }
        }
        return Host.syscall(Host.IOCTL, fd, req, hostArg);
    }

    private long xattr(int nr, long a0, long a1, long a2, long a3, long a4) {
        try (Arena a = Arena.ofConfined()) {
            return switch (nr) {
                case 5, 6 -> Host.syscall(nr == 5 ? Host.SETXATTR : Host.LSETXATTR, cpath(a, a0), cstrRaw(a, a1), buf(a2, a3, false), a3, a4);
                case 7 -> badFd(a0) ? -Errno.EBADF : Host.syscall(Host.FSETXATTR, a0, cstrRaw(a, a1), buf(a2, a3, false), a3, a4);
                case 8, 9 -> Host.syscall(nr == 8 ? Host.GETXATTR : Host.LGETXATTR, cpath(a, a0), cstrRaw(a, a1), bufOrNull(a2, a3, true), a3);
                case 10 -> badFd(a0) ? -Errno.EBADF : Host.syscall(Host.FGETXATTR, a0, cstrRaw(a, a1), bufOrNull(a2, a3, true), a3);
                case 11, 12 -> Host.syscall(nr == 11 ? Host.LISTXATTR : Host.LLISTXATTR, cpath(a, a0), bufOrNull(a1, a2, true), a2);
                case 13 -> badFd(a0) ? -Errno.EBADF : Host.syscall(Host.FLISTXATTR, a0, bufOrNull(a1, a2, true), a2);
                case 14, 15 -> Host.syscall(nr == 14 ? Host.REMOVEXATTR : Host.LREMOVEXATTR, cpath(a, a0), cstrRaw(a, a1));
                default -> badFd(a0) ? -Errno.EBADF : Host.syscall(Host.FREMOVEXATTR, a0, cstrRaw(a, a1));
            };
        }
    }

    private long uname(long g) {
        buf(g, 390, true);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment u = a.allocate(390);
            long r = Host.syscall(Host.UNAME, u.address());
            if (r < 0) return r;
            byte[] b = u.toArray(ValueLayout.JAVA_BYTE);
            byte[] mach = new byte[65];
            System.arraycopy("riscv64".getBytes(StandardCharsets.US_ASCII), 0, mach, 0, 7);
            System.arraycopy(mach, 0, b, 65 * 4, 65);
            if (p.opts.unameRelease != null) {
                byte[] rel = new byte[65];
                byte[] s = p.opts.unameRelease.getBytes(StandardCharsets.UTF_8);
                System.arraycopy(s, 0, rel, 0, Math.min(64, s.length));
                System.arraycopy(rel, 0, b, 65 * 2, 65);
            }
            m.write(g, b);
            return 0;
        }
    }

    private long prctl(GuestThread t, long op, long a1, long a2) {
        return switch ((int) op) {
            case 15 -> { // PR_SET_NAME
                byte[] n = m.read(a1, 16);
                yield 0 * n.length;
            }
            case 16 -> { // PR_GET_NAME
                byte[] b = new byte[16];
                byte[] s = "jemu".getBytes(StandardCharsets.US_ASCII);
                if (p.execName != null) {
                    String base = p.execName.substring(p.execName.lastIndexOf('/') + 1);
                    s = base.getBytes(StandardCharsets.UTF_8);
                }
                System.arraycopy(s, 0, b, 0, Math.min(15, s.length));
                m.write(a1, b);
                yield 0;
            }
            case 1, 2, 3, 4, 36, 37, 38, 39 -> Host.syscall(Host.PRCTL, op, a1 == 0 ? 0 : a1, 0, 0, 0); // pdeathsig, dumpable, subreaper, no_new_privs
            default -> -Errno.EINVAL;
        };
    }

    // ------------------------------------------------------------------ memory

    private void invalidateAll(long a, long len) {
        for (GuestThread th : p.threads.values()) th.cpu.invalidate(a, len);
    }

    private long brk(long want) {
        synchronized (m) {
            if (want == 0 || want < p.brkStart) return p.brkCur;
            long oldTop = GuestMemory.pageAlign(p.brkCur), newTop = GuestMemory.pageAlign(want);
            if (newTop > oldTop) {
                if (!m.isFree(oldTop, newTop - oldTop)) return p.brkCur;
                if (m.mapAnon(oldTop, newTop - oldTop, Host.PROT_READ | Host.PROT_WRITE) < 0) return p.brkCur;
            } else if (newTop < oldTop) {
                m.unmap(newTop, oldTop - newTop);
            }
            if (want > p.brkCur && (p.brkCur & GuestMemory.PAGE_MASK) != 0) {
                // fresh break area reads as zero even within the partially used last page
                long end = Math.min(want, oldTop);
                if (end > p.brkCur) m.pokeZero(p.brkCur, end - p.brkCur);
            }
            p.brkCur = want;
            return want;
        }
    }

    long mmap(long addr, long len, int prot, int flags, int fd, long off) {
        if (len == 0 || (off & GuestMemory.PAGE_MASK) != 0) return -Errno.EINVAL;
        if ((prot & ~7) != 0) return -Errno.EINVAL;
        int type = flags & 0xf;
        if (type != Host.MAP_PRIVATE && type != Host.MAP_SHARED && type != Host.MAP_SHARED_VALIDATE) return -Errno.EINVAL;
        boolean anon = (flags & Host.MAP_ANONYMOUS) != 0;
        if (!anon && badFd(fd)) return -Errno.EBADF;
        long alen = GuestMemory.pageAlign(len);
        if (alen == 0 || alen < len) return -Errno.ENOMEM;
        synchronized (m) {
            long at;
            if ((flags & Host.MAP_FIXED) != 0) {
                if ((addr & GuestMemory.PAGE_MASK) != 0) return -Errno.EINVAL;
                at = addr;
            } else if ((flags & Host.MAP_FIXED_NOREPLACE) != 0) {
                if ((addr & GuestMemory.PAGE_MASK) != 0) return -Errno.EINVAL;
                if (!m.isFree(addr, alen)) return -Errno.EEXIST;
                at = addr;
            } else {
                at = m.findFree(addr, alen);
                if (at < 0) return -Errno.ENOMEM;
            }
            if (Long.compareUnsigned(at + alen, m.size) > 0) return -Errno.ENOMEM;
            int hflags = flags & ~(Host.MAP_FIXED_NOREPLACE);
            long r;
            if (anon) {
                r = m.map(at, alen, prot, hflags, -1, 0);
            } else {
                // pages past the end of a regular file would raise a host SIGBUS: back them with zero pages
                long fileLen = -1;
                try (Arena a = Arena.ofConfined()) {
                    MemorySegment st = a.allocate(144);
                    if (Host.syscall(Host.FSTAT, fd, st.address()) == 0 && (st.get(ValueLayout.JAVA_INT, 24) & 0xf000) == 0x8000) {
                        fileLen = st.get(ValueLayout.JAVA_LONG, 48);
                    }
                }
                long fileSpan = fileLen < 0 ? alen : Math.max(0, Math.min(alen, GuestMemory.pageAlign(fileLen) - off));
                if (fileLen >= 0 && off >= GuestMemory.pageAlign(fileLen)) fileSpan = 0;
                r = 0;
                if (fileSpan > 0) r = m.map(at, fileSpan, prot, hflags, fd, off);
                if (r == 0 && fileSpan < alen) {
                    r = m.map(at + fileSpan, alen - fileSpan, prot, (hflags & ~0xf) | Host.MAP_PRIVATE | Host.MAP_ANONYMOUS, -1, 0);
                }
            }
            if (r < 0) return r;
            invalidateAll(at, alen);
            return at;
        }
    }

    private long mremap(long old, long oldLen, long newLen, int flags, long newAddr) {
        if ((old & GuestMemory.PAGE_MASK) != 0 || newLen == 0) return -Errno.EINVAL;
        oldLen = GuestMemory.pageAlign(oldLen);
        newLen = GuestMemory.pageAlign(newLen);
        synchronized (m) {
            if (!m.check(old, Math.max(oldLen, GuestMemory.PAGE_SIZE), GuestMemory.PAGE_VALID)) return -Errno.EFAULT;
            int f = m.pageFlags(old);
            int prot = f & 7;
            boolean fixed = (flags & 2) != 0, mayMove = (flags & 1) != 0;
            if (!fixed && newLen <= oldLen) {
                if (newLen < oldLen) { invalidateAll(old + newLen, oldLen - newLen); m.unmap(old + newLen, oldLen - newLen); }
                return old;
            }
            if (!fixed && m.isFree(old + oldLen, newLen - oldLen)) {
                // our reservation occupies the host range after it, so grow with fresh anonymous pages
                if ((f & GuestMemory.PAGE_SHARED) == 0 && m.mapAnon(old + oldLen, newLen - oldLen, prot) == 0) return old;
            }
            if (!mayMove) return -Errno.ENOMEM;
            long to = fixed ? newAddr : m.findFree(0, newLen);
            if (to < 0) return -Errno.ENOMEM;
            if (fixed) { invalidateAll(to, newLen); m.unmap(to, newLen); }
            long r = Host.syscall(Host.MREMAP, m.host(old), oldLen, newLen, 3 /* MAYMOVE|FIXED */, m.host(to));
            if (r < 0 && r > -4096) return r;
            // the old range is now a hole in our reservation: reserve it again
            m.adopt(to, newLen, f);
            invalidateAll(old, oldLen);
            m.unmap(old, oldLen);
            return to;
        }
    }

    // ------------------------------------------------------------------ signals

    private long rtSigaction(long sig, long act, long oact, long size) {
        if (size != 8) return -Errno.EINVAL;
        if (sig < 1 || sig > Sig.NSIG) return -Errno.EINVAL;
        int s = (int) sig;
        long[] cur = p.sigact[s];
        if (act != 0 && (s == Sig.SIGKILL || s == Sig.SIGSTOP)) return -Errno.EINVAL;
        long h = 0, fl = 0, mask = 0;
        if (act != 0) { h = m.read64(act); fl = m.read64(act + 8); mask = m.read64(act + 16); }
        if (oact != 0) {
            buf(oact, 24, true);
            m.write64(oact, cur[0]);
            m.write64(oact + 8, cur[1]);
            m.write64(oact + 16, cur[2]);
        }
        if (act != 0) {
            synchronized (p) {
                cur[0] = h;
                cur[1] = fl;
                cur[2] = mask & ~Sig.UNBLOCKABLE;
            }
            if (h == Sig.SIG_IGN || h == Sig.SIG_DFL && Sig.defaultAction(s) == Sig.Action.IGNORE) {
                for (GuestThread th : p.threads.values()) th.discard(s);
            }
        }
        return 0;
    }

    private long rtSigprocmask(GuestThread t, long how, long set, long oset, long size) {
        if (size != 8) return -Errno.EINVAL;
        long old = t.blocked;
        if (set != 0) {
            long s = m.read64(set);
            long n = switch ((int) how) {
                case 0 -> old | s;
                case 1 -> old & ~s;
                case 2 -> s;
                default -> -1;
            };
            if (how < 0 || how > 2) return -Errno.EINVAL;
            if (oset != 0) buf(oset, 8, true);
            t.blocked = n & ~Sig.UNBLOCKABLE;
        }
        if (oset != 0) m.write64(oset, old);
        return 0;
    }

    private long sigaltstack(GuestThread t, long ss, long oss) {
        long sp = t.cpu.x(2);
        if (oss != 0) buf(oss, 24, true);
        long oldSp = t.altSp, oldSize = t.altSize;
        int oldFlags = Signals.ssFlags(t, sp);
        if (ss != 0) {
            long r = Signals.sigaltstack(t, m.read64(ss), m.read32(ss + 8), m.read64(ss + 16), sp);
            if (r < 0) return r;
        }
        if (oss != 0) {
            m.write64(oss, oldSp);
            m.write64(oss + 8, oldFlags);
            m.write64(oss + 16, oldSize);
        }
        return 0;
    }

    /** ppoll/pselect6/epoll_pwait: the guest's temporary signal mask while waiting. */
    private long sigmaskedWait(GuestThread t, long maskPtr, long size, java.util.function.LongSupplier call) {
        if (maskPtr == 0) return call.getAsLong();
        if (size != 8) return -Errno.EINVAL;
        long mask = m.read64(maskPtr) & ~Sig.UNBLOCKABLE;
        long saved = t.blocked;
        t.blocked = mask;
        long r = call.getAsLong();
        if (r == -Errno.EINTR && p.hasDeliverable(t)) {
            t.savedMask = saved; // handlers run with the temporary mask, the old one comes back at sigreturn
        } else {
            t.blocked = saved;
        }
        return r;
    }

    private long kill(GuestThread t, long pid, int sig) {
        if (sig < 0 || sig > Sig.NSIG) return -Errno.EINVAL;
        if (pid == p.pid) {
            if (sig != 0) p.signalProcess(sig, LinuxProcess.siginfo(sig, 0 /* SI_USER */, p.pid, (int) Host.syscall(Host.GETUID)));
            return 0;
        }
        if (pid == 0 || pid == -1 || pid < -1) {
            // process groups include ourselves: signal the others through the host, then us
            long r = Host.syscall(Host.KILL, pid, sig == 0 ? 0 : sig);
            return r;
        }
        return Host.syscall(Host.KILL, pid, sig);
    }

    private long tgkill(GuestThread t, long tgid, long tid, int sig) {
        if (sig < 0 || sig > Sig.NSIG || tid <= 0) return -Errno.EINVAL;
        if (tgid == p.pid || tgid == -1) {
            GuestThread target = p.threads.get((int) tid);
            if (target == null) return -Errno.ESRCH;
            if (sig != 0) p.signalThread(target, sig, LinuxProcess.siginfo(sig, -6 /* SI_TKILL */, p.pid, (int) Host.syscall(Host.GETUID)));
            return 0;
        }
        return Host.syscall(Host.TGKILL, tgid, tid, sig);
    }
}
