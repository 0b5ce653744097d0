package org.jemu.linuxuser;

import org.jemu.target.riscv.RiscvCpu;
import org.jemu.target.riscv.RiscvExec;

/** {@link Hart} over the CPU package's RiscvCpu and its cpu_exec (RiscvExec.run). */
public final class RiscvHart implements Hart {
    public final RiscvCpu cpu;

    public RiscvHart(RiscvCpu cpu) { this.cpu = cpu; }

    /** The process's translator (one guest address space per JVM; all threads share its cache), or null when off. */
    private static org.jemu.target.riscv.translate.RvTcg tcg;
    private static org.jemu.tcg.TcgOptions tcgOptions = org.jemu.tcg.TcgOptions.fromSystemProperties();

    /** Applies {@code -accel tcg,...} (before the first hart is created). */
    public static synchronized void configureTcg(String accel) {
        if (accel != null) tcgOptions = tcgOptions.withAccel(accel);
    }

    public RiscvHart(GuestMemory mem) {
        this(new RiscvCpu(0, new UserCpuMemory(mem)));
        synchronized (RiscvHart.class) {
            if (tcg == null && tcgOptions.enabled()) {
                tcg = new org.jemu.target.riscv.translate.RvTcg(
                        new org.jemu.tcg.PageTableMemory(mem.guestBase, mem.size, mem.flags, 16, mem, mem.pageTable), tcgOptions);
            }
            if (tcg != null) tcg.attach(cpu);
        }
    }

    /** exit_group: prints {@code -d tb_stats} and stops the translator thread. */
    public static synchronized void shutdownTcg() {
        if (tcg != null) tcg.shutdown();
    }

    @Override public long x(int i) { return cpu.x[i]; }
    @Override public void x(int i, long v) { cpu.setReg(i, v); }
    @Override public long f(int i) { return cpu.f[i]; }
    @Override public void f(int i, long v) { cpu.f[i] = v; }
    @Override public long pc() { return cpu.pc; }
    @Override public void pc(long v) { cpu.pc = v; }
    @Override public int fcsr() { return cpu.fp.fcsr(); }
    @Override public void fcsr(int v) { cpu.fp.setFcsr(v); }
    @Override public int run() { return RiscvExec.run(cpu); }
    @Override public long tval() { return cpu.tval; }
    @Override public void requestExit() { cpu.requestExit(); }
    @Override public void invalidate(long start, long len) { cpu.invalidateCode(start, len); }
    @Override public void clearReservation() { cpu.resAddr = -1; }

    @Override public Hart fork() {
        RiscvCpu c = new RiscvCpu(0, cpu.mem);
        System.arraycopy(cpu.x, 0, c.x, 0, 32);
        System.arraycopy(cpu.f, 0, c.f, 0, 32);
        c.fp.setFcsr(cpu.fp.fcsr());
        c.pc = cpu.pc;
        c.csrs = cpu.csrs;
        synchronized (RiscvHart.class) {
            if (tcg != null) tcg.attach(c);
        }
        return new RiscvHart(c);
    }
}
