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

    /**
     * A re-armable one-shot timer. The callback runs once the latest deadline has passed (on the timer
     * thread). Re-arming is cheap for the common case of a guest pushing its timer further out (Linux
     * programs the next event at every tick and idle entry): while an earlier expiry is already scheduled
     * nothing is queued; that expiry finds the deadline not reached yet and re-schedules itself for it.
     * Only a deadline earlier than the scheduled expiry replaces it.
     */
    public static final class Timer {
        private static final long NONE = Long.MAX_VALUE;
        private final Runnable callback;
        private ScheduledFuture<?> pending;
        /** When the pending expiry fires (valid while pending != null). */
        private long scheduledAt;
        /** The armed deadline, NONE when disarmed. */
        private long deadline = NONE;

        public Timer(Runnable callback) { this.callback = callback; }

        /** Arms the timer to fire at {@link #nanos()} == {@code deadline} (immediately if already past). */
        public synchronized void mod(long deadline) {
            this.deadline = deadline;
            if (pending != null && scheduledAt <= deadline) return;   // fires no later; expire() re-arms
            if (pending != null) pending.cancel(false);
            schedule(deadline);
        }

        public synchronized void del() {
            deadline = NONE;   // a pending expiry finds nothing to do
        }

        /** Bumped at every schedule: an expiry that was replaced (cancelled too late) does nothing. */
        private long generation;

        private void schedule(long at) {
            scheduledAt = at;
            long g = ++generation;
            pending = EXEC.schedule(() -> expire(g), Math.max(0, at - nanos()), TimeUnit.NANOSECONDS);
        }

        private void expire(long g) {
            synchronized (this) {
                if (g != generation) return;
                pending = null;
                if (deadline == NONE) return;
                if (nanos() < deadline) { schedule(deadline); return; }
                deadline = NONE;
            }
            callback.run();
        }
    }
}
