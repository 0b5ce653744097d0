package org.jemu.block.vhdx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.UUID;

/** GUIDs as VHDX stores them: Data1 (uint32), Data2, Data3 (uint16) little-endian, Data4 as 8 bytes. */
final class VhdxGuid {
    private VhdxGuid() {}
    static final UUID ZERO = new UUID(0, 0);
    static final UUID BAT = UUID.fromString("2DC27766-F623-4200-9D64-115E9BFD4A08");
    static final UUID METADATA = UUID.fromString("8B7CA206-4790-4B9A-B8FE-575F050F886E");
    static final UUID FILE_PARAMETERS = UUID.fromString("CAA16737-FA36-4D43-B3B6-33F0AA44E76B");
    static final UUID VIRTUAL_DISK_SIZE = UUID.fromString("2FA54224-CD1B-4876-B211-5DBED83BF4B8");
    static final UUID PAGE83_DATA = UUID.fromString("BECA12AB-B2E6-4523-93EF-C309E000C746");
    static final UUID LOGICAL_SECTOR_SIZE = UUID.fromString("8141BF1D-A96F-4709-BA47-F233A8FAAB5F");
    static final UUID PHYSICAL_SECTOR_SIZE = UUID.fromString("CDA348C7-445D-4471-9CC9-E9885251C556");
    static final UUID PARENT_LOCATOR = UUID.fromString("A8D35F2D-B30B-454D-ABF7-D3D84834AB0C");

    static UUID get(ByteBuffer b, int off) {
        ByteBuffer l = b.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        long d1 = Integer.toUnsignedLong(l.getInt(off));
        long d2 = Short.toUnsignedLong(l.getShort(off + 4));
        long d3 = Short.toUnsignedLong(l.getShort(off + 6));
        long d4 = b.duplicate().order(ByteOrder.BIG_ENDIAN).getLong(off + 8);
        return new UUID(d1 << 32 | d2 << 16 | d3, d4);
    }

    static void put(ByteBuffer b, int off, UUID u) {
        ByteBuffer l = b.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        long hi = u.getMostSignificantBits();
        l.putInt(off, (int) (hi >>> 32)).putShort(off + 4, (short) (hi >>> 16)).putShort(off + 6, (short) hi);
        b.duplicate().order(ByteOrder.BIG_ENDIAN).putLong(off + 8, u.getLeastSignificantBits());
    }
}
