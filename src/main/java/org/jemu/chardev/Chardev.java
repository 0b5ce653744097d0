package org.jemu.chardev;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * A character backend (QEMU's Chardev): bytes from the guest go to {@link #write}, bytes from the
 * host are pushed to the attached {@link CharFrontend} by an input thread that waits while the
 * frontend is full (no input is dropped).
 */
public class Chardev implements AutoCloseable {
    private final String id;
    private final OutputStream out;
    private final InputStream in;
    protected volatile CharFrontend frontend;
    private Thread reader;

    public Chardev(String id, OutputStream out, InputStream in) {
        this.id = id;
        this.out = out;
        this.in = in;
    }

    public String id() { return id; }

    public void attach(CharFrontend fe) { frontend = fe; }

    /** Writes guest output; host write errors (a closed pipe) drop the output as a disconnected line would. */
    public void write(byte[] b, int off, int len) {
        if (out == null) return;
        try {
            synchronized (out) {
                out.write(b, off, len);
                out.flush();
            }
        } catch (IOException e) {
            // the host side went away: like an unplugged cable
        }
    }

    public void write(int b) { write(new byte[] {(byte) b}, 0, 1); }

    public void write(String s) {
        byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        write(b, 0, b.length);
    }

    /** Starts delivering host input to the frontend. */
    public synchronized void start() {
        if (in == null || reader != null) return;
        reader = Thread.ofPlatform().daemon().name("chardev-" + id).start(this::readLoop);
    }

    private void readLoop() {
        byte[] buf = new byte[256];
        try {
            int n;
            while ((n = in.read(buf)) > 0) {
                for (int i = 0; i < n; i++) input(buf[i]);
            }
        } catch (IOException e) {
            // input closed
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Handles one input byte (the mux overrides this to interpret Ctrl-A sequences). */
    protected void input(byte b) throws InterruptedException {
        deliver(frontend, b);
    }

    /** The input thread while it waits for a frontend to make room (unparked by {@link #inputConsumed}). */
    private volatile Thread waiting;

    /** Waits (parked, no polling) until {@code fe} has room, then hands it {@code b}. */
    protected void deliver(CharFrontend fe, byte b) throws InterruptedException {
        if (fe == null) return;
        if (fe.canReceive() <= 0) {
            waiting = Thread.currentThread();
            try {
                while (fe.canReceive() <= 0) {
                    java.util.concurrent.locks.LockSupport.park(this);
                    if (Thread.interrupted()) throw new InterruptedException();
                }
            } finally {
                waiting = null;
            }
        }
        fe.receive(b);
    }

    /** A frontend took input (its receive FIFO or buffer has room again): wakes the waiting input thread. */
    public void inputConsumed() {
        Thread t = waiting;
        if (t != null) java.util.concurrent.locks.LockSupport.unpark(t);
    }

    @Override public void close() {
        if (out != null) {
            try { out.flush(); } catch (IOException ignored) { /* closing */ }
        }
    }
}
