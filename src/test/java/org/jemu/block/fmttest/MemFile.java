package org.jemu.block.fmttest;

import org.jemu.block.BlockException;
import org.jemu.block.BlockNode;
import org.jemu.block.BlockStatus;
import org.jemu.block.OpenContext;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/** An in-memory protocol node (reads past the end give zeroes, writes grow it, up to a cap) for fuzzing. */
public final class MemFile implements BlockNode {
    static final long CAP = 256L << 20;
    private byte[] data;
    private int len;
    private final boolean readOnly;

    public MemFile(byte[] content, boolean readOnly) { this.data = content.clone(); this.len = content.length; this.readOnly = readOnly; }

    public byte[] bytes() { return Arrays.copyOf(data, len); }
    @Override public String formatName() { return "file"; }
    @Override public long size() { return len; }
    @Override public boolean readOnly() { return readOnly; }

    @Override public void read(long offset, ByteBuffer dst) throws IOException {
        if (offset < 0) throw new BlockException("negative offset");
        while (dst.hasRemaining()) {
            if (offset >= len) { dst.put((byte) 0); offset++; continue; }
            int n = (int) Math.min(dst.remaining(), len - offset);
            dst.put(data, (int) offset, n);
            offset += n;
        }
    }

    @Override public void write(long offset, ByteBuffer src) throws IOException {
        if (readOnly) throw new BlockException("read-only");
        long end = offset + src.remaining();
        if (offset < 0 || end > CAP) throw new BlockException("MemFile: write beyond the test cap at " + offset);
        if (end > data.length) data = Arrays.copyOf(data, (int) Math.max(end, Math.min(CAP, data.length * 2L)));
        src.get(data, (int) offset, src.remaining());
        if (end > len) len = (int) end;
    }

    @Override public void flush() {}
    @Override public BlockStatus blockStatus(long offset, long length) { return new BlockStatus(length, true, false, true, 0, offset); }
    @Override public void close() {}

    /** A context whose extent files come from {@code files} (by name), and which has no backing files. */
    public static OpenContext context(Path image, boolean ro, Map<String, byte[]> files) {
        return new OpenContext() {
            @Override public Path imagePath() { return image; }
            @Override public boolean readOnly() { return ro; }
            @Override public BlockNode openBacking(String filename, String format) throws IOException {
                throw new BlockException("Could not open backing file '" + filename + "'");
            }
            @Override public BlockNode openFile(String filename, boolean r) throws IOException {
                String k = Path.of(filename).getFileName().toString();
                byte[] b = files.get(k);
                if (b == null) throw new BlockException("Could not open '" + filename + "': No such file or directory");
                return new MemFile(b, r);
            }
        };
    }
}
