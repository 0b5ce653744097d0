package org.jemu.block.qcow2;

import org.jemu.block.BlockException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Compressed clusters as QEMU writes them (block/qcow2-threads.c): zlib = raw deflate with a 4 KiB
 * window (windowBits -12, which java.util.zip.Deflater cannot set, so compression calls the host's
 * libz through FFM; any raw-deflate stream inflates with java.util.zip.Inflater), zstd = one zstd
 * frame per cluster (zstd-jni).
 */
final class Compression {
    private Compression() {}

    // --- zlib through FFM -------------------------------------------------------------------------
    private static final int Z_FINISH = 4, Z_STREAM_END = 1, Z_DEFLATED = 8, Z_DEFAULT_STRATEGY = 0;
    private static final int Z_STREAM_SIZE = 112; // sizeof(z_stream) on LP64
    private static final MethodHandle DEFLATE_INIT2, DEFLATE, DEFLATE_END;
    private static final MemorySegment ZLIB_VERSION;

    static {
        MethodHandle i = null, d = null, e = null;
        MemorySegment ver = null;
        try {
            Linker l = Linker.nativeLinker();
            SymbolLookup z = SymbolLookup.libraryLookup("libz.so.1", Arena.global());
            i = l.downcallHandle(z.find("deflateInit2_").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
            d = l.downcallHandle(z.find("deflate").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
            e = l.downcallHandle(z.find("deflateEnd").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
            MethodHandle zv = l.downcallHandle(z.find("zlibVersion").orElseThrow(), FunctionDescriptor.of(ValueLayout.ADDRESS));
            ver = ((MemorySegment) zv.invokeExact()).reinterpret(64);
        } catch (Throwable t) {
            i = null;
        }
        DEFLATE_INIT2 = i; DEFLATE = d; DEFLATE_END = e; ZLIB_VERSION = ver;
    }

    /** True when zlib compression (writing) is available (needs the host's libz.so.1). */
    static boolean zlibAvailable() { return DEFLATE_INIT2 != null; }

    /**
     * Compresses {@code src} (one cluster); returns the compressed bytes, or null when they would not
     * be smaller than {@code maxLen} (QEMU then writes the cluster uncompressed).
     */
    static byte[] compress(int type, byte[] src, int maxLen) throws BlockException {
        return compress(type, MemorySegment.ofArray(src), maxLen);
    }

    /** As {@link #compress(int, byte[], int)} from a memory segment (a native one is compressed in place, without a copy). */
    static byte[] compress(int type, MemorySegment src, int maxLen) throws BlockException {
        return type == QcowHeader.QCOW2_COMPRESSION_TYPE_ZSTD ? zstdCompress(src, maxLen) : zlibCompress(src, maxLen);
    }

    /** Per-thread native buffers for deflate (allocated once per thread, freed with it). */
    private static final class ZBuffers {
        final Arena arena = Arena.ofAuto();
        final MemorySegment strm = arena.allocate(Z_STREAM_SIZE, 8);
        MemorySegment in = MemorySegment.NULL, out = MemorySegment.NULL;
        MemorySegment in(long n) { if (in.byteSize() < n) in = arena.allocate(n, 16); return in; }
        MemorySegment out(long n) { if (out.byteSize() < n) out = arena.allocate(n, 16); return out; }
    }
    private static final ThreadLocal<ZBuffers> ZBUF = ThreadLocal.withInitial(ZBuffers::new);

    private static byte[] zlibCompress(MemorySegment src, int maxLen) throws BlockException {
        if (DEFLATE_INIT2 == null) throw new BlockException("zlib compression needs the host library libz.so.1, which was not found");
        int len = (int) src.byteSize();
        ZBuffers zb = ZBUF.get();
        MemorySegment strm = zb.strm;
        MemorySegment in = src;
        if (!src.isNative()) { in = zb.in(len); MemorySegment.copy(src, 0, in, 0, len); }
        MemorySegment out = zb.out(maxLen);
        strm.fill((byte) 0);
        try {
            int r = (int) DEFLATE_INIT2.invokeExact(strm, -1 /* Z_DEFAULT_COMPRESSION */, Z_DEFLATED, -12, 9, Z_DEFAULT_STRATEGY,
                    ZLIB_VERSION, Z_STREAM_SIZE);
            if (r != 0) throw new BlockException("zlib deflateInit2 failed (" + r + ")");
            try {
                strm.set(ValueLayout.ADDRESS, 0, in);
                strm.set(ValueLayout.JAVA_INT, 8, len);
                strm.set(ValueLayout.ADDRESS, 24, out);
                strm.set(ValueLayout.JAVA_INT, 32, maxLen);
                r = (int) DEFLATE.invokeExact(strm, Z_FINISH);
                if (r != Z_STREAM_END) return null;           // did not fit
                int n = maxLen - strm.get(ValueLayout.JAVA_INT, 32);
                return out.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
            } finally {
                int ignored = (int) DEFLATE_END.invokeExact(strm);
                assert ignored >= Integer.MIN_VALUE;
            }
        } catch (BlockException e) {
            throw e;
        } catch (Throwable t) {
            throw new BlockException("zlib compression failed: " + t);
        }
    }

    /** Per-thread zstd context (level 3, as QEMU's default) and direct buffers, reused for every cluster. */
    private static final class ZstdBuffers {
        final com.github.luben.zstd.ZstdCompressCtx ctx = new com.github.luben.zstd.ZstdCompressCtx().setLevel(3);
        java.nio.ByteBuffer in = java.nio.ByteBuffer.allocateDirect(0), out = java.nio.ByteBuffer.allocateDirect(0);
    }
    private static final ThreadLocal<ZstdBuffers> ZSTD = ThreadLocal.withInitial(ZstdBuffers::new);

    private static byte[] zstdCompress(MemorySegment src, int maxLen) throws BlockException {
        try {
            int len = (int) src.byteSize();
            ZstdBuffers zb = ZSTD.get();
            java.nio.ByteBuffer in;
            if (src.isNative()) in = src.asByteBuffer();
            else {
                if (zb.in.capacity() < len) zb.in = java.nio.ByteBuffer.allocateDirect(len);
                MemorySegment.copy(src, 0, MemorySegment.ofBuffer(zb.in.clear()), 0, len);
                in = zb.in;
            }
            int bound = (int) com.github.luben.zstd.Zstd.compressBound(len);
            if (zb.out.capacity() < bound) zb.out = java.nio.ByteBuffer.allocateDirect(bound);
            int n = zb.ctx.compressDirectByteBuffer(zb.out.clear(), 0, bound, in, 0, len);
            if (n >= maxLen) return null;
            byte[] out = new byte[n];
            zb.out.get(0, out);
            return out;
        } catch (RuntimeException | LinkageError e) {
            throw new BlockException("zstd compression failed: " + e.getMessage());
        }
    }

    /** Decompresses exactly {@code out.length} bytes; a stream that ends early or is malformed is an error. */
    static void decompress(int type, byte[] in, int inLen, byte[] out) throws BlockException {
        if (type == QcowHeader.QCOW2_COMPRESSION_TYPE_ZSTD) {
            try (var zis = new com.github.luben.zstd.ZstdInputStreamNoFinalizer(new java.io.ByteArrayInputStream(in, 0, inLen))) {
                zis.setContinuous(true);
                int pos = 0;
                while (pos < out.length) {
                    int n = zis.read(out, pos, out.length - pos);
                    if (n <= 0) break;
                    pos += n;
                }
                if (pos < out.length) throw new BlockException("Could not decompress zstd cluster: data ends early");
            } catch (java.io.IOException | RuntimeException | LinkageError e) {
                if (e instanceof BlockException be) throw be;
                throw new BlockException("Could not decompress zstd cluster: " + e.getMessage());
            }
            return;
        }
        Inflater inf = new Inflater(true);
        try {
            inf.setInput(in, 0, inLen);
            int pos = 0;
            while (pos < out.length) {
                int n = inf.inflate(out, pos, out.length - pos);
                if (n == 0) {
                    if (inf.finished() || inf.needsInput() || inf.needsDictionary()) break;
                }
                pos += n;
            }
            if (pos < out.length) throw new BlockException("Could not decompress zlib cluster: data ends early");
        } catch (DataFormatException e) {
            throw new BlockException("Could not decompress zlib cluster: " + e.getMessage());
        } finally {
            inf.end();
        }
    }
}
