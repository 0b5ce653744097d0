package org.jemu.target.riscv;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class OpsTest {
    @Test
    void opsConstantsAreTheInsnOrdinals() throws Exception {
        for (Insn in : Insn.values()) assertEquals(in.ordinal(), Ops.class.getDeclaredField(in.name()).getInt(null), in.name());
        assertEquals(Insn.values().length, Ops.COUNT);
    }

    @Test
    void everyAluFunctionExists() throws Exception {
        for (Insn in : Insn.values()) {
            if (in.fn == null) continue;
            if (in.isBranch()) Alu.class.getMethod(in.fn, long.class, long.class);
            else if (in.fmt == Insn.Fmt.R1) Alu.class.getMethod(in.fn, long.class);
            else Alu.class.getMethod(in.fn, long.class, long.class);
        }
    }
}
