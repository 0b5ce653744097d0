package org.jemu.target.riscv.priv;

import org.jemu.hw.intc.Aclint;
import org.jemu.hw.timer.HostTimers;
import org.jemu.target.riscv.Csrs;
import org.jemu.target.riscv.RiscvCpu;
import org.jemu.target.riscv.RiscvTrap;
import org.jemu.target.riscv.Trap;
import org.jemu.target.riscv.softmmu.Softmmu;
import org.jemu.util.Log;

import static org.jemu.target.riscv.RiscvCpu.PRV_M;
import static org.jemu.target.riscv.RiscvCpu.PRV_S;
import static org.jemu.target.riscv.RiscvCpu.PRV_U;

/**
 * The privileged architecture of one hart (RISC-V privileged spec 20211203): M/S/U modes, the machine
 * and supervisor CSRs, traps and interrupts with delegation, xRET, WFI, SFENCE.VMA, Sstc.
 *
 * <p>CSR accesses check the privilege encoded in the CSR number (bits 9:8) and the extra conditions
 * (mstatus.TVM for satp/sfence.vma, TSR for sret, TW for wfi, mcounteren/scounteren for the counters,
 * menvcfg.STCE for stimecmp); anything not implemented is an illegal instruction. WARL fields keep
 * legal values only.
 */
public final class PrivCsrs extends Csrs {
    // mstatus fields
    public static final long SIE = 1L << 1, MIE = 1L << 3, SPIE = 1L << 5, MPIE = 1L << 7, SPP = 1L << 8,
            MPP = 3L << 11, FS = 3L << 13, MPRV = 1L << 17, SUM = 1L << 18, MXR = 1L << 19, TVM = 1L << 20,
            TW = 1L << 21, TSR = 1L << 22, SD = 1L << 63;
    static final long UXL_SXL = (2L << 32) | (2L << 34);
    static final long MSTATUS_W = SIE | MIE | SPIE | MPIE | SPP | MPP | FS | MPRV | SUM | MXR | TVM | TW | TSR;
    static final long SSTATUS_MASK = SIE | SPIE | SPP | FS | SUM | MXR | (3L << 32) | SD;
    static final long SSTATUS_W = SIE | SPIE | SPP | FS | SUM | MXR;
    /** misa: RV64 (MXL=2) I M A F D C S U. */
    public static final long MISA = (2L << 62) | bits("IMAFDCSU");
    static final long DELEG_EXC = 0xb3ffL;           // delegable exceptions: all but 10, 11 (ecall from M), 14
    static final long S_INTS = (1L << 1) | (1L << 5) | (1L << 9);
    static final long ALL_INTS = S_INTS | (1L << 3) | (1L << 7) | (1L << 11);
    static final long MENVCFG_STCE = 1L << 63, ENVCFG_FIOM = 1;

    // CSR numbers
    static final int SSTATUS = 0x100, SIE_CSR = 0x104, STVEC = 0x105, SCOUNTEREN = 0x106, SENVCFG = 0x10a,
            SSCRATCH = 0x140, SEPC = 0x141, SCAUSE = 0x142, STVAL = 0x143, SIP = 0x144, STIMECMP = 0x14d, SATP = 0x180,
            MSTATUS = 0x300, MISA_CSR = 0x301, MEDELEG = 0x302, MIDELEG = 0x303, MIE_CSR = 0x304, MTVEC = 0x305,
            MCOUNTEREN = 0x306, MENVCFG = 0x30a, MCOUNTINHIBIT = 0x320, MSCRATCH = 0x340, MEPC = 0x341,
            MCAUSE = 0x342, MTVAL = 0x343, MIP = 0x344, PMPCFG0 = 0x3a0, PMPADDR0 = 0x3b0,
            MCYCLE = 0xb00, MINSTRET = 0xb02, MVENDORID = 0xf11, MARCHID = 0xf12, MIMPID = 0xf13, MHARTID = 0xf14,
            MCONFIGPTR = 0xf15;

    private final RiscvCpu cpu;
    private final InterruptPending hw;
    private final Aclint clint;
    public final Pmp pmp = new Pmp();
    private Softmmu mmu;
    private final HostTimers.Timer stimer;

