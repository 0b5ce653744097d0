package org.jemu.block.vhdx;

import org.jemu.block.BlockException;
import org.jemu.block.BlockMap;
import org.jemu.block.BlockNode;
import org.jemu.block.BlockStatus;
import org.jemu.block.ImageCheck;
import org.jemu.block.OpenContext;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * An open VHDX image (fixed or dynamic; differencing images are refused). Layout: the file type
 * identifier ("vhdxfile") at 0, two {@link VhdxHeader}s, two region tables ("regi", CRC32C) locating
 * the BAT and the metadata region ("metadata" table: file parameters, virtual disk size, page 83
 * data, logical and physical sector size), the log, and payload blocks.
 *
 * <p>BAT entries: bits 0-2 state (0 NOT_PRESENT, 1 UNDEFINED, 2 ZERO, 3 UNMAPPED, 6 FULLY_PRESENT,
 * 7 PARTIALLY_PRESENT), bits 20-63 FileOffsetMB. Every chunk ratio (2^23 * logical sector size /
 * block size) payload entries are followed by one sector bitmap entry.
 *
 * <p>A log left by an interrupted writer is replayed on a read-write open; a read-only open of such
 * an image is refused, as QEMU does. Our own BAT updates go through the log (one entry per flush that
 * has new blocks); headers are updated by writing the non-current copy first.
 */
public final class VhdxNode implements BlockNode {
    static final long MiB = 1 << 20;
    static final int FILE_SIGNATURE_LEN = 8;
    static final byte[] FILE_SIGNATURE = "vhdxfile".getBytes(StandardCharsets.US_ASCII);
    static final long REGION_TABLE_1 = 192 * 1024, REGION_TABLE_2 = 256 * 1024, REGION_TABLE_SIZE = 64 * 1024;
    static final int REGION_SIGNATURE = 0x69676572; // "regi"
    static final long HEADER_SECTION_END = MiB;
    static final int PAYLOAD_BLOCK_NOT_PRESENT = 0, PAYLOAD_BLOCK_UNDEFINED = 1, PAYLOAD_BLOCK_ZERO = 2,
            PAYLOAD_BLOCK_UNMAPPED = 3, PAYLOAD_BLOCK_FULLY_PRESENT = 6, PAYLOAD_BLOCK_PARTIALLY_PRESENT = 7;
    static final long MAX_SIZE = 64L << 40;
    static final long MIN_BLOCK = MiB, MAX_BLOCK = 256 * MiB;

    private final BlockNode file;
    private final boolean readOnly;
    private final VhdxHeader[] headers;
    private int current;
    private final long batOffset;
    private final long[] bat;
    private final long blockSize;
    private final long size;
    private final int logicalSectorSize, physicalSectorSize;
    private final long chunkRatio;
    private final List<long[]> regions; // [start, end) of metadata areas payload must not overlap
    private long fileEnd;
    private boolean dataWriteGuidUpdated;
    private final int replayedEntries;

    private VhdxNode(BlockNode file, boolean readOnly, VhdxHeader[] headers, int current, long batOffset, long[] bat, long blockSize,
                     long size, int lss, int pss, List<long[]> regions, int replayed) {
        this.file = file; this.readOnly = readOnly; this.headers = headers; this.current = current;
        this.batOffset = batOffset; this.bat = bat; this.blockSize = blockSize; this.size = size;
        this.logicalSectorSize = lss; this.physicalSectorSize = pss;
        this.chunkRatio = (1L << 23) * lss / blockSize;
        this.regions = regions;
        this.fileEnd = file.size();
        this.replayedEntries = replayed;
    }

    static boolean overlaps(long a0, long a1, long b0, long b1) { return a0 < b1 && b0 < a1; }

