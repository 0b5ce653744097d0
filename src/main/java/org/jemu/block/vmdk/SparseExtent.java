package org.jemu.block.vmdk;

import org.jemu.block.BlockException;
import org.jemu.block.BlockNode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * A hosted sparse extent: a {@link SparseExtentHeader}, a grain directory (GD) of sector offsets of
 * grain tables (GT), each GT holding {@code numGTEsPerGT} grain table entries (GTE): 0 = unallocated,
 * 1 = zeroed grain (with FLAG_ZEROED_GRAIN_GTE), otherwise the sector of the grain. With the redundant
 * GD flag, a second GD/GT set at rgdOffset mirrors every update.
 *
 * <p>streamOptimized extents (compressed grains with markers): a GTE points to a grain marker
 * {@code uint64 val (LBA), uint32 size, data[size]} holding the grain deflated in zlib format;
 * metadata markers ({@code val, size = 0, uint32 type}: 0 EOS, 1 GT, 2 GD, 3 FOOTER) precede tables.
 * When the header's gdOffset is GD_AT_END the real header is the footer before the end-of-stream
 * marker. Grains of a compressed extent are written once: writes are gathered into whole grains,
 * compressed and appended.
 */
final class SparseExtent extends VmdkExtent {
    static final int MARKER_EOS = 0, MARKER_GT = 1, MARKER_GD = 2, MARKER_FOOTER = 3;
    static final long MAX_GRAIN_SECTORS = 0x8000; // 16 MiB grains (VMware uses 64 KiB; bounds our grain buffers)
    static final int MAX_GTES_PER_GT = 512;
    static final long MAX_GD_ENTRIES = 1L << 27;

    private final BlockNode file;
    final SparseExtentHeader header;
    final long grainBytes;
    final boolean compressed, markers, zeroedGrain;
    private final int gtes;
    private final int[] gd, rgd;
    private final long gtBytes;
    private final Map<Integer, int[]> gtCache = new LinkedHashMap<>(64, 0.75f, true) {
        @Override protected boolean removeEldestEntry(Map.Entry<Integer, int[]> e) { return size() > 4096; }
    };
    private long nextAlloc;
    private final boolean gdAtEnd;
    // compressed read cache
    private long cachedGrainHost = -1;
    private byte[] cachedGrain;
    // compressed write gathering
    private long pendingGrain = -1;
    private byte[] pendingData;
    private BitSet pendingSectors;
    private boolean wroteStream;

    private SparseExtent(String type, String filename, BlockNode file, long sectors, boolean writable, SparseExtentHeader h,
                         int[] gd, int[] rgd, boolean gdAtEnd, long fileSize) {
        super(type, filename, sectors, writable);
        this.file = file;
        this.header = h;
        this.grainBytes = h.grainSize * 512;
        this.compressed = h.has(SparseExtentHeader.FLAG_COMPRESSED_GRAINS);
        this.markers = h.has(SparseExtentHeader.FLAG_MARKERS);
        this.zeroedGrain = h.has(SparseExtentHeader.FLAG_ZEROED_GRAIN_GTE);
        this.gtes = h.numGTEsPerGT;
        this.gd = gd;
        this.rgd = rgd;
        this.gtBytes = ((long) gtes * 4 + 511) & ~511L;
        this.gdAtEnd = gdAtEnd;
        this.nextAlloc = Math.max((fileSize + 511) & ~511L, h.overHead * 512);
    }

    BlockNode file() { return file; }

