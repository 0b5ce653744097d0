package org.jemu.linuxuser;

import java.util.concurrent.CountDownLatch;

/**
 * clone (threads: one host thread per guest thread; processes: see {@link Fork}), thread exit with
 * CLONE_CHILD_CLEARTID, and futex — the host's own futex on the guest word, since guest memory is host
 * memory.
 */
public final class Threads {
    private Threads() {}

    public static final long CLONE_VM = 0x100, CLONE_FS = 0x200, CLONE_FILES = 0x400, CLONE_SIGHAND = 0x800,
            CLONE_VFORK = 0x4000, CLONE_THREAD = 0x10000, CLONE_SETTLS = 0x80000, CLONE_PARENT_SETTID = 0x100000,
            CLONE_CHILD_CLEARTID = 0x200000, CLONE_CHILD_SETTID = 0x01000000;

    /** Thrown to unwind a guest thread's host thread when the guest thread exits. */
    static final class ThreadExit extends RuntimeException {
        ThreadExit() { super(null, null, false, false); }
    }

    static long clone(LinuxProcess p, GuestThread parent, long flags, long newsp, long ptid, long tls, long ctid) {
        if ((flags & CLONE_VM) != 0 && (flags & CLONE_VFORK) == 0) {
            if ((flags & (CLONE_THREAD | CLONE_SIGHAND)) != (CLONE_THREAD | CLONE_SIGHAND)) return -Errno.EINVAL;
            return newThread(p, parent, flags, newsp, ptid, tls, ctid);
        }
        return Fork.fork(p, parent, flags, newsp, ptid, tls, ctid);
    }

