package org.jemu.block.vdi;

import org.jemu.block.BlockException;
import org.jemu.block.BlockMap;
import org.jemu.block.BlockNode;
import org.jemu.block.BlockStatus;
import org.jemu.block.ImageCheck;
import org.jemu.block.OpenContext;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An open VDI image. Guest block {@code i} (1 MiB) lives at {@code offset_data + bmap[i] * block_size}
 * when {@code bmap[i]} is a block index; new blocks are appended at index {@code blocks_allocated}
 * (data first, then the block map entry, then the header), as QEMU's vdi driver does.
 */
public final class VdiNode implements BlockNode {
    private final BlockNode file;
    private final boolean readOnly;
    private final VdiHeader header;
    private final int[] bmap;
    private final long size;
    private final long blockSize;

    private VdiNode(BlockNode file, boolean readOnly, VdiHeader header, int[] bmap) {
        this.file = file;
        this.readOnly = readOnly;
        this.header = header;
        this.bmap = bmap;
        this.size = header.diskSize & ~511L;
        this.blockSize = Integer.toUnsignedLong(header.blockSize);
    }

    static VdiNode open(BlockNode file, OpenContext ctx) throws IOException {
        boolean ro = file.readOnly() || (ctx != null && ctx.readOnly());
        long fileSize = file.size();
        if (fileSize < VdiHeader.SIZE) throw new BlockException("vdi: image is truncated: " + fileSize + " bytes, the header needs 512");
        byte[] raw = new byte[VdiHeader.SIZE];
        file.read(0, ByteBuffer.wrap(raw));
        VdiHeader h = VdiHeader.decode(raw);
        if (h.signature != VdiHeader.SIGNATURE) throw new BlockException(String.format("Image not in VDI format (bad signature %08x)", h.signature));
        if (h.version != VdiHeader.VERSION_1_1) {
            throw new BlockException(String.format("unsupported VDI image (version %d.%d)", h.version >>> 16, h.version & 0xffff));
        }
        if (h.imageType != VdiHeader.TYPE_DYNAMIC && h.imageType != VdiHeader.TYPE_STATIC) {
            throw new BlockException("unsupported VDI image (image type " + Integer.toUnsignedString(h.imageType) + ")");
        }
        if (h.offsetBmap % 512 != 0) throw new BlockException(String.format("unsupported VDI image (unaligned block map offset 0x%x)", h.offsetBmap));
        if (h.offsetData % 512 != 0) throw new BlockException(String.format("unsupported VDI image (unaligned data offset 0x%x)", h.offsetData));
        if (h.sectorSize != 512) throw new BlockException("unsupported VDI image (sector size " + Integer.toUnsignedString(h.sectorSize) + " is not 512)");
        if (h.blockSize != VdiHeader.DEFAULT_BLOCK_SIZE) {
            throw new BlockException("unsupported VDI image (block size " + Integer.toUnsignedString(h.blockSize) + " is not 1048576)");
        }
        if (h.blockExtra != 0) throw new BlockException("unsupported VDI image (block_extra " + Integer.toUnsignedString(h.blockExtra) + " is not 0)");
        long blocks = Integer.toUnsignedLong(h.blocksInImage);
        if (blocks > VdiHeader.BLOCKS_IN_IMAGE_MAX) {
            throw new BlockException("unsupported VDI image (too many blocks " + blocks + ", max is " + VdiHeader.BLOCKS_IN_IMAGE_MAX + ")");
        }
        if (h.diskSize < 0 || h.diskSize > VdiHeader.DISK_SIZE_MAX) {
            throw new BlockException(String.format("unsupported VDI image (size is 0x%x, max supported is 0x%x)", h.diskSize, VdiHeader.DISK_SIZE_MAX));
        }
        if (h.diskSize > blocks * VdiHeader.DEFAULT_BLOCK_SIZE) {
            throw new BlockException("unsupported VDI image (disk size " + h.diskSize + ", image bitmap has room for " + blocks * VdiHeader.DEFAULT_BLOCK_SIZE + ")");
        }
        if (Integer.toUnsignedLong(h.blocksAllocated) > blocks) {
            throw new BlockException("invalid VDI image (blocks_allocated " + Integer.toUnsignedString(h.blocksAllocated) + " > blocks_in_image " + blocks + ")");
        }
        if (!isNull(h.uuidLink)) throw new BlockException("unsupported VDI image (non-NULL link UUID)");
        if (!isNull(h.uuidParent)) throw new BlockException("unsupported VDI image (non-NULL parent UUID)");
        if (h.offsetBmap < VdiHeader.SIZE || h.offsetBmap + blocks * 4 > h.offsetData) {
            throw new BlockException(String.format("invalid VDI image (block map at 0x%x with %d entries overlaps the header or the data at 0x%x)",
                    h.offsetBmap, blocks, h.offsetData));
        }
        if (h.offsetBmap + blocks * 4 > fileSize) {
            throw new BlockException("invalid VDI image (block map ends at " + (h.offsetBmap + blocks * 4) + ", beyond the end of the file at " + fileSize + "): truncated image");
        }
        int[] bmap = new int[(int) blocks];
        ByteBuffer bb = ByteBuffer.allocate((int) Math.min(blocks * 4, 1 << 20)).order(ByteOrder.LITTLE_ENDIAN);
        for (long i = 0; i < blocks; ) {
            int n = (int) Math.min(blocks - i, bb.capacity() / 4);
            bb.clear().limit(n * 4);
            file.read(h.offsetBmap + i * 4, bb);
            bb.flip();
            for (int k = 0; k < n; k++) bmap[(int) i + k] = bb.getInt();
            i += n;
        }
        long allocated = Integer.toUnsignedLong(h.blocksAllocated);
        for (int i = 0; i < bmap.length; i++) {
            int e = bmap[i];
            if (e == VdiHeader.UNALLOCATED || e == VdiHeader.DISCARDED) continue;
            long idx = Integer.toUnsignedLong(e);
            if (idx >= blocks) {
                throw new BlockException("invalid VDI image (block map entry " + i + " points to block " + idx + ", beyond the " + blocks + " blocks of the image)");
            }
            if (idx >= allocated) {
                throw new BlockException("invalid VDI image (block map entry " + i + " points to block " + idx + ", but only " + allocated + " blocks are allocated)");
            }
            if (h.offsetData + idx * VdiHeader.DEFAULT_BLOCK_SIZE >= fileSize) {
                throw new BlockException("invalid VDI image (block map entry " + i + " points beyond the end of the file): truncated image");
            }
        }
        return new VdiNode(file, ro, h, bmap);
    }

