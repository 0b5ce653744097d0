package org.jemu.block.qcow2;

import org.jemu.block.BlockException;
import org.jemu.block.BlockNode;
import org.jemu.block.BlockStatus;
import org.jemu.block.file.FileNode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A qcow2 image (QEMU's block/qcow2*.c): two-level L1/L2 mapping of guest clusters to host clusters,
 * refcount table + refcount blocks (refcount_order 0..6), copy-on-write of shared clusters (internal
 * snapshots), zero clusters, compressed clusters (zlib/zstd), extended L2 entries with 32 subclusters,
 * backing files.
 *
 * <p>Crash safety: metadata is written through in dependency order — a cluster's refcount is set
 * before any L2 entry points at it, data is written before the L2 entry that maps it, a new L2 table is
 * written before the L1 entry that points at it, and a cluster is freed only after the last reference
 * to it is gone. A process killed at any point therefore leaves at worst leaked clusters (which
 * {@code check -r leaks} reclaims). Flush = fdatasync of the file. With lazy_refcounts the dirty bit
 * is set before the first write and cleared on a clean close, as QEMU does.
 *
 * <p>All table offsets read from the image are validated before use (alignment, inside the file,
 * bounded sizes); a violation is a {@link BlockException} naming the structure.
 */
public final class Qcow2Node implements BlockNode {
    static final long L1E_OFFSET_MASK = 0x00fffffffffffe00L;
    static final long L2E_OFFSET_MASK = 0x00fffffffffffe00L;
    static final long REFT_OFFSET_MASK = 0xfffffffffffffe00L;
    static final long QCOW_OFLAG_COPIED = 1L << 63, QCOW_OFLAG_COMPRESSED = 1L << 62, QCOW_OFLAG_ZERO = 1L;
    static final long QCOW_MAX_L1_SIZE = 32L << 20;          // bytes
    static final long QCOW_MAX_REFTABLE_SIZE = 8L << 20;     // bytes
    static final int QCOW_MAX_SNAPSHOTS = 65536;
    static final long QCOW_MAX_SNAPSHOTS_SIZE = 64L << 20;
    static final long QCOW_L2_BITMAP_ALL_ZEROES = 0xffffffff00000000L;
    static final int CACHE_BYTES = 32 << 20;

    final BlockNode file;
    final BlockNode backing;
    final QcowHeader h;
    final boolean readOnly;
    final int cb;                 // cluster_bits
    final int cs;                 // cluster size
    final boolean extL2;
    final int l2EntrySize;        // 8 or 16
    final int l2Bits;             // log2(entries per L2 table)
    final int subclusterBits;     // log2(subcluster size)
    final int refcountBits;
    final int rbBits;             // log2(refcount entries per refcount block)
    final int csizeShift;
    final long csizeMask;
    final long clusterOffsetMask;

    long[] l1;
    long[] reftable;
    final List<QCowSnapshotHeader> snapshots = new ArrayList<>();

    private final LinkedHashMap<Long, long[]> l2Cache;
    private final LinkedHashMap<Long, byte[]> rbCache;
    private long freeClusterIndex;
    private long compressedCur = -1;
    private int compressedUsed;
    private boolean dirtySet;
    private byte[] lastDecompressed;
    private long lastDecompressedEntry = -1;
    private boolean closed;

    Qcow2Node(BlockNode file, QcowHeader h, BlockNode backing, boolean readOnly) throws IOException {
        this.file = file;
        this.h = h;
        this.backing = backing;
        this.readOnly = readOnly;
        this.cb = h.cluster_bits;
        this.cs = 1 << cb;
        this.extL2 = (h.incompatible_features & QcowHeader.QCOW2_INCOMPAT_EXTL2) != 0;
        this.l2EntrySize = extL2 ? 16 : 8;
        this.l2Bits = cb - (extL2 ? 4 : 3);
        this.subclusterBits = extL2 ? cb - 5 : cb;
        this.refcountBits = 1 << h.refcount_order;
        this.rbBits = cb + 3 - h.refcount_order;
        this.csizeShift = 62 - (cb - 8);
        this.csizeMask = (1L << (cb - 8)) - 1;
        this.clusterOffsetMask = (1L << csizeShift) - 1;
        int maxL2 = Math.max(16, CACHE_BYTES / cs);
        this.l2Cache = new LinkedHashMap<>(64, 0.75f, true) {
            @Override protected boolean removeEldestEntry(Map.Entry<Long, long[]> e) { return size() > maxL2 && !dirtyL2.containsKey(e.getKey()); }
        };
        this.rbCache = new LinkedHashMap<>(64, 0.75f, true) {
            @Override protected boolean removeEldestEntry(Map.Entry<Long, byte[]> e) { return size() > maxL2 && !dirtyRb.containsKey(e.getKey()); }
        };
        if (extL2 && cb < 14) throw new BlockException("Extended L2 entries are only supported with cluster sizes of at least 16384 bytes");
        validateAndLoad();
    }

    // ------------------------------------------------------------------------------------------------
    // open-time validation

    private void validateAndLoad() throws IOException {
        long fileSize = file.size();
        long unknown = h.incompatible_features & ~QcowHeader.QCOW2_INCOMPAT_KNOWN;
        if (unknown != 0) throw new BlockException("Unsupported qcow2 feature(s): " + h.unknownIncompatibleNames(unknown));
        if ((h.incompatible_features & QcowHeader.QCOW2_INCOMPAT_CORRUPT) != 0 && !readOnly) {
            throw new BlockException("qcow2: Image is corrupt; cannot be opened read/write");
        }
        if (h.crypt_method != 0) throw new BlockException("Encrypted qcow2 images are not supported");
        // L1
        if (Integer.toUnsignedLong(h.l1_size) > QCOW_MAX_L1_SIZE / 8) throw new BlockException("Active L1 table too large");
        long l2Coverage = (long) cs << l2Bits;
        long needL1 = (h.size + l2Coverage - 1) / l2Coverage;
        if (needL1 > QCOW_MAX_L1_SIZE / 8) throw new BlockException("Image is too big for an L1 table of at most " + QCOW_MAX_L1_SIZE + " bytes");
        if (h.l1_size < needL1) throw new BlockException("L1 table is too small");
        checkTable("L1", h.l1_table_offset, (long) h.l1_size * 8, fileSize);
        l1 = readLongs(h.l1_table_offset, h.l1_size);
        // refcount table
        if (Integer.toUnsignedLong(h.refcount_table_clusters) > QCOW_MAX_REFTABLE_SIZE / cs) {
            throw new BlockException("Reference count table too large");
        }
        if (h.refcount_table_clusters == 0) throw new BlockException("Image does not contain a reference count table");
        checkTable("Reference count", h.refcount_table_offset, (long) h.refcount_table_clusters * cs, fileSize);
        reftable = readLongs(h.refcount_table_offset, (int) ((long) h.refcount_table_clusters * cs / 8));
        // snapshots
        if (Integer.toUnsignedLong(h.nb_snapshots) > QCOW_MAX_SNAPSHOTS) throw new BlockException("Too many snapshots");
        if (h.nb_snapshots > 0) {
            if (h.snapshots_offset % cs != 0 || h.snapshots_offset <= 0) throw new BlockException("Invalid snapshot table offset");
            if (h.snapshots_offset >= fileSize) throw new BlockException("Snapshot table offset beyond the end of the file");
            long maxLen = Math.min(fileSize - h.snapshots_offset, QCOW_MAX_SNAPSHOTS_SIZE);
            ByteBuffer b = ByteBuffer.allocate((int) maxLen);
            file.read(h.snapshots_offset, b);
            b.flip();
            for (int i = 0; i < h.nb_snapshots; i++) {
                QCowSnapshotHeader s = QCowSnapshotHeader.parse(b, i, h.version >= 3, h.size);
                if (Integer.toUnsignedLong(s.l1_size) > QCOW_MAX_L1_SIZE / 8) throw new BlockException("Snapshot L1 table too large");
                checkTable("Snapshot L1", s.l1_table_offset, (long) s.l1_size * 8, fileSize);
                snapshots.add(s);
            }
        }
        freeClusterIndex = 0;
    }

    private void checkTable(String what, long offset, long len, long fileSize) throws BlockException {
        if (len == 0) return;
        if (offset <= 0 || offset % cs != 0) throw new BlockException("Invalid " + what + " table offset 0x" + Long.toHexString(offset));
        if (offset >= fileSize) throw new BlockException(what + " table at 0x" + Long.toHexString(offset) + " lies beyond the end of the file");
        if (offset + len < 0) throw new BlockException(what + " table size overflows");
    }

    private long[] readLongs(long offset, int n) throws IOException {
        long[] out = new long[n];
        if (n == 0) return out;
        ByteBuffer b = ByteBuffer.allocate(n * 8);
        file.read(offset, b);
        b.flip().asLongBuffer().get(out);
        return out;
    }

    // ------------------------------------------------------------------------------------------------
    // BlockNode basics

    @Override public String formatName() { return "qcow2"; }
    @Override public synchronized long size() { return h.size; }
    @Override public boolean readOnly() { return readOnly; }
    @Override public BlockNode backing() { return backing; }
    @Override public long clusterSize() { return cs; }
    @Override public void prepareBulkWrites() { file.prepareBulkWrites(); }
    @Override public String backingFilename() { return h.backingFile; }
    @Override public String backingFormat() { return h.backingFormat; }
    @Override public boolean dirtyFlag() { return (h.incompatible_features & QcowHeader.QCOW2_INCOMPAT_DIRTY) != 0; }
    @Override public long allocatedFileSize() throws IOException { return file.allocatedFileSize(); }
    public BlockNode file() { return file; }
    public int version() { return h.version; }
    public boolean extendedL2() { return extL2; }
    public int refcountBits() { return refcountBits; }
    public boolean lazyRefcounts() { return (h.compatible_features & QcowHeader.QCOW2_COMPAT_LAZY_REFCOUNTS) != 0; }
    public boolean corrupt() { return (h.incompatible_features & QcowHeader.QCOW2_INCOMPAT_CORRUPT) != 0; }
    public String compressionTypeName() { return h.compression_type == QcowHeader.QCOW2_COMPRESSION_TYPE_ZSTD ? "zstd" : "zlib"; }
    public int compressionType() { return h.compression_type; }

    @Override
    public Map<String, Object> formatSpecificInfo() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("compat", h.version >= 3 ? "1.1" : "0.10");
        m.put("compression-type", compressionTypeName());
        if (h.version >= 3) m.put("lazy-refcounts", lazyRefcounts());
        m.put("refcount-bits", refcountBits);
        if (h.version >= 3) {
            m.put("corrupt", corrupt());
            m.put("extended-l2", extL2);
        }
        return m;
    }

    // ------------------------------------------------------------------------------------------------
    // tables

    /** L2 table (entries; for extended L2 pairs entry, bitmap) at {@code off}, validated. */
    long[] loadL2(long off) throws IOException {
        long[] t = l2Cache.get(off);
        if (t != null) return t;
        if ((off & (cs - 1)) != 0) throw new BlockException("L2 table offset 0x" + Long.toHexString(off) + " unaligned");
        if (off >= file.size()) throw new BlockException("L2 table offset 0x" + Long.toHexString(off) + " beyond the end of the file");
        if (off == 0) throw new BlockException("L2 table overlaps the image header");
        t = readLongs(off, cs / 8);
        l2Cache.put(off, t);
        return t;
    }

    /** The L2 entry (and bitmap at [1]) for guest cluster {@code gc}; zeros if unallocated. */
    private void l2Lookup(long gc, long[] out) throws IOException {
        long l1i = gc >>> l2Bits;
        out[0] = 0; out[1] = 0;
        if (l1i >= l1.length) return;
        long l2off = l1[(int) l1i] & L1E_OFFSET_MASK;
        if (l2off == 0) return;
        long[] t = loadL2(l2off);
        int idx = (int) (gc & ((1L << l2Bits) - 1));
        if (extL2) { out[0] = t[2 * idx]; out[1] = t[2 * idx + 1]; }
        else out[0] = t[idx];
    }

    // ------------------------------------------------------------------------------------------------
    // refcounts

    private long refcountOfBlock(byte[] rb, int idx) {
        return switch (h.refcount_order) {
            case 0 -> (rb[idx >>> 3] >>> (idx & 7)) & 1;
            case 1 -> (rb[idx >>> 2] >>> (2 * (idx & 3))) & 3;
            case 2 -> (rb[idx >>> 1] >>> (4 * (idx & 1))) & 15;
            case 3 -> rb[idx] & 0xff;
            case 4 -> ((rb[2 * idx] & 0xff) << 8) | (rb[2 * idx + 1] & 0xff);
            case 5 -> Integer.toUnsignedLong(((rb[4 * idx] & 0xff) << 24) | ((rb[4 * idx + 1] & 0xff) << 16) | ((rb[4 * idx + 2] & 0xff) << 8) | (rb[4 * idx + 3] & 0xff));
            default -> ByteBuffer.wrap(rb).getLong(8 * idx);
        };
    }

    private int[] setRefcountInBlock(byte[] rb, int idx, long v) { return setRefcountRaw(rb, h.refcount_order, idx, v); }

    /** Sets the entry in the block buffer and returns the byte range [from, to) to write back. */
    static int[] setRefcountRaw(byte[] rb, int order, int idx, long v) {
        switch (order) {
            case 0 -> { int s = idx & 7; rb[idx >>> 3] = (byte) ((rb[idx >>> 3] & ~(1 << s)) | ((int) v << s)); return new int[]{idx >>> 3, (idx >>> 3) + 1}; }
            case 1 -> { int s = 2 * (idx & 3); rb[idx >>> 2] = (byte) ((rb[idx >>> 2] & ~(3 << s)) | ((int) v << s)); return new int[]{idx >>> 2, (idx >>> 2) + 1}; }
            case 2 -> { int s = 4 * (idx & 1); rb[idx >>> 1] = (byte) ((rb[idx >>> 1] & ~(15 << s)) | ((int) v << s)); return new int[]{idx >>> 1, (idx >>> 1) + 1}; }
            case 3 -> { rb[idx] = (byte) v; return new int[]{idx, idx + 1}; }
            case 4 -> { rb[2 * idx] = (byte) (v >>> 8); rb[2 * idx + 1] = (byte) v; return new int[]{2 * idx, 2 * idx + 2}; }
            case 5 -> { ByteBuffer.wrap(rb).putInt(4 * idx, (int) v); return new int[]{4 * idx, 4 * idx + 4}; }
            default -> { ByteBuffer.wrap(rb).putLong(8 * idx, v); return new int[]{8 * idx, 8 * idx + 8}; }
        }
    }

    private long maxRefcount() { return refcountBits == 64 ? -1L : (1L << refcountBits) - 1; }

    private byte[] loadRefblock(long off) throws IOException {
        byte[] rb = rbCache.get(off);
        if (rb != null) return rb;
        if ((off & (cs - 1)) != 0) throw new BlockException("Refblock offset 0x" + Long.toHexString(off) + " unaligned");
        if (off >= file.size()) throw new BlockException("Refblock offset 0x" + Long.toHexString(off) + " beyond the end of the file");
        rb = new byte[cs];
        file.read(off, ByteBuffer.wrap(rb));
        rbCache.put(off, rb);
        return rb;
    }

    /** Stored refcount of host cluster {@code c} (0 beyond the refcount table's coverage). */
    long getRefcount(long c) throws IOException {
        long i = c >>> rbBits;
        if (i >= reftable.length) return 0;
        long off = reftable[(int) i] & REFT_OFFSET_MASK;
        if (off == 0) return 0;
        return refcountOfBlock(loadRefblock(off), (int) (c & ((1L << rbBits) - 1)));
    }

    private long reservedStart = -1, reservedEnd = -1; // clusters being allocated right now

    /** Sets the stored refcount of cluster {@code c}, creating refcount blocks / growing the table as needed. */
    void setRefcount(long c, long v) throws IOException {
        if (refcountBits < 64 && Long.compareUnsigned(v, maxRefcount()) > 0) {
            throw new BlockException("Refcount overflow for cluster " + c + " (refcount_bits=" + refcountBits + ")");
        }
        long i = c >>> rbBits;
        ensureRefblock(i);
        long off = reftable[(int) i] & REFT_OFFSET_MASK;
        byte[] rb = loadRefblock(off);
        int idx = (int) (c & ((1L << rbBits) - 1));
        boolean deferred = through == 0 && Long.compareUnsigned(v, refcountOfBlock(rb, idx)) >= 0;
        // a decrement reaches the disk only after every reference that was dropped is gone from it
        if (!deferred && flushMetadata()) file.flush();
        if (v == 0) drainUnlockedIO();
        int[] r = setRefcountInBlock(rb, idx, v);
        if (deferred) markDirty(dirtyRb, off, r[0], r[1]);
        else file.write(off + r[0], ByteBuffer.wrap(rb, r[0], r[1] - r[0]));
        if (v == 0 && c < freeClusterIndex) freeClusterIndex = c;
    }

    void addRefcount(long c, long delta) throws IOException {
        long cur = getRefcount(c);
        long nv = cur + delta;
        if (delta < 0 && Long.compareUnsigned(cur, -delta) < 0) {
            throw new BlockException("Refcount of cluster " + c + " would become negative (image corrupt)");
        }
        if (delta > 0 && (refcountBits == 64 ? Long.compareUnsigned(nv, cur) < 0 : Long.compareUnsigned(nv, maxRefcount()) > 0)) {
            throw new BlockException("Refcount overflow for cluster " + c + " (refcount_bits=" + refcountBits + ")");
        }
        setRefcount(c, nv);
    }

    private void ensureRefblock(long i) throws IOException {
        if (i < reftable.length && (reftable[(int) i] & REFT_OFFSET_MASK) != 0) return;
        // a new refcount block (or table) is rare: its writes go through, after the cached changes
        if (flushMetadata()) file.flush();
        through++;
        try { ensureRefblock0(i); } finally { through--; }
    }

    private void ensureRefblock0(long i) throws IOException {
        if (i >= reftable.length) growRefcountTable(i);
        if ((reftable[(int) i] & REFT_OFFSET_MASK) != 0) return;
        long per = 1L << rbBits;
        // place the new block inside the range it describes (it then counts itself)
        long k = i * per;
        while (inReserved(k) || avoid.contains(k) || getRefcount(k) != 0) k++;
        long blockOff = k << cb;
        byte[] rb = new byte[cs];
        boolean self = (k >>> rbBits) == i;
        if (self) setRefcountInBlock(rb, (int) (k & (per - 1)), 1);
        file.write(blockOff, ByteBuffer.wrap(rb));
        rbCache.put(blockOff, rb);
        reftable[(int) i] = blockOff;
        writeLong(h.refcount_table_offset + i * 8, blockOff);
        if (!self) {
            // the block lives in another block's range; that block may have to be created too, and must
            // not pick this same cluster
            long rs = reservedStart, re = reservedEnd;
            avoid.add(k);
            try {
                setRefcount(k, 1);
            } finally {
                avoid.remove(k);
                reservedStart = rs; reservedEnd = re;
            }
        }
    }

    private final java.util.Set<Long> avoid = new java.util.HashSet<>();

    private boolean inReserved(long c) { return c >= reservedStart && c < reservedEnd; }

    /** Grows the refcount table so index {@code need} exists: new table + the refblocks covering it at the end of the file. */
    private void growRefcountTable(long need) throws IOException {
        long per = 1L << rbBits;
        long entriesPerCluster = cs / 8;
        long fileEndCluster = (file.size() + cs - 1) >>> cb;
        long t = Math.max(fileEndCluster, reservedEnd);
        long newEntries = Math.max(need + 1, reftable.length + reftable.length / 2 + 1);
        long tc, nb;
        List<Long> blocks;
        while (true) {
            newEntries = (newEntries + entriesPerCluster - 1) / entriesPerCluster * entriesPerCluster;
            tc = newEntries / entriesPerCluster;
            nb = 0;
            blocks = new ArrayList<>();
            while (true) {
                blocks.clear();
                long first = t >>> rbBits, last = (t + tc + nb - 1) >>> rbBits;
                for (long j = first; j <= last; j++) if (j >= reftable.length || (reftable[(int) j] & REFT_OFFSET_MASK) == 0) blocks.add(j);
                if (blocks.size() == nb) break;
                nb = blocks.size();
            }
            long lastIdx = (t + tc + nb - 1) >>> rbBits;
            if (lastIdx < newEntries && need < newEntries) break;
            newEntries = Math.max(newEntries, lastIdx + 1) * 2;
        }
        if (tc * cs > QCOW_MAX_REFTABLE_SIZE) throw new BlockException("Reference count table too large (image too big for refcount_bits=" + refcountBits + ")");
        long[] nt = Arrays.copyOf(reftable, (int) newEntries);
        for (int m = 0; m < blocks.size(); m++) {
            long j = blocks.get(m);
            long boff = (t + tc + m) << cb;
            byte[] rb = new byte[cs];
            for (long c = Math.max(t, j * per); c < Math.min(t + tc + nb, (j + 1) * per); c++) setRefcountInBlock(rb, (int) (c & (per - 1)), 1);
            file.write(boff, ByteBuffer.wrap(rb));
            rbCache.put(boff, rb);
            nt[(int) j] = boff;
        }
        ByteBuffer tb = ByteBuffer.allocate((int) (tc * cs));
        tb.asLongBuffer().put(nt);
        file.write(t << cb, tb);
        file.flush();
        long oldOff = h.refcount_table_offset;
        int oldClusters = h.refcount_table_clusters;
        h.refcount_table_offset = t << cb;
        h.refcount_table_clusters = (int) tc;
        ByteBuffer hb = ByteBuffer.allocate(12).putLong(h.refcount_table_offset).putInt(h.refcount_table_clusters);
        file.write(48, hb.flip());
        file.flush();
        reftable = nt;
        for (long c = oldOff >>> cb; c < (oldOff >>> cb) + oldClusters; c++) addRefcount(c, -1);
    }

    /** Allocates {@code n} contiguous clusters with refcount 1; returns the host offset. */
    long allocClusters(int n) throws IOException {
        long start = freeClusterIndex;
        while (true) {
            long run = 0;
            long c = start;
            while (run < n) {
                if (getRefcount(c) != 0) { start = c + 1; run = 0; c = start; continue; }
                run++; c++;
            }
            // refcount blocks for the range may have to be created, which may take clusters of the range
            reservedStart = start; reservedEnd = start + n;
            boolean clash = false;
            try {
                for (long x = start; x < start + n; x++) {
                    if (getRefcount(x) != 0) { clash = true; break; }
                    setRefcount(x, 1);
                }
            } finally {
                reservedStart = reservedEnd = -1;
            }
            if (!clash) {
                if (n == 1 || start == freeClusterIndex) freeClusterIndex = start + n;
                return start << cb;
            }
            // a refcount block landed inside our range: give back what we took and look further
            for (long x = start; x < start + n; x++) if (getRefcount(x) == 1 && !isRefblockCluster(x)) setRefcount(x, 0);
            start = start + 1;
        }
    }

    boolean isRefcountMetadata(long c) {
        long t0 = h.refcount_table_offset >>> cb;
        return (c >= t0 && c < t0 + h.refcount_table_clusters) || isRefblockCluster(c);
    }

    private boolean isRefblockCluster(long c) {
        long off = c << cb;
        for (long e : reftable) if ((e & REFT_OFFSET_MASK) == off) return true;
        return false;
    }

    void freeClusters(long hostOff, long bytes) throws IOException {
        if (bytes <= 0) return;
        long first = hostOff >>> cb, last = (hostOff + bytes - 1) >>> cb;
        for (long c = first; c <= last; c++) addRefcount(c, -1);
    }

    // ------------------------------------------------------------------------------------------------
    // write-back metadata cache
    //
    // Guest writes change refcount blocks, L2 tables and the L1 table in memory only; flushMetadata()
    // writes them in dependency order: refcount blocks (which then hold only increments), then L2
    // tables, then the L1 table. Data clusters are written before the in-memory L2 entry that maps them
    // changes, and a refcount decrement first flushes everything (so no table on disk still points at
    // a cluster whose refcount is dropped) and is then written through. A process killed at any point
    // therefore leaves on disk an image whose refcounts are at least the real references: leaks only.
    // Structural operations (snapshots, resize, amend, check, refcount table growth) run write-through
    // ({@code through > 0}) after a flush.

    /** Dirty byte ranges [from, to) of refcount blocks, and entry ranges (in longs) of L2 tables, by host offset. */
    private final java.util.TreeMap<Long, int[]> dirtyRb = new java.util.TreeMap<>();
    private final java.util.TreeMap<Long, int[]> dirtyL2 = new java.util.TreeMap<>();
    private int l1DirtyFrom = Integer.MAX_VALUE, l1DirtyTo = -1;
    private int through;
    static final int DIRTY_LIMIT = 256;

    private static void markDirty(java.util.TreeMap<Long, int[]> m, long off, int from, int to) {
        int[] r = m.get(off);
        if (r == null) m.put(off, new int[]{from, to});
        else { r[0] = Math.min(r[0], from); r[1] = Math.max(r[1], to); }
    }

    /**
     * Writes the cached metadata changes in dependency order (refcounts, L2 tables, L1), with a flush of
     * the file between dependent groups (as QEMU's cache dependencies; free with cache=unsafe) so that
     * the order also holds across a power failure. Returns whether anything was written.
     */
    synchronized boolean flushMetadata() throws IOException {
        boolean rbs = !dirtyRb.isEmpty(), l2s = !dirtyL2.isEmpty(), l1s = l1DirtyTo >= 0;
        if (!rbs && !l2s && !l1s) return false;
        for (Map.Entry<Long, int[]> e : dirtyRb.entrySet()) {
            byte[] rb = rbCache.get(e.getKey());
            int[] r = e.getValue();
            file.write(e.getKey() + r[0], ByteBuffer.wrap(rb, r[0], r[1] - r[0]));
        }
        dirtyRb.clear();
        if (rbs && (l2s || l1s)) file.flush();
        for (Map.Entry<Long, int[]> e : dirtyL2.entrySet()) {
            long[] t = l2Cache.get(e.getKey());
            int[] r = e.getValue();
            ByteBuffer b = ByteBuffer.allocate((r[1] - r[0]) * 8);
            b.asLongBuffer().put(t, r[0], r[1] - r[0]);
            file.write(e.getKey() + 8L * r[0], b);
        }
        dirtyL2.clear();
        if (l2s && l1s) file.flush();
        if (l1DirtyTo >= 0) {
            ByteBuffer b = ByteBuffer.allocate((l1DirtyTo - l1DirtyFrom) * 8);
            b.asLongBuffer().put(l1, l1DirtyFrom, l1DirtyTo - l1DirtyFrom);
            file.write(h.l1_table_offset + 8L * l1DirtyFrom, b);
            l1DirtyFrom = Integer.MAX_VALUE; l1DirtyTo = -1;
        }
        return true;
    }

    /** Bounds the memory the dirty tables hold. */
    private void maybeFlushMetadata() throws IOException {
        // at most 256 tables and at most CACHE_BYTES of them (2 MiB clusters: 16 tables)
        if (dirtyRb.size() + dirtyL2.size() > Math.min(DIRTY_LIMIT, Math.max(4, CACHE_BYTES >> cb))) flushMetadata();
    }

    /** Runs a structural operation write-through, after the cached changes are on disk. */
    private interface MetaOp { void run() throws IOException; }
    private synchronized void writeThrough(MetaOp op) throws IOException {
        awaitNoPending();
        drainUnlockedIO();   // as QEMU drains requests before snapshot/resize/check
        if (flushMetadata()) file.flush();
        through++;
        try { op.run(); } finally { through--; }
    }

    private void writeLong(long off, long v) throws IOException {
        file.write(off, ByteBuffer.allocate(8).putLong(0, v));
    }

    // ------------------------------------------------------------------------------------------------
    // read

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        int len = dst.remaining();
        checkRange(offset, len);
        readGuest0(offset, dst, len);
        dst.position(dst.position() + len);
    }

    private void checkRange(long offset, long len) throws BlockException {
        if (offset < 0 || len < 0 || offset + len > h.size || offset + len < 0) {
            throw new BlockException("Request out of range: offset " + offset + " length " + len + " (image size " + h.size + ")");
        }
    }

    /**
     * Guest read. Runs of data clusters that are contiguous in the host file become one read, done
     * outside the node's lock (several threads read in parallel; see {@link #unlockedIO}).
     */
    void readGuest(long offset, byte[] buf, int pos, int len) throws IOException {
        readGuest0(offset, ByteBuffer.wrap(buf, pos, len), len);
    }

    /** Reads {@code len} bytes into {@code dst} from its position on (the position is not moved). */
    private void readGuest0(long offset, ByteBuffer dst, int len) throws IOException {
        long[] e = new long[2];
        boolean heap = dst.hasArray();
        byte[] buf = heap ? dst.array() : null;
        int pos = heap ? dst.arrayOffset() + dst.position() : dst.position();
        byte[] tmp = null;
        while (len > 0) {
            long runHost;
            int run;
            synchronized (this) {
                long gc = offset >>> cb;
                int in = (int) (offset & (cs - 1));
                int n = Math.min(len, cs - in);
                l2Lookup(gc, e);
                long host = plainHost(e[0]);
                if (host < 0) {
                    if (heap) readCluster(gc, e[0], e[1], in, buf, pos, n);
                    else if (readsAsZero(e[0])) {
                        java.lang.foreign.MemorySegment.ofBuffer(dst).asSlice(pos - dst.position(), n).fill((byte) 0);
                    } else {
                        if (tmp == null) tmp = new byte[Math.min(cs, len)];
                        readCluster(gc, e[0], e[1], in, tmp, 0, n);
                        dst.put(pos, tmp, 0, n);
                    }
                    offset += n; pos += n; len -= n;
                    continue;
                }
                runHost = host + in;
                run = contiguousRun(gc, host, n, len, e, false);
                unlockedIO.incrementAndGet();
            }
            try {
                file.read(runHost, heap ? ByteBuffer.wrap(buf, pos, run) : dst.slice(pos, run));
            } finally {
                unlockedIO.decrementAndGet();
            }
            offset += run; pos += run; len -= run;
        }
    }

    /** True when a (non-extended) L2 entry reads as zeroes without any I/O: a zero cluster, or unallocated without a backing file. */
    private boolean readsAsZero(long entry) {
        if (extL2 || (entry & QCOW_OFLAG_COMPRESSED) != 0) return false;
        if ((entry & QCOW_OFLAG_ZERO) != 0 && h.version >= 3) return true;
        return (entry & L2E_OFFSET_MASK) == 0 && backing == null;
    }

    /** Host offset of a plain (allocated, uncompressed, not zero) data cluster of a non-extended-L2 image, validated; -1 otherwise. */
    private long plainHost(long entry) throws BlockException {
        if (extL2 || (entry & QCOW_OFLAG_COMPRESSED) != 0) return -1;
        if ((entry & QCOW_OFLAG_ZERO) != 0 && h.version >= 3) return -1;
        long host = entry & L2E_OFFSET_MASK;
        if (host == 0) return -1;
        if ((host & (cs - 1)) != 0) throw new BlockException("Data cluster offset 0x" + Long.toHexString(host) + " unaligned (image corrupt)");
        if (host >= file.size()) throw new BlockException("Data cluster offset 0x" + Long.toHexString(host) + " beyond the end of the file (image corrupt)");
        return host;
    }

    private void readCluster(long gc, long entry, long bitmap, int in, byte[] buf, int pos, int n) throws IOException {
        long guestBase = gc << cb;
        if ((entry & QCOW_OFLAG_COMPRESSED) != 0) {
            byte[] data = decompressCluster(entry);
            System.arraycopy(data, in, buf, pos, n);
            return;
        }
        long host = entry & L2E_OFFSET_MASK;
        if (!extL2) {
            if ((entry & QCOW_OFLAG_ZERO) != 0 && h.version >= 3) { Arrays.fill(buf, pos, pos + n, (byte) 0); return; }
            if (host == 0) { readBacking(guestBase + in, buf, pos, n); return; }
            readHost(host, in, buf, pos, n);
            return;
        }
        // extended L2: per subcluster
        int scs = 1 << subclusterBits;
        while (n > 0) {
            int sc = in >>> subclusterBits;
            int m = Math.min(n, scs - (in & (scs - 1)));
            // extend the run over following subclusters of the same kind
            int kind = subclusterKind(bitmap, sc);
            while (m < n && subclusterKind(bitmap, (in + m) >>> subclusterBits) == kind) m += Math.min(n - m, scs);
            switch (kind) {
                case 1 -> {
                    if (host == 0) throw new BlockException("Allocated subcluster of guest cluster " + gc + " has no host offset (image corrupt)");
                    readHost(host, in, buf, pos, m);
                }
                case 2 -> Arrays.fill(buf, pos, pos + m, (byte) 0);
                default -> readBacking(guestBase + in, buf, pos, m);
            }
            in += m; pos += m; n -= m;
        }
    }

    /** 0 = unallocated, 1 = allocated, 2 = reads as zero; both bits set is corruption. */
    private static int subclusterKind(long bitmap, int sc) throws BlockException {
        boolean a = (bitmap & (1L << sc)) != 0, z = (bitmap & (1L << (32 + sc))) != 0;
        if (a && z) throw new BlockException("Subcluster " + sc + " is both allocated and zero in an extended L2 bitmap (image corrupt)");
        return a ? 1 : z ? 2 : 0;
    }

    private void readHost(long host, int in, byte[] buf, int pos, int n) throws IOException {
        if ((host & (cs - 1)) != 0) throw new BlockException("Data cluster offset 0x" + Long.toHexString(host) + " unaligned (image corrupt)");
        if (host >= file.size()) throw new BlockException("Data cluster offset 0x" + Long.toHexString(host) + " beyond the end of the file (image corrupt)");
        file.read(host + in, ByteBuffer.wrap(buf, pos, n));
    }

    private void readBacking(long off, byte[] buf, int pos, int n) throws IOException {
        if (backing == null) { Arrays.fill(buf, pos, pos + n, (byte) 0); return; }
        long bs = backing.size();
        int inB = (int) Math.max(0, Math.min(n, bs - off));
        if (inB > 0) backing.read(off, ByteBuffer.wrap(buf, pos, inB));
        if (inB < n) Arrays.fill(buf, pos + inB, pos + n, (byte) 0);
    }

    long[] parseCompressed(long entry) {
        long coffset = entry & clusterOffsetMask;
        long nbCsectors = ((entry >>> csizeShift) & csizeMask) + 1;
        long csize = nbCsectors * 512 - (coffset & 511);
        return new long[]{coffset, csize};
    }

    private byte[] decompressCluster(long entry) throws IOException {
        if (entry == lastDecompressedEntry && lastDecompressed != null) return lastDecompressed;
        long[] p = parseCompressed(entry);
        long coffset = p[0], csize = p[1];
        long fsz = file.size();
        if (coffset >= fsz || coffset < cs) {
            throw new BlockException("Compressed cluster at host offset 0x" + Long.toHexString(coffset) + " lies outside the image data (image corrupt)");
        }
        int avail = (int) Math.min(csize, fsz - coffset);
        byte[] in = new byte[avail];
        file.read(coffset, ByteBuffer.wrap(in));
        byte[] out = new byte[cs];
        Compression.decompress(h.compression_type, in, avail, out);
        lastDecompressed = out;
        lastDecompressedEntry = entry;
        return out;
    }

    // ------------------------------------------------------------------------------------------------
    // write

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        int len = src.remaining();
        checkRange(offset, len);
        if (src.hasArray()) writeGuest(offset, src.array(), src.arrayOffset() + src.position(), len);
        else writeGuestDirect(offset, src.slice());
        src.position(src.position() + len);
    }

    /**
     * A write from a direct buffer: whole-cluster runs into unallocated clusters go from the buffer to
     * the file without a copy; runs of allocated, unshared clusters that are contiguous in the host file
     * are written in place, outside the node's lock (see {@link #unlockedIO}).
     */
    private void writeGuestDirect(long offset, ByteBuffer src) throws IOException {
        int pos = 0, len = src.remaining();
        byte[] tmp = null;
        long[] e = new long[2];
        while (len > 0) {
            long runHost;
            int run;
            synchronized (this) {
                checkWritable();
                if (!pendingRuns.isEmpty()) awaitNotPending(offset >>> cb, ((offset + len - 1) >>> cb) + 1);
                long gc = offset >>> cb;
                int in = (int) (offset & (cs - 1));
                int n = Math.min(len, cs - in);
                l2Lookup(gc, e);
                long host = inPlaceHost(e[0]);
                if (host < 0) {
                    if (!extL2 && in == 0 && len >= 2 * cs) {
                        int done = writeRun(gc, src.slice(pos, len), len >>> cb);
                        if (done > 0) {
                            offset += (long) done << cb; pos += done << cb; len -= done << cb;
                            maybeFlushMetadata();
                            continue;
                        }
                    }
                    if (tmp == null || tmp.length < n) tmp = new byte[Math.min(cs, len)];
                    src.get(pos, tmp, 0, n);
                    writeCluster(gc, in, tmp, 0, n);
                    offset += n; pos += n; len -= n;
                    maybeFlushMetadata();
                    continue;
                }
                runHost = host + in;
                run = contiguousRun(gc, host, n, len, e, true);
                unlockedIO.incrementAndGet();
            }
            try {
                file.write(runHost, src.slice(pos, run));
            } finally {
                unlockedIO.decrementAndGet();
            }
            offset += run; pos += run; len -= run;
        }
    }

    /**
     * Length of the run starting with the first cluster's {@code n} bytes at {@code host} (guest cluster
     * {@code gc}) that the following clusters extend contiguously in the host file, up to {@code len} bytes:
     * plain data clusters for a read, in-place-writable ones ({@code inPlace}) for a write.
     */
    private int contiguousRun(long gc, long host, int n, int len, long[] e, boolean inPlace) throws IOException {
        int run = n;
        while (run < len) {
            long ngc = gc + 1 + ((long) (run - n) >>> cb);
            l2Lookup(ngc, e);
            long nh = inPlace ? inPlaceHost(e[0]) : plainHost(e[0]);
            if (nh != host + ((ngc - gc) << cb)) break;
            run += Math.min(len - run, cs);
        }
        return run;
    }

    /** Host offset of an allocated, unshared (COPIED), uncompressed, non-zero cluster (non-extended L2), validated; -1 otherwise. */
    private long inPlaceHost(long entry) throws BlockException {
        if ((entry & QCOW_OFLAG_COPIED) == 0) return -1;
        return plainHost(entry);
    }

    /**
     * Data reads and in-place writes in progress outside the lock. A cluster whose refcount drops to
     * zero could be handed out again at once, so freeing one first waits until no such request (which
     * may still be using the old mapping) is in flight; requests that start later look the mapping up
     * again under the lock, which the freeing thread holds.
     */
    private final java.util.concurrent.atomic.AtomicInteger unlockedIO = new java.util.concurrent.atomic.AtomicInteger();

    private void drainUnlockedIO() {
        while (unlockedIO.get() != 0) java.util.concurrent.locks.LockSupport.parkNanos(20_000);
    }

    private void checkWritable() throws IOException {
        if (readOnly) throw new BlockException("Cannot write to a read-only qcow2 image");
        if (closed) throw new BlockException("qcow2 image is closed");
        if (!dirtySet && lazyRefcounts()) markDirty();
        if (h.autoclear_features != 0) clearAutoclear();
    }

    private void markDirty() throws IOException {
        file.flush();
        h.incompatible_features |= QcowHeader.QCOW2_INCOMPAT_DIRTY;
        writeLong(72, h.incompatible_features);
        file.flush();
        dirtySet = true;
    }

    private void clearAutoclear() throws IOException {
        // autoclear features we do not maintain (persistent bitmaps) become invalid once we write
        h.autoclear_features = 0;
        h.otherExtensions.removeIf(e -> (int) e[0] == QcowHeader.QCOW2_EXT_MAGIC_BITMAPS);
        writeHeader();
    }

    void writeHeader() throws IOException {
        byte[] hdr = h.encode();
        file.write(0, ByteBuffer.wrap(hdr));
    }

    synchronized void writeGuest(long offset, byte[] buf, int pos, int len) throws IOException {
        checkWritable();
        if (!pendingRuns.isEmpty()) awaitNotPending(offset >>> cb, ((offset + len - 1) >>> cb) + 1);
        while (len > 0) {
            if (!extL2 && (offset & (cs - 1)) == 0 && len >= 2 * cs) {
                int done = writeRun(offset >>> cb, ByteBuffer.wrap(buf, pos, len), len >>> cb);
                if (done > 0) {
                    offset += (long) done << cb; pos += done << cb; len -= done << cb;
                    continue;
                }
            }
            long gc = offset >>> cb;
            int in = (int) (offset & (cs - 1));
            int n = Math.min(len, cs - in);
            writeCluster(gc, in, buf, pos, n);
            offset += n; pos += n; len -= n;
        }
        maybeFlushMetadata();
    }

    /** Clusters allocated one after the other in the file: the first one's host offset and how many. */
    private record HostRun(long host, int clusters) {}

    /**
     * Allocates up to {@code k} clusters that follow each other in the file, one at a time (the well-trodden
     * path: refcount blocks may land in between), stopping at the first gap; the run has at least one.
     */
    private HostRun allocContiguous(int k) throws IOException {
        long host = allocClusters(1);
        int got = 1;
        while (got < k) {
            long nx = allocClusters(1);
            if (nx != host + ((long) got << cb)) { addRefcount(nx >>> cb, -1); break; }
            got++;
        }
        return new HostRun(host, got);
    }

    /**
     * Whole clusters into consecutive unallocated entries of one L2 table: one contiguous allocation,
     * one data write, one L2 write (refcounts, then data, then L2 — the same order as one by one).
     * Returns the number of clusters written (0 = not applicable here).
     */
    private int writeRun(long gc, ByteBuffer data, int maxClusters) throws IOException {
        long[] l2o = new long[1];
        long[] t = l2ForWrite(gc, l2o);
        int idx = (int) (gc & ((1L << l2Bits) - 1));
        int k = 0;
        int lim = Math.min(maxClusters, (1 << l2Bits) - idx);
        while (k < lim && t[idx + k] == 0) k++;
        if (k < 2) return 0;
        HostRun run = allocContiguous(k);
        long host = run.host();
        k = run.clusters();
        file.write(host, data.slice(data.position(), k << cb));
        for (int i = 0; i < k; i++) t[idx + i] = (host + ((long) i << cb)) | QCOW_OFLAG_COPIED;
        if (through > 0) {
            ByteBuffer e = ByteBuffer.allocate(8 * k);
            e.asLongBuffer().put(t, idx, k);
            file.write(l2o[0] + 8L * idx, e);
        } else markDirty(dirtyL2, l2o[0], idx, idx + k);
        return k;
    }

    // ------------------------------------------------------------------------------------------------
    // runs written outside the lock (convert's parallel writes)

    /**
     * Whole clusters allocated for data that is written outside the node's lock: {@link #allocateRun}
     * (under the lock, so the host layout follows the caller's order), then {@link #completeRun} on any
     * thread: the data goes to the host file, then the L2 entries map it — data before the mapping, as
     * {@link #writeRun}. Until then the range reads as before and other writes to it wait. A run that is
     * never completed (a failed write) is freed by {@link #abortRun}; a process killed in between leaves
     * leaked clusters only (refcounts are at least the references).
     */
    public record PendingRun(long offset, long host, int length) {}

    /** Guest cluster ranges [start, end) of runs allocated and not yet completed. */
    private final java.util.TreeMap<Long, Long> pendingRuns = new java.util.TreeMap<>();

    private boolean pendingOverlaps(long gc0, long gc1) {
        var e = pendingRuns.lowerEntry(gc1);
        return e != null && e.getValue() > gc0;
    }

    /** Waits (releasing the lock) while a pending run covers part of guest clusters [gc0, gc1). */
    private void awaitNotPending(long gc0, long gc1) throws BlockException {
        while (!pendingRuns.isEmpty() && pendingOverlaps(gc0, gc1)) {
            try { wait(); } catch (InterruptedException e) { Thread.currentThread().interrupt(); throw new BlockException("interrupted"); }
        }
    }

    private void awaitNoPending() throws BlockException {
        while (!pendingRuns.isEmpty()) {
            try { wait(); } catch (InterruptedException e) { Thread.currentThread().interrupt(); throw new BlockException("interrupted"); }
        }
    }

    /** Whether {@link #allocateRun} can be used (not with extended L2 entries, whose subclusters need the lock). */
    public boolean supportsPendingRuns() { return !extL2 && !readOnly; }

    /**
     * Allocates host clusters for the unallocated whole guest clusters starting at {@code offset} (cluster
     * aligned), at most {@code maxLen} bytes, within one L2 table; null when the first cluster is not a
     * plain unallocated one (the caller writes it the ordinary way).
     */
    public synchronized PendingRun allocateRun(long offset, int maxLen) throws IOException {
        checkRange(offset, maxLen);
        if (extL2 || (offset & (cs - 1)) != 0 || maxLen < cs) return null;
        checkWritable();
        long gc = offset >>> cb;
        awaitNotPending(gc, gc + (maxLen >>> cb));
        long[] l2o = new long[1];
        long[] t = l2ForWrite(gc, l2o);
        int idx = (int) (gc & ((1L << l2Bits) - 1));
        int lim = Math.min(maxLen >>> cb, (1 << l2Bits) - idx);
        int k = 0;
        while (k < lim && t[idx + k] == 0) k++;
        if (k == 0) return null;
        HostRun run = allocContiguous(k);
        long host = run.host();
        int got = run.clusters();
        pendingRuns.put(gc, gc + got);
        maybeFlushMetadata();
        return new PendingRun(offset, host, got << cb);
    }

    /** Writes the run's data ({@code data.remaining()} == its length) to the host file outside the lock, then maps it; on failure the run is freed. */
    public void completeRun(PendingRun r, ByteBuffer data) throws IOException {
        boolean ok = false;
        try {
            if (data.remaining() != r.length()) throw new IllegalArgumentException("run of " + r.length() + " bytes, data of " + data.remaining());
            file.write(r.host(), data);
            commitRun(r);
            ok = true;
        } finally {
            if (!ok) abortRun(r);
        }
    }

    private synchronized void commitRun(PendingRun r) throws IOException {
        long gc = r.offset() >>> cb;
        if (closed) throw new BlockException("qcow2 image is closed");
        int k = r.length() >>> cb;
        long[] l2o = new long[1];
        long[] t = l2ForWrite(gc, l2o);
        int idx = (int) (gc & ((1L << l2Bits) - 1));
        for (int i = 0; i < k; i++) {
            if (t[idx + i] != 0) throw new BlockException("Guest cluster " + (gc + i) + " was mapped while its pending run was written");
        }
        for (int i = 0; i < k; i++) t[idx + i] = (r.host() + ((long) i << cb)) | QCOW_OFLAG_COPIED;
        if (through > 0) {
            ByteBuffer e = ByteBuffer.allocate(8 * k);
            e.asLongBuffer().put(t, idx, k);
            file.write(l2o[0] + 8L * idx, e);
        } else markDirty(dirtyL2, l2o[0], idx, idx + k);
        pendingRuns.remove(gc);
        notifyAll();
        maybeFlushMetadata();
    }

    /** Gives back the clusters of a run that will not be completed (their data never mapped). */
    public synchronized void abortRun(PendingRun r) throws IOException {
        long gc = r.offset() >>> cb;
        if (pendingRuns.remove(gc) == null) return;
        notifyAll();
        if (closed) return;   // left as a leak (qemu-img check -r leaks)
        for (long c = r.host() >>> cb; c < (r.host() + r.length()) >>> cb; c++) addRefcount(c, -1);
    }

    /** Returns the L2 table for guest cluster {@code gc} ready to be modified (allocated / copied as needed). */
    private long[] l2ForWrite(long gc, long[] l2OffOut) throws IOException {
        int l1i = (int) (gc >>> l2Bits);
        if (l1i >= l1.length) throw new BlockException("Guest cluster " + gc + " beyond the L1 table");
        long l1e = l1[l1i];
        long old = l1e & L1E_OFFSET_MASK;
        if (old != 0 && (l1e & QCOW_OFLAG_COPIED) != 0) {
            l2OffOut[0] = old;
            return loadL2(old);
        }
        long[] content = old == 0 ? new long[cs / 8] : loadL2(old).clone();
        long nw = allocClusters(1);
        l1[l1i] = nw | QCOW_OFLAG_COPIED;
        if (through > 0) {
            ByteBuffer bb = ByteBuffer.allocate(cs);
            bb.asLongBuffer().put(content);
            file.write(nw, bb);
            l2Cache.put(nw, content);
            writeLong(h.l1_table_offset + 8L * l1i, l1[l1i]);
        } else {
            dirtyL2.put(nw, new int[]{0, cs / 8});
            l2Cache.put(nw, content);
            l1DirtyFrom = Math.min(l1DirtyFrom, l1i); l1DirtyTo = Math.max(l1DirtyTo, l1i + 1);
        }
        if (old != 0) addRefcount(old >>> cb, -1);
        l2OffOut[0] = nw;
        return content;
    }

    private void setL2(long l2off, long[] t, int idx, long entry, long bitmap) throws IOException {
        if (through == 0) {
            if (extL2) { t[2 * idx] = entry; t[2 * idx + 1] = bitmap; markDirty(dirtyL2, l2off, 2 * idx, 2 * idx + 2); }
            else { t[idx] = entry; markDirty(dirtyL2, l2off, idx, idx + 1); }
            return;
        }
        if (extL2) {
            t[2 * idx] = entry; t[2 * idx + 1] = bitmap;
            file.write(l2off + 16L * idx, ByteBuffer.allocate(16).putLong(0, entry).putLong(8, bitmap));
        } else {
            t[idx] = entry;
            writeLong(l2off + 8L * idx, entry);
        }
    }

    private void writeCluster(long gc, int in, byte[] buf, int pos, int n) throws IOException {
        long[] l2o = new long[1];
        long[] t = l2ForWrite(gc, l2o);
        int idx = (int) (gc & ((1L << l2Bits) - 1));
        long entry = extL2 ? t[2 * idx] : t[idx];
        long bitmap = extL2 ? t[2 * idx + 1] : 0;
        long host = entry & L2E_OFFSET_MASK;
        boolean compressed = (entry & QCOW_OFLAG_COMPRESSED) != 0;
        boolean copied = (entry & QCOW_OFLAG_COPIED) != 0;
        if (!compressed && host != 0 && copied) {
            if ((host & (cs - 1)) != 0) throw new BlockException("Data cluster offset 0x" + Long.toHexString(host) + " unaligned (image corrupt)");
            if (host >= file.size()) throw new BlockException("Data cluster offset 0x" + Long.toHexString(host) + " beyond the end of the file (image corrupt)");
            // in place
            if (!extL2) {
                if ((entry & QCOW_OFLAG_ZERO) != 0) {
                    byte[] c = new byte[cs];
                    System.arraycopy(buf, pos, c, in, n);
                    file.write(host, ByteBuffer.wrap(c));
                    setL2(l2o[0], t, idx, entry & ~QCOW_OFLAG_ZERO, 0);
                } else {
                    file.write(host + in, ByteBuffer.wrap(buf, pos, n));
                }
                return;
            }
            long nb = writeSubclusters(gc, host, entry, bitmap, in, buf, pos, n);
            if (nb != bitmap) setL2(l2o[0], t, idx, entry, nb);
            return;
        }
        long nw = allocClusters(1);
        if (extL2 && host == 0 && !compressed) {
            // unallocated cluster: allocate it, write only the touched subclusters
            long nb = writeSubclusters(gc, nw, entry, bitmap, in, buf, pos, n);
            setL2(l2o[0], t, idx, nw | QCOW_OFLAG_COPIED, nb);
            return;
        }
        byte[] c = new byte[cs];
        if (in != 0 || n != cs) readCluster(gc, entry, bitmap, 0, c, 0, cs);
        System.arraycopy(buf, pos, c, in, n);
        file.write(nw, ByteBuffer.wrap(c));
        setL2(l2o[0], t, idx, nw | QCOW_OFLAG_COPIED, extL2 ? 0xffffffffL : 0);
        releaseEntry(entry);
    }

    /**
     * Writes into host cluster {@code host} with extended L2: the touched subclusters are written whole,
     * their untouched head/tail bytes taken from the old content ({@code oldEntry}/{@code bitmap}).
     */
    private long writeSubclusters(long gc, long host, long oldEntry, long bitmap, int in, byte[] buf, int pos, int n) throws IOException {
        int s0 = in >>> subclusterBits, s1 = (in + n - 1) >>> subclusterBits;
        int a = s0 << subclusterBits, b = (s1 + 1) << subclusterBits;
        if (in != a || in + n != b) {
            byte[] c = new byte[b - a];
            if (in != a) readCluster(gc, oldEntry, bitmap, a, c, 0, in - a);
            if (in + n != b) readCluster(gc, oldEntry, bitmap, in + n, c, in + n - a, b - (in + n));
            System.arraycopy(buf, pos, c, in - a, n);
            file.write(host + a, ByteBuffer.wrap(c));
        } else {
            file.write(host + in, ByteBuffer.wrap(buf, pos, n));
        }
        long nb = bitmap;
        for (int s = s0; s <= s1; s++) { nb |= 1L << s; nb &= ~(1L << (32 + s)); }
        return nb;
    }

    /** Drops the reference an old L2 entry held (after the entry was replaced). */
    private void releaseEntry(long entry) throws IOException {
        if ((entry & QCOW_OFLAG_COMPRESSED) != 0) {
            long[] p = parseCompressed(entry);
            freeClusters(p[0], p[1]);
            if (entry == lastDecompressedEntry) lastDecompressedEntry = -1;
            return;
        }
        long host = entry & L2E_OFFSET_MASK;
        if (host != 0) addRefcount(host >>> cb, -1);
    }

    /** Writes one whole guest cluster compressed (an unallocated cluster of a fresh image, as qemu-img convert -c). */
    public void writeCompressed(long gc, byte[] cluster) throws IOException {
        byte[] z = Compression.compress(h.compression_type, cluster, cs - 1 - (cs >> 9));
        writeCompressedData(gc, cluster, z);
    }

    /** Compresses outside the lock (for parallel compression), or null = not compressible. */
    public byte[] compress(byte[] cluster) throws IOException {
        return Compression.compress(h.compression_type, cluster, cs - 1 - (cs >> 9));
    }

    /** Compresses one cluster held in a memory segment (a native one without a copy), outside the lock; null = not compressible. */
    public byte[] compress(java.lang.foreign.MemorySegment cluster) throws IOException {
        return Compression.compress(h.compression_type, cluster, cs - 1 - (cs >> 9));
    }

    /** Stores an already compressed cluster ({@code z}; null = store {@code cluster} uncompressed). */
    public synchronized void writeCompressedData(long gc, byte[] cluster, byte[] z) throws IOException {
        if ((gc << cb) >= h.size || gc < 0) throw new BlockException("Compressed write beyond the image end");
        if (z == null) { writeGuest(gc << cb, cluster, 0, Math.min(cs, (int) Math.min(cs, h.size - (gc << cb)))); return; }
        checkWritable();
        if (!pendingRuns.isEmpty()) awaitNotPending(gc, gc + 1);
        long[] l2o = new long[1];
        long[] t = l2ForWrite(gc, l2o);
        int idx = (int) (gc & ((1L << l2Bits) - 1));
        long entry = extL2 ? t[2 * idx] : t[idx];
        long old = entry;
        // allocate bytes (QEMU's qcow2_alloc_bytes): pack into the current compressed cluster
        long off;
        int len = z.length;
        if (compressedCur >= 0 && compressedUsed + len <= cs && getRefcount(compressedCur >>> cb) > 0) {
            off = compressedCur + compressedUsed;
            addRefcount(compressedCur >>> cb, 1);
            compressedUsed += len;
        } else {
            long nw = allocClusters(1);
            if (compressedCur >= 0 && nw == compressedCur + cs && compressedUsed < cs && getRefcount(compressedCur >>> cb) > 0) {
                off = compressedCur + compressedUsed;
                addRefcount(compressedCur >>> cb, 1);
                compressedUsed = (int) (off + len - nw);
            } else {
                off = nw;
                compressedUsed = len;
            }
            compressedCur = nw;
        }
        file.write(off, ByteBuffer.wrap(z));
        long nbSectors = ((off + len - 1) >>> 9) - (off >>> 9);
        long ne = QCOW_OFLAG_COMPRESSED | (nbSectors << csizeShift) | off;
        setL2(l2o[0], t, idx, ne, 0);
        releaseEntry(old);
        maybeFlushMetadata();
    }

    // ------------------------------------------------------------------------------------------------
    // zeroes / discard

    @Override
    public void writeZeroes(long offset, long length) throws IOException {
        checkRange(offset, length);
        zeroOrDiscard(offset, length, false);
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        if (readOnly || length <= 0) return;
        checkRange(offset, length);
        zeroOrDiscard(offset, length, true);
    }

    private synchronized void zeroOrDiscard(long offset, long length, boolean discard) throws IOException {
        checkWritable();
        if (!pendingRuns.isEmpty()) awaitNotPending(offset >>> cb, ((offset + length - 1) >>> cb) + 1);
        long end = offset + length;
        byte[] zeros = null;
        while (offset < end) {
            long gc = offset >>> cb;
            int in = (int) (offset & (cs - 1));
            int n = (int) Math.min(end - offset, cs - in);
            boolean whole = in == 0 && (n == cs || offset + n == h.size);
            if (!whole) {
                if (!discard) {
                    if (zeros == null) zeros = new byte[cs];
                    writeCluster(gc, in, zeros, 0, n);
                }
            } else {
                long[] e = new long[2];
                l2Lookup(gc, e);
                long ne, nb = 0;
                boolean needBacking = backing != null;
                if (extL2) { ne = 0; nb = (discard && !needBacking) ? 0 : QCOW_L2_BITMAP_ALL_ZEROES; }
                else if (h.version >= 3) ne = (discard && !needBacking && (e[0] & L2E_OFFSET_MASK) == 0 && (e[0] & QCOW_OFLAG_COMPRESSED) == 0) ? 0 : QCOW_OFLAG_ZERO;
                else ne = 0;
                if (!extL2 && h.version < 3 && !discard && needBacking) {
                    if (zeros == null) zeros = new byte[cs];
                    writeCluster(gc, 0, zeros, 0, n);
                } else if (e[0] != ne || e[1] != nb) {
                    long[] l2o = new long[1];
                    long[] t = l2ForWrite(gc, l2o);
                    int idx = (int) (gc & ((1L << l2Bits) - 1));
                    long old = extL2 ? t[2 * idx] : t[idx];
                    setL2(l2o[0], t, idx, ne, nb);
                    releaseEntry(old);
                }
            }
            offset += n;
        }
        maybeFlushMetadata();
    }

    // ------------------------------------------------------------------------------------------------
    // block status

    @Override
    public BlockStatus blockStatus(long offset, long length) throws IOException {
        return blockStatus(offset, length, true);
    }

    /**
     * Block status; without {@code hostHoles}, allocated data clusters are data whatever the host file
     * holds, and the host file is not asked (QEMU's metadata-preallocation check needs its allocated size,
     * and so the native link: convert, whose zero detection finds such holes' zeroes anyway, uses this
     * until the link is done).
     */
    public synchronized BlockStatus blockStatus(long offset, long length, boolean hostHoles) throws IOException {
        if (offset >= h.size) return new BlockStatus(Math.max(1, length), false, true, false, 0, -1);
        length = Math.min(length, h.size - offset);
        long[] e = new long[2];
        BlockStatus first = null;
        long total = 0;
        long expectHost = -1;
        while (total < length) {
            long off = offset + total;
            long gc = off >>> cb;
            int in = (int) (off & (cs - 1));
            int n = (int) Math.min(length - total, cs - in);
            l2Lookup(gc, e);
            BlockStatus s = statusOf(gc, e[0], e[1], in, n, hostHoles);
            if (first == null) { first = s; total = s.length(); expectHost = s.hostOffset() >= 0 ? s.hostOffset() + s.length() : -1; if (s.length() < n) break; continue; }
            boolean same = s.data() == first.data() && s.zero() == first.zero() && s.allocated() == first.allocated() && s.depth() == first.depth()
                    && ((first.hostOffset() < 0 && s.hostOffset() < 0) || (first.hostOffset() >= 0 && s.hostOffset() == expectHost));
            if (!same) break;
            total += s.length();
            if (expectHost >= 0) expectHost += s.length();
            if (s.length() < n) break;
        }
        return new BlockStatus(total, first.data(), first.zero(), first.allocated(), first.depth(), first.hostOffset());
    }

    private BlockStatus statusOf(long gc, long entry, long bitmap, int in, int n, boolean hostHoles) throws IOException {
        if ((entry & QCOW_OFLAG_COMPRESSED) != 0) return new BlockStatus(n, true, false, true, 0, -1);
        long host = entry & L2E_OFFSET_MASK;
        if (!extL2) {
            if ((entry & QCOW_OFLAG_ZERO) != 0 && h.version >= 3) return new BlockStatus(n, false, true, true, 0, host != 0 ? host + in : -1);
            if (host != 0) return hostStatus(host + in, n, hostHoles);
            return backingStatus((gc << cb) + in, n);
        }
        int scs = 1 << subclusterBits;
        int kind = subclusterKind(bitmap, in >>> subclusterBits);
        int m = Math.min(n, scs - (in & (scs - 1)));
        while (m < n && subclusterKind(bitmap, (in + m) >>> subclusterBits) == kind) m += Math.min(n - m, scs);
        return switch (kind) {
            case 1 -> hostStatus(host + in, m, hostHoles);
            case 2 -> new BlockStatus(m, false, true, true, 0, host != 0 ? host + in : -1);
            default -> backing == null ? new BlockStatus(m, false, true, false, 0, host != 0 ? host + in : -1) : backingStatus((gc << cb) + in, m);
        };
    }

    private int metadataPreallocation = -1;

    /**
     * QEMU's qcow2_detect_metadata_preallocation: the image looks preallocated when clearly more clusters
     * have a refcount than the file has bytes allocated; only then does block status look at holes in
     * the host file.
     */
    private boolean metadataPreallocation() throws IOException {
        if (metadataPreallocation >= 0) return metadataPreallocation == 1;
        long realAllocation = file.allocatedFileSize();
        boolean r = false;
        if (realAllocation >= 0) {
            long realClusters = realAllocation / cs;
            long threshold = Math.max(realClusters * 10 / 9, realClusters + 2);
            long end = (file.size() + cs - 1) >>> cb, count = 0;
            for (long i = 0; i < end && count < threshold; i++) if (getRefcount(i) != 0) count++;
            r = count >= threshold;
        }
        metadataPreallocation = r ? 1 : 0;
        return r;
    }

    /** Data in the file: with metadata preallocation (QEMU's BDRV_BLOCK_RECURSE) a hole in the host file reads as zero. */
    private BlockStatus hostStatus(long hostOff, int n, boolean hostHoles) throws IOException {
        if (!hostHoles || !metadataPreallocation()) return new BlockStatus(n, true, false, true, 0, hostOff);
        BlockStatus f = file.blockStatus(hostOff, n);
        int len = (int) Math.max(1, Math.min(n, f.length()));
        return new BlockStatus(len, true, !f.data(), true, 0, hostOff);
    }

    private BlockStatus backingStatus(long off, int n) throws IOException {
        if (backing == null) return new BlockStatus(n, false, true, false, 0, -1);
        if (off >= backing.size()) return new BlockStatus(n, false, true, false, 1, -1);
        BlockStatus b = backing.blockStatus(off, Math.min(n, backing.size() - off));
        // depth: the layer the data comes from, or the bottom of the chain when no layer has it
        return new BlockStatus(b.length(), b.data(), b.zero(), false, b.depth() + 1, b.hostOffset());
    }

    // ------------------------------------------------------------------------------------------------
    // flush / close

    @Override
    public synchronized void flush() throws IOException {
        if (readOnly) return;
        flushMetadata();
        file.flush();
    }

    @Override
    public synchronized void close() throws IOException {
        if (closed) return;
        closed = true;
        try {
            if (!readOnly) {
                flushMetadata();
                if (dirtySet) {
                    file.flush();
                    h.incompatible_features &= ~QcowHeader.QCOW2_INCOMPAT_DIRTY;
                    writeLong(72, h.incompatible_features);
                }
                file.flush();
            }
        } finally {
            try { file.close(); } finally { if (backing != null) backing.close(); }
        }
    }

    // ------------------------------------------------------------------------------------------------
    // resize

    @Override public void truncate(long newSize, boolean allowShrink) throws IOException { writeThrough(() -> truncate0(newSize, allowShrink)); }

    private synchronized void truncate0(long newSize, boolean allowShrink) throws IOException {
        if (readOnly) throw new BlockException("Cannot resize a read-only image");
        if (newSize < 0) throw new BlockException("Invalid image size specified. Must be between 0 and " + Long.MAX_VALUE + ".");
        if (newSize % 512 != 0) throw new BlockException("The new size must be a multiple of 512");
        if (!snapshots.isEmpty() && newSize < h.size) throw new BlockException("Can't shrink an image which has snapshots");
        if (!snapshots.isEmpty() && h.version < 3) throw new BlockException("Can't resize a v2 image which has snapshots");
        if (newSize < h.size && !allowShrink) throw new BlockException("Use the --shrink option to perform a shrink operation.");
        checkWritable();
        long l2Coverage = (long) cs << l2Bits;
        long needL1 = (newSize + l2Coverage - 1) / l2Coverage;
        if (needL1 * 8 > QCOW_MAX_L1_SIZE) throw new BlockException("Image size too large for this cluster size");
        if (newSize < h.size) {
            // drop clusters past the new end
            long firstGone = (newSize + cs - 1) >>> cb;
            long[] e = new long[2];
            for (long gc = firstGone; gc < ((h.size + cs - 1) >>> cb); gc++) {
                l2Lookup(gc, e);
                if (e[0] != 0 || e[1] != 0) {
                    long[] l2o = new long[1];
                    long[] t = l2ForWrite(gc, l2o);
                    int idx = (int) (gc & ((1L << l2Bits) - 1));
                    long old = extL2 ? t[2 * idx] : t[idx];
                    setL2(l2o[0], t, idx, 0, 0);
                    releaseEntry(old);
                }
            }
            // free L2 tables that now lie wholly beyond the end
            for (long i = needL1; i < l1.length; i++) {
                long off = l1[(int) i] & L1E_OFFSET_MASK;
                if (off != 0) {
                    l1[(int) i] = 0;
                    writeLong(h.l1_table_offset + 8 * i, 0);
                    addRefcount(off >>> cb, -1);
                    l2Cache.remove(off);
                }
            }
        } else if (needL1 > l1.length) {
            growL1((int) needL1);
        }
        file.flush();
        h.size = newSize;
        writeLong(24, newSize);
        file.flush();
    }

    private void growL1(int minSize) throws IOException {
        int newSize = Math.max(minSize, Math.min((int) (QCOW_MAX_L1_SIZE / 8), l1.length + l1.length / 2));
        newSize = Math.max(newSize, minSize);
        int clusters = (int) (((long) newSize * 8 + cs - 1) >>> cb);
        long nw = allocClusters(clusters);
        long[] nl = Arrays.copyOf(l1, newSize);
        // the table's own bytes only, as QEMU writes it (qcow2_grow_l1_table): the file of a new image ends
        // right after its L1 table, so image-end-offset and the file length agree with qemu-img's
        ByteBuffer b = ByteBuffer.allocate(newSize * 8);
        b.asLongBuffer().put(nl);
        file.write(nw, b);
        file.flush();
        long oldOff = h.l1_table_offset;
        int oldSize = h.l1_size;
        h.l1_size = newSize;
        h.l1_table_offset = nw;
        file.write(36, ByteBuffer.allocate(12).putInt(0, newSize).putLong(4, nw));
        file.flush();
        l1 = nl;
        if (oldSize > 0) freeClusters(oldOff, (long) oldSize * 8);
    }

    /** preallocation=metadata|falloc|full for a freshly created image: every guest cluster gets a host cluster. */
    synchronized void preallocate(String mode) throws IOException {
        checkWritable();
        long clusters = (h.size + cs - 1) >>> cb;
        long[] l2o = new long[1];
        byte[] zeros = mode.equals("full") ? new byte[cs] : null;
        long end = 0;
        for (long gc = 0; gc < clusters; gc++) {
            long[] t = l2ForWrite(gc, l2o);
            int idx = (int) (gc & ((1L << l2Bits) - 1));
            long entry = extL2 ? t[2 * idx] : t[idx];
            if ((entry & L2E_OFFSET_MASK) != 0) continue;
            long nw = allocClusters(1);
            if (zeros != null) file.write(nw, ByteBuffer.wrap(zeros));
            setL2(l2o[0], t, idx, nw | QCOW_OFLAG_COPIED, extL2 ? 0xffffffffL : 0);
            end = Math.max(end, nw + cs);
            maybeFlushMetadata();
        }
        if (file instanceof FileNode f && f.size() < end) f.truncate(end);
    }

    // ------------------------------------------------------------------------------------------------
    // snapshots

    public synchronized List<QCowSnapshotHeader> snapshotList() { return List.copyOf(snapshots); }

    /**
     * QEMU's qcow2_snapshot_load_tmp: a read-only node reads the snapshot's L1 table instead of the
     * active one from now on (qemu-img convert -l). {@code id} and {@code name} must both match when
     * both are given (null = any).
     */
    public synchronized void loadSnapshotTmp(String id, String name) throws IOException {
        if (!readOnly) throw new BlockException("Can't load a snapshot in a read-write image");
        QCowSnapshotHeader sn = null;
        for (QCowSnapshotHeader x : snapshots) {
            if ((id == null || x.id_str.equals(id)) && (name == null || x.name.equals(name))) { sn = x; break; }
        }
        if (sn == null || (id == null && name == null)) throw new BlockException("Can't find snapshot");
        if (Integer.toUnsignedLong(sn.l1_size) > QCOW_MAX_L1_SIZE / 8) throw new BlockException("Snapshot L1 table too large");
        checkTable("Snapshot L1", sn.l1_table_offset, (long) sn.l1_size * 8, file.size());
        l1 = readSnapshotL1(sn);
        lastDecompressedEntry = -1;
    }

    /** Snapshot lookup by id or name (QEMU: id first, then name). */
    QCowSnapshotHeader findSnapshot(String idOrName) {
        for (QCowSnapshotHeader s : snapshots) if (s.id_str.equals(idOrName)) return s;
        for (QCowSnapshotHeader s : snapshots) if (s.name.equals(idOrName)) return s;
        return null;
    }

    /** Adds {@code addend} to the refcounts of everything reachable from an L1 table and fixes the COPIED flags (QEMU's qcow2_update_snapshot_refcount). */
    private void updateSnapshotRefcount(long[] table, boolean active, int addend) throws IOException {
        for (int i = 0; i < table.length; i++) {
            long l2off = table[i] & L1E_OFFSET_MASK;
            if (l2off == 0) continue;
            long[] t = loadL2(l2off);
            boolean changed = false;
            int entries = 1 << l2Bits;
            for (int j = 0; j < entries; j++) {
                int ei = extL2 ? 2 * j : j;
                long entry = t[ei];
                long old = entry;
                entry &= ~QCOW_OFLAG_COPIED;
                long rc;
                if ((entry & QCOW_OFLAG_COMPRESSED) != 0) {
                    if (addend != 0) { long[] p = parseCompressed(entry); for (long c = p[0] >>> cb; c <= (p[0] + p[1] - 1) >>> cb; c++) addRefcount(c, addend); }
                    rc = 2;
                } else if ((entry & L2E_OFFSET_MASK) != 0) {
                    long c = (entry & L2E_OFFSET_MASK) >>> cb;
                    if (addend != 0) addRefcount(c, addend);
                    rc = getRefcount(c);
                } else rc = 0;
                if (rc == 1) entry |= QCOW_OFLAG_COPIED;
                if (entry != old) { t[ei] = entry; changed = true; }
            }
            if (changed) {
                ByteBuffer bb = ByteBuffer.allocate(cs);
                bb.asLongBuffer().put(t);
                file.write(l2off, bb);
            }
            if (addend != 0) addRefcount(l2off >>> cb, addend);
            long rc = getRefcount(l2off >>> cb);
            long ne = l2off | (rc == 1 ? QCOW_OFLAG_COPIED : 0);
            if (ne != table[i]) {
                table[i] = ne;
                if (active) writeLong(h.l1_table_offset + 8L * i, ne);
            }
        }
    }

    /** Refuses up front (before anything is modified) when one more reference would overflow a refcount. */
    private void checkRoomForReference(long[] table) throws IOException {
        if (refcountBits == 64) return;
        long max = maxRefcount();
        for (long e : table) {
            long l2off = e & L1E_OFFSET_MASK;
            if (l2off == 0) continue;
            if (getRefcount(l2off >>> cb) >= max) throw new BlockException("Refcount overflow: refcount_bits=" + refcountBits + " cannot count another reference to cluster " + (l2off >>> cb));
            long[] t = loadL2(l2off);
            for (int j = 0; j < (1 << l2Bits); j++) {
                long x = t[extL2 ? 2 * j : j];
                if ((x & QCOW_OFLAG_COMPRESSED) != 0) {
                    long[] p = parseCompressed(x);
                    for (long c = p[0] >>> cb; c <= (p[0] + p[1] - 1) >>> cb; c++) {
                        if (getRefcount(c) >= max) throw new BlockException("Refcount overflow: refcount_bits=" + refcountBits + " cannot count another reference to cluster " + c);
                    }
                } else if ((x & L2E_OFFSET_MASK) != 0 && getRefcount((x & L2E_OFFSET_MASK) >>> cb) >= max) {
                    throw new BlockException("Refcount overflow: refcount_bits=" + refcountBits + " cannot count another reference to cluster " + ((x & L2E_OFFSET_MASK) >>> cb));
                }
            }
        }
    }

    private long[] readSnapshotL1(QCowSnapshotHeader s) throws IOException {
        return readLongs(s.l1_table_offset, s.l1_size);
    }

    /** qemu-img snapshot -c. */
    public void snapshotCreate(String name, long dateSec, int dateNsec) throws IOException { writeThrough(() -> snapshotCreate0(name, dateSec, dateNsec)); }

    private synchronized void snapshotCreate0(String name, long dateSec, int dateNsec) throws IOException {
        checkWritable();
        if (findSnapshot(name) != null && findSnapshot(name).name.equals(name)) {
            throw new BlockException("Snapshot with name '" + name + "' already exists");
        }
        if (snapshots.size() >= QCOW_MAX_SNAPSHOTS) throw new BlockException("Too many snapshots");
        checkRoomForReference(l1);
        long maxId = 0;
        for (QCowSnapshotHeader s : snapshots) try { maxId = Math.max(maxId, Long.parseLong(s.id_str)); } catch (NumberFormatException e) { /* non-numeric id */ }
        QCowSnapshotHeader sn = new QCowSnapshotHeader();
        sn.id_str = Long.toString(maxId + 1);
        sn.name = name;
        sn.date_sec = (int) dateSec;
        sn.date_nsec = dateNsec;
        sn.disk_size = h.size;
        sn.icount = 0;
        sn.l1_size = l1.length;
        // 1. copy of the active L1
        int l1Clusters = (int) (((long) l1.length * 8 + cs - 1) >>> cb);
        if (l1.length > 0) {
            sn.l1_table_offset = allocClusters(l1Clusters);
            ByteBuffer b = ByteBuffer.allocate(l1Clusters * cs);
            b.asLongBuffer().put(l1);
            file.write(sn.l1_table_offset, b);
        }
        file.flush();
        // 2. everything the active L1 reaches is now shared
        updateSnapshotRefcount(l1, true, 1);
        file.flush();
        // 3. new snapshot table, then the header points at it
        List<QCowSnapshotHeader> nl = new ArrayList<>(snapshots);
        nl.add(sn);
        writeSnapshotTable(nl);
    }

    private void writeSnapshotTable(List<QCowSnapshotHeader> nl) throws IOException {
        java.io.ByteArrayOutputStream o = new java.io.ByteArrayOutputStream();
        for (QCowSnapshotHeader s : nl) o.writeBytes(s.encode());
        byte[] tb = o.toByteArray();
        long newOff = 0;
        int clusters = (tb.length + cs - 1) >>> cb;
        if (!nl.isEmpty()) {
            newOff = allocClusters(clusters);
            file.write(newOff, ByteBuffer.wrap(tb));
            file.flush();
        }
        long oldOff = h.snapshots_offset;
        int oldLen = 0;
        for (QCowSnapshotHeader s : snapshots) oldLen += s.encode().length;
        h.nb_snapshots = nl.size();
        h.snapshots_offset = newOff;
        file.write(60, ByteBuffer.allocate(12).putInt(0, nl.size()).putLong(4, newOff));
        file.flush();
        snapshots.clear();
        snapshots.addAll(nl);
        if (oldOff != 0 && oldLen > 0) freeClusters(oldOff, oldLen);
    }

    /** qemu-img snapshot -d. */
    public void snapshotDelete(String idOrName) throws IOException { writeThrough(() -> snapshotDelete0(idOrName)); }

    private synchronized void snapshotDelete0(String idOrName) throws IOException {
        checkWritable();
        QCowSnapshotHeader sn = findSnapshot(idOrName);
        if (sn == null) throw new BlockException("Can't find the snapshot");
        List<QCowSnapshotHeader> nl = new ArrayList<>(snapshots);
        nl.remove(sn);
        // the table no longer names the snapshot before its clusters are released (crash = leaks only)
        writeSnapshotTable(nl);
        long[] sl1 = readSnapshotL1(sn);
        updateSnapshotRefcount(sl1, false, -1);
        if (sn.l1_size > 0) freeClusters(sn.l1_table_offset, (long) sn.l1_size * 8);
        // fix COPIED flags of the active table
        updateSnapshotRefcount(l1, true, 0);
        file.flush();
    }

    /** qemu-img snapshot -a: the active L1 becomes a copy of the snapshot's. */
    public void snapshotApply(String idOrName) throws IOException { writeThrough(() -> snapshotApply0(idOrName)); }

    private synchronized void snapshotApply0(String idOrName) throws IOException {
        checkWritable();
        QCowSnapshotHeader sn = findSnapshot(idOrName);
        if (sn == null) throw new BlockException("Could not find snapshot");
        long[] sl1 = readSnapshotL1(sn);
        checkRoomForReference(sl1);
        if (sl1.length > l1.length) growL1(sl1.length);
        // take references for the snapshot's tree first, then switch, then drop the old tree's
        updateSnapshotRefcount(sl1, false, 1);
        file.flush();
        long[] old = l1.clone();
        long[] nl = Arrays.copyOf(sl1, l1.length);
        ByteBuffer b = ByteBuffer.allocate(l1.length * 8);
        b.asLongBuffer().put(nl);
        file.write(h.l1_table_offset, b);
        l1 = nl;
        file.flush();
        updateSnapshotRefcount(old, false, -1);
        updateSnapshotRefcount(l1, true, 0);
        if (sn.disk_size != h.size && sn.disk_size > 0) {
            h.size = sn.disk_size;
            writeLong(24, h.size);
        }
        file.flush();
    }

    // ------------------------------------------------------------------------------------------------
    // rebase / commit / amend / measure

    /** Rewrites the header's backing file name and format (null = none); the header must fit in cluster 0. */
    public void setBackingFile(String name, String format) throws IOException { writeThrough(() -> setBackingFile0(name, format)); }

    private synchronized void setBackingFile0(String name, String format) throws IOException {
        checkWritable();
        h.backingFile = name == null || name.isEmpty() ? null : name;
        h.backingFormat = h.backingFile == null ? null : format;
        file.flush();
        writeHeader();
        file.flush();
    }

    /** Drops every cluster mapping of the active table (qemu-img commit empties the top image). */
    public void makeEmpty() throws IOException { writeThrough(() -> makeEmpty0()); }

    private synchronized void makeEmpty0() throws IOException {
        checkWritable();
        if (!snapshots.isEmpty()) return; // QEMU keeps the data when snapshots reference it
        long clusters = (h.size + cs - 1) >>> cb;
        long[] e = new long[2];
        for (long gc = 0; gc < clusters; gc++) {
            l2Lookup(gc, e);
            if (e[0] == 0 && e[1] == 0) continue;
            long[] l2o = new long[1];
            long[] t = l2ForWrite(gc, l2o);
            int idx = (int) (gc & ((1L << l2Bits) - 1));
            long old = extL2 ? t[2 * idx] : t[idx];
            setL2(l2o[0], t, idx, 0, 0);
            releaseEntry(old);
        }
        file.flush();
    }

    /** qemu-img amend: compat, lazy_refcounts, backing_file/backing_fmt, size. Other changes are refused with QEMU's words. */
    public void amend(QemuOptsView o) throws IOException { writeThrough(() -> amend0(o)); }

    private synchronized void amend0(QemuOptsView o) throws IOException {
        checkWritable();
        Integer version = o.version;
        if (o.clusterSize != null && o.clusterSize != cs) throw new BlockException("Changing the cluster size is not supported");
        if (o.compressionType != null && o.compressionType != h.compression_type) throw new BlockException("Changing the compression type is not supported");
        if (o.extendedL2 != null && o.extendedL2 != extL2) throw new BlockException("Toggling extended L2 entries is not supported");
        if (o.refcountBits != null && o.refcountBits != refcountBits) throw new BlockException("Changing the refcount width is not supported by jemu-img");
        if (o.preallocation != null) throw new BlockException("Cannot change preallocation mode");
        int newVersion = version != null ? version : h.version;
        boolean lazy = o.lazyRefcounts != null ? o.lazyRefcounts : lazyRefcounts();
        if (lazy && newVersion < 3) throw new BlockException("Lazy refcounts only supported with compatibility level 1.1 and above (use version=v3 or greater)");
        if (newVersion < 3) {
            if (h.compression_type != 0) throw new BlockException("Cannot downgrade an image with a non-zlib compression type");
            if (extL2) throw new BlockException("Cannot downgrade an image with extended L2 entries");
            if (refcountBits != 16) throw new BlockException("Cannot downgrade an image with refcount_bits != 16");
            if (newVersion < h.version) expandZeroClusters();
        }
        if (o.backingFile != null) { h.backingFile = o.backingFile.isEmpty() ? null : o.backingFile; }
        if (o.backingFmt != null) h.backingFormat = o.backingFmt;
        if (h.backingFile == null) h.backingFormat = null;
        h.version = newVersion;
        if (newVersion < 3) {
            h.incompatible_features = 0; h.compatible_features = 0; h.autoclear_features = 0;
        }
        if (lazy) h.compatible_features |= QcowHeader.QCOW2_COMPAT_LAZY_REFCOUNTS;
        else h.compatible_features &= ~QcowHeader.QCOW2_COMPAT_LAZY_REFCOUNTS;
        file.flush();
        writeHeader();
        file.flush();
        if (o.size != null && o.size != h.size) truncate(o.size, true);
    }

    /** The amend options understood (null = not given). */
    public static final class QemuOptsView {
        public Integer version, clusterSize, compressionType, refcountBits;
        public Boolean lazyRefcounts, extendedL2;
        public String backingFile, backingFmt, preallocation;
        public Long size;
    }

    /** v3 zero clusters do not exist in v2: turn them into allocated zeroes (snapshots' tables too). */
    private void expandZeroClusters() throws IOException {
        if (!snapshots.isEmpty()) {
            for (QCowSnapshotHeader s : snapshots) {
                for (long e : readSnapshotL1(s)) {
                    long off = e & L1E_OFFSET_MASK;
                    if (off == 0) continue;
                    for (long x : loadL2(off)) if ((x & QCOW_OFLAG_ZERO) != 0 && (x & QCOW_OFLAG_COMPRESSED) == 0) {
                        throw new BlockException("Cannot downgrade: a snapshot contains zero clusters");
                    }
                }
            }
        }
        long clusters = (h.size + cs - 1) >>> cb;
        long[] e = new long[2];
        byte[] zeros = new byte[cs];
        for (long gc = 0; gc < clusters; gc++) {
            l2Lookup(gc, e);
            if ((e[0] & QCOW_OFLAG_COMPRESSED) != 0 || (e[0] & QCOW_OFLAG_ZERO) == 0) continue;
            long host = e[0] & L2E_OFFSET_MASK;
            long[] l2o = new long[1];
            long[] t = l2ForWrite(gc, l2o);
            int idx = (int) (gc & ((1L << l2Bits) - 1));
            if (host != 0 && (e[0] & QCOW_OFLAG_COPIED) != 0) {
                file.write(host, ByteBuffer.wrap(zeros));
                setL2(l2o[0], t, idx, host | QCOW_OFLAG_COPIED, 0);
            } else {
                long nw = allocClusters(1);
                file.write(nw, ByteBuffer.wrap(zeros));
                setL2(l2o[0], t, idx, nw | QCOW_OFLAG_COPIED, 0);
                if (host != 0) addRefcount(host >>> cb, -1);
            }
        }
    }

    /** QEMU's qcow2_refcount_metadata_size. */
    static long refcountMetadataSize(long clusters, long clusterSize, int refcountOrder) {
        long blocksPerTableCluster = clusterSize / 8;
        long refcountsPerBlock = clusterSize * 8 / (1L << refcountOrder);
        long table = 0, blocks = 0, last, n = 0;
        do {
            last = n;
            blocks = (clusters + table + blocks + refcountsPerBlock - 1) / refcountsPerBlock;
            table = (blocks + blocksPerTableCluster - 1) / blocksPerTableCluster;
            n = clusters + blocks + table;
        } while (n != last);
        return blocks + table;
    }

    /** QEMU's qcow2_calc_prealloc_size: file size of a fully allocated image of {@code totalSize}. */
    public static long calcPreallocSize(long totalSize, long clusterSize, int refcountOrder, boolean extendedL2) {
        long l2EntrySize = extendedL2 ? 16 : 8;
        long alignedTotal = (totalSize + clusterSize - 1) / clusterSize * clusterSize;
        long meta = clusterSize; // header
        long nl2e = alignedTotal / clusterSize;
        long per = clusterSize / l2EntrySize;
        nl2e = (nl2e + per - 1) / per * per;
        meta += nl2e * l2EntrySize;
        long nl1e = nl2e * l2EntrySize / clusterSize;
        long perL1 = clusterSize / 8;
        nl1e = (nl1e + perL1 - 1) / perL1 * perL1;
        meta += nl1e * 8;
        meta += refcountMetadataSize((meta + alignedTotal) / clusterSize, clusterSize, refcountOrder) * clusterSize;
        return meta + alignedTotal;
    }

    // ------------------------------------------------------------------------------------------------
    // helpers for check / amend / measure

    long[] activeL1() { return l1; }
    synchronized void dropCaches() { l2Cache.clear(); rbCache.clear(); lastDecompressedEntry = -1; }
    long fileSize() { return file.size(); }
    int l2Entries() { return 1 << l2Bits; }

    @Override
    public org.jemu.block.ImageCheck check(int fix) throws IOException {
        if (fix != 0 && readOnly) throw new BlockException("Cannot repair a read-only image");
        org.jemu.block.ImageCheck[] r = new org.jemu.block.ImageCheck[1];
        writeThrough(() -> r[0] = Qcow2Check.check(this, fix));
        return r[0];
    }

    /** Guest-cluster allocation summary of the active L1 (for check's statistics). */
    @Override public String toString() { return "qcow2:" + file; }
}
