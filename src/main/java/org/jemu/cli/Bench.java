package org.jemu.cli;

import org.jemu.block.BlockDrivers;
import org.jemu.block.BlockNode;
import org.jemu.block.CacheMode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.jemu.cli.Img.*;

/**
 * qemu-img bench: {@code count} requests of {@code bufsize} bytes, sequential from {@code offset}
 * with {@code step}, {@code depth} in flight (worker threads), optional flushes.
 */
final class Bench {
    private Bench() {}

    static int run(String[] argv) throws IOException {
        Getopt g = new Getopt(argv, 1, "hc:d:f:ni:o:qs:S:t:wU", Map.of("help", false, "flush-interval", true, "no-drain", false,
                "pattern", true, "force-share", false, "image-opts", false, "object", true));
        String fmt = null, cacheS = "writeback";
        long count = 75000, offset = 0, bufSize = 4096, step = -1, flushInterval = 0;
        int depth = 64, pattern = 0;
        boolean write = false, quiet = false, noDrain = false;
        for (Getopt.Opt o : g.opts) switch (o.name()) {
            case "c" -> count = num(o.arg(), "request count");
            case "d" -> depth = (int) num(o.arg(), "queue depth");
            case "f" -> fmt = o.arg();
            case "n" -> cacheS = "none";
            case "i" -> { if (!o.arg().equals("threads")) throw new Fail("Invalid aio option: " + o.arg()); }
            case "o" -> offset = size(o.arg(), "offset");
            case "q" -> quiet = true;
            case "s" -> bufSize = size(o.arg(), "buffer size");
            case "S" -> step = size(o.arg(), "step size");
            case "t" -> cacheS = o.arg();
            case "w" -> write = true;
            case "flush-interval" -> flushInterval = num(o.arg(), "flush interval");
            case "no-drain" -> noDrain = true;
            case "pattern" -> pattern = (int) num(o.arg(), "pattern");
            case "U", "force-share" -> { }
            case "h", "help" -> { help(); return 0; }
            default -> throw new Fail("--" + o.name() + " is not supported by jemu-img");
        }
        if (g.args.size() != 1) throw usage("Expecting one image file name");
        if (depth < 1 || depth > 4096) throw new Fail("Invalid queue depth specified");
        if (bufSize < 1 || bufSize > (64 << 20)) throw new Fail("Invalid buffer size specified");
        if (step < 0) step = bufSize;
        if (flushInterval > 0 && !write) throw new Fail("--flush-interval is only available in write tests");
        if (noDrain && flushInterval == 0) throw new Fail("--no-drain requires --flush-interval");
        CacheMode cache = cache(cacheS);
        BlockNode n = open(g.args.get(0), fmt, !write, BlockDrivers.Options.DEFAULT.withCache(cache));
        try {
            long imageSize = n.size();
            if (!quiet) {
                out.print("Sending " + count + " " + (write ? "write" : "read") + " requests, " + bufSize + " bytes each, " + depth
                        + " in parallel (starting at offset " + offset + ", step size " + step + ")");
                if (flushInterval > 0) out.print(", flush every " + flushInterval + " requests" + (noDrain ? " (without drain)" : ""));
                out.println();
            }
            final long fCount = count, fOffset = offset, fStep = step, fBuf = bufSize, fFlush = flushInterval;
            final boolean fWrite = write;
            final byte fPattern = (byte) pattern;
            AtomicLong next = new AtomicLong();
            AtomicLong completed = new AtomicLong();
            int threads = (int) Math.min(depth, Math.min(4, Math.max(1, count)));
            long t0 = System.nanoTime();
            List<Thread> ts = new ArrayList<>();
            IOException[] fail = new IOException[1];
            for (int t = 0; t < threads; t++) {
                ts.add(Thread.ofPlatform().start(() -> {
                    // direct buffers: the channel reads and writes them without a bounce copy
                    ByteBuffer b = ByteBuffer.allocateDirect((int) fBuf + 4096).alignedSlice(4096).limit((int) fBuf).slice();
                    if (fWrite) { for (int k = 0; k < fBuf; k++) b.put(k, fPattern); }
                    try {
                        while (true) {
                            long i = next.getAndIncrement();
                            if (i >= fCount) break;
                            long off = fOffset + i * fStep;
                            if (imageSize > 0) off %= imageSize;
                            if (off + fBuf > imageSize) off = 0;
                            b.clear();
                            if (fWrite) n.write(off, b); else n.read(off, b);
                            long c = completed.incrementAndGet();
                            if (fFlush > 0 && c % fFlush == 0) n.flush();
                        }
                    } catch (IOException e) {
                        synchronized (fail) { fail[0] = e; }
                    }
                }));
            }
            for (Thread t : ts) {
                try { t.join(); } catch (InterruptedException e) { Thread.currentThread().interrupt(); }
            }
            if (fail[0] != null) throw new Fail("Failed request: " + fail[0].getMessage());
            if (write) n.flush();
            double secs = (System.nanoTime() - t0) / 1e9;
            if (!quiet) out.printf("Run completed in %.3f seconds.%n", secs);
        } finally {
            closeQuietly(n);
        }
        return 0;
    }

    private static long num(String s, String what) {
        try {
            long v = Long.decode(s);
            if (v < 0) throw new NumberFormatException();
            return v;
        } catch (NumberFormatException e) {
            throw new Fail("Invalid " + what + " specified");
        }
    }

    private static long size(String s, String what) {
        Long v = parseSize(s);
        if (v == null) throw new Fail("Invalid " + what + " specified");
        return v;
    }
}
