package org.jemu.linuxuser;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Signal delivery in the riscv64 Linux ABI (arch/riscv/kernel/signal.c) and the host side of signals.
 *
 * <p>Frame (struct rt_sigframe) at the new 16-byte-aligned sp: siginfo (128 bytes), then struct ucontext:
 * uc_flags, uc_link, uc_stack (24), uc_sigmask (8) + 120 unused, then at +176 struct sigcontext:
 * pc, x1..x31, then the FP state f0..f31 (8 bytes each) and fcsr, padded to the 528-byte Q-extension
 * union. The handler gets a0=sig, a1=&info, a2=&uc, ra = the sigreturn trampoline page.
 */
public final class Signals {
    private Signals() {}

    public static final int UC = 128, UC_STACK = UC + 16, UC_SIGMASK = UC + 40, MC = UC + 176,
            MC_FP = MC + 256, MC_FCSR = MC + 512, FRAME_SIZE = MC + 256 + 528;
    public static final int SS_ONSTACK = 1, SS_DISABLE = 2;

    static boolean onAltStack(GuestThread t, long sp) {
        return t.altSize != 0 && Long.compareUnsigned(sp - t.altSp, t.altSize) < 0;
    }

    static int ssFlags(GuestThread t, long sp) {
        if (t.altSize == 0) return SS_DISABLE;
        return onAltStack(t, sp) ? SS_ONSTACK : 0;
    }

    /** Builds the frame and points the hart at the handler; false if the frame cannot be written. */
    static boolean setupFrame(LinuxProcess p, GuestThread t, int sig, byte[] info, long[] act, long oldMask) {
        Hart c = t.cpu;
        GuestMemory m = p.mem;
        long sp = c.x(2);
        if ((act[1] & Sig.SA_ONSTACK) != 0 && t.altSize != 0 && !onAltStack(t, sp)) sp = t.altSp + t.altSize;
        long frame = (sp - FRAME_SIZE) & ~15L;
        if (!m.check(frame, FRAME_SIZE, GuestMemory.PAGE_WRITE)) return false;
        m.write(frame, info);
        m.write64(frame + UC, 0);
        m.write64(frame + UC + 8, 0);
        m.write64(frame + UC_STACK, t.altSp);
        m.write64(frame + UC_STACK + 8, ssFlags(t, c.x(2)));
        m.write64(frame + UC_STACK + 16, t.altSize);
        m.write64(frame + UC_SIGMASK, oldMask);
        m.write64(frame + MC, c.pc());
        for (int i = 1; i < 32; i++) m.write64(frame + MC + 8L * i, c.x(i));
        for (int i = 0; i < 32; i++) m.write64(frame + MC_FP + 8L * i, c.f(i));
        m.write32(frame + MC_FCSR, c.fcsr());
        c.clearReservation();
        c.x(1, p.sigtramp);
        c.x(2, frame);
        c.x(10, sig);
        c.x(11, frame);
        c.x(12, frame + UC);
        c.pc(act[0]);
        long mask = oldMask | act[2];
        if ((act[1] & Sig.SA_NODEFER) == 0) mask |= Sig.bit(sig);
        t.blocked = mask & ~Sig.UNBLOCKABLE;
        return true;
    }

    /** rt_sigreturn: restores what {@link #setupFrame} saved; false if the frame is unreadable. */
    static boolean sigreturn(LinuxProcess p, GuestThread t) {
        Hart c = t.cpu;
        GuestMemory m = p.mem;
        long frame = c.x(2);
        if (!m.check(frame, FRAME_SIZE, GuestMemory.PAGE_READ)) return false;
        t.blocked = m.read64(frame + UC_SIGMASK) & ~Sig.UNBLOCKABLE;
        c.pc(m.read64(frame + MC));
        for (int i = 1; i < 32; i++) c.x(i, m.read64(frame + MC + 8L * i));
        for (int i = 0; i < 32; i++) c.f(i, m.read64(frame + MC_FP + 8L * i));
        c.fcsr(m.read32(frame + MC_FCSR));
        // restore_altstack: errors are ignored as the kernel does
        sigaltstack(t, m.read64(frame + UC_STACK), m.read32(frame + UC_STACK + 8), m.read64(frame + UC_STACK + 16), c.x(2));
        c.clearReservation();
        return true;
    }

