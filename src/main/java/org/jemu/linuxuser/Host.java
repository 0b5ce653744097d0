package org.jemu.linuxuser;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The host kernel, reached through FFM downcalls to libc's {@code syscall(2)} wrapper. Every call
 * returns the kernel's convention: a non-negative result or {@code -errno}, exactly what a riscv64
 * guest expects in a0. Host syscall numbers are x86_64's.
 */
public final class Host {
    private Host() {}

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CCS = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CCS.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle SYSCALL = LINKER.downcallHandle(LIBC.find("syscall").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG),
            Linker.Option.firstVariadicArg(1), Linker.Option.captureCallState("errno"));
    private static final ThreadLocal<MemorySegment> STATE = ThreadLocal.withInitial(() -> Arena.global().allocate(CCS));

    /** Host memory as one segment indexed by absolute address. */
    public static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    // x86_64 syscall numbers
    public static final int READ = 0, WRITE = 1, OPEN = 2, CLOSE = 3, FSTAT = 5, POLL = 7, LSEEK = 8, MMAP = 9,
            MPROTECT = 10, MUNMAP = 11, RT_SIGACTION = 13, RT_SIGPROCMASK = 14, IOCTL = 16, PREAD64 = 17, PWRITE64 = 18,
            READV = 19, WRITEV = 20, MREMAP = 25, MSYNC = 26, MADVISE = 28, DUP = 32, NANOSLEEP = 35, GETPID = 39,
            SENDFILE = 40, SOCKET = 41, CONNECT = 42, ACCEPT = 43, SENDTO = 44, RECVFROM = 45, SENDMSG = 46, RECVMSG = 47,
            SHUTDOWN = 48, BIND = 49, LISTEN = 50, GETSOCKNAME = 51, GETPEERNAME = 52, SOCKETPAIR = 53, SETSOCKOPT = 54,
            GETSOCKOPT = 55, EXECVE = 59, EXIT = 60, WAIT4 = 61, KILL = 62, UNAME = 63, FCNTL = 72, FLOCK = 73, FSYNC = 74,
            FDATASYNC = 75, TRUNCATE = 76, FTRUNCATE = 77, GETCWD = 79, CHDIR = 80, FCHDIR = 81, FCHMOD = 91,
            FCHOWN = 93, UMASK = 95, GETTIMEOFDAY = 96, GETRLIMIT = 97, GETRUSAGE = 98, SYSINFO = 99, TIMES = 100,
            GETUID = 102, SYSLOG = 103, GETGID = 104, SETUID = 105, SETGID = 106, GETEUID = 107, GETEGID = 108,
            SETPGID = 109, GETPPID = 110, GETPGRP = 111, SETSID = 112, SETREUID = 113, SETREGID = 114,
            GETGROUPS = 115, SETGROUPS = 116, SETRESUID = 117, GETRESUID = 118, SETRESGID = 119, GETRESGID = 120,
            GETPGID = 121, SETFSUID = 122, SETFSGID = 123, GETSID = 124, CAPGET = 125, CAPSET = 126,
            RT_SIGPENDING = 127, SIGALTSTACK = 131, PERSONALITY = 135, STATFS = 137, FSTATFS = 138,
            GETPRIORITY = 140, SETPRIORITY = 141, SCHED_SETPARAM = 142, SCHED_GETPARAM = 143, SCHED_SETSCHEDULER = 144,
            SCHED_GETSCHEDULER = 145, SCHED_GET_PRIORITY_MAX = 146, SCHED_GET_PRIORITY_MIN = 147, MLOCK = 149,
            MUNLOCK = 150, PRCTL = 157, SETRLIMIT = 160, CHROOT = 161, SYNC = 162, MOUNT = 165, SETHOSTNAME = 170,
            GETTID = 186, READAHEAD = 187, SETXATTR = 188, LSETXATTR = 189, FSETXATTR = 190, GETXATTR = 191,
            LGETXATTR = 192, FGETXATTR = 193, LISTXATTR = 194, LLISTXATTR = 195, FLISTXATTR = 196,
            REMOVEXATTR = 197, LREMOVEXATTR = 198, FREMOVEXATTR = 199, TKILL = 200, FUTEX = 202,
            SCHED_SETAFFINITY = 203, SCHED_GETAFFINITY = 204, GETDENTS64 = 217, SET_TID_ADDRESS = 218,
            FADVISE64 = 221, TIMER_CREATE = 222, CLOCK_SETTIME = 227, CLOCK_GETTIME = 228, CLOCK_GETRES = 229,
            CLOCK_NANOSLEEP = 230, EXIT_GROUP = 231, EPOLL_WAIT = 232, EPOLL_CTL = 233, TGKILL = 234,
            UTIMES = 235, WAITID = 247, INOTIFY_INIT1 = 294, OPENAT = 257, MKDIRAT = 258, MKNODAT = 259,
            FCHOWNAT = 260, NEWFSTATAT = 262, UNLINKAT = 263, RENAMEAT = 264, LINKAT = 265, SYMLINKAT = 266,
            READLINKAT = 267, FCHMODAT = 268, FACCESSAT = 269, PSELECT6 = 270, PPOLL = 271, SET_ROBUST_LIST = 273,
            GET_ROBUST_LIST = 274, SPLICE = 275, TEE = 276, SYNC_FILE_RANGE = 277, UTIMENSAT = 280,
            EPOLL_PWAIT = 281, SIGNALFD4 = 289, TIMERFD_CREATE = 283, EVENTFD2 = 290, FALLOCATE = 285,
            TIMERFD_SETTIME = 286, TIMERFD_GETTIME = 287, ACCEPT4 = 288, EPOLL_CREATE1 = 291, DUP3 = 292,
            PIPE2 = 293, PREADV = 295, PWRITEV = 296, RT_TGSIGQUEUEINFO = 297, RECVMMSG = 299, PRLIMIT64 = 302,
            SYNCFS = 306, SENDMMSG = 307, GETCPU = 309, RENAMEAT2 = 316, GETRANDOM = 318, MEMFD_CREATE = 319,
            MEMBARRIER = 324, COPY_FILE_RANGE = 326, PREADV2 = 327, PWRITEV2 = 328, STATX = 332, CLOSE_RANGE = 436,
            FACCESSAT2 = 439, FCHMODAT2 = 452, SCHED_YIELD = 24, MINCORE = 27, ALARM = 37, SETITIMER = 38,
            GETITIMER = 36, PAUSE = 34, SETDOMAINNAME = 171, VHANGUP = 153, PIVOT_ROOT = 155, ACCT = 163,
            UMOUNT2 = 166, SWAPON = 167, SWAPOFF = 168, REBOOT = 169, TIMER_SETTIME = 223, TIMER_GETTIME = 224,
            TIMER_GETOVERRUN = 225, TIMER_DELETE = 226, RT_SIGTIMEDWAIT = 128, RT_SIGQUEUEINFO = 129,
            RT_SIGSUSPEND = 130, IOPRIO_SET = 251, IOPRIO_GET = 252, INOTIFY_ADD_WATCH = 254, INOTIFY_RM_WATCH = 255,
            UNSHARE = 272, SCHED_GETATTR = 315, SCHED_SETATTR = 314, PIDFD_OPEN = 434, PIDFD_SEND_SIGNAL = 424,
            SETNS = 308, GETDENTS = 78, MEMBARRIER_ = 324, FSOPEN = 430, NAME_TO_HANDLE_AT = 303, TIMES_ = 100,
            ADJTIMEX = 159, CLOCK_ADJTIME = 305, MLOCKALL = 151, MUNLOCKALL = 152, MSGGET = 68, SEMGET = 64,
            SHMGET = 29, SHMAT = 30, SHMCTL = 31, SHMDT = 67, EXECVEAT = 322, KCMP = 312, PROCESS_VM_READV = 310,
            SET_MEMPOLICY = 238, GET_MEMPOLICY = 239, MBIND = 237, SCHED_RR_GET_INTERVAL = 148, MLOCK2 = 325,
            PKEY_MPROTECT = 329, STATFS_ = 137, FCHDIR_ = 81, SELECT = 23, VFORK = 58, FORK = 57, CLONE = 56;

    public static long syscall(long nr, long a, long b, long c, long d, long e, long f) {
        MemorySegment st = STATE.get();
        long r;
        try {
            r = (long) SYSCALL.invokeExact(st, nr, a, b, c, d, e, f);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (r == -1) {
            int errno = (int) ERRNO.get(st, 0L);
            return -errno;
        }
        return r;
    }

    public static long syscall(long nr) { return syscall(nr, 0, 0, 0, 0, 0, 0); }
    public static long syscall(long nr, long a) { return syscall(nr, a, 0, 0, 0, 0, 0); }
    public static long syscall(long nr, long a, long b) { return syscall(nr, a, b, 0, 0, 0, 0); }
    public static long syscall(long nr, long a, long b, long c) { return syscall(nr, a, b, c, 0, 0, 0); }
    public static long syscall(long nr, long a, long b, long c, long d) { return syscall(nr, a, b, c, d, 0, 0); }
    public static long syscall(long nr, long a, long b, long c, long d, long e) { return syscall(nr, a, b, c, d, e, 0); }

    /** Finds a libc function (for the few calls that are not plain syscalls, e.g. posix_spawn). */
    public static MethodHandle libc(String name, FunctionDescriptor fd, Linker.Option... opts) {
        return LINKER.downcallHandle(LIBC.find(name).orElseThrow(), fd, opts);
    }

    // mmap constants (same values on x86_64 and riscv64 for the generic ones)
    public static final int PROT_NONE = 0, PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;
    public static final int MAP_SHARED = 1, MAP_PRIVATE = 2, MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20,
            MAP_NORESERVE = 0x4000, MAP_FIXED_NOREPLACE = 0x100000, MAP_SHARED_VALIDATE = 3;

    public static long mmap(long addr, long len, int prot, int flags, int fd, long off) {
        return syscall(MMAP, addr, len, prot, flags, fd, off);
    }

    /** A host C string in a confined arena. */
    public static MemorySegment cstr(Arena a, String s) {
        return a.allocateFrom(s);
    }

    public static String errnoName(long negErrno) {
        return Errno.name((int) -negErrno);
    }
}
