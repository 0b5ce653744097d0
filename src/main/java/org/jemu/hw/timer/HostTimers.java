package org.jemu.hw.timer;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Host-time timers for devices (QEMU's QEMU_CLOCK_VIRTUAL timers, here on the host monotonic clock):
 * one daemon thread runs every expiry callback. Callbacks must be short and thread-safe.
 */
public final class HostTimers {
    private static final ScheduledThreadPoolExecutor EXEC;
    private static final long ORIGIN = System.nanoTime();

    static {
        EXEC = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "jemu-timers");
            t.setDaemon(true);
            return t;
        });
        EXEC.setRemoveOnCancelPolicy(true);
    }

    private HostTimers() {}

    /** Nanoseconds since the emulator started (monotonic). */
    public static long nanos() { return System.nanoTime() - ORIGIN; }

    /** A re-armable one-shot timer. */
    public static final class Timer {
        private final Runnable callback;
        private ScheduledFuture<?> pending;

        public Timer(Runnable callback) { this.callback = callback; }

        /** Arms the timer to fire at {@link #nanos()} == {@code deadline} (immediately if already past). */
        public synchronized void mod(long deadline) {
            if (pending != null) pending.cancel(false);
            long delay = Math.max(0, deadline - nanos());
            pending = EXEC.schedule(callback, delay, TimeUnit.NANOSECONDS);
        }

        public synchronized void del() {
            if (pending != null) pending.cancel(false);
            pending = null;
        }
    }
}
