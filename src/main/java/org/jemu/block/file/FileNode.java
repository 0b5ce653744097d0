package org.jemu.block.file;

import org.jemu.block.BlockException;
import org.jemu.block.BlockNode;
import org.jemu.block.BlockStatus;
import org.jemu.block.CacheMode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code file} protocol node (QEMU's file-posix): a host file through a FileChannel.
 * Sparse files: block status asks the host with lseek(SEEK_DATA/SEEK_HOLE); discard punches holes.
 * Cache modes: {@link CacheMode} — {@code none}/{@code directsync} open with O_DIRECT (through aligned
 * bounce buffers), {@code writethrough}/{@code directsync} sync data after every write,
 * {@code unsafe} ignores flushes, {@code writeback}/{@code none} make {@link #flush} an fdatasync.
 */
public final class FileNode implements BlockNode {
    private final Path path;
    private final FileChannel ch;
    private final boolean readOnly;
    private final CacheMode cache;
    /** The side descriptor: NOT_OPEN until first needed, -1 when unavailable. */
    private volatile int nativeFd = NOT_OPEN;
    private static final int NOT_OPEN = -2;
    /** st_ino of the file the channel opened (-1 unknown): the side descriptor, opened later by name, must be the same file. */
    private final long ino;
    private final int align;
    private volatile long cachedSize;

    private FileNode(Path path, FileChannel ch, boolean readOnly, CacheMode cache, long ino, int align) throws IOException {
        this.path = path; this.ch = ch; this.readOnly = readOnly; this.cache = cache; this.ino = ino; this.align = align;
        this.cachedSize = ch.size();
    }

    /** Opens an existing file. Errors read like QEMU's: "Could not open 'F': No such file or directory". */
    public static FileNode open(Path path, boolean readOnly, CacheMode cache) throws IOException {
        String name = path.toString();
        if (Files.isDirectory(path)) throw new BlockException("Could not open '" + name + "': Is a directory");
        List<OpenOption> oo = new ArrayList<>();
        oo.add(StandardOpenOption.READ);
        if (!readOnly) oo.add(StandardOpenOption.WRITE);
        if (cache.direct) oo.add(com.sun.nio.file.ExtendedOpenOption.DIRECT);
        FileChannel ch;
        try {
            ch = FileChannel.open(path, oo.toArray(OpenOption[]::new));
        } catch (NoSuchFileException e) {
            throw new BlockException("Could not open '" + name + "': No such file or directory");
        } catch (AccessDeniedException e) {
            throw new BlockException("Could not open '" + name + "': Permission denied");
        } catch (FileSystemException e) {
            String r = e.getReason();
            throw new BlockException("Could not open '" + name + "': " + (r == null ? e.getMessage() : r));
        } catch (UnsupportedOperationException | IOException e) {
            throw new BlockException("Could not open '" + name + "': " + (cache.direct ? "Invalid argument" : e.getMessage()));
        }
        long ino;
        try {
            ino = ((Number) Files.getAttribute(path, "unix:ino")).longValue();
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | ClassCastException e) {
            ino = -1;
        }
        int align = 1;
        if (cache.direct) {
            try { align = (int) Math.max(512, Math.min(4096, Files.getFileStore(path).getBlockSize())); }
            catch (IOException | UnsupportedOperationException e) { align = 4096; }
        }
        return new FileNode(path, ch, readOnly, cache, ino, align);
    }

    /** Creates (or truncates) a file of {@code size} bytes, sparse. */
    public static void create(Path path, long size) throws IOException {
        // no sync of the new, empty file (QEMU's file-posix create has none either): the format's
        // create path orders and flushes its own metadata writes
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            assert ch.isOpen();
        } catch (NoSuchFileException e) {
            throw new BlockException("Could not create '" + path + "': No such file or directory");
        } catch (AccessDeniedException e) {
            throw new BlockException("Could not create '" + path + "': Permission denied");
        } catch (FileSystemException e) {
            throw new BlockException("Could not create '" + path + "': " + e.getReason());
        }
        if (size > 0) try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(path.toFile(), "rw")) {
            // like QEMU's allocate_first_block(): the first block is allocated so that block status and
            // O_DIRECT alignment probing see it
            f.write(new byte[(int) Math.min(size, 4096)]);
            f.setLength(size);
        }
    }

    /** Starts linking the native calls the file node needs on a background thread (shorter start-up of the tools). */
    public static void preloadNative() { Posix.preload(); }

    /**
     * Whether the native calls are linked yet (never waits). convert copies a raw source as all data
     * (its zero detection finds the holes) until they are, instead of waiting for the link.
     */
    public static boolean nativeReady() { return Posix.ready(); }

    public Path path() { return path; }
    public CacheMode cacheMode() { return cache; }

    @Override public String formatName() { return "file"; }
    @Override public long size() { return cachedSize; }
    @Override public boolean readOnly() { return readOnly; }

    /** Reads; bytes past the end of the file read as zeroes (as QEMU's file-posix). */
    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        try {
            read0(offset, dst);
        } catch (BlockException e) {
            throw e;
        } catch (IOException e) {
            throw new BlockException("Could not read from '" + path + "' at offset " + offset + ": " + reason(e));
        }
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        try {
            write0(offset, src);
        } catch (BlockException e) {
            throw e;
        } catch (IOException e) {
            throw new BlockException("Could not write to '" + path + "' at offset " + offset + ": " + reason(e));
        }
    }

    private static String reason(IOException e) {
        return e instanceof FileSystemException f && f.getReason() != null ? f.getReason() : String.valueOf(e.getMessage());
    }

    private void read0(long offset, ByteBuffer dst) throws IOException {
        if (offset < 0) throw new BlockException("read at negative offset " + offset);
        if (cache.direct) { directRead(offset, dst); return; }
        while (dst.hasRemaining()) {
            int n = ch.read(dst, offset);
            if (n <= 0) { while (dst.hasRemaining()) dst.put((byte) 0); break; }
            offset += n;
        }
    }

    private void write0(long offset, ByteBuffer src) throws IOException {
        if (readOnly) throw new BlockException("Cannot write to a read-only node '" + path + "'");
        if (offset < 0) throw new BlockException("write at negative offset " + offset);
        long end = offset + src.remaining();
        if (bulk && src.remaining() >= BULK_MIN && Posix.ready()) allocate(offset, src.remaining());
        if (cache.direct) directWrite(offset, src);
        else while (src.hasRemaining()) offset += ch.write(src, offset);
        if (end > cachedSize) bumpSize(end);
        if (!cache.writeback) ch.force(false);
    }

    private synchronized void bumpSize(long end) { if (end > cachedSize) cachedSize = end; }

    /** O_DIRECT needs buffer address, offset and length aligned: such a request goes straight through. */
    private boolean aligned(long offset, ByteBuffer b) {
        return b.isDirect() && (offset & (align - 1)) == 0 && (b.remaining() & (align - 1)) == 0
                && (java.lang.foreign.MemorySegment.ofBuffer(b).address() & (align - 1)) == 0;
    }

    private ByteBuffer bounce;

    /** The reusable aligned bounce buffer (callers hold the node's lock), at least {@code n} bytes. */
    private ByteBuffer bounce(int n) {
        if (bounce == null || bounce.capacity() < n) bounce = ByteBuffer.allocateDirect(n + align).alignedSlice(align);
        return bounce.clear().limit(n);
    }

    private void directRead(long offset, ByteBuffer dst) throws IOException {
        if (aligned(offset, dst)) {
            int n = dst.remaining();
            long p = offset;
            while (dst.hasRemaining()) { int r = ch.read(dst, p); if (r <= 0) break; p += r; }
            while (dst.hasRemaining()) dst.put((byte) 0);
            assert dst.position() >= n || n == 0;
            return;
        }
        directReadBounce(offset, dst);
    }

    private synchronized void directReadBounce(long offset, ByteBuffer dst) throws IOException {
        long start = offset & -align;
        long end = (offset + dst.remaining() + align - 1) & -align;
        ByteBuffer b = bounce((int) (end - start));
        long p = start;
        while (b.hasRemaining()) { int n = ch.read(b, p); if (n <= 0) break; p += n; }
        while (b.hasRemaining()) b.put((byte) 0);
        b.position((int) (offset - start)).limit((int) (offset - start) + dst.remaining());
        dst.put(b);
    }

    private void directWrite(long offset, ByteBuffer src) throws IOException {
        if (aligned(offset, src)) {
            long p = offset;
            while (src.hasRemaining()) p += ch.write(src, p);
            return;
        }
        directWriteBounce(offset, src);
    }

    private synchronized void directWriteBounce(long offset, ByteBuffer src) throws IOException {
        long oldSize = ch.size();
        long start = offset & -align;
        long endReq = offset + src.remaining();
        long end = (endReq + align - 1) & -align;
        ByteBuffer b = bounce((int) (end - start));
        if (start != offset || end != endReq) {
            long p = start;
            while (b.hasRemaining()) { int n = ch.read(b, p); if (n <= 0) break; p += n; }
            while (b.hasRemaining()) b.put((byte) 0);
        }
        b.clear().limit((int) (end - start)).position((int) (offset - start));
        b.put(src);
        b.clear().limit((int) (end - start));
        long p = start;
        while (b.hasRemaining()) p += ch.write(b, p);
        if (end > Math.max(oldSize, endReq)) ch.truncate(Math.max(oldSize, endReq));
    }

    @Override
    public void flush() throws IOException {
        if (readOnly || cache.noFlush) return;
        try {
            ch.force(false);
        } catch (IOException e) {
            throw new BlockException("Could not flush '" + path + "': " + reason(e));
        }
    }

    /**
     * The side descriptor for the calls FileChannel lacks (lseek SEEK_DATA/SEEK_HOLE, fstat, fallocate,
     * ftruncate), opened on first need so that linking the native call (background thread, see
     * {@link #preloadNative}) overlaps the caller's work. It must name the file the channel opened (same
     * inode). Without it (a host without the calls) the node still works: everything reads as data, the
     * disk size is unknown, discard and zero writes write zeroes, growing the file is refused.
     */
    private int fd() {
        int fd = nativeFd;
        if (fd != NOT_OPEN) return fd;
        synchronized (this) {
            if (nativeFd != NOT_OPEN) return nativeFd;
            fd = closed ? -1 : Posix.open(path.toString(), readOnly ? Posix.O_RDONLY : Posix.O_RDWR);
            if (fd >= 0 && ino != -1 && Posix.inode(fd) != ino) { Posix.close(fd); fd = -1; }
            nativeFd = fd;
            return fd;
        }
    }

    /** Writes of at least this many bytes are allocated first after {@link #prepareBulkWrites}. */
    static final int BULK_MIN = 1 << 20;
    private volatile boolean bulk;

    /**
     * convert's target: from now on every write of at least {@link #BULK_MIN} bytes allocates its range
     * (fallocate, mode 0) before writing it, on ext4 and XFS. The buffered write into blocks that are
     * allocated (unwritten extents) skips the delayed-allocation bookkeeping of every block: measured on
     * ext4 with 1 GiB in 2 MiB writes, 0.27 -> 0.23 s of CPU for the writes, fallocate itself ~8 ms.
     * The ranges allocated are exactly the ranges written, so the file's allocation and length are
     * what the writes alone give (a process killed in between leaves an allocated range that reads as
     * zeroes: for a qcow2 target a leak, as a killed write leaves). Not on other file systems (on a
     * copy-on-write one the write would allocate again), not with O_DIRECT; a failing fallocate is
     * ignored (the write reports the problem, if any).
     */
    @Override
    public void prepareBulkWrites() {
        if (readOnly || cache.direct) return;
        bulk = Posix.ready() ? unwrittenExtents() : true;   // decided at the first large write if not linked yet
        bulkChecked = Posix.ready();
    }

    private volatile boolean bulkChecked;

    private boolean unwrittenExtents() {
        int fd = fd();
        long t = fd >= 0 ? Posix.fsType(fd) : -1;
        return t == Posix.EXT4_SUPER_MAGIC || t == Posix.XFS_SUPER_MAGIC;
    }

    private void allocate(long offset, int len) {
        if (!bulkChecked) {
            bulkChecked = true;
            if (!(bulk = unwrittenExtents())) return;
        }
        int fd = fd();
        if (fd >= 0) Posix.fallocate(fd, 0, offset, len);
    }

    /** Sets the file length (QEMU's truncate of the protocol node). */
    public synchronized void truncate(long size) throws IOException {
        if (readOnly) throw new BlockException("Cannot resize a read-only node");
        int fd = fd();
        if (fd < 0) throw new BlockException("Could not resize file: " + Posix.strerror(Posix.EOPNOTSUPP));
        int r = Posix.ftruncate(fd, size);
        if (r != 0) throw new BlockException("Could not resize file: " + Posix.strerror(-r));
        cachedSize = size;
    }

    /** Punches a hole (the range reads as zeroes afterwards). Falls back to writing zeroes. */
    @Override
    public void discard(long offset, long length) throws IOException {
        if (readOnly || length <= 0) return;
        long end = Math.min(offset + length, size());
        if (end <= offset) return;
        int fd = fd();
        if (fd < 0 || Posix.fallocate(fd, Posix.FALLOC_FL_PUNCH_HOLE | Posix.FALLOC_FL_KEEP_SIZE, offset, end - offset) != 0) {
            BlockNode.super.writeZeroes(offset, end - offset);
        }
    }

    @Override
    public void writeZeroes(long offset, long length) throws IOException {
        if (length <= 0) return;
        long fileEnd = size();
        if (offset >= fileEnd) { // past EOF: extending the file leaves a hole
            truncate(offset + length);
            return;
        }
        long inFile = Math.min(length, fileEnd - offset);
        int fd = readOnly ? -1 : fd();
        if (fd < 0 || Posix.fallocate(fd, Posix.FALLOC_FL_PUNCH_HOLE | Posix.FALLOC_FL_KEEP_SIZE, offset, inFile) != 0) {
            BlockNode.super.writeZeroes(offset, inFile);
        }
        if (length > inFile) truncate(offset + length);
    }

    /** Data/hole status from the host file system (SEEK_DATA/SEEK_HOLE); the whole range is data if unsupported. */
    @Override
    public BlockStatus blockStatus(long offset, long length) throws IOException {
        long size = size();
        if (offset >= size) return new BlockStatus(length, false, true, false, 0, -1);
        length = Math.min(length, size - offset);
        int fd = fd();
        if (fd >= 0) {
            long d = Posix.lseek(fd, offset, Posix.SEEK_DATA);
            if (d >= 0) {
                if (d > offset) return new BlockStatus(Math.min(length, d - offset), false, true, true, 0, offset);
                long h = Posix.lseek(fd, offset, Posix.SEEK_HOLE);
                if (h > offset) return new BlockStatus(Math.min(length, h - offset), true, false, true, 0, offset);
            } else if (Posix.lseek(fd, offset, Posix.SEEK_HOLE) == offset) {
                // SEEK_DATA failed where SEEK_HOLE works and finds a hole here: no data from here to the end (ENXIO)
                return new BlockStatus(length, false, true, true, 0, offset);
            }
        }
        return new BlockStatus(length, true, false, true, 0, offset);
    }

    @Override
    public long allocatedFileSize() {
        int fd = fd();
        return fd >= 0 ? Posix.allocatedBytes(fd) : -1;
    }

    private boolean closed;

    @Override
    public synchronized void close() throws IOException {
        if (closed) return;
        closed = true;
        try { ch.close(); } finally { int fd = nativeFd; nativeFd = -1; if (fd >= 0) Posix.close(fd); }
    }

    @Override public String toString() { return "file:" + path; }
}
