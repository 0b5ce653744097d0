package org.jemu.target.riscv;

import org.jemu.testutil.GuestPrograms;
import org.jemu.testutil.Jemu;
import org.jemu.testutil.Need;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Differential tests of the hart through bin/jemu-riscv64 against qemu-riscv64: C programs (tests/guest/cpu_*.c)
 * that exercise FP through libm in every rounding mode, C11 atomics across threads, run-time generated code
 * and compiler-generated integer code print their results; jemu must print the same.
 */
@Timeout(600)
class CpuGuestTest {
    static void same(String prog) throws Exception {
        Need.tool("qemu-riscv64");
        String bin = GuestPrograms.build(prog).toString();
        Jemu.Result q = Jemu.run(List.of(Need.tool("qemu-riscv64").toString(), bin), 240);
        Jemu.Result j = Jemu.run(List.of(Jemu.bin("jemu-riscv64").toString(), bin), 240);
        assertEquals(0, q.exit(), q::toString);
        assertEquals(q.stdout(), j.stdout(), () -> "stdout differs from qemu-riscv64; jemu: " + j.stderr());
        assertEquals(q.exit(), j.exit(), j::toString);
    }

    @Test void floatingPoint() throws Exception { same("cpu_fp"); }
    @Test void atomicsAcrossThreads() throws Exception { same("cpu_atomics"); }
    @Test void generatedCode() throws Exception { same("cpu_selfmod"); }
    @Test void integerCode() throws Exception { same("cpu_int"); }
}
