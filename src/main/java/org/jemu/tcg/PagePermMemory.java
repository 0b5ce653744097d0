package org.jemu.tcg;

import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.MethodTypeDesc;
import java.lang.foreign.ValueLayout;

/**
 * User-mode guest memory: guest address {@code a} is host address {@code guestBase + a}; a byte per 4 KiB
 * guest page holds its permissions ({@link #R}, {@link #W}, {@link #X}); addresses at or above
 * {@code limit} are never mapped. The table is shared with whoever maps pages (mmap/mprotect update it in
 * place), so translated code sees changes at once.
 */
public final class PagePermMemory implements GuestMemoryModel {
    public static final int R = 1, W = 2, X = 4;
    public static final int PAGE_SHIFT = 12;

    private final long guestBase;
    private final byte[] perms;
    private final long limit;

    public PagePermMemory(long guestBase, byte[] perms) {
        this.guestBase = guestBase;
        this.perms = perms;
        this.limit = (long) perms.length << PAGE_SHIFT;
    }

    public long guestBase() { return guestBase; }
    public byte[] perms() { return perms; }

    private static final MethodTypeDesc CMP_U = MethodTypeDesc.of(ConstantDescs.CD_int, ConstantDescs.CD_long, ConstantDescs.CD_long);

    @Override
    public void emitHostAddress(CodeBuilder cb, ClassData cd, int addrSlot, int size, Access access, Label slow) {
        // unsigned addr > limit - size  → slow
        cb.lload(addrSlot).loadConstant(limit - size)
          .invokestatic(ClassDesc.of("java.lang.Long"), "compareUnsigned", CMP_U).ifgt(slow);
        var permsConst = cd.constant(perms, ConstantDescs.CD_byte.arrayType());
        cb.loadConstant(permsConst).lload(addrSlot).bipush(PAGE_SHIFT).lushr().l2i().baload();
        if (size > 1) {
            cb.loadConstant(permsConst).lload(addrSlot).loadConstant((long) (size - 1)).ladd().bipush(PAGE_SHIFT).lushr().l2i().baload().iand();
        }
        int bit = switch (access) { case READ -> R; case WRITE -> W; case EXEC -> X; };
        cb.bipush(bit).iand().ifeq(slow);
        cb.lload(addrSlot);
        if (guestBase != 0) cb.loadConstant(guestBase).ladd();
    }

    @Override
    public long fetchCode(long a, int size) {
        if (Long.compareUnsigned(a, limit - size) > 0) return -1;
        if ((perms[(int) (a >>> PAGE_SHIFT)] & perms[(int) ((a + size - 1) >>> PAGE_SHIFT)] & X) == 0) return -1;
        long h = guestBase + a;
        return size == 2 ? HostMemory.ALL.get(ValueLayout.JAVA_SHORT_UNALIGNED, h) & 0xffffL
                : HostMemory.ALL.get(ValueLayout.JAVA_INT_UNALIGNED, h) & 0xffffffffL;
    }
}
