package org.jemu.block.vdi;

import org.jemu.block.BlockException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * The VDI header (VirtualBox's VDIPREHEADER + VDIHEADER1, version 1.1), little-endian, 512 bytes at
 * offset 0 of the image:
 * <pre>
 * 0x000 char     text[0x40]      "&lt;&lt;&lt; QEMU VM Virtual Disk Image &gt;&gt;&gt;\n"
 * 0x040 uint32   signature       0xbeda107f
 * 0x044 uint32   version         0x00010001 (1.1)
 * 0x048 uint32   header_size     0x180
 * 0x04c uint32   image_type      1 dynamic, 2 static
 * 0x050 uint32   image_flags
 * 0x054 char     description[256]
 * 0x154 uint32   offset_bmap     block map offset in the file
 * 0x158 uint32   offset_data     first data block
 * 0x15c uint32   cylinders, heads, sectors (legacy geometry), 0x168 sector_size (512)
 * 0x16c uint32   unused1
 * 0x170 uint64   disk_size       virtual size
 * 0x178 uint32   block_size      1 MiB
 * 0x17c uint32   block_extra
 * 0x180 uint32   blocks_in_image
 * 0x184 uint32   blocks_allocated
 * 0x188 uuid     uuid_image, uuid_last_snap, uuid_link, uuid_parent
 * 0x1c8 uint64   unused2[7]
 * </pre>
 * The block map holds one uint32 per block: the index of the data block in the file, or
 * 0xffffffff (VDI_UNALLOCATED) or 0xfffffffe (VDI_DISCARDED), both reading as zeroes.
 */
final class VdiHeader {
    static final int SIZE = 512;
    static final int OFF_SIGNATURE = 0x40;
    static final int SIGNATURE = 0xbeda107f;
    static final int VERSION_1_1 = 0x00010001;
    static final int HEADER_SIZE_V1_1 = 0x180;
    static final int TYPE_DYNAMIC = 1, TYPE_STATIC = 2;
    static final int UNALLOCATED = 0xffffffff, DISCARDED = 0xfffffffe;
    static final long DEFAULT_BLOCK_SIZE = 1 << 20;
    static final long BLOCKS_IN_IMAGE_MAX = 0xffffffffL / 4;
    static final long DISK_SIZE_MAX = BLOCKS_IN_IMAGE_MAX * DEFAULT_BLOCK_SIZE;
    static final String QEMU_TEXT = "<<< QEMU VM Virtual Disk Image >>>\n";

    String text;
    int signature, version, headerSize, imageType, imageFlags;
    String description = "";
    long offsetBmap, offsetData;
    int cylinders, heads, sectors, sectorSize;
    long diskSize;
    int blockSize, blockExtra, blocksInImage, blocksAllocated;
    UUID uuidImage, uuidLastSnap, uuidLink, uuidParent;

    static int le32(byte[] b, int off) {
        return ByteBuffer.wrap(b, off, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }

    static VdiHeader decode(byte[] raw) throws BlockException {
        if (raw.length < SIZE) throw new BlockException("vdi: image is truncated (header needs 512 bytes)");
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        VdiHeader h = new VdiHeader();
        h.text = cstring(raw, 0, 0x40);
        h.signature = b.getInt(0x40);
        h.version = b.getInt(0x44);
        h.headerSize = b.getInt(0x48);
        h.imageType = b.getInt(0x4c);
        h.imageFlags = b.getInt(0x50);
        h.description = cstring(raw, 0x54, 256);
        h.offsetBmap = Integer.toUnsignedLong(b.getInt(0x154));
        h.offsetData = Integer.toUnsignedLong(b.getInt(0x158));
        h.cylinders = b.getInt(0x15c);
        h.heads = b.getInt(0x160);
        h.sectors = b.getInt(0x164);
        h.sectorSize = b.getInt(0x168);
        h.diskSize = b.getLong(0x170);
        h.blockSize = b.getInt(0x178);
        h.blockExtra = b.getInt(0x17c);
        h.blocksInImage = b.getInt(0x180);
        h.blocksAllocated = b.getInt(0x184);
        h.uuidImage = uuid(b, 0x188);
        h.uuidLastSnap = uuid(b, 0x198);
        h.uuidLink = uuid(b, 0x1a8);
        h.uuidParent = uuid(b, 0x1b8);
        return h;
    }

    ByteBuffer encode() {
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        byte[] t = text.getBytes(StandardCharsets.ISO_8859_1);
        b.put(0, t, 0, Math.min(t.length, 0x3f));
        b.putInt(0x40, signature).putInt(0x44, version).putInt(0x48, headerSize).putInt(0x4c, imageType).putInt(0x50, imageFlags);
        byte[] d = description.getBytes(StandardCharsets.UTF_8);
        b.put(0x54, d, 0, Math.min(d.length, 255));
        b.putInt(0x154, (int) offsetBmap).putInt(0x158, (int) offsetData);
        b.putInt(0x15c, cylinders).putInt(0x160, heads).putInt(0x164, sectors).putInt(0x168, sectorSize);
        b.putLong(0x170, diskSize).putInt(0x178, blockSize).putInt(0x17c, blockExtra);
        b.putInt(0x180, blocksInImage).putInt(0x184, blocksAllocated);
        putUuid(b, 0x188, uuidImage);
        putUuid(b, 0x198, uuidLastSnap);
        putUuid(b, 0x1a8, uuidLink);
        putUuid(b, 0x1b8, uuidParent);
        return b;
    }

    /** VDI stores UUIDs in the little-endian (Microsoft GUID) byte order of the first three fields. */
    static UUID uuid(ByteBuffer b, int off) {
        long d1 = Integer.toUnsignedLong(b.getInt(off));
        long d2 = Short.toUnsignedLong(b.getShort(off + 4));
        long d3 = Short.toUnsignedLong(b.getShort(off + 6));
        long lo = b.duplicate().order(ByteOrder.BIG_ENDIAN).getLong(off + 8);
        return new UUID(d1 << 32 | d2 << 16 | d3, lo);
    }

    static void putUuid(ByteBuffer b, int off, UUID u) {
        long hi = u.getMostSignificantBits();
        b.putInt(off, (int) (hi >>> 32)).putShort(off + 4, (short) (hi >>> 16)).putShort(off + 6, (short) hi);
        b.duplicate().order(ByteOrder.BIG_ENDIAN).putLong(off + 8, u.getLeastSignificantBits());
    }

    private static String cstring(byte[] raw, int off, int max) {
        int n = 0;
        while (n < max && raw[off + n] != 0) n++;
        return new String(raw, off, n, StandardCharsets.ISO_8859_1);
    }
}
