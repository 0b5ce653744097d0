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
 *
 * <p>With a flat copy of the table (one byte per page outside the Java heap, {@code pageTable}; linux-user's
 * GuestMemory keeps one), the inline check reads the page's byte directly: a range compare, an in-page
 * compare, one load, a bit test — no per-unit state and no Java array bounds or null checks (each of those is
 * a deoptimisation point that keeps every guest register of the unit alive; see docs/tcg.md, session 7).
 *
 * <p>Without one, each unit run remembers the last page it found readable and the last page it found writable (two long
 * locals holding the page number, -1 = none): an access to the same page costs a shift, a compare and,
 * for accesses wider than a byte, an in-page check; only a different page consults the table. A page
 * number can never be -1, so the initial value matches no address. Permissions taken away by another
 * thread (munmap/mprotect) reach a running unit through the exit request it polls at every loop head and
 * indirect jump, the same bound as for the check-then-access of the table itself.
 */
public final class PageTableMemory implements GuestMemoryModel {
    public static final int R = 1, W = 2, X = 4;
    public static final int PAGE_BITS = 12;
    private static final long PAGE_MASK = (1L << PAGE_BITS) - 1;

    private final long guestBase, size;
    private final Object mapLock;
    private final byte[][] flags;
    private final int l2Bits;
    /** Host address of the flat copy of the table (one byte per page of [0, size)), 0 = none. */
    private final long pageTable;

    public PageTableMemory(long guestBase, long size, byte[][] flags, int l2Bits) {
        this(guestBase, size, flags, l2Bits, new Object(), 0);
    }

    public PageTableMemory(long guestBase, long size, byte[][] flags, int l2Bits, Object mapLock) {
        this(guestBase, size, flags, l2Bits, mapLock, 0);
    }

    /**
     * {@code mapLock} is the monitor the owner holds while it changes host mappings and {@code flags}
     * (linux-user's GuestMemory): the translator thread reads guest code under it, so a concurrent munmap
     * or exec can never pull a page away between the permission check and the read.
     */
    public PageTableMemory(long guestBase, long size, byte[][] flags, int l2Bits, Object mapLock, long pageTable) {
        this.pageTable = FLAT ? pageTable : 0;
        this.mapLock = mapLock;
        this.guestBase = guestBase;
        this.size = size;
        this.flags = flags;
        this.l2Bits = l2Bits;
    }

    public long guestBase() { return guestBase; }

    private static final ClassDesc CD_SELF = ClassDesc.of(PageTableMemory.class.getName());
    private static final MethodTypeDesc MT_CHECK = MethodTypeDesc.of(ConstantDescs.CD_long,
            ConstantDescs.CD_byte.arrayType().arrayType(), ConstantDescs.CD_long, ConstantDescs.CD_long, ConstantDescs.CD_long,
            ConstantDescs.CD_int, ConstantDescs.CD_int, ConstantDescs.CD_int);

    /**
     * The inline fast path, as a static method C2 inlines at every access (keeps the generated methods small):
     * the host address of guest {@code a} for an {@code n}-byte access needing permission {@code bit}, or -1
     * when the interpreter must do it (outside the reservation, crossing a page, unmapped, not permitted).
     */
    public static long host(byte[][] flags, long base, long limit, long a, int n, int bit, int l2Bits) {
        if (Long.compareUnsigned(a, limit - n) > 0) return -1;
        if ((a & PAGE_MASK) > PAGE_MASK + 1 - n) return -1;
        long p = a >>> PAGE_BITS;
        byte[] l2 = flags[(int) (p >>> l2Bits)];
        if (l2 == null || (l2[(int) p & ((1 << l2Bits) - 1)] & bit) == 0) return -1;
        return base + a;
    }

    /**
     * The page number of guest {@code a} when an {@code n}-byte access there stays in one page that has
     * permission {@code bit}; -1 otherwise (the interpreter must do it).
     */
    public static long page(byte[][] flags, long limit, long a, int n, int bit, int l2Bits) {
        if (Long.compareUnsigned(a, limit - n) > 0) return -1;
        if ((a & PAGE_MASK) > PAGE_MASK + 1 - n) return -1;
        long p = a >>> PAGE_BITS;
        byte[] l2 = flags[(int) (p >>> l2Bits)];
        if (l2 == null || (l2[(int) p & ((1 << l2Bits) - 1)] & bit) == 0) return -1;
        return p;
    }

    private static final MethodTypeDesc MT_PAGE = MethodTypeDesc.of(ConstantDescs.CD_long,
            ConstantDescs.CD_byte.arrayType().arrayType(), ConstantDescs.CD_long, ConstantDescs.CD_long,
            ConstantDescs.CD_int, ConstantDescs.CD_int, ConstantDescs.CD_int);