    long mstatus = UXL_SXL, medeleg, mideleg, mie, mipSw, mtvec, stvec, mepc, sepc, mcause, scause, mtval, stval,
            mscratch, sscratch, satp, menvcfg, senvcfg, stimecmp = -1L;
    int mcounteren, scounteren, mcountinhibit;
    long cycleOffset, instretOffset;

    public PrivCsrs(RiscvCpu cpu, InterruptPending hw, Aclint clint) {
        this.cpu = cpu;
        this.hw = hw;
        this.clint = clint;
        this.stimer = new HostTimers.Timer(hw::wake);
        cpu.priv = PRV_M;
        cpu.codeCtx = 1;
    }

    public void setMmu(Softmmu mmu) { this.mmu = mmu; }

    private static long bits(String letters) {
        long v = 0;
        for (char c : letters.toCharArray()) v |= 1L << (c - 'A');
        return v;
    }

    // ---------------------------------------------------------------------------------- accessors

    public long mstatus() { return mstatus; }
    public long satp() { return satp; }
    public int satpMode() { return (int) (satp >>> 60); }

    /** Privilege for loads/stores (mstatus.MPRV in M-mode substitutes MPP). */
    public int dataPriv() {
        return cpu.priv == PRV_M && (mstatus & MPRV) != 0 ? (int) ((mstatus & MPP) >>> 11) : cpu.priv;
    }

    private long mstatusRead() {
        long v = mstatus | UXL_SXL;
        if ((v & FS) == FS) v |= SD;
        return v;
    }

    /** mip as software sees it: software-written bits, device lines, and the Sstc timer. */
    public long mip() {
        long v = mipSw | hw.get();
        if ((menvcfg & MENVCFG_STCE) != 0) {
            v &= ~(1L << InterruptPending.STIP);
            if (Long.compareUnsigned(clint.mtime(), stimecmp) >= 0) v |= 1L << InterruptPending.STIP;
        }
        return v;
    }

    /**
     * mip/sip for CSRRS/CSRRC: SEIP takes part with their software-writable bit only,
     * not the PLIC's line (privileged spec 3.1.9). Without this, OpenSBI's {@code csrs mip, SSIP} (an
     * S-mode IPI) while the PLIC asserted SEIP latched SEIP forever: an endless external-interrupt storm
     * with nothing to claim, which starved the timer (the -smp 2 "livelock").
     */
    @Override
    public long rmwBase(RiscvCpu c, int csr, long read) {
        if (csr != MIP && csr != SIP) return read;
        long seip = 1L << InterruptPending.SEIP;
        return (read & ~seip) | (mipSw & seip);
    }

    @Override public boolean fpEnabled(RiscvCpu c) { return (mstatus & FS) != 0; }

    @Override public void fpDirty(RiscvCpu c) { mstatus |= FS; }

    @Override public long time(RiscvCpu c) { return clint.mtime(); }

    // ---------------------------------------------------------------------------------- CSR access

    private void checkAccess(int csr) {
        int need = (csr >>> 8) & 3;
        if (cpu.priv < need) throw illegal();
    }

    private void counterAccess(int csr) {
        int bit = csr & 31;
        if (cpu.priv < PRV_M && (mcounteren & (1 << bit)) == 0) throw illegal();
        if (cpu.priv == PRV_U && (scounteren & (1 << bit)) == 0) throw illegal();
    }

