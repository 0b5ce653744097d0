package org.jemu.target.riscv;

import org.jemu.target.riscv.fpu.FpState;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The architectural state of one RISC-V hart (RV64GC), as plain data, plus the hart's cache of decoded
 * blocks. One thread runs a hart ({@link RiscvExec#run}); other threads only call
 * {@link #requestExit()} and {@link #invalidateCode}.
 */
public final class RiscvCpu {
    /** Privilege levels (the encoding of mstatus.MPP). */
    public static final int PRV_U = 0, PRV_S = 1, PRV_M = 3;

    /**
     * Integer registers. x[0] is always zero; x has 33 entries and x[32] is a write sink: the decoder
     * redirects writes to x0 there, so instructions never need a special case for rd = 0.
     */
    public final long[] x = new long[33];
    /** FP registers as raw bits; single-precision values are NaN-boxed (upper 32 bits all ones). */
    public final long[] f = new long[32];
    public long pc;
    /** fflags and frm. */
    public final FpState fp = new FpState();
    /** The trap value of the last trap returned by {@link RiscvExec#run}: faulting address or instruction bits. */
    public long tval;
    /** LR/SC reservation: the address (-1 for none) and the value LR read (SC is a CAS against it, as in QEMU). */
    public long resAddr = -1, resValue;
    /** Instructions retired (also what the cycle CSR reads in user mode). */
    public long instret;
    public final int hartId;
    /** Current privilege level (user mode: always {@link #PRV_U}). */
    public int priv = PRV_U;
    public CpuMemory mem;
    /**
     * System mode: the translation context code is fetched in (privilege, address space), so decoded blocks
     * cached by virtual pc are only reused where the pc means the same code: a block is valid when its
     * context equals this, or equals {@code codeCtx & 6} (a page mapped global, valid in every address
     * space of the same privilege class). 0 in user mode. Set by the privileged architecture.
     */
    public long codeCtx;
    /** CSR file and privileged-instruction hook. */
    public Csrs csrs = Csrs.USER;

    /** Bits of {@link #exitRequest}. */
    static final int REQ_EXIT = 1, REQ_INVALIDATE = 2;
    /** Read once per block by the executing hart; written by any thread. */
    volatile int exitRequest;
    private static final VarHandle EXIT_REQUEST;
    static {
        try {
            EXIT_REQUEST = MethodHandles.lookup().findVarHandle(RiscvCpu.class, "exitRequest", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * The translated-code tier, or null for the interpreter alone. Set by {@code RvTcg.attach} (user mode)
     * or {@code SoftmmuTcg.attach} (system mode); {@link RiscvExec#run} enters it at every block boundary.
     */
    public CodeTier tcg;

    /** Decoded-block cache (owned by the executing thread), direct-mapped by pc. */
    static final int CACHE_BITS = 15;
    final Block[] blocks = new Block[1 << CACHE_BITS];
    /**
     * Which virtual pages may have blocks in {@link #blocks}: bit {@code (pc >>> 12) & 4095} is set when a
     * block at pc is cached and only cleared when the whole cache is, so a page whose bit is clear has no
     * block and its invalidation (sfence.vma of a data page, a store to a page no block was decoded from
     * through this virtual page) costs nothing.
     */
    private final long[] blockPages = new long[64];
    /**
     * System mode: decoded code follows every write to RAM already (the softmmu tracks code pages and
     * invalidates them on writes by harts and devices), so fence.i has nothing to drop.
     */
    public boolean coherentCode;
    /**
     * Decode superblocks: conditional branches do not end a decoded block (system mode; only while the
     * translated tier does not need to see every block boundary).
     */
    public boolean superblocks;
    private final ConcurrentLinkedQueue<long[]> pendingInvalidations = new ConcurrentLinkedQueue<>();

    public RiscvCpu(int hartId, CpuMemory mem) {
        this.hartId = hartId;
        this.mem = mem;
    }

    /** Asks the hart to return {@link Trap#EXIT_REQUEST} from {@link RiscvExec#run} at the next block boundary (any thread). */
    public void requestExit() { setBits(REQ_EXIT); }

    /**
     * Drops decoded code overlapping [addr, addr+len) before the hart executes its next block (any thread;
     * call it on every hart of the process for mmap/munmap/mprotect/riscv_flush_icache).
     */
    public void invalidateCode(long addr, long len) {
        pendingInvalidations.add(new long[] {addr, len});
        setBits(REQ_INVALIDATE);
    }

    /** Drops all decoded code (executing thread only; e.g. on satp or privilege changes in system mode). */
    public void flushCode() {
        java.util.Arrays.fill(blocks, null);
        java.util.Arrays.fill(blockPages, 0);
        if (tcg != null) tcg.flush();
    }

    /**
     * Drops the decoded blocks that belong to one paged address space (system mode: {@link #codeCtx} with
     * bits 0 and 1 set), keeping those of global pages and of M-mode/bare code (executing thread).
     */
    public void dropAddressSpaceBlocks() {
        Block[] bs = blocks;
        for (int i = 0; i < bs.length; i++) {
            Block b = bs[i];
            if (b != null && (b.ctx & 3) == 3) bs[i] = null;
        }
        if (tcg != null) tcg.invalidate(0, -1L);
    }

    /** fence.i on this hart (executing thread). */
    void fenceI() {
        if (!coherentCode) flushCode();
    }

    /** Records that a block at {@code pc} is now cached. */
    void blockCached(long pc) {
        int p = (int) (pc >>> 12) & 4095;
        blockPages[p >>> 6] |= 1L << p;
    }

    private boolean mayHaveBlocks(long page) {
        int p = (int) (page >>> 12) & 4095;
        return (blockPages[p >>> 6] & (1L << p)) != 0;
    }

    private void setBits(int b) {
        int v;
        do { v = exitRequest; } while (!EXIT_REQUEST.compareAndSet(this, v, v | b));
    }

    /** Clears and returns the request bits (executing thread). */
    int takeRequests() { return (int) EXIT_REQUEST.getAndSet(this, 0); }

    void processInvalidations() {
        long[] r;
        while ((r = pendingInvalidations.poll()) != null) dropBlocks(r[0], r[1]);
    }

    /**
     * Drops the decoded blocks overlapping virtual [addr, addr+len) on the executing thread ({@code len} -1 or
     * more than 64 pages: everything).
     */
    public void dropBlocks(long addr, long len) {
        if (tcg != null) tcg.invalidate(addr, len);
        mem.codeInvalidated(addr, len);
        Block[] bs = blocks;
        if (len < 0 || len > 64 * 4096L) {
            java.util.Arrays.fill(bs, null);
            java.util.Arrays.fill(blockPages, 0);
            return;
        }
        long end = addr + len;
        // a block lies inside one page, except that an instruction straddling a page boundary always starts
        // a block of its own (RiscvExec.translate): so only blocks at pcs in [page of addr - 2, end) can
        // overlap. Each page's pcs fill a run of 2048 consecutive cache slots; pages whose bit is clear
        // have nothing cached.
        long start = (addr & ~0xfffL) - 2;
        long slots = (end - start + 1) >>> 1;
        for (long k = 0; k < slots; ) {
            long pc = start + 2 * k;
            long page = pc & ~0xfffL;
            long run = Math.min(slots - k, (page + 4096 - pc) >>> 1);
            if (mayHaveBlocks(page)) {
                for (long j = 0; j < run; j++) {
                    int i = (int) ((pc >>> 1) + j) & (bs.length - 1);
                    Block b = bs[i];
                    if (b != null && Long.compareUnsigned(b.pc, end) < 0 && Long.compareUnsigned(b.endPc, addr) > 0) bs[i] = null;
                }
            }
            k += run;
        }
    }

    /** x[i] for 0 ≤ i < 32. */
    public long reg(int i) { return x[i]; }

    public void setReg(int i, long v) { if (i != 0) x[i] = v; }
}
