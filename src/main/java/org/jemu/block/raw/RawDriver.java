package org.jemu.block.raw;

import org.jemu.block.BlockDriver;
import org.jemu.block.BlockException;
import org.jemu.block.BlockNode;
import org.jemu.block.BlockStatus;
import org.jemu.block.OpenContext;
import org.jemu.block.file.FileNode;
import org.jemu.util.QemuOpts;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

/** The raw format: guest bytes are the file's bytes. Probes with the lowest score (QEMU's raw answers 1). */
public final class RawDriver implements BlockDriver {
    @Override public String name() { return "raw"; }
    @Override public int probe(byte[] head, String filename) { return 1; }

    @Override
    public BlockNode open(BlockNode file, OpenContext ctx) {
        return new RawNode(file);
    }

    @Override
    public void create(Path path, long size, QemuOpts opts, OpenContext ctx) throws IOException {
        String prealloc = opts == null ? "off" : opts.take("preallocation", "off");
        if (opts != null) opts.rejectUnknown();
        if (!prealloc.equals("off") && !prealloc.equals("falloc") && !prealloc.equals("full")) {
            throw new BlockException("Parameter 'preallocation' does not accept value '" + prealloc + "'");
        }
        FileNode.create(path, prealloc.equals("off") ? size : 0);
        if (!prealloc.equals("off")) {
            try (FileNode f = FileNode.open(path, false, org.jemu.block.CacheMode.WRITEBACK)) {
                ByteBuffer z = ByteBuffer.allocate(1 << 20);
                for (long o = 0; o < size; o += z.capacity()) {
                    z.clear().limit((int) Math.min(z.capacity(), size - o));
                    f.write(o, z);
                }
                f.flush();
            }
        }
    }

    @Override
    public List<CreateOption> createOptions() {
        return List.of(new CreateOption("size", "size", "Virtual disk size", null),
                new CreateOption("preallocation", "str", "Preallocation mode (allowed values: off, falloc, full)", "off"));
    }

    /** A raw image node over its protocol node. */
    public static final class RawNode implements BlockNode {
        private final BlockNode file;
        RawNode(BlockNode file) { this.file = file; }
        public BlockNode file() { return file; }
        @Override public String formatName() { return "raw"; }
        @Override public long size() { return file.size(); }
        @Override public boolean readOnly() { return file.readOnly(); }
        @Override public void read(long offset, ByteBuffer dst) throws IOException { check(offset, dst.remaining()); file.read(offset, dst); }
        @Override public void write(long offset, ByteBuffer src) throws IOException { check(offset, src.remaining()); file.write(offset, src); }
        @Override public void flush() throws IOException { file.flush(); }
        @Override public void discard(long offset, long length) throws IOException { file.discard(offset, length); }
        @Override public void writeZeroes(long offset, long length) throws IOException { check(offset, length); file.writeZeroes(offset, length); }
        @Override public BlockStatus blockStatus(long offset, long length) throws IOException { return file.blockStatus(offset, length); }
        @Override public long allocatedFileSize() throws IOException { return file.allocatedFileSize(); }
        @Override public void prepareBulkWrites() { file.prepareBulkWrites(); }

        /** Resizes the image (the file). */
        @Override
        public void truncate(long size, boolean allowShrink) throws IOException {
            if (size < size() && !allowShrink) throw new BlockException("Use the --shrink option to perform a shrink operation.");
            if (file instanceof FileNode f) f.truncate(size);
            else throw new BlockException("Image format driver does not support resize");
        }

        private void check(long offset, long len) throws BlockException {
            if (offset < 0 || len < 0 || offset + len > size()) {
                throw new BlockException("Request out of range: offset " + offset + " length " + len + " beyond image size " + size());
            }
        }
        @Override public void close() throws IOException { file.close(); }
    }
}