    private static boolean isNull(java.util.UUID u) { return u.getMostSignificantBits() == 0 && u.getLeastSignificantBits() == 0; }

    @Override public String formatName() { return "vdi"; }
    @Override public long size() { return size; }
    @Override public boolean readOnly() { return readOnly; }
    @Override public long clusterSize() { return blockSize; }
    public boolean isStatic() { return header.imageType == VdiHeader.TYPE_STATIC; }

    private void checkRange(long offset, long len) throws BlockException {
        if (offset < 0 || len < 0 || offset > size || len > size - offset) {
            throw new BlockException("vdi: access at " + offset + "+" + len + " is beyond the end of the image (" + size + " bytes)");
        }
    }

    /** File offset of guest block {@code i}, or -1 if it reads as zeroes. */
    private long hostBlock(long i) {
        int e = bmap[(int) i];
        if (e == VdiHeader.UNALLOCATED || e == VdiHeader.DISCARDED) return -1;
        return header.offsetData + Integer.toUnsignedLong(e) * blockSize;
    }

    @Override
    public synchronized void read(long offset, ByteBuffer dst) throws IOException {
        checkRange(offset, dst.remaining());
        BlockMap.read(file, blockSize, this::hostBlock, offset, dst);
    }

    @Override
    public synchronized void write(long offset, ByteBuffer src) throws IOException {
        if (readOnly) throw new BlockException("vdi: image is read-only");
        checkRange(offset, src.remaining());
        while (src.hasRemaining()) {
            long blk = offset / blockSize, in = offset % blockSize;
            int n = (int) Math.min(src.remaining(), blockSize - in);
            ByteBuffer part = src.slice(src.position(), n);
            long host = hostBlock(blk);
            if (host < 0) {
                allocate(blk, in, part);
            } else {
                file.write(host + in, part);
            }
            src.position(src.position() + n);
            offset += n;
        }
    }

