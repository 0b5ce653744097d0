package org.jemu.hw.virtio;

import org.jemu.memory.AddressSpace;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * A split virtqueue (virtio 1.2 spec, 2.7) in guest memory: descriptor table (16 bytes each:
 * addr u64, len u32, flags u16, next u16), driver area (avail ring: flags, idx, ring[size]) and
 * device area (used ring: flags, idx, ring[size] of {id u32, len u32}).
 *
 * <p>Everything the driver wrote is hostile input, validated here once: head and next indexes must
 * be &lt; size, a chain may visit at most {@code size} descriptors (loops), indirect tables must be
 * a whole number of descriptors, not nested, and not chained; device-writable descriptors must follow
 * the readable ones; every buffer must lie in guest RAM; a chain's total length is bounded. A violation
 * raises {@link DescriptorError}, after which the transport marks the device DEVICE_NEEDS_RESET.
 */
public final class VirtQueue {
    static final int VIRTQ_DESC_F_NEXT = 1, VIRTQ_DESC_F_WRITE = 2, VIRTQ_DESC_F_INDIRECT = 4;
    /** Upper bound on the bytes of one request (QEMU bounds segments too); 256 MiB. */
    static final long MAX_CHAIN_BYTES = 256L << 20;

    /** The driver broke the virtqueue rules. */
    public static final class DescriptorError extends Exception {
        public DescriptorError(String message) { super(message, null, false, false); }
    }

    /** One guest buffer. */
    public record Buffer(long addr, int len) {}

    /** A popped descriptor chain: the buffers the device reads, then those it writes. */
    public final class Element {
        public final int head;
        public final List<Buffer> in = new ArrayList<>();   // device-readable (driver → device)
        public final List<Buffer> out = new ArrayList<>();  // device-writable (device → driver)

        Element(int head) { this.head = head; }

        public long readableLength() { long n = 0; for (Buffer b : in) n += b.len; return n; }

        public long writableLength() { long n = 0; for (Buffer b : out) n += b.len; return n; }

        /** Copies {@code len} readable bytes starting at byte {@code from} of the readable part. */
        public byte[] read(long from, int len) {
            byte[] dst = new byte[len];
            int done = 0;
            long skip = from;
            for (Buffer b : in) {
                if (done == len) break;
                if (skip >= b.len) { skip -= b.len; continue; }
                int n = (int) Math.min(b.len - skip, len - done);
                mem.readBytes(b.addr + skip, dst, done, n);
                done += n;
                skip = 0;
            }
            if (done < len) throw new IllegalStateException("short element");
            return dst;
        }

        /** Copies {@code src} into the writable part starting at byte {@code at}. */
        public void write(long at, byte[] src, int off, int len) {
            long skip = at;
            int done = 0;
            for (Buffer b : out) {
                if (done == len) break;
                if (skip >= b.len) { skip -= b.len; continue; }
                int n = (int) Math.min(b.len - skip, len - done);
                mem.writeBytes(b.addr + skip, src, off + done, n);
                done += n;
                skip = 0;
            }
            if (done < len) throw new IllegalStateException("short element");
        }

        /** Guest-memory views of the writable part from byte {@code at}, {@code len} bytes (zero-copy DMA). */
        public List<MemorySegment> writableSegments(long at, long len) { return segments(out, at, len, true); }

        public List<MemorySegment> readableSegments(long at, long len) { return segments(in, at, len, false); }

        private List<MemorySegment> segments(List<Buffer> bufs, long at, long len, boolean write) {
            List<MemorySegment> r = new ArrayList<>();
            long skip = at, left = len;
            for (Buffer b : bufs) {
                if (left == 0) break;
                if (skip >= b.len) { skip -= b.len; continue; }
                long n = Math.min(b.len - skip, left);
                r.add(mem.memoryRange(b.addr + skip, n, write));
                left -= n;
                skip = 0;
            }
            if (left != 0) throw new IllegalStateException("short element");
            return r;
        }
    }

    final AddressSpace mem;
    public final int size;
    final long desc, avail, used;
    private final boolean indirectAllowed;
    private int lastAvail;
    private int usedIdx;

