package org.jemu.block.vpc;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The VHD "Dynamic Disk Header", big-endian, 1024 bytes at the footer's Data Offset:
 * <pre>
 *  0 Cookie "cxsparse"  8 Data Offset (~0)  16 Table Offset (the BAT)  24 Header Version (0x00010000)
 * 28 Max Table Entries  32 Block Size (2 MiB)  36 Checksum  40 Parent Unique ID  56 Parent Time Stamp
 * 64 Parent Unicode Name[512]  576 Parent Locator Entries[8 x 24]
 * </pre>
 * The Block Allocation Table holds one big-endian uint32 sector offset per block (0xFFFFFFFF: not
 * allocated). An allocated block is a sector bitmap (one bit per sector, padded to 512 bytes) followed
 * by the block's data.
 */
final class VhdDynamicHeader {
    static final int SIZE = 1024;
    static final byte[] COOKIE = "cxsparse".getBytes(StandardCharsets.US_ASCII);

    long dataOffset = -1;
    long tableOffset;
    int headerVersion = 0x00010000;
    int maxTableEntries;
    int blockSize;
    int checksum;

    static boolean hasCookie(byte[] b) {
        for (int i = 0; i < 8; i++) if (b[i] != COOKIE[i]) return false;
        return true;
    }

    static VhdDynamicHeader decode(byte[] raw) {
        ByteBuffer b = ByteBuffer.wrap(raw);
        VhdDynamicHeader h = new VhdDynamicHeader();
        h.dataOffset = b.getLong(8);
        h.tableOffset = b.getLong(16);
        h.headerVersion = b.getInt(24);
        h.maxTableEntries = b.getInt(28);
        h.blockSize = b.getInt(32);
        h.checksum = b.getInt(36);
        return h;
    }

    ByteBuffer encode() {
        ByteBuffer b = ByteBuffer.allocate(SIZE);
        b.put(0, COOKIE);
        b.putLong(8, dataOffset).putLong(16, tableOffset).putInt(24, headerVersion)
                .putInt(28, maxTableEntries).putInt(32, blockSize);
        checksum = VhdFooter.checksum(b.array(), 36);
        b.putInt(36, checksum);
        return b;
    }
}
