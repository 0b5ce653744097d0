package org.jemu.block.vpc;

import org.jemu.block.BlockException;
import org.jemu.block.BlockMap;
import org.jemu.block.BlockNode;
import org.jemu.block.BlockStatus;
import org.jemu.block.OpenContext;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An open VHD (QEMU's "vpc") image, fixed or dynamic. The virtual size follows QEMU: from the CHS
 * geometry for images made by Virtual PC/QEMU ("vpc ", "qemu"), from Current Size for Hyper-V,
 * disk2vhd, XenServer/XenConverter and QEMU's force_size images ("win ", "d2v ", "tap\0", "CTXS",
 * "qem2"), and from Current Size whenever the geometry is the maximal one.
 * New dynamic blocks are appended where the footer was: sector bitmap (all ones) + data, then the
 * footer moves behind them, then the BAT entry is written.
 */
public final class VpcNode implements BlockNode {
    static final long MAX_GEOMETRY = 65535L * 16 * 255;
    static final long MAX_SECTORS = 0xff000000L;
    static final int UNALLOCATED = 0xffffffff;
    static final long MAX_BLOCK_SIZE = 256L << 20;

    private final BlockNode file;
    private final boolean readOnly;
    private final VhdFooter footer;
    private final byte[] footerRaw;
    private final long size;
    // dynamic only
    private final VhdDynamicHeader dyn;
    private final int[] bat;
    private final long blockSize;
    private final int bitmapSize;
    private long freeDataBlockOffset;

    private VpcNode(BlockNode file, boolean readOnly, VhdFooter footer, byte[] footerRaw, long size,
                    VhdDynamicHeader dyn, int[] bat, long freeDataBlockOffset) {
        this.file = file; this.readOnly = readOnly; this.footer = footer; this.footerRaw = footerRaw; this.size = size;
        this.dyn = dyn; this.bat = bat;
        this.blockSize = dyn == null ? 0 : Integer.toUnsignedLong(dyn.blockSize);
        this.bitmapSize = dyn == null ? 0 : (int) (((blockSize / (8 * 512)) + 511) & ~511L);
        this.freeDataBlockOffset = freeDataBlockOffset;
    }