    @Override
    public long read(RiscvCpu c, int csr) {
        checkAccess(csr);
        switch (csr) {
            case FFLAGS, FRM, FCSR: return super.read(c, csr);
            case CYCLE: counterAccess(csr); return c.instret + cycleOffset;
            case INSTRET: counterAccess(csr); return c.instret + instretOffset;
            case TIME: counterAccess(csr); return clint.mtime();
            case SSTATUS: return mstatusRead() & SSTATUS_MASK;
            case SIE_CSR: return mie & mideleg;
            case STVEC: return stvec;
            case SCOUNTEREN: return scounteren & 0xffffffffL;
            case SENVCFG: return senvcfg;
            case SSCRATCH: return sscratch;
            case SEPC: return sepc;
            case SCAUSE: return scause;
            case STVAL: return stval;
            case SIP: return mip() & mideleg;
            case STIMECMP: stcAccess(); return stimecmp;
            case SATP:
                if (cpu.priv == PRV_S && (mstatus & TVM) != 0) throw illegal();
                return satp;
            case MSTATUS: return mstatusRead();
            case MISA_CSR: return MISA;
            case MEDELEG: return medeleg;
            case MIDELEG: return mideleg;
            case MIE_CSR: return mie;
            case MTVEC: return mtvec;
            case MCOUNTEREN: return mcounteren & 0xffffffffL;
            case MENVCFG: return menvcfg;
            case MCOUNTINHIBIT: return mcountinhibit & 0xffffffffL;
            case MSCRATCH: return mscratch;
            case MEPC: return mepc;
            case MCAUSE: return mcause;
            case MTVAL: return mtval;
            case MIP: return mip();
            case MCYCLE: return c.instret + cycleOffset;
            case MINSTRET: return c.instret + instretOffset;
            case MVENDORID, MARCHID, MIMPID, MCONFIGPTR: return 0;
            case MHARTID: return c.hartId;
            default:
                if (csr == PMPCFG0 || csr == PMPCFG0 + 2) return pmp.readCfg(csr - PMPCFG0);
                if (csr >= PMPADDR0 && csr < PMPADDR0 + 64) return pmp.readAddr(csr - PMPADDR0);
                if (csr >= 0xc03 && csr <= 0xc1f) { counterAccess(csr); return 0; } // hpmcounter3..31
                if (csr >= 0xb03 && csr <= 0xb1f) return 0;                          // mhpmcounter3..31
                if (csr >= 0x323 && csr <= 0x33f) return 0;                          // mhpmevent3..31
                throw unimplemented(csr);
        }
    }

    @Override
    public void write(RiscvCpu c, int csr, long v) {
        checkAccess(csr);
        switch (csr) {
            case FFLAGS, FRM, FCSR -> super.write(c, csr, v);
            case SSTATUS -> writeMstatus((mstatus & ~SSTATUS_W) | (v & SSTATUS_W));
            case SIE_CSR -> { mie = (mie & ~mideleg) | (v & mideleg & ALL_INTS); interruptsChanged(); }
            case STVEC -> stvec = legalTvec(v, stvec);
            case SCOUNTEREN -> scounteren = (int) v;
            case SENVCFG -> senvcfg = v & ENVCFG_FIOM;
            case SSCRATCH -> sscratch = v;
            case SEPC -> sepc = v & ~1L;
            case SCAUSE -> scause = v;
            case STVAL -> stval = v;
            case SIP -> { long m = mideleg & (1L << 1); mipSw = (mipSw & ~m) | (v & m); interruptsChanged(); }
            case STIMECMP -> { stcAccess(); stimecmp = v; armStimer(); }
            case SATP -> writeSatp(v);
            case MSTATUS -> writeMstatus((mstatus & ~MSTATUS_W) | (v & MSTATUS_W));
            case MISA_CSR -> { }
            case MEDELEG -> medeleg = v & DELEG_EXC;
            case MIDELEG -> { mideleg = v & S_INTS; interruptsChanged(); }
            case MIE_CSR -> { mie = v & ALL_INTS; interruptsChanged(); }
            case MTVEC -> mtvec = legalTvec(v, mtvec);
            case MCOUNTEREN -> mcounteren = (int) v;
            case MENVCFG -> { menvcfg = v & (MENVCFG_STCE | ENVCFG_FIOM); armStimer(); interruptsChanged(); }
            case MCOUNTINHIBIT -> mcountinhibit = (int) v & ~2;
            case MSCRATCH -> mscratch = v;
            case MEPC -> mepc = v & ~1L;
            case MCAUSE -> mcause = v;
            case MTVAL -> mtval = v;
            case MIP -> {
                long m = (1L << 1) | (1L << 9) | ((menvcfg & MENVCFG_STCE) == 0 ? 1L << 5 : 0);
                mipSw = (mipSw & ~m) | (v & m);
                interruptsChanged();
            }
            case MCYCLE -> cycleOffset = v - c.instret;
            case MINSTRET -> instretOffset = v - c.instret;
            case MVENDORID, MARCHID, MIMPID, MHARTID, MCONFIGPTR -> throw illegal();
            default -> {
                if (csr == PMPCFG0 || csr == PMPCFG0 + 2) { pmp.writeCfg(csr - PMPCFG0, v); mmu.flushAll(); return; }
                if (csr >= PMPADDR0 && csr < PMPADDR0 + 64) { pmp.writeAddr(csr - PMPADDR0, v); mmu.flushAll(); return; }
                if ((csr >= 0xb03 && csr <= 0xb1f) || (csr >= 0x323 && csr <= 0x33f)) return; // hpm counters: hardwired 0
                throw unimplemented(csr);
            }
        }
    }

