package org.jemu.hw.virtio;

import org.jemu.memory.AddressSpace;

/**
 * The driver's side of one split virtqueue in guest RAM, as the transport tests play the guest: the
 * descriptor table, the available ring (published here) and the device's used index. Notifying the
 * device is the transport's business and stays in each test.
 */
final class DriverRing {
    private final AddressSpace mem;
    private final long desc, avail, used;
    private final int size;
    private int availIdx;

    DriverRing(AddressSpace mem, long desc, long avail, long used, int size) {
        this.mem = mem; this.desc = desc; this.avail = avail; this.used = used; this.size = size;
    }

    /** Descriptor {@code i}: buffer, length, VIRTQ_DESC_F_* flags, next. */
    void desc(int i, long addr, int len, int flags, int next) {
        long d = desc + 16L * i;
        mem.write(d, 8, addr);
        mem.write(d + 8, 4, len);
        mem.write(d + 12, 2, flags);
        mem.write(d + 14, 2, next);
    }

    /** Puts chain {@code head} in the available ring and publishes the new index. */
    void publish(int head) {
        mem.write(avail + 4 + 2L * (availIdx % size), 2, head);
        availIdx++;
        mem.write(avail + 2, 2, availIdx);
    }

    /** After a device reset: the driver starts its available ring from 0 again. */
    void reset() {
        availIdx = 0;
        mem.write(avail + 2, 2, 0);
    }

    int usedIdx() { return (int) mem.read(used + 2, 2); }

    /** A virtio-blk request header (struct virtio_blk_req: type, reserved, sector) at {@code at}. */
    static void blkHeader(AddressSpace mem, long at, int type, long sector) {
        mem.write(at, 4, type);
        mem.write(at + 4, 4, 0);
        mem.write(at + 8, 8, sector);
    }
}