    static VpcNode open(BlockNode file, OpenContext ctx) throws IOException {
        boolean ro = file.readOnly() || (ctx != null && ctx.readOnly());
        long fileSize = file.size();
        if (fileSize < VhdFooter.SIZE) throw new BlockException("vpc: image is truncated: " + fileSize + " bytes, a VHD footer needs 512");
        byte[] raw = new byte[VhdFooter.SIZE];
        file.read(0, ByteBuffer.wrap(raw));
        boolean fixed = false;
        if (!VhdFooter.hasCookie(raw, 0)) {
            file.read(fileSize - VhdFooter.SIZE, ByteBuffer.wrap(raw));
            if (!VhdFooter.hasCookie(raw, 0)) throw new BlockException("invalid VPC image (no \"conectix\" footer)");
            fixed = true;
        }
        VhdFooter f = VhdFooter.decode(raw);
        // QEMU only warns about a bad footer checksum; so do we (the image stays usable).
        if (fixed && f.diskType != VhdFooter.TYPE_FIXED) {
            throw new BlockException("vpc: footer at the end of the file says disk type " + f.diskType + ", but only a fixed image lacks the footer copy at offset 0");
        }
        if (!fixed && f.diskType == VhdFooter.TYPE_FIXED) fixed = true; // fixed image whose first sector happens to be a footer copy
        if (f.diskType == VhdFooter.TYPE_DIFFERENCING) throw new BlockException("vpc: differencing VHD images are not supported");
        if (f.diskType != VhdFooter.TYPE_FIXED && f.diskType != VhdFooter.TYPE_DYNAMIC) {
            throw new BlockException("vpc: unknown VHD disk type " + Integer.toUnsignedString(f.diskType));
        }
        long totalSectors = f.totalSectorsFromGeometry();
        String app = f.creatorApplication;
        boolean useChs = !(app.equals("win ") || app.equals("qem2") || app.equals("d2v ") || app.equals("CTXS") || app.equals("tap\0"));
        if (!useChs || totalSectors == MAX_GEOMETRY) {
            if (f.currentSize < 0) throw new BlockException("vpc: invalid Current Size " + Long.toUnsignedString(f.currentSize));
            totalSectors = f.currentSize / 512;
        }
        if (totalSectors >= MAX_SECTORS * 2) {
            throw new BlockException("vpc: image size " + totalSectors * 512 + " is too large (max " + MAX_SECTORS * 2 * 512 + ")");
        }
        long size = totalSectors * 512;
        if (fixed) {
            if (size > fileSize - VhdFooter.SIZE) {
                throw new BlockException("vpc: fixed image is truncated: the footer says " + size + " bytes of data, the file holds " + (fileSize - VhdFooter.SIZE));
            }
            return new VpcNode(file, ro, f, raw, size, null, null, 0);
        }
        long dhOff = f.dataOffset;
        if (dhOff < VhdFooter.SIZE || dhOff > fileSize - VhdDynamicHeader.SIZE) {
            throw new BlockException("vpc: Dynamic Disk Header offset " + Long.toUnsignedString(dhOff) + " is outside the file (" + fileSize + " bytes)");
        }
        byte[] dh = new byte[VhdDynamicHeader.SIZE];
        file.read(dhOff, ByteBuffer.wrap(dh));
        if (!VhdDynamicHeader.hasCookie(dh)) throw new BlockException("vpc: invalid Dynamic Disk Header (no \"cxsparse\" cookie)");
        VhdDynamicHeader d = VhdDynamicHeader.decode(dh);
        long bs = Integer.toUnsignedLong(d.blockSize);
        if (bs < 512 || Long.bitCount(bs) != 1) throw new BlockException("vpc: invalid block size " + bs);
        if (bs > MAX_BLOCK_SIZE) throw new BlockException("vpc: unsupported block size " + bs + " (at most " + MAX_BLOCK_SIZE + ")");
        long entries = Integer.toUnsignedLong(d.maxTableEntries);
        if (entries > MAX_SECTORS * 512 / bs + 1 || entries > Integer.MAX_VALUE / 4) {
            throw new BlockException("vpc: Max Table Entries too large (" + entries + ")");
        }
        if (entries * bs < size) {
            throw new BlockException("vpc: Block Allocation Table too small (" + entries + " blocks of " + bs + " bytes for " + size + " bytes)");
        }
        long batOff = d.tableOffset;
        long batBytes = entries * 4;
        if (batOff < 0 || batOff > fileSize || batBytes > fileSize - batOff) {
            throw new BlockException("vpc: Block Allocation Table at " + Long.toUnsignedString(batOff) + " (" + batBytes + " bytes) is outside the file (" + fileSize + " bytes)");
        }
        ByteBuffer bb = ByteBuffer.allocate((int) batBytes);
        file.read(batOff, bb);
        int[] bat = new int[(int) entries];
        bb.flip();
        for (int i = 0; i < bat.length; i++) bat[i] = bb.getInt();
        int bitmap = (int) (((bs / (8 * 512)) + 511) & ~511L);
        long free = (batOff + batBytes + 511) & ~511L;
        for (int i = 0; i < bat.length; i++) {
            if (bat[i] == UNALLOCATED) continue;
            long off = Integer.toUnsignedLong(bat[i]) * 512;
            long next = off + bitmap + bs;
            if (overlaps(off, next, 0, VhdFooter.SIZE) || overlaps(off, next, dhOff, dhOff + VhdDynamicHeader.SIZE)
                    || overlaps(off, next, batOff, batOff + batBytes)) {
                throw new BlockException("vpc: BAT entry " + i + " (sector " + Integer.toUnsignedString(bat[i]) + ") overlaps the image metadata");
            }
            if (next > free) free = next;
        }
        if (free > fileSize) {
            throw new BlockException("vpc: a BAT entry points after the end of file (" + fileSize + " bytes): the image has been truncated");
        }
        return new VpcNode(file, ro, f, raw, size, d, bat, free);
    }

    private static boolean overlaps(long a0, long a1, long b0, long b1) { return a0 < b1 && b0 < a1; }

    @Override public String formatName() { return "vpc"; }
    @Override public long size() { return size; }
    @Override public boolean readOnly() { return readOnly; }
    public boolean isFixed() { return dyn == null; }
    /** Block size of a dynamic image; 0 for a fixed one (qemu-img prints no cluster_size then). */
    @Override public long clusterSize() { return blockSize; }

    private void checkRange(long offset, long len) throws BlockException {
        if (offset < 0 || len < 0 || offset > size || len > size - offset) {
            throw new BlockException("vpc: access at " + offset + "+" + len + " is beyond the end of the image (" + size + " bytes)");
        }
    }

