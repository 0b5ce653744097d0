package org.jemu.block.vmdk;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The hosted sparse extent header (VMware "Virtual Disk Format 5.0", SparseExtentHeader), little-endian,
 * 512 bytes at sector 0 of a sparse extent. Sizes and offsets are in 512-byte sectors.
 * <pre>
 *  0 uint32 magicNumber 'KDMV'     4 uint32 version (1; 2 with zeroed-grain GTEs; 3 streamOptimized)
 *  8 uint32 flags                 12 uint64 capacity          20 uint64 grainSize
 * 28 uint64 descriptorOffset      36 uint64 descriptorSize    44 uint32 numGTEsPerGT
 * 48 uint64 rgdOffset             56 uint64 gdOffset          64 uint64 overHead
 * 72 uint8  uncleanShutdown       73 char singleEndLineChar '\n', nonEndLineChar ' ',
 *                                    doubleEndLineChar1 '\r', doubleEndLineChar2 '\n'
 * 77 uint16 compressAlgorithm (1 = deflate)   79 pad[433]
 * </pre>
 */
final class SparseExtentHeader {
    static final int SIZE = 512;
    static final int MAGIC = 0x564d444b; // "KDMV" little-endian
    static final int FLAG_VALID_NEWLINE_DETECTION = 1;
    static final int FLAG_REDUNDANT_GRAIN_TABLE = 1 << 1;
    static final int FLAG_ZEROED_GRAIN_GTE = 1 << 2;
    static final int FLAG_COMPRESSED_GRAINS = 1 << 16;
    static final int FLAG_MARKERS = 1 << 17;
    static final int COMPRESSION_NONE = 0, COMPRESSION_DEFLATE = 1;
    static final long GD_AT_END = -1L;

    int magicNumber = MAGIC;
    int version;
    int flags;
    long capacity, grainSize, descriptorOffset, descriptorSize;
    int numGTEsPerGT;
    long rgdOffset, gdOffset, overHead;
    int uncleanShutdown;
    byte singleEndLineChar = '\n', nonEndLineChar = ' ', doubleEndLineChar1 = '\r', doubleEndLineChar2 = '\n';
    int compressAlgorithm;

    static SparseExtentHeader decode(byte[] raw, int off) {
        ByteBuffer b = ByteBuffer.wrap(raw, off, SIZE).slice().order(ByteOrder.LITTLE_ENDIAN);
        SparseExtentHeader h = new SparseExtentHeader();
        h.magicNumber = b.getInt(0);
        h.version = b.getInt(4);
        h.flags = b.getInt(8);
        h.capacity = b.getLong(12);
        h.grainSize = b.getLong(20);
        h.descriptorOffset = b.getLong(28);
        h.descriptorSize = b.getLong(36);
        h.numGTEsPerGT = b.getInt(44);
        h.rgdOffset = b.getLong(48);
        h.gdOffset = b.getLong(56);
        h.overHead = b.getLong(64);
        h.uncleanShutdown = b.get(72);
        h.singleEndLineChar = b.get(73);
        h.nonEndLineChar = b.get(74);
        h.doubleEndLineChar1 = b.get(75);
        h.doubleEndLineChar2 = b.get(76);
        h.compressAlgorithm = Short.toUnsignedInt(b.getShort(77));
        return h;
    }

    ByteBuffer encode() {
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, magicNumber).putInt(4, version).putInt(8, flags).putLong(12, capacity).putLong(20, grainSize)
                .putLong(28, descriptorOffset).putLong(36, descriptorSize).putInt(44, numGTEsPerGT)
                .putLong(48, rgdOffset).putLong(56, gdOffset).putLong(64, overHead)
                .put(72, (byte) uncleanShutdown).put(73, singleEndLineChar).put(74, nonEndLineChar)
                .put(75, doubleEndLineChar1).put(76, doubleEndLineChar2).putShort(77, (short) compressAlgorithm);
        return b;
    }

    boolean has(int flag) { return (flags & flag) != 0; }
}
