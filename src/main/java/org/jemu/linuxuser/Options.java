package org.jemu.linuxuser;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/** The user-mode emulator's settings (QEMU's command line / QEMU_* environment), inherited across fork and exec. */
public final class Options {
    public String ldPrefix;
    public long stackSize = 8L << 20;
    public long guestBase = -1;
    public String cpu = "any";
    public boolean strace;
    public String unameRelease;
    public String logItems;
    public String logFile;
    /** {@code -accel tcg[,thresh=N|all|off][,tb-size=MiB]}: when guest code is translated (org.jemu.tcg.TcgOptions). */
    public String accel;

    void write(DataOutputStream o) throws IOException {
        o.writeUTF(ldPrefix == null ? "\0" : ldPrefix);
        o.writeLong(stackSize);
        o.writeLong(guestBase);
        o.writeUTF(cpu);
        o.writeBoolean(strace);
        o.writeUTF(unameRelease == null ? "\0" : unameRelease);
        o.writeUTF(logItems == null ? "\0" : logItems);
        o.writeUTF(logFile == null ? "\0" : logFile);
        o.writeUTF(accel == null ? "\0" : accel);
    }

    static Options read(DataInputStream in) throws IOException {
        Options o = new Options();
        o.ldPrefix = nul(in.readUTF());
        o.stackSize = in.readLong();
        o.guestBase = in.readLong();
        o.cpu = in.readUTF();
        o.strace = in.readBoolean();
        o.unameRelease = nul(in.readUTF());
        o.logItems = nul(in.readUTF());
        o.logFile = nul(in.readUTF());
        o.accel = nul(in.readUTF());
        return o;
    }

    private static String nul(String s) { return s.equals("\0") ? null : s; }
}
