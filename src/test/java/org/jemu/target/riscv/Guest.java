package org.jemu.target.riscv;

import org.jemu.testutil.Jemu;
import org.jemu.testutil.Need;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Bare-metal RISC-V snippets for the CPU tests: assembled/compiled with the cross toolchain, loaded into a {@link FlatMemory}. */
final class Guest {
    private Guest() {}

    static final long BASE = 0x10000, SIZE = 2 << 20;
    static final String MARCH = "-march=rv64gc_zba_zbb_zbs";

    /** Builds an ELF from assembly (entry _start) or C; returns its path. */
    static Path build(String name, String source, boolean isC, String... flags) throws IOException, InterruptedException {
        Path gcc = Need.tool("riscv64-linux-gnu-gcc");
        Path dir = Jemu.home().resolve("target/cpu-snippets");
        Files.createDirectories(dir);
        Path src = dir.resolve(name + (isC ? ".c" : ".S"));
        Files.writeString(src, source);
        Path elf = dir.resolve(name + ".elf");
        List<String> cmd = new ArrayList<>(List.of(gcc.toString(), MARCH, "-mabi=lp64d", "-nostdlib", "-static", "-O2",
                "-ffreestanding", "-Wl,--build-id=none", "-o", elf.toString(), src.toString()));
        cmd.addAll(List.of(flags));
        Jemu.Result r = Jemu.run(cmd, 60);
        if (r.exit() != 0) throw new IOException("cross build failed: " + r);
        return elf;
    }

    /** Loads the PT_LOAD segments of a little-endian ELF64 into a new FlatMemory; returns a hart at the entry. */
    static RiscvCpu load(Path elf) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(elf)).order(ByteOrder.LITTLE_ENDIAN);
        FlatMemory mem = new FlatMemory(0, SIZE);
        long entry = b.getLong(24), phoff = b.getLong(32);
        int phentsize = b.getShort(54) & 0xffff, phnum = b.getShort(56) & 0xffff;
        for (int i = 0; i < phnum; i++) {
            int p = (int) phoff + i * phentsize;
            if (b.getInt(p) != 1) continue;
            long off = b.getLong(p + 8), vaddr = b.getLong(p + 16), filesz = b.getLong(p + 32);
            byte[] data = new byte[(int) filesz];
            b.get((int) off, data);
            mem.write(vaddr, data);
        }
        RiscvCpu cpu = new RiscvCpu(0, mem);
        cpu.pc = entry;
        cpu.x[2] = SIZE - 16;   // sp at the top
        return cpu;
    }

    /** Assembles and loads a snippet. */
    static RiscvCpu asm(String name, String body) throws IOException, InterruptedException {
        return load(build(name, ".text\n.globl _start\n_start:\n" + body + "\n", false));
    }

    /** Builds a bare-metal C program kept in the test resources. */
    static Path buildResource(String name) throws IOException, InterruptedException {
        try (var in = Guest.class.getResourceAsStream(name + ".c")) {
            if (in == null) throw new IOException("no test resource " + name + ".c");
            return build(name, new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8), true);
        }
    }

    /**
     * A minimal linux-user loop for bare-metal programs: write(1/2, buf, len) is captured, exit/exit_group
     * stops; any other trap fails. Returns what the program wrote.
     */
    static String runProgram(RiscvCpu cpu) {
        StringBuilder out = new StringBuilder();
        for (;;) {
            int r = RiscvExec.run(cpu);
            if (r != Trap.ECALL_U) throw new AssertionError(Trap.name(r) + " at pc 0x" + Long.toHexString(cpu.pc) + " tval 0x" + Long.toHexString(cpu.tval));
            long n = cpu.x[17];
            if (n == 93 || n == 94) return out.toString();
            if (n != 64) throw new AssertionError("unexpected syscall " + n);
            for (long a = cpu.x[11], e = a + cpu.x[12]; a < e; a++) out.append((char) (cpu.mem.load8(a) & 0xff));
            cpu.x[10] = cpu.x[12];
            cpu.pc += 4;
        }
    }
}
