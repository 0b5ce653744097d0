package org.jemu.target.riscv.softmmu;

import org.jemu.memory.AddressSpace;
import org.jemu.memory.BusError;
import org.jemu.target.riscv.CpuMemory;
import org.jemu.tcg.HostAccess;
import org.jemu.target.riscv.RiscvCpu;
import org.jemu.target.riscv.RiscvTrap;
import org.jemu.target.riscv.Trap;
import org.jemu.target.riscv.priv.PrivCsrs;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * A hart's view of memory in system mode (QEMU's softmmu): virtual addresses translated by the
 * Sv39/Sv48/Sv57 page tables (privileged spec 4.3-4.5) with hardware A/D updates, checked by PMP,
 * cached in a TLB.
 *
 * <p>TLB layout (designed for inline probing by translated code): three direct-mapped tables — fetch,
 * load, store — of {@link #TLB_SIZE} entries for each of {@link #MMU_MODES} translation regimes
 * (U, S, S with SUM, M). Entry {@code i = mode << TLB_BITS | (va >>> 12) & (TLB_SIZE-1)} holds the
 * virtual page in {@code tag[i]} (or -1) and in {@code addend[i]} the value that, added to the
 * virtual address, gives the offset into the RAM segment {@link #ram}. Only RAM pages whose whole
 * page has the needed permission (page table and PMP) enter the TLB; MMIO and partially protected
 * pages always take the slow path. A store entry is only installed once the PTE's D bit is set, and
 * never for a page holding decoded code (stores there invalidate the code first).
 */
public final class Softmmu extends CpuMemory {
    public static final int TLB_BITS = 10, TLB_SIZE = 1 << TLB_BITS, MMU_MODES = 4;
    public static final int MODE_U = 0, MODE_S = 1, MODE_S_SUM = 2, MODE_M = 3;
    static final int FETCH = 0, LOAD = 1, STORE = 2;
    static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
    static final VarHandle AI = ValueLayout.JAVA_INT.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN).varHandle();
    static final VarHandle AL = ValueLayout.JAVA_LONG.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN).varHandle();

    public final long[] fetchTag = new long[TLB_SIZE * MMU_MODES], fetchAddend = new long[TLB_SIZE * MMU_MODES];
    /** Whether a fetch entry's page is mapped global (its decoded code is valid in every address space). */
    private final boolean[] fetchGlobal = new boolean[TLB_SIZE * MMU_MODES];
    public final long[] loadTag = new long[TLB_SIZE * MMU_MODES], loadAddend = new long[TLB_SIZE * MMU_MODES];
    public final long[] storeTag = new long[TLB_SIZE * MMU_MODES], storeAddend = new long[TLB_SIZE * MMU_MODES];
    /** The current regimes: fetch by privilege, data by effective privilege (MPRV) and SUM. */
    public int fetchMode = MODE_M, dataMode = MODE_M;

    /** RAM pages a store entry was made for since the last flush (bit per page; never cleared otherwise). */
    private final long[] storePages;
    public final MemorySegment ram;
    private final long ramBase, ramSize;
    /**
     * The RAM segment's host address: the fast paths access {@code ramAddr + va + addend} through
     * {@link HostAccess} (the TLB only holds RAM pages, checked when the entry was made).
     */
    private final long ramAddr;
    private static final HostAccess RAW = HostAccess.get();
    private final AddressSpace as;
    private final PrivCsrs csrs;
    private final RiscvCpu cpu;
    private final CodePages code;

    public Softmmu(AddressSpace as, RiscvCpu cpu, PrivCsrs csrs, CodePages code) {
        this.as = as;
        this.cpu = cpu;
        this.csrs = csrs;
        this.code = code;
        this.ram = as.ramSegment();
        if (!ram.isNative()) throw new IllegalArgumentException("guest RAM must be native memory");
        this.ramAddr = ram.address();
        this.ramBase = as.ramBase();
        this.ramSize = as.ramSize();
        this.storePages = new long[(int) ((ramSize >>> 12) + 63 >>> 6)];
        flushAll();
        privChanged(false);
    }

    // ------------------------------------------------------------------------------ TLB maintenance

    public void flushAll() {
        java.util.Arrays.fill(fetchTag, -1L);
        java.util.Arrays.fill(loadTag, -1L);
        java.util.Arrays.fill(storeTag, -1L);
        java.util.Arrays.fill(storePages, 0);
    }

    public void flushPage(long va) {
        int idx = (int) (va >>> 12) & (TLB_SIZE - 1);
        long page = va & ~0xfffL;
        for (int m = 0; m < MMU_MODES; m++) {
            int i = m << TLB_BITS | idx;
            if (fetchTag[i] == page) fetchTag[i] = -1;
            if (loadTag[i] == page) loadTag[i] = -1;
            if (storeTag[i] == page) storeTag[i] = -1;
        }
    }

    @Override
    public void codeInvalidated(long addr, long len) {
        if (len < 0 || len > 64 * 4096L) { java.util.Arrays.fill(fetchTag, -1L); return; }
        for (long p = addr & ~0xfffL; Long.compareUnsigned(p, addr + len) < 0; p += 4096) {
            int idx = (int) (p >>> 12) & (TLB_SIZE - 1);
            for (int m = 0; m < MMU_MODES; m++) if (fetchTag[m << TLB_BITS | idx] == p) fetchTag[m << TLB_BITS | idx] = -1;
        }
    }

    /** Drops store entries that write physical page {@code ppage} (it now holds decoded code). */
    void dropStoresTo(long ppage) {
        long p = (ppage - ramBase) >>> 12;
        if (p < 0 || p >= ramSize >>> 12) return;
        if ((storePages[(int) (p >>> 6)] & (1L << p)) == 0) return;   // no store entry was made for it
        storePages[(int) (p >>> 6)] &= ~(1L << p);
        for (int i = 0; i < storeTag.length; i++) {
            long t = storeTag[i];
            if (t != -1 && t + storeAddend[i] + ramBase == ppage) storeTag[i] = -1;
        }
    }

    /** Privilege or mstatus changed: recompute the regimes (and flush loads when MXR changed). */
    public void privChanged(boolean mxrChanged) {
        fetchMode = mode(cpu.priv, false);
        int dp = csrs.dataPriv();
        dataMode = mode(dp, dp == RiscvCpu.PRV_S && (csrs.mstatus() & PrivCsrs.SUM) != 0);
        if (mxrChanged) java.util.Arrays.fill(loadTag, -1L);
    }

    private static int mode(int priv, boolean sum) {
        return switch (priv) {
            case RiscvCpu.PRV_U -> MODE_U;
            case RiscvCpu.PRV_S -> sum ? MODE_S_SUM : MODE_S;
            default -> MODE_M;
        };
    }

    @Override
    public long codeContext(long pc, long current) {
        if ((current & 3) != 3) return current;
        int i = fetchMode << TLB_BITS | (int) (pc >>> 12) & (TLB_SIZE - 1);
        return fetchTag[i] == (pc & ~0xfffL) && fetchGlobal[i] ? current & 6 : current;
    }

    // ------------------------------------------------------------------------------ fast paths

    @Override
    public int fetch16(long va) {
        int i = fetchMode << TLB_BITS | (int) (va >>> 12) & (TLB_SIZE - 1);
        if (fetchTag[i] == (va & ~0xfffL) && (va & 0xfff) <= 0xffe) return RAW.getShort(ramAddr + va + fetchAddend[i]) & 0xffff;
        return (int) slowLoad(va, 2, FETCH) & 0xffff;
    }

    @Override
    public byte load8(long va) {
        int i = dataMode << TLB_BITS | (int) (va >>> 12) & (TLB_SIZE - 1);
        if (loadTag[i] == (va & ~0xfffL)) return RAW.getByte(ramAddr + va + loadAddend[i]);
        return (byte) slowLoad(va, 1, LOAD);
    }

    @Override
    public short load16(long va) {
        int i = dataMode << TLB_BITS | (int) (va >>> 12) & (TLB_SIZE - 1);
        if (loadTag[i] == (va & ~0xfffL) && (va & 0xfff) <= 0xffe) return RAW.getShort(ramAddr + va + loadAddend[i]);
        return (short) slowLoad(va, 2, LOAD);
    }

    @Override
    public int load32(long va) {
        int i = dataMode << TLB_BITS | (int) (va >>> 12) & (TLB_SIZE - 1);
        if (loadTag[i] == (va & ~0xfffL) && (va & 0xfff) <= 0xffc) return RAW.getInt(ramAddr + va + loadAddend[i]);
        return (int) slowLoad(va, 4, LOAD);
    }

    @Override
    public long load64(long va) {
        int i = dataMode << TLB_BITS | (int) (va >>> 12) & (TLB_SIZE - 1);
        if (loadTag[i] == (va & ~0xfffL) && (va & 0xfff) <= 0xff8) return RAW.getLong(ramAddr + va + loadAddend[i]);
        return slowLoad(va, 8, LOAD);
    }

    @Override
    public void store8(long va, byte v) {
        int i = dataMode << TLB_BITS | (int) (va >>> 12) & (TLB_SIZE - 1);
        if (storeTag[i] == (va & ~0xfffL)) { RAW.putByte(ramAddr + va + storeAddend[i], v); return; }
        slowStore(va, 1, v);
    }

    @Override
    public void store16(long va, short v) {
        int i = dataMode << TLB_BITS | (int) (va >>> 12) & (TLB_SIZE - 1);
        if (storeTag[i] == (va & ~0xfffL) && (va & 0xfff) <= 0xffe) { RAW.putShort(ramAddr + va + storeAddend[i], v); return; }
        slowStore(va, 2, v);
    }

    @Override
    public void store32(long va, int v) {
        int i = dataMode << TLB_BITS | (int) (va >>> 12) & (TLB_SIZE - 1);
        if (storeTag[i] == (va & ~0xfffL) && (va & 0xfff) <= 0xffc) { RAW.putInt(ramAddr + va + storeAddend[i], v); return; }
        slowStore(va, 4, v);
    }

    @Override
    public void store64(long va, long v) {
        int i = dataMode << TLB_BITS | (int) (va >>> 12) & (TLB_SIZE - 1);
        if (storeTag[i] == (va & ~0xfffL) && (va & 0xfff) <= 0xff8) { RAW.putLong(ramAddr + va + storeAddend[i], v); return; }
        slowStore(va, 8, v);
    }

    @Override
    public boolean cas32(long va, int expect, int update) {
        return AI.compareAndSet(ram, atomicOffset(va, 4), expect, update);
    }

    @Override
    public boolean cas64(long va, long expect, long update) {
        return AL.compareAndSet(ram, atomicOffset(va, 8), expect, update);
    }

    @Override
    public int amo32(int op, long va, int v) {
        long o = atomicOffset(va, 4);
        return switch (op) {
            case AMO_SWAP -> (int) AI.getAndSet(ram, o, v);
            case AMO_ADD -> (int) AI.getAndAdd(ram, o, v);
            case AMO_AND -> (int) AI.getAndBitwiseAnd(ram, o, v);
            case AMO_OR -> (int) AI.getAndBitwiseOr(ram, o, v);
            case AMO_XOR -> (int) AI.getAndBitwiseXor(ram, o, v);
            default -> {
                for (;;) {
                    int old = (int) AI.getVolatile(ram, o);
                    if (AI.compareAndSet(ram, o, old, (int) amoResult(op, old, v))) yield old;
                }
            }
        };
    }

    @Override
    public long amo64(int op, long va, long v) {
        long o = atomicOffset(va, 8);
        return switch (op) {
            case AMO_SWAP -> (long) AL.getAndSet(ram, o, v);
            case AMO_ADD -> (long) AL.getAndAdd(ram, o, v);
            case AMO_AND -> (long) AL.getAndBitwiseAnd(ram, o, v);
            case AMO_OR -> (long) AL.getAndBitwiseOr(ram, o, v);
            case AMO_XOR -> (long) AL.getAndBitwiseXor(ram, o, v);
            default -> {
                for (;;) {
                    long old = (long) AL.getVolatile(ram, o);
                    if (AL.compareAndSet(ram, o, old, amoResult(op, old, v))) yield old;
                }
            }
        };
    }

    /** RAM offset for an atomic: store permission; atomics to MMIO or outside RAM are access faults. */
    private long atomicOffset(long va, int size) {
        int i = dataMode << TLB_BITS | (int) (va >>> 12) & (TLB_SIZE - 1);
        if (storeTag[i] == (va & ~0xfffL)) return va + storeAddend[i];
        long pa = translate(va, STORE, size);
        long off = pa - ramBase;
        if (off < 0 || off > ramSize - size) throw new RiscvTrap(Trap.STORE_ACCESS_FAULT, va);
        code.written(pa, size);
        return off;
    }

    // ------------------------------------------------------------------------------ slow paths

    private long slowLoad(long va, int size, int type) {
        if ((va & 0xfff) > 0x1000 - size) {
            // crosses a page: byte by byte (each byte may fault separately; tval is the faulting byte's page)
            long v = 0;
            for (int k = 0; k < size; k++) v |= (slowLoad(va + k, 1, type) & 0xff) << (8 * k);
            return v;
        }
        long pa = translate(va, type, size);
        long off = pa - ramBase;
        if (off >= 0 && off <= ramSize - size) {
            return switch (size) {
                case 1 -> ram.get(ValueLayout.JAVA_BYTE, off);
                case 2 -> ram.get(LE16, off);
                case 4 -> ram.get(LE32, off);
                default -> ram.get(LE64, off);
            };
        }
        try {
            long v = as.read(pa, size);
            return switch (size) { case 1 -> (byte) v; case 2 -> (short) v; case 4 -> (int) v; default -> v; };
        } catch (BusError e) {
            throw new RiscvTrap(type == FETCH ? Trap.INSN_ACCESS_FAULT : Trap.LOAD_ACCESS_FAULT, va);
        }
    }

    private void slowStore(long va, int size, long v) {
        if ((va & 0xfff) > 0x1000 - size) {
            // check both pages before writing anything, so a fault leaves memory unchanged
            translate(va, STORE, 1);
            translate(va + size - 1, STORE, 1);
            for (int k = 0; k < size; k++) slowStore(va + k, 1, v >>> (8 * k));
            return;
        }
        long pa = translate(va, STORE, size);
        long off = pa - ramBase;
        if (off >= 0 && off <= ramSize - size) {
            code.written(pa, size);
            switch (size) {
                case 1 -> ram.set(ValueLayout.JAVA_BYTE, off, (byte) v);
                case 2 -> ram.set(LE16, off, (short) v);
                case 4 -> ram.set(LE32, off, (int) v);
                default -> ram.set(LE64, off, v);
            }
            return;
        }
        try {
            as.write(pa, size, v);
        } catch (BusError e) {
            throw new RiscvTrap(Trap.STORE_ACCESS_FAULT, va);
        }
    }

    /** Translates and checks {@code va} for an access of {@code type}; fills the TLB when the page qualifies. */
    long translate(long va, int type, int size) {
        int priv = type == FETCH ? cpu.priv : csrs.dataPriv();
        int mode = type == FETCH ? fetchMode : dataMode;
        long pa;
        int ptePerm; // R|W|X allowed by the page tables (all for bare)
        boolean dirty = true, global = false;
        int satpMode = csrs.satpMode();
        if (priv == RiscvCpu.PRV_M || satpMode == 0) {
            pa = va;
            ptePerm = 7;
        } else {
            long r = walk(va, type, priv);
            pa = r & ~0xfffL | (va & 0xfff);
            ptePerm = (int) (r & 7);
            dirty = (r & 8) != 0;
            global = (r & 0x10) != 0;
        }
        int need = type == FETCH ? 4 : type == LOAD ? 1 : 2;
        int pmpPriv = priv;
        int pmpAccess = csrs.pmp.permissions(pa, size, pmpPriv);
        if ((pmpAccess & need) == 0) {
            throw new RiscvTrap(type == FETCH ? Trap.INSN_ACCESS_FAULT : type == LOAD ? Trap.LOAD_ACCESS_FAULT : Trap.STORE_ACCESS_FAULT, va);
        }
        long ppage = pa & ~0xfffL;
        long off = ppage - ramBase;
        if (type == FETCH && off >= 0 && off <= ramSize - 4096) code.markCode(ppage, va & ~0xfffL);
        if (off >= 0 && off <= ramSize - 4096 && csrs.pmp.permissions(ppage, 4096, pmpPriv) >= 0
                && (csrs.pmp.permissions(ppage, 4096, pmpPriv) & need) != 0) {
            int i = mode << TLB_BITS | (int) (va >>> 12) & (TLB_SIZE - 1);
            long vpage = va & ~0xfffL;
            long addend = off - vpage;
            switch (type) {
                case FETCH -> {
                    fetchTag[i] = vpage;
                    fetchAddend[i] = addend;
                    fetchGlobal[i] = global;
                }
                case LOAD -> { loadTag[i] = vpage; loadAddend[i] = addend; }
                default -> {
                    if (dirty && (ptePerm & 2) != 0 && !code.isCode(ppage)) {
                        storePages[(int) (off >>> 18)] |= 1L << (off >>> 12);
                        storeTag[i] = vpage;
                        storeAddend[i] = addend;
                    }
                }
            }
        }
        return pa;
    }

    /**
     * Walks the page tables; returns the physical page | allowed permissions (bits 0-2: R, W, X as the
     * leaf grants them for this access) | 8 if the page is dirty | 0x10 if it is mapped global. Throws the page fault for {@code type}.
     */
    private long walk(long va, int type, int priv) {
        int mode = csrs.satpMode();
        int levels = mode == 8 ? 3 : mode == 9 ? 4 : 5;
        int vaBits = 12 + 9 * levels;
        long satp = csrs.satp();
        int fault = type == FETCH ? Trap.INSN_PAGE_FAULT : type == LOAD ? Trap.LOAD_PAGE_FAULT : Trap.STORE_PAGE_FAULT;
        int accessFault = type == FETCH ? Trap.INSN_ACCESS_FAULT : type == LOAD ? Trap.LOAD_ACCESS_FAULT : Trap.STORE_ACCESS_FAULT;
        // bits above the VA width must equal its top bit
        if ((va << (64 - vaBits)) >> (64 - vaBits) != va) throw new RiscvTrap(fault, va);
        long mstatus = csrs.mstatus();
        for (int attempt = 0; ; attempt++) {
            long table = (satp & ((1L << 44) - 1)) << 12;
            boolean global = false;
            for (int level = levels - 1; level >= 0; level--) {
                long vpn = (va >>> (12 + 9 * level)) & 0x1ff;
                long pteAddr = table + vpn * 8;
                long ptOff = pteAddr - ramBase;
                if (ptOff < 0 || ptOff > ramSize - 8 || (csrs.pmp.permissions(pteAddr, 8, RiscvCpu.PRV_S) & 1) == 0) {
                    throw new RiscvTrap(accessFault, va);
                }
                long pte = (long) AL.getVolatile(ram, ptOff);
                boolean v = (pte & 1) != 0, r = (pte & 2) != 0, w = (pte & 4) != 0, x = (pte & 8) != 0;
                if (!v || (!r && w) || (pte >>> 54) != 0) throw new RiscvTrap(fault, va);
                long ppn = (pte >>> 10) & ((1L << 44) - 1);
                global |= (pte & 0x20) != 0; // G on a pointer makes the whole subtree global
                if (!r && !x) {
                    if ((pte & (0x10 | 0x40 | 0x80)) != 0) throw new RiscvTrap(fault, va); // U/A/D set on a pointer: reserved
                    table = ppn << 12;
                    continue;
                }
                // leaf
                if (level > 0 && (ppn & ((1L << (9 * level)) - 1)) != 0) throw new RiscvTrap(fault, va); // misaligned superpage
                boolean u = (pte & 0x10) != 0;
                if (priv == RiscvCpu.PRV_U && !u) throw new RiscvTrap(fault, va);
                if (priv == RiscvCpu.PRV_S && u && (type == FETCH || (mstatus & PrivCsrs.SUM) == 0)) throw new RiscvTrap(fault, va);
                boolean readable = r || (x && (mstatus & PrivCsrs.MXR) != 0);
                boolean ok = switch (type) { case FETCH -> x; case LOAD -> readable; default -> w; };
                if (!ok) throw new RiscvTrap(fault, va);
                long want = pte | 0x40 | (type == STORE ? 0x80 : 0);
                if (want != pte) {
                    if (!AL.compareAndSet(ram, ptOff, pte, want)) {
                        if (attempt < 8) break; // the PTE changed under us: walk again
                        throw new RiscvTrap(fault, va);
                    }
                    code.written(pteAddr, 8);
                    pte = want;
                }
                long pageMask = (1L << (12 + 9 * level)) - 1;
                long pa = ((ppn << 12) & ~pageMask) | (va & pageMask);
                int perm = (readable ? 1 : 0) | (w ? 2 : 0) | (x ? 4 : 0);
                return (pa & ~0xfffL) | perm | ((pte & 0x80) != 0 ? 8 : 0) | (global ? 0x10 : 0);
            }
        }
    }
}
