package org.jemu.block.qcow2;

import org.jemu.block.BlockException;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The qcow2 image header (docs/interop/qcow2.txt "Header"), big-endian, with its header extensions
 * and the backing file name. Field names are the spec's.
 */
final class QcowHeader {
    static final int QCOW_MAGIC = 0x514649fb;                 // "QFI\xfb"
    static final int V2_HEADER_LENGTH = 72, V3_HEADER_LENGTH = 112;

    // incompatible_features bits
    static final long QCOW2_INCOMPAT_DIRTY = 1L, QCOW2_INCOMPAT_CORRUPT = 1L << 1, QCOW2_INCOMPAT_DATA_FILE = 1L << 2,
            QCOW2_INCOMPAT_COMPRESSION = 1L << 3, QCOW2_INCOMPAT_EXTL2 = 1L << 4;
    static final long QCOW2_INCOMPAT_KNOWN = QCOW2_INCOMPAT_DIRTY | QCOW2_INCOMPAT_CORRUPT | QCOW2_INCOMPAT_COMPRESSION | QCOW2_INCOMPAT_EXTL2;
    // compatible_features bits
    static final long QCOW2_COMPAT_LAZY_REFCOUNTS = 1L;
    // autoclear_features bits
    static final long QCOW2_AUTOCLEAR_BITMAPS = 1L, QCOW2_AUTOCLEAR_DATA_FILE_RAW = 1L << 1;

    // header extension types
    static final int QCOW2_EXT_MAGIC_END = 0, QCOW2_EXT_MAGIC_BACKING_FORMAT = 0xe2792aca,
            QCOW2_EXT_MAGIC_FEATURE_TABLE = 0x6803f857, QCOW2_EXT_MAGIC_CRYPTO_HEADER = 0x0537be77,
            QCOW2_EXT_MAGIC_BITMAPS = 0x23852875, QCOW2_EXT_MAGIC_DATA_FILE = 0x44415441;

    static final int QCOW2_COMPRESSION_TYPE_ZLIB = 0, QCOW2_COMPRESSION_TYPE_ZSTD = 1;

    int magic = QCOW_MAGIC;
    int version;
    long backing_file_offset;
    int backing_file_size;
    int cluster_bits;
    long size;
    int crypt_method;
    int l1_size;
    long l1_table_offset;
    long refcount_table_offset;
    int refcount_table_clusters;
    int nb_snapshots;
    long snapshots_offset;
    // version 3
    long incompatible_features;
    long compatible_features;
    long autoclear_features;
    int refcount_order = 4;
    int header_length;
    int compression_type;

    /** Backing file format header extension (null = none). */
    String backingFormat;
    /** The backing file name (null = none). */
    String backingFile;
    /** Header extensions we keep verbatim (unknown ones, bitmaps): type and data. */
    final List<Object[]> otherExtensions = new ArrayList<>();
    /** Feature name table entries as read: type, bit, name. */
    final List<Object[]> featureNames = new ArrayList<>();

    long clusterSize() { return 1L << cluster_bits; }