    static VhdxNode open(BlockNode file, OpenContext ctx) throws IOException {
        boolean ro = file.readOnly() || (ctx != null && ctx.readOnly());
        String name = ctx != null && ctx.imagePath() != null ? ctx.imagePath().toString() : "image";
        long fileSize = file.size();
        if (fileSize < HEADER_SECTION_END) throw new BlockException("vhdx: image is truncated (" + fileSize + " bytes; the header section alone is 1 MiB)");
        byte[] sig = new byte[8];
        file.read(0, ByteBuffer.wrap(sig));
        if (!java.util.Arrays.equals(sig, FILE_SIGNATURE)) throw new BlockException("vhdx: not a VHDX image (no \"vhdxfile\" file type identifier)");

        VhdxHeader[] hs = new VhdxHeader[2];
        long[] hoff = {VhdxHeader.OFFSET_1, VhdxHeader.OFFSET_2};
        for (int i = 0; i < 2; i++) {
            byte[] raw = new byte[VhdxHeader.SIZE];
            file.read(hoff[i], ByteBuffer.wrap(raw));
            VhdxHeader h = VhdxHeader.decode(raw);
            hs[i] = h.signature == VhdxHeader.SIGNATURE && h.checksumValid ? h : null;
        }
        int cur;
        if (hs[0] != null && hs[1] != null) cur = Long.compareUnsigned(hs[0].sequenceNumber, hs[1].sequenceNumber) >= 0 ? 0 : 1;
        else if (hs[0] != null) cur = 0;
        else if (hs[1] != null) cur = 1;
        else throw new BlockException("vhdx: no valid VHDX header found (both headers have a bad signature or checksum)");
        VhdxHeader h = hs[cur];
        if (h.version != 1) throw new BlockException("vhdx: unsupported header version " + h.version);
        if (h.logVersion != 0) throw new BlockException("vhdx: unsupported log version " + h.logVersion);
        if (h.logLength % MiB != 0 || h.logOffset % MiB != 0 || h.logOffset < HEADER_SECTION_END
                || (h.logLength > 0 && (h.logOffset > fileSize || h.logLength > fileSize - h.logOffset))) {
            throw new BlockException("vhdx: invalid log region (offset " + Long.toUnsignedString(h.logOffset) + ", length " + h.logLength + ") in a file of " + fileSize + " bytes");
        }

        // region table
        ByteBuffer rt = readRegionTable(file, REGION_TABLE_1);
        if (rt == null) rt = readRegionTable(file, REGION_TABLE_2);
        if (rt == null) throw new BlockException("vhdx: no valid region table (bad signature or checksum in both copies)");
        long entryCount = Integer.toUnsignedLong(rt.getInt(8));
        if (entryCount > 2047) throw new BlockException("vhdx: region table has too many entries (" + entryCount + ")");
        long batOff = -1, batLen = 0, metaOff = -1, metaLen = 0;
        List<long[]> regions = new ArrayList<>();
        regions.add(new long[]{0, HEADER_SECTION_END});
        if (h.logLength > 0) regions.add(new long[]{h.logOffset, h.logOffset + h.logLength});
        for (int i = 0; i < entryCount; i++) {
            int o = 16 + i * 32;
            UUID g = VhdxGuid.get(rt, o);
            long off = rt.getLong(o + 16);
            long len = Integer.toUnsignedLong(rt.getInt(o + 24));
            boolean required = (rt.getInt(o + 28) & 1) != 0;
            if (off % MiB != 0 || len % MiB != 0 || off < HEADER_SECTION_END || len == 0 || off > fileSize || len > fileSize - off) {
                throw new BlockException("vhdx: region " + g + " (offset " + Long.toUnsignedString(off) + ", length " + len + ") is invalid or outside the file");
            }
            for (long[] r : regions) {
                if (overlaps(off, off + len, r[0], r[1])) throw new BlockException("vhdx: region " + g + " overlaps another region, the log or the headers");
            }
            regions.add(new long[]{off, off + len});
            if (g.equals(VhdxGuid.BAT)) {
                if (batOff >= 0) throw new BlockException("vhdx: duplicate BAT region");
                batOff = off; batLen = len;
            } else if (g.equals(VhdxGuid.METADATA)) {
                if (metaOff >= 0) throw new BlockException("vhdx: duplicate metadata region");
                metaOff = off; metaLen = len;
            } else if (required) {
                throw new BlockException("vhdx: unsupported required region " + g);
            }
        }
        if (batOff < 0) throw new BlockException("vhdx: no BAT region");
        if (metaOff < 0) throw new BlockException("vhdx: no metadata region");

        // log replay comes first: it may change metadata
        int replayed = 0;
        if (!h.logGuid.equals(VhdxGuid.ZERO)) {
            VhdxLog log = new VhdxLog(file, h.logOffset, h.logLength, h.logGuid);
            List<VhdxLog.Entry> seq = h.logLength == 0 ? List.of() : log.activeSequence();
            if (!seq.isEmpty()) {
                if (ro) {
                    throw new BlockException("VHDX image file '" + name + "' opened read-only, but contains a log that needs to be replayed"
                            + " (to replay the log, run: jemu-img check -r all '" + name + "')");
                }
                // the file identifier and headers are never logged; neither is the log itself
                long[][] prot = {{0, REGION_TABLE_1}, {h.logOffset, h.logOffset + h.logLength}};
                replayed = log.replay(fileSize, prot);
                fileSize = file.size();
            }
            if (!ro) {
                h.logGuid = VhdxGuid.ZERO;
                cur = writeHeaders(file, hs, cur, h);
            }
        }

        // metadata
        byte[] mt = new byte[64 * 1024];
        file.read(metaOff, ByteBuffer.wrap(mt));
        ByteBuffer m = ByteBuffer.wrap(mt).order(ByteOrder.LITTLE_ENDIAN);
        if (!new String(mt, 0, 8, StandardCharsets.US_ASCII).equals("metadata")) throw new BlockException("vhdx: metadata table has no \"metadata\" signature");
        int mcount = Short.toUnsignedInt(m.getShort(10));
        if (mcount > 2047) throw new BlockException("vhdx: metadata table has too many entries (" + mcount + ")");
        Map<UUID, byte[]> items = new LinkedHashMap<>();
        for (int i = 0; i < mcount; i++) {
            int o = 32 + i * 32;
            UUID id = VhdxGuid.get(m, o);
            long off = Integer.toUnsignedLong(m.getInt(o + 16));
            long len = Integer.toUnsignedLong(m.getInt(o + 20));
            int flags = m.getInt(o + 24);
            boolean required = (flags & 4) != 0;
            if (len > 0 && (off < 64 * 1024 || off > metaLen || len > metaLen - off || len > MiB)) {
                throw new BlockException("vhdx: metadata item " + id + " (offset " + off + ", length " + len + ") lies outside the metadata region");
            }
            if (items.containsKey(id)) throw new BlockException("vhdx: duplicate metadata item " + id);
            byte[] v = new byte[(int) len];
            if (len > 0) file.read(metaOff + off, ByteBuffer.wrap(v));
            boolean known = id.equals(VhdxGuid.FILE_PARAMETERS) || id.equals(VhdxGuid.VIRTUAL_DISK_SIZE) || id.equals(VhdxGuid.PAGE83_DATA)
                    || id.equals(VhdxGuid.LOGICAL_SECTOR_SIZE) || id.equals(VhdxGuid.PHYSICAL_SECTOR_SIZE) || id.equals(VhdxGuid.PARENT_LOCATOR);
            if (!known && required) throw new BlockException("vhdx: unsupported required metadata item " + id);
            items.put(id, v);
        }
        byte[] fp = need(items, VhdxGuid.FILE_PARAMETERS, 8, "file parameters");
        byte[] vds = need(items, VhdxGuid.VIRTUAL_DISK_SIZE, 8, "virtual disk size");
        byte[] lssB = need(items, VhdxGuid.LOGICAL_SECTOR_SIZE, 4, "logical sector size");
        byte[] pssB = need(items, VhdxGuid.PHYSICAL_SECTOR_SIZE, 4, "physical sector size");
        need(items, VhdxGuid.PAGE83_DATA, 16, "page 83 data");
        ByteBuffer fpb = ByteBuffer.wrap(fp).order(ByteOrder.LITTLE_ENDIAN);
        long blockSize = Integer.toUnsignedLong(fpb.getInt(0));
        int fpFlags = fpb.getInt(4);
        if ((fpFlags & 2) != 0) throw new BlockException("vhdx: differencing VHDX images (HasParent) are not supported");
        if (blockSize < MIN_BLOCK || blockSize > MAX_BLOCK || Long.bitCount(blockSize) != 1) {
            throw new BlockException("vhdx: invalid block size " + blockSize + " (must be a power of two from 1 MiB to 256 MiB)");
        }
        long size = ByteBuffer.wrap(vds).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        int lss = ByteBuffer.wrap(lssB).order(ByteOrder.LITTLE_ENDIAN).getInt(0);
        int pss = ByteBuffer.wrap(pssB).order(ByteOrder.LITTLE_ENDIAN).getInt(0);
        if (lss != 512 && lss != 4096) throw new BlockException("vhdx: invalid logical sector size " + Integer.toUnsignedString(lss));
        if (pss != 512 && pss != 4096) throw new BlockException("vhdx: invalid physical sector size " + Integer.toUnsignedString(pss));
        if (size < 0 || size > MAX_SIZE) throw new BlockException("vhdx: virtual disk size " + Long.toUnsignedString(size) + " is larger than the 64 TiB VHDX allows");
        if (size % lss != 0) throw new BlockException("vhdx: virtual disk size " + size + " is not a multiple of the logical sector size " + lss);

        long chunkRatio = (1L << 23) * lss / blockSize;
        long dataBlocks = (size + blockSize - 1) / blockSize;
        long entries = dataBlocks == 0 ? 0 : dataBlocks + (dataBlocks - 1) / chunkRatio;
        if (entries * 8 > batLen) throw new BlockException("vhdx: BAT region (" + batLen + " bytes) is too small for " + entries + " entries");
        ByteBuffer bb = ByteBuffer.allocate((int) (entries * 8)).order(ByteOrder.LITTLE_ENDIAN);
        file.read(batOff, bb);
        bb.flip();
        long[] bat = new long[(int) entries];
        for (int i = 0; i < entries; i++) bat[i] = bb.getLong();
        for (int i = 0; i < entries; i++) {
            long e = bat[i];
            int state = (int) (e & 7);
            long off = (e >>> 20) * MiB;
            boolean bitmapEntry = (i + 1) % (chunkRatio + 1) == 0;
            if (bitmapEntry) {
                if (state != 0 && state != 6) throw new BlockException("vhdx: BAT entry " + i + " (sector bitmap) has invalid state " + state);
                continue;
            }
            switch (state) {
                case PAYLOAD_BLOCK_NOT_PRESENT, PAYLOAD_BLOCK_UNDEFINED, PAYLOAD_BLOCK_ZERO, PAYLOAD_BLOCK_UNMAPPED -> {}
                case PAYLOAD_BLOCK_FULLY_PRESENT -> {
                    long blk = i - i / (chunkRatio + 1);
                    long need = Math.min(blockSize, size - blk * blockSize);
                    if (off < HEADER_SECTION_END || off + need > fileSize) {
                        throw new BlockException("vhdx: BAT entry " + i + " offset " + off + " points after the end of the file (" + fileSize
                                + " bytes) or into the header section: the image is truncated or corrupt");
                    }
                    for (long[] r : regions) {
                        if (overlaps(off, off + blockSize, r[0], r[1])) {
                            throw new BlockException("vhdx: BAT entry " + i + " (offset " + off + ") overlaps the image's metadata");
                        }
                    }
                }
                case PAYLOAD_BLOCK_PARTIALLY_PRESENT -> throw new BlockException("vhdx: BAT entry " + i + " is PARTIALLY_PRESENT, which only differencing images use");
                default -> throw new BlockException("vhdx: BAT entry " + i + " has invalid state " + state);
            }
        }
        VhdxNode n = new VhdxNode(file, ro, hs, cur, batOff, bat, blockSize, size, lss, pss, regions, replayed);
        if (!ro) n.updateHeaders(true, false);
        return n;
    }

