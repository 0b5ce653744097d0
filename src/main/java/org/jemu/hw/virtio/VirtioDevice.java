package org.jemu.hw.virtio;

/**
 * A virtio device behind a transport (virtio-mmio or virtio-pci): its ID, features, configuration
 * space and queue handlers (virtio 1.2 spec, chapter 5). The transport validates the driver's
 * register accesses and hands the device well-formed {@link VirtQueue}s.
 */
public interface VirtioDevice {
    long VIRTIO_F_VERSION_1 = 1L << 32;
    long VIRTIO_RING_F_INDIRECT_DESC = 1L << 28;

    int deviceId();

    /** Connects the device to its transport (called once, by the transport's constructor). */
    void attach(VirtioTransport t);

    String name();

    /** Device-specific feature bits; the transport adds VERSION_1 and INDIRECT_DESC. */
    long features();

    int numQueues();

    default int queueMaxSize() { return 256; }

    /** Byte-wide view of the device configuration space. */
    int configSize();

    int readConfig(int offset);

    default void writeConfig(int offset, int value) { }

    /** Processes available buffers of queue {@code index}; runs on the thread that notified. */
    void handleQueue(int index, VirtQueue q) throws VirtQueue.DescriptorError;

    /** Called when the driver sets DRIVER_OK (the transport is ready to deliver host-initiated work). */
    default void driverOk(VirtioTransport t) { }

    /** Device reset (status written 0). */
    default void reset() { }
}
