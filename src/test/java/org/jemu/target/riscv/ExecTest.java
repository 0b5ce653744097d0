package org.jemu.target.riscv;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;

@Timeout(60)
class ExecTest {
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
        assertEquals(Trap.ECALL_U, RiscvExec.run(cpu));
        assertEquals(5050, cpu.x[10]);
        assertEquals(93, cpu.x[17]);
    }
}
