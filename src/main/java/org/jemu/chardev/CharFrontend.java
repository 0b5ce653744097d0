package org.jemu.chardev;

/** The device side of a character backend (a UART, a virtio-console port, the monitor). */
public interface CharFrontend {
    /** How many bytes the frontend can take now (0 = input waits). */
    int canReceive();

    /** Delivers one input byte; only called after {@link #canReceive()} returned > 0. */
    void receive(byte b);
}