    /**
     * Whether translated code reads the flat table when the owner keeps one (-Djemu.tcg.flat-pages=false:
     * the two-level table through the per-unit page cache).
     */
    static final boolean FLAT = Boolean.parseBoolean(System.getProperty("jemu.tcg.flat-pages", "true"));

    /** Two without a flat table: the last readable page, the last writable page; none with one. */
    @Override
    public int unitLocals() { return pageTable != 0 ? 0 : 2; }

    @Override
    public void emitEntry(CodeBuilder cb, ClassData cd, int base) {
        cb.loadConstant(-1L).dup2().lstore(base).lstore(base + 2);
    }

    @Override
    public void emitHostAddress(CodeBuilder cb, ClassData cd, int addrSlot, int refSlot, int localsBase, int size,
                                Access access, Label slow) {
        if (access == Access.EXEC || pageTable != 0) { emitHostAddress(cb, cd, addrSlot, refSlot, size, access, slow); return; }
        int bit = access == Access.READ ? R : W;
        int cached = localsBase + (access == Access.READ ? 0 : 2);
        Label miss = cb.newLabel(), hit = cb.newLabel();
        // same page as the last one checked, and not running past its end
        cb.lload(addrSlot).loadConstant(PAGE_BITS).lushr().lload(cached).lcmp().ifne(miss);
        if (size > 1) cb.lload(addrSlot).loadConstant(PAGE_MASK).land().loadConstant(PAGE_MASK + 1 - size).lcmp().ifgt(slow);
        cb.goto_(hit);
        cd.bind(cb, miss);
        cb.loadConstant(cd.constant(flags, ConstantDescs.CD_byte.arrayType().arrayType()))
          .loadConstant(this.size).lload(addrSlot).loadConstant(size).loadConstant(bit).loadConstant(l2Bits)
          .invokestatic(CD_SELF, "page", MT_PAGE)
          .dup2().lstore(cached)
          .lconst_0().lcmp().iflt(slow);
        cd.bind(cb, hit);
        cb.lload(addrSlot).loadConstant(guestBase).ladd();
    }

    @Override
    public void emitHostAddress(CodeBuilder cb, ClassData cd, int addrSlot, int refSlot, int size, Access access, Label slow) {
        int bit = switch (access) { case READ -> R; case WRITE -> W; case EXEC -> X; };
        if (pageTable != 0) { emitFlatCheck(cb, addrSlot, size, bit, slow); return; }
        cb.loadConstant(cd.constant(flags, ConstantDescs.CD_byte.arrayType().arrayType()))
          .loadConstant(guestBase).loadConstant(this.size).lload(addrSlot)
          .loadConstant(size).loadConstant(bit).loadConstant(l2Bits)
          .invokestatic(CD_SELF, "host", MT_CHECK)
          .lstore(addrSlot);
        cb.lload(addrSlot).lconst_0().lcmp().iflt(slow);
        cb.lload(addrSlot);
    }

    private static final ClassDesc CD_MEM = ClassDesc.of(HostMemory.accessClass().getName());
    private static final ClassDesc CD_LONG = ClassDesc.of("java.lang.Long");
    private static final MethodTypeDesc MT_J_J = MethodTypeDesc.of(ConstantDescs.CD_long, ConstantDescs.CD_long);
    private static final MethodTypeDesc MT_JJ_I = MethodTypeDesc.of(ConstantDescs.CD_int, ConstantDescs.CD_long, ConstantDescs.CD_long);

    /**
     * The check through the flat table: inside the guest space, not crossing a page, and the page's byte has
     * {@code bit} — compare, mask-compare, one byte load off the heap (no array bounds or null checks, each
     * of which would be a deoptimisation point holding every guest register), test. No per-unit state.
     */
    private void emitFlatCheck(CodeBuilder cb, int addrSlot, int size, int bit, Label slow) {
        cb.lload(addrSlot).loadConstant(this.size - size).invokestatic(CD_LONG, "compareUnsigned", MT_JJ_I).ifgt(slow);
        if (size > 1) cb.lload(addrSlot).loadConstant(PAGE_MASK).land().loadConstant(PAGE_MASK + 1 - size).lcmp().ifgt(slow);
        cb.lload(addrSlot).loadConstant(PAGE_BITS).lushr().loadConstant(pageTable).ladd()
          .invokestatic(CD_MEM, "lbu", MT_J_J).l2i().loadConstant(bit).iand().ifeq(slow);
        cb.lload(addrSlot).loadConstant(guestBase).ladd();
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
        synchronized (mapLock) {
            if ((pageFlags(a) & pageFlags(a + n - 1) & X) == 0) return -1;
            long h = guestBase + a;
            return n == 2 ? HostMemory.ALL.get(ValueLayout.JAVA_SHORT_UNALIGNED, h) & 0xffffL
                    : HostMemory.ALL.get(ValueLayout.JAVA_INT_UNALIGNED, h) & 0xffffffffL;
        }
    }
}
