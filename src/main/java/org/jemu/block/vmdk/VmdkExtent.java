package org.jemu.block.vmdk;

import java.io.IOException;
import java.nio.ByteBuffer;

/** One extent of a VMDK disk: a FLAT file region, a hosted SPARSE file, or a ZERO extent. */
abstract sealed class VmdkExtent permits VmdkExtent.Flat, VmdkExtent.Zero, SparseExtent {
    static final int UNALLOCATED = 0, ZERO = 1, DATA = 2, COMPRESSED = 3;

    /** A run inside the extent: {@code kind}, bytes covered, host file offset (DATA) or grain offset (COMPRESSED). */
    record Run(int kind, long length, long host) {}

    final String type;       // "FLAT", "SPARSE", "ZERO", or "" for the sparse file holding the descriptor itself
    final String filename;   // as qemu-img info prints it
    final long sectors;
    final boolean writable;

    VmdkExtent(String type, String filename, long sectors, boolean writable) {
        this.type = type; this.filename = filename; this.sectors = sectors; this.writable = writable;
    }

    long bytes() { return sectors * 512; }

    /** What lies at {@code off} (at most {@code max} bytes, within one grain for sparse extents). */
    abstract Run lookup(long off, long max) throws IOException;

    /** Reads a COMPRESSED run. */
    void readCompressed(Run r, long off, ByteBuffer dst) throws IOException { throw new IllegalStateException(); }

    /** Writes {@code src} at {@code off}; {@code base} supplies the bytes under a newly allocated grain. */
    abstract void write(long off, ByteBuffer src, BaseReader base) throws IOException;

    /** Marks whole grains zero where the format can; returns false if it cannot for this range. */
    boolean zeroGrains(long off, long len) throws IOException { return false; }

    void flush() throws IOException {}

    abstract void close() throws IOException;

    /** The bytes under this extent from the backing chain (zeroes without one). */
    interface BaseReader { void read(long extentOffset, ByteBuffer dst) throws IOException; }

    static final class Flat extends VmdkExtent {
        final org.jemu.block.BlockNode file;
        final long offset;
        Flat(String type, String filename, org.jemu.block.BlockNode file, long sectors, long offsetSectors, boolean writable) {
            super(type, filename, sectors, writable);
            this.file = file; this.offset = offsetSectors * 512;
        }
        @Override Run lookup(long off, long max) { return new Run(DATA, max, offset + off); }
        @Override void write(long off, ByteBuffer src, BaseReader base) throws IOException { file.write(offset + off, src); }
        @Override void flush() throws IOException { if (!file.readOnly()) file.flush(); }
        @Override void close() throws IOException { file.close(); }
    }

    static final class Zero extends VmdkExtent {
        Zero(long sectors) { super("ZERO", "", sectors, false); }
        @Override Run lookup(long off, long max) { return new Run(ZERO, max, -1); }
        @Override void write(long off, ByteBuffer src, BaseReader base) throws IOException {
            throw new org.jemu.block.BlockException("vmdk: cannot write to a ZERO extent");
        }
        @Override void close() {}
    }
}