    /** Parses and validates the header in {@code buf} (the image's first cluster, or as much as exists). */
    static QcowHeader parse(byte[] buf, long fileSize) throws BlockException {
        if (buf.length < V2_HEADER_LENGTH) throw new BlockException("Image is not in qcow2 format (file too short for a qcow2 header)");
        ByteBuffer b = ByteBuffer.wrap(buf);
        QcowHeader h = new QcowHeader();
        h.magic = b.getInt(0);
        if (h.magic != QCOW_MAGIC) throw new BlockException("Image is not in qcow2 format");
        h.version = b.getInt(4);
        if (h.version < 2 || h.version > 3) throw new BlockException("Unsupported qcow2 version " + h.version);
        h.backing_file_offset = b.getLong(8);
        h.backing_file_size = b.getInt(16);
        h.cluster_bits = b.getInt(20);
        if (h.cluster_bits < 9 || h.cluster_bits > 21) {
            throw new BlockException("Unsupported cluster size: 2^" + Integer.toUnsignedString(h.cluster_bits));
        }
        h.size = b.getLong(24);
        h.crypt_method = b.getInt(32);
        h.l1_size = b.getInt(36);
        h.l1_table_offset = b.getLong(40);
        h.refcount_table_offset = b.getLong(48);
        h.refcount_table_clusters = b.getInt(56);
        h.nb_snapshots = b.getInt(60);
        h.snapshots_offset = b.getLong(64);
        int cs = 1 << h.cluster_bits;
        if (h.version == 2) {
            h.header_length = V2_HEADER_LENGTH;
            h.refcount_order = 4;
        } else {
            if (buf.length < 104) throw new BlockException("qcow2 header too short");
            h.incompatible_features = b.getLong(72);
            h.compatible_features = b.getLong(80);
            h.autoclear_features = b.getLong(88);
            h.refcount_order = b.getInt(96);
            h.header_length = b.getInt(100);
            if (h.header_length < 104) throw new BlockException("qcow2 header too short");
            if (h.header_length > cs) throw new BlockException("qcow2 header exceeds cluster size");
            if (h.header_length > buf.length) throw new BlockException("qcow2 header is truncated (header_length " + h.header_length + ")");
            if (h.header_length >= 105) h.compression_type = buf[104] & 0xff;
        }
        if (Integer.compareUnsigned(h.refcount_order, 6) > 0) {
            throw new BlockException("Reference count entry width too large; may not exceed 64 bits");
        }
        if ((h.incompatible_features & QCOW2_INCOMPAT_COMPRESSION) != 0) {
            if (h.compression_type != QCOW2_COMPRESSION_TYPE_ZSTD && h.compression_type != QCOW2_COMPRESSION_TYPE_ZLIB) {
                throw new BlockException("qcow2: unknown compression type: " + h.compression_type);
            }
        } else if (h.compression_type != QCOW2_COMPRESSION_TYPE_ZLIB) {
            throw new BlockException("qcow2: Compression type incompatible feature bit must be set if compression type is not zlib (" + h.compression_type + ")");
        }
        if (h.size < 0) throw new BlockException("Image size too large (" + Long.toUnsignedString(h.size) + ")");
        // header extensions, up to the end of the first cluster (or the backing file name)
        long extEnd = h.backing_file_offset != 0 ? Math.min(h.backing_file_offset, cs) : cs;
        int off = h.header_length;
        while (off + 8 <= Math.min(extEnd, buf.length)) {
            int type = b.getInt(off);
            long len = Integer.toUnsignedLong(b.getInt(off + 4));
            off += 8;
            if (type == QCOW2_EXT_MAGIC_END) break;
            if (len > Math.min(extEnd, buf.length) - off) {
                throw new BlockException("Invalid qcow2 header extension 0x" + Integer.toHexString(type) + ": length " + len + " too large");
            }
            byte[] data = new byte[(int) len];
            b.get(off, data);
            switch (type) {
                case QCOW2_EXT_MAGIC_BACKING_FORMAT -> {
                    if (len > 1023) throw new BlockException("ERROR: ext_backing_format: len=" + len + " too large");
                    h.backingFormat = cstr(data);
                }
                case QCOW2_EXT_MAGIC_FEATURE_TABLE -> {
                    for (int i = 0; i + 48 <= data.length; i += 48) {
                        h.featureNames.add(new Object[]{data[i] & 0xff, data[i + 1] & 0xff,
                                cstr(java.util.Arrays.copyOfRange(data, i + 2, i + 48))});
                    }
                }
                case QCOW2_EXT_MAGIC_CRYPTO_HEADER -> throw new BlockException("Encrypted qcow2 images are not supported");
                case QCOW2_EXT_MAGIC_DATA_FILE -> throw new BlockException("qcow2 images with an external data file are not supported");
                default -> h.otherExtensions.add(new Object[]{type, data});
            }
            off += (int) ((len + 7) & ~7L);
        }
        if (h.backing_file_offset != 0) {
            if (Integer.compareUnsigned(h.backing_file_size, 1023) > 0 || h.backing_file_offset > cs - h.backing_file_size
                    || h.backing_file_offset < 0) {
                throw new BlockException("Backing file name too long");
            }
            if (h.backing_file_offset + h.backing_file_size > buf.length) {
                throw new BlockException("Backing file name lies beyond the end of the file");
            }
            h.backingFile = new String(buf, (int) h.backing_file_offset, h.backing_file_size, StandardCharsets.UTF_8);
        }
        return h;
    }

