package org.jemu.hw.virtio;

import org.jemu.block.BlockNode;
import org.jemu.util.Log;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * virtio-blk (virtio 1.2 spec, 5.2), device ID 2, one request queue, backed by a block-layer node
 * (raw, qcow2 … as opened by the block layer).
 *
 * <p>Guest-facing contract: features SEG_MAX, BLK_SIZE, FLUSH, DISCARD, WRITE_ZEROES (and RO for
 * read-only drives). Config: capacity u64 (512-byte sectors) @0, size_max @8, seg_max @12,
 * blk_size @20 (512), writeback @32, num_queues @34 (1), max_discard_sectors @36, max_discard_seg
 * @40, discard_sector_alignment @44, max_write_zeroes_sectors @48, max_write_zeroes_seg @52,
 * write_zeroes_may_unmap @56. A request is a readable header {type u32, reserved u32, sector u64},
 * data buffers, and a final writable status byte (0 OK, 1 IOERR, 2 UNSUPP).
 * Types: IN 0, OUT 1, FLUSH 4, GET_ID 8 (20-byte serial), DISCARD 11, WRITE_ZEROES 13.
 * Requests beyond the end of the disk, of a size not a multiple of 512, or writes to a read-only disk
 * complete with IOERR; a request without header or status byte is a malformed chain (NEEDS_RESET).
 */
public final class VirtioBlk implements VirtioDevice {
    static final int T_IN = 0, T_OUT = 1, T_FLUSH = 4, T_GET_ID = 8, T_DISCARD = 11, T_WRITE_ZEROES = 13;
    static final int S_OK = 0, S_IOERR = 1, S_UNSUPP = 2;
    static final long F_SIZE_MAX = 1L << 1, F_SEG_MAX = 1L << 2, F_RO = 1L << 5, F_BLK_SIZE = 1L << 6, F_FLUSH = 1L << 9,
            F_DISCARD = 1L << 13, F_WRITE_ZEROES = 1L << 14;
    static final int SEG_MAX = 254, MAX_DISCARD_SECTORS = 0x3fffff, MAX_WZ_SECTORS = 0x3fffff;

    private final BlockNode node;
    private final boolean readOnly;
    private final String serial;
    private final byte[] config = new byte[60];
    private VirtioTransport transport;

    public VirtioBlk(BlockNode node, boolean readOnly, String serial) {
        this.node = node;
        this.readOnly = readOnly || node.readOnly();
        this.serial = serial == null ? "" : serial;
        ByteBuffer c = ByteBuffer.wrap(config).order(ByteOrder.LITTLE_ENDIAN);
        c.putLong(0, node.size() / 512);
        c.putInt(8, 0);
        c.putInt(12, SEG_MAX);
        c.putInt(20, 512);
        config[32] = 1;
        c.putShort(34, (short) 1);
        c.putInt(36, MAX_DISCARD_SECTORS);
        c.putInt(40, 1);
        c.putInt(44, 1);
        c.putInt(48, MAX_WZ_SECTORS);
        c.putInt(52, 1);
        config[56] = 1;
    }

    public BlockNode node() { return node; }

    @Override public int deviceId() { return 2; }
    @Override public String name() { return "virtio-blk"; }
    @Override public void attach(VirtioTransport t) { transport = t; }
    @Override public int numQueues() { return 1; }
    @Override public int configSize() { return config.length; }
    @Override public int readConfig(int offset) { return config[offset] & 0xff; }

    @Override
    public long features() {
        long f = F_SEG_MAX | F_BLK_SIZE | F_FLUSH | F_DISCARD | F_WRITE_ZEROES;
        if (readOnly) f |= F_RO;
        return f;
    }

    @Override
    public void handleQueue(int index, VirtQueue q) throws VirtQueue.DescriptorError {
        boolean any = false;
        VirtQueue.Element e;
        while ((e = q.pop()) != null) {
            if (e.readableLength() < 16 || e.writableLength() < 1) {
                throw new VirtQueue.DescriptorError("virtio-blk request without header or status byte");
            }
            int written = process(e);
            q.push(e, written);
            any = true;
        }
        if (any && !q.interruptSuppressed()) transport.notifyUsed();
    }