    private RiscvTrap unimplemented(int csr) {
        if (Log.on(Log.Item.UNIMP) || Log.on(Log.Item.GUEST_ERRORS)) Log.logf("hart %d: access to unimplemented CSR 0x%03x%n", cpu.hartId, csr);
        return illegal();
    }

    private void stcAccess() {
        // Sstc: below M-mode, stimecmp needs menvcfg.STCE and mcounteren.TM
        if (cpu.priv < PRV_M && ((menvcfg & MENVCFG_STCE) == 0 || (mcounteren & 2) == 0)) throw illegal();
    }

    private void armStimer() {
        if ((menvcfg & MENVCFG_STCE) == 0 || stimecmp == -1L) { stimer.del(); return; }
        stimer.mod(clint.nanosAt(stimecmp));
        interruptsChanged();
    }

    private static long legalTvec(long v, long old) {
        return (v & 3) >= 2 ? (v & ~3L) | (old & 3) : v;
    }

    private void writeMstatus(long v) {
        long mpp = (v & MPP) >>> 11;
        if (mpp == 2) v = (v & ~MPP) | (mstatus & MPP);
        long old = mstatus;
        mstatus = v & ~SD;
        if (((old ^ mstatus) & (MPRV | MPP | SUM | MXR)) != 0) mmu.privChanged(((old ^ mstatus) & MXR) != 0);
        if (((old ^ mstatus) & (MIE | SIE)) != 0) interruptsChanged();
    }

    private void writeSatp(long v) {
        if (cpu.priv == PRV_S && (mstatus & TVM) != 0) throw illegal();
        int mode = (int) (v >>> 60);
        if (mode != 0 && mode != 8 && mode != 9 && mode != 10) return; // unsupported mode: the write has no effect
        satp = v; // MODE 63:60, ASID 59:44 (16 bits), PPN 43:0
        mmu.flushAll();
        updateCodeContext();
    }

    /** Device lines or enable bits changed: have the hart look at interrupts at the next block boundary. */
    void interruptsChanged() { cpu.requestExit(); }

    // ---------------------------------------------------------------------------------- traps

    /** The interrupt to take now (its cause number), or -1. */
    public int pendingInterrupt() {
        long pending = mip() & mie;
        if (pending == 0) return -1;
        long m = pending & ~mideleg;
        boolean mEnabled = cpu.priv < PRV_M || (mstatus & MIE) != 0;
        if (m != 0 && mEnabled) return highest(m);
        long s = pending & mideleg;
        boolean sEnabled = cpu.priv < PRV_S || (cpu.priv == PRV_S && (mstatus & SIE) != 0);
        if (s != 0 && sEnabled) return highest(s);
        return -1;
    }

    /** Whether wfi should stop waiting: some interrupt is pending and enabled in mie (global enables ignored). */
    public boolean wakeupPending() { return (mip() & mie) != 0; }

    private static final int[] PRIORITY = {11, 3, 7, 9, 1, 5};

    private static int highest(long bits) {
        for (int i : PRIORITY) if ((bits & (1L << i)) != 0) return i;
        return Long.numberOfTrailingZeros(bits);
    }

