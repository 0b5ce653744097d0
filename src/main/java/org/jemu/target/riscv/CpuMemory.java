package org.jemu.target.riscv;

/**
 * The memory a hart sees: instruction fetch, loads, stores and atomics at guest virtual addresses.
 *
 * <p>Implementations: user mode (guest memory at host address guest_base + addr, page permissions
 * checked; org.jemu.linuxuser), system mode (softmmu TLB and page-table walk; org.jemu.target.riscv.softmmu)
 * and {@link FlatMemory} for tests.
 *
 * <p>Contract:
 * <ul>
 * <li>Values are little-endian. Plain loads and stores may be misaligned and may cross a page boundary (the
 *     implementation splits them and checks both pages).
 * <li>A fault throws {@link RiscvTrap} with the cause and the faulting address: fetch →
 *     {@link Trap#INSN_PAGE_FAULT}/{@link Trap#INSN_ACCESS_FAULT}, load → {@link Trap#LOAD_PAGE_FAULT}/
 *     {@link Trap#LOAD_ACCESS_FAULT}, store and every atomic (cas, amo, even its read part) →
 *     {@link Trap#STORE_PAGE_FAULT}/{@link Trap#STORE_ACCESS_FAULT}. Faults are rare, so the exception
 *     (stackless, allocated only then) costs nothing on the hot path, which returns plain values.
 * <li>Atomics ({@code cas*}, {@code amo*}) are only called with naturally aligned addresses (the hart
 *     raises the misaligned exceptions itself) and must be atomic against every other hart/thread
 *     (VarHandle compareAndSet / getAndAdd on the backing segment).
 * </ul>
 */
public abstract class CpuMemory {
    /** AMO operations ({@link #amo32}/{@link #amo64} op codes): the function of (old, operand). */
    public static final int AMO_SWAP = 0, AMO_ADD = 1, AMO_XOR = 2, AMO_AND = 3, AMO_OR = 4,
            AMO_MIN = 5, AMO_MAX = 6, AMO_MINU = 7, AMO_MAXU = 8;

    /**
     * The context a block decoded at {@code pc} belongs to, given the hart's current {@link RiscvCpu#codeCtx}
     * (called right after the block was fetched). User mode: {@code current}; system mode may answer the
     * shared global context for pages mapped global.
     */
    public long codeContext(long pc, long current) { return current; }

    /**
     * Decoded code of virtual [addr, addr+len) was dropped ({@code len} -1: everything) on the executing
     * thread. System mode forgets its fetch translations of those pages, so that the next fetch marks the
     * physical page as holding code again (and later writes to it are seen).
     */
    public void codeInvalidated(long addr, long len) { }

    /** A 16-bit instruction parcel, zero-extended. */
    public abstract int fetch16(long addr);

    /** A 32-bit instruction (two parcels; may straddle pages, a fault names the parcel that failed). */
    public int fetch32(long addr) {
        int lo = fetch16(addr);
        return lo | fetch16(addr + 2) << 16;
    }

    public abstract byte load8(long addr);
    public abstract short load16(long addr);
    public abstract int load32(long addr);
    public abstract long load64(long addr);

    public abstract void store8(long addr, byte v);
    public abstract void store16(long addr, short v);
    public abstract void store32(long addr, int v);
    public abstract void store64(long addr, long v);

    /** Atomically replaces the 32-bit value at {@code addr} by {@code update} if it equals {@code expect}. */
    public abstract boolean cas32(long addr, int expect, int update);
    public abstract boolean cas64(long addr, long expect, long update);

    /** Atomic read-modify-write; returns the old value. The default is a CAS loop; override for speed. */
    public int amo32(int op, long addr, int v) {
        for (;;) {
            int old = atomicRead32(addr);
            if (cas32(addr, old, (int) amoResult(op, old, v))) return old;
        }
    }

    public long amo64(int op, long addr, long v) {
        for (;;) {
            long old = atomicRead64(addr);
            if (cas64(addr, old, amoResult(op, old, v))) return old;
        }
    }

    /** The new memory value of an AMO (32-bit operands arrive sign-extended, which orders them correctly). */
    public static long amoResult(int op, long old, long v) {
        return switch (op) {
            case AMO_SWAP -> v;
            case AMO_ADD -> old + v;
            case AMO_XOR -> old ^ v;
            case AMO_AND -> old & v;
            case AMO_OR -> old | v;
            case AMO_MIN -> Math.min(old, v);
            case AMO_MAX -> Math.max(old, v);
            case AMO_MINU -> Long.compareUnsigned(old, v) <= 0 ? old : v;
            case AMO_MAXU -> Long.compareUnsigned(old, v) >= 0 ? old : v;
            default -> throw new IllegalArgumentException("AMO op " + op);
        };
    }

    /** The read half of a default AMO: a load whose fault is reported as a store/AMO fault. */
    protected int atomicRead32(long addr) {
        try { return load32(addr); } catch (RiscvTrap t) { throw asStoreFault(t); }
    }

    protected long atomicRead64(long addr) {
        try { return load64(addr); } catch (RiscvTrap t) { throw asStoreFault(t); }
    }

    protected static RiscvTrap asStoreFault(RiscvTrap t) {
        return switch (t.cause) {
            case Trap.LOAD_PAGE_FAULT -> new RiscvTrap(Trap.STORE_PAGE_FAULT, t.tval);
            case Trap.LOAD_ACCESS_FAULT -> new RiscvTrap(Trap.STORE_ACCESS_FAULT, t.tval);
            default -> t;
        };
    }
}