    /** Reads and validates the header at sector 0 of {@code file} (first 512 bytes in {@code first}). */
    static SparseExtentHeader readHeader(BlockNode file, byte[] first, String name) throws IOException {
        SparseExtentHeader h = SparseExtentHeader.decode(first, 0);
        if (h.magicNumber != SparseExtentHeader.MAGIC) throw new BlockException("vmdk: '" + name + "' is not a hosted sparse extent (bad magic)");
        if (h.version < 1 || h.version > 3) throw new BlockException("vmdk: '" + name + "': unsupported VMDK version " + Integer.toUnsignedString(h.version));
        if (h.has(SparseExtentHeader.FLAG_COMPRESSED_GRAINS) && h.gdOffset == SparseExtentHeader.GD_AT_END) {
            long fs = file.size();
            if (fs < 3 * 512 + 512) throw new BlockException("vmdk: '" + name + "': streamOptimized image is truncated (no footer)");
            byte[] tail = new byte[1536];
            file.read(fs - 1536, ByteBuffer.wrap(tail));
            ByteBuffer t = ByteBuffer.wrap(tail).order(ByteOrder.LITTLE_ENDIAN);
            if (t.getInt(8) != 0 || t.getInt(12) != MARKER_FOOTER || t.getInt(1024 + 8) != 0 || t.getInt(1024 + 12) != MARKER_EOS) {
                throw new BlockException("vmdk: '" + name + "': the grain directory is at the end but no footer/end-of-stream marker was found");
            }
            SparseExtentHeader f = SparseExtentHeader.decode(tail, 512);
            if (f.magicNumber != SparseExtentHeader.MAGIC || f.gdOffset == SparseExtentHeader.GD_AT_END) {
                throw new BlockException("vmdk: '" + name + "': invalid footer header");
            }
            h = f;
        }
        if (h.grainSize < 1 || h.grainSize > MAX_GRAIN_SECTORS || Long.bitCount(h.grainSize) != 1) {
            throw new BlockException("vmdk: '" + name + "': invalid grainSize " + h.grainSize + " sectors, image may be corrupt");
        }
        if (h.numGTEsPerGT <= 0 || h.numGTEsPerGT > MAX_GTES_PER_GT) {
            throw new BlockException("vmdk: '" + name + "': numGTEsPerGT " + Integer.toUnsignedString(h.numGTEsPerGT) + " is invalid (L2 table size too big)");
        }
        if (h.capacity < 0 || h.capacity > VmdkDescriptor.MAX_SECTORS) {
            throw new BlockException("vmdk: '" + name + "': capacity " + Long.toUnsignedString(h.capacity) + " sectors is too large");
        }
        if (h.has(SparseExtentHeader.FLAG_COMPRESSED_GRAINS) && h.compressAlgorithm != SparseExtentHeader.COMPRESSION_DEFLATE) {
            throw new BlockException("vmdk: '" + name + "': unsupported compression algorithm " + h.compressAlgorithm);
        }
        return h;
    }

    /** Opens the sparse extent in {@code file} whose first sector is {@code first}; {@code sectors} &lt; 0 means the header's capacity. */
    static SparseExtent open(String type, String filename, BlockNode file, byte[] first, long sectors, boolean writable) throws IOException {
        SparseExtentHeader h = readHeader(file, first, filename);
        boolean gdAtEnd = SparseExtentHeader.decode(first, 0).gdOffset == SparseExtentHeader.GD_AT_END;
        if (sectors < 0) sectors = h.capacity;
        if (sectors > h.capacity) {
            throw new BlockException("vmdk: extent '" + filename + "' is described as " + sectors + " sectors but its header has a capacity of " + h.capacity);
        }
        long fileSize = file.size();
        long grains = ceilDiv(h.capacity, h.grainSize);
        long gdEntries = ceilDiv(grains, h.numGTEsPerGT);
        if (gdEntries > MAX_GD_ENTRIES) throw new BlockException("vmdk: '" + filename + "': grain directory too big (" + gdEntries + " entries)");
        int[] gd = readGd(file, h.gdOffset, gdEntries, fileSize, filename, "grain directory");
        int[] rgd = null;
        if (h.has(SparseExtentHeader.FLAG_REDUNDANT_GRAIN_TABLE) && h.rgdOffset != 0) {
            rgd = readGd(file, h.rgdOffset, gdEntries, fileSize, filename, "redundant grain directory");
        }
        long gtBytes = (long) h.numGTEsPerGT * 4;
        for (int i = 0; i < gd.length; i++) {
            long off = Integer.toUnsignedLong(gd[i]) * 512;
            if (gd[i] != 0 && (off < 512 || off + gtBytes > fileSize)) {
                throw new BlockException("vmdk: '" + filename + "': grain directory entry " + i + " (sector " + Integer.toUnsignedString(gd[i]) + ") points outside the file");
            }
            if (rgd != null) {
                long r = Integer.toUnsignedLong(rgd[i]) * 512;
                if (rgd[i] != 0 && (r < 512 || r + gtBytes > fileSize)) rgd = null; // damaged mirror: QEMU uses the primary only
            }
        }
        return new SparseExtent(type, filename, file, sectors, writable, h, gd, rgd, gdAtEnd, fileSize);
    }