    private void allocate(long blk, long in, ByteBuffer part) throws IOException {
        long idx = Integer.toUnsignedLong(header.blocksAllocated);
        long host = header.offsetData + idx * blockSize;
        ByteBuffer whole = ByteBuffer.allocate((int) blockSize);
        whole.position((int) in);
        whole.put(part);
        whole.clear();
        file.write(host, whole);
        bmap[(int) blk] = (int) idx;
        ByteBuffer e = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, (int) idx);
        file.write(header.offsetBmap + blk * 4, e);
        header.blocksAllocated++;
        file.write(0, header.encode());
    }

    @Override
    public synchronized void discard(long offset, long length) throws IOException {
        // QEMU's vdi driver ignores discard; data stays allocated (reads stay correct).
    }

    @Override public void flush() throws IOException { if (!readOnly) file.flush(); }

    @Override
    public synchronized BlockStatus blockStatus(long offset, long length) throws IOException {
        checkRange(offset, length);
        long blk = offset / blockSize;
        long host = hostBlock(blk);
        long n = 0;
        long pos = offset;
        while (pos < offset + length) {
            long b = pos / blockSize;
            long h = hostBlock(b);
            if ((h < 0) != (host < 0)) break;
            if (host >= 0 && h != host + (b - blk) * blockSize) break;
            long step = Math.min(offset + length, (b + 1) * blockSize) - pos;
            n += step;
            pos += step;
        }
        // no backing file in this format: unallocated blocks are this node's zeroes (QEMU reports them present, zero)
        if (host < 0) return new BlockStatus(n, false, true, true, 0, -1);
        return refine(new BlockStatus(n, true, false, true, 0, host + offset % blockSize));
    }

    /** As QEMU's block layer does for data at a known host offset: holes of the host file read as zeroes (and end the run). */
    private BlockStatus refine(BlockStatus s) throws IOException {
        if (!s.data() || s.hostOffset() < 0 || s.zero()) return s;
        BlockStatus f = file.blockStatus(s.hostOffset(), s.length());
        long n = Math.max(1, Math.min(s.length(), f.length()));
        return new BlockStatus(n, true, f.zero() && !f.data(), s.allocated(), s.depth(), s.hostOffset());
    }

    @Override public long allocatedFileSize() throws IOException { return file.allocatedFileSize(); }

    @Override public Map<String, Object> formatSpecificInfo() { return new LinkedHashMap<>(); }

    /** QEMU's vdi check: block map entries used twice and a wrong blocks_allocated count are corruptions (not repaired). */
    @Override
    public synchronized ImageCheck check(int fix) throws IOException {
        ImageCheck r = new ImageCheck();
        long blocks = bmap.length;
        int[] owner = new int[bmap.length];
        java.util.Arrays.fill(owner, -1);
        long used = 0;
        for (int i = 0; i < bmap.length; i++) {
            int e = bmap[i];
            if (e == VdiHeader.UNALLOCATED || e == VdiHeader.DISCARDED) continue;
            long idx = Integer.toUnsignedLong(e);
            if (idx >= blocks) {
                r.messages.add("ERROR: block index " + i + " too large, is " + idx);
                r.corruptions++;
            } else if (owner[(int) idx] >= 0) {
                r.messages.add("ERROR: block index " + idx + " also used by " + owner[(int) idx]);
                r.corruptions++;
            } else {
                owner[(int) idx] = i;
                used++;
            }
        }
        if (used != Integer.toUnsignedLong(header.blocksAllocated)) {
            r.messages.add("ERROR: allocated blocks mismatch, is " + Integer.toUnsignedString(header.blocksAllocated) + ", should be " + used);
            r.corruptions++;
        }
        return r;
    }

    @Override public void close() throws IOException { file.close(); }
}
