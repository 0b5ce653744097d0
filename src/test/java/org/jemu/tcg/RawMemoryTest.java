package org.jemu.tcg;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** The accessors translated code calls agree with HostMemory's FFM ones, at every alignment. */
class RawMemoryTest {
    static final String[] LOADS = {"lb", "lbu", "lh", "lhu", "lw", "lwu", "ld"};
    static final String[] STORES = {"sb", "sh", "sw", "sd"};

    @Test
    void accessorsAgreeWithForeignMemoryAccess() throws Throwable {
        assertTrue(RawMemory.available(), "the build's test JVM runs with --add-exports java.base/jdk.internal.misc=ALL-UNNAMED (pom.xml), as the launchers do");
        Class<?> raw = HostMemory.accessClass();
        assertEquals(RawMemory.NAME, raw.getName());
        Random rnd = new Random(3);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(64);
            long base = seg.address();
            for (int round = 0; round < 200; round++) {
                for (int i = 0; i < 64; i++) seg.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, (byte) rnd.nextInt());
                int off = rnd.nextInt(56);
                for (String fn : LOADS) {
                    assertEquals((long) load(HostMemory.class, fn).invokeExact(base + off), (long) load(raw, fn).invokeExact(base + off), fn + " @" + off);
                }
                long v = rnd.nextLong();
                for (String fn : STORES) {
                    byte[] before = seg.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
                    store(HostMemory.class, fn).invokeExact(base + off, v);
                    byte[] want = seg.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
                    MemorySegment.copy(before, 0, seg, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, 64);
                    store(raw, fn).invokeExact(base + off, v);
                    assertArrayEquals(want, seg.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), fn + " @" + off);
                }
            }
        }
    }

    /** The softmmu's HostAccess: the generated Unsafe one agrees with the FFM one (little-endian) at every alignment. */
    @Test
    void hostAccessAgreesWithForeignMemoryAccess() {
        HostAccess raw = HostAccess.get(), ffm = new HostAccess.Ffm();
        assertEquals(RawMemory.HOST_ACCESS_NAME, raw.getClass().getName());
        Random rnd = new Random(5);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(64);
            long base = seg.address();
            for (int round = 0; round < 200; round++) {
                for (int i = 0; i < 64; i++) seg.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, (byte) rnd.nextInt());
                long a = base + rnd.nextInt(56);
                assertEquals(ffm.getByte(a), raw.getByte(a));
                assertEquals(ffm.getShort(a), raw.getShort(a));
                assertEquals(ffm.getInt(a), raw.getInt(a));
                assertEquals(ffm.getLong(a), raw.getLong(a));
                assertEquals(seg.get(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), a - base), raw.getLong(a));
                long v = rnd.nextLong();
                for (int w = 0; w < 4; w++) {
                    byte[] before = seg.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
                    put(ffm, w, a, v);
                    byte[] want = seg.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
                    MemorySegment.copy(before, 0, seg, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, 64);
                    put(raw, w, a, v);
                    assertArrayEquals(want, seg.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), "width " + (1 << w));
                }
            }
        }
    }

    private static void put(HostAccess h, int log2, long a, long v) {
        switch (log2) {
            case 0 -> h.putByte(a, (byte) v);
            case 1 -> h.putShort(a, (short) v);
            case 2 -> h.putInt(a, (int) v);
            default -> h.putLong(a, v);
        }
    }

    private static MethodHandle load(Class<?> c, String fn) throws ReflectiveOperationException {
        return MethodHandles.publicLookup().findStatic(c, fn, MethodType.methodType(long.class, long.class));
    }

    private static MethodHandle store(Class<?> c, String fn) throws ReflectiveOperationException {
        return MethodHandles.publicLookup().findStatic(c, fn, MethodType.methodType(void.class, long.class, long.class));
    }
}
