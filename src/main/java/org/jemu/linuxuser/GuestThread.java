package org.jemu.linuxuser;

/** One guest thread: its hart, its Linux task state (tid, signal mask, pending signals, sigaltstack). */
public final class GuestThread {
    public final LinuxProcess proc;
    public final Hart cpu;
    public volatile int tid;
    /** The host thread id running this guest thread (the main guest thread's tid is the pid, as in Linux). */
    public volatile int hostTid;
    /** Blocked signals (bit sig-1). */
    public volatile long blocked;
    /** Signals pending for this thread, with their siginfo (128 bytes each, riscv64 layout). */
    private long pending;
    private final byte[][] info = new byte[Sig.NSIG + 1][];
    public long altSp, altSize;
    public int altFlags = 2; // SS_DISABLE
    public long clearChildTid;
    public long robustList;
    /** Signal mask to restore after rt_sigsuspend/ppoll/pselect6 delivered a handler. */
    public long savedMask = -1;
    public Thread javaThread;
    /** Set when another thread's execve or exit_group ends this one. */
    public volatile boolean killed;
    /** In a host call a guest signal should interrupt (see Syscalls.wake). */
    public volatile boolean inSyscall;
    /** Signals rt_sigtimedwait is waiting for. */
    public volatile long waitingFor;
    /** The address of the last fault reported by GuestMemory (user-mode CpuMemory). */
    public long faultAddr = -1;

    GuestThread(LinuxProcess proc, Hart cpu) {
        this.proc = proc;
        this.cpu = cpu;
    }

    synchronized void queue(int sig, byte[] siginfo) {
        if ((pending & Sig.bit(sig)) != 0 && sig < 32) return; // standard signals do not queue twice
        pending |= Sig.bit(sig);
        info[sig] = siginfo;
    }

    synchronized long pending() { return pending; }

    /** Takes the lowest pending signal not blocked (synchronous faults first), or 0. */
    synchronized int take(long mask, byte[][] outInfo) {
        long ready = pending & ~mask;
        if (ready == 0) return 0;
        long sync = ready & (Sig.bit(Sig.SIGSEGV) | Sig.bit(Sig.SIGBUS) | Sig.bit(Sig.SIGILL) | Sig.bit(Sig.SIGTRAP) | Sig.bit(Sig.SIGFPE));
        int sig = Long.numberOfTrailingZeros(sync != 0 ? sync : ready) + 1;
        pending &= ~Sig.bit(sig);
        outInfo[0] = info[sig];
        info[sig] = null;
        return sig;
    }

    synchronized void discard(int sig) {
        pending &= ~Sig.bit(sig);
        info[sig] = null;
    }
}
