package org.jemu.linuxuser;

/** A user-facing failure of the emulator (bad program, unloadable interpreter…): one line, then exit status. */
public final class LinuxUserException extends RuntimeException {
    public final int exitStatus;

    public LinuxUserException(String message) { this(message, 255); }

    public LinuxUserException(String message, int exitStatus) {
        super(message, null, false, false);
        this.exitStatus = exitStatus;
    }
}
