package org.jemu.linuxuser;

/** Signal numbers (identical for riscv64 and x86_64), default actions and names. */
public final class Sig {
    private Sig() {}

    public static final int SIGHUP = 1, SIGINT = 2, SIGQUIT = 3, SIGILL = 4, SIGTRAP = 5, SIGABRT = 6, SIGBUS = 7,
            SIGFPE = 8, SIGKILL = 9, SIGUSR1 = 10, SIGSEGV = 11, SIGUSR2 = 12, SIGPIPE = 13, SIGALRM = 14,
            SIGTERM = 15, SIGSTKFLT = 16, SIGCHLD = 17, SIGCONT = 18, SIGSTOP = 19, SIGTSTP = 20, SIGTTIN = 21,
            SIGTTOU = 22, SIGURG = 23, SIGXCPU = 24, SIGXFSZ = 25, SIGVTALRM = 26, SIGPROF = 27, SIGWINCH = 28,
            SIGIO = 29, SIGPWR = 30, SIGSYS = 31, NSIG = 64;

    public static final long SA_NOCLDSTOP = 1, SA_NOCLDWAIT = 2, SA_SIGINFO = 4, SA_ONSTACK = 0x08000000L,
            SA_RESTART = 0x10000000L, SA_NODEFER = 0x40000000L, SA_RESETHAND = 0x80000000L;
    public static final long SIG_DFL = 0, SIG_IGN = 1;

    public static long bit(int sig) { return 1L << (sig - 1); }

    /** Signals that cannot be caught or blocked. */
    public static final long UNBLOCKABLE = bit(SIGKILL) | bit(SIGSTOP);

    public enum Action { TERM, CORE, IGNORE, STOP, CONT }

    public static Action defaultAction(int sig) {
        return switch (sig) {
            case SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV, SIGXCPU, SIGXFSZ, SIGSYS -> Action.CORE;
            case SIGCHLD, SIGURG, SIGWINCH -> Action.IGNORE;
            case SIGCONT -> Action.CONT;
            case SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU -> Action.STOP;
            default -> Action.TERM;
        };
    }

    private static final String[] DESC = {null, "Hangup", "Interrupt", "Quit", "Illegal instruction",
        "Trace/breakpoint trap", "Aborted", "Bus error", "Floating point exception", "Killed", "User defined signal 1",
        "Segmentation fault", "User defined signal 2", "Broken pipe", "Alarm clock", "Terminated", "Stack fault",
        "Child exited", "Continued", "Stopped (signal)", "Stopped", "Stopped (tty input)", "Stopped (tty output)",
        "Urgent I/O condition", "CPU time limit exceeded", "File size limit exceeded", "Virtual timer expired",
        "Profiling timer expired", "Window changed", "I/O possible", "Power failure", "Bad system call"};

    private static final String[] NAMES = {null, "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT",
        "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT",
        "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ",
        "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS"};

    /** strsignal(3). */
    public static String describe(int sig) {
        if (sig > 0 && sig < DESC.length) return DESC[sig];
        if (sig >= 32 && sig <= 64) return "Real-time signal " + (sig - 32);
        return "Unknown signal " + sig;
    }

    public static String name(int sig) {
        if (sig > 0 && sig < NAMES.length) return NAMES[sig];
        return sig >= 32 && sig <= 64 ? "SIGRT_" + (sig - 32) : String.valueOf(sig);
    }
}
