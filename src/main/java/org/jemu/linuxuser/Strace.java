package org.jemu.linuxuser;

import org.jemu.util.Log;

/**
 * {@code -strace}: one line per syscall as QEMU's linux-user/strace.c prints them:
 * {@code PID name(args) = result}, errors as {@code = -1 errno=N (text)}. Arguments are shown by kind:
 * d decimal, p pointer, s string, f dirfd (AT_FDCWD), o octal, x hex, u unsigned, and anything not
 * described in decimal, as QEMU does for syscalls it has no printer for.
 */
public final class Strace {
    private Strace() {}

    private static final String[] NAME = new String[512];
    private static final String[] ARGS = new String[512];

    private static void d(int nr, String name, String args) { NAME[nr] = name; ARGS[nr] = args; }

    static {
        d(17, "getcwd", "pd"); d(19, "eventfd2", "dd"); d(20, "epoll_create1", "d"); d(21, "epoll_ctl", "dddp");
        d(22, "epoll_pwait", "dpddpd"); d(23, "dup", "d"); d(24, "dup3", "ddd"); d(25, "fcntl", "ddx"); d(29, "ioctl", "dxp");
        d(32, "flock", "dd"); d(33, "mknodat", "fsod"); d(34, "mkdirat", "fso"); d(35, "unlinkat", "fsd");
        d(36, "symlinkat", "sfs"); d(37, "linkat", "fsfsd"); d(38, "renameat", "fsfs"); d(43, "statfs", "sp");
        d(44, "fstatfs", "dp"); d(45, "truncate", "sd"); d(46, "ftruncate", "dd"); d(47, "fallocate", "dddd");
        d(48, "faccessat", "fsd"); d(49, "chdir", "s"); d(50, "fchdir", "d"); d(51, "chroot", "s"); d(52, "fchmod", "do");
        d(53, "fchmodat", "fso"); d(54, "fchownat", "fsddd"); d(55, "fchown", "ddd"); d(56, "openat", "fsxo");
        d(57, "close", "d"); d(59, "pipe2", "px"); d(61, "getdents64", "dpd"); d(62, "lseek", "ddd"); d(63, "read", "dpd");
        d(64, "write", "dpd"); d(65, "readv", "dpd"); d(66, "writev", "dpd"); d(67, "pread64", "dpdd");
        d(68, "pwrite64", "dpdd"); d(69, "preadv", "dpdd"); d(70, "pwritev", "dpdd"); d(71, "sendfile", "ddpd");
        d(72, "pselect6", "dppppp"); d(73, "ppoll", "pdppd"); d(76, "splice", "dpdpdx"); d(78, "readlinkat", "fspd");
        d(79, "newfstatat", "fspx"); d(80, "fstat", "dp"); d(81, "sync", ""); d(82, "fsync", "d"); d(83, "fdatasync", "d");
        d(88, "utimensat", "fspx"); d(93, "exit", "d"); d(94, "exit_group", "d"); d(95, "waitid", "ddpdp");
        d(96, "set_tid_address", "p"); d(98, "futex", "pddppd"); d(99, "set_robust_list", "pd"); d(101, "nanosleep", "pp");
        d(113, "clock_gettime", "dp"); d(114, "clock_getres", "dp"); d(115, "clock_nanosleep", "ddpp"); d(124, "sched_yield", "");
        d(129, "kill", "dd"); d(130, "tkill", "dd"); d(131, "tgkill", "ddd"); d(132, "sigaltstack", "pp");
        d(133, "rt_sigsuspend", "pd"); d(134, "rt_sigaction", "dppd"); d(135, "rt_sigprocmask", "dppd");
        d(136, "rt_sigpending", "pd"); d(137, "rt_sigtimedwait", "pppd"); d(139, "rt_sigreturn", ""); d(153, "times", "p");
        d(154, "setpgid", "dd"); d(155, "getpgid", "d"); d(156, "getsid", "d"); d(157, "setsid", ""); d(160, "uname", "p");
        d(163, "getrlimit", "dp"); d(164, "setrlimit", "dp"); d(165, "getrusage", "dp"); d(166, "umask", "o");
        d(167, "prctl", "ddddd"); d(169, "gettimeofday", "pp"); d(172, "getpid", ""); d(173, "getppid", "");
        d(174, "getuid", ""); d(175, "geteuid", ""); d(176, "getgid", ""); d(177, "getegid", ""); d(178, "gettid", "");
        d(179, "sysinfo", "p"); d(198, "socket", "ddd"); d(199, "socketpair", "dddp"); d(200, "bind", "dpd");
        d(203, "connect", "dpd"); d(214, "brk", "p"); d(215, "munmap", "pu"); d(216, "mremap", "puudp");
        d(220, "clone", "xpppp"); d(221, "execve", "spp"); d(222, "mmap", "pudxdd"); d(226, "mprotect", "pud");
        d(233, "madvise", "pud"); d(259, "riscv_flush_icache", "ppd"); d(260, "wait4", "dpdp"); d(261, "prlimit64", "ddpp");
        d(276, "renameat2", "fsfsd"); d(278, "getrandom", "pdd"); d(279, "memfd_create", "sx"); d(285, "copy_file_range", "dpdpdd");
        d(291, "statx", "fsxxp"); d(293, "rseq", "pddd"); d(436, "close_range", "ddd"); d(439, "faccessat2", "fsdd");
        d(258, "riscv_hwprobe", "pdppd");
    }

