package org.jemu.block.fmttest;

import org.jemu.block.BlockException;
import org.jemu.block.BlockNode;
import org.jemu.block.BlockStatus;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Test-only protocol node over a host file, behaving as the block core's {@code file} node does:
 * reads past the end of the file return zeroes, writes past the end grow the file.
 */
public final class TestFile implements BlockNode {
    private final Path path;
    private final FileChannel ch;
    private final boolean readOnly;

    private TestFile(Path path, FileChannel ch, boolean readOnly) { this.path = path; this.ch = ch; this.readOnly = readOnly; }

    public static TestFile open(Path path, boolean readOnly) throws IOException {
        try {
            return new TestFile(path, readOnly ? FileChannel.open(path, StandardOpenOption.READ)
                    : FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE), readOnly);
        } catch (NoSuchFileException e) {
            throw new BlockException("Could not open '" + path + "': No such file or directory");
        }
    }

    public Path path() { return path; }
    @Override public String formatName() { return "file"; }
    @Override public long size() {
        try { return ch.size(); } catch (IOException e) { throw new java.io.UncheckedIOException(e); }
    }
    @Override public boolean readOnly() { return readOnly; }

    @Override public void read(long offset, ByteBuffer dst) throws IOException {
        if (offset < 0) throw new BlockException("read at negative offset " + offset);
        while (dst.hasRemaining()) {
            int n = ch.read(dst, offset);
            if (n <= 0) { while (dst.hasRemaining()) dst.put((byte) 0); break; }
            offset += n;
        }
    }

    @Override public void write(long offset, ByteBuffer src) throws IOException {
        if (readOnly) throw new BlockException("read-only " + path);
        if (offset < 0) throw new BlockException("write at negative offset " + offset);
        while (src.hasRemaining()) offset += ch.write(src, offset);
    }

    @Override public void flush() throws IOException { if (!readOnly) ch.force(false); }

    @Override public BlockStatus blockStatus(long offset, long length) {
        return new BlockStatus(length, true, false, true, 0, offset);
    }

    @Override public long allocatedFileSize() throws IOException {
        Object blocks = Files.getAttribute(path, "unix:blocks");
        return blocks instanceof Number n ? n.longValue() * 512 : -1;
    }

    @Override public void close() throws IOException { ch.close(); }
}
