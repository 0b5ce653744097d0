package org.jemu.block.vhdx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * A VHDX header (4 KiB, two copies at 64 KiB and 128 KiB; the valid one with the higher
 * SequenceNumber is current):
 * <pre>
 *  0 Signature "head"  4 Checksum (CRC32C of the 4 KiB, this field zero)  8 SequenceNumber
 * 16 FileWriteGuid  32 DataWriteGuid  48 LogGuid  64 LogVersion (0)  66 Version (1)
 * 68 LogLength  72 LogOffset
 * </pre>
 */
final class VhdxHeader {
    static final int SIZE = 4096;
    static final int SIGNATURE = 0x64616568; // "head"
    static final long OFFSET_1 = 64 * 1024, OFFSET_2 = 128 * 1024;

    int signature = SIGNATURE;
    int checksum;
    long sequenceNumber;
    UUID fileWriteGuid = VhdxGuid.ZERO, dataWriteGuid = VhdxGuid.ZERO, logGuid = VhdxGuid.ZERO;
    int logVersion, version = 1;
    long logLength;
    long logOffset;
    boolean checksumValid;

    static VhdxHeader decode(byte[] raw) {
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        VhdxHeader h = new VhdxHeader();
        h.signature = b.getInt(0);
        h.checksum = b.getInt(4);
        h.sequenceNumber = b.getLong(8);
        h.fileWriteGuid = VhdxGuid.get(b, 16);
        h.dataWriteGuid = VhdxGuid.get(b, 32);
        h.logGuid = VhdxGuid.get(b, 48);
        h.logVersion = Short.toUnsignedInt(b.getShort(64));
        h.version = Short.toUnsignedInt(b.getShort(66));
        h.logLength = Integer.toUnsignedLong(b.getInt(68));
        h.logOffset = b.getLong(72);
        h.checksumValid = crc(raw, 4) == h.checksum;
        return h;
    }

    ByteBuffer encode() {
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, signature).putLong(8, sequenceNumber);
        VhdxGuid.put(b, 16, fileWriteGuid);
        VhdxGuid.put(b, 32, dataWriteGuid);
        VhdxGuid.put(b, 48, logGuid);
        b.putShort(64, (short) logVersion).putShort(66, (short) version).putInt(68, (int) logLength).putLong(72, logOffset);
        checksum = crc(b.array(), 4);
        b.putInt(4, checksum);
        return b;
    }

    /** CRC32C of {@code raw} with the 4-byte checksum field at {@code csumOff} taken as zero. */
    static int crc(byte[] raw, int csumOff) {
        CRC32C c = new CRC32C();
        c.update(raw, 0, csumOff);
        c.update(new byte[4]);
        c.update(raw, csumOff + 4, raw.length - csumOff - 4);
        return (int) c.getValue();
    }
}