    private static long newThread(LinuxProcess p, GuestThread parent, long flags, long newsp, long ptid, long tls, long ctid) {
        GuestMemory m = p.mem;
        if ((flags & CLONE_PARENT_SETTID) != 0 && !m.check(ptid, 4, GuestMemory.PAGE_WRITE)) return -Errno.EFAULT;
        Hart h = parent.cpu.fork();
        h.pc(parent.cpu.pc() + 4);
        h.x(10, 0);
        if (newsp != 0) h.x(2, newsp);
        if ((flags & CLONE_SETTLS) != 0) h.x(4, tls);
        GuestThread ct = p.newThread(h);
        ct.blocked = parent.blocked;
        CountDownLatch started = new CountDownLatch(1);
        Thread jt = Thread.ofPlatform().name("jemu-guest").daemon(false).stackSize(16L << 20).unstarted(() -> {
            int tid = (int) Host.syscall(Host.GETTID);
            ct.hostTid = tid;
            ct.tid = tid;
            p.threads.put(tid, ct);
            try {
                if ((flags & CLONE_CHILD_SETTID) != 0) m.write32(ctid, tid);
                if ((flags & CLONE_PARENT_SETTID) != 0) m.write32(ptid, tid);
            } catch (GuestMemory.Fault ignored) {
                // Linux ignores a bad child tid pointer here as well
            }
            if ((flags & CLONE_CHILD_CLEARTID) != 0) ct.clearChildTid = ctid;
            started.countDown();
            runThread(p, ct);
        });
        ct.javaThread = jt;
        jt.start();
        try {
            started.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return ct.tid;
    }

    /** Runs a guest thread until it exits; a jemu failure ends the whole process with a message, never a trace. */
    public static void runThread(LinuxProcess p, GuestThread t) {
        try {
            p.cpuLoop(t);
        } catch (ThreadExit e) {
            // the guest thread is gone
        } catch (LinuxUserException e) {
            System.err.println("jemu-riscv64: " + e.getMessage());
            p.exitGroup(e.exitStatus);
        } catch (StackOverflowError | OutOfMemoryError e) {
            System.err.println("jemu-riscv64: out of host resources in guest thread " + t.tid + ": " + e);
            p.exitGroup(255);
        } catch (RuntimeException | Error e) {
            System.err.println("jemu-riscv64: internal error in guest thread " + t.tid + " at pc 0x"
                    + Long.toHexString(t.cpu.pc()) + ": " + e);
            if (System.getenv("JEMU_DEBUG") != null) e.printStackTrace();
            p.exitGroup(255);
        }
    }

    static void exitThread(LinuxProcess p, GuestThread t, int status) {
        p.threads.remove(t.tid);
        if (t.clearChildTid != 0) {
            try {
                p.mem.write32(t.clearChildTid, 0);
                Host.syscall(Host.FUTEX, p.mem.host(t.clearChildTid), 1 /* FUTEX_WAKE */, 1, 0, 0, 0);
            } catch (GuestMemory.Fault ignored) {
                // as Linux: a bad clear_child_tid pointer is ignored
            }
        }
        if (p.threads.isEmpty()) p.exitGroup(status);
        throw new ThreadExit();
    }

    static final int FUTEX_WAIT = 0, FUTEX_WAKE = 1, FUTEX_FD = 2, FUTEX_REQUEUE = 3, FUTEX_CMP_REQUEUE = 4,
            FUTEX_WAKE_OP = 5, FUTEX_LOCK_PI = 6, FUTEX_UNLOCK_PI = 7, FUTEX_TRYLOCK_PI = 8, FUTEX_WAIT_BITSET = 9,
            FUTEX_WAKE_BITSET = 10, FUTEX_WAIT_REQUEUE_PI = 11, FUTEX_CMP_REQUEUE_PI = 12, FUTEX_LOCK_PI2 = 13;

    static long futex(LinuxProcess p, GuestThread t, long uaddr, int op, long val, long a3, long uaddr2, long val3) {
        GuestMemory m = p.mem;
        int cmd = op & 0x7f;
        if ((uaddr & 3) != 0) return -Errno.EINVAL;
        if (!m.check(uaddr, 4, GuestMemory.PAGE_READ)) return -Errno.EFAULT;
        long hu = m.host(uaddr);
        switch (cmd) {
            case FUTEX_WAIT, FUTEX_WAIT_BITSET, FUTEX_LOCK_PI, FUTEX_LOCK_PI2, FUTEX_TRYLOCK_PI -> {
                long ts = 0;
                if (a3 != 0 && cmd != FUTEX_TRYLOCK_PI) {
                    if (!m.check(a3, 16, GuestMemory.PAGE_READ)) return -Errno.EFAULT;
                    ts = m.host(a3);
                }
                return p.sys.blockingCall(t, false, Host.FUTEX, hu, op, val, ts, 0, val3);
            }
            case FUTEX_WAIT_REQUEUE_PI -> {
                long ts = 0;
                if (a3 != 0) {
                    if (!m.check(a3, 16, GuestMemory.PAGE_READ)) return -Errno.EFAULT;
                    ts = m.host(a3);
                }
                if (!m.check(uaddr2, 4, GuestMemory.PAGE_READ)) return -Errno.EFAULT;
                return p.sys.blockingCall(t, false, Host.FUTEX, hu, op, val, ts, m.host(uaddr2), val3);
            }
            case FUTEX_WAKE, FUTEX_WAKE_BITSET, FUTEX_UNLOCK_PI -> {
                return Host.syscall(Host.FUTEX, hu, op, val, 0, 0, val3);
            }
            case FUTEX_REQUEUE, FUTEX_CMP_REQUEUE, FUTEX_WAKE_OP, FUTEX_CMP_REQUEUE_PI -> {
                if ((uaddr2 & 3) != 0) return -Errno.EINVAL;
                if (!m.check(uaddr2, 4, GuestMemory.PAGE_WRITE)) return -Errno.EFAULT;
                return Host.syscall(Host.FUTEX, hu, op, val, a3, m.host(uaddr2), val3);
            }
            default -> {
                return -Errno.ENOSYS;
            }
        }
    }
}
