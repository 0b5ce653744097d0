package org.jemu.linuxuser;

import org.jemu.target.riscv.CpuMemory;
import org.jemu.target.riscv.RiscvTrap;
import org.jemu.target.riscv.Trap;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * The hart's view of a user-mode address space: guest address a is host address guest_base + a, and every
 * access is checked against the guest page table first, so a bad guest access is a guest page fault (the
 * cpu loop turns it into SIGSEGV with si_addr = the faulting address), never a host SIGSEGV in the JVM.
 */
public final class UserCpuMemory extends CpuMemory {
    private static final ValueLayout.OfShort S = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong L = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final VarHandle AI = ValueLayout.JAVA_INT.varHandle();
    private static final VarHandle AL = ValueLayout.JAVA_LONG.varHandle();
    private static final MemorySegment ALL = Host.ALL;

    private final GuestMemory gm;
    private final byte[][] table;
    private final long base, size;

    public UserCpuMemory(GuestMemory gm) {
        this.gm = gm;
        this.table = gm.flags;
        this.base = gm.guestBase;
        this.size = gm.size;
    }

    public GuestMemory guestMemory() { return gm; }

    private int flags(long a) {
        if (Long.compareUnsigned(a, size) >= 0) return 0;
        byte[] l2 = table[(int) (a >>> 28)];
        return l2 == null ? 0 : l2[(int) ((a >>> 12) & 0xffff)];
    }

    /** Checks an access of n bytes (possibly crossing a page) for {@code bit}; returns the host address. */
    private long check(long a, int n, int bit, int cause) {
        if ((flags(a) & bit) == 0) throw new RiscvTrap(cause, a);
        if (((a & 0xfff) + n) > 0x1000) {
            long b = (a | 0xfff) + 1;
            if ((flags(b) & bit) == 0) throw new RiscvTrap(cause, b);
        }
        return base + a;
    }

    @Override public int fetch16(long a) {
        return ALL.get(S, check(a, 2, GuestMemory.PAGE_EXEC, Trap.INSN_PAGE_FAULT)) & 0xffff;
    }

    @Override public byte load8(long a) { return ALL.get(ValueLayout.JAVA_BYTE, check(a, 1, GuestMemory.PAGE_READ, Trap.LOAD_PAGE_FAULT)); }
    @Override public short load16(long a) { return ALL.get(S, check(a, 2, GuestMemory.PAGE_READ, Trap.LOAD_PAGE_FAULT)); }
    @Override public int load32(long a) { return ALL.get(I, check(a, 4, GuestMemory.PAGE_READ, Trap.LOAD_PAGE_FAULT)); }
    @Override public long load64(long a) { return ALL.get(L, check(a, 8, GuestMemory.PAGE_READ, Trap.LOAD_PAGE_FAULT)); }
    @Override public void store8(long a, byte v) { ALL.set(ValueLayout.JAVA_BYTE, check(a, 1, GuestMemory.PAGE_WRITE, Trap.STORE_PAGE_FAULT), v); }
    @Override public void store16(long a, short v) { ALL.set(S, check(a, 2, GuestMemory.PAGE_WRITE, Trap.STORE_PAGE_FAULT), v); }
    @Override public void store32(long a, int v) { ALL.set(I, check(a, 4, GuestMemory.PAGE_WRITE, Trap.STORE_PAGE_FAULT), v); }
    @Override public void store64(long a, long v) { ALL.set(L, check(a, 8, GuestMemory.PAGE_WRITE, Trap.STORE_PAGE_FAULT), v); }

    private long rw(long a, int n) {
        int f = flags(a);
        if ((f & (GuestMemory.PAGE_READ | GuestMemory.PAGE_WRITE)) != (GuestMemory.PAGE_READ | GuestMemory.PAGE_WRITE)) {
            throw new RiscvTrap(Trap.STORE_PAGE_FAULT, a);
        }
        return base + a;
    }

    @Override public boolean cas32(long a, int expect, int update) { return AI.compareAndSet(ALL, rw(a, 4), expect, update); }
    @Override public boolean cas64(long a, long expect, long update) { return AL.compareAndSet(ALL, rw(a, 8), expect, update); }

    @Override public int amo32(int op, long a, int v) {
        long h = rw(a, 4);
        return switch (op) {
            case AMO_SWAP -> (int) AI.getAndSet(ALL, h, v);
            case AMO_ADD -> (int) AI.getAndAdd(ALL, h, v);
            case AMO_AND -> (int) AI.getAndBitwiseAnd(ALL, h, v);
            case AMO_OR -> (int) AI.getAndBitwiseOr(ALL, h, v);
            case AMO_XOR -> (int) AI.getAndBitwiseXor(ALL, h, v);
            default -> super.amo32(op, a, v);
        };
    }

    @Override public long amo64(int op, long a, long v) {
        long h = rw(a, 8);
        return switch (op) {
            case AMO_SWAP -> (long) AL.getAndSet(ALL, h, v);
            case AMO_ADD -> (long) AL.getAndAdd(ALL, h, v);
            case AMO_AND -> (long) AL.getAndBitwiseAnd(ALL, h, v);
            case AMO_OR -> (long) AL.getAndBitwiseOr(ALL, h, v);
            case AMO_XOR -> (long) AL.getAndBitwiseXor(ALL, h, v);
            default -> super.amo64(op, a, v);
        };
    }

    @Override protected int atomicRead32(long a) { return (int) AI.getVolatile(ALL, rw(a, 4)); }
    @Override protected long atomicRead64(long a) { return (long) AL.getVolatile(ALL, rw(a, 8)); }
}
