package org.jemu.memory;

/**
 * An access to a guest-physical address nothing answers (or a write to ROM): the CPU turns it into an
 * access fault. Stackless, because guests provoke it on purpose (probing) and it must stay cheap.
 */
public final class BusError extends RuntimeException {
    public final long address;
    public final boolean write;

    public BusError(long address, boolean write) {
        super(null, null, false, false);
        this.address = address;
        this.write = write;
    }

    @Override public String getMessage() {
        return String.format("%s of unassigned physical address 0x%x", write ? "write" : "read", address);
    }
}
