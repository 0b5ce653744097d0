package org.jemu.block.qcow2;

import org.jemu.block.BlockException;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** One entry of the qcow2 snapshot table (docs/interop/qcow2.txt "Snapshots"), with its extra data. */
public final class QCowSnapshotHeader {
    static final int QCOW_MAX_SNAPSHOT_EXTRA_DATA = 1024;
    static final int EXTRA_DATA_SIZE = 24; // vm_state_size_large, disk_size, icount

    public long l1_table_offset;
    public int l1_size;
    public int date_sec;
    public int date_nsec;
    public long vm_clock_nsec;
    public int vm_state_size;
    // extra data
    long vm_state_size_large;
    public long disk_size;
    public long icount = -1;
    byte[] unknownExtra = new byte[0];
    public String id_str;
    public String name;

    public long vmStateSize() { return vm_state_size_large != 0 ? vm_state_size_large : Integer.toUnsignedLong(vm_state_size); }

    /** Parses one entry at {@code b}'s position (advancing it, 8-byte aligned); {@code v3} enforces the extra data. */
    static QCowSnapshotHeader parse(ByteBuffer b, int index, boolean v3, long imageSize) throws BlockException {
        QCowSnapshotHeader s = new QCowSnapshotHeader();
        try {
            int start = b.position();
            s.l1_table_offset = b.getLong();
            s.l1_size = b.getInt();
            int idSize = Short.toUnsignedInt(b.getShort());
            int nameSize = Short.toUnsignedInt(b.getShort());
            s.date_sec = b.getInt();
            s.date_nsec = b.getInt();
            s.vm_clock_nsec = b.getLong();
            s.vm_state_size = b.getInt();
            int extraSize = b.getInt();
            if (Integer.compareUnsigned(extraSize, QCOW_MAX_SNAPSHOT_EXTRA_DATA) > 0) {
                throw new BlockException("Too much extra metadata in snapshot table entry " + index);
            }
            if (v3 && extraSize < 16) throw new BlockException("Snapshot table entry " + index + " has too little extra data for a v3 image");
            int e0 = b.position();
            if (extraSize >= 8) s.vm_state_size_large = b.getLong(e0);
            s.disk_size = extraSize >= 16 ? b.getLong(e0 + 8) : imageSize;
            s.icount = extraSize >= 24 ? b.getLong(e0 + 16) : -1;
            if (extraSize > EXTRA_DATA_SIZE) {
                s.unknownExtra = new byte[extraSize - EXTRA_DATA_SIZE];
                b.get(e0 + EXTRA_DATA_SIZE, s.unknownExtra);
            }
            b.position(e0 + extraSize);
            byte[] id = new byte[idSize];
            b.get(id);
            byte[] nm = new byte[nameSize];
            b.get(nm);
            s.id_str = new String(id, StandardCharsets.UTF_8);
            s.name = new String(nm, StandardCharsets.UTF_8);
            int len = b.position() - start;
            b.position(Math.min(b.limit(), start + ((len + 7) & ~7))); // the last entry's padding may lie past EOF
        } catch (java.nio.BufferUnderflowException | IndexOutOfBoundsException | IllegalArgumentException e) {
            throw new BlockException("Snapshot table entry " + index + " extends beyond the snapshot table");
        }
        return s;
    }

    byte[] encode() {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        byte[] id = id_str.getBytes(StandardCharsets.UTF_8), nm = name.getBytes(StandardCharsets.UTF_8);
        int extra = EXTRA_DATA_SIZE + unknownExtra.length;
        ByteBuffer b = ByteBuffer.allocate(40 + extra + id.length + nm.length + 8);
        b.putLong(l1_table_offset).putInt(l1_size).putShort((short) id.length).putShort((short) nm.length)
                .putInt(date_sec).putInt(date_nsec).putLong(vm_clock_nsec).putInt(vm_state_size).putInt(extra)
                .putLong(vm_state_size_large).putLong(disk_size).putLong(icount).put(unknownExtra).put(id).put(nm);
        int len = (b.position() + 7) & ~7;
        o.write(b.array(), 0, len);
        return o.toByteArray();
    }
}
