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
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.ArrayDeque;
import java.lang.foreign.MemorySegment;

import static org.jemu.cli.Img.*;

/**
 * qemu-img convert: sources concatenated, holes skipped (block status), zero runs of at least -S bytes
 * left unallocated, -c compresses clusters on several threads (the writes stay in guest order unless -W),
 * -m sets the number of requests in flight.
 */
final class Convert {
    private Convert() {}

    static final int CHUNK = 2 << 20;

    static int run(String[] argv) throws IOException {
        Getopt g = new Getopt(argv, 1, "hf:O:B:CcF:o:l:S:pt:T:qnm:WUr:", Map.of("help", false, "image-opts", false, "target-image-opts", false,
                "object", true, "salvage", false, "target-is-zero", false, "bitmaps", false, "skip-broken-bitmaps", false, "force-share", false));
        String fmt = null, outFmt = "raw", outBase = null, outBaseFmt = null, cacheS = "unsafe", srcCacheS = "writeback";
        List<String> os = new ArrayList<>();
        boolean compress = false, progress = false, quiet = false, noCreate = false, ooo = false, targetIsZero = false;
        long sparse = 4096;
        int coroutines = 8;
        String snapshotParam = null;
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
            case "l" -> snapshotParam = o.arg();
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
        ReadAhead ra = null;
        try {
            long total = 0;
            String[] snap = snapshotParam == null ? null : parseSnapshotParam(snapshotParam);
            for (String s : g.args.subList(0, g.args.size() - 1)) {
                srcs.add(open(s, fmt, true, BlockDrivers.Options.DEFAULT.withCache(srcCache)));
            }
            if (snap != null) {
                // as qemu-img: the snapshot.id/name form loads it in the first source; the bare form needs one source
                if (snap[2] != null && srcs.size() > 1) throw new Fail("No support for concatenating multiple snapshot");
                loadSnapshot(srcs.get(0), snap);
            }
            for (BlockNode n : srcs) total += n.size();
            boolean zeroInit = !noCreate || targetIsZero;
            boolean hasBacking = outBase != null;
            if (!compress) ra = new ReadAhead(Sources.of(srcs), total, (int) sparse, zeroInit, hasBacking, coroutines);
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
                    // the new image comes back open where its driver can do both at once (qcow2 with -t unsafe)
                    dst = BlockDrivers.createOpen(outName, outFmt, total, opts, cache);
                } catch (BlockException e) {
                    throw new Fail(outName + ": error while converting " + outFmt + ": " + e.getMessage());
                }
            }
            if (dst == null) dst = open(outName, outFmt, false, BlockDrivers.Options.DEFAULT.withCache(cache));
            if (noCreate && dst.size() < total) throw new Fail("output file is smaller than input file");   // qemu-img 7.2's words
            dst.prepareBulkWrites();
            copy(srcs, ra, dst, total, compress, (int) sparse, zeroInit, hasBacking, coroutines, ooo, progress);
            dst.flush();
        } catch (IOException e) {
            throw new Fail("error while writing at byte: " + e.getMessage());
        } finally {
            if (ra != null) ra.close();
            if (dst != null) {
                try { dst.close(); } catch (IOException e) { err.println(NAME + ": error while closing the output image: " + e.getMessage()); }
            }
            for (BlockNode n : srcs) closeQuietly(n);
        }
        return 0;
    }

    /**
     * -l: {@code snapshot.id=ID,snapshot.name=NAME} (either or both) or a bare id-or-name; returns
     * {id, name, idOrName}.
     */
    static String[] parseSnapshotParam(String p) {
        if (!p.contains("=")) return new String[]{null, null, p};
        String id = null, name = null;
        for (String kv : p.split(",", -1)) {
            int eq = kv.indexOf('=');
            String k = eq < 0 ? kv : kv.substring(0, eq), v = eq < 0 ? "on" : kv.substring(eq + 1);
            switch (k) {
                case "snapshot.id" -> id = v;
                case "snapshot.name" -> name = v;
                default -> {
                    err.println(NAME + ": Invalid parameter '" + k + "'");
                    throw new Fail("Failed in parsing snapshot param '" + p + "'");
                }
            }
        }
        return new String[]{id, name, null};
    }

    /** QEMU's bdrv_snapshot_load_tmp(_by_id_or_name) on a source opened read-only. */
    private static void loadSnapshot(BlockNode n, String[] snap) {
        if (!(n instanceof Qcow2Node q)) {
            throw new Fail("Failed to load snapshot: Block format '" + n.formatName() + "' used by device '' does not support temporarily loading internal snapshots");
        }
        try {
            if (snap[2] == null) q.loadSnapshotTmp(snap[0], snap[1]);
            else {
                try {
                    q.loadSnapshotTmp(snap[2], null);
                } catch (BlockException e) {
                    q.loadSnapshotTmp(null, snap[2]);
                }
            }
        } catch (IOException e) {
            throw new Fail("Failed to load snapshot: " + e.getMessage());
        }
    }

    /** Tests: behave as if the native calls were never linked (raw sources are all data for convert, qcow2 sources' host files are not asked for holes). */
    static volatile boolean rawAsDataForTest;

    /** Extent kinds of the (concatenated) source: copy, zero, or left to the target's backing file (-B). */
    private static final int DATA = 0, ZERO = 1, SKIP = 2;

    /** The sources as one guest address space. */
    private record Sources(List<BlockNode> nodes, long[] base, long total) {
        static Sources of(List<BlockNode> nodes) {
            long[] b = new long[nodes.size() + 1];
            for (int i = 0; i < nodes.size(); i++) b[i + 1] = b[i] + nodes.get(i).size();
            return new Sources(nodes, b, b[nodes.size()]);
        }

        int index(long off) {
            int i = 0;
            while (i + 1 < nodes.size() && off >= base[i + 1]) i++;
            return i;
        }

        /**
         * Kind of the run at {@code off} (at most {@code max} bytes, never crossing a source); [kind, length].
         * With {@code asData} (tests: a host without SEEK_DATA), raw sources are not asked for holes: their
         * runs count as data, and the zero detection leaves the holes' 4 KiB blocks unallocated exactly as
         * the holes would have been. With {@code noWait}, a qcow2 source's allocated clusters are data
         * without asking its host file for holes while the native link is not done (for the same reason).
         */
        long[] status(long off, long max, boolean hasBacking, boolean asData, boolean noWait) throws IOException {
            int i = index(off);
            long in = off - base[i], lim = Math.min(max, base[i + 1] - off);
            BlockNode n = nodes.get(i);
            if (asData && n.formatName().equals("raw")) return new long[]{DATA, lim};
            BlockStatus s = noWait && n instanceof Qcow2Node q && (rawAsDataForTest || !org.jemu.block.file.FileNode.nativeReady())
                    ? q.blockStatus(in, lim, false) : n.blockStatus(in, lim);
            long len = Math.min(s.length(), lim);
            if (len <= 0) len = lim;
            int kind;
            if (hasBacking && !s.allocated() && s.depth() > 0) kind = SKIP;
            else if ((s.zero() && !s.data()) || (hasBacking && !s.allocated() && s.depth() == 0 && !s.data())) kind = ZERO;
            else kind = DATA;
            return new long[]{kind, len};
        }

        /** Reads {@code dst.remaining()} bytes at {@code off}, across sources (the buffer's position is not moved). */
        void read(long off, ByteBuffer dst) throws IOException {
            int pos = dst.position(), end = dst.limit();
            while (pos < end) {
                int i = index(off);
                int n = (int) Math.min(end - pos, base[i + 1] - off);
                nodes.get(i).read(off - base[i], dst.slice(pos, n));
                pos += n; off += n;
            }
        }
    }

    /**
     * A unit of work in flight: a range of the target and the buffer that holds it; for an uncompressed
     * copy also its runs ({@link #scan}: found by the reading thread, so that the writing thread only writes).
     */
    private record Piece(long off, int len, ByteBuffer buf, byte[][] compressed, int[] runs) {}

    /**
     * Writes into a qcow2 target on the pool's threads: the main thread allocates the clusters of each
     * data run in guest order (so the host layout is the same as one by one), a pool thread writes the
     * data and maps it ({@link Qcow2Node#completeRun}). A buffer goes back to the pool when the last write
     * from it is done. At most {@code limit} writes are in flight.
     */
    private static final class AsyncQcow2 {
        final Qcow2Node q;
        final ExecutorService pool;
        final int limit;
        final ArrayDeque<Future<?>> writes = new ArrayDeque<>();
        final List<Object[]> queued = new ArrayList<>();   // {future, run} for cancelling on failure

        AsyncQcow2(Qcow2Node q, ExecutorService pool, int limit) { this.q = q; this.pool = pool; this.limit = limit; }

        /** Writes {@code b} (all of it) at {@code off}: head and tail clusters here, whole-cluster runs on the pool. */
        void write(long off, ByteBuffer b, Runnable release, java.util.concurrent.atomic.AtomicInteger refs) throws IOException {
            int cs = (int) q.clusterSize();
            int pos = 0, len = b.remaining();
            while (len > 0) {
                int head = (int) Math.min(len, (cs - (off & (cs - 1))) & (cs - 1));
                if (head > 0 || len < cs) {
                    int n = head > 0 ? head : len;
                    q.write(off, b.slice(pos, n));
                    off += n; pos += n; len -= n;
                    continue;
                }
                Qcow2Node.PendingRun r = q.allocateRun(off, len / cs * cs);
                if (r == null) {
                    // an allocated cluster (-n into an existing image): the ordinary path writes the rest in place
                    q.write(off, b.slice(pos, len));
                    return;
                }
                ByteBuffer data = b.slice(pos, r.length());
                refs.incrementAndGet();
                Future<?> f;
                try {
                    f = pool.submit(() -> {
                        try {
                            q.completeRun(r, data);
                        } finally {
                            if (refs.decrementAndGet() == 0) release.run();
                        }
                        return null;
                    });
                } catch (RuntimeException e) {
                    refs.decrementAndGet();
                    q.abortRun(r);
                    throw e;
                }
                writes.add(f);
                queued.add(new Object[]{f, r});
                off += r.length(); pos += r.length(); len -= r.length();
                while (writes.size() > limit) await(writes.poll());
            }
        }


        /** Waits for every write (the first failure is thrown). */
        void drain() throws IOException {
            while (!writes.isEmpty()) await(writes.poll());
            queued.clear();
        }

        /** After a failure: writes not started are cancelled and their clusters freed, running ones finish. */
        void cancel() {
            for (Object[] x : queued) {
                Future<?> f = (Future<?>) x[0];
                if (f.cancel(false)) {
                    try { q.abortRun((Qcow2Node.PendingRun) x[1]); } catch (IOException | RuntimeException ignored) { /* left as a leak */ }
                } else {
                    try { f.get(); } catch (Exception ignored) { /* reported by the first failure */ }
                }
            }
            queued.clear();
            writes.clear();
        }
    }

    /**
     * The reading side of an uncompressed copy: the source's runs become reads (and zero scans) on the
     * pool, zero pieces, or nothing.
     */
    private static final class ReadAhead implements AutoCloseable {
        final Sources srcs;
        final long total;
        final int sparse;
        final boolean zeroInit, hasBacking, holesAsData;
        final ExecutorService pool;
        final int depth;
        final ArrayBlockingQueue<ByteBuffer> buffers;
        final ArrayDeque<Future<Piece>> inflight = new ArrayDeque<>();
        final long[] done = {0};
        long off;

        ReadAhead(Sources srcs, long total, int sparse, boolean zeroInit, boolean hasBacking, int coroutines) {
            this.srcs = srcs; this.total = total; this.sparse = sparse; this.zeroInit = zeroInit; this.hasBacking = hasBacking;
            // Holes and zero blocks give the same output only when zero runs of one 4 KiB block are left
            // unallocated (-S 4k, the default), into a zero-initialised target without a backing file.
            this.holesAsData = sparse == 4096 && zeroInit && !hasBacking;
            // -m: requests in flight; uncompressed copies read on up to 4 threads, no more than the host has
            // cores (at least 2): on 2 cores, 2 reading threads instead of 4 gave 0.79 vs 0.86 s wall and
            // 1.14 vs 1.29 s CPU (convert raw -> qcow2, 10 interleaved runs, load 6)
            int threads = readingThreads(coroutines);
            this.pool = newPool(threads);
            this.depth = threads * 2;
            this.buffers = new ArrayBlockingQueue<>(2 * depth + 2);
            pool.submit(this::warmUp);
        }

        /**
         * While the target is created and the native link finishes: the first buffers (allocateDirect zeroes
         * and faults in 2 MiB: 5-10 ms the first time) and the read path (its first use initialises classes,
         * 3-9 ms), so that the first piece is read at once when the copy starts.
         */
        private Void warmUp() throws IOException {
            int n = Math.min(depth, (int) Math.min(Integer.MAX_VALUE, (total + CHUNK - 1) / CHUNK));
            for (int i = 0; i < n; i++) {
                ByteBuffer b = ByteBuffer.allocateDirect(CHUNK);
                if (i == 0 && total > 0) srcs.read(0, b.limit((int) Math.min(4096, total)));
                buffers.offer(b.clear());
            }
            return null;
        }

        /** True when the next {@link #submitNext} would wait for the native link (a raw source's holes). */
        boolean wouldWait() {
            return off < total && !org.jemu.block.file.FileNode.nativeReady() && srcs.nodes().get(srcs.index(off)).formatName().equals("raw");
        }

        /** The next run of the source; {@code parallelDst}: the target, for the opt-in writes on the pool, else null. */
        void submitNext(BlockNode parallelDst) throws IOException {
            long end = Math.min(total, off + CHUNK);
            long[] st = srcs.status(off, end - off, hasBacking, holesAsData && rawAsDataForTest, holesAsData);
            if (sparse == 0 && st[0] == ZERO) st[0] = DATA;   // -S 0: the output is fully allocated
            final long fo = off;
            final int len = (int) st[1];
            if (st[0] == DATA) {
                inflight.add(pool.submit(() -> {
                    ByteBuffer d = take(buffers, CHUNK).clear().limit(len);
                    srcs.read(fo, d);
                    Piece pc = new Piece(fo, len, d, null, scan(d, fo, len, sparse, hasBacking));
                    if (parallelDst != null) writeRuns(parallelDst, pc, zeroInit, parallelDst::write);
                    return pc;
                }));
            } else if (st[0] == ZERO && !(zeroInit && !hasBacking)) {
                inflight.add(CompletableFuture.completedFuture(new Piece(fo, len, null, null, null)));
            } else {
                done[0] += len;
            }
            off += len;
        }

        @Override public void close() { pool.shutdownNow(); }
    }

    /** The reading threads of an uncompressed copy: -m, at most 4 and at most the cores (but 2). */
    static int readingThreads(int coroutines) {
        int cores = Runtime.getRuntime().availableProcessors();
        return Math.max(1, Math.min(coroutines, Math.min(4, Math.max(2, cores))));
    }

    private static ExecutorService newPool(int threads) {
        return Executors.newFixedThreadPool(threads, r -> { Thread t = new Thread(r, "convert"); t.setDaemon(true); return t; });
    }

    private static void copy(List<BlockNode> srcList, ReadAhead pre, BlockNode dst, long total, boolean compress, int sparse, boolean zeroInit,
                             boolean hasBacking, int coroutines, boolean ooo, boolean progress) throws IOException {
        Sources srcs = Sources.of(srcList);
        Progress p = new Progress(progress, total);
        int cores = Runtime.getRuntime().availableProcessors();
        // -m: requests in flight. Uncompressed copies read (and, into raw targets, write) on up to 4 threads;
        // compression runs on as many threads as there are cores, at most -m.
        int threads = compress ? Math.max(1, Math.min(coroutines, cores)) : readingThreads(coroutines);
        // Writes from several threads into one host file: measured slower on ext4 (buffered writes to one
        // file serialise on its inode lock, and the waiters spin: convert raw -> qcow2 1.40 vs 1.08 s CPU,
        // 0.89 vs 0.72 s wall; qcow2 -> raw 1.25 vs 1.11 s CPU), so the data is written by this thread in
        // order unless -Djemu.convert.parallel-writes=true (kept for file systems and cache modes where
        // it may pay off; reads run on the pool either way).
        boolean parallel = Boolean.getBoolean("jemu.convert.parallel-writes");
        boolean parallelWrites = parallel && !compress && dst.formatName().equals("raw");
        ReadAhead ra = pre;   // the reading side of an uncompressed copy (null when compressing)
        ExecutorService pool = ra != null ? ra.pool : newPool(threads);
        int depth = ra != null ? ra.depth : threads * 2;
        ArrayBlockingQueue<ByteBuffer> buffers = ra != null ? ra.buffers : new ArrayBlockingQueue<>(2 * depth + 2);
        AsyncQcow2 async = parallel && !compress && dst instanceof Qcow2Node q2 && q2.supportsPendingRuns() ? new AsyncQcow2(q2, pool, depth) : null;
        boolean ok = false;
        try {
            ArrayDeque<Future<Piece>> inflight = ra != null ? ra.inflight : new ArrayDeque<>();
            long[] done = ra != null ? ra.done : new long[1];
            Qcow2Node cq = compress ? (Qcow2Node) dst : null;
            int unit = compress ? (int) cq.clusterSize() : 1;
            int chunk = compress ? Math.max(unit, CHUNK / unit * unit) : CHUNK;
            long off = 0;
            boolean started = false;
            while ((ra != null ? ra.off : off) < total) {
                long end = Math.min(total, off + chunk);
                if (compress) {
                    // whole clusters: the chunk is copied unless every byte of it is a hole or left to the backing file
                    long o = off;
                    boolean any = false, anyZero = false;
                    while (o < end) {
                        long[] st = srcs.status(o, end - o, hasBacking, false, false);
                        if (st[0] == DATA) { any = true; break; }
                        if (st[0] == ZERO) anyZero = true;
                        o += st[1];
                    }
                    if (any || (anyZero && !(zeroInit && !hasBacking))) {
                        final long fo = off;
                        final int len = (int) (end - off);
                        inflight.add(pool.submit(() -> compressPiece(srcs, cq, fo, len, take(buffers, chunk), unit)));
                    } else {
                        done[0] += end - off;
                    }
                    off = end;
                } else {
                    if (!inflight.isEmpty() && ra.wouldWait()) {
                        // the next status waits for the native link: write what was read meanwhile
                        started = true;
                        consume(dst, inflight, buffers, cq, unit, sparse, zeroInit, hasBacking, ooo, parallelWrites, async, p, done);
                        continue;
                    }
                    ra.submitNext(parallelWrites ? dst : null);
                }
                // the first piece is written as soon as it is read; then depth requests stay in flight (the
                // readers keep ahead of the writer: writing each piece as soon as it is ready was measured
                // slower, the writer then waits for reads issued just before)
                while (inflight.size() >= depth || (!started && !inflight.isEmpty() && inflight.peek().isDone())) {
                    started = true;
                    consume(dst, inflight, buffers, cq, unit, sparse, zeroInit, hasBacking, ooo, parallelWrites, async, p, done);
                }
            }
            while (!inflight.isEmpty()) consume(dst, inflight, buffers, cq, unit, sparse, zeroInit, hasBacking, ooo, parallelWrites, async, p, done);
            if (async != null) async.drain();
            p.update(total);
            p.done();
            ok = true;
        } finally {
            if (async != null && !ok) async.cancel();
            pool.shutdownNow();
        }
    }

    /**
     * A direct buffer of {@code size} bytes from the pool (memory stays bounded by the number in flight).
     * Called by the reading threads: a new buffer's allocation (zeroing, page faults) is not the writer's.
     */
    private static ByteBuffer take(ArrayBlockingQueue<ByteBuffer> pool, int size) {
        ByteBuffer b = pool.poll();
        return b != null ? b : ByteBuffer.allocateDirect(size);
    }

    /** Reads whole clusters and compresses each (null entry = all zero, empty = not compressible). */
    private static Piece compressPiece(Sources srcs, Qcow2Node cq, long off, int len, ByteBuffer b, int unit) throws IOException {
        int tot = (len + unit - 1) / unit * unit;
        ByteBuffer d = b.clear().limit(tot);
        srcs.read(off, d.slice(0, len));
        MemorySegment seg = MemorySegment.ofBuffer(d);
        if (tot > len) seg.asSlice(len, tot - len).fill((byte) 0);
        byte[][] z = new byte[tot / unit][];
        for (int i = 0; i < z.length; i++) {
            MemorySegment c = seg.asSlice((long) i * unit, unit);
            if (isZero(c, 0, unit)) { z[i] = null; continue; }
            byte[] cz = cq.compress(c);
            z[i] = cz == null ? NOT_COMPRESSED : cz;
        }
        return new Piece(off, len, d, z, null);
    }

    /**
     * The result of a pool task: its IOException or RuntimeException (a {@code Fail} included) is rethrown
     * as it was, anything else becomes a BlockException.
     */
    static <T> T await(Future<T> f) throws IOException {
        try {
            return f.get();
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) throw io;
            if (c instanceof RuntimeException re) throw re;
            throw new BlockException(String.valueOf(c));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BlockException("interrupted");
        }
    }

    private static final byte[] NOT_COMPRESSED = new byte[0];

    private static void consume(BlockNode dst, ArrayDeque<Future<Piece>> q, ArrayBlockingQueue<ByteBuffer> buffers, Qcow2Node cq, int unit,
                                int sparse, boolean zeroInit, boolean hasBacking, boolean ooo, boolean parallelWrites,
                                AsyncQcow2 async, Progress p, long[] done) throws IOException {
        Future<Piece> f = null;
        if (ooo) {
            for (Future<Piece> x : q) if (x.isDone()) { f = x; break; }
        }
        if (f == null) f = q.peek();
        Piece pc = await(f);
        q.remove(f);
        if (pc.buf() == null) {
            dst.writeZeroes(pc.off(), pc.len());
        } else if (pc.compressed() != null) {
            long size = cq.size();
            byte[][] zs = pc.compressed();
            for (int i = 0; i < zs.length; i++) {
                byte[] z = zs[i];
                long gOff = pc.off() + (long) i * unit;
                if (gOff >= size) break;
                int n = (int) Math.min(unit, size - gOff);
                if (z == null) {
                    if (!(zeroInit && !hasBacking)) dst.writeZeroes(gOff, n);
                } else if (z == NOT_COMPRESSED) {
                    // a run of clusters that do not compress is one ordinary write
                    int j = i + 1;
                    while (j < zs.length && zs[j] == NOT_COMPRESSED && pc.off() + (long) j * unit < size) j++;
                    long endOff = Math.min(size, pc.off() + (long) j * unit);
                    dst.write(gOff, pc.buf().slice(i * unit, (int) (endOff - gOff)));
                    i = j - 1;
                } else {
                    cq.writeCompressedData(gOff / unit, null, z);
                }
            }
        } else if (async != null) {
            // the buffer goes back when the last write from it is done (refs: this thread's plus one per write)
            ByteBuffer buf = pc.buf();
            java.util.concurrent.atomic.AtomicInteger refs = new java.util.concurrent.atomic.AtomicInteger(1);
            Runnable release = () -> buffers.offer(buf);
            try {
                writeRuns(dst, pc, zeroInit, (o, b) -> async.write(o, b, release, refs));
            } finally {
                if (refs.decrementAndGet() == 0) release.run();
            }
            done[0] += pc.len();
            p.update(done[0]);
            return;
        } else if (!parallelWrites) {
            writeRuns(dst, pc, zeroInit, dst::write);
        }
        if (pc.buf() != null) buffers.offer(pc.buf());
        done[0] += pc.len();
        p.update(done[0]);
    }

    /**
     * Zeroes to compare with, in a holder: initialising FFM's segment classes in Convert's own class
     * initialisation made the main thread wait (10–20 ms) for the native-call link, which initialises
     * the same classes on its thread at the same time.
     */
    private static final class Zeros { static final MemorySegment SEG = MemorySegment.ofArray(new byte[CHUNK]); }

    /** True when bytes [from, to) of {@code s} are all zero. */
    static boolean isZero(MemorySegment s, long from, long to) {
        long n = to - from;
        long i = 0;
        while (i < n) {
            long m = Math.min(n - i, CHUNK);
            if (MemorySegment.mismatch(s, from + i, from + i + m, Zeros.SEG, 0, m) != -1) return false;
            i += m;
        }
        return true;
    }

    /** The offset of the first non-zero byte in [from, to) of {@code s}, or -1 if they are all zero. */
    static long firstNonZero(MemorySegment s, long from, long to) {
        long i = from;
        while (i < to) {
            long m = Math.min(to - i, CHUNK);
            long k = MemorySegment.mismatch(s, i, i + m, Zeros.SEG, 0, m);
            if (k >= 0) return i + k;
            i += m;
        }
        return -1;
    }

    /**
     * The runs of {@code len} bytes of {@code b} (target offset {@code off}): blocks of {@code sparse} bytes,
     * aligned in the target, that are all zero form zero runs, the rest data runs (-S; {@code sparse} 0 or
     * a backing file: one data run). Encoded as {first run is zero ? 1 : 0, end of run 0, end of run 1, ...};
     * the kinds alternate. A block's first word is looked at on its own: for data that almost always
     * answers the question, and the bulk compare (vectorised only in C2) is paid for by blocks that
     * start with zeroes.
     */
    static int[] scan(ByteBuffer b, long off, int len, int sparse, boolean hasBacking) {
        if (sparse == 0 || hasBacking) return new int[]{0, len};
        final int S = sparse;
        MemorySegment seg = null;   // made for the first block that starts with zeroes
        int[] r = new int[9];
        int n = 1;
        int i = 0;
        boolean z = false;
        // Leading data blocks (a first word that is not zero: nearly every block of data) in one tight
        // loop: this runs interpreted until C1 gets to it (0.3-0.6 s into a convert, behind start-up's
        // compilations), where the general loop below cost ~0.2 s of CPU per GiB of data.
        int first = (int) Math.min(len, S - off % S);   // the end of the first block (blocks are aligned in the target)
        if (first >= 8 && b.getLong(0) != 0) {
            i = first;
            while (i <= len - 8 && b.getLong(i) != 0) i += S;
            if (i > len) i = len;
        }
        while (i < len) {
            int end = Math.min(len, (int) ((off + i) / S * S + S - off));
            boolean bz;
            // the first word on its own (ByteBuffer.getLong: cheaper than a VarHandle while interpreted)
            if (end - i >= 8 && b.getLong(i) != 0) bz = false;
            else {
                // zeroes from here: one compare up to the first non-zero byte (or the piece's end) covers a
                // whole run of zero blocks, such as a hole read as data, instead of one compare per block
                long nz = firstNonZero(seg != null ? seg : (seg = MemorySegment.ofBuffer(b)), i, len);
                int zEnd = nz < 0 ? len : (int) Math.max(i, (off + nz) / S * S - off);
                if (zEnd > i) end = zEnd;
                bz = zEnd > i;
            }
            if (i == 0) { z = bz; r[0] = bz ? 1 : 0; }
            else if (bz != z) {
                if (n == r.length) r = java.util.Arrays.copyOf(r, 2 * n);
                r[n++] = i;
                z = bz;
            }
            i = end;
        }
        if (n == r.length) r = java.util.Arrays.copyOf(r, n + 1);
        r[n++] = len;
        return java.util.Arrays.copyOf(r, n);
    }

    /** Where the data runs of {@link #writeRuns} go. */
    private interface Sink { void write(long off, ByteBuffer b) throws IOException; }

    /**
     * Writes a piece's data runs; its zero runs are left unallocated when the target reads as zero
     * already, and are written as zeroes otherwise.
     */
    private static void writeRuns(BlockNode dst, Piece pc, boolean zeroInit, Sink sink) throws IOException {
        int[] r = pc.runs();
        boolean z = r[0] == 1;
        int start = 0;
        for (int k = 1; k < r.length; k++, z = !z) {
            int end = r[k];
            if (!z) sink.write(pc.off() + start, pc.buf().slice(start, end - start));
            else if (!zeroInit) dst.writeZeroes(pc.off() + start, end - start);
            start = end;
        }
    }
}