    private static int[] readGd(BlockNode file, long gdOffset, long entries, long fileSize, String name, String what) throws IOException {
        if (gdOffset <= 0 || gdOffset > VmdkDescriptor.MAX_SECTORS || gdOffset * 512 + entries * 4 > fileSize) {
            throw new BlockException("vmdk: '" + name + "': " + what + " at sector " + Long.toUnsignedString(gdOffset) + " (" + entries
                    + " entries) lies outside the file (" + fileSize + " bytes)");
        }
        ByteBuffer b = ByteBuffer.allocate((int) (entries * 4)).order(ByteOrder.LITTLE_ENDIAN);
        file.read(gdOffset * 512, b);
        b.flip();
        int[] gd = new int[(int) entries];
        for (int i = 0; i < gd.length; i++) gd[i] = b.getInt();
        return gd;
    }

    static long ceilDiv(long a, long b) { return a / b + (a % b == 0 ? 0 : 1); }

    private int[] gt(int gdIndex) throws IOException {
        int[] t = gtCache.get(gdIndex);
        if (t != null) return t;
        t = new int[gtes];
        if (gd[gdIndex] != 0) {
            long fileSize = file.size();
            ByteBuffer b = ByteBuffer.allocate(gtes * 4).order(ByteOrder.LITTLE_ENDIAN);
            file.read(Integer.toUnsignedLong(gd[gdIndex]) * 512, b);
            b.flip();
            for (int i = 0; i < gtes; i++) {
                int v = b.getInt();
                long off = Integer.toUnsignedLong(v) * 512;
                if (v != 0 && !(v == 1 && zeroedGrain) && (off >= fileSize && off >= nextAlloc)) {
                    throw new BlockException("vmdk: '" + filename + "': grain table entry " + ((long) gdIndex * gtes + i)
                            + " (sector " + Integer.toUnsignedString(v) + ") points beyond the end of the file");
                }
                t[i] = v;
            }
        }
        gtCache.put(gdIndex, t);
        return t;
    }

    @Override
    Run lookup(long off, long max) throws IOException {
        long grain = off / grainBytes;
        long in = off % grainBytes;
        long n = Math.min(max, grainBytes - in);
        if (grain == pendingGrain) return new Run(COMPRESSED, n, -2);
        int gdIndex = (int) (grain / gtes);
        int v = gt(gdIndex)[(int) (grain % gtes)];
        if (v == 0) return new Run(UNALLOCATED, n, -1);
        if (v == 1 && zeroedGrain) return new Run(ZERO, n, -1);
        long host = Integer.toUnsignedLong(v) * 512;
        if (compressed) return new Run(COMPRESSED, n, host);
        return new Run(DATA, n, host + in);
    }

    @Override
    void readCompressed(Run r, long off, ByteBuffer dst) throws IOException {
        long in = off % grainBytes;
        byte[] g;
        if (r.host() == -2) g = pendingData;
        else g = inflateGrain(r.host());
        dst.put(g, (int) in, dst.remaining());
    }

    private byte[] inflateGrain(long host) throws IOException {
        if (host == cachedGrainHost) return cachedGrain;
        long fileSize = file.size();
        int hdr = markers ? 12 : 0;
        long len;
        if (markers) {
            ByteBuffer m = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
            file.read(host, m);
            len = Integer.toUnsignedLong(m.getInt(8));
            if (len == 0) throw new BlockException("vmdk: '" + filename + "': grain at " + host + " is a metadata marker, not a grain");
        } else {
            len = Math.min(fileSize - host, 2 * grainBytes + 1024);
        }
        if (len > 2 * grainBytes + 1024 || host + hdr + len > fileSize) {
            throw new BlockException("vmdk: '" + filename + "': compressed grain at " + host + " (" + len + " bytes) is invalid or beyond the end of the file");
        }
        byte[] c = new byte[(int) len];
        file.read(host + hdr, ByteBuffer.wrap(c));
        byte[] out = new byte[(int) grainBytes];
        Inflater inf = new Inflater();
        try {
            inf.setInput(c);
            int n = 0;
            while (n < out.length && !inf.finished()) {
                int k = inf.inflate(out, n, out.length - n);
                if (k == 0 && (inf.needsInput() || inf.needsDictionary())) break;
                n += k;
            }
            if (!inf.finished() && n == out.length) {
                byte[] probe = new byte[1];
                if (inf.inflate(probe) > 0) throw new BlockException("vmdk: '" + filename + "': compressed grain at " + host + " inflates to more than a grain");
            }
            if (!inf.finished() && n < out.length) throw new BlockException("vmdk: '" + filename + "': compressed grain at " + host + " is truncated or corrupt");
        } catch (DataFormatException e) {
            throw new BlockException("vmdk: '" + filename + "': compressed grain at " + host + " is corrupt: " + e.getMessage());
        } finally {
            inf.end();
        }
        cachedGrainHost = host;
        cachedGrain = out;
        return out;
    }

