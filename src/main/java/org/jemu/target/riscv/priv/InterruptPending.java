package org.jemu.target.riscv.priv;

import org.jemu.hw.IrqLine;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * The hardware-driven bits of a hart's mip (MSIP 3, MTIP 7 from the CLINT; MEIP 11, SEIP 9 from the
 * PLIC), written by device threads and read by the hart's thread. A bit going high wakes the hart (out
 * of wfi) and raises its exit request so it looks at interrupts at the next block boundary. (Sstc's
 * STIP is not here: PrivCsrs computes it from stimecmp and mtime; its timer calls {@link #wake}.)
 * Software writes of mip never land here: SEIP's software bit lives in PrivCsrs and reads OR this line.
 */
public final class InterruptPending {
    public static final int SSIP = 1, MSIP = 3, STIP = 5, MTIP = 7, SEIP = 9, MEIP = 11;
    private static final VarHandle BITS;

    static {
        try {
            BITS = MethodHandles.lookup().findVarHandle(InterruptPending.class, "bits", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") private volatile long bits;
    private volatile Thread hartThread;
    private volatile Runnable kick = () -> { };

    /** The current hardware-driven pending bits. */
    public long get() { return bits; }

    public void set(int bit, boolean level) {
        long m = 1L << bit;
        long old;
        do {
            old = bits;
        } while (!BITS.compareAndSet(this, old, level ? old | m : old & ~m));
        if (level && (old & m) == 0) wake();
    }

    public IrqLine line(int bit) { return level -> set(bit, level); }

    /** Registers the hart's thread (unparked on new interrupts) and its exit-request hook. */
    public void bind(Thread t, Runnable kick) {
        hartThread = t;
        this.kick = kick;
    }

    /** Makes the hart re-check interrupts: raises its exit request and unparks it from wfi. */
    public void wake() {
        kick.run();
        Thread t = hartThread;
        if (t != null) LockSupport.unpark(t);
    }
}
