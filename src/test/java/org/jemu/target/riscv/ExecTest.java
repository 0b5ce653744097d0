package org.jemu.target.riscv;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Semantics of the hart on bare-metal snippets: control flow, traps and their reporting, CSRs, code invalidation, atomics across threads. */
@Timeout(120)
class ExecTest {
    /** The address of symbol-free snippet label: text starts at the ELF entry. */
    static long sym(RiscvCpu cpu, int offset) { return cpu.pc + offset; }

    @Test
    void aluLoopAndEcall() throws Exception {
        RiscvCpu cpu = Guest.asm("alu1", """
                li a0, 0
                li a1, 100
            1:  add a0, a0, a1
                addi a1, a1, -1
                bnez a1, 1b
                li a7, 93
                ecall
            """);
        long start = cpu.pc;
        assertEquals(Trap.ECALL_U, RiscvExec.run(cpu));
        assertEquals(5050, cpu.x[10]);
        assertEquals(93, cpu.x[17]);
        assertEquals(0x73, RiscvExec.fetch(cpu.mem, cpu.pc), "pc stays at the ecall");
        assertEquals(start + 16, cpu.pc);
        assertEquals(2 + 3 * 100 + 1, cpu.instret, "instructions retired (a trapping ecall does not retire)");
    }

    /**
     * Superblocks (system mode's decoding: conditional branches inside blocks): taken branches leave the block
     * with only the instructions up to the branch retired, not-taken ones go on, and a fault after a not-taken
     * branch is precise; every figure the same as with blocks ending at each branch.
     */
    @Test
    void superblocksRetireExactly() throws Exception {
        String src = """
                li a0, 0
                li a1, 50
                li a2, 0
            1:  addi a1, a1, -1
                andi t0, a1, 3
                beqz t0, 2f
                addi a0, a0, 1
                bltu a1, zero, 3f
                addi a0, a0, 2
                bnez a1, 1b
                j 4f
            2:  addi a2, a2, 1
                bnez a1, 1b
            4:  li t1, 7
                beq t1, zero, 3f
                li t2, 0x40000000
                blt t1, zero, 3f
                ld a3, 8(t2)
            3:  ecall
            """;
        long[] seen = null;
        for (boolean sb : new boolean[] {false, true}) {
            RiscvCpu cpu = Guest.asm("superblock", src);
            cpu.superblocks = sb;
            long start = cpu.pc;
            assertEquals(Trap.LOAD_ACCESS_FAULT, RiscvExec.run(cpu), "superblocks " + sb);
            long[] now = {cpu.pc - start, cpu.instret, cpu.x[10], cpu.x[11], cpu.x[12], cpu.tval};
            if (seen != null) assertEquals(java.util.Arrays.toString(seen), java.util.Arrays.toString(now));
            seen = now;
        }
        // a1 = 49..0: 13 values are multiples of 4 (5 instructions each, beqz taken), 37 are not (7 each);
        // then 4 instructions before the faulting ld
        int taken = 13, other = 37;
        assertEquals(3 + taken * 5 + other * 7 + 4, seen[1], "instructions retired before the fault");
        assertEquals(0x40000008L, seen[5]);
        assertEquals(other * 3, seen[2]);
        assertEquals(taken, seen[4]);
    }

    @Test
    void writesToX0AreDiscarded() throws Exception {
        RiscvCpu cpu = Guest.asm("x0", """
                addi zero, zero, 5
                lui zero, 0x12345
                ld zero, 0(sp)
                jal zero, 1f
            1:  add a0, zero, zero
                addi a1, zero, 7
                ecall
            """);
        assertEquals(Trap.ECALL_U, RiscvExec.run(cpu));
        assertEquals(0, cpu.x[0]);
        assertEquals(0, cpu.x[10]);
        assertEquals(7, cpu.x[11]);
    }

    @Test
    void callsAndReturns() throws Exception {
        RiscvCpu cpu = Guest.asm("calls", """
                li a0, 10
                call fact
                ecall
            fact:
                li t0, 1
                mv t1, a0
            1:  beqz t1, 2f
                mul t0, t0, t1
                addi t1, t1, -1
                j 1b
            2:  mv a0, t0
                ret
            """);
        assertEquals(Trap.ECALL_U, RiscvExec.run(cpu));
        assertEquals(3628800, cpu.x[10]);
    }

    @Test
    void illegalInstructionReportsPcAndBits() throws Exception {
        RiscvCpu cpu = Guest.asm("ill32", """
                li a0, 1
                .4byte 0xfe007033
                li a0, 2
            """);
        long start = cpu.pc;
        assertEquals(Trap.ILLEGAL_INSN, RiscvExec.run(cpu));
        assertEquals(start + 2, cpu.pc);
        assertEquals(0xfe007033L, cpu.tval);
        assertEquals(1, cpu.x[10]);

        cpu = Guest.asm("ill16", """
                li a0, 1
                .2byte 0
            """);
        start = cpu.pc;
        assertEquals(Trap.ILLEGAL_INSN, RiscvExec.run(cpu));
        assertEquals(start + 2, cpu.pc);
        assertEquals(0, cpu.tval);

        cpu = Guest.asm("ill-priv", """
                mret
            """);
        assertEquals(Trap.ILLEGAL_INSN, RiscvExec.run(cpu), "mret is illegal in user mode");
        assertEquals(0x30200073L, cpu.tval);
    }

