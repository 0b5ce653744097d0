package org.jemu.block;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The guest → host mapping of the block-mapped formats (vdi's block map, vpc's BAT, vhdx's BAT): the
 * virtual disk is cut into blocks of one size, each either stored at a host offset in the image file or
 * not allocated, which reads as zeros.
 */
@FunctionalInterface
public interface BlockMap {
    /** The host offset of guest block {@code block}, or a negative number when it is not allocated. */
    long host(long block) throws IOException;

    /** Reads {@code dst.remaining()} bytes at guest {@code offset} from {@code file} through {@code map}. */
    static void read(BlockNode file, long blockSize, BlockMap map, long offset, ByteBuffer dst) throws IOException {
        while (dst.hasRemaining()) {
            long blk = offset / blockSize, in = offset % blockSize;
            int n = (int) Math.min(dst.remaining(), blockSize - in);
            ByteBuffer part = dst.slice(dst.position(), n);
            long host = map.host(blk);
            if (host < 0) {
                while (part.hasRemaining()) part.put((byte) 0);
            } else {
                file.read(host + in, part);
            }
            dst.position(dst.position() + n);
            offset += n;
        }
    }
}
