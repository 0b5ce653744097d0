package org.jemu.cli;

import org.jemu.block.BlockDriver;
import org.jemu.block.BlockDrivers;
import org.jemu.block.BlockException;
import org.jemu.block.BlockNode;
import org.jemu.block.BlockStatus;
import org.jemu.block.CacheMode;
import org.jemu.block.qcow2.Qcow2Node;
import org.jemu.util.OptionException;
import org.jemu.util.QemuOpts;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;

import static org.jemu.cli.Img.*;

/**
 * qemu-img convert: sources concatenated, holes skipped (block status), zero runs of at least -S bytes
 * left unallocated, -c compresses clusters on several threads (the writes stay in guest order unless -W),
 * -m sets the number of requests in flight.
 */
final class Convert {
    private Convert() {}

    static final int CHUNK = 2 << 20;

    /** One unit of work: a guest range of the target, its content decided by the workers. */
    private record Piece(long off, int len, byte[] data, boolean zero, byte[][] compressed) {}

    static int run(String[] argv) throws IOException {
        Getopt g = new Getopt(argv, 1, "hf:O:B:CcF:o:l:S:pt:T:qnm:WUr:", Map.of("help", false, "image-opts", false, "target-image-opts", false,
                "object", true, "salvage", false, "target-is-zero", false, "bitmaps", false, "skip-broken-bitmaps", false, "force-share", false));
        String fmt = null, outFmt = "raw", outBase = null, outBaseFmt = null, cacheS = "unsafe", srcCacheS = "writeback";
        List<String> os = new ArrayList<>();
        boolean compress = false, progress = false, quiet = false, noCreate = false, ooo = false, targetIsZero = false;
        long sparse = 4096;
        int coroutines = 8;
        for (Getopt.Opt o : g.opts) switch (o.name()) {
            case "f" -> fmt = o.arg();
            case "O" -> outFmt = o.arg();
            case "B" -> outBase = o.arg();
            case "F" -> outBaseFmt = o.arg();
            case "c" -> compress = true;
            case "o" -> os.add(o.arg());
            case "S" -> {
                Long v = parseSize(o.arg());
                if (v == null || v > Integer.MAX_VALUE / 512 * 512L) throw new Fail("Invalid buffer size for sparse output specified. Valid sizes are multiples of 512 up to 16777216. Select 0 to disable sparse detection (fully allocates output).");
                sparse = v;
                if (sparse % 512 != 0) throw new Fail("Invalid buffer size for sparse output specified. Valid sizes are multiples of 512 up to 16777216. Select 0 to disable sparse detection (fully allocates output).");
            }
            case "p" -> progress = true;
            case "t" -> cacheS = o.arg();
            case "T" -> srcCacheS = o.arg();
            case "q" -> quiet = true;
            case "n" -> noCreate = true;
            case "m" -> {
                try { coroutines = Integer.parseInt(o.arg()); } catch (NumberFormatException e) { coroutines = -1; }
                if (coroutines < 1 || coroutines > 16) throw new Fail("Invalid number of coroutines. Allowed number of coroutines is between 1 and 16");
            }
            case "W" -> ooo = true;
            case "U", "force-share" -> { }
            case "target-is-zero" -> targetIsZero = true;
            case "C" -> throw new Fail("-C (copy offloading) is not supported by jemu-img");
            case "l" -> throw new Fail("-l (convert from an internal snapshot) is not supported by jemu-img");
            case "r" -> throw new Fail("-r (rate limit) is not supported by jemu-img");
            case "h", "help" -> { help(); return 0; }
            default -> throw new Fail("--" + o.name() + " is not supported by jemu-img");
        }
        if (quiet) progress = false;
        BlockDriver outDrv = BlockDrivers.find(outFmt);
        if (os.stream().anyMatch(Img::isHelp)) {
            if (outDrv == null) throw new Fail("Unknown file format '" + outFmt + "'");
            printCreateOptions(outDrv);
            return 0;
        }
        if (g.args.size() < 2) throw new Fail(g.args.isEmpty() ? "Must specify image file name" : "Must specify image file name");
        if (targetIsZero && !noCreate) throw new Fail("--target-is-zero requires use of -n flag");
        if (outDrv == null) throw new Fail("Unknown file format '" + outFmt + "'");
        // As qemu-img: vmdk takes -c (streamOptimized compresses every grain anyway; the other subformats have no
        // compressed grains, so their grains are written as usual); formats without compressed writes refuse it.
        if (compress && outFmt.equals("vmdk")) compress = false;
        if (compress && !(outFmt.equals("qcow2"))) throw new Fail("Compression not supported for this file format");
        if (outBase != null && noCreate) throw new Fail("Use of -B and -n is not supported");  // QEMU 7.2 refuses -B with -n? keep explicit
        CacheMode cache = cache(cacheS), srcCache = cache(srcCacheS);
        String outName = g.args.get(g.args.size() - 1);
        List<BlockNode> srcs = new ArrayList<>();
        BlockNode dst = null;
        try {
            long total = 0;
            for (String s : g.args.subList(0, g.args.size() - 1)) {
                BlockNode n = open(s, fmt, true, BlockDrivers.Options.DEFAULT.withCache(srcCache));
                srcs.add(n);
                total += n.size();
            }
            if (!noCreate) {
                QemuOpts opts;
                try {
                    opts = parseO(os);
                    if (outBase != null) opts = QemuOpts.parse("create", Commands.joinOpts(opts, "backing_file", outBase), null);
                    if (outBaseFmt != null) opts = QemuOpts.parse("create", Commands.joinOpts(opts, "backing_fmt", outBaseFmt), null);
                } catch (OptionException e) {
                    throw new Fail(e.getMessage());
                }
                if (outBase != null && outBaseFmt == null) {
                    // probe the backing format, as QEMU does for -B without -F
                    try (BlockNode b = BlockDrivers.open(fullBacking(outName, outBase), null, true, BlockDrivers.Options.DEFAULT)) {
                        opts = QemuOpts.parse("create", Commands.joinOpts(opts, "backing_fmt", b.formatName()), null);
                    } catch (IOException e) {
                        throw new Fail("Could not open backing image '" + outBase + "': " + e.getMessage());
                    }
                }
                try {
                    BlockDrivers.create(outName, outFmt, total, opts);
                } catch (BlockException e) {
                    throw new Fail(outName + ": error while converting " + outFmt + ": " + e.getMessage());
                }
            }
            dst = open(outName, noCreate ? outFmt : outFmt, false, BlockDrivers.Options.DEFAULT.withCache(cache));
            if (noCreate && dst.size() < total) throw new Fail("Target image is too small (" + dst.size() + " < " + total + ")");
            boolean zeroInit = !noCreate || targetIsZero;
            boolean hasBacking = outBase != null;
            copy(srcs, dst, total, compress, (int) sparse, zeroInit, hasBacking, coroutines, ooo, progress);
            dst.flush();
        } catch (IOException e) {
            throw new Fail("error while writing at byte: " + e.getMessage());
        } finally {
            if (dst != null) {
                try { dst.close(); } catch (IOException e) { err.println(NAME + ": error while closing the output image: " + e.getMessage()); }
            }
            for (BlockNode n : srcs) closeQuietly(n);
        }
        return 0;
    }

