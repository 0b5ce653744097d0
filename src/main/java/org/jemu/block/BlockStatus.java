package org.jemu.block;

/**
 * Status of a run of bytes, as {@code qemu-img map} reports it.
 *
 * @param length     bytes covered (> 0)
 * @param data       the range reads as data from some layer (false: a hole reading as zeroes/backing)
 * @param zero       the range reads as zeroes
 * @param allocated  the data comes from this node rather than its backing chain
 * @param depth      0 for this node, 1 for its backing file, ... (qemu-img map "depth")
 * @param hostOffset offset of the data in the underlying file, or -1 if not a contiguous host range
 */
public record BlockStatus(long length, boolean data, boolean zero, boolean allocated, int depth, long hostOffset) {}
