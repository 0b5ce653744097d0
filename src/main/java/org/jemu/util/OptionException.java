package org.jemu.util;

/** A user error in options or arguments: reported as one line naming the problem, never a stack trace. */
public class OptionException extends RuntimeException {
    public OptionException(String message) { super(message, null, false, false); }
}
