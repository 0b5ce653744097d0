package org.jemu.block;

import java.io.IOException;

/** A block-layer error with a message meant for the user (e.g. a malformed image, named precisely). */
public class BlockException extends IOException {
    public BlockException(String message) { super(message); }
    public BlockException(String message, Throwable cause) { super(message, cause); }
}
