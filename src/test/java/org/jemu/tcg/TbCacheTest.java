package org.jemu.tcg;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

class TbCacheTest {
    static final long A = 0x1000, X = 0x1010;

    /** Units are strings; the unit at A runs through X. The translation of A waits for {@code go}. */
    static TbCache<String> cache(List<Long> translated, CountDownLatch go) {
        return new TbCache<>(pc -> {
            if (pc == A) {
                try { go.await(); } catch (InterruptedException e) { throw new IllegalStateException(e); }
            }
            translated.add(pc);
            return new Translation<>("u" + pc, new long[] {pc}, new long[] {pc >>> 12}, 4, 10, "t",
                    pc == A ? new long[] {X} : new long[0]);
        }, new TcgOptions(1, false, 1 << 20, 24));
    }

    static void await(TbCache<?> c, long pc) throws InterruptedException {
        for (int i = 0; i < 500 && c.get(pc) == null; i++) Thread.sleep(10);
    }

    @Test
    @Timeout(20)
    void requestMadeBeforeACoveringUnitIsDroppedLaterOnesAreNot() throws InterruptedException {
        List<Long> translated = new CopyOnWriteArrayList<>();
        CountDownLatch go = new CountDownLatch(1);
        TbCache<String> c = cache(translated, go);
        try {
            c.request(A);
            Thread.sleep(50);          // the worker is inside A's translation
            c.request(X);              // X hot while A's unit (which runs through X) is not installed yet
            go.countDown();
            await(c, A);
            assertEquals("u" + A, c.get(A));
            for (int i = 0; i < 200 && c.stats().droppedRequests.sum() == 0; i++) Thread.sleep(10);
            assertEquals(1, c.stats().droppedRequests.sum());
            assertNull(c.get(X));
            assertEquals(List.of(A), translated);
            // still hot with A's unit installed: now it is translated
            c.request(X);
            await(c, X);
            assertEquals("u" + X, c.get(X));
        } finally {
            c.shutdown();
        }
    }

    /** A straight run of 3 units: A (cut at B), B (cut at C), C. Requests for A and for pcs inside it and behind it. */
    @Test
    @Timeout(20)
    void aBatchIsTakenFromItsLowestPcAndChainsThroughContinuations() throws InterruptedException {
        long B = 0x1400, C = 0x1800;
        List<Long> translated = new CopyOnWriteArrayList<>();
        CountDownLatch go = new CountDownLatch(1);
        TbCache<String> c = new TbCache<>(pc -> {
            if (pc == 0x100) {
                try { go.await(); } catch (InterruptedException e) { throw new IllegalStateException(e); }
            }
            translated.add(pc);
            long end = pc == 0x100 ? pc + 4 : pc < B ? B : pc < C ? C : pc + 0x400;
            long[] covered = java.util.stream.LongStream.iterate(pc + 4, p -> p < end, p -> p + 4).toArray();
            return new Translation<>("u" + pc, new long[] {pc}, new long[] {pc >>> 12}, 4, 10, "t",
                    covered, pc != 0x100 && pc < C ? new long[] {end} : new long[0]);
        }, new TcgOptions(1, false, 1 << 20, 24));
        try {
            c.request(0x100);          // keeps the worker busy while the batch is queued
            Thread.sleep(50);
            c.request(A);              // the run's blocks got hot in order; newest first would start at its end
            c.request(0x1100);
            c.request(0x1500);
            c.request(0x1900);
            go.countDown();
            await(c, C);
            for (int i = 0; i < 200 && c.stats().droppedRequests.sum() < 3; i++) Thread.sleep(10);
            assertEquals(List.of(0x100L, A, B, C), translated, "A first, then its chain; the others covered");
            assertEquals(3, c.stats().droppedRequests.sum());
        } finally {
            c.shutdown();
        }
    }

    @Test
    @Timeout(20)
    void invalidationForgetsCoverage() throws InterruptedException {
        List<Long> translated = new CopyOnWriteArrayList<>();
        CountDownLatch go = new CountDownLatch(1);
        go.countDown();
        TbCache<String> c = cache(translated, go);
        try {
            c.request(A);
            await(c, A);
            c.invalidate(A, 1, 12);
            assertNull(c.get(A));
            c.request(X);
            await(c, X);
            assertEquals("u" + X, c.get(X));
        } finally {
            c.shutdown();
        }
    }

    @Test
    void jumpCacheCachesMissesUntilTheGenerationMoves() {
        TbCache<String> c = new TbCache<>(pc -> new Translation<>("u" + pc, new long[] {pc}, new long[] {pc >>> 12}, 1, 1, "t"),
                new TcgOptions(0, true, 1 << 20, 24));
        TbCache<String>.Jumps j = c.new Jumps();
        assertNull(j.lookup(A));
        assertNull(j.lookup(A));
        c.request(A);              // synchronous: installed now, the generation moves
        assertEquals("u" + A, j.lookup(A));
        c.invalidate(A, 2, 12);
        assertNull(j.lookup(A));
    }

    @Test
    @Timeout(20)
    void translationRacingWithAnInvalidationIsNotInstalled() throws InterruptedException {
        List<Long> translated = new CopyOnWriteArrayList<>();
        CountDownLatch go = new CountDownLatch(1);
        TbCache<String> c = cache(translated, go);
        try {
            c.request(A);
            Thread.sleep(50);          // the worker is reading A's (old) code
            c.invalidate(A, 4, 12);    // munmap/exec: nothing installed there yet, so nothing dropped
            go.countDown();
            for (int i = 0; i < 200 && c.stats().droppedRequests.sum() == 0; i++) Thread.sleep(10);
            assertEquals(List.of(A), translated);
            assertEquals(1, c.stats().droppedRequests.sum());
            assertNull(c.get(A), "a unit translated from code invalidated meanwhile must not run");
            c.request(A);              // the new code is translated afresh
            await(c, A);
            assertEquals("u" + A, c.get(A));
            assertEquals(List.of(A, A), translated);
        } finally {
            c.shutdown();
        }
    }
}