    /** Executes one request; returns the bytes written into the chain (data + status). */
    private int process(VirtQueue.Element e) {
        ByteBuffer h = ByteBuffer.wrap(e.read(0, 16)).order(ByteOrder.LITTLE_ENDIAN);
        int type = h.getInt(0);
        long sector = h.getLong(8);
        long dataIn = e.writableLength() - 1;   // bytes the device may write before the status byte
        long dataOut = e.readableLength() - 16; // bytes after the header
        int status;
        int written = 0;
        try {
            switch (type) {
                case T_IN -> {
                    if (!inRange(sector, dataIn)) { status = S_IOERR; break; }
                    long pos = sector * 512;
                    for (MemorySegment s : e.writableSegments(0, dataIn)) {
                        node.read(pos, s.asByteBuffer());
                        pos += s.byteSize();
                    }
                    written = (int) dataIn;
                    status = S_OK;
                }
                case T_OUT -> {
                    if (readOnly) { status = S_IOERR; break; }
                    if (!inRange(sector, dataOut)) { status = S_IOERR; break; }
                    long pos = sector * 512;
                    for (MemorySegment s : e.readableSegments(16, dataOut)) {
                        node.write(pos, s.asByteBuffer());
                        pos += s.byteSize();
                    }
                    status = S_OK;
                }
                case T_FLUSH -> { node.flush(); status = S_OK; }
                case T_GET_ID -> {
                    byte[] id = new byte[20];
                    byte[] sb = serial.getBytes(StandardCharsets.US_ASCII);
                    System.arraycopy(sb, 0, id, 0, Math.min(20, sb.length));
                    int n = (int) Math.min(20, dataIn);
                    e.write(0, id, 0, n);
                    written = n;
                    status = S_OK;
                }
                case T_DISCARD, T_WRITE_ZEROES -> status = discardOrZero(e, type, dataOut);
                default -> status = S_UNSUPP;
            }
        } catch (IOException ex) {
            if (Log.on(Log.Item.GUEST_ERRORS)) Log.logf("virtio-blk: I/O error: %s%n", ex.getMessage());
            status = S_IOERR;
        }
        e.write(e.writableLength() - 1, new byte[] {(byte) status}, 0, 1);
        return written + 1;
    }

    private int discardOrZero(VirtQueue.Element e, int type, long len) throws IOException {
        if (readOnly) return S_IOERR;
        if (len <= 0 || len % 16 != 0 || len / 16 > 1) return S_UNSUPP; // max_discard_seg = max_write_zeroes_seg = 1
        ByteBuffer seg = ByteBuffer.wrap(e.read(16, 16)).order(ByteOrder.LITTLE_ENDIAN);
        long sector = seg.getLong(0);
        long num = seg.getInt(8) & 0xffffffffL;
        int flags = seg.getInt(12);
        if ((flags & ~1) != 0) return S_UNSUPP;
        if (num > (type == T_DISCARD ? MAX_DISCARD_SECTORS : MAX_WZ_SECTORS)) return S_IOERR;
        if (!inRange(sector, num * 512)) return S_IOERR;
        if (type == T_DISCARD) {
            if (flags != 0) return S_UNSUPP;
            node.discard(sector * 512, num * 512);
        } else {
            node.writeZeroes(sector * 512, num * 512);
        }
        return S_OK;
    }

    private boolean inRange(long sector, long bytes) {
        if (bytes % 512 != 0 || sector < 0) return false;
        long sectors = node.size() / 512;
        return sector <= sectors && bytes / 512 <= sectors - sector;
    }

    /** C-a s / quit: makes written data durable. */
    public void flush() {
        try { node.flush(); } catch (IOException ignored) { /* reported by the next request */ }
    }
}
