package org.jemu.linuxuser;

import org.jemu.util.Log;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * One emulated Linux process (QEMU's TaskState + cpu_loop): its address space, signal dispositions,
 * threads, brk, and the per-thread loop that runs the hart and turns what it returns into syscalls and
 * signals.
 */
public final class LinuxProcess {
    public final Options opts;
    public final GuestMemory mem;
    /** Per signal: {handler, flags, mask}. */
    public final long[][] sigact = new long[Sig.NSIG + 1][3];
    public final ConcurrentHashMap<Integer, GuestThread> threads = new ConcurrentHashMap<>();
    public final Syscalls sys;
    public final Function<GuestMemory, Hart> hartFactory;
    public final int pid;

    public long brkStart, brkCur;
    /** The running program: host path (for /proc/self/exe) and the name the guest used. */
    public java.nio.file.Path exe;
    public String execName;
    public List<byte[]> argv = List.of();
    public long sigtramp;
    /** Process-directed signals nobody could take yet. */
    private long procPending;
    private final byte[][] procInfo = new byte[Sig.NSIG + 1][];

    public LinuxProcess(Options opts, GuestMemory mem, Function<GuestMemory, Hart> hartFactory) {
        this.opts = opts;
        this.mem = mem;
        this.hartFactory = hartFactory;
        RiscvHart.configureTcg(opts.accel);
        this.pid = (int) Host.syscall(Host.GETPID);
        this.sys = new Syscalls(this);
    }

    // ------------------------------------------------------------------ start-up

    /** Maps the sigreturn trampoline page QEMU uses in place of a vDSO: li a7,139; ecall. */
    public void mapSigtramp() {
        long a = mem.findFree(0, GuestMemory.PAGE_SIZE);
        mem.mapAnon(a, GuestMemory.PAGE_SIZE, Host.PROT_READ | Host.PROT_WRITE);
        mem.write32(a, 0x08b00893);     // addi a7, zero, 139
        mem.write32(a + 4, 0x00000073); // ecall
        mem.protect(a, GuestMemory.PAGE_SIZE, Host.PROT_READ | Host.PROT_EXEC);
        sigtramp = a;
    }

    public GuestThread newThread(Hart h) {
        return new GuestThread(this, h);
    }

    // ------------------------------------------------------------------ the loop

    /** QEMU's cpu_loop for one thread; never returns normally for the last thread (exit_group halts). */
    public void cpuLoop(GuestThread t) {
        Hart c = t.cpu;
        while (true) {
            int cause;
            try {
                cause = c.run();
            } catch (GuestMemory.Fault f) {
                cause = f.write ? Hart.STORE_PAGE_FAULT : Hart.LOAD_PAGE_FAULT;
                t.faultAddr = f.addr;
            }
            switch (cause) {
                case Hart.ECALL_U -> {
                    long pc = c.pc();
                    long nr = c.x(17);
                    long r = sys.call(t, nr, c.x(10), c.x(11), c.x(12), c.x(13), c.x(14), c.x(15));
                    if (r == Syscalls.RESTART) {
                        c.pc(pc);
                    } else {
                        if (c.pc() == pc) c.pc(pc + 4);
                        if (r != Syscalls.NO_RETURN) c.x(10, r);
                    }
                }
                case Hart.ILLEGAL_INSN -> force(t, Sig.SIGILL, 1 /* ILL_ILLOPC */, c.pc());
                case Hart.BREAKPOINT -> force(t, Sig.SIGTRAP, 1 /* TRAP_BRKPT */, c.pc());
                case Hart.INSN_MISALIGNED, Hart.LOAD_MISALIGNED, Hart.STORE_MISALIGNED ->
                        force(t, Sig.SIGBUS, 1 /* BUS_ADRALN */, c.tval());
                case Hart.INSN_PAGE_FAULT, Hart.LOAD_PAGE_FAULT, Hart.STORE_PAGE_FAULT, Hart.INSN_ACCESS,
                     Hart.LOAD_ACCESS, Hart.STORE_ACCESS -> {
                    long a = t.faultAddr >= 0 ? t.faultAddr : c.tval();
                    t.faultAddr = -1;
                    int code = mem.pageFlags(a) != 0 ? 2 /* SEGV_ACCERR */ : 1 /* SEGV_MAPERR */;
                    force(t, Sig.SIGSEGV, code, a);
                }
                case Hart.EXIT_REQUEST -> { }
                default -> {
                    if (Log.on(Log.Item.UNIMP)) Log.log("jemu: unhandled CPU exception 0x" + Integer.toHexString(cause));
                    force(t, Sig.SIGILL, 1, c.pc());
                }
            }
            if (t.killed) throw new Threads.ThreadExit();
            deliverSignals(t);
        }
    }


    // ------------------------------------------------------------------ signals

    public static byte[] siginfo(int sig, int code, long addrOrPid, int uid) {
        ByteBuffer b = ByteBuffer.allocate(128).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, sig);
        b.putInt(8, code);
        if (code > 0 && code < 0x80 && isFault(sig)) {
            b.putLong(16, addrOrPid);
        } else {
            b.putInt(16, (int) addrOrPid);
            b.putInt(20, uid);
        }
        return b.array();
    }

    private static boolean isFault(int sig) {
        return sig == Sig.SIGSEGV || sig == Sig.SIGBUS || sig == Sig.SIGILL || sig == Sig.SIGFPE || sig == Sig.SIGTRAP;
    }

    /** A synchronous fault: delivered even when blocked or ignored (then it kills, as Linux's force_sig). */
    void force(GuestThread t, int sig, int code, long addr) {
        long h = sigact[sig][0];
        if ((t.blocked & Sig.bit(sig)) != 0 || h == Sig.SIG_IGN) {
            sigact[sig][0] = Sig.SIG_DFL;
            t.blocked &= ~Sig.bit(sig);
        }
        t.queue(sig, siginfo(sig, code, addr, 0));
    }

    /** Queues a signal for the whole process (kill, host signals): a thread that does not block it takes it. */
    public void signalProcess(int sig, byte[] info) {
        GuestThread target = null;
        for (GuestThread t : threads.values()) {
            if ((t.blocked & Sig.bit(sig)) == 0) { target = t; break; }
        }
        if (target == null) {
            synchronized (this) {
                procPending |= Sig.bit(sig);
                procInfo[sig] = info;
            }
            return;
        }
        signalThread(target, sig, info);
    }

    public void signalThread(GuestThread t, int sig, byte[] info) {
        if (sig == Sig.SIGKILL) terminateBySignal(sig, false);
        long h = sigact[sig][0];
        if (h == Sig.SIG_IGN || h == Sig.SIG_DFL && Sig.defaultAction(sig) == Sig.Action.IGNORE) {
            if (sig != Sig.SIGCHLD || h != Sig.SIG_IGN) return;
            return;
        }
        if ((t.blocked & Sig.bit(sig)) != 0 && (t.waitingFor & Sig.bit(sig)) == 0) {
            t.queue(sig, info);
            return;
        }
        t.queue(sig, info);
        t.cpu.requestExit();
        sys.wake(t);
    }

    /** Moves process-directed signals a thread can now take onto it. */
    private void claimProcessSignals(GuestThread t) {
        if (procPending == 0) return;
        synchronized (this) {
            long ready = procPending & ~t.blocked;
            while (ready != 0) {
                int sig = Long.numberOfTrailingZeros(ready) + 1;
                ready &= ~Sig.bit(sig);
                procPending &= ~Sig.bit(sig);
                t.queue(sig, procInfo[sig]);
                procInfo[sig] = null;
            }
        }
    }

    public synchronized long processPending() { return procPending; }

    /** rt_sigtimedwait: moves process-directed signals of {@code set} onto {@code t}. */
    synchronized void claimFor(GuestThread t, long set) {
        long ready = procPending & set;
        while (ready != 0) {
            int sig = Long.numberOfTrailingZeros(ready) + 1;
            ready &= ~Sig.bit(sig);
            procPending &= ~Sig.bit(sig);
            t.queue(sig, procInfo[sig]);
            procInfo[sig] = null;
        }
    }

    public boolean hasDeliverable(GuestThread t) {
        return ((t.pending() | procPending) & ~t.blocked) != 0;
    }

    /** Delivers every pending, unblocked signal to {@code t}: sets up handler frames or takes the default action. */
    public void deliverSignals(GuestThread t) {
        claimProcessSignals(t);
        byte[][] info = new byte[1][];
        while (true) {
            int sig = t.take(t.blocked, info);
            if (sig == 0) break;
            long[] act = sigact[sig];
            long h = act[0];
            if (h == Sig.SIG_IGN) continue;
            if (h == Sig.SIG_DFL) {
                switch (Sig.defaultAction(sig)) {
                    case IGNORE, CONT -> { continue; }
                    case STOP -> {
                        Host.syscall(Host.KILL, pid, Sig.SIGSTOP);
                        continue;
                    }
                    case TERM -> terminateBySignal(sig, false);
                    case CORE -> terminateBySignal(sig, true);
                }
                continue;
            }
            long restoreMask = t.savedMask != -1 ? t.savedMask : t.blocked;
            t.savedMask = -1;
            if (!Signals.setupFrame(this, t, sig, info[0] != null ? info[0] : siginfo(sig, 0, 0, 0), act, restoreMask)) {
                terminateBySignal(Sig.SIGSEGV, true);
            }
            if ((act[1] & Sig.SA_RESETHAND) != 0) act[0] = Sig.SIG_DFL;
        }
        if (t.savedMask != -1) { t.blocked = t.savedMask; t.savedMask = -1; }
    }

    /** Default action "terminate": the jemu process dies of the same host signal, as QEMU's dump_core_and_abort. */
    public void terminateBySignal(int sig, boolean core) {
        if (core) {
            System.err.println("jemu: uncaught target signal " + sig + " (" + Sig.describe(sig) + ") - core dumped");
        }
        System.err.flush();
        Log.out().flush();
        Signals.dieBySignal(sig);
    }

    /** exit_group: the whole process ends with this status. */
    public void exitGroup(int status) {
        RiscvHart.shutdownTcg();
        System.out.flush();
        System.err.flush();
        Log.out().flush();
        // -Djemu.exit-hooks=true: exit through the JVM's shutdown hooks (profiling: a JFR recording is dumped)
        if (Boolean.getBoolean("jemu.exit-hooks")) System.exit(status & 0xff);
        Runtime.getRuntime().halt(status & 0xff);
    }
}
