package org.jemu.block;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;

/**
 * One node of the block graph (QEMU's BlockDriverState): a format driver (qcow2, vmdk, vdi, vpc, vhdx,
 * raw) over a protocol node (file, nbd), optionally over a backing node. Used by {@code jemu-img} and
 * by the machines' virtual disks alike.
 *
 * <p>Offsets and lengths are guest-visible bytes. Drivers validate their on-disk metadata when opened
 * and on every table read, and report problems as {@link BlockException} with a message naming the
 * problem; they never let a malformed image cause an unchecked exception, a hang or an unbounded
 * allocation.
 */
public interface BlockNode extends AutoCloseable {
    /** The driver name as qemu-img prints it ("qcow2", "raw", "vmdk", "vdi", "vpc", "vhdx", "file"). */
    String formatName();

    /** Virtual size in bytes. */
    long size();

    boolean readOnly();

    /** Reads {@code dst.remaining()} bytes at {@code offset}; unallocated areas read as the backing node or zeroes. */
    void read(long offset, ByteBuffer dst) throws IOException;

    /** Writes {@code src.remaining()} bytes at {@code offset}. */
    void write(long offset, ByteBuffer src) throws IOException;

    /** Makes everything written so far durable (metadata ordered before it). */
    void flush() throws IOException;

    /** Hints that a range is no longer needed; reads afterwards return zeroes or backing data as the format defines. */
    default void discard(long offset, long length) throws IOException {}

    /** Writes zeroes, efficiently where the format can mark a range zero. */
    default void writeZeroes(long offset, long length) throws IOException {
        ByteBuffer z = ByteBuffer.allocate((int) Math.min(length, 1 << 20));
        while (length > 0) {
            int n = (int) Math.min(length, z.capacity());
            z.clear().limit(n);
            write(offset, z);
            offset += n;
            length -= n;
        }
    }

    /**
     * Allocation status of the run starting at {@code offset} (at most {@code length} bytes): the
     * answer covers a prefix of the range whose bytes all have the same status. Used by
     * {@code map}, {@code convert} (skipping holes) and NBD block status.
     */
    BlockStatus blockStatus(long offset, long length) throws IOException;

    /** The backing node, or null. */
    default BlockNode backing() { return null; }

    /** Bytes the image occupies on the host (qemu-img's "disk size"), or -1 if unknown. */
    default long allocatedFileSize() throws IOException { return -1; }

    /** qemu-img info's "Format specific information" as ordered key/value pairs (JSON names); empty if none. */
    default Map<String, Object> formatSpecificInfo() { return Map.of(); }

    // --- Added by the block layer for jemu-img (defaults keep existing drivers compiling) ---

    /** qemu-img info's "cluster-size" (0 = the format has none). */
    default long clusterSize() { return 0; }

    /** The backing file name as stored in the image (not resolved), or null. */
    default String backingFilename() { return null; }

    /**
     * convert: large writes of new data follow (each range written once, in order). A file node on a file
     * system with unwritten extents then allocates each large write's range before writing it (see
     * {@link org.jemu.block.file.FileNode#prepareBulkWrites}); format nodes pass it to their file.
     */
    default void prepareBulkWrites() {}

    /** The backing format as stored in the image, or null. */
    default String backingFormat() { return null; }

    /** The image's dirty flag as qemu-img info's "dirty-flag" reports it. */
    default boolean dirtyFlag() { return false; }

    /**
     * Changes the virtual size (qemu-img resize). Shrinking needs {@code allowShrink}; drivers that cannot
     * resize keep this default, which names the problem as QEMU does.
     */
    default void truncate(long newSize, boolean allowShrink) throws IOException {
        throw new BlockException("Image format driver does not support resize");
    }

    /**
     * Checks the image's metadata (qemu-img check); {@code fix} is a mask of {@link ImageCheck#FIX_LEAKS}
     * and {@link ImageCheck#FIX_ERRORS}. Formats without a check keep this default (QEMU's message).
     */
    default ImageCheck check(int fix) throws IOException {
        throw new BlockException("This image format does not support checks");
    }

    @Override
    void close() throws IOException;
}
