package org.jemu.tcg;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Raw host-memory access by absolute host address, for translated code. {@link #ALL} is a static final
 * segment spanning the whole address space, so C2 folds it and each access compiles to one move. Callers
 * (the generated code) have already checked the guest page permissions, so every address reaching here is
 * mapped.
 */
public final class HostMemory {
    private HostMemory() {}

    /**
     * The class whose static accessors (lb … sd, this class's signatures) translated code calls:
     * {@link RawMemory}'s when {@code java.base} exports {@code jdk.internal.misc} to jemu (the launchers do),
     * this class otherwise or with {@code -Djemu.tcg.mem=ffm}.
     */
    public static synchronized Class<?> accessClass() {
        if (access == null) {
            access = HostMemory.class;
            if (!"ffm".equals(System.getProperty("jemu.tcg.mem")) && RawMemory.available()) {
                try {
                    access = RawMemory.define();
                } catch (IllegalAccessException | LinkageError e) {
                    access = HostMemory.class;   // e.g. defined already by another class loader's copy
                }
            }
        }
        return access;
    }

    private static Class<?> access;

    public static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    private static final ValueLayout.OfShort S = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong L = ValueLayout.JAVA_LONG_UNALIGNED;

    public static long lb(long a) { return ALL.get(ValueLayout.JAVA_BYTE, a); }
    public static long lbu(long a) { return ALL.get(ValueLayout.JAVA_BYTE, a) & 0xffL; }
    public static long lh(long a) { return ALL.get(S, a); }
    public static long lhu(long a) { return ALL.get(S, a) & 0xffffL; }
    public static long lw(long a) { return ALL.get(I, a); }
    public static long lwu(long a) { return ALL.get(I, a) & 0xffffffffL; }
    public static long ld(long a) { return ALL.get(L, a); }

    public static void sb(long a, long v) { ALL.set(ValueLayout.JAVA_BYTE, a, (byte) v); }
    public static void sh(long a, long v) { ALL.set(S, a, (short) v); }
    public static void sw(long a, long v) { ALL.set(I, a, (int) v); }
    public static void sd(long a, long v) { ALL.set(L, a, v); }
}