    private static void copy(List<BlockNode> srcs, BlockNode dst, long total, boolean compress, int sparse, boolean zeroInit,
                             boolean hasBacking, int coroutines, boolean ooo, boolean progress) throws IOException {
        Progress p = new Progress(progress, total);
        Qcow2Node cq = compress ? (Qcow2Node) dst : null;
        int unit = compress ? (int) cq.clusterSize() : CHUNK;
        if (compress && unit > CHUNK) unit = (int) cq.clusterSize();
        int chunk = compress ? Math.max(unit, CHUNK / unit * unit) : CHUNK;
        int threads = compress ? Math.max(coroutines, Runtime.getRuntime().availableProcessors()) : Math.max(1, Math.min(coroutines, 4));
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> { Thread t = new Thread(r, "convert"); t.setDaemon(true); return t; });
        try {
            LinkedBlockingQueue<Future<Piece>> inflight = new LinkedBlockingQueue<>();
            int depth = threads * 2;
            long base = 0;
            long done = 0;
            for (BlockNode src : srcs) {
                long size = src.size();
                long off = 0;
                while (off < size) {
                    BlockStatus s = src.blockStatus(off, Math.min(chunk, size - off));
                    long len = Math.min(s.length(), chunk);
                    if (len <= 0) len = Math.min(chunk, size - off);
                    final long o = off, dOff = base + off;
                    final int l = (int) len;
                    final boolean zero = (s.zero() && !s.data()) || (hasBacking && !s.allocated() && s.depth() == 0 && !s.data());
                    final boolean skipForBacking = hasBacking && !s.allocated() && s.depth() > 0;
                    if (skipForBacking || (zero && zeroInit && !hasBacking)) {
                        // nothing to write
                    } else {
                        final boolean unitAligned = compress;
                        final int u = unit;
                        inflight.add(pool.submit(() -> produce(src, o, dOff, l, zero, sparse, cq, unitAligned, u)));
                    }
                    off += len;
                    while (inflight.size() >= depth) done = consume(dst, inflight, cq, hasBacking, ooo, p, done);
                }
                base += size;
            }
            while (!inflight.isEmpty()) done = consume(dst, inflight, cq, hasBacking, ooo, p, done);
            p.update(total);
            p.done();
        } finally {
            pool.shutdownNow();
        }
    }

    private static Piece produce(BlockNode src, long srcOff, long dstOff, int len, boolean zero, int sparse, Qcow2Node cq,
                                 boolean compress, int unit) throws IOException {
        if (zero) return new Piece(dstOff, len, null, true, null);
        byte[] data;
        if (compress) {
            // whole clusters, zero-padded past the end of the source
            long a = dstOff / unit * unit;
            int pre = (int) (dstOff - a);
            int tot = (int) ((pre + len + unit - 1) / unit * unit);
            data = new byte[tot];
            src.read(srcOff, ByteBuffer.wrap(data, pre, len));
            byte[][] z = new byte[tot / unit][];
            for (int i = 0; i < z.length; i++) {
                byte[] c = java.util.Arrays.copyOfRange(data, i * unit, (i + 1) * unit);
                if (isZero(c, 0, unit)) { z[i] = null; continue; }
                byte[] cz = cq.compress(c);
                z[i] = cz == null ? c : cz;
                if (cz == null) z[i] = null; // marker handled below
                if (cz == null) z[i] = new byte[0];
                if (cz != null) z[i] = cz;
            }
            return new Piece(a, tot, data, false, z);
        }
        data = new byte[len];
        src.read(srcOff, ByteBuffer.wrap(data));
        return new Piece(dstOff, len, data, false, null);
    }

    private static long consume(BlockNode dst, LinkedBlockingQueue<Future<Piece>> q, Qcow2Node cq, boolean hasBacking, boolean ooo,
                                Progress p, long done) throws IOException {
        Future<Piece> f = null;
        if (ooo) {
            for (Future<Piece> x : q) if (x.isDone()) { f = x; break; }
        }
        if (f == null) f = q.peek();
        Piece pc;
        try {
            pc = f.get();
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) throw io;
            throw new BlockException(String.valueOf(c));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BlockException("interrupted");
        }
        q.remove(f);
        if (pc.zero()) {
            dst.writeZeroes(pc.off(), pc.len());
        } else if (pc.compressed() != null) {
            int unit = (int) cq.clusterSize();
            for (int i = 0; i < pc.compressed().length; i++) {
                byte[] z = pc.compressed()[i];
                long gc = pc.off() / unit + i;
                if ((gc * unit) >= cq.size()) break;
                if (z == null) {
                    if (hasBacking) dst.writeZeroes(gc * unit, Math.min(unit, cq.size() - gc * unit));
                    continue;
                }
                byte[] c = java.util.Arrays.copyOfRange(pc.data(), i * unit, (i + 1) * unit);
                cq.writeCompressedData(gc, c, z.length == 0 ? null : z);
            }
        } else {
            writeSparse(dst, pc.off(), pc.data(), pc.len(), hasBacking);
        }
        done += pc.len();
        p.update(done);
        return done;
    }

    /** Writes data but leaves runs of zeroes (at least 4 KiB, aligned) unwritten, as QEMU's -S default. */
    private static void writeSparse(BlockNode dst, long off, byte[] b, int len, boolean hasBacking) throws IOException {
        final int S = 4096;
        int i = 0;
        while (i < len) {
            int end = Math.min(len, (int) ((off + i) / S * S + S - off));
            boolean z = isZero(b, i, end) && !hasBacking;
            int j = end;
            while (j < len) {
                int e2 = Math.min(len, j + S);
                if ((isZero(b, j, e2) && !hasBacking) != z) break;
                j = e2;
            }
            if (!z) dst.write(off + i, ByteBuffer.wrap(b, i, j - i));
            i = j;
        }
    }
}
