package org.jemu.linuxuser;

import org.jemu.target.riscv.RiscvCpu;
import org.jemu.target.riscv.RiscvExec;

/** {@link Hart} over the CPU package's RiscvCpu and its cpu_exec (RiscvExec.run). */
public final class RiscvHart implements Hart {
    public final RiscvCpu cpu;

    public RiscvHart(RiscvCpu cpu) { this.cpu = cpu; }

    public RiscvHart(GuestMemory mem) { this(new RiscvCpu(0, new UserCpuMemory(mem))); }

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
        return new RiscvHart(c);
    }
}
