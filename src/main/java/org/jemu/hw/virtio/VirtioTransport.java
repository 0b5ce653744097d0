package org.jemu.hw.virtio;

/** What a device asks of its transport: its queues, interrupts, and the broken-device state. */
public interface VirtioTransport {
    /** The queue, or null while the driver has not made it ready. */
    VirtQueue queue(int index);

    /** Raises the used-buffer interrupt. */
    void notifyUsed();

    /** Raises the configuration-change interrupt. */
    void notifyConfig();

    /** Runs queue {@code index}'s handler for a host-side event (console input), as a notification would. */
    void kick(int index);

    /** The feature bits the driver accepted (what it wrote before FEATURES_OK). */
    long driverFeatures();

    /** The device found a driver error: sets DEVICE_NEEDS_RESET and raises the config interrupt. */
    void needsReset(String why);
}
