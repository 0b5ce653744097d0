package org.jemu.chardev;

import java.io.InputStream;
import java.io.OutputStream;

/**
 * QEMU's mux chardev ({@code -serial mon:stdio}, {@code -nographic}): one host terminal shared by the
 * serial port and the monitor, switched with the escape key Ctrl-A:
 * <pre>
 * C-a h    print this help
 * C-a x    exit emulator
 * C-a s    flush disk data to the image files
 * C-a c    switch between console and monitor
 * C-a C-a  sends C-a
 * </pre>
 */
public final class MuxChardev extends Chardev {
    public interface Actions {
        void exit();
        void flushDisks();
    }

    private static final byte CTRL_A = 1;
    private final Actions actions;
    private volatile CharFrontend monitor;
    private volatile boolean onMonitor;
    private boolean escape;

    public MuxChardev(String id, OutputStream out, InputStream in, Actions actions) {
        super(id, out, in);
        this.actions = actions;
    }

    public void attachMonitor(CharFrontend m) { monitor = m; }

    public boolean monitorFocused() { return onMonitor; }

    @Override
    protected void input(byte b) throws InterruptedException {
        if (escape) {
            escape = false;
            switch (b) {
                case 'h', '?' -> write(help());
                case 'x' -> {
                    write("QEMU: Terminated\r\n");
                    actions.exit();
                }
                case 's' -> actions.flushDisks();
                case 'c' -> {
                    if (monitor != null) {
                        onMonitor = !onMonitor;
                        if (onMonitor) write("\r\n(qemu) ");
                    }
                }
                case CTRL_A -> deliver(onMonitor ? monitor : frontend, b);
                default -> { /* unknown escape: ignored as QEMU does */ }
            }
            return;
        }
        if (b == CTRL_A) {
            escape = true;
            return;
        }
        deliver(onMonitor && monitor != null ? monitor : frontend, b);
    }

    static String help() {
        return "\r\nC-a h    print this help\r\nC-a x    exit emulator\r\nC-a s    flush disk data to the image files\r\n"
                + "C-a c    switch between console and monitor\r\n"
                + "C-a C-a  sends C-a\r\n";
    }
}
