package org.jemu.target.riscv.translate;

import org.jemu.target.riscv.RiscvCpu;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * What translated code reads of a {@link RiscvCpu} beyond its public register files: the exit-request word
 * (a volatile read — the per-iteration ordering point and the way other threads stop a running loop).
 */
public final class CpuAccess {
    private CpuAccess() {}

    /** The hart's exit-request word; used directly (not through {@link #exitRequest}) where C2 must not leave a call. */
    static final VarHandle EXIT_REQUEST;
    static {
        try {
            EXIT_REQUEST = MethodHandles.privateLookupIn(RiscvCpu.class, MethodHandles.lookup())
                    .findVarHandle(RiscvCpu.class, "exitRequest", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    public static int exitRequest(RiscvCpu cpu) { return (int) EXIT_REQUEST.getVolatile(cpu); }
}
