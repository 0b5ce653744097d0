package org.jemu.hw.virtio;

import java.security.SecureRandom;

/**
 * virtio-rng / entropy device (virtio 1.2 spec, 5.4), device ID 4, one request queue, no features,
 * no configuration space. Every device-writable buffer is filled with bytes from the host's
 * {@link SecureRandom}; readable buffers carry nothing and are ignored.
 */
public final class VirtioRng implements VirtioDevice {
    private final SecureRandom rng = new SecureRandom();
    private VirtioTransport transport;

    @Override public int deviceId() { return 4; }
    @Override public String name() { return "virtio-rng"; }
    @Override public void attach(VirtioTransport t) { transport = t; }
    @Override public long features() { return 0; }
    @Override public int numQueues() { return 1; }
    @Override public int configSize() { return 0; }
    @Override public int readConfig(int offset) { return 0; }

    @Override
    public void handleQueue(int index, VirtQueue q) throws VirtQueue.DescriptorError {
        boolean any = false;
        VirtQueue.Element e;
        while ((e = q.pop()) != null) {
            int n = (int) Math.min(e.writableLength(), 64 * 1024);
            byte[] b = new byte[n];
            rng.nextBytes(b);
            e.write(0, b, 0, n);
            q.push(e, n);
            any = true;
        }
        if (any && !q.interruptSuppressed()) transport.notifyUsed();
    }
}
