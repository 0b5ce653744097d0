package org.jemu.cli;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * convert's zero detection ({@link Convert#scan}, run on the reading threads): the runs it finds are the
 * ones a byte-by-byte look at every -S block (aligned in the target) finds, whatever the block size, the
 * target offset and the data — blocks that start with zeroes and hold data further on included, since
 * the scan looks at a block's first word on its own first.
 */
class ConvertScanTest {
    /** The reference: per block, all zero or not; adjacent blocks of the same kind merged. */
    private static int[] naive(byte[] d, long off, int len, int s) {
        List<Integer> ends = new ArrayList<>();
        int first = -1;
        boolean z = false;
        int i = 0;
        while (i < len) {
            int end = (int) Math.min(len, (off + i) / s * s + s - off);
            boolean bz = true;
            for (int k = i; k < end; k++) if (d[k] != 0) { bz = false; break; }
            if (first < 0) { first = bz ? 1 : 0; z = bz; }
            else if (bz != z) { ends.add(i); z = bz; }
            i = end;
        }
        ends.add(len);
        int[] r = new int[ends.size() + 1];
        r[0] = first;
        for (int k = 0; k < ends.size(); k++) r[k + 1] = ends.get(k);
        return r;
    }

    @Test
    void runsAreThoseOfEveryBlockLookedAtByteByByte() {
        Random rnd = new Random(5);
        int[] sizes = {512, 4096, 65536};
        for (int round = 0; round < 400; round++) {
            int s = sizes[rnd.nextInt(sizes.length)];
            int len = 1 + rnd.nextInt(Convert.CHUNK);
            long off = rnd.nextBoolean() ? (long) rnd.nextInt(1 << 20) * 512 : rnd.nextInt(1 << 30);
            byte[] d = new byte[len];
            // a mix of block kinds: all zero, random data, zero first word then one byte of data at a
            // random place, data only in the first word
            int i = 0;
            while (i < len) {
                int n = Math.min(len - i, 1 + rnd.nextInt(3 * s));
                switch (rnd.nextInt(4)) {
                    case 0 -> { }
                    case 1 -> { for (int k = i; k < i + n; k++) d[k] = (byte) rnd.nextInt(); }
                    case 2 -> d[i + Math.min(n - 1, 8 + rnd.nextInt(Math.max(1, n - 8)))] = (byte) (1 + rnd.nextInt(255));
                    default -> d[i + rnd.nextInt(Math.min(n, 8))] = (byte) (1 + rnd.nextInt(255));
                }
                i += n;
            }
            ByteBuffer b = ByteBuffer.allocateDirect(len);
            b.put(d).clear();
            assertArrayEquals(naive(d, off, len, s), Convert.scan(b, off, len, s, false),
                    "round " + round + ": -S " + s + ", offset " + off + ", " + len + " bytes");
        }
    }

    @Test
    void noDetectionWithSZeroOrABackingFile() {
        ByteBuffer b = ByteBuffer.allocateDirect(8192);   // all zero
        assertArrayEquals(new int[]{0, 8192}, Convert.scan(b, 0, 8192, 0, false));
        assertArrayEquals(new int[]{0, 8192}, Convert.scan(b, 0, 8192, 4096, true));
        assertArrayEquals(new int[]{1, 8192}, Convert.scan(b, 0, 8192, 4096, false));
        b.put(4096 + 4095, (byte) 1);
        assertArrayEquals(new int[]{1, 4096, 8192}, Convert.scan(b, 0, 8192, 4096, false));
        // a target offset not on a block boundary: the first block is the part up to the boundary
        assertArrayEquals(new int[]{1, 7680, 8192}, Convert.scan(b, 512, 8192, 4096, false));
        b.put(100, (byte) 1);
        assertArrayEquals(new int[]{0, 3584, 7680, 8192}, Convert.scan(b, 512, 8192, 4096, false));
    }
}
