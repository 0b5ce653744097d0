package org.jemu.target.riscv;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Runs a bare-metal RV64 ELF (static, -nostdlib, entry _start) on a {@link FlatMemory} with a minimal
 * Linux-like ecall interface: write (64) to stdout/stderr and exit/exit_group (93/94). For CPU tests and the
 * interpreter benchmark: {@code java -cp target/jemu.jar org.jemu.target.riscv.BareMetal prog.elf} prints the
 * program's output, then the retired instructions, the time and the MIPS on stderr.
 */
public final class BareMetal {
    private BareMetal() {}

    /** Guest memory: [0, 64 MiB); the stack starts at the top. */
    public static final long MEM_SIZE = 64L << 20;

    /** Loads the PT_LOAD segments of a little-endian ELF64 RISC-V executable; returns a hart at its entry. */
    public static RiscvCpu load(Path elf, long memSize) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(elf)).order(ByteOrder.LITTLE_ENDIAN);
        if (b.limit() < 64 || b.getInt(0) != 0x464c457f || b.get(4) != 2 || b.get(5) != 1 || (b.getShort(18) & 0xffff) != 243)
            throw new IOException(elf + ": not a little-endian ELF64 RISC-V file");
        FlatMemory mem = new FlatMemory(0, memSize);
        long entry = b.getLong(24), phoff = b.getLong(32);
        int phentsize = b.getShort(54) & 0xffff, phnum = b.getShort(56) & 0xffff;
        for (int i = 0; i < phnum; i++) {
            int p = (int) phoff + i * phentsize;
            if (b.getInt(p) != 1) continue;                         // PT_LOAD
            long off = b.getLong(p + 8), vaddr = b.getLong(p + 16), filesz = b.getLong(p + 32), memsz = b.getLong(p + 40);
            if (vaddr < 0 || vaddr + memsz > memSize || off + filesz > b.limit())
                throw new IOException(elf + ": segment at 0x" + Long.toHexString(vaddr) + " does not fit in guest memory");
            byte[] data = new byte[(int) filesz];
            b.get((int) off, data);
            mem.write(vaddr, data);
        }
        RiscvCpu cpu = new RiscvCpu(0, mem);
        cpu.pc = entry;
        cpu.x[2] = memSize - 64;
        return cpu;
    }

    /** Runs until exit; program output goes to {@code out}. Returns the exit status. */
    public static int run(RiscvCpu cpu, PrintStream out) {
        for (;;) {
            int r = RiscvExec.run(cpu);
            if (r != Trap.ECALL_U)
                throw new IllegalStateException(Trap.name(r) + " at pc 0x" + Long.toHexString(cpu.pc) + ", tval 0x" + Long.toHexString(cpu.tval));
            long n = cpu.x[17];
            if (n == 93 || n == 94) return (int) cpu.x[10];
            if (n == 64) {
                long a = cpu.x[11], len = cpu.x[12];
                byte[] buf = new byte[(int) Math.min(len, 1 << 20)];
                for (int i = 0; i < buf.length; i++) buf[i] = cpu.mem.load8(a + i);
                out.write(buf, 0, buf.length);
                cpu.x[10] = buf.length;
            } else {
                cpu.x[10] = -38;                                       // ENOSYS
            }
            cpu.pc += 4;
        }
    }

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: BareMetal prog.elf");
            System.exit(2);
        }
        try {
            RiscvCpu cpu = load(Path.of(args[0]), MEM_SIZE);
            var mx = java.lang.management.ManagementFactory.getThreadMXBean();
            long t0 = System.nanoTime(), c0 = mx.getCurrentThreadCpuTime();
            int status = run(cpu, System.out);
            double s = (System.nanoTime() - t0) / 1e9, cs = (mx.getCurrentThreadCpuTime() - c0) / 1e9;
            System.out.flush();
            System.err.printf("%d instructions in %.3f s wall, %.3f s cpu: %.1f MIPS (per cpu second)%n",
                    cpu.instret, s, cs, cpu.instret / cs / 1e6);
            System.exit(status);
        } catch (IOException | RuntimeException e) {
            System.err.println("BareMetal: " + e.getMessage());
            System.exit(1);
        }
    }
}