    static final int MINSIGSTKSZ = 2048;

    /** Sets the alternate stack; returns 0 or -errno. */
    static long sigaltstack(GuestThread t, long ssp, int flags, long size, long curSp) {
        if (onAltStack(t, curSp)) return -Errno.EPERM;
        if (flags != 0 && flags != SS_DISABLE && flags != SS_ONSTACK) return -Errno.EINVAL;
        if (flags == SS_DISABLE) {
            t.altSp = 0;
            t.altSize = 0;
            t.altFlags = SS_DISABLE;
            return 0;
        }
        if (size < MINSIGSTKSZ) return -Errno.ENOMEM;
        t.altSp = ssp;
        t.altSize = size;
        t.altFlags = 0;
        return 0;
    }

    // ------------------------------------------------------------------ host side

    private static final MethodHandle SIGACTION = Host.libc("sigaction",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));

    /** The host signal that interrupts a guest thread blocked in a host syscall (handler: no-op, no SA_RESTART). */
    public static final int WAKE_SIGNAL = 40;

    /** Installs the wake signal's no-op handler (libc's getpid serves as one) without SA_RESTART. */
    public static void installWakeHandler() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment sa = a.allocate(152);
            MemorySegment fn = java.lang.foreign.Linker.nativeLinker().defaultLookup().find("getpid").orElseThrow();
            sa.set(ValueLayout.JAVA_LONG, 0, fn.address());
            // sa_mask (128 bytes) zero, sa_flags (int at 136) zero: no SA_RESTART
            int r = (int) SIGACTION.invokeExact(WAKE_SIGNAL, sa, MemorySegment.NULL);
            if (r != 0) throw new IllegalStateException("sigaction failed");
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether the host disposition of {@code sig} is SIG_IGN (inherited from whoever started us). */
    static boolean hostIgnored(int sig) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment old = a.allocate(32);
            if (Host.syscall(Host.RT_SIGACTION, sig, 0, old.address(), 8) != 0) return false;
            return old.get(ValueLayout.JAVA_LONG, 0) == 1;
        }
    }

    static void setHostDefault(int sig) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ksa = a.allocate(32); // x86_64 kernel sigaction: handler, flags, restorer, mask
            Host.syscall(Host.RT_SIGACTION, sig, ksa.address(), 0, 8);
        }
    }

    static void setHostIgnore(int sig) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ksa = a.allocate(32);
            ksa.set(ValueLayout.JAVA_LONG, 0, 1);
            Host.syscall(Host.RT_SIGACTION, sig, ksa.address(), 0, 8);
        }
    }

    /** Dies of host signal {@code sig} (no host core dump of the JVM). */
    public static void dieBySignal(int sig) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment rl = a.allocate(16);
            Host.syscall(Host.SETRLIMIT, 4 /* RLIMIT_CORE */, rl.address());
            setHostDefault(sig);
            MemorySegment set = a.allocate(8);
            set.set(ValueLayout.JAVA_LONG, 0, Sig.bit(sig));
            Host.syscall(Host.RT_SIGPROCMASK, 1 /* SIG_UNBLOCK */, set.address(), 0, 8);
            long pid = Host.syscall(Host.GETPID);
            Host.syscall(Host.TGKILL, pid, Host.syscall(Host.GETTID), sig);
            Host.syscall(Host.KILL, pid, sig);
        }
        try { Thread.sleep(200); } catch (InterruptedException ignored) { }
        Runtime.getRuntime().halt(128 + sig);
    }
}
