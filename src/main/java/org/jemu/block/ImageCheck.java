package org.jemu.block;

import java.util.ArrayList;
import java.util.List;

/**
 * Result of a consistency check (qemu-img check), as BlockNode.check returns it. Fields are QEMU's
 * BdrvCheckResult; {@code messages} are the per-problem lines QEMU writes to stderr.
 */
public final class ImageCheck {
    public static final int FIX_LEAKS = 1, FIX_ERRORS = 2;
    public long corruptions, leaks, checkErrors, corruptionsFixed, leaksFixed;
    public long totalClusters, allocatedClusters, fragmentedClusters, compressedClusters, imageEndOffset;
    public final List<String> messages = new ArrayList<>();
}
