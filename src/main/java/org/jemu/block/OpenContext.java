package org.jemu.block;

import java.io.IOException;
import java.nio.file.Path;

/**
 * What a driver needs from the block layer while opening or creating an image: opening other images
 * (backing files, vmdk extents) relative to the image's own location, with the open flags of the
 * request and backing-loop detection.
 */
public interface OpenContext {
    /** The path of the image being opened (for resolving relative backing/extent names), or null. */
    Path imagePath();

    boolean readOnly();

    /** Opens a backing image; {@code format} null means probe. Throws a BlockException for a loop or a missing file. */
    BlockNode openBacking(String filename, String format) throws IOException;

    /** Opens a plain file as a protocol node (for vmdk extents and the like). */
    BlockNode openFile(String filename, boolean readOnly) throws IOException;
}