    public static String name(int nr) {
        return nr >= 0 && nr < NAME.length && NAME[nr] != null ? NAME[nr] : "syscall_" + nr;
    }

    private static final ThreadLocal<StringBuilder> LINE = ThreadLocal.withInitial(StringBuilder::new);

    static void enter(LinuxProcess p, GuestThread t, int nr, long... a) {
        StringBuilder sb = LINE.get();
        sb.setLength(0);
        sb.append(p.pid).append(' ');
        String spec = nr >= 0 && nr < ARGS.length ? ARGS[nr] : null;
        if (spec == null) {
            sb.append(name(nr)).append('(');
            for (int i = 0; i < 6; i++) { if (i > 0) sb.append(','); sb.append(a[i]); }
            sb.append(')');
        } else {
            sb.append(NAME[nr]).append('(');
            for (int i = 0; i < spec.length(); i++) {
                if (i > 0) sb.append(',');
                long v = a[i];
                switch (spec.charAt(i)) {
                    case 'p' -> sb.append(v == 0 ? "NULL" : String.format("0x%016x", v));
                    case 's' -> {
                        String s = v == 0 ? null : p.mem.readCString(v, 4096);
                        sb.append(s == null ? String.format("0x%016x", v) : '"' + s + '"');
                    }
                    case 'f' -> sb.append((int) v == -100 ? "AT_FDCWD" : String.valueOf((int) v));
                    case 'o' -> sb.append('0').append(Long.toOctalString(v));
                    case 'x' -> sb.append("0x").append(Long.toHexString(v));
                    case 'u' -> sb.append(Long.toUnsignedString(v));
                    default -> sb.append((int) v == v ? String.valueOf((int) v) : String.valueOf(v));
                }
            }
            sb.append(')');
        }
        if (nr == 93 || nr == 94 || nr == 139) {
            Log.log(sb.toString());
            sb.setLength(0);
        }
    }

    static void exit(LinuxProcess p, GuestThread t, int nr, long r) {
        StringBuilder sb = LINE.get();
        if (sb.isEmpty()) return;
        if (r == Syscalls.NO_RETURN || r == Syscalls.RESTART) {
            sb.append(r == Syscalls.RESTART ? " = ? ERESTARTSYS" : "");
        } else if (r < 0 && r > -4096) {
            sb.append(" = -1 errno=").append(-r).append(" (").append(Errno.message((int) -r)).append(')');
        } else if (nr == 214 || nr == 222 || nr == 216) {
            sb.append(String.format(" = 0x%016x", r));
        } else {
            sb.append(" = ").append(r);
        }
        Log.log(sb.toString());
        sb.setLength(0);
    }
}