    /** Validates the ring addresses: they must be aligned (16/2/4) and lie in RAM. */
    public VirtQueue(AddressSpace mem, int size, long desc, long avail, long used, boolean indirectAllowed) throws DescriptorError {
        this.mem = mem;
        this.size = size;
        this.desc = desc;
        this.avail = avail;
        this.used = used;
        this.indirectAllowed = indirectAllowed;
        if (size <= 0 || size > 32768 || (size & (size - 1)) != 0) throw new DescriptorError("queue size " + size + " is not a power of 2");
        if ((desc & 15) != 0 || (avail & 1) != 0 || (used & 3) != 0) throw new DescriptorError("misaligned ring address");
        if (!mem.isRam(desc, 16L * size) || !mem.isRam(avail, 6 + 2L * size) || !mem.isRam(used, 6 + 8L * size)) {
            throw new DescriptorError("virtqueue rings outside guest RAM");
        }
        this.usedIdx = u16(used + 2);
        this.lastAvail = usedIdx;
    }

    private int u16(long addr) { return (int) mem.read(addr, 2) & 0xffff; }

    /** True if the driver has made buffers available that the device has not taken yet. */
    public boolean hasWork() { return u16(avail + 2) != lastAvail; }

    /** Takes the next available chain, or null. */
    public Element pop() throws DescriptorError {
        int availIdx = u16(avail + 2);
        if (availIdx == lastAvail) return null;
        if (((availIdx - lastAvail) & 0xffff) > size) {
            throw new DescriptorError("avail index moved by " + ((availIdx - lastAvail) & 0xffff) + " > queue size " + size);
        }
        VarHandleFence.acquire();
        int head = u16(avail + 4 + 2L * (lastAvail % size));
        lastAvail = (lastAvail + 1) & 0xffff;
        if (head >= size) throw new DescriptorError("head index " + head + " >= queue size " + size);
        Element e = new Element(head);
        long table = desc;
        int tableSize = size;
        int i = head;
        int seen = 0;
        boolean indirect = false;
        long total = 0;
        while (true) {
            if (++seen > tableSize) throw new DescriptorError("descriptor chain loops or exceeds " + tableSize + " entries");
            long d = table + 16L * i;
            long addr = mem.read(d, 8);
            long len = mem.read(d + 8, 4) & 0xffffffffL;
            int flags = u16(d + 12);
            int next = u16(d + 14);
            if ((flags & VIRTQ_DESC_F_INDIRECT) != 0) {
                if (!indirectAllowed) throw new DescriptorError("indirect descriptor without VIRTIO_F_INDIRECT_DESC");
                if (indirect) throw new DescriptorError("nested indirect descriptor table");
                if ((flags & VIRTQ_DESC_F_NEXT) != 0) throw new DescriptorError("indirect descriptor with NEXT flag");
                if (len == 0 || len % 16 != 0 || len / 16 > 32768) throw new DescriptorError("indirect table length " + len + " is not a multiple of 16");
                if (!mem.isRam(addr, len)) throw new DescriptorError("indirect table outside guest RAM");
                indirect = true;
                table = addr;
                tableSize = (int) (len / 16);
                i = 0;
                seen = 0;
                continue;
            }
            if (len > 0 && !mem.isRam(addr, len)) {
                throw new DescriptorError(String.format("descriptor buffer 0x%x+0x%x outside guest RAM", addr, len));
            }
            total += len;
            if (total > MAX_CHAIN_BYTES) throw new DescriptorError("descriptor chain longer than " + MAX_CHAIN_BYTES + " bytes");
            if ((flags & VIRTQ_DESC_F_WRITE) != 0) {
                e.out.add(new Buffer(addr, (int) len));
            } else {
                if (!e.out.isEmpty()) throw new DescriptorError("device-readable descriptor after a device-writable one");
                e.in.add(new Buffer(addr, (int) len));
            }
            if ((flags & VIRTQ_DESC_F_NEXT) == 0) break;
            if (next >= tableSize) throw new DescriptorError("next index " + next + " >= table size " + tableSize);
            i = next;
        }
        return e;
    }

    /** Returns a chain to the driver with {@code written} bytes written into it. */
    public void push(Element e, int written) {
        long left = written;
        for (Buffer b : e.out) {
            if (left <= 0) break;
            mem.dmaWritten(b.addr, Math.min(b.len, left));
            left -= b.len;
        }
        long slot = used + 4 + 8L * (usedIdx % size);
        mem.write(slot, 4, e.head);
        mem.write(slot + 4, 4, written);
        VarHandleFence.release();
        usedIdx = (usedIdx + 1) & 0xffff;
        mem.write(used + 2, 2, usedIdx);
    }

    /** Whether the driver asked for no interrupts (VIRTQ_AVAIL_F_NO_INTERRUPT). */
    public boolean interruptSuppressed() { return (u16(avail) & 1) != 0; }

    static final class VarHandleFence {
        static void acquire() { java.lang.invoke.VarHandle.acquireFence(); }
        static void release() { java.lang.invoke.VarHandle.releaseFence(); }
    }

}