    @Override
    void write(long off, ByteBuffer src, BaseReader base) throws IOException {
        if (gdAtEnd) throw new BlockException("vmdk: '" + filename + "': writing to a streamOptimized image with its grain directory at the end is not supported");
        while (src.hasRemaining()) {
            long grain = off / grainBytes;
            long in = off % grainBytes;
            if (!compressed && in == 0 && src.remaining() >= 2 * grainBytes) {
                int k = writeRun(grain, src.slice(src.position(), src.remaining()));
                if (k > 0) {
                    src.position(src.position() + (int) (k * grainBytes));
                    off += k * grainBytes;
                    continue;
                }
            }
            int n = (int) Math.min(src.remaining(), grainBytes - in);
            ByteBuffer part = src.slice(src.position(), n);
            if (compressed) writeStream(grain, in, part, base);
            else writeSparse(grain, in, part, base);
            src.position(src.position() + n);
            off += n;
        }
    }

    private int gte(long grain) throws IOException { return gt((int) (grain / gtes))[(int) (grain % gtes)]; }

    private void writeSparse(long grain, long in, ByteBuffer part, BaseReader base) throws IOException {
        int v = gte(grain);
        if (v != 0 && !(v == 1 && zeroedGrain)) {
            file.write(Integer.toUnsignedLong(v) * 512 + in, part);
            return;
        }
        ByteBuffer whole = ByteBuffer.allocate((int) grainBytes);
        if (v == 0 && part.remaining() < grainBytes) base.read(grain * grainBytes, whole.duplicate());
        whole.position((int) in);
        whole.put(part);
        whole.clear();
        long host = allocate(grainBytes);
        file.write(host, whole);
        setGte(grain, (int) (host / 512));
    }

