package org.jemu.target.riscv;

/**
 * CSR access and privileged instructions: the hook through which the privileged architecture plugs into a
 * hart. This base class is the user-level view (QEMU linux-user's): fflags, frm, fcsr, cycle, time,
 * instret; every other CSR and every privileged instruction (mret, sret, wfi, sfence.vma) is an illegal
 * instruction. System mode subclasses it (org.jemu.target.riscv.priv) to add the M/S-mode CSRs, privilege
 * checks (csr bits 9:8) and traps.
 *
 * <p>The hart itself enforces what the ISA says about every CSR instruction: a write to a read-only CSR
 * (bits 11:10 == 3) is illegal, csrrw with rd = x0 does not read, csrrs/csrrc with rs1 = x0 (or uimm 0)
 * do not write. Every CSR instruction ends a translation block, so a CSR write with side effects on
 * translation (satp, privilege changes) takes effect at the next instruction; a subclass that changes
 * what fetched code means must call {@link RiscvCpu#flushCode()}.
 *
 * <p>Methods signal an illegal access by throwing {@code new RiscvTrap(Trap.ILLEGAL_INSN, 0)} (the hart
 * fills in tval with the instruction bits).
 */
public class Csrs {
    public static final int FFLAGS = 0x001, FRM = 0x002, FCSR = 0x003, CYCLE = 0xc00, TIME = 0xc01, INSTRET = 0xc02;

    /** The user-mode CSR file (stateless: the state lives in the cpu). */
    public static final Csrs USER = new Csrs();

    protected static RiscvTrap illegal() { return new RiscvTrap(Trap.ILLEGAL_INSN, 0); }

    /** Whether FP instructions and FP CSRs are usable (system mode: mstatus.FS != Off). */
    public boolean fpEnabled(RiscvCpu cpu) { return true; }

    /** Records that FP state changed (system mode sets mstatus.FS = Dirty). Called on every FP register/flag write. */
    public void fpDirty(RiscvCpu cpu) {}

    public long read(RiscvCpu cpu, int csr) {
        switch (csr) {
            case FFLAGS: if (!fpEnabled(cpu)) throw illegal(); return cpu.fp.flags;
            case FRM: if (!fpEnabled(cpu)) throw illegal(); return cpu.fp.frm;
            case FCSR: if (!fpEnabled(cpu)) throw illegal(); return cpu.fp.fcsr();
            case CYCLE, INSTRET: return cpu.instret;
            case TIME: return time(cpu);
            default: throw illegal();
        }
    }

    public void write(RiscvCpu cpu, int csr, long v) {
        switch (csr) {
            case FFLAGS -> { if (!fpEnabled(cpu)) throw illegal(); cpu.fp.flags = (int) v & 0x1f; fpDirty(cpu); }
            case FRM -> { if (!fpEnabled(cpu)) throw illegal(); cpu.fp.frm = (int) v & 7; fpDirty(cpu); }
            case FCSR -> { if (!fpEnabled(cpu)) throw illegal(); cpu.fp.setFcsr((int) v & 0xff); fpDirty(cpu); }
            default -> throw illegal();
        }
    }

    /**
     * The value CSRRS/CSRRC modify and write back, given what {@link #read} returned: normally that value.
     * A CSR whose read ORs in a hardware signal (mip.SEIP, privileged spec 3.1.9) returns only its
     * software-writable state here, so a read-modify-write of other bits never latches the signal.
     */
    public long rmwBase(RiscvCpu cpu, int csr, long read) { return read; }

    /** The time CSR: a 10 MHz clock (the virt machine's timebase) from the host's monotonic clock. */
    public long time(RiscvCpu cpu) { return System.nanoTime() / 100; }

    /**
     * Privileged instructions. Called with {@link RiscvCpu#pc} at the instruction. Return -1 to continue at
     * {@link RiscvCpu#pc} (which the hook sets, e.g. to the return address, or pc + 4), or a {@link Trap}
     * code to stop the hart ({@link Trap#ILLEGAL_INSN} and other causes leave pc at the instruction).
     * {@code wfi} may block the calling hart thread: system mode parks it inside the hook until an interrupt
     * is pending and enabled (or the machine stops), then returns -1 with pc past the wfi and an exit
     * request raised, so the caller's loop looks at interrupts next.
     */
    public int mret(RiscvCpu cpu) { return Trap.ILLEGAL_INSN; }
    public int sret(RiscvCpu cpu) { return Trap.ILLEGAL_INSN; }
    public int wfi(RiscvCpu cpu) { return Trap.ILLEGAL_INSN; }
    /** sfence.vma with the values of rs1 (virtual address) and rs2 (ASID) and whether each register is x0. */
    public int sfenceVma(RiscvCpu cpu, long vaddr, long asid, boolean allAddrs, boolean allAsids) { return Trap.ILLEGAL_INSN; }
}