    /** Enters the trap handler for exception {@code cause} (or interrupt when {@code interrupt}). */
    public void takeTrap(int cause, long tval, boolean interrupt) {
        trapsTaken++;
        int from = cpu.priv;
        long pc = cpu.pc;
        boolean toS = from <= PRV_S && ((interrupt ? mideleg : medeleg) >>> cause & 1) != 0;
        long causeVal = interrupt ? (1L << 63) | cause : cause;
        if (Log.on(Log.Item.INT)) {
            Log.logf("hart %d: %s %d (%s) epc 0x%x tval 0x%x priv %d -> %s%n", cpu.hartId, interrupt ? "interrupt" : "exception",
                    cause, interrupt ? "irq" : Trap.name(cause), pc, tval, from, toS ? "S" : "M");
        }
        if (toS) {
            scause = causeVal;
            sepc = pc;
            stval = tval;
            long s = mstatus;
            s = (s & ~SPIE) | ((s & SIE) != 0 ? SPIE : 0);
            s &= ~SIE;
            s = (s & ~SPP) | (from == PRV_S ? SPP : 0);
            mstatus = s;
            cpu.pc = vector(stvec, cause, interrupt);
            setPriv(PRV_S);
        } else {
            mcause = causeVal;
            mepc = pc;
            mtval = tval;
            long s = mstatus;
            s = (s & ~MPIE) | ((s & MIE) != 0 ? MPIE : 0);
            s &= ~MIE;
            s = (s & ~MPP) | ((long) from << 11);
            mstatus = s;
            cpu.pc = vector(mtvec, cause, interrupt);
            setPriv(PRV_M);
        }
    }

    private static long vector(long tvec, int cause, boolean interrupt) {
        long base = tvec & ~3L;
        return interrupt && (tvec & 3) == 1 ? base + 4L * cause : base;
    }

    private void setPriv(int p) {
        cpu.priv = p;
        updateCodeContext();
        mmu.privChanged(false);
    }

    /**
     * Decoded blocks are cached by virtual pc: tag them with what the pc means. Bare (M-mode or satp
     * off) = 1; paged = ASID and root table | U-mode bit 4 | 3 (pages mapped global: U bit | 2).
     */
    void updateCodeContext() {
        if (cpu.priv == PRV_M || satpMode() == 0) cpu.codeCtx = 1;
        else cpu.codeCtx = ((satp & ((1L << 60) - 1)) << 3) | (cpu.priv == PRV_U ? 4 : 0) | 3;
    }

    @Override
    public int mret(RiscvCpu c) {
        if (c.priv != PRV_M) return Trap.ILLEGAL_INSN;
        int to = (int) ((mstatus & MPP) >>> 11);
        long s = mstatus;
        s = (s & ~MIE) | ((s & MPIE) != 0 ? MIE : 0);
        s |= MPIE;
        s &= ~MPP;
        if (to != PRV_M) s &= ~MPRV;
        mstatus = s;
        c.pc = mepc;
        setPriv(to);
        interruptsChanged();
        return -1;
    }

    @Override
    public int sret(RiscvCpu c) {
        if (c.priv < PRV_S || (c.priv == PRV_S && (mstatus & TSR) != 0)) return Trap.ILLEGAL_INSN;
        int to = (mstatus & SPP) != 0 ? PRV_S : PRV_U;
        long s = mstatus;
        s = (s & ~SIE) | ((s & SPIE) != 0 ? SIE : 0);
        s |= SPIE;
        s &= ~SPP;
        s &= ~MPRV;
        mstatus = s;
        c.pc = sepc;
        setPriv(to);
        interruptsChanged();
        return -1;
    }

    /** Traps taken by the hart (wfi tells a guest spinning on wfi from an idle loop by it). */
    private long trapsTaken;
    /** wfi instructions in a row that found an interrupt already pending, with no trap taken in between. */
    private int spinningWfis;
    private long trapsAtSpinningWfi;
    /** After this many such wfi in a row, each one also sleeps {@link #SPIN_WFI_NANOS} on the host. */
    static final int SPIN_WFI_LIMIT = 16;
    static final long SPIN_WFI_NANOS = 200_000;

    /** Set when the machine stops: a hart parked in WFI gives up waiting. */
    volatile boolean stopping;

    /** The machine stops (power-off or reset): wfi returns, the Sstc timer is disarmed. */
    void halt() {
        stopping = true;
        stimer.del();
    }