    private long hostBlockData(long blk) {
        int e = bat[(int) blk];
        if (e == UNALLOCATED) return -1;
        return Integer.toUnsignedLong(e) * 512 + bitmapSize;
    }

    @Override
    public synchronized void read(long offset, ByteBuffer dst) throws IOException {
        checkRange(offset, dst.remaining());
        if (dyn == null) { file.read(offset, dst); return; }
        BlockMap.read(file, blockSize, this::hostBlockData, offset, dst);
    }

    @Override
    public synchronized void write(long offset, ByteBuffer src) throws IOException {
        if (readOnly) throw new BlockException("vpc: image is read-only");
        checkRange(offset, src.remaining());
        if (dyn == null) { file.write(offset, src); return; }
        while (src.hasRemaining()) {
            long blk = offset / blockSize, in = offset % blockSize;
            int n = (int) Math.min(src.remaining(), blockSize - in);
            ByteBuffer part = src.slice(src.position(), n);
            long host = hostBlockData(blk);
            if (host < 0) allocate(blk, in, part);
            else file.write(host + in, part);
            src.position(src.position() + n);
            offset += n;
        }
    }

    private void allocate(long blk, long in, ByteBuffer part) throws IOException {
        long start = freeDataBlockOffset;
        if (start / 512 > 0xfffffffeL) throw new BlockException("vpc: image file too large for a 32-bit BAT entry");
        long fileEnd = file.size();
        ByteBuffer bitmap = ByteBuffer.allocate(bitmapSize);
        for (int i = 0; i < bitmapSize; i++) bitmap.put(i, (byte) 0xff);
        file.write(start, bitmap);
        long data = start + bitmapSize;
        int n = part.remaining();
        // whatever the file held where the block now lies (the old footer, stray bytes) must read as zeroes
        zero(data, Math.min(in, Math.max(0, fileEnd - data)));
        long after = data + in + n;
        zero(after, Math.min(data + blockSize - after, Math.max(0, fileEnd - after)));
        file.write(data + in, part);
        freeDataBlockOffset = data + blockSize;
        file.write(freeDataBlockOffset, ByteBuffer.wrap(footerRaw)); // also extends the file over the block
        bat[(int) blk] = (int) (start / 512);
        file.write(dyn.tableOffset + blk * 4, ByteBuffer.allocate(4).putInt(0, bat[(int) blk]));
    }

    private void zero(long off, long len) throws IOException {
        if (len <= 0) return;
        ByteBuffer z = ByteBuffer.allocate((int) Math.min(len, 1 << 20));
        while (len > 0) {
            int k = (int) Math.min(len, z.capacity());
            file.write(off, z.clear().limit(k));
            off += k;
            len -= k;
        }
    }

    @Override public void flush() throws IOException { if (!readOnly) file.flush(); }

    @Override
    public synchronized BlockStatus blockStatus(long offset, long length) throws IOException {
        checkRange(offset, length);
        if (dyn == null) {
            // a fixed image is raw data: the host file's allocation is the answer (as QEMU's BDRV_BLOCK_RAW)
            BlockStatus f = file.blockStatus(offset, length);
            return new BlockStatus(Math.max(1, Math.min(length, f.length())), f.data(), f.zero(), true, 0, offset);
        }
        long blk = offset / blockSize;
        long host = hostBlockData(blk);
        long n = 0, pos = offset;
        while (pos < offset + length) {
            long b = pos / blockSize;
            long h = hostBlockData(b);
            if ((h < 0) != (host < 0)) break;
            if (host >= 0 && h != host + (b - blk) * (blockSize + bitmapSize)) break;
            if (host >= 0 && b != blk) break; // bitmaps interleave: one block per answer
            long step = Math.min(offset + length, (b + 1) * blockSize) - pos;
            n += step;
            pos += step;
        }
        // no backing file in this format: unallocated blocks are this node's zeroes (QEMU reports them present, zero)
        if (host < 0) return new BlockStatus(n, false, true, true, 0, -1);
        // QEMU's vpc does not hand dynamic blocks to the file layer: allocated blocks are data throughout
        return new BlockStatus(n, true, false, true, 0, host + offset % blockSize);
    }

    @Override public long allocatedFileSize() throws IOException { return file.allocatedFileSize(); }
    @Override public Map<String, Object> formatSpecificInfo() { return new LinkedHashMap<>(); }
    @Override public void close() throws IOException { file.close(); }
}