    private static String cstr(byte[] d) {
        int n = 0;
        while (n < d.length && d[n] != 0) n++;
        return new String(d, 0, n, StandardCharsets.UTF_8);
    }

    /** Names of unknown incompatible features (from the feature name table when present), for the error. */
    String unknownIncompatibleNames(long bits) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 64; i++) {
            if ((bits & (1L << i)) == 0) continue;
            String name = null;
            for (Object[] f : featureNames) if ((int) f[0] == 0 && (int) f[1] == i) name = (String) f[2];
            if (sb.length() > 0) sb.append(", ");
            sb.append(name != null ? name : "Unknown incompatible feature: " + Long.toHexString(1L << i));
        }
        return sb.toString();
    }

    /**
     * Encodes the whole first cluster as QEMU writes it (qcow2_update_header): the header, then the
     * backing format extension, the feature name table (v3, clusters over 4 KiB), kept extensions, the end marker and the
     * backing file name. Throws if it does not fit in one cluster.
     */
    byte[] encode() throws BlockException {
        int cs = (int) clusterSize();
        ByteBuffer b = ByteBuffer.allocate(cs);
        b.putInt(QCOW_MAGIC).putInt(version).putLong(0).putInt(0).putInt(cluster_bits).putLong(size)
                .putInt(crypt_method).putInt(l1_size).putLong(l1_table_offset).putLong(refcount_table_offset)
                .putInt(refcount_table_clusters).putInt(nb_snapshots).putLong(snapshots_offset);
        if (version >= 3) {
            header_length = V3_HEADER_LENGTH;
            b.putLong(incompatible_features).putLong(compatible_features).putLong(autoclear_features)
                    .putInt(refcount_order).putInt(header_length);
            b.put((byte) compression_type);
            b.position(header_length);
        } else {
            header_length = V2_HEADER_LENGTH;
        }
        try {
            if (backingFormat != null) putExt(b, QCOW2_EXT_MAGIC_BACKING_FORMAT, backingFormat.getBytes(StandardCharsets.UTF_8));
            // QEMU 7.2 leaves the feature name table out of images with clusters of 4 KiB or less
            if (version >= 3 && cs > 4096) putExt(b, QCOW2_EXT_MAGIC_FEATURE_TABLE, featureTable());
            for (Object[] e : otherExtensions) putExt(b, (int) e[0], (byte[]) e[1]);
            b.putInt(QCOW2_EXT_MAGIC_END).putInt(0);
            if (backingFile != null) {
                byte[] bf = backingFile.getBytes(StandardCharsets.UTF_8);
                if (bf.length > 1023) throw new BlockException("Backing file name too long");
                backing_file_offset = b.position();
                backing_file_size = bf.length;
                b.put(bf);
            } else {
                backing_file_offset = 0;
                backing_file_size = 0;
            }
        } catch (java.nio.BufferOverflowException e) {
            throw new BlockException("Cannot fit the qcow2 header and its extensions in one cluster");
        }
        int end = b.position();
        b.putLong(8, backing_file_offset).putInt(16, backing_file_size);
        return java.util.Arrays.copyOf(b.array(), end);
    }

    private static void putExt(ByteBuffer b, int type, byte[] data) {
        b.putInt(type).putInt(data.length).put(data);
        int pad = (8 - (data.length & 7)) & 7;
        for (int i = 0; i < pad; i++) b.put((byte) 0);
    }

    /** The feature name table QEMU writes (qcow2_update_header): 8 entries of 48 bytes. */
    static byte[] featureTable() {
        Object[][] t = {{0, 0, "dirty bit"}, {0, 1, "corrupt bit"}, {0, 2, "external data file"}, {0, 3, "compression type"},
                {0, 4, "extended L2 entries"}, {1, 0, "lazy refcounts"}, {2, 0, "bitmaps"}, {2, 1, "raw external data"}};
        byte[] out = new byte[t.length * 48];
        for (int i = 0; i < t.length; i++) {
            out[i * 48] = (byte) (int) t[i][0];
            out[i * 48 + 1] = (byte) (int) t[i][1];
            byte[] n = ((String) t[i][2]).getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(n, 0, out, i * 48 + 2, n.length);
        }
        return out;
    }
}
