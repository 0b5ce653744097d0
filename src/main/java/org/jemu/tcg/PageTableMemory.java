package org.jemu.tcg;

import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.MethodTypeDesc;
import java.lang.foreign.ValueLayout;

/**
 * User-mode guest memory as linux-user lays it out: guest address {@code a} is host address
 * {@code guestBase + a} for {@code a < size}; a two-level table of one flag byte per 4 KiB page
 * ({@code flags[page >>> l2Bits][page & (2^l2Bits - 1)]}, a null second level = nothing mapped) holds the
 * guest's permissions ({@link #R}, {@link #W}, {@link #X}). The table is shared with the code that maps
 * pages (mmap/mprotect update it in place), so translated code always sees the current permissions.
 *
 * <p>The inline check covers accesses within one page; one that crosses a page boundary takes the slow
 * path (the interpreter splits it and reports the precise faulting address).
 */
public final class PageTableMemory implements GuestMemoryModel {
    public static final int R = 1, W = 2, X = 4;
    public static final int PAGE_BITS = 12;
    private static final long PAGE_MASK = (1L << PAGE_BITS) - 1;

    private final long guestBase, size;
    private final byte[][] flags;
    private final int l2Bits;

    public PageTableMemory(long guestBase, long size, byte[][] flags, int l2Bits) {
        this.guestBase = guestBase;
        this.size = size;
        this.flags = flags;
        this.l2Bits = l2Bits;
    }

    public long guestBase() { return guestBase; }

    private static final MethodTypeDesc CMP_U = MethodTypeDesc.of(ConstantDescs.CD_int, ConstantDescs.CD_long, ConstantDescs.CD_long);
    private static final ClassDesc CD_LONG = ClassDesc.of("java.lang.Long");

    @Override
    public void emitHostAddress(CodeBuilder cb, ClassData cd, int addrSlot, int refSlot, int size, Access access, Label slow) {
        // within the reservation
        cb.lload(addrSlot).loadConstant(this.size - size).invokestatic(CD_LONG, "compareUnsigned", CMP_U).ifgt(slow);
        // within one page
        if (size > 1) cb.lload(addrSlot).loadConstant(PAGE_MASK).land().loadConstant((long) (PAGE_MASK + 1 - size)).lcmp().ifgt(slow);
        // second level mapped, permission bit set
        cb.loadConstant(cd.constant(flags, ConstantDescs.CD_byte.arrayType().arrayType()))
          .lload(addrSlot).bipush(PAGE_BITS + l2Bits).lushr().l2i().aaload().astore(refSlot);
        cb.aload(refSlot).ifnull(slow);
        int bit = switch (access) { case READ -> R; case WRITE -> W; case EXEC -> X; };
        cb.aload(refSlot).lload(addrSlot).bipush(PAGE_BITS).lushr().l2i().loadConstant((1 << l2Bits) - 1).iand().baload()
          .bipush(bit).iand().ifeq(slow);
        cb.lload(addrSlot);
        if (guestBase != 0) cb.loadConstant(guestBase).ladd();
    }

    private int pageFlags(long a) {
        if (Long.compareUnsigned(a, size) >= 0) return 0;
        long p = a >>> PAGE_BITS;
        byte[] l2 = flags[(int) (p >>> l2Bits)];
        return l2 == null ? 0 : l2[(int) (p & ((1L << l2Bits) - 1))];
    }

    @Override
    public long fetchCode(long a, int n) {
        if (Long.compareUnsigned(a, size - n) > 0) return -1;
        if ((pageFlags(a) & pageFlags(a + n - 1) & X) == 0) return -1;
        long h = guestBase + a;
        return n == 2 ? HostMemory.ALL.get(ValueLayout.JAVA_SHORT_UNALIGNED, h) & 0xffffL
                : HostMemory.ALL.get(ValueLayout.JAVA_INT_UNALIGNED, h) & 0xffffffffL;
    }
}