    private static byte[] need(Map<UUID, byte[]> items, UUID id, int len, String what) throws BlockException {
        byte[] v = items.get(id);
        if (v == null) throw new BlockException("vhdx: required metadata item '" + what + "' is missing");
        if (v.length < len) throw new BlockException("vhdx: metadata item '" + what + "' is too short (" + v.length + " bytes)");
        return v;
    }

    private static ByteBuffer readRegionTable(BlockNode file, long off) throws IOException {
        byte[] raw = new byte[(int) REGION_TABLE_SIZE];
        file.read(off, ByteBuffer.wrap(raw));
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt(0) != REGION_SIGNATURE) return null;
        if (VhdxHeader.crc(raw, 4) != b.getInt(4)) return null;
        return b;
    }

    /** Writes {@code h} (with the next sequence number) over the non-current header, then over the other one too. */
    private static int writeHeaders(BlockNode file, VhdxHeader[] hs, int cur, VhdxHeader h) throws IOException {
        long[] hoff = {VhdxHeader.OFFSET_1, VhdxHeader.OFFSET_2};
        int target = 1 - cur;
        for (int k = 0; k < 2; k++) {
            h.sequenceNumber++;
            file.write(hoff[target], h.encode());
            file.flush();
            hs[target] = h;
            cur = target;
            target = 1 - target;
        }
        return cur;
    }

    /** QEMU updates both headers on a read-write open (new FileWriteGuid) and on the first guest write (new DataWriteGuid). */
    private void updateHeaders(boolean newFileGuid, boolean newDataGuid) throws IOException {
        VhdxHeader h = headers[current];
        if (newFileGuid) h.fileWriteGuid = UUID.randomUUID();
        if (newDataGuid) h.dataWriteGuid = UUID.randomUUID();
        long[] hoff = {VhdxHeader.OFFSET_1, VhdxHeader.OFFSET_2};
        int target = 1 - current;
        for (int k = 0; k < 2; k++) {
            h.sequenceNumber++;
            file.write(hoff[target], h.encode());
            headers[target] = h;
            current = target;
            target = 1 - target;
        }
        file.flush();
    }

    @Override public String formatName() { return "vhdx"; }
    @Override public long size() { return size; }
    @Override public boolean readOnly() { return readOnly; }
    @Override public long clusterSize() { return blockSize; }
    public int logicalSectorSize() { return logicalSectorSize; }
    public int physicalSectorSize() { return physicalSectorSize; }
    /** Log entries replayed when this image was opened. */
    public int replayedLogEntries() { return replayedEntries; }

    private void checkRange(long offset, long len) throws BlockException {
        if (offset < 0 || len < 0 || offset > size || len > size - offset) {
            throw new BlockException("vhdx: access at " + offset + "+" + len + " is beyond the end of the image (" + size + " bytes)");
        }
    }

    private int batIndex(long blk) { return (int) (blk + blk / chunkRatio); }

    /** Host offset of the payload block's data, or -1 when it reads as zeroes. */
    private long hostBlock(long blk) {
        long e = bat[batIndex(blk)];
        if ((e & 7) != PAYLOAD_BLOCK_FULLY_PRESENT) return -1;
        return (e >>> 20) * MiB;
    }

    @Override
    public synchronized void read(long offset, ByteBuffer dst) throws IOException {
        checkRange(offset, dst.remaining());
        BlockMap.read(file, blockSize, this::hostBlock, offset, dst);
    }

    @Override
    public synchronized void write(long offset, ByteBuffer src) throws IOException {
        if (readOnly) throw new BlockException("vhdx: image is read-only");
        checkRange(offset, src.remaining());
        if (!dataWriteGuidUpdated) {
            dataWriteGuidUpdated = true;
            updateHeaders(false, true);
        }
        while (src.hasRemaining()) {
            long blk = offset / blockSize, in = offset % blockSize;
            int n = (int) Math.min(src.remaining(), blockSize - in);
            ByteBuffer part = src.slice(src.position(), n);
            long host = hostBlock(blk);
            if (host < 0) host = allocate(blk, in, n);
            file.write(host + in, part);
            src.position(src.position() + n);
            offset += n;
        }
    }

    /** Gives the block space: a pre-allocated offset of a ZERO/UNMAPPED entry is zeroed and reused, otherwise the file grows. */
    private long allocate(long blk, long in, int n) throws IOException {
        int idx = batIndex(blk);
        long e = bat[idx];
        long off = (e >>> 20) * MiB;
        boolean reuse = off >= HEADER_SECTION_END && off + blockSize <= fileEnd;
        if (reuse) for (long[] r : regions) if (overlaps(off, off + blockSize, r[0], r[1])) reuse = false;
        if (reuse) {
            zero(off, in);
            zero(off + in + n, blockSize - in - n);
        } else {
            off = (fileEnd + MiB - 1) / MiB * MiB;
            if (in + n < blockSize) file.write(off + blockSize - 1, ByteBuffer.allocate(1));
            fileEnd = off + blockSize;
        }
        bat[idx] = (off / MiB) << 20 | PAYLOAD_BLOCK_FULLY_PRESENT;
        // the data is written by the caller before the next flush; write the BAT entry after it
        pendingBat.add(idx);
        return off;
    }

    private final java.util.LinkedHashSet<Integer> pendingBat = new java.util.LinkedHashSet<>();

    private void zero(long off, long len) throws IOException {
        ByteBuffer z = ByteBuffer.allocate((int) Math.min(Math.max(len, 1), MiB));
        while (len > 0) {
            int k = (int) Math.min(len, z.capacity());
            file.write(off, z.clear().limit(k));
            off += k;
            len -= k;
        }
    }

    /**
     * Makes the pending BAT updates durable through the log, as the specification asks of metadata
     * updates: data flushed; the BAT sectors go into a log entry (a fresh log GUID set in the headers
     * for this session); the entry is flushed; then the sectors are written in place and flushed. A crash
     * at any point leaves either the old BAT or a log that replays to the new one.
     */
    private void writePendingBat() throws IOException {
        java.util.TreeSet<Long> sectors = new java.util.TreeSet<>();
        for (int idx : pendingBat) sectors.add((idx * 8L) / VhdxLog.SECTOR);
        List<Long> all = new ArrayList<>(sectors);
        VhdxHeader h = headers[current];
        int perEntry = (int) Math.max(1, Math.min(all.size(), h.logLength / VhdxLog.SECTOR - 2));
        if (h.logLength < 2 * VhdxLog.SECTOR) perEntry = 0;
        for (int from = 0; from < all.size(); ) {
            int to = perEntry == 0 ? all.size() : Math.min(all.size(), from + perEntry);
            List<VhdxLog.Descriptor> ds = new ArrayList<>();
            for (long sec : all.subList(from, to)) {
                byte[] b = new byte[VhdxLog.SECTOR];
                file.read(batOffset + sec * VhdxLog.SECTOR, ByteBuffer.wrap(b));
                ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
                long first = sec * VhdxLog.SECTOR / 8;
                for (int k = 0; k < VhdxLog.SECTOR / 8 && first + k < bat.length; k++) bb.putLong(k * 8, bat[(int) (first + k)]);
                ds.add(new VhdxLog.Descriptor(batOffset + sec * VhdxLog.SECTOR, VhdxLog.SECTOR, b));
            }
            if (perEntry > 0) {
                if (sessionLogGuid == null) {
                    sessionLogGuid = UUID.randomUUID();
                    h.logGuid = sessionLogGuid;
                    updateHeaders(false, false);
                }
                long size = file.size();
                byte[] entry = VhdxLog.buildEntry(sessionLogGuid, ++logSequence, 0, size, size, ds);
                file.write(h.logOffset, ByteBuffer.wrap(entry));
                file.flush();
                if (crashAfterLogWrite) throw new BlockException("vhdx: simulated crash after the log write");
            }
            for (VhdxLog.Descriptor d : ds) file.write(d.fileOffset(), ByteBuffer.wrap(d.data()));
            file.flush();
            from = to;
        }
        pendingBat.clear();
    }

    @Override
    public synchronized void flush() throws IOException {
        if (readOnly) return;
        if (!pendingBat.isEmpty()) {
            file.flush();          // data before the BAT entries that point to it
            writePendingBat();
        }
        file.flush();
    }

    private UUID sessionLogGuid;
    private long logSequence;
    /** Test hook: stop after the log entry is durable, before the BAT is written in place (a crash). */
    boolean crashAfterLogWrite;

    @Override
    public synchronized BlockStatus blockStatus(long offset, long length) throws IOException {
        checkRange(offset, length);
        long blk = offset / blockSize;
        long host = hostBlock(blk);
        int state = (int) (bat[batIndex(blk)] & 7);
        long n = 0, pos = offset;
        while (pos < offset + length) {
            long b = pos / blockSize;
            long h = hostBlock(b);
            int st = (int) (bat[batIndex(b)] & 7);
            if (host >= 0 ? h != host + (b - blk) * blockSize : (h >= 0 || (st == PAYLOAD_BLOCK_ZERO) != (state == PAYLOAD_BLOCK_ZERO))) break;
            long step = Math.min(offset + length, (b + 1) * blockSize) - pos;
            n += step;
            pos += step;
        }
        if (host >= 0) return refine(new BlockStatus(n, true, false, true, 0, host + offset % blockSize));
        return new BlockStatus(n, false, true, state == PAYLOAD_BLOCK_ZERO, 0, -1);
    }

    /** As QEMU's block layer does for data at a known host offset: holes of the host file read as zeroes (and end the run). */
    private BlockStatus refine(BlockStatus s) throws IOException {
        if (!s.data() || s.hostOffset() < 0 || s.zero()) return s;
        BlockStatus f = file.blockStatus(s.hostOffset(), s.length());
        long n = Math.max(1, Math.min(s.length(), f.length()));
        return new BlockStatus(n, true, f.zero() && !f.data(), s.allocated(), s.depth(), s.hostOffset());
    }

    @Override public long allocatedFileSize() throws IOException { return file.allocatedFileSize(); }

    /**
     * QEMU's vhdx check: a log replayed on open counts as a repaired corruption; payload blocks past the
     * end of the file or sharing space with another block are corruptions.
     */
    @Override
    public synchronized ImageCheck check(int fix) throws IOException {
        ImageCheck r = new ImageCheck();
        if (replayedEntries > 0) r.corruptionsFixed++;
        long fileSize = file.size();
        java.util.TreeMap<Long, Integer> used = new java.util.TreeMap<>();
        for (int i = 0; i < bat.length; i++) {
            if ((i + 1) % (chunkRatio + 1) == 0) continue;
            if ((bat[i] & 7) != PAYLOAD_BLOCK_FULLY_PRESENT) continue;
            long off = (bat[i] >>> 20) * MiB;
            long blk = i - i / (chunkRatio + 1);
            long need = Math.min(blockSize, size - blk * blockSize);
            if (off + need > fileSize) {
                r.messages.add("VHDX BAT entry " + i + " end offset " + (off + need - 1) + " points after end of file (" + fileSize + "). Image has probably been truncated.");
                r.corruptions++;
            }
            var lower = used.floorEntry(off);
            if (lower != null && lower.getKey() + blockSize > off) {
                r.messages.add("ERROR: VHDX BAT entry " + i + " overlaps the payload block of BAT entry " + lower.getValue());
                r.corruptions++;
            }
            var higher = used.ceilingEntry(off);
            if (higher != null && higher.getKey() < off + blockSize && (lower == null || !higher.getKey().equals(lower.getKey()))) {
                r.messages.add("ERROR: VHDX BAT entry " + i + " overlaps the payload block of BAT entry " + higher.getValue());
                r.corruptions++;
            }
            used.put(off, i);
        }
        return r;
    }

    @Override public Map<String, Object> formatSpecificInfo() { return new LinkedHashMap<>(); }

    @Override
    public synchronized void close() throws IOException {
        try {
            if (!readOnly && !crashAfterLogWrite) {
                flush();
                if (sessionLogGuid != null) {
                    // everything logged is in place: the log is empty again
                    headers[current].logGuid = VhdxGuid.ZERO;
                    updateHeaders(false, false);
                    sessionLogGuid = null;
                }
            }
        } finally {
            file.close();
        }
    }
}
