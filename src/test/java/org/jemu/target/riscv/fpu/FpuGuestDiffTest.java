package org.jemu.target.riscv.fpu;

import org.jemu.testutil.GuestPrograms;
import org.jemu.testutil.Jemu;
import org.jemu.testutil.Need;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The whole F/D path of the emulator (decode, frm/fflags CSRs, NaN-boxing, Fpu) against QEMU: the
 * tests/guest/fpu_corners program must print exactly the same results and flags under bin/jemu-riscv64 as
 * under qemu-riscv64.
 */
@Timeout(600)
class FpuGuestDiffTest {
    @Test
    void sameOutputAsQemu() throws Exception {
        Path qemu = Need.tool("qemu-riscv64");
        Path prog = GuestPrograms.build("fpu_corners");
        Jemu.Result q = Jemu.run(List.of(qemu.toString(), prog.toString()), 240);
        Jemu.Result j = Jemu.run(List.of(Jemu.bin("jemu-riscv64").toString(), prog.toString()), 480);
        assertEquals(0, q.exit(), "qemu-riscv64 failed: " + q.stderr());
        assertTrue(q.stdout().endsWith("fpu_corners done\n"), "qemu output incomplete");
        assertEquals(0, j.exit(), "jemu-riscv64 failed: " + j.stderr());
        if (!q.stdout().equals(j.stdout())) {
            String[] ql = q.stdout().split("\n", -1), jl = j.stdout().split("\n", -1);
            StringBuilder sb = new StringBuilder();
            int shown = 0;
            for (int i = 0; i < Math.max(ql.length, jl.length) && shown < 20; i++) {
                String a = i < ql.length ? ql[i] : "<missing>", b = i < jl.length ? jl[i] : "<missing>";
                if (!a.equals(b)) {
                    sb.append("line ").append(i + 1).append("\n  qemu: ").append(a).append("\n  jemu: ").append(b).append('\n');
                    shown++;
                }
            }
            fail("jemu-riscv64 output differs from qemu-riscv64 (" + ql.length + " lines):\n" + sb);
        }
    }
}
