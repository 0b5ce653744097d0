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
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.jemu.block.qcow2.ImgTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Runs written outside the qcow2 node's lock (convert's parallel writes): clusters allocated in order,
 * data written and mapped on other threads in any order, an aborted run freed, a write to a pending
 * range waiting for it; the image must read back right and be clean for qemu-img check, with the host
 * layout in allocation order.
 */
class Qcow2PendingRunTest {
    @Test
    void runsCompletedOutOfOrderAbortedAndWaitedFor() throws Exception {
        Need.tool("qemu-img");
        Path img = freshFile("qcow2-pending", "p.qcow2"), dir = img.getParent();
        int cs = 64 << 10;
        long size = 64L << 20;
        BlockDrivers.create(img.toString(), "qcow2", size, QemuOpts.parse("create", "", null));
        byte[] data = new byte[32 << 20];
        new Random(7).nextBytes(data);
        try (BlockNode n = BlockDrivers.open(img.toString(), "qcow2", false, BlockDrivers.Options.DEFAULT)) {
            Qcow2Node q = (Qcow2Node) n;
            assertTrue(q.supportsPendingRuns());
            assertNull(q.allocateRun(4096, 4 * cs), "unaligned start");
            // eight 2 MiB runs over the first 16 MiB, then one aborted run at 16 MiB
            List<Qcow2Node.PendingRun> runs = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                Qcow2Node.PendingRun r = q.allocateRun((long) i << 21, 2 << 20);
                assertNotNull(r);
                assertEquals(2 << 20, r.length());
                if (!runs.isEmpty()) assertEquals(runs.get(runs.size() - 1).host() + (2 << 20), r.host(), "host layout in allocation order");
                runs.add(r);
            }
            Qcow2Node.PendingRun aborted = q.allocateRun(16L << 20, 2 << 20);
            // a write into a pending range waits until the run is completed, then overwrites its start
            CountDownLatch started = new CountDownLatch(1);
            Throwable[] fail = new Throwable[1];
            Thread w = Thread.ofPlatform().start(() -> {
                try {
                    started.countDown();
                    n.write(0, ByteBuffer.wrap(new byte[512]));
                } catch (Throwable t) { fail[0] = t; }
            });
            assertTrue(started.await(10, TimeUnit.SECONDS));
            // complete in reverse order on several threads
            List<Thread> ts = new ArrayList<>();
            for (int i = runs.size() - 1; i >= 0; i--) {
                Qcow2Node.PendingRun r = runs.get(i);
                ts.add(Thread.ofPlatform().start(() -> {
                    try {
                        q.completeRun(r, ByteBuffer.wrap(data, (int) r.offset(), r.length()));
                    } catch (Throwable t) { fail[0] = t; }
                }));
            }
            for (Thread t : ts) t.join(30_000);
            w.join(30_000);
            assertFalse(w.isAlive(), "the write to a pending range went on after its completion");
            q.abortRun(aborted);
            if (fail[0] != null) throw new AssertionError(fail[0]);
            assertThrows(IllegalArgumentException.class, () -> q.completeRun(q.allocateRun(20L << 20, cs), ByteBuffer.allocate(10)));
            // the run at 20 MiB was freed by the failed completion; write the rest of the model ordinarily
            n.write(16L << 20, ByteBuffer.wrap(data, 16 << 20, 16 << 20));
        }
        System.arraycopy(new byte[512], 0, data, 0, 512);
        assertEquals(0, tool(dir, "qemu-img", "check", img.toString()).rc(), "qemu-img check: no leaks, no errors");
        Path expect = dir.resolve("p.raw");
        byte[] full = new byte[(int) size];
        System.arraycopy(data, 0, full, 0, data.length);
        Files.write(expect, full);
        assertEquals(0, tool(dir, "qemu-img", "compare", "-f", "raw", "-F", "qcow2", expect.toString(), img.toString()).rc());
    }
}
