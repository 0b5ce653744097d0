package org.jemu.block.vpc;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * The VHD "Hard Disk Footer" (Virtual Hard Disk Image Format Specification), big-endian, 512 bytes,
 * at the end of every image and, for dynamic images, copied at offset 0:
 * <pre>
 *  0 Cookie "conectix"   8 Features (2)      12 File Format Version (0x00010000)
 * 16 Data Offset (dynamic header; ~0 for fixed)  24 Time Stamp (s since 2000-01-01 UTC)
 * 28 Creator Application ("qemu"/"qem2")  32 Creator Version  36 Creator Host OS ("Wi2k")
 * 40 Original Size  48 Current Size  56 Disk Geometry (cylinders u16, heads u8, sectors u8)
 * 60 Disk Type (2 fixed, 3 dynamic, 4 differencing)  64 Checksum  68 Unique Id  84 Saved State
 * </pre>
 */
final class VhdFooter {
    static final int SIZE = 512;
    static final byte[] COOKIE = "conectix".getBytes(StandardCharsets.US_ASCII);
    static final int TYPE_FIXED = 2, TYPE_DYNAMIC = 3, TYPE_DIFFERENCING = 4;
    static final long EPOCH_2000 = 946684800L;

    int features = 2;
    int fileFormatVersion = 0x00010000;
    long dataOffset;
    int timeStamp;
    String creatorApplication = "qemu";
    int creatorVersion = 0x00050003;
    int creatorHostOs = 0x5769326b; // "Wi2k"
    long originalSize, currentSize;
    int cylinders, heads, sectorsPerTrack;
    int diskType;
    int checksum;
    UUID uniqueId;
    int savedState;

    static boolean hasCookie(byte[] b, int off) {
        if (b.length < off + 8) return false;
        for (int i = 0; i < 8; i++) if (b[off + i] != COOKIE[i]) return false;
        return true;
    }

    static VhdFooter decode(byte[] raw) {
        ByteBuffer b = ByteBuffer.wrap(raw); // big-endian
        VhdFooter f = new VhdFooter();
        f.features = b.getInt(8);
        f.fileFormatVersion = b.getInt(12);
        f.dataOffset = b.getLong(16);
        f.timeStamp = b.getInt(24);
        f.creatorApplication = new String(raw, 28, 4, StandardCharsets.ISO_8859_1);
        f.creatorVersion = b.getInt(32);
        f.creatorHostOs = b.getInt(36);
        f.originalSize = b.getLong(40);
        f.currentSize = b.getLong(48);
        f.cylinders = Short.toUnsignedInt(b.getShort(56));
        f.heads = Byte.toUnsignedInt(b.get(58));
        f.sectorsPerTrack = Byte.toUnsignedInt(b.get(59));
        f.diskType = b.getInt(60);
        f.checksum = b.getInt(64);
        f.uniqueId = new UUID(b.getLong(68), b.getLong(76));
        f.savedState = b.get(84);
        return f;
    }

    ByteBuffer encode() {
        ByteBuffer b = ByteBuffer.allocate(SIZE);
        b.put(0, COOKIE);
        b.putInt(8, features).putInt(12, fileFormatVersion).putLong(16, dataOffset).putInt(24, timeStamp);
        b.put(28, creatorApplication.getBytes(StandardCharsets.ISO_8859_1), 0, 4);
        b.putInt(32, creatorVersion).putInt(36, creatorHostOs);
        b.putLong(40, originalSize).putLong(48, currentSize);
        b.putShort(56, (short) cylinders).put(58, (byte) heads).put(59, (byte) sectorsPerTrack);
        b.putInt(60, diskType);
        b.putLong(68, uniqueId.getMostSignificantBits()).putLong(76, uniqueId.getLeastSignificantBits());
        b.put(84, (byte) savedState);
        checksum = VhdFooter.checksum(b.array(), 64);
        b.putInt(64, checksum);
        return b;
    }

    /** One's complement of the byte sum, the checksum field (at {@code csumOff}) counted as zero. */
    static int checksum(byte[] raw, int csumOff) {
        int sum = 0;
        for (int i = 0; i < raw.length; i++) {
            if (i >= csumOff && i < csumOff + 4) continue;
            sum += raw[i] & 0xff;
        }
        return ~sum;
    }

    long totalSectorsFromGeometry() { return (long) cylinders * heads * sectorsPerTrack; }
}