    /**
     * Whole grains into consecutive unallocated entries of one grain table: one contiguous allocation,
     * one data write, then one write of the changed grain table entries (and of the redundant table's).
     * Returns the number of grains written (0 = not applicable).
     */
    private int writeRun(long grain, ByteBuffer src) throws IOException {
        int gdIndex = (int) (grain / gtes);
        int idx = (int) (grain % gtes);
        int[] t = gt(gdIndex);
        int k = 0;
        long max = Math.min(src.remaining() / grainBytes, gtes - idx);
        while (k < max && t[idx + k] == 0) k++;
        if (k < 2) return 0;
        long host = allocate(k * grainBytes);
        file.write(host, src.slice(0, (int) (k * grainBytes)));
        if (gd[gdIndex] == 0) allocateGt(gdIndex);
        ByteBuffer e = ByteBuffer.allocate(4 * k).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < k; i++) {
            t[idx + i] = (int) ((host + i * grainBytes) / 512);
            e.putInt(4 * i, t[idx + i]);
        }
        file.write(Integer.toUnsignedLong(gd[gdIndex]) * 512 + idx * 4L, e);
        if (rgd != null && rgd[gdIndex] != 0) file.write(Integer.toUnsignedLong(rgd[gdIndex]) * 512 + idx * 4L, e.clear());
        return k;
    }

    private long allocate(long bytes) throws BlockException {
        long host = nextAlloc;
        if ((host + bytes) / 512 > 0xffffffffL) throw new BlockException("vmdk: '" + filename + "': extent file would exceed the 2 TiB a grain table can address");
        nextAlloc = host + ((bytes + 511) & ~511L);
        return host;
    }

    private void setGte(long grain, int value) throws IOException {
        int gdIndex = (int) (grain / gtes);
        int idx = (int) (grain % gtes);
        int[] t = gt(gdIndex);
        if (gd[gdIndex] == 0) allocateGt(gdIndex);
        t[idx] = value;
        ByteBuffer e = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, value);
        file.write(Integer.toUnsignedLong(gd[gdIndex]) * 512 + idx * 4L, e);
        if (rgd != null && rgd[gdIndex] != 0) file.write(Integer.toUnsignedLong(rgd[gdIndex]) * 512 + idx * 4L, e.clear());
    }

    private void allocateGt(int gdIndex) throws IOException {
        long g = allocate(gtBytes);
        file.write(g, ByteBuffer.allocate((int) gtBytes));
        gd[gdIndex] = (int) (g / 512);
        ByteBuffer e = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, gd[gdIndex]);
        file.write(header.gdOffset * 512 + gdIndex * 4L, e);
        if (rgd != null) {
            long r = allocate(gtBytes);
            file.write(r, ByteBuffer.allocate((int) gtBytes));
            rgd[gdIndex] = (int) (r / 512);
            file.write(header.rgdOffset * 512 + gdIndex * 4L, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, rgd[gdIndex]));
        }
    }

    private void writeStream(long grain, long in, ByteBuffer part, BaseReader base) throws IOException {
        if (grain != pendingGrain) {
            int v = gte(grain);
            if (v != 0 && !(v == 1 && zeroedGrain)) {
                throw new BlockException("vmdk: '" + filename + "': can't write to an allocated grain in a streamOptimized image (grain " + grain + ")");
            }
            flushPending();
            pendingGrain = grain;
            pendingData = new byte[(int) grainBytes];
            pendingSectors = new BitSet();
            if (v == 0) base.read(grain * grainBytes, ByteBuffer.wrap(pendingData));
        }
        int n = part.remaining();
        part.get(pendingData, (int) in, n);
        pendingSectors.set((int) (in / 512), (int) ((in + n + 511) / 512));
        long grainEnd = Math.min(grainBytes, bytes() - grain * grainBytes);
        if (pendingSectors.cardinality() * 512L >= grainEnd) flushPending();
    }

    private void flushPending() throws IOException {
        if (pendingGrain < 0) return;
        long grain = pendingGrain;
        byte[] data = pendingData;
        pendingGrain = -1;
        pendingData = null;
        pendingSectors = null;
        cachedGrainHost = -1;
        Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION);
        byte[] out = new byte[data.length + data.length / 100 + 64];
        int len;
        try {
            d.setInput(data);
            d.finish();
            len = 0;
            while (!d.finished()) {
                if (len == out.length) out = java.util.Arrays.copyOf(out, out.length * 2);
                len += d.deflate(out, len, out.length - len);
            }
        } finally {
            d.end();
        }
        int hdr = markers ? 12 : 0;
        ByteBuffer b = ByteBuffer.allocate((int) ((hdr + len + 511) & ~511L)).order(ByteOrder.LITTLE_ENDIAN);
        if (markers) b.putLong(0, grain * header.grainSize).putInt(8, len);
        b.put(hdr, out, 0, len);
        long host = allocate(b.capacity());
        file.write(host, b);
        setGte(grain, (int) (host / 512));
        wroteStream = true;
    }

    @Override
    boolean zeroGrains(long off, long len) throws IOException {
        if (!zeroedGrain || compressed || !writable || gdAtEnd) return false;
        if (off % grainBytes != 0 || len % grainBytes != 0) return false;
        for (long g = off / grainBytes; g < (off + len) / grainBytes; g++) setGte(g, 1);
        return true;
    }

    @Override
    void flush() throws IOException {
        if (!writable) return;
        flushPending();
        file.flush();
    }

    @Override
    void close() throws IOException {
        try {
            if (writable && !file.readOnly()) {
                flushPending();
                if (wroteStream && markers) {
                    // end-of-stream marker after the last grain
                    file.write(allocate(512), ByteBuffer.allocate(512));
                }
                file.flush();
            }
        } finally {
            file.close();
        }
    }

    /** Adds the grains of this extent that point outside the file to {@code r} (virtual offsets from {@code base}). */
    void check(long base, org.jemu.block.ImageCheck r) throws IOException {
        long fileSize = Math.max(file.size(), nextAlloc);
        long grains = ceilDiv(sectors, header.grainSize);
        for (int g = 0; g < gd.length; g++) {
            if (gd[g] == 0) continue;
            ByteBuffer b = ByteBuffer.allocate(gtes * 4).order(ByteOrder.LITTLE_ENDIAN);
            file.read(Integer.toUnsignedLong(gd[g]) * 512, b);
            for (int i = 0; i < gtes && (long) g * gtes + i < grains; i++) {
                int v = b.getInt(i * 4);
                if (v == 0 || (v == 1 && zeroedGrain)) continue;
                long off = Integer.toUnsignedLong(v) * 512;
                long end = off + (compressed ? 12 : grainBytes);
                if (end > fileSize) {
                    long cluster = ((long) g * gtes + i) * grainBytes + base;
                    r.messages.add(String.format("ERROR: cluster %d: Invalid cluster offset: 0x%x", cluster / grainBytes, off));
                    r.corruptions++;
                }
            }
        }
    }
}
