package org.jemu.block;

/**
 * QEMU's cache= modes for a protocol node. {@code direct}: bypass the host page cache (O_DIRECT);
 * {@code writeback}: the guest/tool sees writes complete before they are durable and must flush
 * (false = writethrough: every write is followed by a data sync); {@code noFlush}: flushes are ignored
 * (cache=unsafe).
 */
public enum CacheMode {
    WRITEBACK("writeback", false, true, false),
    NONE("none", true, true, false),
    WRITETHROUGH("writethrough", false, false, false),
    DIRECTSYNC("directsync", true, false, false),
    UNSAFE("unsafe", false, true, true);

    public final String qemuName;
    public final boolean direct, writeback, noFlush;

    CacheMode(String qemuName, boolean direct, boolean writeback, boolean noFlush) {
        this.qemuName = qemuName; this.direct = direct; this.writeback = writeback; this.noFlush = noFlush;
    }

    /** Parses a cache= value as QEMU spells it; throws BlockException "Invalid cache option" otherwise. */
    public static CacheMode parse(String s) throws BlockException {
        if (s == null) return WRITEBACK;
        for (CacheMode m : values()) if (m.qemuName.equals(s)) return m;
        if (s.equals("off")) return NONE;
        throw new BlockException("Invalid cache option: " + s);
    }
}
