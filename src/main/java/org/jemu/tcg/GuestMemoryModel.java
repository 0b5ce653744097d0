package org.jemu.tcg;

import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;

/**
 * How translated code turns a guest virtual address into a host address. User mode: guest memory lives at
 * {@code guest_base} in the host address space and a page-permission table is checked inline. System mode
 * plugs in a softmmu TLB here (inline tag compare → host offset, miss → {@code slow}).
 */
public interface GuestMemoryModel {
    enum Access { READ, WRITE, EXEC }

    /**
     * Emits code which, with the guest address (a long) in local {@code addrSlot}, leaves the host address (a
     * long) on the operand stack (local {@code refSlot} is free for a reference temporary) — or branches to {@code slow} (nothing on the stack) when the access needs
     * the interpreter: unmapped, wrong permission, crosses into a page it may not touch, MMIO.
     */
    void emitHostAddress(CodeBuilder cb, ClassData cd, int addrSlot, int refSlot, int size, Access access, Label slow);

    /**
     * Long-sized local slots the model keeps for the duration of one unit run (e.g. the last page found
     * accessible), starting at the slot passed to {@link #emitEntry}; 0 = none.
     */
    default int unitLocals() { return 0; }

    /** Emits the initialisation of the model's unit locals at {@code base} (unit entry). */
    default void emitEntry(CodeBuilder cb, ClassData cd, int base) {}

    /**
     * As {@link #emitHostAddress(CodeBuilder, ClassData, int, int, int, Access, Label)}, with the model's unit
     * locals at {@code localsBase} (a model without unit locals ignores it).
     */
    default void emitHostAddress(CodeBuilder cb, ClassData cd, int addrSlot, int refSlot, int localsBase, int size,
                                 Access access, Label slow) {
        emitHostAddress(cb, cd, addrSlot, refSlot, size, access, slow);
    }

    /** Reads {@code size} (2 or 4) bytes of guest code for the translator, or -1 when not executable. */
    long fetchCode(long guestAddr, int size);
}