    /**
     * WFI parks the hart's thread until an interrupt is pending and enabled in mie (whatever the global
     * enables say; privileged spec 3.3.3), so an idle guest costs no host CPU. Nothing polls: every
     * source of a pending bit wakes the thread — device lines through {@link InterruptPending#set}
     * (unpark), the machine stopping through {@link #halt}, and the Sstc timer by the park deadline
     * itself (the hart sleeps until mtime reaches stimecmp when STIE is enabled). The software bits
     * (SSIP, software SEIP/STIP) only change on this thread, so they cannot change while it sleeps.
     * A wakeup that finds nothing pending (a spurious unpark, a line that dropped again) parks again.
     */
    @Override
    public int wfi(RiscvCpu c) {
        if (c.priv == PRV_U || (c.priv == PRV_S && (mstatus & TW) != 0)) return Trap.ILLEGAL_INSN;
        c.pc += 4;
        if (c.priv == PRV_M && wakeupPending()) spinningWfi();
        else spinningWfis = 0;
        while (!stopping && !wakeupPending()) {
            long until = stimerDeadline();
            if (until == Long.MAX_VALUE) {
                java.util.concurrent.locks.LockSupport.park(this);
            } else {
                long wait = until - HostTimers.nanos();
                if (wait > 0) java.util.concurrent.locks.LockSupport.parkNanos(this, wait);
            }
        }
        interruptsChanged();
        return -1;
    }

    /**
     * A wfi that finds an enabled interrupt already pending is a nop for the guest (it resumes at once). A guest
     * may loop on such a wfi with the interrupt globally disabled, waiting for a store by another hart:
     * OpenSBI 1.x's secondary harts wait for their HSM start in {@code sbi_hsm_hart_wait} with the coldboot
     * IPI still pending in MSIP (cleared only after the start), so on QEMU and on hardware that loop spins until
     * Linux starts the hart. Here the spin would take a host core from the boot hart and the JIT compilers
     * for the first seconds of a boot; so after {@link #SPIN_WFI_LIMIT} such wfi with no trap taken in
     * between, each one also sleeps {@link #SPIN_WFI_NANOS} (or until a new interrupt unparks the thread).
     * Guest-visible only as time: the hart runs that loop slower. Only in M-mode (the firmware's wait loops);
     * an S-mode wfi is never delayed (Linux's idle loop takes the interrupt after its wfi anyway).
     */
    private void spinningWfi() {
        if (trapsTaken != trapsAtSpinningWfi) {
            trapsAtSpinningWfi = trapsTaken;
            spinningWfis = 0;
        }
        if (++spinningWfis > SPIN_WFI_LIMIT && !stopping) java.util.concurrent.locks.LockSupport.parkNanos(this, SPIN_WFI_NANOS);
    }

    /** Host nanoseconds at which Sstc raises STIP, if that would end a wfi (STCE on, STIE enabled); else MAX_VALUE. */
    private long stimerDeadline() {
        if ((menvcfg & MENVCFG_STCE) == 0 || (mie & (1L << InterruptPending.STIP)) == 0 || stimecmp == -1L) return Long.MAX_VALUE;
        return clint.nanosAt(stimecmp);
    }

    @Override
    public int sfenceVma(RiscvCpu c, long vaddr, long asid, boolean allAddrs, boolean allAsids) {
        if (c.priv == PRV_U || (c.priv == PRV_S && (mstatus & TVM) != 0)) return Trap.ILLEGAL_INSN;
        if (allAddrs) {
            mmu.flushAll();
            // one address space (rs2 = ASID): global mappings stay (privileged spec 4.2.1), and so do the
            // blocks decoded from them (the kernel's) and the M-mode/bare ones
            if (allAsids) c.flushCode();
            else c.dropAddressSpaceBlocks();
        } else {
            mmu.flushPage(vaddr);
            c.dropBlocks(vaddr & ~0xfffL, 4096);
        }
        c.pc += 4;
        return -1;
    }

    public int privilege() { return cpu.priv; }

    public String dump() {
        return String.format(" %-8s %016x%n %-8s %016x%n %-8s %016x%n %-8s %016x%n %-8s %016x%n %-8s %016x%n %-8s %016x%n %-8s %016x%n"
                        + " %-8s %016x%n %-8s %016x%n %-8s %016x%n %-8s %016x%n %-8s %016x%n %-8s %016x%n",
                "mstatus", mstatusRead(), "mip", mip(), "mie", mie, "mideleg", mideleg, "medeleg", medeleg,
                "mtvec", mtvec, "stvec", stvec, "mepc", mepc, "sepc", sepc, "mcause", mcause, "scause", scause,
                "mtval", mtval, "stval", stval, "satp", satp);
    }
}