    @Test
    void ebreakAndCompressedEbreak() throws Exception {
        RiscvCpu cpu = Guest.asm("ebreak", """
                .option norvc
                ebreak
                .option rvc
                c.ebreak
            """);
        long start = cpu.pc;
        assertEquals(Trap.BREAKPOINT, RiscvExec.run(cpu));
        assertEquals(start, cpu.pc);
        cpu.pc += 4;
        assertEquals(Trap.BREAKPOINT, RiscvExec.run(cpu));
        assertEquals(start + 4, cpu.pc);
    }

    @Test
    void memoryFaultsArePrecise() throws Exception {
        RiscvCpu cpu = Guest.asm("fault", """
                li a0, 1
                li t0, 0x40000000
                li a1, 2
                ld a2, 8(t0)
                li a0, 3
            """);
        int r = RiscvExec.run(cpu);
        assertEquals(Trap.LOAD_ACCESS_FAULT, r);
        assertEquals(0x40000008L, cpu.tval);
        assertEquals(1, cpu.x[10]);
        assertEquals(2, cpu.x[11]);
        assertEquals(Trap.LOAD_ACCESS_FAULT, RiscvExec.run(cpu), "re-running the faulting instruction faults again");
        assertEquals(3, cpu.instret, "the faulting load did not retire");

        cpu = Guest.asm("sfault", """
                li t0, -8
                sd zero, 0(t0)
            """);
        assertEquals(Trap.STORE_ACCESS_FAULT, RiscvExec.run(cpu));
        assertEquals(-8L, cpu.tval);

        cpu = Guest.asm("jfault", """
                li t0, 0x40000000
                jr t0
            """);
        assertEquals(Trap.INSN_ACCESS_FAULT, RiscvExec.run(cpu));
        assertEquals(0x40000000L, cpu.pc);
        assertEquals(0x40000000L, cpu.tval);
    }

    @Test
    void misalignedAtomicsTrapButPlainAccessesDoNot() throws Exception {
        RiscvCpu cpu = Guest.asm("mis", """
                addi t0, sp, -61
                sd t0, 0(t0)
                ld a0, 0(t0)
                amoadd.w a1, a0, (t0)
            """);
        assertEquals(Trap.STORE_MISALIGNED, RiscvExec.run(cpu));
        assertEquals(cpu.x[5], cpu.tval);
        assertEquals(cpu.x[5], cpu.x[10]);
        cpu = Guest.asm("mislr", """
                addi t0, sp, -4
                lr.d a0, (t0)
            """);
        assertEquals(Trap.LOAD_MISALIGNED, RiscvExec.run(cpu));
    }

    @Test
    void userCsrs() throws Exception {
        RiscvCpu cpu = Guest.asm("csr", """
                rdinstret a0
                rdcycle a1
                rdtime a2
                li t0, 0x60
                csrw fcsr, t0
                csrr a3, frm
                csrrwi a4, fflags, 0x15
                csrr a5, fcsr
                ecall
            """);
        assertEquals(Trap.ECALL_U, RiscvExec.run(cpu));
        assertTrue(cpu.x[10] >= 0 && cpu.x[10] <= 1);
        assertTrue(cpu.x[12] > 0);
        assertEquals(3, cpu.x[13]);
        assertEquals(0, cpu.x[14]);
        assertEquals(0x75, cpu.x[15]);

        for (String bad : new String[] {"csrw cycle, a0", "csrr a0, mstatus", "csrr a0, 0x7c0", "csrw time, zero", "csrs instret, a1"}) {
            cpu = Guest.asm("csrbad", bad + "\necall");
            assertEquals(Trap.ILLEGAL_INSN, RiscvExec.run(cpu), bad);
        }
        cpu = Guest.asm("csrok", "csrs cycle, zero\necall");
        assertEquals(Trap.ECALL_U, RiscvExec.run(cpu), "csrrs with rs1=x0 does not write, so a read-only CSR is fine");
    }

    @Test
    void reservedRoundingModesAreIllegal() throws Exception {
        RiscvCpu cpu = Guest.asm("rm", """
                .4byte 0x02c5d553
            """);   // fadd.d fa0,fa1,fa2 with rm=5
        assertEquals(Trap.ILLEGAL_INSN, RiscvExec.run(cpu));
        cpu = Guest.asm("frm", """
                li t0, 6
                fsrm t0
                fadd.d fa0, fa1, fa2
            """);
        assertEquals(Trap.ILLEGAL_INSN, RiscvExec.run(cpu));
        cpu = Guest.asm("frm-static", """
                li t0, 6
                fsrm t0
                fadd.d fa0, fa1, fa2, rne
                fsgnj.d fa3, fa0, fa0
                ecall
            """);
        assertEquals(Trap.ECALL_U, RiscvExec.run(cpu), "a static rm does not care about frm; fsgnj has no rm");
    }

