package org.jemu.block.qcow2;

import org.jemu.block.BlockDrivers;
import org.jemu.block.BlockNode;
import org.jemu.testutil.Need;
import org.jemu.util.QemuOpts;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.jemu.block.qcow2.ImgTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Several threads on one qcow2 node at once (as virtio queues do): writes from direct buffers (in-place
 * ones run outside the node's lock), discards and zero writes that free clusters (which must wait for
 * the requests outside the lock), reads, flushes, over a snapshot (copy on write). Each thread owns a
 * region and keeps a model of it; every read must match the model, and at the end the image must be
 * clean for qemu-img check and read back as the models through qemu-img, the snapshot unchanged.
 */
class Qcow2ConcurrencyTest {
    static final int THREADS = 4, REGION = 4 << 20, OPS = 3000;

    @Test
    void threadsWriteDiscardReadTheSameNode() throws Exception {
        Need.tool("qemu-img");
        Path img = freshFile("qcow2-concurrency", "c.qcow2"), dir = img.getParent();
        long size = (long) THREADS * REGION;
        BlockDrivers.create(img.toString(), "qcow2", size, QemuOpts.parse("create", "cluster_size=4k", null));
        byte[][] model = new byte[THREADS][REGION];
        byte[] base = new byte[(int) size];
        new Random(1).nextBytes(base);
        try (BlockNode n = BlockDrivers.open(img.toString(), "qcow2", false, BlockDrivers.Options.DEFAULT)) {
            n.write(0, ByteBuffer.wrap(base));
            ((Qcow2Node) n).snapshotCreate("s1", 0, 0);
        }
        for (int t = 0; t < THREADS; t++) System.arraycopy(base, t * REGION, model[t], 0, REGION);
        try (BlockNode n = BlockDrivers.open(img.toString(), "qcow2", false, BlockDrivers.Options.DEFAULT)) {
            List<Thread> ts = new ArrayList<>();
            Throwable[] fail = new Throwable[1];
            for (int t = 0; t < THREADS; t++) {
                final int id = t;
                ts.add(Thread.ofPlatform().start(() -> {
                    Random r = new Random(100 + id);
                    byte[] m = model[id];
                    long regionStart = (long) id * REGION;
                    ByteBuffer buf = ByteBuffer.allocateDirect(64 << 10);
                    try {
                        for (int i = 0; i < OPS; i++) {
                            int kind = r.nextInt(10);
                            int off = r.nextInt(REGION / 512) * 512;
                            int len = Math.min(REGION - off, 512 * (1 + r.nextInt(64)));
                            if (kind < 5) {
                                byte[] d = new byte[len];
                                r.nextBytes(d);
                                buf.clear().put(d).flip();
                                n.write(regionStart + off, buf);
                                System.arraycopy(d, 0, m, off, len);
                            } else if (kind == 5) {
                                int c = off & ~4095, cl = Math.min(REGION - c, 4096 * (1 + r.nextInt(8)));
                                n.discard(regionStart + c, cl);
                                // discard of whole clusters reads back as zeroes (v3 image, no backing)
                                Arrays.fill(m, c, c + cl, (byte) 0);
                            } else if (kind == 6) {
                                n.writeZeroes(regionStart + off, len);
                                Arrays.fill(m, off, off + len, (byte) 0);
                            } else if (kind == 7) {
                                n.flush();
                            } else {
                                buf.clear().limit(len);
                                n.read(regionStart + off, buf);
                                for (int k = 0; k < len; k++) {
                                    if (buf.get(k) != m[off + k]) throw new AssertionError("thread " + id + " op " + i + ": byte " + (off + k) + " of its region differs");
                                }
                            }
                        }
                    } catch (Throwable e) {
                        synchronized (fail) { if (fail[0] == null) fail[0] = e; }
                    }
                }));
            }
            for (Thread t : ts) t.join(120_000);
            if (fail[0] != null) throw new AssertionError(fail[0]);
        }
        Res q = tool(dir, "qemu-img", "check", "@c.qcow2");
        assertEquals(0, q.rc(), q.toString());
        Files.deleteIfExists(dir.resolve("c.raw"));
        assertEquals(0, tool(dir, "qemu-img", "convert", "-O", "raw", "@c.qcow2", "@c.raw").rc());
        byte[] got = Files.readAllBytes(dir.resolve("c.raw"));
        for (int t = 0; t < THREADS; t++) {
            assertArrayEquals(model[t], Arrays.copyOfRange(got, t * REGION, (t + 1) * REGION), "region " + t);
        }
        Files.write(dir.resolve("base.raw"), base);
        Files.deleteIfExists(dir.resolve("s1.raw"));
        assertEquals(0, tool(dir, "qemu-img", "convert", "-l", "s1", "-O", "raw", "@c.qcow2", "@s1.raw").rc());
        assertEquals(0, tool(dir, "qemu-img", "compare", "@base.raw", "@s1.raw").rc(), "the snapshot changed");
    }
}
