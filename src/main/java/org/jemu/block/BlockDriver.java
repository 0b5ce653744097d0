package org.jemu.block;

import org.jemu.util.QemuOpts;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A format driver (QEMU's BlockDriver): probes, opens and creates images of one format. Format drivers
 * sit on a protocol node (the host file, NBD) that they read and write through {@link BlockNode}.
 * Drivers are listed in {@code BlockDrivers}; jemu-img and the machines' disks go through that registry.
 */
public interface BlockDriver {
    /** Format name as qemu-img spells it: "qcow2", "raw", "vmdk", "vdi", "vpc", "vhdx". */
    String name();

    /**
     * How sure this driver is that the image is its format, from the first bytes of the file (at least
     * 512 bytes where the file has them) and the file name: 0 = not this format, 100 = magic matched
     * (QEMU's bdrv_probe scores; raw answers 1).
     */
    int probe(byte[] head, String filename);

    /**
     * Opens an image on {@code file} (the protocol node, owned by the returned node from then on).
     * {@code ctx} opens backing files / extents relative to the image and detects backing loops.
     */
    BlockNode open(BlockNode file, OpenContext ctx) throws IOException;

    /** Creates a new image at {@code path} of {@code size} bytes with the format's -o options (taken from {@code opts}). */
    void create(Path path, long size, QemuOpts opts, OpenContext ctx) throws IOException;

    /**
     * Creates a new image and returns it open read-write with {@code cache}, when the driver can do both in
     * one step (cheaper than creating, closing, opening and probing it: convert's target); null when it
     * cannot (nothing is created then: the caller creates and opens).
     */
    default BlockNode createOpen(Path path, long size, QemuOpts opts, OpenContext ctx, CacheMode cache) throws IOException {
        return null;
    }

    /** The -o options this driver's create accepts, for `jemu-img create -f FMT -o help`. */
    List<CreateOption> createOptions();

    /** One creation option as `-o help` lists it. */
    record CreateOption(String name, String type, String help, String defaultValue) {}
}
