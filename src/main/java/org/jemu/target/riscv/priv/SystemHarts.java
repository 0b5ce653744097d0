package org.jemu.target.riscv.priv;

import org.jemu.hw.riscv.VirtMachine;
import org.jemu.target.riscv.RiscvCpu;
import org.jemu.target.riscv.RiscvExec;
import org.jemu.target.riscv.Trap;
import org.jemu.target.riscv.softmmu.CodePages;
import org.jemu.target.riscv.softmmu.Softmmu;
import org.jemu.target.riscv.softmmu.SoftmmuTcg;
import org.jemu.tcg.TcgOptions;

import java.util.concurrent.locks.LockSupport;

/**
 * The machine's harts, one host thread each (QEMU's MTTCG vCPU threads). Every hart starts in M-mode
 * at the mask ROM's reset vector. The loop runs the interpreter until it returns, then takes the
 * exception it reported and takes the highest-priority enabled interrupt (WFI parks the thread
 * inside {@link PrivCsrs#wfi}, so an idle guest uses no host CPU).
 */
public final class SystemHarts {
    private final VirtMachine machine;
    private final RiscvCpu[] cpus;
    private final PrivCsrs[] privs;
    private final Thread[] threads;
    private volatile boolean stopped;
    /** The translator (null with {@code -accel tcg,thresh=off}). */
    private final SoftmmuTcg tcg;

    public SystemHarts(VirtMachine machine) { this(machine, SoftmmuTcg.defaultOptions()); }

    public SystemHarts(VirtMachine machine, TcgOptions tcgOptions) {
        this.machine = machine;
        int n = machine.config.harts();
        cpus = new RiscvCpu[n];
        privs = new PrivCsrs[n];
        threads = new Thread[n];
        CodePages code = new CodePages(machine.mem);
        tcg = tcgOptions.enabled() ? new SoftmmuTcg(machine.mem, code, tcgOptions) : null;
        for (int h = 0; h < n; h++) {
            RiscvCpu cpu = new RiscvCpu(h, null);
            PrivCsrs p = new PrivCsrs(cpu, machine.interrupts[h], machine.clint);
            Softmmu mmu = new Softmmu(machine.mem, cpu, p, code);
            p.setMmu(mmu);
            cpu.mem = mmu;
            cpu.coherentCode = true;   // CodePages drops decoded code on every write to it: fence.i has nothing to do
            cpu.superblocks = true;
            cpu.csrs = p;
            cpu.pc = machine.resetVector();
            code.register(cpu, mmu);
            if (tcg != null) tcg.attach(cpu, mmu);
            cpus[h] = cpu;
            privs[h] = p;
        }
    }

    public RiscvCpu cpu(int h) { return cpus[h]; }

    public PrivCsrs priv(int h) { return privs[h]; }

    public synchronized void start() {
        for (int h = 0; h < cpus.length; h++) {
            final int hart = h;
            threads[h] = Thread.ofPlatform().daemon().name("hart-" + h).unstarted(() -> run(hart));
            machine.interrupts[h].bind(threads[h], cpus[h]::requestExit);
        }
        for (Thread t : threads) t.start();
    }

    /**
     * Stops every hart at its next block boundary (or out of wfi) and waits for the threads to end
     * (bounded: 30 s). Returns whether they all ended; a system reset needs them gone.
     */
    public boolean stop() {
        stopped = true;
        for (int h = 0; h < cpus.length; h++) {
            privs[h].halt();
            cpus[h].requestExit();
            if (threads[h] != null) LockSupport.unpark(threads[h]);
        }
        boolean all = true;
        for (Thread t : threads) {
            if (t == null || t == Thread.currentThread()) continue;
            try { t.join(30_000); } catch (InterruptedException e) { Thread.currentThread().interrupt(); }
            all &= !t.isAlive();
        }
        if (tcg != null) tcg.shutdown();
        return all;
    }

    private void run(int h) {
        RiscvCpu cpu = cpus[h];
        PrivCsrs p = privs[h];
        try {
            while (!stopped) {
                int r = RiscvExec.run(cpu);
                if (stopped) break;
                if (r >= 0 && r < 16) {
                    boolean ecall = r == Trap.ECALL_U || r == Trap.ECALL_S || r == Trap.ECALL_M;
                    p.takeTrap(r, ecall ? 0 : cpu.tval, false);
                } else if (r != Trap.EXIT_REQUEST) {
                    throw new IllegalStateException("interpreter returned " + Trap.name(r));
                }
                int irq = p.pendingInterrupt();
                if (irq >= 0) p.takeTrap(irq, 0, true);
            }
        } catch (Throwable t) {
            System.err.printf("jemu-system-riscv64: internal error on hart %d at pc 0x%x: %s%n", h, cpu.pc, t);
            machine.control().poweroff(1);
        }
    }

    public String dumpRegisters(int h) {
        RiscvCpu c = cpus[h];
        StringBuilder sb = new StringBuilder(String.format("pc       %016x%npriv     %d%n", c.pc, c.priv));
        String[] abi = {"zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5",
                "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6"};
        for (int i = 0; i < 32; i++) {
            sb.append(String.format(" x%-2d/%-4s %016x", i, abi[i], c.x[i]));
            if (i % 4 == 3) sb.append('\n');
        }
        sb.append(privs[h].dump());
        return sb.toString();
    }

    public String cpusInfo() {
        StringBuilder sb = new StringBuilder();
        for (int h = 0; h < cpus.length; h++) {
            sb.append(String.format("%s CPU #%d: pc=0x%016x thread_id=%s%n", h == 0 ? "*" : " ", h, cpus[h].pc,
                    threads[h] == null ? "-" : String.valueOf(threads[h].threadId())));
        }
        return sb.toString();
    }
}
