package org.jemu.tcg;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Little-endian accesses to host memory by absolute address, for the system-mode interpreter's softmmu
 * fast path (guest RAM pages the TLB has already checked). {@link #get()} is the generated
 * {@code jdk.internal.misc.Unsafe} implementation ({@link RawMemory#defineHostAccess()}) when the launchers
 * export that package and the host is little-endian, an FFM one ({@link Ffm}) otherwise.
 *
 * <p>Why not a {@code MemorySegment} access: each is a ~30-method inline tree (session, bounds, alignment,
 * read-only checks) that C1 and C2 must parse at every one of the interpreter's load and store sites.
 * C2 took 0.25-0.35 s (and over 1 s on a loaded host) to compile the interpreter loop with 400-500 inlined
 * methods, and the hart runs C1 code until it is done; here an access is one intrinsic.
 */
public interface HostAccess {
    byte getByte(long a);
    short getShort(long a);
    int getInt(long a);
    long getLong(long a);
    void putByte(long a, byte v);
    void putShort(long a, short v);
    void putInt(long a, int v);
    void putLong(long a, long v);

    /** The implementation for this JVM (one per process). */
    static HostAccess get() {
        return Holder.INSTANCE;
    }

    final class Holder {
        private Holder() {}
        static final HostAccess INSTANCE = make();

        private static HostAccess make() {
            if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN && !"ffm".equals(System.getProperty("jemu.tcg.mem"))
                    && RawMemory.available()) {
                try {
                    return RawMemory.defineHostAccess();
                } catch (ReflectiveOperationException | LinkageError e) {
                    // another class loader's copy defined it already: FFM below
                }
            }
            return new Ffm();
        }
    }

    /** Through {@link HostMemory#ALL}, with the guest's (little-endian) byte order. */
    final class Ffm implements HostAccess {
        private static final ValueLayout.OfShort S = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfLong L = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

        @Override public byte getByte(long a) { return HostMemory.ALL.get(ValueLayout.JAVA_BYTE, a); }
        @Override public short getShort(long a) { return HostMemory.ALL.get(S, a); }
        @Override public int getInt(long a) { return HostMemory.ALL.get(I, a); }
        @Override public long getLong(long a) { return HostMemory.ALL.get(L, a); }
        @Override public void putByte(long a, byte v) { HostMemory.ALL.set(ValueLayout.JAVA_BYTE, a, v); }
        @Override public void putShort(long a, short v) { HostMemory.ALL.set(S, a, v); }
        @Override public void putInt(long a, int v) { HostMemory.ALL.set(I, a, v); }
        @Override public void putLong(long a, long v) { HostMemory.ALL.set(L, a, v); }
    }
}
