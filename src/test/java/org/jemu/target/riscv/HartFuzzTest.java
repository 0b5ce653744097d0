package org.jemu.target.riscv;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A hostile guest must never crash the emulator: random instruction words (32-bit and compressed) with random
 * register contents run to a guest-visible outcome — a trap cause or an exit request — and never a Java
 * exception; every decoded row has semantics.
 */
@Timeout(120)
class HartFuzzTest {
    @Test
    void randomInstructionsNeverThrow() throws Exception {
        FlatMemory mem = new FlatMemory(0, 1 << 16);
        AtomicReference<RiscvCpu> current = new AtomicReference<>();
        Thread watchdog = Thread.ofPlatform().daemon().start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                RiscvCpu c = current.get();
                if (c != null) c.requestExit();
                try { Thread.sleep(5); } catch (InterruptedException e) { return; }
            }
        });
        SplittableRandom rnd = new SplittableRandom(42);
        int[] seen = new int[Insn.values().length];
        try {
            for (int n = 0; n < 100_000; n++) {
                long pc = 0x1000 + 2L * rnd.nextInt(0x3000);
                int w = rnd.nextInt();
                if (rnd.nextInt(4) == 0) w &= 0xffff;             // a compressed parcel, whatever follows
                mem.store32(pc, w);
                mem.store32(pc + 4, 0x00000073);                  // ecall
                RiscvCpu cpu = new RiscvCpu(0, mem);
                for (int i = 1; i < 32; i++) cpu.x[i] = rnd.nextInt(3) == 0 ? rnd.nextLong() : rnd.nextInt(1 << 16);
                for (int i = 0; i < 32; i++) cpu.f[i] = rnd.nextLong();
                cpu.fp.frm = rnd.nextInt(8);
                cpu.pc = pc;
                seen[Decoder.decode(w).insn().ordinal()]++;
                current.set(cpu);
                int r = RiscvExec.run(cpu);
                assertTrue(r >= 0 && r <= Trap.STORE_PAGE_FAULT || r == Trap.EXIT_REQUEST, "unexpected code " + r);
                assertTrue(cpu.x[0] == 0);
            }
        } finally {
            watchdog.interrupt();
        }
        StringBuilder never = new StringBuilder();
        for (Insn in : Insn.values()) if (seen[in.ordinal()] == 0) never.append(in).append(' ');
        System.err.println("HartFuzzTest: rows never hit by random words: " + never);
    }

    @Test
    void everyRowExecutes() {
        // one encoding per row (its match bits, operands 0 except rs1 = sp-ish register set up below)
        for (Insn in : Insn.values()) {
            if (in == Insn.ILLEGAL) continue;
            FlatMemory mem = new FlatMemory(0, 1 << 16);
            int w = in.match | 10 << 15 | 11 << 20 | 12 << 7;    // rs1 = a0, rs2 = a1, rd = a2
            if (in.fmt.imm == Insn.Imm.RM && (in.mask & 0x7000) == 0) w |= 7 << 12;   // dynamic rm
            mem.store32(0x1000, w);
            mem.store32(0x1004, 0x00000073);
            RiscvCpu cpu = new RiscvCpu(0, mem);
            cpu.x[10] = 0x8000;
            cpu.x[11] = 0x8000;
            cpu.pc = 0x1000;
            int r = RiscvExec.run(cpu);
            assertTrue(r >= 0 && r <= Trap.STORE_PAGE_FAULT, in + " returned " + r);
        }
    }
}