    @Test
    void zicond() throws Exception {
        RiscvCpu cpu = Guest.asm("zicond", """
                li a1, 42
                li a2, 0
                li a3, 5
                .insn r 0x33, 5, 7, a4, a1, a2
                .insn r 0x33, 5, 7, a5, a1, a3
                .insn r 0x33, 7, 7, a6, a1, a2
                .insn r 0x33, 7, 7, a7, a1, a3
                ecall
            """);
        cpu.x[17] = 0;
        assertEquals(Trap.ECALL_U, RiscvExec.run(cpu));
        assertEquals(0, cpu.x[14]);   // czero.eqz a4, a1, a2(=0) -> 0
        assertEquals(42, cpu.x[15]);  // czero.eqz a5, a1, a3(!=0) -> a1
        assertEquals(42, cpu.x[16]);  // czero.nez a6, a1, a2(=0) -> a1
        assertEquals(0, cpu.x[17]);   // czero.nez a7, a1, a3(!=0) -> 0
    }

    @Test
    void fenceIMakesModifiedCodeVisible() throws Exception {
        RiscvCpu cpu = Guest.asm("fencei", """
                .option norvc
                call f
                mv s0, a0
                la t0, f
                lw t1, 8(t0)
                sw t1, 0(t0)
                fence.i
                call f
                mv s1, a0
                ecall
            f:  li a0, 1
                ret
                li a0, 2
            """);
        assertEquals(Trap.ECALL_U, RiscvExec.run(cpu));
        assertEquals(1, cpu.x[8]);
        assertEquals(2, cpu.x[9]);
    }

    @Test
    void invalidateCodeFromOutside() throws Exception {
        RiscvCpu cpu = Guest.asm("inval", """
                .option norvc
                li a0, 1
                ecall
                j _start
            """);
        long start = cpu.pc;
        assertEquals(Trap.ECALL_U, RiscvExec.run(cpu));
        assertEquals(1, cpu.x[10]);
        cpu.mem.store32(start, 0x00200513);           // li a0, 2
        cpu.pc += 4;
        assertEquals(Trap.ECALL_U, RiscvExec.run(cpu));
        assertEquals(1, cpu.x[10], "the cached block still runs until the code is invalidated");
        cpu.invalidateCode(start, 4);
        cpu.pc += 4;
        assertEquals(Trap.ECALL_U, RiscvExec.run(cpu));
        assertEquals(2, cpu.x[10]);
    }

    @Test
    void exitRequestStopsAnEndlessLoop() throws Exception {
        RiscvCpu cpu = Guest.asm("spin", """
            1:  addi a0, a0, 1
                j 1b
            """);
        Thread t = Thread.ofPlatform().start(() -> {
            try { Thread.sleep(200); } catch (InterruptedException e) { return; }
            cpu.requestExit();
        });
        assertEquals(Trap.EXIT_REQUEST, RiscvExec.run(cpu));
        t.join();
        long n = cpu.x[10];
        assertTrue(n > 0);
        cpu.requestExit();
        assertEquals(Trap.EXIT_REQUEST, RiscvExec.run(cpu), "a request made while not running is seen at once");
        assertEquals(n, cpu.x[10]);
    }

    @Test
    void atomicCountersAcrossThreads() throws Exception {
        int harts = 4, iters = 20000;
        RiscvCpu first = Guest.asm("amo-mt", """
                la t0, counters
                li t1, %d
            1:  li t2, 1
                amoadd.w zero, t2, (t0)
                addi t6, t0, 8
                amoadd.d zero, t2, (t6)
                addi t1, t1, -1
                bnez t1, 1b
                li t1, %d
                addi t4, t0, 16
            2:  lr.w t3, (t4)
                addi t3, t3, 1
                sc.w t5, t3, (t4)
                bnez t5, 2b
                addi t1, t1, -1
                bnez t1, 2b
                ecall
                .data
                .balign 64
            counters: .dword 0, 0, 0
            """.formatted(iters, iters));
        List<Thread> ts = new ArrayList<>();
        List<RiscvCpu> cpus = new ArrayList<>();
        AtomicInteger ok = new AtomicInteger();
        for (int h = 0; h < harts; h++) {
            RiscvCpu cpu = new RiscvCpu(h, first.mem);
            cpu.pc = first.pc;
            cpus.add(cpu);
            ts.add(Thread.ofPlatform().start(() -> { if (RiscvExec.run(cpu) == Trap.ECALL_U) ok.incrementAndGet(); }));
        }
        for (Thread t : ts) t.join();
        assertEquals(harts, ok.get());
        RiscvCpu probe = new RiscvCpu(9, first.mem);
        long counters = cpus.get(0).x[5];
        assertEquals(harts * iters, probe.mem.load32(counters));
        assertEquals((long) harts * iters, probe.mem.load64(counters + 8));
        assertEquals(harts * iters, probe.mem.load32(counters + 16));
    }
}
