package org.jemu.target.riscv;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The simplest {@link CpuMemory}: one contiguous, readable/writable/executable range [base, base+size)
 * backed by an off-heap segment; anything outside is an access fault. For tests, benchmarks and bare-metal
 * snippets.
 */
public final class FlatMemory extends CpuMemory {
    private static final ValueLayout.OfShort S = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong L = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle AI = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();
    private static final VarHandle AL = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();

    public final long base, size;
    public final MemorySegment seg;

    public FlatMemory(long base, long size) {
        this.base = base;
        this.size = size;
        this.seg = Arena.ofAuto().allocate(size, 4096);
    }

    private long off(long addr, int n, int cause) {
        long o = addr - base;
        if (o < 0 || o > size - n) throw new RiscvTrap(cause, addr);
        return o;
    }

    @Override public int fetch16(long a) { return seg.get(S, off(a, 2, Trap.INSN_ACCESS_FAULT)) & 0xffff; }
    @Override public byte load8(long a) { return seg.get(ValueLayout.JAVA_BYTE, off(a, 1, Trap.LOAD_ACCESS_FAULT)); }
    @Override public short load16(long a) { return seg.get(S, off(a, 2, Trap.LOAD_ACCESS_FAULT)); }
    @Override public int load32(long a) { return seg.get(I, off(a, 4, Trap.LOAD_ACCESS_FAULT)); }
    @Override public long load64(long a) { return seg.get(L, off(a, 8, Trap.LOAD_ACCESS_FAULT)); }
    @Override public void store8(long a, byte v) { seg.set(ValueLayout.JAVA_BYTE, off(a, 1, Trap.STORE_ACCESS_FAULT), v); }
    @Override public void store16(long a, short v) { seg.set(S, off(a, 2, Trap.STORE_ACCESS_FAULT), v); }
    @Override public void store32(long a, int v) { seg.set(I, off(a, 4, Trap.STORE_ACCESS_FAULT), v); }
    @Override public void store64(long a, long v) { seg.set(L, off(a, 8, Trap.STORE_ACCESS_FAULT), v); }

    @Override public boolean cas32(long a, int expect, int update) {
        return AI.compareAndSet(seg, off(a, 4, Trap.STORE_ACCESS_FAULT), expect, update);
    }

    @Override public boolean cas64(long a, long expect, long update) {
        return AL.compareAndSet(seg, off(a, 8, Trap.STORE_ACCESS_FAULT), expect, update);
    }

    @Override public int amo32(int op, long a, int v) {
        long o = off(a, 4, Trap.STORE_ACCESS_FAULT);
        return switch (op) {
            case AMO_SWAP -> (int) AI.getAndSet(seg, o, v);
            case AMO_ADD -> (int) AI.getAndAdd(seg, o, v);
            default -> super.amo32(op, a, v);
        };
    }

    @Override public long amo64(int op, long a, long v) {
        long o = off(a, 8, Trap.STORE_ACCESS_FAULT);
        return switch (op) {
            case AMO_SWAP -> (long) AL.getAndSet(seg, o, v);
            case AMO_ADD -> (long) AL.getAndAdd(seg, o, v);
            default -> super.amo64(op, a, v);
        };
    }

    /** Copies {@code bytes} to guest address {@code addr}. */
    public void write(long addr, byte[] bytes) {
        MemorySegment.copy(bytes, 0, seg, ValueLayout.JAVA_BYTE, off(addr, bytes.length, Trap.STORE_ACCESS_FAULT), bytes.length);
    }
}
